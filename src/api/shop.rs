//! `/user/shop`, `/user/buy`, `/user/bought`, `/user/coupon/check`: buying plans with the balance.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::shop::{self, BoughtView, BuyRequest, CouponQuote, PlanView, Purchase};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shop))
        .routes(routes!(buy))
        .routes(routes!(list_bought))
        .routes(routes!(stop_renewal))
        .routes(routes!(check_coupon))
}

/// Plans on sale, with parsed content and the price a purchase costs now.
#[utoipa::path(get, path = "/user/shop", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Plans on sale", body = Vec<PlanView>),
        (status = 401, description = "Not logged in")))]
async fn list_shop(
    State(app): State<AppState>,
    _user: CurrentUser,
) -> ApiResult<Json<Envelope<Vec<PlanView>>>> {
    Ok(ok(shop::plans_on_sale(&app).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuyBody {
    pub shop_id: i64,
    #[serde(default)]
    pub coupon: Option<String>,
    /// Renew automatically when the plan allows it.
    #[serde(default)]
    pub autorenew: bool,
    /// Stop the automatic renewal of every other purchase.
    #[serde(default)]
    pub disable_others: bool,
}

/// Buys a plan with the balance.
#[utoipa::path(post, path = "/user/buy", tag = "shop", security(("bearer" = [])), request_body = BuyBody,
    responses((status = 200, description = "Bought", body = Purchase),
        (status = 404, description = "No such plan on sale"),
        (status = 409, description = "Insufficient balance, or a periodic plan is still running"),
        (status = 422, description = "The coupon is unknown, expired, used up or not for this plan")))]
async fn buy(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<BuyBody>,
) -> ApiResult<Json<Envelope<Purchase>>> {
    let req = BuyRequest {
        shop_id: body.shop_id,
        coupon: body.coupon.as_deref().filter(|c| !c.trim().is_empty()),
        autorenew: body.autorenew,
        disable_others: body.disable_others,
        expect_price: None,
    };
    Ok(ok(shop::buy(&app, user.id, req).await?))
}

/// The user's purchases, newest first.
#[utoipa::path(get, path = "/user/bought", tag = "shop", security(("bearer" = [])),
    responses((status = 200, description = "Purchases", body = Vec<BoughtView>),
        (status = 401, description = "Not logged in")))]
async fn list_bought(
    State(app): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Envelope<Vec<BoughtView>>>> {
    Ok(ok(shop::bought(&app, user.id).await?))
}

/// Turns off the automatic renewal of one of the user's purchases.
#[utoipa::path(delete, path = "/user/bought/{id}/renew", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The purchase")),
    responses((status = 200, description = "Renewal off", body = BoughtView),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such purchase of yours")))]
async fn stop_renewal(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Envelope<BoughtView>>> {
    Ok(ok(shop::stop_renewal(&app, user.id, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CouponCheckBody {
    pub shop_id: i64,
    #[schema(min_length = 1)]
    pub coupon: String,
}

/// The price of a plan after a coupon, or why the coupon does not apply.
#[utoipa::path(post, path = "/user/coupon/check", tag = "shop", security(("bearer" = [])),
    request_body = CouponCheckBody,
    responses((status = 200, description = "Price after discount", body = CouponQuote),
        (status = 404, description = "No such plan on sale"),
        (status = 422, description = "The coupon is unknown, expired, used up or not for this plan")))]
async fn check_coupon(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<CouponCheckBody>,
) -> ApiResult<Json<Envelope<CouponQuote>>> {
    Ok(ok(shop::check_coupon_for(
        &app,
        user.id,
        body.shop_id,
        &body.coupon,
    )
    .await?))
}
