//! `/admin/invites` and `/admin/commissions`: who invited whom and what it paid (read-only).

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin::Page;
use crate::service::admin_invites::{
    self as svc, CommissionPage, CommissionQuery, InviteeView, InviterQuery, InviterView,
    PeriodQuery, PeriodReport,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_inviters))
        .routes(routes!(list_invitees))
        .routes(routes!(list_commissions))
        .routes(routes!(commission_periods))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Invite codes with their owner, invitations left, how many signed up with each and the
/// commissions paid to its owner in the period.
#[utoipa::path(get, path = "/admin/invites", tag = "admin", security(("bearer" = [])),
    params(InviterQuery),
    responses((status = 200, description = "A page of inviters", body = Page<InviterView>),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Bad sort, order or date")))]
async fn list_inviters(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<InviterQuery>,
) -> Env<Page<InviterView>> {
    Ok(ok(svc::inviters(&app, &q, now()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The users who signed up with this user's invitation, newest first.
#[utoipa::path(get, path = "/admin/invites/{user_id}/invitees", tag = "admin",
    security(("bearer" = [])), params(("user_id" = i64, Path, description = "The inviter"), PageQuery),
    responses((status = 200, description = "A page of invited users", body = Page<InviteeView>),
        (status = 403, description = "Not an administrator")))]
async fn list_invitees(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(user_id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Env<Page<InviteeView>> {
    Ok(ok(svc::invitees(&app, user_id, q.page, q.per_page).await?))
}

/// Commission payments (SSPanel's `payback`), filtered by inviter, payer and days, with the totals
/// of everything the filter matches.
#[utoipa::path(get, path = "/admin/commissions", tag = "admin", security(("bearer" = [])),
    params(CommissionQuery),
    responses((status = 200, description = "A page of commissions", body = CommissionPage),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Bad sort, order or date")))]
async fn list_commissions(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<CommissionQuery>,
) -> Env<CommissionPage> {
    Ok(ok(svc::commissions(&app, &q, now()).await?))
}

/// Commission totals per day, week or month (UTC), every period of the range listed.
#[utoipa::path(get, path = "/admin/commissions/periods", tag = "admin", security(("bearer" = [])),
    params(PeriodQuery),
    responses((status = 200, description = "Totals per period", body = PeriodReport),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Bad period or range")))]
async fn commission_periods(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<PeriodQuery>,
) -> Env<PeriodReport> {
    Ok(ok(svc::per_period(&app, &q, now()).await?))
}
