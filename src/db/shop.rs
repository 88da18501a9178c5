//! SQL for the shop: `shop` (plans), `coupon`, `bought`, and the user columns a plan changes.

use chrono::NaiveDateTime;

use super::{Db, DbMoney, Done, Exec, Int, Money, Tx};
use crate::domain::shop::{Coupon, UserPlanState};
use crate::{on_db, on_exec, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShopRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "DbMoney")]
    pub price: Money,
    pub content: String,
    #[sqlx(try_from = "Int")]
    pub auto_renew: i64,
    #[sqlx(try_from = "Int")]
    pub auto_reset_bandwidth: i64,
    #[sqlx(try_from = "Int")]
    pub status: i64,
}

const SHOP_COLUMNS: &str =
    "`id`, `name`, `price`, `content`, `auto_renew`, `auto_reset_bandwidth`, `status`";

/// Plans, on sale only unless `all`.
pub async fn list_plans(db: &Db, all: bool) -> sqlx::Result<Vec<ShopRow>> {
    let filter = if all { "" } else { " WHERE `status` = 1" };
    let sql = format!("SELECT {SHOP_COLUMNS} FROM `shop`{filter} ORDER BY `id`");
    on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

pub async fn find_plan(ex: impl Into<Exec<'_>>, id: i64) -> sqlx::Result<Option<ShopRow>> {
    let sql = format!("SELECT {SHOP_COLUMNS} FROM `shop` WHERE `id` = ?");
    on_exec!(ex.into(), |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub struct PlanWrite<'a> {
    pub name: &'a str,
    pub price: Money,
    pub content: &'a str,
    pub auto_renew: i64,
    pub auto_reset_bandwidth: i64,
    pub status: i64,
}

pub async fn insert_plan(tx: &mut Tx, p: &PlanWrite<'_>) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `shop` (`name`, `price`, `content`, `auto_renew`, `auto_reset_bandwidth`, \
         `status`) VALUES (?, ?, ?, ?, ?, ?)"
    )
    .bind(p.name)
    .bind(DbMoney(p.price))
    .bind(p.content)
    .bind(p.auto_renew)
    .bind(p.auto_reset_bandwidth)
    .bind(p.status)
    .execute(c)
    .await
    .map(|r| Done::from(r).id))
}

pub async fn update_plan(tx: &mut Tx, id: i64, p: &PlanWrite<'_>) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |c| sqlx::query(
        "UPDATE `shop` SET `name` = ?, `price` = ?, `content` = ?, `auto_renew` = ?, \
         `auto_reset_bandwidth` = ?, `status` = ? WHERE `id` = ?"
    )
    .bind(p.name)
    .bind(DbMoney(p.price))
    .bind(p.content)
    .bind(p.auto_renew)
    .bind(p.auto_reset_bandwidth)
    .bind(p.status)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(done.rows > 0)
}

pub async fn plan_exists(db: &Db, id: i64) -> sqlx::Result<bool> {
    let n: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT 1 FROM `shop` WHERE `id` = ?"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    Ok(n.is_some())
}

pub async fn take_off_sale(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |p| sqlx::query(
        "UPDATE `shop` SET `status` = 0 WHERE `id` = ?"
    )
    .bind(id)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CouponRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub code: String,
    #[sqlx(try_from = "Int")]
    pub onetime: i64,
    #[sqlx(try_from = "Int")]
    pub expire: i64,
    pub shop: String,
    #[sqlx(try_from = "Int")]
    pub credit: i64,
}

impl CouponRow {
    pub fn to_domain(&self) -> Coupon {
        Coupon {
            code: self.code.clone(),
            onetime: self.onetime,
            expire: self.expire,
            shop: self.shop.clone(),
            credit: self.credit,
        }
    }
}

const COUPON_COLUMNS: &str = "`id`, `code`, `onetime`, `expire`, `shop`, `credit`";

/// The newest coupon whose trimmed, lower-cased code is `normalized`.
pub async fn find_coupon(
    ex: impl Into<Exec<'_>>,
    normalized: &str,
) -> sqlx::Result<Option<CouponRow>> {
    let sql = format!(
        "SELECT {COUPON_COLUMNS} FROM `coupon` WHERE LOWER(TRIM(`code`)) = ? \
         ORDER BY `id` DESC LIMIT 1"
    );
    on_exec!(ex.into(), |p| sqlx::query_as(&sql)
        .bind(normalized)
        .fetch_optional(p)
        .await)
}

