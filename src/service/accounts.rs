//! Sign-up, log-in and the account view.

use std::sync::OnceLock;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::now_naive;
use crate::db::{self, users, Money};
use crate::domain::account::{self, DayUsage, RegMode, SignUpDefaults, TrafficView};
use crate::domain::password::{hash_password, PasswordMethod};
use crate::domain::FieldError;
use crate::domain::GB;
use crate::random::random_token;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::security::{self, SecondFactor};
use crate::settings::catalog;

pub struct SignUp<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub user_name: Option<&'a str>,
    pub invite_code: Option<&'a str>,
    /// The code e-mailed by `/auth/email/code`, required when `reg_email_verify` is on.
    pub email_code: Option<&'a str>,
    pub ip: &'a str,
    /// Created by an operator (`create-admin`): ignores `reg_mode` and invitations.
    pub as_admin: bool,
}

pub(crate) async fn sign_up_defaults(app: &App) -> sqlx::Result<SignUpDefaults> {
    let s = &app.settings;
    Ok(SignUpDefaults {
        free_traffic_gb: s.get_i64("sign_up_for_free_traffic").await?,
        free_days: s.get_i64("sign_up_for_free_time").await?,
        class: s.get_i64("sign_up_for_class").await?,
        class_days: s.get_i64("sign_up_for_class_time").await?,
        method: s.get("sign_up_for_method").await?,
        protocol: s.get("sign_up_for_protocol").await?,
        protocol_param: s.get("sign_up_for_protocol_param").await?,
        obfs: s.get("sign_up_for_obfs").await?,
        obfs_param: s.get("sign_up_for_obfs_param").await?,
        daily_report: s.get_bool("sign_up_for_daily_report").await?,
        invitation_codes: s.get_i64("sign_up_for_invitation_codes").await?,
        device_limit: s.get_i64("connection_device_limit").await?,
        rate_limit: s.get_i64("connection_rate_limit").await?,
    })
}

fn password_method(app: &App) -> PasswordMethod {
    PasswordMethod::parse(&app.config.password_method).unwrap_or(PasswordMethod::Argon2id)
}

/// A new hash in the configured method, through the bounded hashing pool.
pub async fn hash_new_password(app: &App, password: &str) -> ServiceResult<String> {
    app.hashing
        .hash(password, password_method(app), &app.config.password_salt)
        .await
}

/// Whether `password` matches the stored hash (through the bounded hashing pool too).
pub(crate) async fn password_matches(
    app: &App,
    password: &str,
    stored: &str,
) -> ServiceResult<bool> {
    app.hashing
        .verify(password, stored, &app.config.password_salt)
        .await
}

/// Creates an account with SSPanel's sign-up defaults; returns the new user id.
pub async fn register(app: &App, req: SignUp<'_>) -> ServiceResult<i64> {
    let (email, invite_code) = check_sign_up(&req)?;
    if !req.as_admin {
        admit(app, &req, invite_code).await?;
    }
    let defaults = sign_up_defaults(app).await?;
    let reward = invite_reward(app).await?;
    let pass = hash_new_password(app, req.password).await?;
    let verify_email = !req.as_admin
        && app
            .settings
            .get_bool(catalog::REG_EMAIL_VERIFY.item)
            .await?;

    let prepared = &Prepared {
        email,
        invite_code,
        pass,
        defaults,
        reward,
        verify_email,
    };
    // One whole transaction, run again after a write conflict (on a Galera cluster, a sign-up
    // with the same e-mail on another node is certified first; the retry then finds it).
    let req = &req;
    let (id, ref_by) =
        crate::db::retry("register", move || create_account(app, req, prepared)).await?;
    tracing::info!(user_id = id, invited_by = ref_by, "account created");
    Ok(id)
}

/// What a sign-up settled before its transaction.
struct Prepared<'a> {
    email: String,
    invite_code: Option<&'a str>,
    /// The hashed password.
    pass: String,
    defaults: account::SignUpDefaults,
    /// The inviter's reward: (balance, traffic in bytes).
    reward: (Money, u64),
    verify_email: bool,
}

