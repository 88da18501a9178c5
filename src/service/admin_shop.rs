//! The operator's plans and coupons: validation, and each change written with its admin-log row in
//! one transaction.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use crate::app::App;
use crate::db::shop::{self as sql, PlanWrite};
use crate::domain::money::Money;
use crate::domain::shop::{Coupon, PlanContent};
use crate::domain::FieldError;
use crate::service::admin::log;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::shop::{plan_view, PlanView};

/// A plan as an administrator writes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanBody {
    #[schema(max_length = 512, pattern = r"[^\s\x85]")]
    pub name: String,
    /// An amount with at most two decimals, as a string or a number.
    #[schema(value_type = String, example = "10.00")]
    pub price: Value,
    /// Known keys only, numeric values ≥ 0 (see the business rules).
    #[schema(value_type = Object)]
    pub content: Map<String, Value>,
    /// Days; 0 = no automatic renewal.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 3650)]
    pub auto_renew: i64,
    /// 1 = a purchase resets the traffic used, 0 = keeps it.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub auto_reset_bandwidth: i64,
    /// 1 = on sale, 0 = off sale.
    #[serde(default = "on_sale")]
    #[schema(minimum = 0, maximum = 1)]
    pub status: i64,
}

fn on_sale() -> i64 {
    1
}

fn parse_price(v: &Value) -> Option<Money> {
    let text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let d = Decimal::from_str(&text).ok()?;
    if d.is_sign_negative() || d.scale() > 2 || d >= Decimal::from(10_000_000_000i64) {
        return None;
    }
    Some(Money::cents(d))
}

