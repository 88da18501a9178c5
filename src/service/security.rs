//! Account security: password change and reset, sign-up e-mail codes, two-factor login, login
//! history, session revocation ("log out everywhere") and closing one's own account.
//!
//! Sessions are revoked without a token list (see `auth::Claims`): a token names the account's
//! session generation and a fingerprint of its password hash, both checked on every request.

use std::time::Duration;

use rand::{Rng, RngCore};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::{admin as admin_sql, security as sql, users};
use crate::domain::FieldError;
use crate::domain::{account, totp};
use crate::service::accounts::{hash_new_password, password_matches, LoginToken};
use crate::service::admin::Page;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::mail;
use crate::settings::catalog;

/// How long a password-reset link works.
pub const RESET_TTL_SECS: i64 = 3600;
/// Reset e-mails per address per hour, and per client address per hour.
const RESET_PER_EMAIL: i64 = 3;
const RESET_PER_IP: i64 = 10;
/// Unexpired sign-up codes per address (PHP SSPanel's limit).
const CODES_PER_EMAIL: i64 = 3;
/// Wrong sign-up codes tried per address before its codes stop being accepted for a while.
const CODE_GUESSES: i64 = 10;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A session token for the account as it is now.
pub async fn issue_token(app: &App, user_id: i64) -> ServiceResult<LoginToken> {
    let (pass, generation) = sql::token_state(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::unauthorized("Invalid or expired token."))?;
    let (token, expires_at) = app.jwt.issue(user_id, generation, &pass)?;
    Ok(LoginToken {
        token,
        expires_at,
        user_id,
    })
}

async fn site(app: &App) -> ServiceResult<(String, String)> {
    let name = app.settings.get(catalog::APP_NAME.item).await?;
    let name = if name.trim().is_empty() {
        "spanel".to_string()
    } else {
        name.trim().to_string()
    };
    Ok((name, app.config.base_url.trim_end_matches('/').to_string()))
}

/// Changes the caller's password (the current one is required) and ends every other session;
/// returns a new token for the caller.
pub async fn change_password(
    app: &App,
    user_id: i64,
    current: &str,
    new: &str,
) -> ServiceResult<LoginToken> {
    let mut errors = Vec::new();
    if current.is_empty() {
        errors.push(FieldError::new(
            "current",
            "The current password is required.",
        ));
    }
    if let Err(e) = account::check_password(new) {
        errors.push(FieldError::new("new", e.msg));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let (stored, _) = sql::token_state(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    if !password_matches(app, current, &stored).await? {
        return Err(ServiceError::invalid(
            "current",
            "The current password is wrong.",
        ));
    }
    let hash = hash_new_password(app, new).await?;
    let mut tx = app.db.begin().await?;
    admin_sql::set_password(&mut tx, user_id, &hash).await?;
    tx.commit().await?;
    tracing::info!(user_id, "password changed; earlier sessions revoked");
    issue_token(app, user_id).await
}

/// Sends a single-use reset link if the address has an account. The answer is the same either
/// way; only the rate limits (counted for every address) can refuse.
pub async fn forgot_password(app: &App, email: &str, ip: &str, lang: &str) -> ServiceResult<()> {
    let email =
        account::normalize_email(email).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    let hour = Duration::from_secs(3600);
    if app.kv.incr_window(&format!("pwreset:ip:{ip}"), hour).await > RESET_PER_IP {
        return Err(ServiceError::RateLimited(
            "Too many reset requests from this address; try again later.".into(),
        ));
    }
    if app
        .kv
        .incr_window(&format!("pwreset:email:{email}"), hour)
        .await
        > RESET_PER_EMAIL
    {
        return Err(ServiceError::RateLimited(
            "Too many reset requests for this e-mail; try again later.".into(),
        ));
    }
    let Some((_, _, enable)) = users::find_login(&app.db, &email).await? else {
        tracing::info!("password reset asked for an unknown address");
        return Ok(());
    };
    if enable != 1 {
        return Ok(());
    }
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let now = now();
    sql::insert_password_reset(&app.db, &email, &token, now, now + RESET_TTL_SECS).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let link = format!("{base}/#/reset-password?token={token}");
    let vars = minijinja::context! { link, minutes => RESET_TTL_SECS / 60 };
    mail::send_template(app, &email, "password_reset", lang, vars).await
}

fn invalid_link() -> ServiceError {
    ServiceError::invalid(
        "token",
        "This reset link is invalid, used or expired; ask for a new one.",
    )
}

/// Sets a new password from a reset link; the link (and every other open link of the address)
/// stops working, and every session of the account ends.
pub async fn reset_password(app: &App, token: &str, password: &str) -> ServiceResult<()> {
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_link());
    }
    account::check_password(password).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    let now = now();
    // A cheap look first, so a wrong token costs no password hashing.
    {
        let mut tx = app.db.begin().await?;
        let found = sql::lock_password_reset(&mut tx, token, now).await?;
        tx.rollback().await?;
        if found.is_none() {
            return Err(invalid_link());
        }
    }
    let hash = hash_new_password(app, password).await?;
    let mut tx = app.db.begin().await?;
    let Some((_, email)) = sql::lock_password_reset(&mut tx, token, now).await? else {
        return Err(invalid_link());
    };
    let Some((user_id, _)) = sql::lock_user_by_email(&mut tx, &email).await? else {
        return Err(invalid_link());
    };
    admin_sql::set_password(&mut tx, user_id, &hash).await?;
    sql::expire_password_resets(&mut tx, &email, now).await?;
    tx.commit().await?;
    tracing::info!(
        user_id,
        "password reset by e-mail link; earlier sessions revoked"
    );
    Ok(())
}

