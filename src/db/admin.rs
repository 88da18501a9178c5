//! SQL of the admin API: audit log, user administration, nodes, orders, announcements, tickets.

use super::users::UserRow;
use super::{Db, DbMoney, Done, Int, Money, Tx};
use crate::{on_db, on_tx};

pub async fn log(
    tx: &mut Tx,
    admin_id: i64,
    action: &str,
    target: &str,
    detail: &str,
    now: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `spanel_admin_log` (`admin_id`, `action`, `target`, `detail`, `created_at`) \
         VALUES (?, ?, ?, ?, ?)"
    )
    .bind(admin_id)
    .bind(action)
    .bind(target)
    .bind(detail)
    .bind(now)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct AdminLogRow {
    pub id: i64,
    pub admin_id: i64,
    pub action: String,
    pub target: String,
    /// JSON text.
    pub detail: String,
    pub created_at: i64,
}

/// Log rows, newest first; `before` > 0 keeps those with a smaller id (the next page).
pub async fn logs(
    db: &Db,
    target: &str,
    before: i64,
    limit: i64,
) -> sqlx::Result<Vec<AdminLogRow>> {
    on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `admin_id`, `action`, `target`, `detail`, `created_at` FROM `spanel_admin_log` \
         WHERE (? = '' OR `target` = ?) AND (? = 0 OR `id` < ?) ORDER BY `id` DESC LIMIT ?"
    )
    .bind(target)
    .bind(target)
    .bind(before)
    .bind(before)
    .bind(limit)
    .fetch_all(p)
    .await
    })
}

pub async fn refund_logged(tx: &mut Tx, target: &str) -> sqlx::Result<bool> {
    let n: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT `id` FROM `spanel_admin_log` WHERE `action` = 'bought.refund' AND `target` = ? LIMIT 1"
    )
    .bind(target)
    .fetch_optional(c)
    .await
    })?;
    Ok(n.is_some())
}

const USER_COLUMNS: &str =
    "`id`, `user_name`, `email`, `is_admin`, `enable`, `class`, `class_expire`, \
    `expire_in`, `reg_date`, `u`, `d`, `transfer_enable`, `last_day_t`, `money`, `node_group`, \
    `node_speedlimit`, `node_connector`, `invite_num`, `ref_by`";

pub async fn lock_user(tx: &mut Tx, id: i64) -> sqlx::Result<Option<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM `user` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub async fn set_password(tx: &mut Tx, id: i64, hash: &str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `pass` = ? WHERE `id` = ?"
    )
    .bind(hash)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct NodeRow {
    pub id: i64,
    pub name: String,
    #[sqlx(rename = "type")]
    pub node_type: i64,
    pub server: String,
    pub custom_config: String,
    pub info: String,
    pub status: String,
    pub sort: i64,
    pub traffic_rate: f64,
    pub node_class: i64,
    pub node_group: i64,
    #[sqlx(try_from = "DbMoney")]
    pub node_speedlimit: Money,
    pub node_bandwidth: i64,
    pub node_bandwidth_limit: i64,
    pub bandwidthlimit_resetday: i64,
    pub node_heartbeat: i64,
    pub node_ip: Option<String>,
}

const NODE_COLUMNS: &str = "`id`, `name`, `type`, `server`, `custom_config`, `info`, `status`, `sort`, \
    CAST(`traffic_rate` AS DOUBLE) AS `traffic_rate`, `node_class`, `node_group`, `node_speedlimit`, \
    `node_bandwidth`, `node_bandwidth_limit`, `bandwidthlimit_resetday`, `node_heartbeat`, `node_ip`";

fn node_columns(db: &Db) -> String {
    NODE_COLUMNS.replace("AS DOUBLE", &format!("AS {}", db.backend().double()))
}

pub async fn nodes(db: &Db) -> sqlx::Result<Vec<NodeRow>> {
    let sql = format!(
        "SELECT {} FROM `node` ORDER BY `sort`, `id`",
        node_columns(db)
    );
    on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

pub async fn node(db: &Db, id: i64) -> sqlx::Result<Option<NodeRow>> {
    let sql = format!("SELECT {} FROM `node` WHERE `id` = ?", node_columns(db));
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// The node fields an administrator sets.
#[derive(Debug, Clone)]
pub struct NodeFields {
    pub name: String,
    pub node_type: i64,
    pub server: String,
    pub custom_config: String,
    pub sort: i64,
    pub info: String,
    pub traffic_rate: f64,
    pub node_class: i64,
    pub node_group: i64,
    pub node_speedlimit: Money,
    pub node_bandwidth_limit: i64,
    pub bandwidthlimit_resetday: i64,
}

pub async fn insert_node(tx: &mut Tx, n: &NodeFields) -> sqlx::Result<i64> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO `node` (`name`, `type`, `server`, `custom_config`, `info`, `status`, `sort`, \
         `traffic_rate`, `node_class`, `node_group`, `node_speedlimit`, `node_connector`, `node_bandwidth`, \
         `node_bandwidth_limit`, `bandwidthlimit_resetday`, `node_heartbeat`, `mu_only`, `online`, `gfw_block`) \
         VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, 0, 0, ?, ?, 0, 0, 1, 0)"
    )
    .bind(&n.name)
    .bind(n.node_type)
    .bind(&n.server)
    .bind(&n.custom_config)
    .bind(&n.info)
    .bind(n.sort)
    .bind(n.traffic_rate)
    .bind(n.node_class)
    .bind(n.node_group)
    .bind(DbMoney(n.node_speedlimit))
    .bind(n.node_bandwidth_limit)
    .bind(n.bandwidthlimit_resetday)
    .execute(c)
    .await
    .map(|r| Done::from(r).id)
    })
}

