//! SQL for account security: session state (`spanel_user_session`), two-factor (`user.ga_token`,
//! `ga_enable`), password-reset links (`user_password_reset`), sign-up codes (`email_verify`) and
//! the login history (`login_ip`), written as PHP SSPanel writes them.

use super::{Db, Done, Int, Tx};
use crate::{on_db, on_tx};

/// What a session token is checked against on every request.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub enable: i64,
    pub is_admin: i64,
    pub pass: String,
    pub generation: i64,
}

pub async fn session_state(db: &Db, user_id: i64) -> sqlx::Result<Option<SessionState>> {
    let row: Option<(i64, i64, String, Option<i64>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT u.`enable`, u.`is_admin`, u.`pass`, s.`generation` FROM `user` u \
         LEFT JOIN `spanel_user_session` s ON s.`user_id` = u.`id` WHERE u.`id` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    Ok(
        row.map(|(enable, is_admin, pass, generation)| SessionState {
            enable,
            is_admin,
            pass,
            generation: generation.unwrap_or(0),
        }),
    )
}

/// Creates the account's session row if it has none (generation 0, as for accounts without one).
async fn ensure_session_row(tx: &mut Tx, user_id: i64) -> sqlx::Result<()> {
    let sql = format!(
        "{} INTO `spanel_user_session` (`user_id`, `generation`, `totp_step`) VALUES (?, 0, 0)",
        tx.backend().insert_ignore()
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(user_id)
        .execute(c)
        .await
        .map(Done::from))?;
    Ok(())
}

/// Ends every session of the account: tokens carry the generation they were issued in.
pub async fn bump_generation(tx: &mut Tx, user_id: i64) -> sqlx::Result<()> {
    ensure_session_row(tx, user_id).await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `spanel_user_session` SET `generation` = `generation` + 1 WHERE `user_id` = ?"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// (password hash, session generation) of an account, for issuing a token.
pub async fn token_state(db: &Db, user_id: i64) -> sqlx::Result<Option<(String, i64)>> {
    Ok(session_state(db, user_id)
        .await?
        .map(|s| (s.pass, s.generation)))
}

/// (ga_enable, ga_token) of an account.
pub async fn two_factor(db: &Db, user_id: i64) -> sqlx::Result<Option<(i64, String)>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `ga_enable`, `ga_token` FROM `user` WHERE `id` = ?"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)
}

/// (ga_enable, ga_token) of a locked account.
pub async fn lock_two_factor(tx: &mut Tx, user_id: i64) -> sqlx::Result<Option<(i64, String)>> {
    let sql = format!(
        "SELECT `ga_enable`, `ga_token` FROM `user` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(c)
        .await)
}

pub async fn set_two_factor(
    tx: &mut Tx,
    user_id: i64,
    enable: bool,
    token: Option<&str>,
) -> sqlx::Result<()> {
    match token {
        Some(token) => on_tx!(tx, |c| sqlx::query(
            "UPDATE `user` SET `ga_enable` = ?, `ga_token` = ? WHERE `id` = ?"
        )
        .bind(enable as i64)
        .bind(token)
        .bind(user_id)
        .execute(c)
        .await
        .map(Done::from))?,
        None => on_tx!(tx, |c| sqlx::query(
            "UPDATE `user` SET `ga_enable` = ? WHERE `id` = ?"
        )
        .bind(enable as i64)
        .bind(user_id)
        .execute(c)
        .await
        .map(Done::from))?,
    };
    Ok(())
}

/// Records `step` as the account's latest used two-factor time step, unless that step (or a
/// later one) was already used: returns whether the code may be accepted.
pub async fn use_totp_step(tx: &mut Tx, user_id: i64, step: i64) -> sqlx::Result<bool> {
    ensure_session_row(tx, user_id).await?;
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `spanel_user_session` SET `totp_step` = ? WHERE `user_id` = ? AND `totp_step` < ?"
    )
    .bind(step)
    .bind(user_id)
    .bind(step)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows == 1)
}