/// One attempt at the sign-up's transaction: (the new account's id, its inviter or 0).
async fn create_account(
    app: &App,
    req: &SignUp<'_>,
    p: &Prepared<'_>,
) -> ServiceResult<(i64, i64)> {
    let mut tx = app.db.begin().await?;
    if users::email_exists(&mut tx, &p.email).await? {
        return Err(ServiceError::conflict("This e-mail is already registered."));
    }
    if p.verify_email {
        security::consume_email_code(app, &mut tx, &p.email, req.email_code).await?;
    }
    let ref_by = match p.invite_code.filter(|_| !req.as_admin) {
        Some(code) => claim_invite(&mut tx, code).await?,
        None => 0,
    };
    let port = free_port(app, &mut tx).await?;
    let mut new_user = account::new_user(
        &p.email,
        req.user_name,
        p.pass.clone(),
        crate::random::account_secrets(),
        port,
        ref_by,
        req.ip,
        &p.defaults,
        now_naive(),
    );
    new_user.is_admin = req.as_admin;
    let id = insert_account(&mut tx, &new_user).await?;
    if ref_by != 0 {
        users::reward_inviter(&mut tx, ref_by, p.reward.0, p.reward.1).await?;
    }
    tx.commit().await?;
    Ok((id, ref_by))
}

/// The sign-up's own fields checked: the normalized e-mail address and the invite code given.
fn check_sign_up<'a>(req: &SignUp<'a>) -> ServiceResult<(String, Option<&'a str>)> {
    let mut errors = Vec::new();
    let email = account::normalize_email(req.email)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = account::check_password(req.password) {
        errors.push(e);
    }
    if let Some(Err(e)) = req.user_name.map(account::check_user_name) {
        errors.push(e);
    }
    let invite_code = req.invite_code.map(str::trim).filter(|c| !c.is_empty());
    if invite_code.is_some_and(|c| c.len() > 128) {
        errors.push(FieldError::new("invite_code", "Invite code is too long."));
    }
    match email.filter(|_| errors.is_empty()) {
        Some(email) => Ok((email, invite_code)),
        None => Err(ServiceError::invalid_fields(errors)),
    }
}

/// Whether the public may sign up now (`reg_mode`), and this address has not signed up too often.
async fn admit(app: &App, req: &SignUp<'_>, invite_code: Option<&str>) -> ServiceResult<()> {
    match RegMode::parse(&app.settings.get(catalog::REG_MODE.item).await?) {
        RegMode::Close => return Err(ServiceError::forbidden("Registration is closed.")),
        RegMode::Invite if invite_code.is_none() => {
            return Err(ServiceError::invalid(
                "invite_code",
                "An invite code is required to register.",
            ))
        }
        _ => {}
    }
    let per_hour = app.config.register_ip_per_hour;
    if per_hour > 0 {
        let key = format!("register:ip:{}", req.ip);
        if app.kv.incr_window(&key, Duration::from_secs(3600)).await > per_hour {
            return Err(ServiceError::RateLimited(
                "Too many accounts registered from this address; try again in an hour.".into(),
            ));
        }
    }
    Ok(())
}

/// What an inviter gets when someone signs up with their code: (balance, traffic in bytes).
async fn invite_reward(app: &App) -> ServiceResult<(Money, u64)> {
    let balance = app
        .settings
        .get_decimal("invitation_to_register_balance_reward")
        .await?;
    let traffic_gb = app
        .settings
        .get_i64("invitation_to_register_traffic_reward")
        .await?
        .max(0) as u64;
    Ok((Money::cents(balance), traffic_gb * GB))
}

