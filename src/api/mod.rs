//! HTTP: one module per area, each exporting `router()`; this file assembles them with the
//! cross-cutting layers (request ids, tracing, body limits, panics) and the OpenAPI document.

pub mod admin;
pub mod admin_charts;
pub mod admin_detect;
pub mod admin_gateways;
pub mod admin_invites;
pub mod admin_mail;
pub mod admin_settings;
pub mod admin_shop;
pub mod admin_users;
pub mod auth;
pub mod checkout;
pub mod contract;
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
        .merge(admin_charts::router())
        .merge(admin_users::router())
        .merge(admin_detect::router())
        .merge(admin_gateways::router())
        .merge(admin_mail::router())
        .merge(admin_invites::router())
        .merge(shop::router())
        .merge(admin_shop::router())
        .merge(sub::v0_router())
        .merge(payment::router())
        .merge(checkout::router());
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

/// The OpenAPI document as served at `/openapi.json`.
pub fn openapi() -> serde_json::Value {
    contract::finish(openapi_router().into_openapi())
}

pub fn router(state: AppState) -> Router {
    let (routes, api) = openapi_router_for(state.config.debug).split_for_parts();
    let api = contract::finish(api);
    let request_id = HeaderName::from_static("x-request-id");
    routes
        .merge(SwaggerUi::new("/docs").external_url_unchecked("/openapi.json", api))
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(enveloped_rejections))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            // The span holds the path only (query strings can carry node keys), with the
            // subscription tokens in it masked.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let path = redact_path(req.uri().path());
                tracing::info_span!("http", method = %req.method(), path = %path, request_id = %id)
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

/// The path as logged: the token of `/sub/{token}…` and `/link/{token}` (a subscription is as
/// good as a password) replaced by `***`.
fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/sub/", "/link/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}***{tail}").into();
        }
    }
    path.into()
}

/// axum answers a path or query it cannot parse (`/payment/status/abc`, `?page=abc`) in plain
/// text; API clients get the envelope like every other error.
async fn enveloped_rejections(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    let api = {
        let path = req.uri().path();
        // Gateway notifications are answered in each gateway's own words, never enveloped.
        (path.starts_with("/app/api/") && !path.starts_with("/app/api/v0/payment/notify/"))
            || path.starts_with("/mod_mu/")
    };
    let response = next.run(req).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(api && plain && response.status().is_client_error()) {
        return response;
    }
    let status = response.status();
    let gzipped = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let bytes = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    let text = if gzipped {
        // The node APIs compress what they answer, rejections included.
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain)
            .map(|_| plain)
            .unwrap_or_default()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let text = text.trim().to_string();
    let msg = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("Bad request.")
            .to_string()
    } else {
        text
    };
    (
        status,
        axum::Json(serde_json::json!({"ret": 0, "msg": msg, "data": null})),
    )
        .into_response()
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
    ApiError::from(anyhow::anyhow!("handler panicked")).into_response()
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn subscription_tokens_are_masked_in_logged_paths() {
        assert_eq!(redact_path("/sub/abc123"), "/sub/***");
        assert_eq!(redact_path("/sub/abc123/clash"), "/sub/***/clash");
        assert_eq!(redact_path("/link/abc123"), "/link/***");
        assert_eq!(redact_path("/link/abc123?x=1"), "/link/***");
        assert_eq!(redact_path("/app/api/v0/user/me"), "/app/api/v0/user/me");
        assert_eq!(redact_path("/subscription"), "/subscription");
    }
}