/// Sends a sign-up code to an address (when `reg_email_verify` is on).
pub async fn send_email_code(app: &App, email: &str, ip: &str, lang: &str) -> ServiceResult<()> {
    if !app
        .settings
        .get_bool(catalog::REG_EMAIL_VERIFY.item)
        .await?
    {
        return Err(ServiceError::conflict(
            "E-mail verification is off: register without a code.",
        ));
    }
    let email =
        account::normalize_email(email).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    if users::find_login(&app.db, &email).await?.is_some() {
        return Err(ServiceError::conflict("This e-mail is already registered."));
    }
    let now = now();
    let (by_email, by_ip) = sql::open_email_codes(&app.db, &email, ip, now).await?;
    let ip_limit = app
        .settings
        .get_i64(catalog::EMAIL_VERIFY_IP_LIMIT.item)
        .await?
        .max(1);
    if by_ip >= ip_limit {
        return Err(ServiceError::RateLimited(
            "Too many codes asked from this address; try again later.".into(),
        ));
    }
    if by_email >= CODES_PER_EMAIL {
        return Err(ServiceError::RateLimited(
            "Too many codes sent to this e-mail; use one of them or try again later.".into(),
        ));
    }
    let ttl = app
        .settings
        .get_i64("email_verify_ttl")
        .await?
        .clamp(60, 86_400);
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    sql::insert_email_code(&app.db, &email, ip, &code, now + ttl).await?;
    let vars = minijinja::context! { code, minutes => ttl / 60 };
    mail::send_template(app, &email, "email_code", lang, vars).await
}

