//! SSPanel's node WebAPI, `/mod_mu/*`, in the exact shapes XrayR, V2bX and SSR manyuser read:
//! `{"ret":1,"data":…}` on success (`"data":"ok"` when there is nothing to return), domain errors
//! as HTTP 200 `{"ret":0,"msg":…}`, a bad key as 401, a database outage as 503 (clients retry).

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ClientIp, IdempotencyKey};
use super::node::conditional;
use crate::app::AppState;
use crate::auth::NodeKey;
use crate::domain::node::{parse_node_status, AliveIpEntry};
use crate::service::node::{self, Flavour, NodeError, Rendered};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users))
        .routes(routes!(traffic))
        .routes(routes!(alive_ip))
        .routes(routes!(detect_log))
        .routes(routes!(node_info, post_node_info))
        .routes(routes!(nodes))
        .routes(routes!(detect_rules))
        .routes(routes!(ping))
        // Answers are gzip-compressed for clients that accept it; cached users lists carry their
        // own compressed copy and pass through untouched.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
}

fn ok_data(data: Value) -> Response {
    Json(json!({"ret": 1, "data": data})).into_response()
}

fn ok_plain() -> Response {
    ok_data(Value::from("ok"))
}

fn failure(err: NodeError) -> Response {
    let status = match err {
        NodeError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    };
    (status, Json(json!({"ret": 0, "msg": err.to_string()}))).into_response()
}

fn respond(result: Result<Response, NodeError>) -> Response {
    result.unwrap_or_else(failure)
}

/// A `/mod_mu` caller: a valid MU key and, with `check_node_ip` on, a known node address.
pub struct MuCaller;

impl FromRequestParts<AppState> for MuCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        // SSPanel's exact refusal: two keys, no `data` (SSR reads `ret` first).
        NodeKey::from_request_parts(parts, app).await.map_err(|_| {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"ret": 0, "msg": "Invalid request."})),
            )
                .into_response()
        })?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        match node::caller_allowed(app, &ip).await {
            Ok(true) => Ok(MuCaller),
            Ok(false) => Err((
                StatusCode::UNAUTHORIZED,
                Json(json!({"ret": 0, "msg": "Invalid request IP."})),
            )
                .into_response()),
            // The database is down: say so (503), not that the node's address is unknown.
            Err(e) => Err(failure(e)),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NodeIdQuery {
    pub node_id: Option<String>,
}

fn node_id(q: &NodeIdQuery) -> Result<i64, NodeError> {
    q.node_id
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or(NodeError::NotFound)
}

/// `{"data":[…]}` of a report body, or "Invalid data.".
fn report_data(body: &Bytes) -> Result<Value, NodeError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| NodeError::InvalidData("body is not JSON".into()))?;
    match v.get("data") {
        Some(d @ Value::Array(_)) => Ok(d.clone()),
        _ => Err(NodeError::InvalidData("data must be an array".into())),
    }
}

/// Users of the node, in the fields its `sort` needs.
#[utoipa::path(get, path = "/mod_mu/users", tag = "mod_mu", params(NodeIdQuery),
    responses((status = 200), (status = 304), (status = 401)))]
async fn users(
    State(app): State<AppState>,
    _caller: MuCaller,
    Query(q): Query<NodeIdQuery>,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
            let rendered = node::user_list(&app, Flavour::ModMu, node_id(&q)?).await?;
            Ok(conditional(rendered, &headers))
        }
        .await,
    )
}

/// The body of a `/mod_mu` report.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReportBody {
    #[schema(value_type = Vec<Object>)]
    data: Vec<Value>,
}

/// Traffic report `{"data":[{"user_id","u","d"}]}`.
/// Each `u` and `d` is at most 2^50 bytes. An `Idempotency-Key` header makes a resent report count
/// once (see `POST /app/api/v0/node/traffic`).
#[utoipa::path(post, path = "/mod_mu/users/traffic", tag = "mod_mu", request_body = ReportBody,
    params(NodeIdQuery, ("Idempotency-Key" = Option<String>, Header, description = "Makes a resent report count once: 1–128 visible ASCII characters, unique per report and node, remembered for a day.")),
    responses((status = 200), (status = 401), (status = 503)))]
