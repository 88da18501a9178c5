//! SQL of scheduled jobs: the leader lease, run records, and the set-based account updates.

use super::{execute, Db, DbMoney, Done, Int, Money, Tx};
use crate::{on_db, on_tx};

/// Takes (or renews) the lease `name` for `holder` until `expires_at` if it is free, expired or
/// already ours. Returns the fencing token on success. A plain row in the database works on a
/// Galera cluster too, where `GET_LOCK` is node-local.
pub async fn try_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<Option<i64>> {
    let insert = format!(
        "{} INTO `spanel_job_lease` (`name`, `holder`, `token`, `expires_at`) VALUES (?, '', 0, 0)",
        db.backend().insert_ignore()
    );
    on_db!(db, |p| sqlx::query(&insert)
        .bind(name)
        .execute(p)
        .await
        .map(Done::from))?;
    let taken = on_db!(db, |p| sqlx::query(
        "UPDATE `spanel_job_lease` SET `holder` = ?, `token` = `token` + 1, `expires_at` = ? \
         WHERE `name` = ? AND (`expires_at` < ? OR `holder` = ?)"
    )
    .bind(holder)
    .bind(expires_at)
    .bind(name)
    .bind(now)
    .bind(holder)
    .execute(p)
    .await
    .map(Done::from))?;
    if taken.rows == 0 {
        return Ok(None);
    }
    let token: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `token` FROM `spanel_job_lease` WHERE `name` = ?"
    )
    .bind(name)
    .fetch_one(p)
    .await)?;
    Ok(Some(token))
}

/// Records that `job` ran for `period`, inside the job's own transaction: returns false when it
/// already ran (so the work is skipped and rolled back), which makes a periodic job exactly-once
/// even if two instances race or a run was interrupted and repeated.
pub async fn claim_period(tx: &mut Tx, job: &str, period: &str, now: i64) -> sqlx::Result<bool> {
    let sql = format!(
        "{} INTO `spanel_job_run` (`job`, `period`, `ran_at`) VALUES (?, ?, ?)",
        tx.backend().insert_ignore()
    );
    let done = on_tx!(tx, |c| sqlx::query(&sql)
        .bind(job)
        .bind(period)
        .bind(now)
        .execute(c)
        .await
        .map(Done::from))?;
    Ok(done.rows == 1)
}

/// Runs an `UPDATE` whose parameters are `params` and then the DATETIME `at`.
async fn execute_at(
    tx: &mut Tx,
    sql: &str,
    params: &[i64],
    at: chrono::NaiveDateTime,
) -> sqlx::Result<u64> {
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind(*p);
        }
        q.bind(at).execute(c).await.map(|r| Done::from(r).rows)
    })
}

const CLASS_EXPIRED: &str = "`class` > 0 AND `class_expire` < ?";
const ACCOUNT_EXPIRED: &str = "`expire_in` < ? AND `expire_notified` = 0";

/// The addresses of users whose class expired before `now`, locked so that `expire_classes`
/// changes exactly these rows.
pub async fn class_expired_emails(
    tx: &mut Tx,
    now: chrono::NaiveDateTime,
) -> sqlx::Result<Vec<String>> {
    emails_where(tx, CLASS_EXPIRED, now).await
}

/// Class 0 for users whose class expired before `now`; with `reset_bytes`, their traffic also
/// starts over with that many bytes (`class_expire_reset_traffic`).
pub async fn expire_classes(
    tx: &mut Tx,
    now: chrono::NaiveDateTime,
    reset_bytes: Option<i64>,
) -> sqlx::Result<u64> {
    match reset_bytes {
        Some(bytes) => {
            let sql = format!(
                "UPDATE `user` SET `class` = 0, `transfer_enable` = ?, `u` = 0, `d` = 0 \
                 WHERE {CLASS_EXPIRED}"
            );
            execute_at(tx, &sql, &[bytes], now).await
        }
        None => {
            let sql = format!("UPDATE `user` SET `class` = 0 WHERE {CLASS_EXPIRED}");
            execute_at(tx, &sql, &[], now).await
        }
    }
}

/// The addresses of users whose account expired before `now` and who were not told yet, locked.
pub async fn account_expired_emails(
    tx: &mut Tx,
    now: chrono::NaiveDateTime,
) -> sqlx::Result<Vec<String>> {
    emails_where(tx, ACCOUNT_EXPIRED, now).await
}

/// Zeroes the traffic of accounts that expired before `now`, once (`expire_notified`).
pub async fn expire_accounts(tx: &mut Tx, now: chrono::NaiveDateTime) -> sqlx::Result<u64> {
    let sql = format!(
        "UPDATE `user` SET `transfer_enable` = 0, `u` = 0, `d` = 0, `expire_notified` = 1 \
         WHERE {ACCOUNT_EXPIRED}"
    );
    execute_at(tx, &sql, &[], now).await
}