/// Checks a sign-up code inside the registration transaction; on success the address's codes
/// are removed (as PHP SSPanel does).
pub async fn consume_email_code(
    app: &App,
    tx: &mut crate::db::Tx,
    email: &str,
    code: Option<&str>,
) -> ServiceResult<()> {
    let code = code.map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Err(ServiceError::invalid(
            "email_code",
            "Enter the code we sent to your e-mail.",
        ));
    }
    let guesses = format!("regcode:fail:{email}");
    let tried: i64 = app
        .kv
        .get(&guesses)
        .await
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if tried >= CODE_GUESSES || code.len() > 32 {
        return Err(ServiceError::invalid(
            "email_code",
            "Too many wrong codes: ask for a new one later.",
        ));
    }
    if !sql::email_code_matches(tx, email, code, now()).await? {
        app.kv
            .incr_window(&guesses, Duration::from_secs(3600))
            .await;
        return Err(ServiceError::invalid(
            "email_code",
            "This code is wrong or expired.",
        ));
    }
    sql::delete_email_codes(tx, email).await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorSetup {
    /// Base32 secret, for typing into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/…` for a QR code.
    pub otpauth_uri: String,
}

/// Starts enrolment: a new secret in `ga_token` (two-factor stays off until `enable`).
pub async fn setup_two_factor(app: &App, user_id: i64) -> ServiceResult<TwoFactorSetup> {
    let mut raw = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut raw);
    let secret = totp::encode_secret(raw);
    let mut tx = app.db.begin().await?;
    match sql::lock_two_factor(&mut tx, user_id).await? {
        None => return Err(ServiceError::not_found("User not found.")),
        Some((1, _)) => {
            return Err(ServiceError::conflict(
                "Two-factor login is on: turn it off first to enrol a new device.",
            ))
        }
        Some(_) => {}
    }
    sql::set_two_factor(&mut tx, user_id, false, Some(&secret)).await?;
    tx.commit().await?;
    let email = users::find_user(&app.db, user_id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    let (name, _) = site(app).await?;
    Ok(TwoFactorSetup {
        otpauth_uri: totp::otpauth_uri(&name, &email, &secret),
        secret,
    })
}

fn wrong_code() -> ServiceError {
    ServiceError::invalid("code", "This code is wrong, expired or already used.")
}

/// Checks a code against the locked account's secret and spends its time step.
async fn spend_code(
    tx: &mut crate::db::Tx,
    user_id: i64,
    secret: &str,
    code: &str,
) -> ServiceResult<bool> {
    let Some(step) = totp::matching_step(secret, code, now()) else {
        return Ok(false);
    };
    Ok(sql::use_totp_step(tx, user_id, step).await?)
}

/// Turns two-factor login on or off after checking a current code.
pub async fn switch_two_factor(app: &App, user_id: i64, code: &str, on: bool) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    let (enabled, secret) = sql::lock_two_factor(&mut tx, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    if (enabled == 1) == on {
        return Err(ServiceError::conflict(if on {
            "Two-factor login is already on."
        } else {
            "Two-factor login is already off."
        }));
    }
    if !spend_code(&mut tx, user_id, &secret, code).await? {
        tx.commit().await?;
        return Err(wrong_code());
    }
    sql::set_two_factor(&mut tx, user_id, on, None).await?;
    tx.commit().await?;
    tracing::info!(user_id, on, "two-factor login switched");
    Ok(())
}

/// What the log-in step of two-factor concluded.
pub enum SecondFactor {
    NotRequired,
    Missing,
    Passed,
    Failed,
}

/// Checks the log-in code of an account whose password was just verified.
pub async fn check_login_code(
    app: &App,
    user_id: i64,
    code: Option<&str>,
) -> ServiceResult<SecondFactor> {
    match sql::two_factor(&app.db, user_id).await? {
        Some((1, _)) => {}
        _ => return Ok(SecondFactor::NotRequired),
    }
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(SecondFactor::Missing);
    };
    let mut tx = app.db.begin().await?;
    let passed = match sql::lock_two_factor(&mut tx, user_id).await? {
        Some((1, secret)) => spend_code(&mut tx, user_id, &secret, code).await?,
        _ => true,
    };
    tx.commit().await?;
    Ok(if passed {
        SecondFactor::Passed
    } else {
        SecondFactor::Failed
    })
}

