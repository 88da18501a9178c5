//! SQL of the audit rules (`detect_list`), their hits (`detect_log`) and SSPanel's automatic ban
//! (`detect_ban_log`, `user.all_detect_number`, `user.last_detect_ban_time`).

use chrono::NaiveDateTime;

use super::{Db, Done, Int, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub name: String,
    pub text: String,
    pub regex: String,
    #[sqlx(rename = "type")]
    pub rule_type: i64,
}

/// Sort keys of the rule list.
pub fn rule_sort(key: &str) -> Option<&'static str> {
    Some(match key {
        "id" => "`id`",
        "name" => "`name`",
        "type" => "`type`",
        _ => return None,
    })
}

pub async fn rules(
    db: &Db,
    order_by: &str,
    descending: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<RuleRow>, i64)> {
    let dir = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT `id`, `name`, `text`, `regex`, `type` FROM `detect_list` \
         ORDER BY {order_by} {dir}, `id` {dir} LIMIT ? OFFSET ?"
    );
    let rows = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let total: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `detect_list`"
    )
    .fetch_one(p)
    .await)?;
    Ok((rows, total.0))
}

pub async fn lock_rule(tx: &mut Tx, id: i64) -> sqlx::Result<Option<RuleRow>> {
    let sql = format!(
        "SELECT `id`, `name`, `text`, `regex`, `type` FROM `detect_list` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// The fields of a rule as saved.
pub struct RuleFields<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub regex: &'a str,
    pub rule_type: i64,
}

pub async fn insert_rule(tx: &mut Tx, r: &RuleFields<'_>) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `detect_list` (`name`, `text`, `regex`, `type`) VALUES (?, ?, ?, ?)"
    )
    .bind(r.name)
    .bind(r.text)
    .bind(r.regex)
    .bind(r.rule_type)
    .execute(c)
    .await
    .map(|d| Done::from(d).id))
}

pub async fn update_rule(tx: &mut Tx, id: i64, r: &RuleFields<'_>) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `detect_list` SET `name` = ?, `text` = ?, `regex` = ?, `type` = ? WHERE `id` = ?"
    )
    .bind(r.name)
    .bind(r.text)
    .bind(r.regex)
    .bind(r.rule_type)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Deletes a rule and its hits (SSPanel's foreign key cascades; SQLite's keys are off).
pub async fn delete_rule(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `detect_log` WHERE `list_id` = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    let done = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `detect_list` WHERE `id` = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(done.rows)
}

/// One hit with the names an operator reads.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HitRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    #[sqlx(try_from = "Int")]
    pub user_id: i64,
    pub email: Option<String>,
    #[sqlx(try_from = "Int")]
    pub list_id: i64,
    pub rule_name: Option<String>,
    pub node_id: i64,
    pub node_name: Option<String>,
    #[sqlx(try_from = "Int")]
    pub datetime: i64,
    pub status: i64,
}

/// Filters of the hit list; 0 = any.
pub struct HitFilter {
    pub user_id: i64,
    pub node_id: i64,
    pub list_id: i64,
}

pub async fn hits(
    db: &Db,
    f: &HitFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<HitRow>, i64)> {
    const WHERE: &str = "(? = 0 OR g.`user_id` = ?) AND (? = 0 OR g.`node_id` = ?) \
        AND (? = 0 OR g.`list_id` = ?)";
    let sql = format!(
        "SELECT g.`id`, g.`user_id`, u.`email`, g.`list_id`, l.`name` AS `rule_name`, g.`node_id`, \
         n.`name` AS `node_name`, g.`datetime`, g.`status` FROM `detect_log` g \
         LEFT JOIN `user` u ON u.`id` = g.`user_id` LEFT JOIN `detect_list` l ON l.`id` = g.`list_id` \
         LEFT JOIN `node` n ON n.`id` = g.`node_id` WHERE {WHERE} ORDER BY g.`id` DESC LIMIT ? OFFSET ?"
    );
    let rows = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(f.user_id)
        .bind(f.user_id)
        .bind(f.node_id)
        .bind(f.node_id)
        .bind(f.list_id)
        .bind(f.list_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let count = format!("SELECT COUNT(*) FROM `detect_log` g WHERE {WHERE}");
    let total: Int = on_db!(db, |p| sqlx::query_scalar(&count)
        .bind(f.user_id)
        .bind(f.user_id)
        .bind(f.node_id)
        .bind(f.node_id)
        .bind(f.list_id)
        .bind(f.list_id)
        .fetch_one(p)
        .await)?;
    Ok((rows, total.0))
}

/// Users with unprocessed hits (`status = 0`) up to hit id `up_to`, with how many each.
pub async fn pending_hits(db: &Db, up_to: i64, limit: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows: Vec<(Int, Int)> = on_db!(db, |p| sqlx::query_as(
        "SELECT `user_id`, COUNT(*) FROM `detect_log` WHERE `status` = 0 AND `id` <= ? \
         GROUP BY `user_id` ORDER BY `user_id` LIMIT ?"
    )
    .bind(up_to)
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(u, n)| (u.0, n.0)).collect())
}

