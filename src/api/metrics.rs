//! `/metrics` (Prometheus text format) and the layer that counts requests per matched route.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::ApiError;
use crate::kv::KvState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Request counts and latency per route, job runs, e-mail, node notices, DB pool and Redis state.
/// With `SPANEL_METRICS_TOKEN` set, the scrape must carry it as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "A metrics token is configured and was not presented")))]
async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = app
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(presented.as_bytes().ct_eq(token.as_bytes())) {
            return ApiError::unauthorized("A valid metrics token is required.").into_response();
        }
    }
    let (size, idle) = crate::on_db!(&app.db, |p| (p.size() as f64, p.num_idle() as f64));
    let redis = match app.kv.state() {
        KvState::Ok => 1.0,
        KvState::Down => 0.0,
        KvState::Disabled => -1.0,
    };
    let text = crate::metrics::render(&[
        (
            "spanel_db_pool_connections",
            "Open database connections",
            size,
        ),
        ("spanel_db_pool_idle", "Idle database connections", idle),
        (
            "spanel_redis_up",
            "Redis state: 1 up, 0 down, -1 not configured (in-process fallback)",
            redis,
        ),
    ]);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Counts every request under its route template (never the raw path, which would explode the
/// label set); unmatched requests are counted as `unmatched`.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    crate::metrics::http_request(
        &method,
        &route,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}