/// An administrator turns a user's two-factor login off (lost device); audited.
pub async fn admin_disable_two_factor(
    app: &App,
    admin: i64,
    user_id: i64,
    reason: &str,
) -> ServiceResult<()> {
    let reason = crate::service::admin::require_reason(reason)?;
    let mut tx = app.db.begin().await?;
    let (enabled, _) = sql::lock_two_factor(&mut tx, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    sql::set_two_factor(&mut tx, user_id, false, None).await?;
    crate::service::admin::log(
        &mut tx,
        admin,
        "user.2fa_disable",
        &format!("user:{user_id}"),
        json!({"reason": reason, "was_enabled": enabled == 1}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One login attempt as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginView {
    pub id: i64,
    pub ip: String,
    /// Unix seconds.
    pub datetime: i64,
    /// True for a failed attempt (SSPanel's `login_ip.type` = 1).
    pub failed: bool,
}

impl From<sql::LoginRow> for LoginView {
    fn from(r: sql::LoginRow) -> LoginView {
        LoginView {
            id: r.id,
            ip: r.ip,
            datetime: r.datetime,
            failed: r.failed.0,
        }
    }
}

/// A page of an account's logins and failed attempts, newest first.
pub async fn logins(
    app: &App,
    user_id: i64,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<LoginView>> {
    let (page, per_page, offset) = crate::service::admin::paging(page, per_page);
    let (items, total) = sql::logins(&app.db, user_id, per_page, offset).await?;
    Ok(Page {
        items: items.into_iter().map(LoginView::from).collect(),
        total,
        page,
        per_page,
    })
}

/// Ends every session of the account, this one included.
pub async fn logout_everywhere(app: &App, user_id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    sql::bump_generation(&mut tx, user_id).await?;
    tx.commit().await?;
    tracing::info!(user_id, "logged out everywhere");
    Ok(())
}

/// Deletes the caller's account when the operator allows it (`enable_kill`); the password is
/// required. Administrators cannot delete themselves here.
pub async fn delete_account(app: &App, user_id: i64, password: &str) -> ServiceResult<()> {
    if !app.settings.get_bool(catalog::ENABLE_KILL.item).await? {
        return Err(ServiceError::forbidden(
            "This site does not let accounts be deleted: contact the administrator.",
        ));
    }
    let user = users::find_user(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    if user.is_admin == 1 {
        return Err(ServiceError::forbidden(
            "Administrators cannot delete their own account.",
        ));
    }
    if password.is_empty() {
        return Err(ServiceError::invalid(
            "password",
            "Your password is required.",
        ));
    }
    let (stored, _) = sql::token_state(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    if !password_matches(app, password, &stored).await? {
        return Err(ServiceError::invalid("password", "Wrong password."));
    }
    let mut tx = app.db.begin().await?;
    sql::delete_account(&mut tx, user_id, &user.email).await?;
    tx.commit().await?;
    tracing::info!(user_id, "account deleted by its owner");
    Ok(())
}

/// Whether the caller may delete their own account.
pub async fn can_delete_account(app: &App, is_admin: bool) -> ServiceResult<bool> {
    Ok(!is_admin && app.settings.get_bool(catalog::ENABLE_KILL.item).await?)
}

/// Before a successful login is recorded: an e-mail when the account, used before, logs in from
/// an address it never logged in from (`login_alert`, on by default).
pub async fn alert_new_address(app: &App, user_id: i64, ip: &str, lang: &str) -> ServiceResult<()> {
    if !app.settings.get_bool(catalog::LOGIN_ALERT.item).await? {
        return Ok(());
    }
    let (seen_before, seen_here) = sql::login_history_of(&app.db, user_id, ip).await?;
    if !seen_before || seen_here {
        return Ok(());
    }
    let Some(user) = users::find_user(&app.db, user_id).await? else {
        return Ok(());
    };
    let time = chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string();
    let vars = minijinja::context! { ip, time };
    mail::send_template(app, &user.email, "login_alert", lang, vars).await
}
