//! SQL of node monitoring, the e-mail queue and traffic reports.

use super::{Db, Done, Int, Tx};
use crate::{on_db, on_tx};

/// (node id, name, heartbeat, bandwidth used, bandwidth limit) of every node.
pub async fn node_heartbeats(db: &Db) -> sqlx::Result<Vec<(i64, String, i64, i64, i64)>> {
    on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `name`, `node_heartbeat`, `node_bandwidth`, `node_bandwidth_limit` FROM `node` \
         ORDER BY `sort`, `id`"
    )
    .fetch_all(p)
    .await
    })
}

/// The latest `node_online_log` (online users, time) of every node that has one.
pub async fn latest_online(db: &Db) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT l.`node_id`, l.`online_user`, l.`log_time` FROM `node_online_log` l \
         JOIN (SELECT `node_id`, MAX(`id`) AS `m` FROM `node_online_log` GROUP BY `node_id`) x \
         ON x.`m` = l.`id`"
    )
    .fetch_all(p)
    .await)
}

/// The latest `node_info` (load, uptime, time) of every node that has one.
pub async fn latest_info(db: &Db) -> sqlx::Result<Vec<(i64, String, f64, i64)>> {
    let sql = cast_uptime(
        db,
        "SELECT i.`node_id`, i.`load`, CAST(i.`uptime` AS DOUBLE), i.`log_time` FROM `node_info` i \
         JOIN (SELECT `node_id`, MAX(`id`) AS `m` FROM `node_info` GROUP BY `node_id`) x ON x.`m` = i.`id`",
    );
    on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

fn cast_uptime(db: &Db, sql: &str) -> String {
    sql.replace("AS DOUBLE", &format!("AS {}", db.backend().double()))
}

/// `node_info` rows of one node since `from`: (time, load, uptime).
pub async fn load_history(db: &Db, node: i64, from: i64) -> sqlx::Result<Vec<(i64, String, f64)>> {
    let sql = cast_uptime(
        db,
        "SELECT `log_time`, `load`, CAST(`uptime` AS DOUBLE) FROM `node_info` \
         WHERE `node_id` = ? AND `log_time` >= ? ORDER BY `log_time`, `id`",
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(node)
        .bind(from)
        .fetch_all(p)
        .await)
}

/// The last notice kind of every node that has one.
pub async fn last_alerts(db: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT a.`node_id`, a.`kind` FROM `spanel_node_alert` a \
         JOIN (SELECT `node_id`, MAX(`id`) AS `m` FROM `spanel_node_alert` GROUP BY `node_id`) x \
         ON x.`m` = a.`id`"
    )
    .fetch_all(p)
    .await)
}

/// Locks a node row and returns its last notice kind ("" when none), so that two monitors racing
/// (the scheduler and `spanel job run`) cannot both raise the same notice. None = no such node.
pub async fn lock_node_alert(tx: &mut Tx, node: i64) -> sqlx::Result<Option<String>> {
    let sql = format!("SELECT `id` FROM `node` WHERE `id` = ?{}", tx.for_update());
    let found: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(&sql)
        .bind(node)
        .fetch_optional(c)
        .await)?;
    if found.is_none() {
        return Ok(None);
    }
    let kind: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `kind` FROM `spanel_node_alert` WHERE `node_id` = ? ORDER BY `id` DESC LIMIT 1"
    )
    .bind(node)
    .fetch_optional(c)
    .await)?;
    Ok(Some(kind.unwrap_or_default()))
}

pub async fn insert_alert(
    tx: &mut Tx,
    node: i64,
    kind: &str,
    now: i64,
    detail: &str,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO `spanel_node_alert` (`node_id`, `kind`, `created_at`, `detail`) VALUES (?, ?, ?, ?)"
    )
    .bind(node)
    .bind(kind)
    .bind(now)
    .bind(detail)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub node_id: i64,
    pub kind: String,
    pub created_at: i64,
    pub detail: String,
}

pub async fn alerts(db: &Db, limit: i64) -> sqlx::Result<Vec<AlertRow>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `node_id`, `kind`, `created_at`, `detail` FROM `spanel_node_alert` \
         ORDER BY `id` DESC LIMIT ?"
    )
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// Queues a mail: `body` (plain text, or HTML when `parts` holds its text part as
/// `{"text": …}`) in `template`, `parts` in `array`.
pub async fn enqueue_email(
    db: &Db,
    to: &str,
    subject: &str,
    body: &str,
    parts: &str,
    now: i64,
) -> sqlx::Result<i64> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `email_queue` (`to_email`, `subject`, `template`, `array`, `time`) \
         VALUES (?, ?, ?, ?, ?)"
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(parts)
    .bind(now)
    .execute(p)
    .await
    .map(|r| Done::from(r).id))
}

