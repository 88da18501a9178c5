//! The daily check-in and redeem codes (SSPanel's `code` table), and the administrators' code
//! batches.

use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::{local_day_start, now_naive};
use crate::db::{perks as sql, rebate as rebate_sql, Money};
use crate::domain::perks::{self, CodeKind, MB};
use crate::domain::rebate::Trigger;
use crate::random::random_token;
use crate::service::admin::{paging, Page};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::rebate::{pay_commission, Payer};
use crate::settings::catalog;

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckIn {
    /// Traffic added, in bytes.
    pub traffic: i64,
    /// The account's total traffic allowance after it, in bytes.
    pub transfer_enable: i64,
    /// Unix time from which the next check-in is possible (the next calendar day in the panel's
    /// time zone).
    pub next_at: i64,
}

/// Checks the caller in: once per calendar day (SPANEL_TIMEZONE), a random amount of traffic
/// between `checkin_min` and `checkin_max` MB.
pub async fn check_in(app: &App, user_id: i64) -> ServiceResult<CheckIn> {
    if !app.settings.get_bool(catalog::ENABLE_CHECKIN.item).await? {
        return Err(ServiceError::forbidden(
            "Check-in is turned off on this site.",
        ));
    }
    let (lo, hi) = perks::checkin_range(
        app.settings.get_i64(catalog::CHECKIN_MIN.item).await?,
        app.settings.get_i64(catalog::CHECKIN_MAX.item).await?,
    );
    let mb = rand::thread_rng().gen_range(lo..=hi);
    let now = chrono::Utc::now().timestamp();
    let today = local_day_start(now);
    let next_at = local_day_start(today + 36 * 3600);
    if !sql::check_in(&app.db, user_id, mb * MB, now, today).await? {
        return Err(ServiceError::conflict(
            "You have already checked in today: come back tomorrow.",
        ));
    }
    let total = crate::db::users::find_user(&app.db, user_id)
        .await?
        .map_or(0, |u| u.transfer_enable);
    Ok(CheckIn {
        traffic: mb * MB,
        transfer_enable: total,
        next_at,
    })
}

/// Whether the account may check in now, and when it last did (unix time, 0 = never).
pub async fn check_in_state(app: &App, user_id: i64) -> ServiceResult<(bool, i64)> {
    let last = sql::last_check_in(&app.db, user_id).await?.unwrap_or(0);
    let enabled = app.settings.get_bool(catalog::ENABLE_CHECKIN.item).await?;
    let today = local_day_start(chrono::Utc::now().timestamp());
    Ok((enabled && last < today, last))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Redeemed {
    /// SSPanel's code type: -1 balance, 10001 traffic (GB), 10002 account days, 1–10000 class.
    #[serde(rename = "type")]
    pub kind: i64,
    #[schema(value_type = String, example = "10.00")]
    pub number: Money,
    /// The balance after a balance code.
    #[schema(value_type = Option<String>)]
    pub balance: Option<Money>,
}

fn unknown_code() -> ServiceError {
    ServiceError::invalid("code", "Unknown or already used code.")
}

/// Redeems a code for the caller: once, even when many try it at the same moment.
pub async fn redeem(app: &App, user_id: i64, code: &str) -> ServiceResult<Redeemed> {
    let code = code.trim();
    if code.is_empty() || code.chars().count() > 128 {
        return Err(unknown_code());
    }
    let now = now_naive();
    let redeemed = crate::db::retry("redeem", move || redeem_once(app, user_id, code, now)).await?;
    tracing::info!(user_id, kind = redeemed.kind, "code redeemed");
    Ok(redeemed)
}

/// One attempt at [`redeem`]: the `used` guard on the code decides who gets it.
async fn redeem_once(
    app: &App,
    user_id: i64,
    code: &str,
    now: chrono::NaiveDateTime,
) -> ServiceResult<Redeemed> {
    let mut tx = app.db.begin().await?;
    let row = sql::find_unused_code(&mut tx, code)
        .await?
        .ok_or_else(unknown_code)?;
    let kind = CodeKind::from_type(row.kind).ok_or_else(unknown_code)?;
    if !sql::mark_code_used(&mut tx, row.id, user_id, now).await? {
        return Err(unknown_code());
    }
    let mut balance = None;
    if kind == CodeKind::Balance {
        let payer = rebate_sql::lock_balance(&mut tx, user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User not found."))?;
        let after = payer.money + row.number;
        rebate_sql::add_balance(&mut tx, user_id, row.number).await?;
        let who = Payer {
            id: user_id,
            ref_by: payer.ref_by,
            registered: payer.reg_date,
        };
        // A top-up code pays commission as a gateway top-up does (`invitation_mode`).
        pay_commission(&mut tx, &app.settings, &who, row.number, Trigger::Recharge).await?;
        balance = Some(after);
    } else {
        let current = sql::lock_code_target(&mut tx, user_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("User not found."))?;
        let granted = perks::grant(kind, row.number.0, current, now);
        sql::set_code_target(&mut tx, user_id, &granted).await?;
    }
    tx.commit().await?;
    Ok(Redeemed {
        kind: row.kind,
        number: row.number,
        balance,
    })
}

/// A batch of codes to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCodes {
    /// How many, 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub count: i64,
    /// The amount: money for a balance code, GB for traffic, days for account time or class;
    /// above 0, at most 1000000, at most two decimals.
    #[schema(value_type = String, example = "10.00",
        pattern = r"^([1-9][0-9]{0,5}(\.[0-9]{1,2})?|1000000(\.00?)?|0\.(0[1-9]|[1-9][0-9]?))$")]
    pub amount: Money,
    /// SSPanel's code type (default -1, balance): 10001 traffic, 10002 days, 1–10000 class.
    #[serde(default = "balance_type", rename = "type")]
    pub kind: i64,
    /// Text put before each random part (letters, digits, `-` and `_`, at most 32).
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9_-]{0,32}$")]
    pub prefix: String,
}

