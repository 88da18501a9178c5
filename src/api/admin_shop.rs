//! `/admin/shop` and `/admin/coupon`: plans and coupons, for administrators.

use std::str::FromStr;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::db::{shop as sql, Money};
use crate::domain::shop::{Coupon, PlanContent};
use crate::error::{ok, ApiError, ApiResult, Envelope, FieldError};
use crate::service::admin_shop;
use crate::service::shop::{plan_view, PlanView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(edit_plan, delete_plan))
        .routes(routes!(off_sale))
        .routes(routes!(list_coupons, create_coupon))
        .routes(routes!(delete_coupon))
}

/// A plan as an administrator writes it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanBody {
    pub name: String,
    /// An amount with at most two decimals, as a string or a number.
    #[schema(value_type = String, example = "10.00")]
    pub price: Value,
    /// Known keys only, numeric values ≥ 0 (see the business rules).
    #[schema(value_type = Object)]
    pub content: Map<String, Value>,
    #[serde(default)]
    pub auto_renew: i64,
    #[serde(default)]
    pub auto_reset_bandwidth: i64,
    #[serde(default = "on_sale")]
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
fn validate_plan(b: &PlanBody) -> ApiResult<(Money, String)> {
    let mut errors = Vec::new();
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 512 {
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
        return Err(ApiError::invalid_fields(errors));
    }
    let content = serde_json::to_string(&b.content).map_err(anyhow::Error::from)?;
    Ok((price.unwrap_or_default(), content))
}

/// Every plan, including those off sale.
#[utoipa::path(get, path = "/admin/shop", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Plans", body = Vec<PlanView>),
        (status = 403, description = "Not an administrator")))]
async fn list_plans(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Envelope<Vec<PlanView>>>> {
    let now = chrono::Utc::now().timestamp();
    let rows = sql::list_plans(&app.db, true).await?;
    Ok(ok(rows.into_iter().map(|r| plan_view(r, now)).collect()))
}

/// Creates a plan.
#[utoipa::path(post, path = "/admin/shop", tag = "shop", security(("bearer" = [])),
    request_body = PlanBody,
    responses((status = 201, description = "Created", body = PlanView),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Invalid plan")))]
async fn create_plan(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<(StatusCode, Json<Envelope<PlanView>>)> {
    let (price, content) = validate_plan(&body)?;
    let id = admin_shop::create_plan(&app, admin.id, &write(&body, price, &content)).await?;
    Ok((StatusCode::CREATED, ok(fetch_view(&app, id).await?)))
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

async fn fetch_view(app: &AppState, id: i64) -> ApiResult<PlanView> {
    let row = sql::find_plan(&app.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such plan."))?;
    Ok(plan_view(row, chrono::Utc::now().timestamp()))
}

/// Replaces a plan.
#[utoipa::path(put, path = "/admin/shop/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Plan id")), request_body = PlanBody,
    responses((status = 200, description = "Saved", body = PlanView),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such plan"),
        (status = 422, description = "Invalid plan")))]
async fn edit_plan(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<Json<Envelope<PlanView>>> {
    let (price, content) = validate_plan(&body)?;
    admin_shop::edit_plan(&app, admin.id, id, &write(&body, price, &content)).await?;
    Ok(ok(fetch_view(&app, id).await?))
}

async fn take_off(app: &AppState, admin: i64, id: i64) -> ApiResult<PlanView> {
    admin_shop::take_off_sale(app, admin, id).await?;
    fetch_view(app, id).await
}

/// Takes a plan off sale (`status = 0`); existing purchases keep it.
#[utoipa::path(delete, path = "/admin/shop/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, description = "Off sale", body = PlanView),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such plan")))]
async fn delete_plan(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Envelope<PlanView>>> {
    Ok(ok(take_off(&app, admin.id, id).await?))
}

/// Takes a plan off sale (`status = 0`).
#[utoipa::path(post, path = "/admin/shop/{id}/off", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, description = "Off sale", body = PlanView),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such plan")))]
async fn off_sale(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Envelope<PlanView>>> {
    Ok(ok(take_off(&app, admin.id, id).await?))
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
    pub code: String,
    #[serde(default)]
    pub onetime: i64,
    /// Unix time.
    pub expire: i64,
    /// Plan ids it applies to; empty or absent = every plan.
    #[serde(default)]
    pub shop: Vec<i64>,
    /// Percent off, 1 to 100.
    pub credit: i64,
}

/// Every coupon, newest first.
#[utoipa::path(get, path = "/admin/coupon", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Coupons", body = Vec<CouponView>),
        (status = 403, description = "Not an administrator")))]
async fn list_coupons(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Envelope<Vec<CouponView>>>> {
    let rows = sql::list_coupons(&app.db).await?;
    Ok(ok(rows.into_iter().map(CouponView::from).collect()))
}

/// Creates a coupon.
#[utoipa::path(post, path = "/admin/coupon", tag = "shop", security(("bearer" = [])),
    request_body = CouponBody,
    responses((status = 201, description = "Created", body = CouponView),
        (status = 403, description = "Not an administrator"),
        (status = 409, description = "A coupon with this code exists"),
        (status = 422, description = "Invalid coupon")))]
async fn create_coupon(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<CouponBody>,
) -> ApiResult<(StatusCode, Json<Envelope<CouponView>>)> {
    let code = body.code.trim();
    let mut errors = Vec::new();
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            "code",
            "Give a code of 1 to 64 characters without spaces.",
        ));
    }
    if body.onetime < 0 {
        errors.push(FieldError::new("onetime", "Must be ≥ 0 (0 = unlimited)."));
    }
    if body.expire <= 0 {
        errors.push(FieldError::new("expire", "Must be a unix time."));
    }
    if !(1..=100).contains(&body.credit) {
        errors.push(FieldError::new(
            "credit",
            "Must be a percentage from 1 to 100.",
        ));
    }
    if body.shop.iter().any(|id| *id <= 0) {
        errors.push(FieldError::new("shop", "Must be plan ids."));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let normalized = crate::domain::shop::normalize_code(code);
    if sql::find_coupon(&app.db, &normalized).await?.is_some() {
        return Err(ApiError::conflict(
            "A coupon with this code already exists.",
        ));
    }
    let coupon = Coupon {
        code: code.to_string(),
        onetime: body.onetime,
        expire: body.expire,
        shop: body
            .shop
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        credit: body.credit,
    };
    let id = admin_shop::create_coupon(&app, admin.id, &coupon).await?;
    Ok((
        StatusCode::CREATED,
        ok(CouponView {
            id,
            code: coupon.code,
            onetime: coupon.onetime,
            expire: coupon.expire,
            shop: coupon.shop,
            credit: coupon.credit,
        }),
    ))
}

/// Deletes a coupon.
#[utoipa::path(delete, path = "/admin/coupon/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Coupon id")),
    responses((status = 200, description = "Deleted"),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such coupon")))]
async fn delete_coupon(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Envelope<i64>>> {
    admin_shop::delete_coupon(&app, admin.id, id).await?;
    Ok(ok(id))
}
