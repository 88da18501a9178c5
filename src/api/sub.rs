//! Subscriptions: `/sub/{token}` (format from `?target=`, the path or the User-Agent), SSPanel's
//! classic `/link/{token}?sub=…` forms, and `/user/sub/reset` (mounted under v0).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ClientIp;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::subscription::{uri, Target};
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::accounts::SubscriptionLinks;
use crate::service::subscription::{self as service, Request, Subscription};

/// Top-level routes (`/sub`, `/link`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sub))
        .routes(routes!(sub_target))
        .routes(routes!(classic))
}

/// `/app/api/v0` routes.
pub fn v0_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset))
}

fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn respond(s: Subscription) -> Response {
    let filename = format!(
        "attachment; filename*=UTF-8''{}.{}",
        uri::enc(&s.site),
        s.target.extension()
    );
    let mut resp = (StatusCode::OK, s.body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(s.target.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&s.usage.header()) {
        h.insert("subscription-userinfo", v);
    }
    h.insert("profile-update-interval", HeaderValue::from_static("24"));
    if let Ok(v) = HeaderValue::from_str(&filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn serve(
    app: &AppState,
    token: &str,
    target: Option<Target>,
    headers: &HeaderMap,
    ip: &str,
) -> ApiResult<Response> {
    let s = service::fetch(
        app,
        Request {
            token,
            target,
            user_agent: user_agent(headers),
            ip,
        },
    )
    .await?;
    Ok(respond(s))
}

fn parse_target(name: &str) -> ApiResult<Target> {
    Target::parse(name).ok_or_else(|| {
        ApiError::bad_request(
            "Unknown target: use clash, singbox, base64, v2rayn, shadowrocket, quanx, surge or sip008.",
        )
    })
}

/// A subscription. Format from `?target=`, else from the User-Agent (base64 URI list by
/// default). Headers: `subscription-userinfo`, `profile-update-interval`, `content-disposition`.
#[utoipa::path(get, path = "/sub/{token}", tag = "subscription",
    params(("token" = String, Path), ("target" = Option<String>, Query,
        description = "clash, singbox, base64, v2rayn, shadowrocket, quanx, surge, sip008")),
    responses((status = 200, description = "The subscription in the client's format: YAML for Clash, JSON for sing-box and SIP008, text otherwise", content((String = "text/plain"), (Object = "text/yaml"), (Object = "application/json"))),
        (status = 400, description = "Unknown target"),
        (status = 404, description = "Unknown or disabled token"),
        (status = 429, description = "Too many fetches for this token")))]
async fn sub(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let target = match q.get("target").filter(|t| !t.is_empty()) {
        Some(t) => Some(parse_target(t)?),
        None => None,
    };
    serve(&app, &token, target, &headers, &ip).await
}

/// A subscription in an explicit format.
#[utoipa::path(get, path = "/sub/{token}/{target}", tag = "subscription",
    params(("token" = String, Path), ("target" = String, Path)),
    responses((status = 200, description = "The subscription: YAML for Clash, JSON for sing-box and SIP008, text otherwise", content((String = "text/plain"), (Object = "text/yaml"), (Object = "application/json"))),
        (status = 400, description = "Unknown target"),
        (status = 404, description = "Unknown or disabled token"),
        (status = 429, description = "Too many fetches for this token")))]
async fn sub_target(
    State(app): State<AppState>,
    Path((token, target)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let target = parse_target(&target)?;
    serve(&app, &token, Some(target), &headers, &ip).await
}

/// SSPanel's classic link: `?sub=1` (SS/SSR list), `?sub=3` (VMess list), `?clash=1`,
/// `?surge=N`, `?quantumult=N`, `?list=…`; without one of those, like `/sub/{token}`.
#[utoipa::path(get, path = "/link/{token}", tag = "subscription",
    params(("token" = String, Path)),
    responses((status = 200, description = "The subscription: YAML for Clash, JSON for sing-box and SIP008, text otherwise", content((String = "text/plain"), (Object = "text/yaml"), (Object = "application/json"))),
        (status = 404, description = "Unknown or disabled token"),
        (status = 429, description = "Too many fetches for this token")))]
async fn classic(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let target = match Target::from_classic_query(&q) {
        Some(t) => Some(t),
        None => match q.get("target").filter(|t| !t.is_empty()) {
            Some(t) => Some(parse_target(t)?),
            None => None,
        },
    };
    serve(&app, &token, target, &headers, &ip).await
}

/// Replaces the subscription token; links with the old one stop working at once.
#[utoipa::path(post, path = "/user/sub/reset", tag = "subscription", security(("bearer" = [])),
    responses((status = 200, description = "The new links", body = SubscriptionLinks),
        (status = 401, description = "Not logged in")))]
async fn reset(
    State(app): State<AppState>,
    user: CurrentUser,
) -> ApiResult<axum::Json<Envelope<SubscriptionLinks>>> {
    Ok(ok(service::reset_token(&app, user.id).await?))
}