fn balance_type() -> i64 {
    -1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCodes {
    pub codes: Vec<String>,
}

/// Creates a batch of unused codes; written to the admin log.
pub async fn create_codes(app: &App, admin: i64, req: NewCodes) -> ServiceResult<CreatedCodes> {
    let mut errors = Vec::new();
    if !(1..=1000).contains(&req.count) {
        errors.push(crate::domain::FieldError::new(
            "count",
            "Between 1 and 1000.",
        ));
    }
    let kind = CodeKind::from_type(req.kind);
    if kind.is_none() {
        errors.push(crate::domain::FieldError::new(
            "type",
            "-1 (balance), 10001 (traffic GB), 10002 (days) or a class from 1 to 10000.",
        ));
    }
    if req.amount.0 <= Decimal::ZERO
        || req.amount.0 > Decimal::from(1_000_000)
        || req.amount.0.scale() > 2
    {
        errors.push(crate::domain::FieldError::new(
            "amount",
            "Greater than 0 and at most 1000000, with at most two decimals.",
        ));
    }
    let prefix = req.prefix.trim();
    if prefix.chars().count() > 32
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(crate::domain::FieldError::new(
            "prefix",
            "At most 32 letters, digits, '-' or '_'.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    let mut codes = Vec::with_capacity(req.count as usize);
    for _ in 0..req.count {
        let code = format!("{prefix}{}", random_token(20));
        sql::insert_code(&mut tx, &code, req.kind, req.amount).await?;
        codes.push(code);
    }
    crate::service::admin::log(
        &mut tx,
        admin,
        "code.create",
        "code",
        json!({"count": req.count, "type": req.kind, "amount": req.amount, "prefix": prefix}),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedCodes { codes })
}

/// A redeem code as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    pub id: i64,
    pub code: String,
    /// -1 balance, 10001 traffic (GB), 10002 account days, 1–10000 class (`number` days).
    #[serde(rename = "type")]
    pub kind: i64,
    #[schema(value_type = String, example = "10.00")]
    pub number: Money,
    /// 1 once redeemed.
    pub isused: i64,
    /// Who redeemed it (0 = nobody yet).
    pub userid: i64,
    /// When it was redeemed, `YYYY-MM-DDTHH:MM:SS` in the panel's time zone (no offset).
    #[schema(value_type = String, example = "2024-05-01T12:30:00")]
    pub usedatetime: chrono::NaiveDateTime,
}

impl From<sql::CodeRow> for CodeView {
    fn from(r: sql::CodeRow) -> CodeView {
        CodeView {
            id: r.id,
            code: r.code,
            kind: r.kind,
            number: r.number,
            isused: r.isused,
            userid: r.userid,
            usedatetime: r.usedatetime,
        }
    }
}

pub async fn list_codes(
    app: &App,
    used: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<CodeView>> {
    let (page, per_page, offset) = paging(page, per_page);
    let (items, total) = sql::codes(&app.db, used, per_page, offset).await?;
    Ok(Page {
        items: items.into_iter().map(CodeView::from).collect(),
        total,
        page,
        per_page,
    })
}