pub async fn list_coupons(db: &Db) -> sqlx::Result<Vec<CouponRow>> {
    let sql = format!("SELECT {COUPON_COLUMNS} FROM `coupon` ORDER BY `id` DESC");
    on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

pub async fn insert_coupon(tx: &mut Tx, c: &Coupon) -> sqlx::Result<i64> {
    on_tx!(tx, |p| {
        sqlx::query(
        "INSERT INTO `coupon` (`code`, `onetime`, `expire`, `shop`, `credit`) VALUES (?, ?, ?, ?, ?)"
    )
    .bind(&c.code)
    .bind(c.onetime)
    .bind(c.expire)
    .bind(&c.shop)
    .bind(c.credit)
    .execute(p)
    .await
    .map(|r| Done::from(r).id)
    })
}

pub async fn delete_coupon(tx: &mut Tx, id: i64) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |p| sqlx::query("DELETE FROM `coupon` WHERE `id` = ?")
        .bind(id)
        .execute(p)
        .await
        .map(Done::from))?;
    Ok(done.rows > 0)
}

/// How often a user bought with a coupon (codes compared trimmed and lower-cased).
pub async fn coupon_uses(
    ex: impl Into<Exec<'_>>,
    user_id: i64,
    normalized: &str,
) -> sqlx::Result<i64> {
    let n: Int = on_exec!(ex.into(), |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `bought` WHERE `userid` = ? AND LOWER(TRIM(`coupon`)) = ?"
    )
    .bind(user_id)
    .bind(normalized)
    .fetch_one(p)
    .await)?;
    Ok(n.0)
}

/// (bought at, plan content) of a user's purchases of plans that still exist.
pub async fn purchases_with_content(tx: &mut Tx, user_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    let rows: Vec<(Int, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT b.`datetime`, s.`content` FROM `bought` b JOIN `shop` s ON s.`id` = b.`shopid` \
         WHERE b.`userid` = ?"
    )
    .bind(user_id)
    .fetch_all(c)
    .await
    })?;
    Ok(rows.into_iter().map(|(t, c)| (t.0, c)).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LockedUser {
    #[sqlx(try_from = "DbMoney")]
    pub money: Money,
    #[sqlx(try_from = "Int")]
    pub transfer_enable: i64,
    #[sqlx(try_from = "Int")]
    pub u: i64,
    #[sqlx(try_from = "Int")]
    pub d: i64,
    #[sqlx(try_from = "Int")]
    pub last_day_t: i64,
    pub expire_in: NaiveDateTime,
    #[sqlx(try_from = "Int")]
    pub class: i64,
    pub class_expire: NaiveDateTime,
    #[sqlx(try_from = "DbMoney")]
    pub node_speedlimit: Money,
    #[sqlx(try_from = "Int")]
    pub node_connector: i64,
    #[sqlx(try_from = "Int")]
    pub ref_by: i64,
    pub reg_date: NaiveDateTime,
}

impl LockedUser {
    pub fn plan_state(&self) -> UserPlanState {
        UserPlanState {
            transfer_enable: self.transfer_enable,
            u: self.u,
            d: self.d,
            last_day_t: self.last_day_t,
            expire_in: self.expire_in,
            class: self.class,
            class_expire: self.class_expire,
            node_speedlimit: self.node_speedlimit.0,
            node_connector: self.node_connector,
        }
    }
}

pub async fn lock_user(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<LockedUser>> {
    let sql = format!(
        "SELECT `money`, `transfer_enable`, `u`, `d`, `last_day_t`, `expire_in`, `class`, \
         `class_expire`, `node_speedlimit`, `node_connector`, `ref_by`, `reg_date` FROM `user` \
         WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(c)
        .await)
}

/// Writes the new plan state and re-arms the expiry notice. (The price is taken from the balance
/// apart, by `rebate::take_balance`.)
pub async fn write_user(tx: &mut Tx, user_id: i64, s: &UserPlanState) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE `user` SET `transfer_enable` = ?, `u` = ?, `d` = ?, `last_day_t` = ?, \
         `expire_in` = ?, `class` = ?, `class_expire` = ?, `node_speedlimit` = ?, \
         `node_connector` = ?, `expire_notified` = 0 WHERE `id` = ?",
        )
        .bind(s.transfer_enable)
        .bind(s.u)
        .bind(s.d)
        .bind(s.last_day_t)
        .bind(s.expire_in)
        .bind(s.class)
        .bind(s.class_expire)
        .bind(DbMoney(Money::cents(s.node_speedlimit)))
        .bind(s.node_connector)
        .bind(user_id)
        .execute(c)
        .await
        .map(Done::from)
    })?;
    Ok(())
}

pub struct NewBought<'a> {
    pub user_id: i64,
    pub shop_id: i64,
    pub datetime: i64,
    pub renew: i64,
    pub coupon: &'a str,
    pub price: Money,
}

pub async fn insert_bought(tx: &mut Tx, b: &NewBought<'_>) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `bought` (`userid`, `shopid`, `datetime`, `renew`, `coupon`, `price`, \
         `is_notified`) VALUES (?, ?, ?, ?, ?, ?, 0)"
    )
    .bind(b.user_id)
    .bind(b.shop_id)
    .bind(b.datetime)
    .bind(b.renew)
    .bind(b.coupon)
    .bind(DbMoney(b.price))
    .execute(c)
    .await
    .map(|r| Done::from(r).id))
}