/// A new password-reset link, as PHP SSPanel stores it.
pub async fn insert_password_reset(
    db: &Db,
    email: &str,
    token: &str,
    now: i64,
    expire: i64,
) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `user_password_reset` (`email`, `token`, `init_time`, `expire_time`) \
         VALUES (?, ?, ?, ?)"
    )
    .bind(email)
    .bind(token)
    .bind(now)
    .bind(expire)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

/// The unexpired reset link with this token, locked: (id, e-mail).
pub async fn lock_password_reset(
    tx: &mut Tx,
    token: &str,
    now: i64,
) -> sqlx::Result<Option<(i64, String)>> {
    let sql = format!(
        "SELECT `id`, `email` FROM `user_password_reset` WHERE `token` = ? AND `expire_time` > ? \
         ORDER BY `id` DESC LIMIT 1{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(token)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// Ends every open reset link of an address (PHP marks a used link by setting `expire_time` to
/// now); returns how many were open.
pub async fn expire_password_resets(tx: &mut Tx, email: &str, now: i64) -> sqlx::Result<u64> {
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `user_password_reset` SET `expire_time` = ? WHERE `email` = ? AND `expire_time` > ?"
    )
    .bind(now)
    .bind(email)
    .bind(now)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows)
}

/// (id, password hash) of the account with this e-mail, locked.
pub async fn lock_user_by_email(tx: &mut Tx, email: &str) -> sqlx::Result<Option<(i64, String)>> {
    let sql = format!(
        "SELECT `id`, `pass` FROM `user` WHERE `email` = ?{}",
        tx.for_update()
    );
    let row: Option<(Int, String)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(|(id, pass)| (id.0, pass)))
}

/// How many unexpired sign-up codes were sent to `email`, and from `ip`.
pub async fn open_email_codes(
    db: &Db,
    email: &str,
    ip: &str,
    now: i64,
) -> sqlx::Result<(i64, i64)> {
    let by_email: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `email_verify` WHERE `email` = ? AND `expire_in` > ?"
    )
    .bind(email)
    .bind(now)
    .fetch_one(p)
    .await)?;
    let by_ip: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `email_verify` WHERE `ip` = ? AND `expire_in` > ?"
    )
    .bind(ip)
    .bind(now)
    .fetch_one(p)
    .await)?;
    Ok((by_email, by_ip))
}

pub async fn insert_email_code(
    db: &Db,
    email: &str,
    ip: &str,
    code: &str,
    expire: i64,
) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `email_verify` (`email`, `ip`, `code`, `expire_in`) VALUES (?, ?, ?, ?)"
    )
    .bind(email)
    .bind(ip)
    .bind(code)
    .bind(expire)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Whether `code` is an unexpired sign-up code of `email`.
pub async fn email_code_matches(
    tx: &mut Tx,
    email: &str,
    code: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let found: Option<Int> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "SELECT `id` FROM `email_verify` WHERE `email` = ? AND `code` = ? AND `expire_in` > ? LIMIT 1"
    )
    .bind(email)
    .bind(code)
    .bind(now)
    .fetch_optional(c)
    .await
    })?;
    Ok(found.is_some())
}

/// Removes an address's sign-up codes once it has registered (as PHP does).
pub async fn delete_email_codes(tx: &mut Tx, email: &str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `email_verify` WHERE `email` = ?"
    )
    .bind(email)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// One login attempt (`login_ip`): `type` 0 = success, 1 = failure.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub ip: String,
    /// Unix seconds.
    pub datetime: i64,
    /// True for a failed attempt (SSPanel's `type` = 1).
    #[sqlx(rename = "type", try_from = "i64")]
    pub failed: Failed,
}

/// `login_ip.type` as a boolean: 1 = failed.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Failed(pub bool);

impl From<i64> for Failed {
    fn from(t: i64) -> Failed {
        Failed(t != 0)
    }
}

