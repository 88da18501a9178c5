//! `/admin/detect-rules`, `/admin/detect-logs`: the audit rules nodes enforce and their hits.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::admin::Page;
use crate::service::admin_detect::{self as svc, DetectHit, DetectRule, RuleInput};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule, delete_rule))
        .routes(routes!(list_hits))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct RuleQuery {
    /// id (default), name or type.
    #[param(value_type = Option<crate::service::doc::RuleSort>, inline)]
    pub sort: Option<String>,
    /// asc (default) or desc.
    #[param(value_type = Option<crate::service::doc::SortOrder>, inline)]
    pub order: Option<String>,
    pub page: Option<i64>,
    /// At most 200.
    pub per_page: Option<i64>,
}

/// The audit rules (`detect_list`).
#[utoipa::path(get, path = "/admin/detect-rules", tag = "admin", security(("bearer" = [])),
    params(RuleQuery), responses((status = 200, description = "A page of rules", body = Page<DetectRule>),
        (status = 403, description = "Not an administrator")))]
async fn list_rules(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<RuleQuery>,
) -> Env<Page<DetectRule>> {
    let page = svc::list_rules(
        &app,
        q.sort.as_deref(),
        q.order.as_deref(),
        q.page,
        q.per_page,
    )
    .await?;
    Ok(ok(page))
}

/// Adds a rule; a pattern node backends (Go, RE2 syntax) cannot compile is refused with the reason.
#[utoipa::path(post, path = "/admin/detect-rules", tag = "admin", security(("bearer" = [])),
    request_body = RuleInput, responses((status = 201, description = "The rule", body = DetectRule),
        (status = 422, description = "Invalid field, such as a pattern RE2 cannot compile")))]
async fn create_rule(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<RuleInput>,
) -> ApiResult<(StatusCode, Json<Envelope<DetectRule>>)> {
    let rule = svc::save_rule(&app, admin.id, None, body).await?;
    Ok((StatusCode::CREATED, ok(rule)))
}

/// Replaces a rule (checked like a new one).
#[utoipa::path(put, path = "/admin/detect-rules/{id}", tag = "admin", security(("bearer" = [])),
    request_body = RuleInput, responses((status = 200, description = "The rule", body = DetectRule),
        (status = 404, description = "No such rule"), (status = 422, description = "Invalid field")))]
async fn update_rule(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RuleInput>,
) -> Env<DetectRule> {
    Ok(ok(svc::save_rule(&app, admin.id, Some(id), body).await?))
}

/// Deletes a rule and its hits.
#[utoipa::path(delete, path = "/admin/detect-rules/{id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Deleted"), (status = 404, description = "No such rule")))]
async fn delete_rule(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> Env<()> {
    svc::delete_rule(&app, admin.id, id).await?;
    Ok(ok(()))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HitQuery {
    #[param(minimum = 0)]
    pub user_id: Option<i64>,
    #[param(minimum = 0)]
    pub node_id: Option<i64>,
    #[param(minimum = 0)]
    pub rule_id: Option<i64>,
    pub page: Option<i64>,
    /// At most 200.
    pub per_page: Option<i64>,
}

/// Hits of the audit rules (`detect_log`), newest first, by user, node and rule.
#[utoipa::path(get, path = "/admin/detect-logs", tag = "admin", security(("bearer" = [])),
    params(HitQuery), responses((status = 200, description = "A page of hits", body = Page<DetectHit>),
        (status = 422, description = "A negative id")))]
async fn list_hits(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<HitQuery>,
) -> Env<Page<DetectHit>> {
    let id = |field: &str, v: Option<i64>| match v {
        Some(n) if n < 0 => Err(ApiError::invalid(field, "A positive id.")),
        other => Ok(other.unwrap_or(0)),
    };
    let filter = svc::HitQuery {
        user_id: id("user_id", q.user_id)?,
        node_id: id("node_id", q.node_id)?,
        rule_id: id("rule_id", q.rule_id)?,
    };
    Ok(ok(svc::list_hits(&app, filter, q.page, q.per_page).await?))
}
