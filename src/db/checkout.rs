//! SQL for plan checkouts (`spanel_plan_checkout`): a top-up order tied to the plan it pays for.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Db, DbMoney, Done, Money, Tx};
use crate::{on_db, on_tx};

/// One checkout: the top-up order (`paylist.id`) and the purchase it stands for.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Checkout {
    pub order_id: i64,
    #[serde(skip)]
    pub user_id: i64,
    pub shop_id: i64,
    /// The plan's price (after the coupon) when the checkout was made; the purchase happens only at
    /// this price.
    #[schema(value_type = String, example = "10.00")]
    #[sqlx(try_from = "DbMoney")]
    pub price: Money,
    pub coupon: String,
    pub autorenew: i64,
    pub disable_others: i64,
    /// `pending` (not paid yet), `bought`, or `kept` (paid, but the plan could not be bought: the
    /// money stayed as balance; `note` says why).
    pub status: String,
    /// The purchase (`bought.id`) once bought, else 0.
    pub bought_id: i64,
    pub note: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the payment; 0 while pending.
    pub settled_at: i64,
}

const COLUMNS: &str = "`order_id`, `user_id`, `shop_id`, `price`, `coupon`, `autorenew`, \
    `disable_others`, `status`, `bought_id`, `note`, `created_at`, `settled_at`";

pub struct NewCheckout<'a> {
    pub order_id: i64,
    pub user_id: i64,
    pub shop_id: i64,
    pub price: Money,
    pub coupon: &'a str,
    pub autorenew: bool,
    pub disable_others: bool,
    pub now: i64,
}

pub async fn insert(db: &Db, c: &NewCheckout<'_>) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `spanel_plan_checkout` (`order_id`, `user_id`, `shop_id`, `price`, `coupon`, \
         `autorenew`, `disable_others`, `status`, `bought_id`, `note`, `created_at`, `settled_at`) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, '', ?, 0)"
    )
    .bind(c.order_id)
    .bind(c.user_id)
    .bind(c.shop_id)
    .bind(DbMoney(c.price))
    .bind(c.coupon)
    .bind(i64::from(c.autorenew))
    .bind(i64::from(c.disable_others))
    .bind(c.now)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

/// The pending checkout of an order, inside the transaction that credits it.
pub async fn pending_tx(tx: &mut Tx, order_id: i64) -> sqlx::Result<Option<Checkout>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM `spanel_plan_checkout` WHERE `order_id` = ? AND `status` = 'pending'"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(order_id)
        .fetch_optional(c)
        .await)
}

/// Records how a checkout ended; only a pending one changes.
pub async fn finish(
    tx: &mut Tx,
    order_id: i64,
    status: &str,
    bought_id: i64,
    note: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `spanel_plan_checkout` SET `status` = ?, `bought_id` = ?, `note` = ?, `settled_at` = ? \
         WHERE `order_id` = ? AND `status` = 'pending'"
    )
    .bind(status)
    .bind(bought_id)
    .bind(note)
    .bind(now)
    .bind(order_id)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows == 1)
}

pub async fn find(db: &Db, order_id: i64) -> sqlx::Result<Option<Checkout>> {
    let sql = format!("SELECT {COLUMNS} FROM `spanel_plan_checkout` WHERE `order_id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(order_id)
        .fetch_optional(p)
        .await)
}

/// A user's balance and e-mail address.
pub async fn user_money_and_email(db: &Db, user_id: i64) -> sqlx::Result<Option<(Money, String)>> {
    let row: Option<(DbMoney, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT `money`, `email` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(money, email)| (money.0, email)))
}
