//! SQL for subscriptions (`link`, `user`, `node`, `user_subscribe_log`).

use chrono::NaiveDateTime;

use super::{Db, Done, Int};
use crate::on_db;

/// The user behind a subscription token, with what their proxies need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubUser {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub user_name: String,
    pub email: String,
    pub is_admin: i64,
    pub enable: i64,
    pub class: i64,
    pub expire_in: NaiveDateTime,
    #[sqlx(try_from = "Int")]
    pub u: i64,
    #[sqlx(try_from = "Int")]
    pub d: i64,
    #[sqlx(try_from = "Int")]
    pub transfer_enable: i64,
    pub node_group: i64,
    pub port: i64,
    pub passwd: String,
    pub uuid: String,
    pub method: String,
    pub protocol: Option<String>,
    pub protocol_param: Option<String>,
    pub obfs: Option<String>,
    pub obfs_param: Option<String>,
}

const SUB_USER_COLUMNS: &str = "u.`id`, u.`user_name`, u.`email`, u.`is_admin`, u.`enable`, \
    u.`class`, u.`expire_in`, u.`u`, u.`d`, u.`transfer_enable`, u.`node_group`, u.`port`, \
    u.`passwd`, u.`uuid`, u.`method`, u.`protocol`, u.`protocol_param`, u.`obfs`, u.`obfs_param`";

pub async fn user_by_token(db: &Db, token: &str) -> sqlx::Result<Option<SubUser>> {
    let sql = format!(
        "SELECT {SUB_USER_COLUMNS} FROM `link` l JOIN `user` u ON u.`id` = l.`userid` \
         WHERE l.`token` = ?"
    );
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(token)
        .fetch_optional(p)
        .await)
}

/// The same account fields by user id (the user center's node list).
pub async fn user_by_id(db: &Db, id: i64) -> sqlx::Result<Option<SubUser>> {
    let sql = format!("SELECT {SUB_USER_COLUMNS} FROM `user` u WHERE u.`id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubNode {
    pub id: i64,
    pub name: String,
    pub server: String,
    pub custom_config: Option<String>,
    pub sort: i64,
    pub mu_only: Option<i64>,
}

/// Enabled nodes a user may use (`all`: administrators see every enabled node), by id.
pub async fn nodes_for(db: &Db, all: bool, class: i64, group: i64) -> sqlx::Result<Vec<SubNode>> {
    on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `name`, `server`, `custom_config`, `sort`, `mu_only` FROM `node` \
         WHERE `type` = 1 AND (? = 1 OR (`node_class` <= ? AND (`node_group` = 0 OR `node_group` = ?))) \
         ORDER BY `id`"
    )
    .bind(all as i64)
    .bind(class)
    .bind(group)
    .fetch_all(p)
    .await
    })
}

pub struct LogEntry<'a> {
    pub user_id: i64,
    pub user_name: &'a str,
    pub email: &'a str,
    pub subscribe_type: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub at: NaiveDateTime,
}

/// Cuts a value to a column's width (in characters) so MariaDB's strict mode accepts it.
fn fit(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub async fn insert_log(db: &Db, e: &LogEntry<'_>) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `user_subscribe_log` (`user_name`, `user_id`, `email`, `subscribe_type`, \
         `request_ip`, `request_time`, `request_user_agent`) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    .bind(fit(e.user_name, 128))
    .bind(e.user_id)
    .bind(fit(e.email, 32))
    .bind(fit(e.subscribe_type, 20))
    .bind(fit(e.ip, 182))
    .bind(e.at)
    .bind(fit(e.user_agent, 4096))
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn token_exists(db: &Db, token: &str) -> sqlx::Result<bool> {
    let n: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `id` FROM `link` WHERE `token` = ?"
    )
    .bind(token)
    .fetch_optional(p)
    .await)?;
    Ok(n.is_some())
}

/// Points the user's link at a new token (creating the row if they had none).
pub async fn set_token(db: &Db, user_id: i64, token: &str) -> sqlx::Result<()> {
    let updated = on_db!(db, |p| sqlx::query(
        "UPDATE `link` SET `token` = ? WHERE `userid` = ?"
    )
    .bind(token)
    .bind(user_id)
    .execute(p)
    .await
    .map(|r| Done::from(r).rows))?;
    if updated == 0 {
        on_db!(db, |p| sqlx::query(
            "INSERT INTO `link` (`token`, `userid`) VALUES (?, ?)"
        )
        .bind(token)
        .bind(user_id)
        .execute(p)
        .await
        .map(Done::from))?;
    }
    Ok(())
}
