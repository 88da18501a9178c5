//! User administration: create, search, edit every field SSPanel's operators edit, enable/disable,
//! timed bans, password and traffic resets, and the record lists of one user's page. Every change
//! runs in one transaction with its `spanel_admin_log` row.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::{from_unix, now_naive, to_unix};
use crate::db::admin_users::{self as sql, AccountRow};
use crate::db::{self, Money, Tx};
use crate::domain::account::{self as account_rules};
use crate::domain::node::COUNTER_CAP;
use crate::domain::FieldError;
use crate::random::random_token;
use crate::service::admin::{log, paging, require_reason, Page, MAX_GROUP};
use crate::service::error::{ServiceError, ServiceResult};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// SSPanel's "never banned" `last_detect_ban_time`.
const NEVER: &str = "1989-06-04 00:05:00";

/// A user as the admin API shows it (no secrets: no password hash, node password or tokens).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserView {
    pub id: i64,
    pub email: String,
    pub user_name: String,
    pub is_admin: bool,
    pub enable: bool,
    pub class: i64,
    /// Panel time zone, like every DATETIME column.
    #[schema(value_type = String)]
    pub class_expire: NaiveDateTime,
    #[schema(value_type = String)]
    pub expire_in: NaiveDateTime,
    #[schema(value_type = String)]
    pub reg_date: NaiveDateTime,
    pub reg_ip: String,
    /// Bytes uploaded / downloaded (charged) and the allowance.
    pub u: i64,
    pub d: i64,
    pub transfer_enable: i64,
    /// Unix time of the last traffic report (0 = never).
    pub last_used: i64,
    #[schema(value_type = String, example = "12.34")]
    pub money: Money,
    pub node_group: i64,
    /// Mbps, 0 = unlimited.
    #[schema(value_type = String, example = "0.00")]
    pub node_speedlimit: Money,
    /// Devices at once, 0 = unlimited.
    pub node_connector: i64,
    /// Invitations left (negative = unlimited).
    pub invite_num: i64,
    pub ref_by: i64,
    pub port: i64,
    pub remark: String,
    /// Hits of audit rules so far.
    pub all_detect_number: i64,
    /// The last automatic or timed ban (panel time zone); None = never banned.
    #[schema(value_type = Option<String>)]
    pub last_detect_ban_time: Option<NaiveDateTime>,
}

impl From<AccountRow> for AdminUserView {
    fn from(u: AccountRow) -> Self {
        let never = NaiveDateTime::parse_from_str(NEVER, "%Y-%m-%d %H:%M:%S").ok();
        AdminUserView {
            id: u.id,
            email: u.email,
            user_name: u.user_name,
            is_admin: u.is_admin == 1,
            enable: u.enable == 1,
            class: u.class,
            class_expire: u.class_expire,
            expire_in: u.expire_in,
            reg_date: u.reg_date,
            reg_ip: u.reg_ip,
            u: u.u,
            d: u.d,
            transfer_enable: u.transfer_enable,
            last_used: u.t,
            money: u.money,
            node_group: u.node_group,
            node_speedlimit: u.node_speedlimit,
            node_connector: u.node_connector,
            invite_num: u.invite_num,
            ref_by: u.ref_by,
            port: u.port,
            remark: u.remark.unwrap_or_default(),
            all_detect_number: u.all_detect_number,
            last_detect_ban_time: u.last_detect_ban_time.filter(|t| Some(*t) != never),
        }
    }
}

/// The user list's query.
pub struct UserSearch<'a> {
    /// Part of the e-mail or name; an id or port; or an address the user used or logged in from.
    pub q: &'a str,
    pub sort: Option<&'a str>,
    pub order: Option<&'a str>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub async fn search_users(app: &App, s: UserSearch<'_>) -> ServiceResult<Page<AdminUserView>> {
    let (page, per_page, offset) = paging(s.page, s.per_page);
    let order_by = sql::sort_column(s.sort.unwrap_or("id"))
        .ok_or_else(|| ServiceError::invalid("sort", "Unknown sort key."))?;
    let descending = match s.order.unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => return Err(ServiceError::invalid("order", "asc or desc.")),
    };
    let q = s.q.trim();
    if q.chars().count() > 128 {
        return Err(ServiceError::invalid("q", "At most 128 characters."));
    }
    let ip = q.parse::<std::net::IpAddr>().is_ok().then_some(q);
    let search = sql::Search {
        q,
        ip,
        order_by,
        descending,
    };
    let (rows, total) = sql::search(&app.db, &search, per_page, offset).await?;
    Ok(Page {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page,
        per_page,
    })
}

