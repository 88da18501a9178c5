//! The web UI: `web/` embedded at build time (read from disk in debug builds), served at `/` and
//! `/assets/*`. Routing happens in the browser (`/#/…`); SSPanel's own entry paths (`/admin`,
//! `/user`, reset links, payment returns) redirect into it.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;
use tower_http::compression::CompressionLayer;

use crate::error::ApiError;

#[derive(RustEmbed)]
// Only `index.html` and `assets/` are reachable through the routes below.
#[folder = "web/"]
struct Assets;

/// Everything the UI loads comes from spanel itself; pages build the DOM without inline scripts.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .route("/user/payment/return/{gateway}", get(payment_return))
        .route("/password/token/{token}", get(password_reset_link))
        // SSPanel's operators and users type these into the address bar.
        .route("/admin", get(admin_console))
        .route("/admin/", get(admin_console))
        .route("/user", get(user_center))
        .route("/user/", get(user_center))
        // Only the UI's files are compressed; API answers are small or latency-bound.
        .layer(CompressionLayer::new())
}

/// Where gateways send the payer back after paying (the `return_url` of every order): the order
/// history, which shows the order once the gateway's callback has credited it.
async fn payment_return() -> Redirect {
    Redirect::to("/#/orders")
}

/// PHP SSPanel's reset links (`/password/token/{token}`), still in inboxes after a switch.
async fn password_reset_link(Path(token): Path<String>) -> Redirect {
    let token: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(128)
        .collect();
    Redirect::to(&format!("/#/reset-password?token={token}"))
}

/// SSPanel's `/admin`: the console (the UI asks a signed-out visitor to log in first).
async fn admin_console() -> Redirect {
    Redirect::to("/#/admin")
}

/// SSPanel's `/user`: the user center.
async fn user_center() -> Redirect {
    Redirect::to("/#/dashboard")
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&format!("assets/{path}"), &headers)
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    let Some(file) = Assets::get(path) else {
        return ApiError::not_found("No such file.").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = file.data.into_owned().into_response();
        let mime = file.metadata.mimetype();
        let text =
            mime.starts_with("text/") || mime.ends_with("javascript") || mime.ends_with("json");
        let content_type = if text {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_string()
        };
        if let Ok(v) = HeaderValue::from_str(&content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    let h = resp.headers_mut();
    // Asset names are not versioned: the browser revalidates each time and gets 304s.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path == "index.html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    resp
}