/// A page of an account's logins, newest first, and how many there are.
pub async fn logins(
    db: &Db,
    user_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<LoginRow>, i64)> {
    let rows = on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `ip`, `datetime`, `type` FROM `login_ip` WHERE `userid` = ? \
         ORDER BY `datetime` DESC, `id` DESC LIMIT ? OFFSET ?"
    )
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?;
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `login_ip` WHERE `userid` = ?"
    )
    .bind(user_id)
    .fetch_one(p)
    .await)?;
    Ok((rows, total))
}

/// Deletes an account and its rows as PHP SSPanel's `killUser` does (purchases, codes, logs,
/// invite code, subscription link, login history, reset links, sessions), plus spanel's own.
/// Tickets, orders and commissions stay, as in PHP.
pub async fn delete_account(tx: &mut Tx, user_id: i64, email: &str) -> sqlx::Result<()> {
    const BY_ID: &[&str] = &[
        "DELETE FROM `bought` WHERE `userid` = ?",
        "DELETE FROM `code` WHERE `userid` = ?",
        "DELETE FROM `detect_ban_log` WHERE `user_id` = ?",
        "DELETE FROM `detect_log` WHERE `user_id` = ?",
        "DELETE FROM `user_invite_code` WHERE `user_id` = ?",
        "DELETE FROM `alive_ip` WHERE `userid` = ?",
        "DELETE FROM `link` WHERE `userid` = ?",
        "DELETE FROM `login_ip` WHERE `userid` = ?",
        "DELETE FROM `telegram_session` WHERE `user_id` = ?",
        "DELETE FROM `user_token` WHERE `user_id` = ?",
        "DELETE FROM `user_subscribe_log` WHERE `user_id` = ?",
        "DELETE FROM `spanel_user_session` WHERE `user_id` = ?",
        "DELETE FROM `spanel_traffic_hourly` WHERE `user_id` = ?",
        "DELETE FROM `spanel_traffic_daily` WHERE `user_id` = ?",
        "DELETE FROM `user` WHERE `id` = ?",
    ];
    for sql in BY_ID {
        super::execute(tx, sql, &[user_id]).await?;
    }
    super::report_rollup::forget_user(tx, user_id).await?;
    for sql in [
        "DELETE FROM `email_verify` WHERE `email` = ?",
        "DELETE FROM `user_password_reset` WHERE `email` = ?",
    ] {
        on_tx!(tx, |c| sqlx::query(sql)
            .bind(email)
            .execute(c)
            .await
            .map(Done::from))?;
    }
    Ok(())
}

/// Sets one of the account's proxy fields (`passwd`, `uuid`, `port`, `method`, `protocol`,
/// `obfs`); the column comes from the caller's code, never from input.
pub async fn set_proxy_field(
    tx: &mut Tx,
    user_id: i64,
    column: &'static str,
    value: &str,
) -> sqlx::Result<()> {
    debug_assert!(["passwd", "uuid", "port", "method", "protocol", "obfs"].contains(&column));
    let sql = format!("UPDATE `user` SET `{column}` = ? WHERE `id` = ?");
    if column == "port" {
        let port: i64 = value.parse().unwrap_or_default();
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(port)
            .bind(user_id)
            .execute(c)
            .await
            .map(Done::from))?;
    } else {
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(value)
            .bind(user_id)
            .execute(c)
            .await
            .map(Done::from))?;
    }
    Ok(())
}

/// Whether the account has logged in before, and from this address.
pub async fn login_history_of(db: &Db, user_id: i64, ip: &str) -> sqlx::Result<(bool, bool)> {
    let any: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `id` FROM `login_ip` WHERE `userid` = ? AND `type` = 0 LIMIT 1"
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    let here: Option<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `id` FROM `login_ip` WHERE `userid` = ? AND `type` = 0 AND `ip` = ? LIMIT 1"
    )
    .bind(user_id)
    .bind(ip)
    .fetch_optional(p)
    .await)?;
    Ok((any.is_some(), here.is_some()))
}