/// The inviter whose code this is, locked, if the code may still be used.
async fn claim_invite(tx: &mut db::Tx, code: &str) -> ServiceResult<i64> {
    match users::lock_inviter(tx, code).await? {
        Some((id, invite_num, 1)) if account::invite_allowed(invite_num) => Ok(id),
        Some(_) => Err(ServiceError::invalid(
            "invite_code",
            "This invite code can no longer be used.",
        )),
        None => Err(ServiceError::invalid("invite_code", "Unknown invite code.")),
    }
}

/// Inserts the account with its subscription link and invite code; returns its id.
async fn insert_account(tx: &mut db::Tx, new_user: &account::NewUser) -> ServiceResult<i64> {
    let id = match users::insert_user(tx, new_user).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::conflict("This e-mail is already registered."))
        }
        Err(e) => return Err(e.into()),
    };
    users::insert_link(tx, id, &random_token(16)).await?;
    users::insert_invite_code(tx, id, &random_token(10)).await?;
    Ok(id)
}

pub(crate) async fn free_port(app: &App, tx: &mut db::Tx) -> ServiceResult<i64> {
    let (lo, hi) = (app.config.min_port, app.config.max_port);
    for _ in 0..16 {
        let candidate = rand::thread_rng().gen_range(lo..=hi);
        if !users::port_taken(tx, candidate).await? {
            return Ok(candidate);
        }
    }
    let next = users::max_port(tx).await?.map_or(lo, |p| p + 1);
    if next > hi {
        return Err(ServiceError::conflict(
            "No free port left for a new account.",
        ));
    }
    Ok(next)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginToken {
    pub token: String,
    /// Unix time the token expires.
    pub expires_at: i64,
    pub user_id: i64,
}

/// A hash to verify against when the account does not exist, so timing does not reveal that.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(
            "decoy-password",
            PasswordMethod::Bcrypt,
            "",
            crate::random::random_bytes(),
        )
        .unwrap_or_default()
    })
}