pub async fn update_node(tx: &mut Tx, id: i64, n: &NodeFields) -> sqlx::Result<u64> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `node` SET `name` = ?, `type` = ?, `server` = ?, `custom_config` = ?, `info` = ?, \
         `sort` = ?, `traffic_rate` = ?, `node_class` = ?, `node_group` = ?, `node_speedlimit` = ?, \
         `node_bandwidth_limit` = ?, `bandwidthlimit_resetday` = ? WHERE `id` = ?"
    )
    .bind(&n.name)
    .bind(n.node_type)
    .bind(&n.server)
    .bind(&n.custom_config)
    .bind(&n.info)
    .bind(n.sort)
    .bind(n.traffic_rate)
    .bind(n.node_class)
    .bind(n.node_group)
    .bind(DbMoney(n.node_speedlimit))
    .bind(n.node_bandwidth_limit)
    .bind(n.bandwidthlimit_resetday)
    .bind(id)
    .execute(c)
    .await
    .map(|r| Done::from(r).rows)
    })
}

/// Deletes a node and the rows that reference it (SSPanel's foreign keys would refuse otherwise).
pub async fn delete_node(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    for sql in [
        "DELETE FROM `node_info` WHERE `node_id` = ?",
        "DELETE FROM `node_online_log` WHERE `node_id` = ?",
        "DELETE FROM `detect_log` WHERE `node_id` = ?",
    ] {
        on_tx!(tx, |c| sqlx::query(sql)
            .bind(id)
            .execute(c)
            .await
            .map(Done::from))?;
    }
    on_tx!(tx, |c| sqlx::query("DELETE FROM `node` WHERE `id` = ?")
        .bind(id)
        .execute(c)
        .await
        .map(|r| Done::from(r).rows))
}

#[derive(Debug, sqlx::FromRow)]
pub struct PaylistRow {
    pub id: i64,
    #[sqlx(try_from = "Int")]
    pub userid: i64,
    #[sqlx(try_from = "DbMoney")]
    pub total: Money,
    pub status: i64,
    pub tradeno: Option<String>,
    pub datetime: i64,
}

pub async fn paylist(
    db: &Db,
    user_id: Option<i64>,
    status: Option<i64>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<PaylistRow>> {
    on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `userid`, `total`, `status`, `tradeno`, `datetime` FROM `paylist` \
         WHERE (? = -1 OR `userid` = ?) AND (? = -1 OR `status` = ?) ORDER BY `id` DESC LIMIT ? OFFSET ?"
    )
    .bind(user_id.unwrap_or(-1))
    .bind(user_id.unwrap_or(-1))
    .bind(status.unwrap_or(-1))
    .bind(status.unwrap_or(-1))
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoughtRow {
    pub id: i64,
    pub userid: i64,
    pub shopid: i64,
    pub datetime: i64,
    pub renew: i64,
    pub coupon: String,
    #[sqlx(try_from = "DbMoney")]
    pub price: Money,
}

const BOUGHT_COLUMNS: &str = "`id`, `userid`, `shopid`, `datetime`, `renew`, `coupon`, `price`";

pub async fn bought(
    db: &Db,
    user_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<BoughtRow>> {
    let sql = format!(
        "SELECT {BOUGHT_COLUMNS} FROM `bought` WHERE (? = -1 OR `userid` = ?) \
         ORDER BY `id` DESC LIMIT ? OFFSET ?"
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(user_id.unwrap_or(-1))
        .bind(user_id.unwrap_or(-1))
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)
}

pub async fn lock_bought(tx: &mut Tx, id: i64) -> sqlx::Result<Option<BoughtRow>> {
    let sql = format!(
        "SELECT {BOUGHT_COLUMNS} FROM `bought` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Stops a refunded purchase from renewing.
pub async fn stop_renew(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `bought` SET `renew` = 0 WHERE `id` = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct AnnouncementRow {
    pub id: i64,
    pub date: chrono::NaiveDateTime,
    pub content: String,
    pub markdown: String,
}

pub async fn announcements(db: &Db) -> sqlx::Result<Vec<AnnouncementRow>> {
    on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `date`, `content`, `markdown` FROM `announcement` ORDER BY `date` DESC, `id` DESC"
    )
    .fetch_all(p)
    .await
    })
}

pub async fn announcement(db: &Db, id: i64) -> sqlx::Result<Option<AnnouncementRow>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `date`, `content`, `markdown` FROM `announcement` WHERE `id` = ?"
    )
    .bind(id)
    .fetch_optional(p)
    .await)
}