pub async fn get_user(app: &App, id: i64) -> ServiceResult<AdminUserView> {
    sql::find(&app.db, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| ServiceError::not_found("No such user."))
}

/// An account as an operator creates (`POST`: `email` required) or edits it (`PATCH`: absent =
/// unchanged). Times are "YYYY-MM-DD HH:MM:SS" in the panel time zone; traffic in bytes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Why; kept in the admin log (required to edit, optional to create).
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: Option<String>,
    pub email: Option<String>,
    /// Create only: the password; generated and returned once when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    #[schema(max_length = 128)]
    pub user_name: Option<String>,
    #[schema(minimum = 0, maximum = 255)]
    pub class: Option<i64>,
    #[schema(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
    )]
    pub class_expire: Option<String>,
    #[schema(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
    )]
    pub expire_in: Option<String>,
    #[schema(minimum = 0, maximum = 2305843009213693952.0)]
    pub transfer_enable: Option<i64>,
    /// Traffic used, bytes.
    #[schema(minimum = 0, maximum = 2305843009213693952.0)]
    pub u: Option<i64>,
    #[schema(minimum = 0, maximum = 2305843009213693952.0)]
    pub d: Option<i64>,
    /// The new balance, e.g. "12.34"; the change is recorded with the reason.
    #[schema(pattern = r"^[0-9]{1,10}(\.[0-9]{1,2})?$")]
    pub money: Option<String>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub node_group: Option<i64>,
    /// Mbps, e.g. "100" (0 = unlimited).
    #[schema(pattern = r"^[0-9]{1,7}(\.[0-9]{1,2})?$")]
    pub node_speedlimit: Option<String>,
    /// Devices at once (0 = unlimited).
    #[schema(minimum = 0, maximum = 1000000)]
    pub node_connector: Option<i64>,
    /// Invitations left (-1 = unlimited).
    #[schema(minimum = -1, maximum = 1000000)]
    pub invite_num: Option<i64>,
    #[schema(max_length = 512)]
    pub remark: Option<String>,
}

/// Checked values of a [`UserInput`].
#[derive(Default)]
struct Checked {
    email: Option<String>,
    user_name: Option<String>,
    class: Option<i64>,
    class_expire: Option<NaiveDateTime>,
    expire_in: Option<NaiveDateTime>,
    transfer_enable: Option<i64>,
    u: Option<i64>,
    d: Option<i64>,
    money: Option<Money>,
    node_group: Option<i64>,
    node_speedlimit: Option<Money>,
    node_connector: Option<i64>,
    invite_num: Option<i64>,
    remark: Option<String>,
}

fn ranged(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: Option<i64>,
    lo: i64,
    hi: i64,
) -> Option<i64> {
    match v {
        Some(n) if !(lo..=hi).contains(&n) => {
            errors.push(FieldError::new(field, format!("From {lo} to {hi}.")));
            None
        }
        other => other,
    }
}

fn time(errors: &mut Vec<FieldError>, field: &str, v: Option<&str>) -> Option<NaiveDateTime> {
    let v = v?;
    NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| errors.push(FieldError::new(field, "Use YYYY-MM-DD HH:MM:SS.")))
        .ok()
}

fn amount(errors: &mut Vec<FieldError>, field: &str, v: Option<&str>, max: i64) -> Option<Money> {
    let v = v?;
    match Money::parse_amount(v) {
        Some(m) if !m.is_negative() && m.0 <= rust_decimal::Decimal::from(max) => Some(m),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("A number from 0 to {max} with at most two decimals."),
            ));
            None
        }
    }
}