/// The `email_queue` rows spanel's job takes (alias `q`): its own (a body in `template`, never a
/// `.tpl` name) and PHP's notices (`news/warn.tpl`); `domain::queued_mail` decides row by row.
const SPANEL_SENDS: &str = "(q.`template` NOT LIKE '%.tpl' OR q.`template` = 'news/warn.tpl')";

/// A queued mail due now: (id, to, subject, template, array, attempts so far). spanel's own rows
/// carry the body in `template` and `{}` or `{"text": plain-text part}` in `array`.
pub type QueuedRow = (i64, String, String, String, String, i64);

/// Queued mails due now and not given up, other PHP templates excluded.
pub async fn due_emails(
    db: &Db,
    now: i64,
    max_attempts: i64,
    limit: i64,
) -> sqlx::Result<Vec<QueuedRow>> {
    let sql = format!(
        "SELECT q.`id`, q.`to_email`, q.`subject`, q.`template`, q.`array`, COALESCE(a.`attempts`, 0) \
         FROM `email_queue` q LEFT JOIN `spanel_email_attempt` a ON a.`queue_id` = q.`id` \
         WHERE {SPANEL_SENDS} AND COALESCE(a.`attempts`, 0) < ? AND COALESCE(a.`next_at`, 0) <= ? \
         ORDER BY q.`id` LIMIT ?"
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(max_attempts)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Rows left to PHP SSPanel's mail job (templates spanel does not render): (all, queued before
/// `before`).
pub async fn php_email_backlog(db: &Db, before: i64) -> sqlx::Result<(i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN q.`time` < ? THEN 1 ELSE 0 END), 0) \
         FROM `email_queue` q WHERE NOT {SPANEL_SENDS}"
    );
    let (all, old): (Int, Int) =
        on_db!(db, |p| sqlx::query_as(&sql).bind(before).fetch_one(p).await)?;
    Ok((all.0, old.0))
}

/// A sent mail leaves the queue.
pub async fn email_sent(db: &Db, id: i64) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM `email_queue` WHERE `id` = ?",
        "DELETE FROM `spanel_email_attempt` WHERE `queue_id` = ?",
    ] {
        on_db!(db, |p| sqlx::query(sql)
            .bind(id)
            .execute(p)
            .await
            .map(Done::from))?;
    }
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn email_failed(
    db: &Db,
    id: i64,
    attempts: i64,
    next_at: i64,
    error: &str,
) -> sqlx::Result<()> {
    let b = db.backend();
    let sql = format!(
        "INSERT INTO `spanel_email_attempt` (`queue_id`, `attempts`, `next_at`, `last_error`) \
         VALUES (?, ?, ?, ?){}`attempts` = {}, `next_at` = {}, `last_error` = {}",
        b.upsert(&["queue_id"]),
        b.proposed("attempts"),
        b.proposed("next_at"),
        b.proposed("last_error")
    );
    on_db!(db, |p| sqlx::query(&sql)
        .bind(id)
        .bind(attempts)
        .bind(next_at)
        .bind(error)
        .execute(p)
        .await
        .map(Done::from))?;
    Ok(())
}

/// Users: (all, enabled, with a paid class that has not expired at `now`).
pub async fn user_counts(db: &Db, now: chrono::NaiveDateTime) -> sqlx::Result<(i64, i64, i64)> {
    let (total, enabled, paid): (i64, Int, Int) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN `enable` = 1 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN `class` > 0 AND `class_expire` > ? THEN 1 ELSE 0 END), 0) \
         FROM `user`"
    )
    .bind(now)
    .fetch_one(p)
    .await)?;
    Ok((total, enabled.0, paid.0))
}

/// Bytes (upload + download) of every user since `from`, a UTC midnight: the days rolled up into
/// `spanel_traffic_daily` plus the hours still in `spanel_traffic_hourly`.
pub async fn traffic_since(db: &Db, from: i64) -> sqlx::Result<i64> {
    let mut total = 0;
    for sql in [
        "SELECT COALESCE(SUM(`u` + `d`), 0) FROM `spanel_traffic_daily` WHERE `day` >= ?",
        "SELECT COALESCE(SUM(`u` + `d`), 0) FROM `spanel_traffic_hourly` WHERE `hour` >= ?",
    ] {
        let part: Int = on_db!(db, |p| sqlx::query_scalar(sql)
            .bind(from)
            .fetch_one(p)
            .await)?;
        total += part.0;
    }
    Ok(total)
}