/// Checks credentials (rate-limited per IP and per account) and, when the account has it on,
/// the two-factor code; issues a JWT.
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    two_factor_code: Option<&str>,
    ip: &str,
    lang: &str,
) -> ServiceResult<LoginToken> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        let mut errors = Vec::new();
        if email.is_empty() {
            errors.push(FieldError::new("email", "E-mail is required."));
        }
        if password.is_empty() {
            errors.push(FieldError::new("password", "Password is required."));
        }
        return Err(ServiceError::invalid_fields(errors));
    }
    let per_ip = app
        .kv
        .incr_window(&format!("login:ip:{ip}"), Duration::from_secs(60))
        .await;
    if per_ip > app.config.login_ip_per_minute {
        return Err(ServiceError::RateLimited(
            "Too many login attempts from this address; wait a minute.".into(),
        ));
    }
    // Failures are counted per account (the row the database finds, whatever spelling of the
    // address the collation matched) and per address.
    let found = users::find_login(&app.db, &email).await?;
    let fail_key = match &found {
        Some((id, _, _)) => format!("login:fail:user:{id}"),
        None => format!("login:fail:email:{email}"),
    };
    let ip_fail_key = format!("login:fail:ip:{ip}");
    let failures = |key: String| async move {
        app.kv
            .get(&key)
            .await
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    if failures(fail_key.clone()).await >= app.config.login_account_failures {
        return Err(ServiceError::RateLimited(
            "Too many failed logins for this account; try again in 15 minutes.".into(),
        ));
    }
    if failures(ip_fail_key.clone()).await >= app.config.login_ip_failures {
        return Err(ServiceError::RateLimited(
            "Too many failed logins from this address; try again in 15 minutes.".into(),
        ));
    }

    let stored = found.as_ref().map_or(decoy_hash(), |f| f.1.as_str());
    let valid = password_matches(app, password, stored).await?;
    match found {
        Some((id, _, enable)) if valid => {
            if enable != 1 {
                return Err(ServiceError::forbidden("This account is disabled."));
            }
            match security::check_login_code(app, id, two_factor_code).await? {
                SecondFactor::Missing => {
                    return Err(ServiceError::invalid(
                        "two_factor_code",
                        "Enter the code from your authenticator app.",
                    ))
                }
                SecondFactor::Failed => {
                    app.kv
                        .incr_window(&fail_key, Duration::from_secs(15 * 60))
                        .await;
                    users::record_login(&app.db, id, ip, true).await?;
                    return Err(ServiceError::unauthorized(
                        "Wrong, expired or already used two-factor code.",
                    ));
                }
                SecondFactor::NotRequired | SecondFactor::Passed => {}
            }
            security::alert_new_address(app, id, ip, lang).await?;
            users::record_login(&app.db, id, ip, false).await?;
            app.kv.del(&fail_key).await;
            security::issue_token(app, id).await
        }
        other => {
            for key in [&fail_key, &ip_fail_key] {
                app.kv.incr_window(key, Duration::from_secs(15 * 60)).await;
            }
            if let Some((id, _, _)) = other {
                users::record_login(&app.db, id, ip, true).await?;
            }
            Err(ServiceError::unauthorized("Wrong e-mail or password."))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionLinks {
    pub token: String,
    /// Universal link: the format follows the client (User-Agent) or `?target=`.
    pub url: String,
    /// SSPanel's classic form, kept for existing clients.
    pub classic_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub user_name: String,
    pub email: String,
    pub is_admin: bool,
    pub class: i64,
    /// `YYYY-MM-DD HH:MM:SS` in the panel's DATETIME time zone (`datetime_offset`).
    pub class_expire: String,
    /// Account expiry, like `class_expire`.
    pub expire_in: String,
    pub reg_date: String,
    /// Bytes.
    pub traffic: TrafficView,
    #[schema(value_type = String, example = "10.00")]
    pub balance: Money,
    pub node_group: i64,
    /// Mbps, 0 = unlimited.
    #[schema(value_type = String)]
    pub node_speedlimit: Money,
    /// Devices, 0 = unlimited.
    pub node_connector: i64,
    pub invite_code: Option<String>,
    pub invite_num: i64,
    pub subscription: Option<SubscriptionLinks>,
    /// Whether two-factor login is on (SSPanel's `ga_enable`).
    pub two_factor: bool,
    /// Whether `POST /user/checkin` would reward now (on, and not yet today).
    pub can_check_in: bool,
    /// Unix time of the last check-in (0 = never).
    pub last_check_in: i64,
    /// Whether `DELETE /user/me` is allowed (the operator's `enable_kill`; never for admins).
    pub can_delete_account: bool,
    /// Seconds east of UTC of the panel's DATETIME time zone (SPANEL_TIMEZONE) now: add it to
    /// read the date-time strings as UTC.
    pub datetime_offset: i64,
}

fn fmt_time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub async fn me(app: &App, user_id: i64) -> ServiceResult<Me> {
    let row = users::find_user(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    let token = users::subscription_token(&app.db, user_id).await?;
    let invite_code = users::invite_code(&app.db, user_id).await?;
    let two_factor = crate::db::security::two_factor(&app.db, user_id)
        .await?
        .is_some_and(|(on, _)| on == 1);
    let (can_check_in, last_check_in) = crate::service::perks::check_in_state(app, user_id).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let clamp = |v: i64| v.max(0) as u64;
    Ok(Me {
        id: row.id,
        user_name: row.user_name,
        email: row.email,
        is_admin: row.is_admin == 1,
        class: row.class,
        class_expire: fmt_time(row.class_expire),
        expire_in: fmt_time(row.expire_in),
        reg_date: fmt_time(row.reg_date),
        traffic: account::traffic_view(
            clamp(row.u),
            clamp(row.d),
            clamp(row.transfer_enable),
            clamp(row.last_day_t),
        ),
        balance: row.money,
        node_group: row.node_group,
        node_speedlimit: row.node_speedlimit,
        node_connector: row.node_connector,
        invite_code,
        invite_num: row.invite_num,
        two_factor,
        can_check_in,
        last_check_in,
        can_delete_account: security::can_delete_account(app, row.is_admin == 1).await?,
        datetime_offset: {
            let now = chrono::Utc::now().timestamp();
            crate::clock::from_unix(now).and_utc().timestamp() - now
        },
        subscription: token.map(|token| SubscriptionLinks {
            url: format!("{base}/sub/{token}"),
            classic_url: format!("{base}/link/{token}?sub=1"),
            token,
        }),
    })
}

/// The caller's traffic per UTC day: `days` (default 30, at most `USAGE_DAYS_MAX`) days ending
/// today, oldest first.
pub async fn usage(
    app: &App,
    user_id: i64,
    days: Option<i64>,
    now: i64,
) -> ServiceResult<Vec<DayUsage>> {
    let days = days.unwrap_or(30);
    if !(1..=account::USAGE_DAYS_MAX).contains(&days) {
        return Err(ServiceError::invalid(
            "days",
            format!("Must be between 1 and {}.", account::USAGE_DAYS_MAX),
        ));
    }
    let from = account::day_start(now) - (days - 1) * 86_400;
    let rows = users::traffic_since(&app.db, user_id, from).await?;
    Ok(account::daily_usage(now, days, &rows))
}

/// How many of the latest commissions the invite view lists.
const COMMISSIONS_SHOWN: i64 = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    pub code: String,
    /// The sign-up page with the code filled in.
    pub link: String,
    /// Users who signed up with the code.
    pub invited: i64,
    /// Every commission ever paid.
    #[schema(value_type = String, example = "0.00")]
    pub commission_total: Money,
    /// The latest 100, newest first.
    pub commissions: Vec<CommissionView>,
}

view! {
    /// One referral commission (`payback`) paid to the inviter.
    pub struct CommissionView from users::CommissionRow {
        id: i64,
        /// The invitee whose payment earned it.
        from_user: i64,
        #[schema(value_type = String, example = "1.23")]
        amount: Money,
        /// Unix seconds.
        datetime: i64,
    }
}

pub async fn invite(app: &App, user_id: i64) -> ServiceResult<InviteView> {
    let code = invite_code(app, user_id).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let encoded = percent_encoding::utf8_percent_encode(&code, percent_encoding::NON_ALPHANUMERIC);
    Ok(InviteView {
        link: format!("{base}/#/signup?code={encoded}"),
        code,
        invited: users::invited_count(&app.db, user_id).await?,
        commission_total: users::commission_total(&app.db, user_id).await?,
        commissions: users::commissions(&app.db, user_id, COMMISSIONS_SHOWN)
            .await?
            .into_iter()
            .map(CommissionView::from)
            .collect(),
    })
}

/// The user's invite code, created as sign-up does for accounts that have none (made elsewhere).
async fn invite_code(app: &App, user_id: i64) -> ServiceResult<String> {
    if let Some(code) = users::invite_code(&app.db, user_id).await? {
        return Ok(code);
    }
    if users::find_user(&app.db, user_id).await?.is_none() {
        return Err(ServiceError::not_found("User not found."));
    }
    let mut tx = app.db.begin().await?;
    match users::insert_invite_code(&mut tx, user_id, &random_token(10)).await {
        Ok(()) => tx.commit().await?,
        // A concurrent request created it first.
        Err(e) if db::is_unique_violation(&e) => tx.rollback().await?,
        Err(e) => return Err(e.into()),
    }
    users::invite_code(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("invite code vanished")))
}

/// Creates an administrator (command line and first start).
pub async fn create_admin(app: &App, email: &str, password: &str) -> ServiceResult<i64> {
    register(
        app,
        SignUp {
            email,
            password,
            user_name: Some("admin"),
            invite_code: None,
            email_code: None,
            ip: "127.0.0.1",
            as_admin: true,
        },
    )
    .await
}