fn check(input: &UserInput) -> Result<Checked, ServiceError> {
    let mut e = Vec::new();
    let cap = COUNTER_CAP as i64;
    let email = input.email.as_deref().and_then(|v| {
        account_rules::normalize_email(v)
            .map_err(|x| e.push(x))
            .ok()
    });
    let user_name = input.user_name.as_deref().map(str::trim).and_then(|v| {
        account_rules::check_user_name(v)
            .map_err(|x| e.push(x))
            .ok()?;
        Some(v.to_string())
    });
    if input
        .user_name
        .as_deref()
        .is_some_and(|v| v.trim().is_empty())
    {
        e.push(FieldError::new("user_name", "Must not be empty."));
    }
    let remark = input.remark.as_deref().map(str::trim).map(str::to_string);
    if remark.as_ref().is_some_and(|r| r.chars().count() > 512) {
        e.push(FieldError::new("remark", "At most 512 characters."));
    }
    let checked = Checked {
        email,
        user_name,
        class: ranged(&mut e, "class", input.class, 0, 255),
        class_expire: time(&mut e, "class_expire", input.class_expire.as_deref()),
        expire_in: time(&mut e, "expire_in", input.expire_in.as_deref()),
        transfer_enable: ranged(&mut e, "transfer_enable", input.transfer_enable, 0, cap),
        u: ranged(&mut e, "u", input.u, 0, cap),
        d: ranged(&mut e, "d", input.d, 0, cap),
        money: amount(&mut e, "money", input.money.as_deref(), 9_999_999_999),
        node_group: ranged(&mut e, "node_group", input.node_group, 0, MAX_GROUP),
        node_speedlimit: amount(
            &mut e,
            "node_speedlimit",
            input.node_speedlimit.as_deref(),
            1_000_000,
        ),
        node_connector: ranged(&mut e, "node_connector", input.node_connector, 0, 1_000_000),
        invite_num: ranged(&mut e, "invite_num", input.invite_num, -1, 1_000_000),
        remark,
    };
    if e.is_empty() {
        Ok(checked)
    } else {
        Err(ServiceError::invalid_fields(e))
    }
}

/// Applies the checked values to a locked account; returns what changed (for the admin log) and
/// the balance before, when the balance changed.
fn apply(
    user: &mut AccountRow,
    c: Checked,
) -> (serde_json::Map<String, serde_json::Value>, Option<Money>) {
    let mut changes = serde_json::Map::new();
    let money_before = c.money.filter(|m| *m != user.money).map(|_| user.money);
    macro_rules! set {
        ($field:ident, $value:expr) => {
            if let Some(v) = $value {
                if user.$field != v {
                    changes.insert(
                        stringify!($field).into(),
                        json!({"from": user.$field.to_string(), "to": v.to_string()}),
                    );
                    user.$field = v;
                }
            }
        };
    }
    set!(email, c.email);
    set!(user_name, c.user_name);
    set!(class, c.class);
    set!(class_expire, c.class_expire);
    set!(expire_in, c.expire_in);
    set!(transfer_enable, c.transfer_enable);
    set!(u, c.u);
    set!(d, c.d);
    set!(money, c.money);
    set!(node_group, c.node_group);
    set!(node_speedlimit, c.node_speedlimit);
    set!(node_connector, c.node_connector);
    set!(invite_num, c.invite_num);
    if let Some(r) = c.remark {
        if user.remark.as_deref().unwrap_or("") != r {
            changes.insert(
                "remark".into(),
                json!({"from": user.remark.clone().unwrap_or_default(), "to": r}),
            );
            user.remark = Some(r);
        }
    }
    (changes, money_before)
}

/// Writes an edited account with its balance record and admin log row.
async fn save(
    tx: &mut Tx,
    admin: i64,
    user: &AccountRow,
    action: &str,
    detail: serde_json::Value,
    money_before: Option<(Money, &str)>,
) -> ServiceResult<()> {
    match sql::update(tx, user).await {
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::conflict("This e-mail is already registered."))
        }
        other => other?,
    }
    if let Some((before, remark)) = money_before {
        sql::insert_money_log(tx, user.id, before, user.money, remark, now()).await?;
    }
    log(tx, admin, action, &format!("user:{}", user.id), detail).await?;
    Ok(())
}

pub async fn edit_user(
    app: &App,
    admin: i64,
    id: i64,
    input: UserInput,
) -> ServiceResult<AdminUserView> {
    let reason = require_reason(input.reason.as_deref().unwrap_or(""))?;
    if input.password.is_some() {
        return Err(ServiceError::invalid(
            "password",
            "Use reset-password to set a password.",
        ));
    }
    let checked = check(&input)?;
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    if let Some(email) = checked.email.as_deref().filter(|e| *e != user.email) {
        if crate::db::users::email_exists(&mut tx, email).await? {
            return Err(ServiceError::conflict("This e-mail is already registered."));
        }
    }
    let (changes, money_before) = apply(&mut user, checked);
    let detail = json!({"reason": reason, "changes": changes});
    let money = money_before.map(|b| (b, reason.as_str()));
    save(&mut tx, admin, &user, "user.edit", detail, money).await?;
    tx.commit().await?;
    Ok(user.into())
}

/// A new account and, when spanel generated it, its password (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: AdminUserView,
    /// The generated password; null when the operator chose one.
    pub password: Option<String>,
}