async fn traffic(
    State(app): State<AppState>,
    _caller: MuCaller,
    Query(q): Query<NodeIdQuery>,
    IdempotencyKey(idem): IdempotencyKey,
    body: Bytes,
) -> Response {
    respond(
        async {
            let id = node_id(&q)?;
            node::report_traffic(&app, id, &report_data(&body)?, idem.as_deref()).await?;
            Ok(ok_plain())
        }
        .await,
    )
}

/// Alive IPs `{"data":[{"user_id","ip"}]}`.
#[utoipa::path(post, path = "/mod_mu/users/aliveip", tag = "mod_mu", params(NodeIdQuery), request_body = ReportBody,
    responses((status = 200), (status = 401)))]
async fn alive_ip(
    State(app): State<AppState>,
    _caller: MuCaller,
    Query(q): Query<NodeIdQuery>,
    body: Bytes,
) -> Response {
    respond(
        async {
            let id = node_id(&q)?;
            let entries: Vec<AliveIpEntry> = serde_json::from_value(report_data(&body)?)
                .map_err(|e| NodeError::InvalidData(e.to_string()))?;
            node::report_online(&app, id, None, &entries).await?;
            Ok(ok_plain())
        }
        .await,
    )
}

/// Detect-rule hits `{"data":[{"user_id","list_id"}]}`.
#[utoipa::path(post, path = "/mod_mu/users/detectlog", tag = "mod_mu", params(NodeIdQuery), request_body = ReportBody,
    responses((status = 200), (status = 401)))]
async fn detect_log(
    State(app): State<AppState>,
    _caller: MuCaller,
    Query(q): Query<NodeIdQuery>,
    body: Bytes,
) -> Response {
    respond(
        async {
            let id = node_id(&q)?;
            node::report_detect_log(&app, id, &report_data(&body)?).await?;
            Ok(ok_plain())
        }
        .await,
    )
}

fn rendered_json(v: &Value) -> Rendered {
    Rendered::from_json(&serde_json::to_vec(v).unwrap_or_default())
}

/// The node's configuration for XrayR (`custom_config` parsed, `version`).
#[utoipa::path(get, path = "/mod_mu/nodes/{id}/info", tag = "mod_mu", params(("id" = i64, Path)),
    responses((status = 200), (status = 304), (status = 401)))]
async fn node_info(
    State(app): State<AppState>,
    _caller: MuCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
            let id: i64 = id.parse().map_err(|_| NodeError::NotFound)?;
            let node = node::usable_node(&app, id).await?;
            let body = json!({"ret": 1, "data": node::mod_mu_info(&app, &node)});
            Ok(conditional(rendered_json(&body), &headers))
        }
        .await,
    )
}

/// Legacy status post `{"uptime":"1234.5","load":"0.10 0.20 0.30\n"}` (strings or numbers; a form
/// body too): a heartbeat.
#[utoipa::path(post, path = "/mod_mu/nodes/{id}/info", tag = "mod_mu", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200), (status = 401)))]
async fn post_node_info(
    State(app): State<AppState>,
    _caller: MuCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            let id: i64 = id.parse().map_err(|_| NodeError::NotFound)?;
            let form = headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            let status = parse_node_status(&body, form).map_err(NodeError::InvalidData)?;
            node::heartbeat(&app, id, status.uptime, &status.load).await?;
            Ok(ok_plain())
        }
        .await,
    )
}

/// Legacy list of enabled nodes (SSR reads `node_ip`).
#[utoipa::path(get, path = "/mod_mu/nodes", tag = "mod_mu", responses((status = 200), (status = 401)))]
async fn nodes(State(app): State<AppState>, _caller: MuCaller) -> Response {
    respond(node::legacy_node_list(&app).await.map(ok_data))
}

/// Audit rules (`detect_list`).
#[utoipa::path(get, path = "/mod_mu/func/detect_rules", tag = "mod_mu",
    responses((status = 200), (status = 304), (status = 401)))]
async fn detect_rules(
    State(app): State<AppState>,
    _caller: MuCaller,
    headers: HeaderMap,
) -> Response {
    respond(
        async {
            let rules = node::detect_rules(&app).await?;
            let body = json!({"ret": 1, "data": rules});
            Ok(conditional(rendered_json(&body), &headers))
        }
        .await,
    )
}

/// `{"ret":1,"data":"pong"}`.
#[utoipa::path(get, path = "/mod_mu/func/ping", tag = "mod_mu", responses((status = 200), (status = 401)))]
async fn ping(_caller: MuCaller) -> Response {
    ok_data(Value::from("pong"))
}