/// `last_day_t = u + d` for every user: the start of a new day's usage.
pub async fn snapshot_daily_usage(tx: &mut Tx) -> sqlx::Result<u64> {
    execute(tx, "UPDATE `user` SET `last_day_t` = `u` + `d`", &[]).await
}

/// One user's traffic starts over with `bytes` available.
pub async fn reset_user_traffic(tx: &mut Tx, id: i64, bytes: i64) -> sqlx::Result<u64> {
    execute(
        tx,
        "UPDATE `user` SET `u` = 0, `d` = 0, `last_day_t` = 0, `transfer_enable` = ? WHERE `id` = ?",
        &[bytes, id],
    )
    .await
}

/// `node_bandwidth = 0` for nodes whose `bandwidthlimit_resetday` is `day` of the month.
pub async fn reset_node_bandwidth(tx: &mut Tx, day: i64) -> sqlx::Result<u64> {
    execute(
        tx,
        "UPDATE `node` SET `node_bandwidth` = 0 WHERE `bandwidthlimit_resetday` = ?",
        &[day],
    )
    .await
}

/// Deletes `spanel_traffic_daily` rows of days before `before`, a range of `batch` user ids per
/// statement (the primary key starts with the user id), each its own commit.
pub async fn prune_daily_usage(db: &Db, before: i64, batch: i64) -> sqlx::Result<u64> {
    let max: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(`user_id`) FROM `spanel_traffic_daily`"
    )
    .fetch_one(p)
    .await)?;
    let Some(Int(max)) = max else {
        return Ok(0);
    };
    let mut deleted = 0;
    let mut from = 0;
    while from <= max {
        let done = on_db!(db, |p| {
            sqlx::query(
            "DELETE FROM `spanel_traffic_daily` WHERE `user_id` >= ? AND `user_id` < ? AND `day` < ?"
        )
        .bind(from)
        .bind(from + batch)
        .bind(before)
        .execute(p)
        .await
        .map(Done::from)
        })?;
        deleted += done.rows;
        from += batch;
    }
    Ok(deleted)
}

/// Users whose `auto_reset_day` is `day`: (id, auto_reset_bandwidth in GB).
pub async fn auto_reset_users(tx: &mut Tx, day: i64) -> sqlx::Result<Vec<(i64, Money)>> {
    let rows: Vec<(Int, DbMoney)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT `id`, `auto_reset_bandwidth` FROM `user` WHERE `auto_reset_day` = ?"
    )
    .bind(day)
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(id, gb)| (id.0, gb.0)).collect())
}

/// The e-mail addresses of users matching `condition` (a `WHERE` clause whose one parameter is a
/// DATETIME), locked so the job's following `UPDATE` changes exactly these rows.
async fn emails_where(
    tx: &mut Tx,
    condition: &str,
    at: chrono::NaiveDateTime,
) -> sqlx::Result<Vec<String>> {
    let sql = format!(
        "SELECT `email` FROM `user` WHERE {condition}{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_scalar(&sql).bind(at).fetch_all(c).await)
}

/// How a paying user's remaining traffic is judged low (`notify_limit_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowTraffic {
    /// Less than this percent of `transfer_enable` left.
    Percent(i64),
    /// Less than this many bytes left.
    Bytes(i64),
}

impl LowTraffic {
    /// The condition on `user`, written without subtraction: `BIGINT UNSIGNED` columns must never
    /// go negative in MySQL. Its one parameter is the threshold.
    fn condition(self) -> (&'static str, i64) {
        match self {
            LowTraffic::Percent(p) => ("(`u` + `d`) * 100 > `transfer_enable` * ?", 100 - p),
            LowTraffic::Bytes(b) => ("`u` + `d` + ? > `transfer_enable`", b),
        }
    }
}

/// Paying users newly under the low-traffic threshold: flags them and returns their addresses.
/// Users back above it are unflagged so the next low point is reported again.
pub async fn flag_low_traffic(tx: &mut Tx, low: LowTraffic) -> sqlx::Result<Vec<String>> {
    let (cond, threshold) = low.condition();
    let paying = "`class` > 0 AND `transfer_enable` > 0";
    let select = format!(
        "SELECT `email` FROM `user` WHERE {paying} AND COALESCE(`traffic_notified`, 0) = 0 \
         AND {cond}{}",
        tx.for_update()
    );
    let emails: Vec<String> = on_tx!(tx, |c| sqlx::query_scalar(&select)
        .bind(threshold)
        .fetch_all(c)
        .await)?;
    let flag = format!(
        "UPDATE `user` SET `traffic_notified` = 1 WHERE {paying} \
         AND COALESCE(`traffic_notified`, 0) = 0 AND {cond}"
    );
    let unflag = format!(
        "UPDATE `user` SET `traffic_notified` = 0 WHERE `traffic_notified` = 1 AND NOT ({cond})"
    );
    execute(tx, &flag, &[threshold]).await?;
    execute(tx, &unflag, &[threshold]).await?;
    Ok(emails)
}
