//! `/payment`: top-up orders, gateway callbacks and (debug only) manual confirmation.

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::{ApiJson, ClientIp};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::payment::Order;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::gateways::CallbackRequest;
use crate::service::payment::{self, Created, Credit, GatewayView, NewPayment, OrderPage};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(gateways))
        .routes(routes!(create))
        .routes(routes!(orders))
        .routes(routes!(status))
        .routes(routes!(notify_post, notify_get))
}

/// Routes that exist only when `debug` is on.
pub fn debug_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(debug_confirm))
}

/// The gateways the caller can pay with, under the names to show, with the payment methods to
/// choose among and how each is completed (`redirect`: open the action's URL; `qr`: show its
/// content as a QR code; `debug`: confirm with `/payment/debug/confirm`, only when debug is on).
#[utoipa::path(get, path = "/payment/gateways", tag = "payment", security(("bearer" = [])),
    responses((status = 200, description = "Enabled gateways", body = Vec<GatewayView>),
        (status = 401, description = "Not logged in")))]
async fn gateways(
    State(app): State<AppState>,
    _user: CurrentUser,
) -> ApiResult<axum::Json<Envelope<Vec<GatewayView>>>> {
    Ok(ok(payment::gateways(&app).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateRequest {
    /// Decimal, at most 2 places, e.g. "10.00".
    pub amount: String,
    /// One of `/payment/gateways`.
    pub gateway: String,
    /// One of the gateway's `methods` (e.g. EPay's `alipay`, `wxpay`); its first when absent.
    #[serde(default)]
    pub method: Option<String>,
}

/// Creates a top-up order and returns what the client must do to pay it.
#[utoipa::path(post, path = "/payment/create", tag = "payment", security(("bearer" = [])),
    request_body = CreateRequest,
    responses((status = 200, description = "The order and the payment action", body = Created),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "Amount out of range, gateway not enabled or method unknown"),
        (status = 503, description = "The gateway is unavailable")))]
async fn create(
    State(app): State<AppState>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CreateRequest>,
) -> ApiResult<axum::Json<Envelope<Created>>> {
    let pay = NewPayment {
        gateway: req.gateway.trim(),
        method: req.method.as_deref(),
        client_ip: &ip,
    };
    Ok(ok(payment::create(&app, user.id, &req.amount, pay).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The caller's own orders, newest first.
#[utoipa::path(get, path = "/payment/orders", tag = "payment", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of orders", body = OrderPage),
        (status = 401, description = "Not logged in")))]
async fn orders(
    State(app): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<axum::Json<Envelope<OrderPage>>> {
    Ok(ok(payment::orders(
        &app,
        user.id,
        q.page.unwrap_or(1),
        q.per_page.unwrap_or(20),
    )
    .await?))
}

/// One of the caller's orders; other users' orders are 404.
#[utoipa::path(get, path = "/payment/status/{order_id}", tag = "payment", security(("bearer" = [])),
    params(("order_id" = i64, Path, description = "Order id")),
    responses((status = 200, description = "The order", body = Order),
        (status = 404, description = "No such order of the caller's")))]
async fn status(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(order_id): Path<i64>,
) -> ApiResult<axum::Json<Envelope<Order>>> {
    Ok(ok(payment::own_order(&app, user.id, order_id).await?))
}

async fn notify(
    app: AppState,
    gateway: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    client_ip: String,
) -> ApiResult<Response> {
    let req = CallbackRequest {
        query: query.unwrap_or_default(),
        headers,
        body,
        client_ip,
    };
    match payment::notify(&app, &gateway, &req).await? {
        Some(n) => {
            let ack = n.gateway.ack(n.verdict, &n.reason);
            let status = StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK);
            Ok((status, [(header::CONTENT_TYPE, ack.content_type)], ack.body).into_response())
        }
        None => Err(ApiError::not_found("No such gateway.")),
    }
}

/// A gateway's payment callback, verified with that gateway's scheme (a signature, or for PayPal
/// the capture of the order through PayPal's API, called with `order_id`; for Yft, whose signature
/// has no secret, also the sender's address). The answer is what the gateway expects (`success`,
/// `fail`, `ok`, WeChat Pay v2's XML…; the API envelope for PayPal); every callback is recorded.
/// An operator's EPay-compatible provider is called by its own name.
/// Genuine events that carry no payment (e.g. Stripe event types spanel does not handle) are
/// acknowledged without crediting.
#[utoipa::path(post, path = "/payment/notify/{gateway}", tag = "payment",
    request_body(content = String, description = "The raw callback body", content_type = "text/plain"),
    params(("gateway" = String, Path, description = "epay, stripe, alipay, wechat, paypal, wechat_v2, yft, epusdt, or an EPay provider's name")),
    responses((status = 200, description = "Accepted (the gateway's acknowledgement)"),
        (status = 204, description = "Accepted (WeChat Pay)"),
        (status = 400, description = "Rejected"),
        (status = 404, description = "Unknown gateway"),
        (status = 502, description = "PayPal's API failed; nothing was credited, the call may be repeated")))]
async fn notify_post(
    State(app): State<AppState>,
    Path(gateway): Path<String>,
    RawQuery(query): RawQuery,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    notify(app, gateway, query, headers, body, ip).await
}

/// The same callback sent as GET (EPay; PayPal with `order_id` or `token` in the query).
#[utoipa::path(get, path = "/payment/notify/{gateway}", tag = "payment",
    params(("gateway" = String, Path, description = "epay, paypal, yft, EPay providers")),
    responses((status = 200, description = "Accepted"), (status = 400, description = "Rejected"),
        (status = 404, description = "Unknown gateway"),
        (status = 502, description = "PayPal's API failed")))]
async fn notify_get(
    State(app): State<AppState>,
    Path(gateway): Path<String>,
    RawQuery(query): RawQuery,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> ApiResult<Response> {
    notify(app, gateway, query, headers, Bytes::new(), ip).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    pub order_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmed {
    pub result: Credit,
}

/// Debug only: credits an order as if its gateway had confirmed it — a callback without a
/// gateway, so like a callback it needs no login (`load.py notify` drives it). Absent (404) unless
/// debug is on, which production mode refuses.
#[utoipa::path(post, path = "/payment/debug/confirm", tag = "payment",
    request_body = ConfirmRequest,
    responses((status = 200, description = "credited or already_paid", body = Confirmed),
        (status = 404, description = "No such order, or debug is off")))]
async fn debug_confirm(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ConfirmRequest>,
) -> ApiResult<axum::Json<Envelope<Confirmed>>> {
    let result = payment::debug_confirm(&app, req.order_id).await?;
    Ok(ok(Confirmed { result }))
}
