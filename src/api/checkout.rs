//! `/shop/checkout`: paying for a plan in one step through a gateway.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::{ApiJson, ClientIp};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::checkout::{self, CheckoutCreated, CheckoutRequest, CheckoutView};
use crate::service::payment::NewPayment;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(status))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckoutBody {
    pub shop_id: i64,
    /// One of `/payment/gateways`.
    pub gateway: String,
    /// One of the gateway's `methods`; its first when absent.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub coupon: Option<String>,
    /// Renew automatically when the plan allows it.
    #[serde(default)]
    pub autorenew: bool,
    /// Stop the automatic renewal of every other purchase.
    #[serde(default)]
    pub disable_others: bool,
    /// Pay what the balance covers from it, and only the rest through the gateway.
    #[serde(default)]
    pub use_balance: bool,
}

/// Pays for a plan through a gateway: creates a top-up of the plan's price (less the balance used,
/// at least `recharge_min`) tied to the plan. When the gateway confirms the payment, the top-up is
/// credited and the plan bought in one transaction, once. If by then the plan is off sale, its price
/// changed or it cannot be bought for another reason, the money stays as balance: the checkout's
/// `status` becomes `kept` with a `note`, and the user is e-mailed.
#[utoipa::path(post, path = "/shop/checkout", tag = "shop", security(("bearer" = [])),
    request_body = CheckoutBody,
    responses((status = 200, description = "The top-up order and the payment action", body = CheckoutCreated),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such plan on sale"),
        (status = 409, description = "The balance covers the plan: buy it with the balance"),
        (status = 422, description = "Gateway not enabled, method or coupon not valid, or amount above the largest top-up"),
        (status = 503, description = "The gateway is unavailable")))]
async fn create(
    State(app): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<CheckoutBody>,
) -> ApiResult<Json<Envelope<CheckoutCreated>>> {
    let req = CheckoutRequest {
        shop_id: body.shop_id,
        coupon: body.coupon.as_deref().filter(|c| !c.trim().is_empty()),
        autorenew: body.autorenew,
        disable_others: body.disable_others,
        use_balance: body.use_balance,
        pay: NewPayment {
            gateway: body.gateway.trim(),
            method: body.method.as_deref(),
            client_ip: &ip,
        },
    };
    Ok(ok(checkout::checkout(&app, user.id, req).await?))
}

/// How one of the caller's checkouts stands: `pending` (not paid yet), `bought` (`bought_id` is the
/// purchase) or `kept` (paid, the money stayed as balance; `note` says why).
#[utoipa::path(get, path = "/shop/checkout/{order_id}", tag = "shop", security(("bearer" = [])),
    params(("order_id" = i64, Path, description = "The checkout's top-up order")),
    responses((status = 200, description = "The checkout", body = CheckoutView),
        (status = 401, description = "Not logged in"),
        (status = 404, description = "No such checkout of the caller's")))]
async fn status(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(order_id): Path<i64>,
) -> ApiResult<Json<Envelope<CheckoutView>>> {
    Ok(ok(checkout::status(&app, user.id, order_id).await?))
}