/// Validates a plan; returns (price, content JSON).
fn validate_plan(b: &PlanBody) -> ServiceResult<(Money, String)> {
    let mut errors = Vec::new();
    let name = b.name.trim();
    if name.is_empty() || b.name.chars().count() > 512 {
        errors.push(FieldError::new(
            "name",
            "Give a name of 1 to 512 characters.",
        ));
    }
    let price = parse_price(&b.price);
    if price.is_none() {
        errors.push(FieldError::new(
            "price",
            "Must be an amount ≥ 0 with at most two decimals.",
        ));
    }
    if let Err(errs) = PlanContent::from_map(&b.content, true) {
        errors.extend(errs.into_iter().map(|(f, m)| FieldError::new(f, m)));
    }
    if !(0..=3650).contains(&b.auto_renew) {
        errors.push(FieldError::new(
            "auto_renew",
            "Must be days from 0 (never) to 3650.",
        ));
    }
    // A yes/no column in SSPanel's `shop` table.
    if !matches!(b.auto_reset_bandwidth, 0 | 1) {
        errors.push(FieldError::new(
            "auto_reset_bandwidth",
            "Must be 0 (keep used traffic) or 1 (reset it).",
        ));
    }
    if !matches!(b.status, 0 | 1) {
        errors.push(FieldError::new(
            "status",
            "Must be 0 (off sale) or 1 (on sale).",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let content = serde_json::to_string(&b.content).map_err(anyhow::Error::from)?;
    Ok((price.unwrap_or_default(), content))
}

fn write<'a>(b: &'a PlanBody, price: Money, content: &'a str) -> sql::PlanWrite<'a> {
    sql::PlanWrite {
        name: b.name.trim(),
        price,
        content,
        auto_renew: b.auto_renew,
        auto_reset_bandwidth: b.auto_reset_bandwidth,
        status: b.status,
    }
}

/// A coupon.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponView {
    pub id: i64,
    pub code: String,
    /// Uses per user; 0 = unlimited.
    pub onetime: i64,
    /// Unix time after which it is refused.
    pub expire: i64,
    /// Empty = every plan, else comma-separated plan ids.
    pub shop: String,
    /// Percent off.
    pub credit: i64,
}

impl From<sql::CouponRow> for CouponView {
    fn from(c: sql::CouponRow) -> Self {
        CouponView {
            id: c.id,
            code: c.code,
            onetime: c.onetime,
            expire: c.expire,
            shop: c.shop,
            credit: c.credit,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CouponBody {
    /// 1 to 64 characters, no spaces.
    #[schema(
        pattern = r"^[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]{1,64}$"
    )]
    pub code: String,
    /// Uses per user; 0 = unlimited.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub onetime: i64,
    /// Unix time, at most 4102444800 (2100-01-01).
    #[schema(minimum = 1, maximum = 4102444800.0)]
    pub expire: i64,
    /// Plan ids it applies to; empty or absent = every plan.
    #[serde(default)]
    pub shop: Vec<i64>,
    /// Percent off, 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub credit: i64,
}

fn plan_detail(p: &PlanWrite<'_>) -> serde_json::Value {
    json!({
        "name": p.name,
        "price": p.price.to_string(),
        "content": p.content,
        "auto_renew": p.auto_renew,
        "auto_reset_bandwidth": p.auto_reset_bandwidth,
        "status": p.status,
    })
}

/// Every plan, including those off sale.
pub async fn list_plans(app: &App) -> ServiceResult<Vec<PlanView>> {
    let now = crate::clock::now_unix();
    let rows = sql::list_plans(&app.db, true).await?;
    Ok(rows.into_iter().map(|r| plan_view(r, now)).collect())
}

async fn find_view(app: &App, id: i64) -> ServiceResult<PlanView> {
    let row = sql::find_plan(&app.db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such plan."))?;
    Ok(plan_view(row, crate::clock::now_unix()))
}

/// Creates a plan.
pub async fn create_plan(app: &App, admin: i64, body: &PlanBody) -> ServiceResult<PlanView> {
    let (price, content) = validate_plan(body)?;
    let plan = &write(body, price, &content);
    let mut tx = app.db.begin().await?;
    let id = sql::insert_plan(&mut tx, plan).await?;
    log(
        &mut tx,
        admin,
        "plan.create",
        &format!("shop:{id}"),
        plan_detail(plan),
    )
    .await?;
    tx.commit().await?;
    find_view(app, id).await
}

/// Replaces a plan's fields.
pub async fn edit_plan(app: &App, admin: i64, id: i64, body: &PlanBody) -> ServiceResult<PlanView> {
    let (price, content) = validate_plan(body)?;
    let plan = &write(body, price, &content);
    if !sql::plan_exists(&app.db, id).await? {
        return Err(ServiceError::not_found("No such plan."));
    }
    let mut tx = app.db.begin().await?;
    sql::update_plan(&mut tx, id, plan).await?;
    log(
        &mut tx,
        admin,
        "plan.update",
        &format!("shop:{id}"),
        plan_detail(plan),
    )
    .await?;
    tx.commit().await?;
    find_view(app, id).await
}

/// Takes a plan off sale (purchases keep pointing at it, so it is never deleted).
pub async fn take_off_sale(app: &App, admin: i64, id: i64) -> ServiceResult<PlanView> {
    if !sql::plan_exists(&app.db, id).await? {
        return Err(ServiceError::not_found("No such plan."));
    }
    let mut tx = app.db.begin().await?;
    sql::take_off_sale(&mut tx, id).await?;
    log(
        &mut tx,
        admin,
        "plan.off_sale",
        &format!("shop:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    find_view(app, id).await
}

/// Every coupon, newest first.
pub async fn list_coupons(app: &App) -> ServiceResult<Vec<CouponView>> {
    let rows = sql::list_coupons(&app.db).await?;
    Ok(rows.into_iter().map(CouponView::from).collect())
}

/// Creates a coupon.
pub async fn create_coupon(app: &App, admin: i64, b: &CouponBody) -> ServiceResult<CouponView> {
    let code = b.code.trim();
    let mut errors = Vec::new();
    if code.is_empty() || b.code.chars().count() > 64 || b.code.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            "code",
            "Give a code of 1 to 64 characters without spaces.",
        ));
    }
    if !(0..=i64::from(i32::MAX)).contains(&b.onetime) {
        errors.push(FieldError::new(
            "onetime",
            "From 0 (unlimited) to 2147483647.",
        ));
    }
    if !(1..=4_102_444_800).contains(&b.expire) {
        errors.push(FieldError::new(
            "expire",
            "A unix time from 1 to 4102444800 (2100-01-01).",
        ));
    }
    if !(1..=100).contains(&b.credit) {
        errors.push(FieldError::new(
            "credit",
            "Must be a percentage from 1 to 100.",
        ));
    }
    if b.shop.iter().any(|id| *id <= 0) {
        errors.push(FieldError::new("shop", "Must be plan ids."));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let normalized = crate::domain::shop::normalize_code(code);
    if sql::find_coupon(&app.db, &normalized).await?.is_some() {
        return Err(ServiceError::conflict(
            "A coupon with this code already exists.",
        ));
    }
    let coupon = Coupon {
        code: code.to_string(),
        onetime: b.onetime,
        expire: b.expire,
        shop: b
            .shop
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        credit: b.credit,
    };
    let coupon = &coupon;
    let mut tx = app.db.begin().await?;
    let id = sql::insert_coupon(&mut tx, coupon).await?;
    let detail = json!({
        "code": coupon.code,
        "onetime": coupon.onetime,
        "expire": coupon.expire,
        "shop": coupon.shop,
        "credit": coupon.credit,
    });
    log(
        &mut tx,
        admin,
        "coupon.create",
        &format!("coupon:{id}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(CouponView {
        id,
        code: coupon.code.clone(),
        onetime: coupon.onetime,
        expire: coupon.expire,
        shop: coupon.shop.clone(),
        credit: coupon.credit,
    })
}

/// Deletes a coupon.
pub async fn delete_coupon(app: &App, admin: i64, id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    if !sql::delete_coupon(&mut tx, id).await? {
        return Err(ServiceError::not_found("No such coupon."));
    }
    log(
        &mut tx,
        admin,
        "coupon.delete",
        &format!("coupon:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
