//! HTTP: one module per area, each exporting `router()`; this file assembles them with the
//! cross-cutting layers (request ids, tracing, body limits, panics) and the OpenAPI document.

pub mod admin;
pub mod admin_shop;
pub mod auth;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod mod_mu;
pub mod node;
pub mod payment;
pub mod perks;
pub mod qr;
pub mod security;
pub mod selfservice;
pub mod shop;
pub mod sub;
pub mod tickets;
pub mod user;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "spanel", description = "SSPanel-UIM compatible panel backend. Every `/app/api/v0` \
        answer is an envelope: `{\"ret\":1,\"msg\":\"ok\",\"data\":…}` on success, \
        `{\"ret\":0,\"msg\":…,\"data\":null}` (plus `errors` for field validation) on failure."),
    modifiers(&SecuritySchemes),
    tags((name = "auth"), (name = "user"), (name = "shop"), (name = "payment"), (name = "subscription"), (name = "node"), (name = "mod_mu"), (name = "admin"), (name = "ops"))
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "mu_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("Key"))),
        );
    }
}

/// The `/app/api/v0` routes of every area.
fn v0(debug: bool) -> OpenApiRouter<AppState> {
    let v0 = OpenApiRouter::new()
        .merge(auth::router())
        .merge(user::router())
        .merge(security::router())
        .merge(perks::router())
        .merge(selfservice::router())
        .merge(node::router())
        .merge(tickets::router())
        .merge(admin::router())
        .merge(shop::router())
        .merge(admin_shop::router())
        .merge(sub::v0_router())
        .merge(payment::router());
    if debug {
        v0.merge(payment::debug_router())
    } else {
        v0
    }
}

/// Every route; the debug-only ones are included only when `debug` is on.
pub fn openapi_router_for(debug: bool) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/app/api/v0", v0(debug))
        .merge(health::router())
        .merge(qr::router())
        .merge(mod_mu::router())
        .merge(metrics::router())
        .merge(sub::router())
}

pub fn openapi_router() -> OpenApiRouter<AppState> {
    openapi_router_for(false)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_router().into_openapi()
}

pub fn router(state: AppState) -> Router {
    let (routes, api) = openapi_router_for(state.config.debug).split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            // The span holds the path only: query strings can carry node keys.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static("key"),
        ]))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("No such endpoint.")
}

async fn method_not_allowed() -> Response {
    let body = axum::Json(
        serde_json::json!({"ret": 0, "msg": "Method not allowed for this endpoint.", "data": null}),
    );
    (StatusCode::METHOD_NOT_ALLOWED, body).into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