/// Creates an account as sign-up does (same rows: `user` with the sign-up defaults, `link`,
/// `user_invite_code`), then applies the operator's plan fields; no invitation, no sign-up limits.
pub async fn create_user(app: &App, admin: i64, input: UserInput) -> ServiceResult<CreatedUser> {
    let reason = input.reason.as_deref().map(require_reason).transpose()?;
    if input.email.is_none() {
        return Err(ServiceError::invalid("email", "E-mail is required."));
    }
    let generated = input.password.is_none().then(|| random_token(16));
    let password = input
        .password
        .clone()
        .or(generated.clone())
        .unwrap_or_default();
    account_rules::check_password(&password).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    let checked = check(&input)?;
    let email = checked.email.clone().unwrap_or_default();
    let defaults = crate::service::accounts::sign_up_defaults(app).await?;
    let pass = crate::service::accounts::hash_new_password(app, &password).await?;
    let mut tx = app.db.begin().await?;
    if crate::db::users::email_exists(&mut tx, &email).await? {
        return Err(ServiceError::conflict("This e-mail is already registered."));
    }
    let port = crate::service::accounts::free_port(app, &mut tx).await?;
    let name = checked.user_name.as_deref();
    let new_user = account_rules::new_user(
        &email,
        name,
        pass,
        crate::random::account_secrets(),
        port,
        0,
        "127.0.0.1",
        &defaults,
        now_naive(),
    );
    let id = match crate::db::users::insert_user(&mut tx, &new_user).await {
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ServiceError::conflict("This e-mail is already registered."))
        }
        other => other?,
    };
    crate::db::users::insert_link(&mut tx, id, &random_token(16)).await?;
    crate::db::users::insert_invite_code(&mut tx, id, &random_token(10)).await?;
    let mut user = sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    let (changes, money_before) = apply(&mut user, checked);
    let remark = reason
        .clone()
        .unwrap_or_else(|| "created by an administrator".into());
    let detail = json!({"email": email, "reason": reason, "fields": changes,
        "password": if generated.is_some() { "generated" } else { "given" }});
    let money = money_before.map(|b| (b, remark.as_str()));
    save(&mut tx, admin, &user, "user.create", detail, money).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, admin, "account created by an administrator");
    Ok(CreatedUser {
        user: user.into(),
        password: generated,
    })
}

/// Enables or disables an account for good (until an operator changes it again): any timed ban
/// running is settled, so the unban job does not undo the operator's choice.
pub async fn set_enabled(
    app: &App,
    admin: i64,
    id: i64,
    enable: bool,
    reason: &str,
) -> ServiceResult<AdminUserView> {
    let reason = require_reason(reason)?;
    if id == admin && !enable {
        return Err(ServiceError::conflict(
            "You cannot disable your own account.",
        ));
    }
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    let before = user.enable;
    user.enable = enable as i64;
    crate::db::detect::settle_bans(&mut tx, id, "operator", now()).await?;
    let action = if enable {
        "user.enable"
    } else {
        "user.disable"
    };
    let detail = json!({"reason": reason, "from": before, "to": user.enable});
    save(&mut tx, admin, &user, action, detail, None).await?;
    tx.commit().await?;
    Ok(user.into())
}

/// Longest timed ban: ten years, in minutes.
const MAX_BAN_MINUTES: i64 = 10 * 366 * 24 * 60;

/// Disables an account for `minutes`, as SSPanel's manual ban does: a `detect_ban_log` row (no
/// hits) that the unban job lifts when it runs out.
pub async fn ban_user(
    app: &App,
    admin: i64,
    id: i64,
    minutes: i64,
    reason: &str,
) -> ServiceResult<AdminUserView> {
    let reason = require_reason(reason)?;
    if !(1..=MAX_BAN_MINUTES).contains(&minutes) {
        return Err(ServiceError::invalid(
            "minutes",
            format!("From 1 to {MAX_BAN_MINUTES}."),
        ));
    }
    if id == admin {
        return Err(ServiceError::conflict("You cannot ban your own account."));
    }
    let ts = now();
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    crate::db::detect::settle_bans(&mut tx, id, "operator", ts).await?;
    let record = crate::db::detect::BanRecord {
        user_id: id,
        user_name: &user.user_name,
        email: &user.email,
        detect_number: 0,
        ban_time: minutes,
        start_time: user.last_detect_ban_time.map_or(0, to_unix),
        end_time: ts,
        all_detect_number: user.all_detect_number,
    };
    let ban_id = crate::db::detect::ban(&mut tx, &record, from_unix(ts)).await?;
    log(
        &mut tx,
        admin,
        "user.ban",
        &format!("user:{id}"),
        json!({"reason": reason, "minutes": minutes, "ban_id": ban_id, "until": ts + minutes * 60}),
    )
    .await?;
    tx.commit().await?;
    user.enable = 0;
    user.last_detect_ban_time = Some(from_unix(ts));
    Ok(user.into())
}

