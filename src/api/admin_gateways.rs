//! `/admin/gateways`: payment gateways' settings, explained, with secrets write-only.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin_gateways::{self as svc, GatewayView, TestResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gateways))
        .routes(routes!(get_gateway, update_gateway, remove_gateway))
        .routes(routes!(test_gateway))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// Every payment gateway (built-in ones, then the EPay-compatible providers of `epay_providers`)
/// with its settings explained, whether it is enabled, and its callback URL. Secrets are never
/// returned: `value` is null and `set` says whether one is stored.
#[utoipa::path(get, path = "/admin/gateways", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The gateways", body = Vec<GatewayView>),
        (status = 403, description = "Not an administrator")))]
async fn list_gateways(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<GatewayView>> {
    Ok(ok(svc::list(&app).await?))
}

/// One gateway, as in the list; a free EPay-compatible provider name answers the blank form of a
/// new provider of that name.
#[utoipa::path(get, path = "/admin/gateways/{name}", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, description = "Gateway name")),
    responses((status = 200, description = "The gateway", body = GatewayView),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such gateway")))]
async fn get_gateway(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(name): Path<String>,
) -> Env<GatewayView> {
    Ok(ok(svc::get(&app, &name).await?))
}

/// A gateway's new settings, by `config` item name (for an EPay-compatible provider: `label`,
/// `url`, `pid`, `key`, `types` as a comma-separated list). Items left out are unchanged; a secret
/// sent empty keeps its stored value.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"enabled": true, "epay_url": "https://pay.example.com/", "epay_pid": "1001", "epay_key": ""}))]
pub struct GatewayBody {
    /// Add the gateway to `payment_gateway` (true) or take it out (false); absent = unchanged.
    /// Enabling is refused (422, naming them) while a required setting is empty.
    pub enabled: Option<bool>,
    #[serde(flatten)]
    #[schema(value_type = Object, additional_properties)]
    pub settings: BTreeMap<String, String>,
}

/// Changes a gateway's settings or enables/disables it; a name that is not built in creates or
/// changes the EPay-compatible provider of that name. Written to the admin log.
#[utoipa::path(put, path = "/admin/gateways/{name}", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, description = "Gateway name")),
    request_body = GatewayBody,
    responses((status = 200, description = "The gateway", body = GatewayView),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Unknown item, malformed value, or a required setting missing")))]
async fn update_gateway(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<GatewayBody>,
) -> Env<GatewayView> {
    Ok(ok(svc::update(
        &app,
        admin.id,
        &name,
        body.enabled,
        body.settings,
    )
    .await?))
}

/// Removes an EPay-compatible provider (and disables it). Built-in gateways cannot be removed.
#[utoipa::path(delete, path = "/admin/gateways/{name}", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, description = "Provider name")),
    responses((status = 200, description = "Removed"),
        (status = 404, description = "No such provider"),
        (status = 409, description = "A built-in gateway")))]
async fn remove_gateway(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(name): Path<String>,
) -> Env<()> {
    svc::remove_provider(&app, admin.id, &name).await?;
    Ok(ok(()))
}

/// Tests the saved settings against the provider without paying anything: PayPal issues an
/// OAuth token, Stripe reads the balance, EPay and epusdt servers answer at the configured address.
#[utoipa::path(post, path = "/admin/gateways/{name}/test", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, description = "Gateway name")),
    responses((status = 200, description = "What the test found", body = TestResult),
        (status = 409, description = "The gateway offers no test"),
        (status = 404, description = "No such gateway")))]
async fn test_gateway(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(name): Path<String>,
) -> Env<TestResult> {
    Ok(ok(svc::test(&app, &name).await?))
}
