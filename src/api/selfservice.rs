//! `/user/nodes` and `/user/proxy`: the user's nodes and own proxy settings.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::selfservice::{self as svc, MyNode, ProxyChoice, ProxySettings, ResetWhat};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_nodes))
        .routes(routes!(get_proxy, update_proxy))
        .routes(routes!(reset_proxy))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// The nodes the caller may use (class and group rules of the node API), with online state,
/// load, online users, connection details, share link, and the subscription formats that leave
/// each out and why. Empty while the account is expired, disabled or out of traffic.
#[utoipa::path(get, path = "/user/nodes", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "The nodes", body = Vec<MyNode>),
        (status = 401, description = "Not logged in")))]
async fn my_nodes(State(app): State<AppState>, user: CurrentUser) -> Env<Vec<MyNode>> {
    let now = chrono::Utc::now().timestamp();
    Ok(ok(svc::my_nodes(&app, user.id, now).await?))
}

/// The caller's proxy credentials and settings, and the choices the operator allows.
#[utoipa::path(get, path = "/user/proxy", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = ProxySettings),
        (status = 401, description = "Not logged in")))]
async fn get_proxy(State(app): State<AppState>, user: CurrentUser) -> Env<ProxySettings> {
    Ok(ok(svc::proxy_settings(&app, user.id).await?))
}

/// Chooses method, protocol and obfs among the ones the operator allows (`user_methods`,
/// `user_protocols`, `user_obfs`); nodes use them from their next poll.
#[utoipa::path(put, path = "/user/proxy", tag = "user", security(("bearer" = [])),
    request_body = ProxyChoice,
    responses((status = 200, description = "Saved", body = ProxySettings),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "A choice the operator does not allow")))]
async fn update_proxy(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ProxyChoice>,
) -> Env<ProxySettings> {
    Ok(ok(svc::update_proxy(&app, user.id, req).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub what: ResetWhat,
}

/// Renews the proxy password, the UUID or the port (a free random one in the operator's range).
/// Old subscriptions and profiles stop working once nodes poll.
#[utoipa::path(post, path = "/user/proxy/reset", tag = "user", security(("bearer" = [])),
    request_body = ResetRequest,
    responses((status = 200, description = "Renewed", body = ProxySettings),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "`what` is not passwd, uuid or port")))]
async fn reset_proxy(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Env<ProxySettings> {
    Ok(ok(svc::reset_proxy(&app, user.id, req.what).await?))
}
