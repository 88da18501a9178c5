//! SQL of user administration: the full account row operators edit, search, balance log and the
//! per-user record lists of the user's admin page.

use chrono::NaiveDateTime;

use super::{Db, DbMoney, Done, Int, Money, Tx};
use crate::{on_db, on_tx};

/// Every `user` column an operator sees or edits.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub user_name: String,
    pub email: String,
    pub is_admin: i64,
    pub enable: i64,
    pub class: i64,
    pub class_expire: NaiveDateTime,
    pub expire_in: NaiveDateTime,
    pub reg_date: NaiveDateTime,
    pub reg_ip: String,
    #[sqlx(try_from = "Int")]
    pub u: i64,
    #[sqlx(try_from = "Int")]
    pub d: i64,
    #[sqlx(try_from = "Int")]
    pub transfer_enable: i64,
    #[sqlx(try_from = "Int")]
    pub t: i64,
    #[sqlx(try_from = "DbMoney")]
    pub money: Money,
    pub node_group: i64,
    #[sqlx(try_from = "DbMoney")]
    pub node_speedlimit: Money,
    pub node_connector: i64,
    pub invite_num: i64,
    #[sqlx(try_from = "Int")]
    pub ref_by: i64,
    pub port: i64,
    pub remark: Option<String>,
    pub last_detect_ban_time: Option<NaiveDateTime>,
    pub all_detect_number: i64,
}

const COLUMNS: &str = "`id`, `user_name`, `email`, `is_admin`, `enable`, `class`, `class_expire`, \
    `expire_in`, `reg_date`, `reg_ip`, `u`, `d`, `transfer_enable`, `t`, `money`, `node_group`, \
    `node_speedlimit`, `node_connector`, `invite_num`, `ref_by`, `port`, `remark`, \
    `last_detect_ban_time`, `all_detect_number`";

pub async fn find(db: &Db, id: i64) -> sqlx::Result<Option<AccountRow>> {
    let sql = format!("SELECT {COLUMNS} FROM `user` WHERE `id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub async fn lock(tx: &mut Tx, id: i64) -> sqlx::Result<Option<AccountRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM `user` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Writes every editable field of a locked account.
pub async fn update(tx: &mut Tx, u: &AccountRow) -> sqlx::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `user` SET `email` = ?, `user_name` = ?, `class` = ?, `class_expire` = ?, `expire_in` = ?, `transfer_enable` = ?, \
         `u` = ?, `d` = ?, `money` = ?, `node_group` = ?, `node_speedlimit` = ?, \
         `node_connector` = ?, `invite_num` = ?, `remark` = ?, `enable` = ?, \
         `last_detect_ban_time` = ? WHERE `id` = ?"
    )
    .bind(&u.email)
    .bind(&u.user_name)
    .bind(u.class)
    .bind(u.class_expire)
    .bind(u.expire_in)
    .bind(u.transfer_enable)
    .bind(u.u)
    .bind(u.d)
    .bind(DbMoney(u.money))
    .bind(u.node_group)
    .bind(DbMoney(u.node_speedlimit))
    .bind(u.node_connector)
    .bind(u.invite_num)
    .bind(&u.remark)
    .bind(u.enable)
    .bind(u.last_detect_ban_time)
    .bind(u.id)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(())
}

/// Sort keys of the user list (whitelisted column expressions).
pub fn sort_column(key: &str) -> Option<&'static str> {
    Some(match key {
        "id" => "`id`",
        "email" => "`email`",
        "user_name" => "`user_name`",
        "reg_date" => "`reg_date`",
        "class" => "`class`",
        "class_expire" => "`class_expire`",
        "expire_in" => "`expire_in`",
        // `+ 0` sorts SQLite's TEXT money as a number; MySQL's DECIMAL is unchanged.
        "money" => "(`money` + 0)",
        "traffic" => "(`u` + `d`)",
        "transfer_enable" => "`transfer_enable`",
        "port" => "`port`",
        "last_used" => "`t`",
        _ => return None,
    })
}

/// What the user list is filtered by. `ip` set = also the accounts that used or logged in from
/// that address (`alive_ip`, `login_ip`, `reg_ip`).
pub struct Search<'a> {
    pub q: &'a str,
    pub ip: Option<&'a str>,
    pub order_by: &'static str,
    pub descending: bool,
}

