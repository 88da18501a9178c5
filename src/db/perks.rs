//! SQL for the daily check-in (`user.last_check_in_time`) and redeem codes (SSPanel's `code`).

use chrono::NaiveDateTime;

use super::{Db, DbMoney, Done, Int, Money, Tx};
use crate::domain::perks::Grantable;
use crate::{on_db, on_tx};

/// Unix time of the account's last check-in (0 = never).
pub async fn last_check_in(db: &Db, user_id: i64) -> sqlx::Result<Option<i64>> {
    let v: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `last_check_in_time` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    Ok(v.map(|v| v.0))
}

/// Adds `bytes` to the account's traffic and stamps the check-in at `now`, only if it has not
/// checked in since `day_start`: one statement, so parallel clicks reward once. Returns whether
/// it did.
pub async fn check_in(
    db: &Db,
    user_id: i64,
    bytes: i64,
    now: i64,
    day_start: i64,
) -> sqlx::Result<bool> {
    let done = on_db!(db, |p| {
        sqlx::query(
        "UPDATE `user` SET `transfer_enable` = `transfer_enable` + ?, `last_check_in_time` = ? \
         WHERE `id` = ? AND `last_check_in_time` < ?"
    )
    .bind(bytes)
    .bind(now)
    .bind(user_id)
    .bind(day_start)
    .execute(p)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows == 1)
}

/// A `code` row.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CodeRow {
    pub id: i64,
    pub code: String,
    /// -1 balance, 10001 traffic (GB), 10002 account days, 1–10000 class (`number` days).
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: i64,
    #[schema(value_type = String, example = "10.00")]
    #[sqlx(try_from = "DbMoney")]
    pub number: Money,
    /// 1 once redeemed.
    pub isused: i64,
    /// Who redeemed it (0 = nobody yet).
    #[sqlx(try_from = "Int")]
    pub userid: i64,
    /// When it was redeemed (panel time zone).
    pub usedatetime: NaiveDateTime,
}

const CODE_COLUMNS: &str = "`id`, `code`, `type`, `number`, `isused`, `userid`, `usedatetime`";

/// The unused code with this text. Not locked: `code` has no index, so a locking read would
/// lock the whole table on MySQL; [`mark_code_used`] settles a race on the one row instead.
pub async fn find_unused_code(tx: &mut Tx, code: &str) -> sqlx::Result<Option<CodeRow>> {
    let sql = format!(
        "SELECT {CODE_COLUMNS} FROM `code` WHERE `code` = ? AND `isused` = 0 ORDER BY `id` LIMIT 1"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(c)
        .await)
}

/// Marks a code used by `user_id` at `at`, only if it still is unused; returns whether it was.
pub async fn mark_code_used(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    at: NaiveDateTime,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `code` SET `isused` = 1, `userid` = ?, `usedatetime` = ? WHERE `id` = ? AND `isused` = 0"
    )
    .bind(user_id)
    .bind(at)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows == 1)
}

/// The account fields a code changes, locked.
pub async fn lock_code_target(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<Grantable>> {
    let sql = format!(
        "SELECT `transfer_enable`, `class`, `class_expire`, `expire_in` FROM `user` WHERE `id` = ?{}",
        tx.for_update()
    );
    let row: Option<(Int, i64, NaiveDateTime, NaiveDateTime)> =
        on_tx!(tx, |c| sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_optional(c)
            .await)?;
    Ok(row.map(|(t, class, class_expire, expire_in)| Grantable {
        transfer_enable: t.0,
        class,
        class_expire,
        expire_in,
    }))
}

pub async fn set_code_target(tx: &mut Tx, user_id: i64, t: &Grantable) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `user` SET `transfer_enable` = ?, `class` = ?, `class_expire` = ?, `expire_in` = ? \
         WHERE `id` = ?"
    )
    .bind(t.transfer_enable)
    .bind(t.class)
    .bind(t.class_expire)
    .bind(t.expire_in)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}

/// A new unused code, as PHP's admin page creates them (`userid` 0, a placeholder date).
pub async fn insert_code(tx: &mut Tx, code: &str, kind: i64, number: Money) -> sqlx::Result<i64> {
    let never = chrono::NaiveDate::from_ymd_opt(1989, 6, 4)
        .and_then(|d| d.and_hms_opt(2, 30, 0))
        .unwrap_or_default();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `code` (`code`, `type`, `number`, `isused`, `userid`, `usedatetime`) \
         VALUES (?, ?, ?, 0, 0, ?)"
    )
    .bind(code)
    .bind(kind)
    .bind(DbMoney(number))
    .bind(never)
    .execute(c)
    .await
    .map(|r| Done::from(r).id))
}

/// A page of codes, newest first; `used` filters on `isused` when given. Gateway top-ups are
/// recorded in the same table (used, `type` -1, the gateway's name as `code`) and are listed too.
pub async fn codes(
    db: &Db,
    used: Option<bool>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<CodeRow>, i64)> {
    let filter = match used {
        Some(true) => "WHERE `isused` = 1",
        Some(false) => "WHERE `isused` = 0",
        None => "",
    };
    let sql =
        format!("SELECT {CODE_COLUMNS} FROM `code` {filter} ORDER BY `id` DESC LIMIT ? OFFSET ?");
    let rows = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let count = format!("SELECT COUNT(*) FROM `code` {filter}");
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(&count).fetch_one(p).await)?;
    Ok((rows, total))
}