/// Stops the auto-renewal of every other purchase of the user.
pub async fn disable_other_renewals(tx: &mut Tx, user_id: i64, keep: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `bought` SET `renew` = 0 WHERE `userid` = ? AND `id` <> ?"
    )
    .bind(user_id)
    .bind(keep)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoughtRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    #[sqlx(try_from = "Int")]
    pub shopid: i64,
    pub name: Option<String>,
    #[sqlx(try_from = "Int")]
    pub datetime: i64,
    #[sqlx(try_from = "Int")]
    pub renew: i64,
    pub coupon: Option<String>,
    #[sqlx(try_from = "DbMoney")]
    pub price: Money,
}

pub async fn list_bought(db: &Db, user_id: i64) -> sqlx::Result<Vec<BoughtRow>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT b.`id`, b.`shopid`, s.`name`, b.`datetime`, b.`renew`, b.`coupon`, b.`price` \
         FROM `bought` b LEFT JOIN `shop` s ON s.`id` = b.`shopid` WHERE b.`userid` = ? \
         ORDER BY b.`id` DESC"
    )
    .bind(user_id)
    .fetch_all(p)
    .await)
}

/// Purchases whose automatic renewal is due before `before` and can be acted on: (bought id, user
/// id), oldest first. A renewal the user was already told they cannot pay comes back only once the
/// balance covers the price, so unpaid renewals never crowd out the others.
pub async fn due_renewals(db: &Db, before: i64, limit: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    // A pre-filter only: the renewal compares exact decimals again under the row lock. SQLite
    // keeps money as text, which must not be compared as text.
    let (money, price) = (
        db.backend().numeric("u.`money`"),
        db.backend().numeric("s.`price`"),
    );
    let sql = format!(
        "SELECT b.`id`, b.`userid` FROM `bought` b JOIN `user` u ON u.`id` = b.`userid` \
         LEFT JOIN `shop` s ON s.`id` = b.`shopid` \
         WHERE b.`renew` <> 0 AND b.`renew` < ? \
         AND (b.`is_notified` = 0 OR s.`id` IS NULL OR {money} >= {price}) \
         ORDER BY b.`renew`, b.`id` LIMIT ?"
    );
    let rows: Vec<(Int, Int)> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(before)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(|(id, user)| (id.0, user.0)).collect())
}

/// A purchase row as the renewal job needs it, locked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RenewalRow {
    #[sqlx(try_from = "Int")]
    pub shopid: i64,
    #[sqlx(try_from = "Int")]
    pub renew: i64,
    pub is_notified: bool,
}

pub async fn lock_bought(tx: &mut Tx, id: i64) -> sqlx::Result<Option<RenewalRow>> {
    let sql = format!(
        "SELECT `shopid`, `renew`, `is_notified` FROM `bought` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Ends a purchase's automatic renewal; `notified` records that the user was told about it.
pub async fn end_renewal(tx: &mut Tx, id: i64, notified: bool) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `bought` SET `renew` = 0, `is_notified` = ? WHERE `id` = ?"
    )
    .bind(notified)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Records that the user was told a renewal could not be paid; the renewal stays due.
pub async fn mark_renewal_notified(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `bought` SET `is_notified` = 1 WHERE `id` = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Every purchase of a plan that may be periodic: (bought id, user id, bought at, content).
/// The `LIKE` only narrows the scan; the content is parsed to decide.
pub async fn periodic_purchases(tx: &mut Tx) -> sqlx::Result<Vec<(i64, i64, i64, String)>> {
    let rows: Vec<(Int, Int, Int, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT b.`id`, b.`userid`, b.`datetime`, s.`content` FROM `bought` b \
         JOIN `shop` s ON s.`id` = b.`shopid` WHERE s.`content` LIKE '%reset_exp%'"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, user, at, content)| (id.0, user.0, at.0, content))
        .collect())
}

/// Starts the account's traffic over at `bytes`.
pub async fn reset_traffic(tx: &mut Tx, user_id: i64, bytes: i64) -> sqlx::Result<u64> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `user` SET `transfer_enable` = ?, `u` = 0, `d` = 0, `last_day_t` = 0 WHERE `id` = ?"
    )
    .bind(bytes)
    .bind(user_id)
    .execute(c)
    .await
    .map(|r| Done::from(r).rows)
    })
}

pub async fn user_email(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<String>> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `email` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)
}

/// Sets `renew = 0` on the purchase if it is the user's; false when it is not theirs or missing.
pub async fn stop_renewal(db: &Db, user_id: i64, id: i64) -> sqlx::Result<bool> {
    let exists: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `id` FROM `bought` WHERE `id` = ? AND `userid` = ?"
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    if exists.is_none() {
        return Ok(false);
    }
    on_db!(db, |p| sqlx::query(
        "UPDATE `bought` SET `renew` = 0 WHERE `id` = ? AND `userid` = ?"
    )
    .bind(id)
    .bind(user_id)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(true)
}