pub async fn search(
    db: &Db,
    s: &Search<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<AccountRow>, i64)> {
    // `!` escapes LIKE wildcards: a backslash means different things in MySQL and SQLite literals.
    let like = format!(
        "%{}%",
        s.q.replace('!', "!!").replace('%', "!%").replace('_', "!_")
    );
    let number = s.q.trim().parse::<i64>().unwrap_or(-1);
    let ip = s.ip.unwrap_or("");
    // The address subqueries scan SSPanel's unindexed `alive_ip`; they run only for an address.
    let ip_filter = if s.ip.is_some() {
        " OR `id` IN (SELECT `userid` FROM `alive_ip` WHERE `ip` = ?) \
          OR `id` IN (SELECT `userid` FROM `login_ip` WHERE `ip` = ?) OR `reg_ip` = ?"
    } else {
        " OR ? = '' OR ? = '' OR ? = ''"
    };
    let filter = format!(
        "(? = '' OR `email` LIKE ? ESCAPE '!' OR `user_name` LIKE ? ESCAPE '!' OR `id` = ? \
         OR `port` = ?{ip_filter})"
    );
    let direction = if s.descending { "DESC" } else { "ASC" };
    // A deferred join: the page's ids are found sorting only (key, id) pairs, and the wide rows
    // are read for those ids alone, so a deep page costs the sort, not OFFSET wide rows.
    // (SSPanel's `user` has no index on most sort keys and spanel never alters its tables, so
    // seeking is not possible for them; `id`, `email` and `user_name` are read in key order.)
    let sql = format!(
        "SELECT {COLUMNS} FROM `user` JOIN (SELECT `id` AS `page_id` FROM `user` WHERE {filter} \
         ORDER BY {order} {direction}, `id` {direction} LIMIT ? OFFSET ?) k ON k.`page_id` = `user`.`id` \
         ORDER BY {order} {direction}, `id` {direction}",
        order = s.order_by
    );
    // With no address the three placeholders compare a non-empty marker, which never matches.
    let ip_bind = if s.ip.is_some() { ip } else { "-" };
    let rows: Vec<AccountRow> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(s.q)
        .bind(&like)
        .bind(&like)
        .bind(number)
        .bind(number)
        .bind(ip_bind)
        .bind(ip_bind)
        .bind(ip_bind)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let count_sql = format!("SELECT COUNT(*) FROM `user` WHERE {filter}");
    let total: Int = on_db!(db, |p| sqlx::query_scalar(&count_sql)
        .bind(s.q)
        .bind(&like)
        .bind(&like)
        .bind(number)
        .bind(number)
        .bind(ip_bind)
        .bind(ip_bind)
        .bind(ip_bind)
        .fetch_one(p)
        .await)?;
    Ok((rows, total.0))
}

/// One balance change, as SSPanel-UIM's `user_money_log` records it.
pub async fn insert_money_log(
    tx: &mut Tx,
    user_id: i64,
    before: Money,
    after: Money,
    remark: &str,
    now: i64,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `spanel_user_money_log` (`user_id`, `before`, `after`, `amount`, `remark`, \
         `create_time`) VALUES (?, ?, ?, ?, ?, ?)"
    )
    .bind(user_id)
    .bind(DbMoney(before))
    .bind(DbMoney(after))
    .bind(DbMoney(after - before))
    .bind(remark)
    .bind(now)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// One line of a user's record list: what each list puts in each column is in [`RECORDS`].
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
    pub id: Int,
    /// Unix seconds.
    pub at: Int,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub amount: Option<DbMoney>,
    pub state: Option<Int>,
    pub extra: Option<Int>,
}

/// A record list: its rows for one user (`?` = the user id, `binds` times) and their count.
pub struct RecordQuery {
    pub kind: &'static str,
    rows: &'static str,
    count: &'static str,
    binds: usize,
}

const fn rq(
    kind: &'static str,
    rows: &'static str,
    count: &'static str,
    binds: usize,
) -> RecordQuery {
    RecordQuery {
        kind,
        rows,
        count,
        binds,
    }
}

