//! `/admin/shop` and `/admin/coupon`: plans and coupons, for administrators.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin_shop::{self, CouponBody, CouponView, PlanBody};
use crate::service::shop::PlanView;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(edit_plan, delete_plan))
        .routes(routes!(off_sale))
        .routes(routes!(list_coupons, create_coupon))
        .routes(routes!(delete_coupon))
}

/// Every plan, including those off sale.
#[utoipa::path(get, path = "/admin/shop", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Plans", body = Vec<PlanView>),
        (status = 403, description = "Not an administrator")))]
async fn list_plans(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Envelope<Vec<PlanView>>>> {
    Ok(ok(admin_shop::list_plans(&app).await?))
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
    let plan = admin_shop::create_plan(&app, admin.id, &body).await?;
    Ok((StatusCode::CREATED, ok(plan)))
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
    Ok(ok(admin_shop::edit_plan(&app, admin.id, id, &body).await?))
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
    Ok(ok(admin_shop::take_off_sale(&app, admin.id, id).await?))
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
    Ok(ok(admin_shop::take_off_sale(&app, admin.id, id).await?))
}

/// Every coupon, newest first.
#[utoipa::path(get, path = "/admin/coupon", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Coupons", body = Vec<CouponView>),
        (status = 403, description = "Not an administrator")))]
async fn list_coupons(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> ApiResult<Json<Envelope<Vec<CouponView>>>> {
    Ok(ok(admin_shop::list_coupons(&app).await?))
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
    let coupon = admin_shop::create_coupon(&app, admin.id, &body).await?;
    Ok((StatusCode::CREATED, ok(coupon)))
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
