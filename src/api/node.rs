//! The seed node API, `/app/api/v0/node/*`, authenticated by the `Key` header.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, IdempotencyKey};
use crate::app::AppState;
use crate::auth::NodeKey;
use crate::domain::node::AliveIpEntry;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::node::{self, Flavour, NodeError, Rendered};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users))
        .routes(routes!(traffic))
        .routes(routes!(online))
        .routes(routes!(heartbeat))
        .routes(routes!(info))
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::NotFound => ApiError::not_found(e.to_string()),
            NodeError::Disabled | NodeError::OutOfBandwidth => ApiError::forbidden(e.to_string()),
            NodeError::InvalidData(why) => ApiError::invalid("data", why),
            NodeError::Unavailable(_) => {
                ApiError::unavailable("Database unavailable, try again shortly.")
            }
        }
    }
}

/// A cached JSON body, or 304 when the client already has it; the stored gzip as it is when the
/// client accepts gzip (XrayR's and V2bX's Go clients, SSR's requests all do).
pub fn conditional(rendered: Rendered, headers: &HeaderMap) -> Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::domain::node::etag_matches(v, &rendered.etag));
    let etag = [(header::ETAG, rendered.etag.clone())];
    if not_modified {
        return (StatusCode::NOT_MODIFIED, etag).into_response();
    }
    let gzip_ok = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(crate::domain::node::accepts_gzip);
    let json = [
        (header::CONTENT_TYPE, "application/json"),
        (header::VARY, "accept-encoding"),
    ];
    if gzip_ok {
        let body = axum::body::Body::from(rendered.gzip);
        let gz = [(header::CONTENT_ENCODING, "gzip")];
        (etag, json, gz, body).into_response()
    } else {
        (etag, json, axum::body::Body::from(rendered.plain())).into_response()
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NodeQuery {
    pub node_id: i64,
}

/// Users allowed on the node (weak ETag; `If-None-Match` → 304). Counts as a heartbeat.
#[utoipa::path(get, path = "/node/users", tag = "node", params(NodeQuery), security(("mu_key" = [])),
    responses((status = 200, description = "Users"), (status = 304, description = "Unchanged"),
        (status = 401), (status = 403, description = "Node disabled or out of bandwidth"), (status = 404)))]
async fn users(
    State(app): State<AppState>,
    _key: NodeKey,
    Query(q): Query<NodeQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let rendered = node::user_list(&app, Flavour::Seed, q.node_id).await?;
    Ok(conditional(rendered, &headers))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TrafficBody {
    pub node_id: i64,
    /// `[{"user_id":1,"u":1048576,"d":2097152}]`, raw bytes before the node's rate.
    #[schema(value_type = Vec<Object>)]
    pub data: Value,
}

/// Traffic report: charged at the node's `traffic_rate`; answered after it is committed. Each `u`
/// and `d` is at most 2^50 bytes. With an `Idempotency-Key` header (1–128 visible ASCII
/// characters, e.g. a UUID per report) a resent report whose key this node used within the last
/// day is acknowledged again without being counted again, on every instance sharing the database.
#[utoipa::path(post, path = "/node/traffic", tag = "node", request_body = TrafficBody, security(("mu_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a resent report count once: 1–128 visible ASCII characters, unique per report and node, remembered for a day.")),
    responses((status = 200), (status = 404), (status = 422), (status = 503)))]
async fn traffic(
    State(app): State<AppState>,
    _key: NodeKey,
    IdempotencyKey(idem): IdempotencyKey,
    ApiJson(body): ApiJson<TrafficBody>,
) -> ApiResult<axum::Json<Envelope<&'static str>>> {
    node::report_traffic(&app, body.node_id, &body.data, idem.as_deref()).await?;
    Ok(ok("ok"))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OnlineBody {
    pub node_id: i64,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<AliveIpEntry>,
}

/// Online users count and/or alive IPs.
#[utoipa::path(post, path = "/node/online", tag = "node", request_body = OnlineBody, security(("mu_key" = [])),
    responses((status = 200), (status = 404), (status = 422)))]
async fn online(
    State(app): State<AppState>,
    _key: NodeKey,
    ApiJson(body): ApiJson<OnlineBody>,
) -> ApiResult<axum::Json<Envelope<&'static str>>> {
    node::report_online(&app, body.node_id, body.count, &body.data).await?;
    Ok(ok("ok"))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HeartbeatBody {
    pub node_id: i64,
    #[serde(default)]
    pub uptime: f64,
    #[serde(default)]
    pub load: String,
}

/// Heartbeat: sets `node_heartbeat` and appends `node_info`.
#[utoipa::path(post, path = "/node/heartbeat", tag = "node", request_body = HeartbeatBody, security(("mu_key" = [])),
    responses((status = 200), (status = 404), (status = 422)))]
async fn heartbeat(
    State(app): State<AppState>,
    _key: NodeKey,
    ApiJson(body): ApiJson<HeartbeatBody>,
) -> ApiResult<axum::Json<Envelope<&'static str>>> {
    node::heartbeat(&app, body.node_id, body.uptime, &body.load).await?;
    Ok(ok("ok"))
}

/// The node's configuration, `custom_config` parsed.
#[utoipa::path(get, path = "/node/info/{node_id}", tag = "node", security(("mu_key" = [])),
    params(("node_id" = i64, Path)), responses((status = 200), (status = 404)))]
async fn info(
    State(app): State<AppState>,
    _key: NodeKey,
    Path(node_id): Path<i64>,
) -> ApiResult<axum::Json<Envelope<Value>>> {
    let node = node::usable_node(&app, node_id).await?;
    Ok(ok(node::seed_info(&node)))
}