pub async fn reset_traffic(
    app: &App,
    admin: i64,
    id: i64,
    reason: &str,
) -> ServiceResult<AdminUserView> {
    let reason = require_reason(reason)?;
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    let detail = json!({"reason": reason, "u": user.u, "d": user.d});
    user.u = 0;
    user.d = 0;
    save(&mut tx, admin, &user, "user.reset_traffic", detail, None).await?;
    tx.commit().await?;
    Ok(user.into())
}

/// Sets a new password (given, or generated and returned once).
pub async fn reset_password(
    app: &App,
    admin: i64,
    id: i64,
    password: Option<String>,
    reason: &str,
) -> ServiceResult<String> {
    let reason = require_reason(reason)?;
    let password = match password {
        Some(p) => {
            account_rules::check_password(&p).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
            p
        }
        None => random_token(16),
    };
    let hash = crate::service::accounts::hash_new_password(app, &password).await?;
    let mut tx = app.db.begin().await?;
    sql::lock(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such user."))?;
    crate::db::admin::set_password(&mut tx, id, &hash).await?;
    log(
        &mut tx,
        admin,
        "user.reset_password",
        &format!("user:{id}"),
        json!({"reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// One line of a user's record list. What the columns hold depends on the list:
///
/// | list | title | detail | amount | state | extra |
/// |---|---|---|---|---|---|
/// | `topups` (`paylist`) | trade number | | total | 1 = paid | |
/// | `purchases` (`bought`) | plan name | coupon | price | renewal time (0 = off) | plan id |
/// | `orders` (`spanel_plan_checkout`) | status | note | price | purchase id | plan id |
/// | `balance` (balance changes) | reason | balance after | change | | |
/// | `commissions` (`payback`) | | | commission | invitee id | |
/// | `logins` (`login_ip`) | address | | | 1 = failed | |
/// | `subscriptions` (`user_subscribe_log`) | client type | address and user agent | | | |
/// | `detect` (`detect_log`) | rule name | node name | | rule id | node id |
/// | `bans` (`detect_ban_log`) | | | | minutes | hits |
/// | `traffic` (per day, then today's hours) | `day` or `hour` | | | upload bytes | download bytes |
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRecord {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub title: Option<String>,
    pub detail: Option<String>,
    #[schema(value_type = Option<String>)]
    pub amount: Option<Money>,
    pub state: Option<i64>,
    pub extra: Option<i64>,
}

/// The record lists of [`UserRecord`].
pub const RECORD_KINDS: &[&str] = &[
    "topups",
    "purchases",
    "orders",
    "balance",
    "commissions",
    "logins",
    "subscriptions",
    "detect",
    "bans",
    "traffic",
];

/// A page of one of a user's record lists, newest first.
pub async fn records(
    app: &App,
    id: i64,
    kind: &str,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<UserRecord>> {
    let (page, per_page, offset) = paging(page, per_page);
    if sql::find(&app.db, id).await?.is_none() {
        return Err(ServiceError::not_found("No such user."));
    }
    let (items, total) = if kind == "subscriptions" {
        let (rows, total) = sql::subscription_pulls(&app.db, id, per_page, offset).await?;
        let items = rows
            .into_iter()
            .map(|r| UserRecord {
                id: r.id,
                at: to_unix(r.request_time),
                title: Some(r.subscribe_type),
                detail: Some(format!(
                    "{} · {}",
                    r.request_ip,
                    r.request_user_agent.unwrap_or_default()
                )),
                amount: None,
                state: None,
                extra: None,
            })
            .collect();
        (items, total)
    } else {
        let query = sql::RECORDS
            .iter()
            .find(|q| q.kind == kind)
            .ok_or_else(|| ServiceError::not_found("No such record list."))?;
        let (rows, total) = sql::records(&app.db, query, id, per_page, offset).await?;
        let items = rows
            .into_iter()
            .map(|r| UserRecord {
                id: r.id.0,
                at: r.at.0,
                title: r.title,
                detail: r.detail,
                amount: r.amount.map(Money::from),
                state: r.state.map(|v| v.0),
                extra: r.extra.map(|v| v.0),
            })
            .collect();
        (items, total)
    };
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}