/// Inserts (id None) or updates an announcement; returns its id, or None when the id is unknown.
pub async fn save_announcement(
    tx: &mut Tx,
    id: Option<i64>,
    date: chrono::NaiveDateTime,
    content: &str,
    markdown: &str,
) -> sqlx::Result<Option<i64>> {
    match id {
        None => on_tx!(tx, |c| sqlx::query(
            "INSERT INTO `announcement` (`date`, `content`, `markdown`) VALUES (?, ?, ?)"
        )
        .bind(date)
        .bind(content)
        .bind(markdown)
        .execute(c)
        .await
        .map(|r| Some(Done::from(r).id))),
        Some(id) => {
            let rows = on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE `announcement` SET `date` = ?, `content` = ?, `markdown` = ? WHERE `id` = ?"
            )
            .bind(date)
            .bind(content)
            .bind(markdown)
            .bind(id)
            .execute(c)
            .await
            .map(|r| Done::from(r).rows)
            })?;
            // MySQL counts unchanged rows as 0: check existence instead.
            if rows > 0 {
                return Ok(Some(id));
            }
            let found: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT `id` FROM `announcement` WHERE `id` = ?"
            )
            .bind(id)
            .fetch_optional(c)
            .await)?;
            Ok(found)
        }
    }
}

pub async fn delete_announcement(tx: &mut Tx, id: i64) -> sqlx::Result<u64> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `announcement` WHERE `id` = ?"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| Done::from(r).rows))
}

#[derive(Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub rootid: i64,
    pub userid: i64,
    pub datetime: i64,
    pub status: i64,
}

const TICKET_COLUMNS: &str = "`id`, `title`, `content`, `rootid`, `userid`, `datetime`, `status`";

/// Thread roots, newest first; `user_id` None = all users.
pub async fn ticket_roots(db: &Db, user_id: Option<i64>) -> sqlx::Result<Vec<TicketRow>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM `ticket` WHERE `rootid` = 0 AND (? = -1 OR `userid` = ?) \
         ORDER BY `id` DESC"
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(user_id.unwrap_or(-1))
        .bind(user_id.unwrap_or(-1))
        .fetch_all(p)
        .await)
}

/// A thread: its root first, then the replies in order.
pub async fn ticket_thread(db: &Db, root: i64) -> sqlx::Result<Vec<TicketRow>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM `ticket` WHERE (`id` = ? AND `rootid` = 0) OR `rootid` = ? \
         ORDER BY `rootid`, `id`"
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(root)
        .bind(root)
        .fetch_all(p)
        .await)
}

pub async fn lock_ticket_root(tx: &mut Tx, id: i64) -> sqlx::Result<Option<TicketRow>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM `ticket` WHERE `id` = ? AND `rootid` = 0{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

pub async fn insert_ticket(
    tx: &mut Tx,
    title: &str,
    content: &str,
    rootid: i64,
    userid: i64,
    now: i64,
) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `ticket` (`title`, `content`, `rootid`, `userid`, `datetime`, `status`) \
         VALUES (?, ?, ?, ?, ?, 1)"
    )
    .bind(title)
    .bind(content)
    .bind(rootid)
    .bind(userid)
    .bind(now)
    .execute(c)
    .await
    .map(|r| Done::from(r).id))
}

/// Locks the user's row (serialising their ticket openings) and counts their open threads.
pub async fn lock_open_tickets(tx: &mut Tx, user: i64) -> sqlx::Result<i64> {
    let lock = format!("SELECT `id` FROM `user` WHERE `id` = ?{}", tx.for_update());
    on_tx!(tx, |c| sqlx::query(&lock)
        .bind(user)
        .execute(c)
        .await
        .map(Done::from))?;
    on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `ticket` WHERE `userid` = ? AND `rootid` = 0 AND `status` = 1"
    )
    .bind(user)
    .fetch_one(c)
    .await)
}

pub async fn set_ticket_status(tx: &mut Tx, root: i64, status: i64) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `ticket` SET `status` = ? WHERE `id` = ?"
    )
    .bind(status)
    .bind(root)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}
