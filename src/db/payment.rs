//! SQL for top-up orders (`paylist`), the recharge record (`code`) and the callback audit trail.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Db, DbMoney, Done, Int, Money, Tx};
use crate::{on_db, on_tx};

/// One `paylist` row.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Order {
    pub id: i64,
    #[sqlx(try_from = "Int")]
    #[serde(skip)]
    pub userid: i64,
    #[schema(value_type = String, example = "10.00")]
    #[sqlx(try_from = "DbMoney")]
    pub total: Money,
    /// 0 waiting, 1 paid.
    pub status: i64,
    pub tradeno: Option<String>,
    /// Unix seconds.
    pub datetime: i64,
}

const ORDER_COLUMNS: &str = "`id`, `userid`, `total`, `status`, `tradeno`, `datetime`";

pub async fn insert_order(
    db: &Db,
    user_id: i64,
    total: Money,
    tradeno: &str,
    now_unix: i64,
) -> sqlx::Result<i64> {
    let done = on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO `paylist` (`userid`, `total`, `status`, `tradeno`, `datetime`) VALUES (?, ?, 0, ?, ?)"
    )
    .bind(user_id)
    .bind(DbMoney(total))
    .bind(tradeno)
    .bind(now_unix)
    .execute(p)
    .await
    .map(Done::from)
    })?;
    Ok(done.id)
}

pub async fn find_order(db: &Db, id: i64) -> sqlx::Result<Option<Order>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM `paylist` WHERE `id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// Reads the whole table (`tradeno` has no index): `service::tradeno_index` avoids it.
pub async fn find_by_tradeno(db: &Db, tradeno: &str) -> sqlx::Result<Option<Order>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM `paylist` WHERE `tradeno` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(tradeno)
        .fetch_optional(p)
        .await)
}

/// The highest order id (0 without orders).
pub async fn max_order_id(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(`id`), 0) FROM `paylist`"
    )
    .fetch_one(p)
    .await)
}

/// (id, tradeno) of up to `limit` orders with ids above `after`, in id order.
pub async fn tradenos_after(
    db: &Db,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `tradeno` FROM `paylist` WHERE `id` > ? ORDER BY `id` LIMIT ?"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// A user's orders, newest first.
pub async fn list_orders(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Order>, i64)> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM `paylist` WHERE `userid` = ? ORDER BY `id` DESC LIMIT ? OFFSET ?"
    );
    let rows = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let total: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `paylist` WHERE `userid` = ?"
    )
    .bind(user_id)
    .fetch_one(p)
    .await)?;
    Ok((rows, total.0))
}

/// The conditional `0 → 1` status change; true only for the one caller that made it.
pub async fn mark_paid(tx: &mut Tx, order_id: i64) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |c| sqlx::query(
        "UPDATE `paylist` SET `status` = 1 WHERE `id` = ? AND `status` = 0"
    )
    .bind(order_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(done.rows == 1)
}

/// The user's recharge record, as SSPanel writes it: a used `code` of type -1.
pub async fn insert_recharge_record(
    tx: &mut Tx,
    user_id: i64,
    gateway: &str,
    total: Money,
    now: NaiveDateTime,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `code` (`code`, `type`, `number`, `isused`, `userid`, `usedatetime`) \
         VALUES (?, -1, ?, 1, ?, ?)"
    )
    .bind(gateway)
    .bind(DbMoney(total))
    .bind(user_id)
    .bind(now)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Writes one callback's audit row inside the caller's transaction (a credit's own, so the row
/// and the credit commit together).
pub async fn insert_event(
    tx: &mut Tx,
    gateway: &str,
    tradeno: &str,
    verdict: &str,
    reason: &str,
    now_unix: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO `spanel_payment_event` (`gateway`, `tradeno`, `verdict`, `reason`, `created_at`) \
         VALUES (?, ?, ?, ?, ?)"
    )
    .bind(gateway)
    .bind(tradeno)
    .bind(verdict)
    .bind(reason)
    .bind(now_unix)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}

/// An order's reference at a gateway that names orders itself (PayPal's order id), so a callback
/// carrying only that id finds our order on any instance, after any restart.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GatewayOrder {
    pub tradeno: String,
    /// The currency the gateway order was created in.
    pub currency: String,
}

pub async fn insert_gateway_order(
    db: &Db,
    gateway: &str,
    gateway_order_id: &str,
    order: &GatewayOrder,
    now_unix: i64,
) -> sqlx::Result<()> {
    on_db!(db, |p| {
        sqlx::query(
            "INSERT INTO `spanel_gateway_order` (`gateway`, `gateway_order_id`, `tradeno`, `currency`, `created_at`) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(gateway)
        .bind(gateway_order_id)
        .bind(&order.tradeno)
        .bind(&order.currency)
        .bind(now_unix)
        .execute(p)
        .await
        .map(Done::from)
    })?;
    Ok(())
}

pub async fn find_gateway_order(
    db: &Db,
    gateway: &str,
    gateway_order_id: &str,
) -> sqlx::Result<Option<GatewayOrder>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `tradeno`, `currency` FROM `spanel_gateway_order` \
         WHERE `gateway` = ? AND `gateway_order_id` = ?"
    )
    .bind(gateway)
    .bind(gateway_order_id)
    .fetch_optional(p)
    .await)
}