/// The record lists of a user's page. Columns: `id`, `at`, `title`, `detail`, `amount`, `state`,
/// `extra` (see each list's service view for their meaning).
pub const RECORDS: &[RecordQuery] = &[
    rq(
        "topups",
        "SELECT `id`, `datetime` AS `at`, `tradeno` AS `title`, NULL AS `detail`, \
         `total` AS `amount`, `status` AS `state`, NULL AS `extra` FROM `paylist` WHERE `userid` = ?",
        "SELECT COUNT(*) FROM `paylist` WHERE `userid` = ?",
        1,
    ),
    rq(
        "purchases",
        "SELECT b.`id` AS `id`, b.`datetime` AS `at`, s.`name` AS `title`, b.`coupon` AS `detail`, \
         b.`price` AS `amount`, b.`renew` AS `state`, b.`shopid` AS `extra` FROM `bought` b \
         LEFT JOIN `shop` s ON s.`id` = b.`shopid` WHERE b.`userid` = ?",
        "SELECT COUNT(*) FROM `bought` WHERE `userid` = ?",
        1,
    ),
    rq(
        "orders",
        "SELECT `order_id` AS `id`, `created_at` AS `at`, `status` AS `title`, `note` AS `detail`, \
         `price` AS `amount`, `bought_id` AS `state`, `shop_id` AS `extra` \
         FROM `spanel_plan_checkout` WHERE `user_id` = ?",
        "SELECT COUNT(*) FROM `spanel_plan_checkout` WHERE `user_id` = ?",
        1,
    ),
    rq(
        "balance",
        "SELECT `id`, `create_time` AS `at`, `remark` AS `title`, CAST(`after` AS CHAR) AS `detail`, \
         `amount`, NULL AS `state`, NULL AS `extra` FROM `spanel_user_money_log` WHERE `user_id` = ?",
        "SELECT COUNT(*) FROM `spanel_user_money_log` WHERE `user_id` = ?",
        1,
    ),
    rq(
        "commissions",
        "SELECT `id`, `datetime` AS `at`, NULL AS `title`, NULL AS `detail`, `ref_get` AS `amount`, \
         `userid` AS `state`, NULL AS `extra` FROM `payback` WHERE `ref_by` = ?",
        "SELECT COUNT(*) FROM `payback` WHERE `ref_by` = ?",
        1,
    ),
    rq(
        "logins",
        "SELECT `id`, `datetime` AS `at`, `ip` AS `title`, NULL AS `detail`, NULL AS `amount`, \
         `type` AS `state`, NULL AS `extra` FROM `login_ip` WHERE `userid` = ?",
        "SELECT COUNT(*) FROM `login_ip` WHERE `userid` = ?",
        1,
    ),
    rq(
        "detect",
        "SELECT g.`id` AS `id`, g.`datetime` AS `at`, l.`name` AS `title`, n.`name` AS `detail`, \
         NULL AS `amount`, g.`list_id` AS `state`, g.`node_id` AS `extra` FROM `detect_log` g \
         LEFT JOIN `detect_list` l ON l.`id` = g.`list_id` LEFT JOIN `node` n ON n.`id` = g.`node_id` \
         WHERE g.`user_id` = ?",
        "SELECT COUNT(*) FROM `detect_log` WHERE `user_id` = ?",
        1,
    ),
    rq(
        "bans",
        "SELECT `id`, `end_time` AS `at`, NULL AS `title`, NULL AS `detail`, NULL AS `amount`, \
         `ban_time` AS `state`, `detect_number` AS `extra` FROM `detect_ban_log` WHERE `user_id` = ?",
        "SELECT COUNT(*) FROM `detect_ban_log` WHERE `user_id` = ?",
        1,
    ),
    // Whole days rolled up, then the hours of today not rolled up yet.
    rq(
        "traffic",
        "SELECT `day` AS `id`, `day` AS `at`, 'day' AS `title`, NULL AS `detail`, NULL AS `amount`, \
         `u` AS `state`, `d` AS `extra` FROM `spanel_traffic_daily` WHERE `user_id` = ? \
         UNION ALL SELECT `hour`, `hour`, 'hour', NULL, NULL, `u`, `d` \
         FROM `spanel_traffic_hourly` WHERE `user_id` = ?",
        "SELECT (SELECT COUNT(*) FROM `spanel_traffic_daily` WHERE `user_id` = ?) \
         + (SELECT COUNT(*) FROM `spanel_traffic_hourly` WHERE `user_id` = ?)",
        2,
    ),
];

/// A page of one record list of `user_id`, newest first, and the list's size.
pub async fn records(
    db: &Db,
    query: &RecordQuery,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<RecordRow>, i64)> {
    let sql = format!(
        "SELECT * FROM ({}) r ORDER BY r.`at` DESC, r.`id` DESC LIMIT ? OFFSET ?",
        query.rows
    );
    let rows: Vec<RecordRow> = on_db!(db, |p| {
        let mut q = sqlx::query_as(&sql);
        for _ in 0..query.binds {
            q = q.bind(user_id);
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })?;
    let total: Int = on_db!(db, |p| {
        let mut q = sqlx::query_scalar(query.count);
        for _ in 0..query.binds {
            q = q.bind(user_id);
        }
        q.fetch_one(p).await
    })?;
    Ok((rows, total.0))
}

/// One subscription pull (`user_subscribe_log`, whose time is a DATETIME).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PullRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub subscribe_type: String,
    pub request_ip: String,
    pub request_time: NaiveDateTime,
    pub request_user_agent: Option<String>,
}

pub async fn subscription_pulls(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<PullRow>, i64)> {
    let rows = on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `subscribe_type`, `request_ip`, `request_time`, `request_user_agent` \
         FROM `user_subscribe_log` WHERE `user_id` = ? ORDER BY `id` DESC LIMIT ? OFFSET ?"
    )
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?;
    let total: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `user_subscribe_log` WHERE `user_id` = ?"
    )
    .bind(user_id)
    .fetch_one(p)
    .await)?;
    Ok((rows, total.0))
}