pub async fn max_hit_id(db: &Db) -> sqlx::Result<i64> {
    let v: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(`id`) FROM `detect_log`"
    )
    .fetch_one(p)
    .await)?;
    Ok(v.map_or(0, |v| v.0))
}

/// Marks a user's hits up to `up_to` processed; returns how many were pending.
pub async fn take_hits(tx: &mut Tx, user_id: i64, up_to: i64) -> sqlx::Result<i64> {
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `detect_log` SET `status` = 1 WHERE `user_id` = ? AND `status` = 0 AND `id` <= ?"
    )
    .bind(user_id)
    .bind(up_to)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows as i64)
}

/// `all_detect_number` of the user's latest ban (0 when never banned).
pub async fn last_ban_total(tx: &mut Tx, user_id: i64) -> sqlx::Result<i64> {
    let v: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT `all_detect_number` FROM `detect_ban_log` WHERE `user_id` = ? ORDER BY `id` DESC LIMIT 1"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await
    })?;
    Ok(v.unwrap_or(0))
}

/// Adds `hits` to the user's running total.
pub async fn add_hits(tx: &mut Tx, user_id: i64, hits: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `all_detect_number` = `all_detect_number` + ? WHERE `id` = ?"
    )
    .bind(hits)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// A `detect_ban_log` row as SSPanel writes it.
pub struct BanRecord<'a> {
    pub user_id: i64,
    pub user_name: &'a str,
    pub email: &'a str,
    pub detect_number: i64,
    /// Minutes.
    pub ban_time: i64,
    pub start_time: i64,
    pub end_time: i64,
    pub all_detect_number: i64,
}

/// Disables the user, stamps `last_detect_ban_time` and logs the ban; returns the ban's id.
pub async fn ban(tx: &mut Tx, b: &BanRecord<'_>, at: NaiveDateTime) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `enable` = 0, `last_detect_ban_time` = ? WHERE `id` = ?"
    )
    .bind(at)
    .bind(b.user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO `detect_ban_log` (`user_name`, `user_id`, `email`, `detect_number`, `ban_time`, \
         `start_time`, `end_time`, `all_detect_number`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    .bind(b.user_name)
    .bind(b.user_id)
    .bind(b.email)
    .bind(b.detect_number)
    .bind(b.ban_time)
    .bind(b.start_time)
    .bind(b.end_time)
    .bind(b.all_detect_number)
    .execute(c)
    .await
    .map(|d| Done::from(d).id)
    })
}

/// Marks every unsettled ban of a user settled (`how`: lifted, operator, permanent).
pub async fn settle_bans(tx: &mut Tx, user_id: i64, how: &str, now: i64) -> sqlx::Result<u64> {
    let done = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `spanel_detect_ban_lift` (`ban_id`, `user_id`, `how`, `lifted_at`) \
         SELECT b.`id`, b.`user_id`, ?, ? FROM `detect_ban_log` b WHERE b.`user_id` = ? \
         AND NOT EXISTS (SELECT 1 FROM `spanel_detect_ban_lift` l WHERE l.`ban_id` = b.`id`)"
    )
    .bind(how)
    .bind(now)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(done.rows)
}

/// Disabled users whose latest ban ran out by `now` and is not settled: (user id, ban id).
pub async fn due_lifts(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows: Vec<(Int, Int)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT b.`user_id`, b.`id` FROM `detect_ban_log` b JOIN `user` u ON u.`id` = b.`user_id` \
         WHERE u.`enable` = 0 AND b.`end_time` + b.`ban_time` * 60 <= ? \
         AND b.`id` = (SELECT MAX(b2.`id`) FROM `detect_ban_log` b2 WHERE b2.`user_id` = b.`user_id`) \
         AND NOT EXISTS (SELECT 1 FROM `spanel_detect_ban_lift` l WHERE l.`ban_id` = b.`id`) \
         ORDER BY b.`id` LIMIT ?"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(u, b)| (u.0, b.0)).collect())
}

/// Whether ban `ban_id` is still the user's latest, unsettled, with the user disabled (locks it).
pub async fn lock_due(tx: &mut Tx, user_id: i64, ban_id: i64) -> sqlx::Result<bool> {
    let sql = format!(
        "SELECT u.`id` FROM `user` u WHERE u.`id` = ? AND u.`enable` = 0 \
         AND (SELECT MAX(b.`id`) FROM `detect_ban_log` b WHERE b.`user_id` = u.`id`) = ? \
         AND NOT EXISTS (SELECT 1 FROM `spanel_detect_ban_lift` l WHERE l.`ban_id` = ?){}",
        tx.for_update()
    );
    let v: Option<Int> = on_tx!(tx, |c| sqlx::query_scalar(&sql)
        .bind(user_id)
        .bind(ban_id)
        .bind(ban_id)
        .fetch_optional(c)
        .await)?;
    Ok(v.is_some())
}

pub async fn enable(tx: &mut Tx, user_id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `enable` = 1 WHERE `id` = ?"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}
