//! SQL for accounts (`user`, `link`, `user_invite_code`, `login_ip`).

use chrono::NaiveDateTime;

use super::{Db, DbMoney, Done, Int, Money, Tx};
use crate::domain::account::NewUser;
use crate::{on_db, on_tx};

/// The columns the user API shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
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
    #[sqlx(try_from = "Int")]
    pub u: i64,
    #[sqlx(try_from = "Int")]
    pub d: i64,
    #[sqlx(try_from = "Int")]
    pub transfer_enable: i64,
    pub last_day_t: i64,
    #[sqlx(try_from = "DbMoney")]
    pub money: Money,
    pub node_group: i64,
    #[sqlx(try_from = "DbMoney")]
    pub node_speedlimit: Money,
    pub node_connector: i64,
    pub invite_num: i64,
    #[sqlx(try_from = "Int")]
    pub ref_by: i64,
}

const USER_COLUMNS: &str =
    "`id`, `user_name`, `email`, `is_admin`, `enable`, `class`, `class_expire`, \
    `expire_in`, `reg_date`, `u`, `d`, `transfer_enable`, `last_day_t`, `money`, `node_group`, \
    `node_speedlimit`, `node_connector`, `invite_num`, `ref_by`";

pub async fn find_user(db: &Db, id: i64) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM `user` WHERE `id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub async fn email_exists(tx: &mut Tx, email: &str) -> sqlx::Result<bool> {
    let n: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT 1 FROM `user` WHERE `email` = ?"
    )
    .bind(email)
    .fetch_optional(c)
    .await)?;
    Ok(n.is_some())
}

pub async fn port_taken(tx: &mut Tx, port: i64) -> sqlx::Result<bool> {
    let n: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT 1 FROM `user` WHERE `port` = ? LIMIT 1"
    )
    .bind(port)
    .fetch_optional(c)
    .await)?;
    Ok(n.is_some())
}

pub async fn max_port(tx: &mut Tx) -> sqlx::Result<Option<i64>> {
    on_tx!(tx, |c| sqlx::query_scalar("SELECT MAX(`port`) FROM `user`")
        .fetch_one(c)
        .await)
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO `user` (`user_name`, `email`, `pass`, `passwd`, `uuid`, `t`, `u`, `d`, \
        `transfer_enable`, `port`, `enable`, `reg_date`, `invite_num`, `money`, `ref_by`, `method`, \
        `reg_ip`, `node_speedlimit`, `node_connector`, `is_admin`, `im_type`, `im_value`, `last_day_t`, \
        `sendDailyMail`, `class`, `class_expire`, `expire_in`, `theme`, `ga_token`, `ga_enable`, `remark`, \
        `node_group`, `protocol`, `protocol_param`, `obfs`, `obfs_param`, `is_hide`, `is_multi_user`, \
        `forbidden_ip`, `forbidden_port`, `auto_reset_day`, `auto_reset_bandwidth`) \
        VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '', 0, ?, ?, ?, ?, \
        'material', ?, 0, '', 0, ?, ?, ?, ?, 0, 0, '', '', 0, ?)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(&u.user_name)
        .bind(&u.email)
        .bind(&u.pass)
        .bind(&u.passwd)
        .bind(&u.uuid)
        .bind(u.transfer_enable as i64)
        .bind(u.port)
        .bind(u.reg_date)
        .bind(u.invite_num)
        .bind(DbMoney(Money::ZERO))
        .bind(u.ref_by)
        .bind(&u.method)
        .bind(&u.reg_ip)
        .bind(DbMoney(u.node_speedlimit))
        .bind(u.node_connector)
        .bind(u.is_admin as i64)
        .bind(u.send_daily_mail as i64)
        .bind(u.class)
        .bind(u.class_expire)
        .bind(u.expire_in)
        .bind(&u.ga_token)
        .bind(&u.protocol)
        .bind(&u.protocol_param)
        .bind(&u.obfs)
        .bind(&u.obfs_param)
        .bind(DbMoney(Money::ZERO))
        .execute(c)
        .await
        .map(|r| Done::from(r).id))
}

pub async fn insert_link(tx: &mut Tx, user_id: i64, token: &str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `link` (`token`, `userid`) VALUES (?, ?)"
    )
    .bind(token)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn insert_invite_code(tx: &mut Tx, user_id: i64, code: &str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `user_invite_code` (`code`, `user_id`, `created_at`, `updated_at`) \
         VALUES (?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    .bind(code)
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// The inviter behind an invite code, locked: (user id, invite_num, enable).
pub async fn lock_inviter(tx: &mut Tx, code: &str) -> sqlx::Result<Option<(i64, i64, i64)>> {
    let sql = format!(
        "SELECT u.`id`, u.`invite_num`, u.`enable` FROM `user_invite_code` c \
         JOIN `user` u ON u.`id` = c.`user_id` WHERE c.`code` = ?{}",
        tx.for_update()
    );
    let row: Option<(Int, i64, i64)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(|(id, n, enable)| (id.0, n, enable)))
}

/// Pays the sign-up reward to an inviter and uses one of their invitations.
pub async fn reward_inviter(tx: &mut Tx, id: i64, money: Money, bytes: u64) -> sqlx::Result<()> {
    let DbMoney(current) = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT `money` FROM `user` WHERE `id` = ?"
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `user` SET `money` = ?, `transfer_enable` = `transfer_enable` + ?, \
         `invite_num` = CASE WHEN `invite_num` > 0 THEN `invite_num` - 1 ELSE `invite_num` END \
         WHERE `id` = ?"
    )
    .bind(DbMoney(current + money))
    .bind(bytes as i64)
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// (id, password hash, enable) of the account with this e-mail.
pub async fn find_login(db: &Db, email: &str) -> sqlx::Result<Option<(i64, String, i64)>> {
    let row: Option<(Int, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `pass`, `enable` FROM `user` WHERE `email` = ?"
    )
    .bind(email)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(id, pass, enable)| (id.0, pass, enable)))
}

/// SSPanel's login log: `type` 0 = success, 1 = failure.
pub async fn record_login(db: &Db, user_id: i64, ip: &str, failed: bool) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `login_ip` (`userid`, `ip`, `datetime`, `type`) VALUES (?, ?, ?, ?)"
    )
    .bind(user_id)
    .bind(ip)
    .bind(chrono::Utc::now().timestamp())
    .bind(failed as i64)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn subscription_token(db: &Db, user_id: i64) -> sqlx::Result<Option<String>> {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT `token` FROM `link` WHERE `userid` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)
}

pub async fn invite_code(db: &Db, user_id: i64) -> sqlx::Result<Option<String>> {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT `code` FROM `user_invite_code` WHERE `user_id` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)
}

pub async fn admin_count(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `user` WHERE `is_admin` = 1"
    )
    .fetch_one(p)
    .await)
}

/// A user's traffic since `from` as (unix time, upload, download): whole days already rolled up
/// (`spanel_traffic_daily`, stamped at midnight) and the hours not yet rolled up
/// (`spanel_traffic_hourly`, stamped at the hour).
pub async fn traffic_since(db: &Db, user_id: i64, from: i64) -> sqlx::Result<Vec<(i64, u64, u64)>> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT `day`, `u`, `d` FROM `spanel_traffic_daily` WHERE `user_id` = ? AND `day` >= ?",
        "SELECT `hour`, `u`, `d` FROM `spanel_traffic_hourly` WHERE `user_id` = ? AND `hour` >= ?",
    ] {
        let part: Vec<(i64, Int, Int)> = on_db!(db, |p| sqlx::query_as(sql)
            .bind(user_id)
            .bind(from)
            .fetch_all(p)
            .await)?;
        rows.extend(part.into_iter().map(|(t, u, d)| (t, u.into(), d.into())));
    }
    Ok(rows)
}

/// How many users name `user_id` as their inviter.
pub async fn invited_count(db: &Db, user_id: i64) -> sqlx::Result<i64> {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `user` WHERE `ref_by` = ?"
    )
    .bind(user_id)
    .fetch_one(p)
    .await)
}

/// One referral commission (`payback`) paid to the inviter.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CommissionRow {
    pub id: i64,
    /// The invitee whose payment earned it.
    #[sqlx(rename = "userid")]
    pub from_user: i64,
    #[sqlx(rename = "ref_get")]
    #[schema(value_type = String, example = "1.23")]
    #[sqlx(try_from = "DbMoney")]
    pub amount: Money,
    /// Unix seconds.
    pub datetime: i64,
}

/// The latest `limit` commissions paid to `user_id`, newest first.
pub async fn commissions(db: &Db, user_id: i64, limit: i64) -> sqlx::Result<Vec<CommissionRow>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `userid`, `ref_get`, `datetime` FROM `payback` WHERE `ref_by` = ? \
         ORDER BY `datetime` DESC, `id` DESC LIMIT ?"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// Everything ever paid to `user_id` as commission.
pub async fn commission_total(db: &Db, user_id: i64) -> sqlx::Result<Money> {
    let sql = format!(
        "SELECT {} FROM `payback` WHERE `ref_by` = ?",
        super::cents_sum(db.backend(), "`ref_get`")
    );
    let cents: Int = on_db!(db, |p| sqlx::query_scalar(&sql)
        .bind(user_id)
        .fetch_one(p)
        .await)?;
    Ok(Money::from_cents(cents.0))
}
