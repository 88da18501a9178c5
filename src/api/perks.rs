//! `/user/checkin`, `/user/redeem` and the administrators' redeem codes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::{AdminUser, CurrentUser};
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin::Page;
use crate::service::perks::{self as svc, CheckIn, CodeView, CreatedCodes, NewCodes, Redeemed};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_in))
        .routes(routes!(redeem))
        .routes(routes!(list_codes, create_codes))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// Daily check-in: once per calendar day (panel time zone), a random amount of traffic in the
/// operator's range (`checkin_min`..`checkin_max` MB).
#[utoipa::path(post, path = "/user/checkin", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Traffic added", body = CheckIn),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Check-in is turned off"),
        (status = 409, description = "Already checked in today")))]
async fn check_in(State(app): State<AppState>, user: CurrentUser) -> Env<CheckIn> {
    Ok(ok(svc::check_in(&app, user.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    #[schema(pattern = r"[^\s\x85]")]
    pub code: String,
}

/// Redeems a code (SSPanel's `code` table): balance, traffic, account days or a class. Each code
/// works once.
#[utoipa::path(post, path = "/user/redeem", tag = "user", security(("bearer" = [])),
    request_body = RedeemRequest,
    responses((status = 200, description = "Redeemed", body = Redeemed),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "Unknown or already used code")))]
async fn redeem(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<RedeemRequest>,
) -> Env<Redeemed> {
    Ok(ok(svc::redeem(&app, user.id, &req.code).await?))
}

/// Creates a batch of codes; the answer lists them (the only time they are shown together).
#[utoipa::path(post, path = "/admin/codes", tag = "admin", security(("bearer" = [])),
    request_body = NewCodes,
    responses((status = 201, description = "Created", body = CreatedCodes),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Invalid count, amount, type or prefix")))]
async fn create_codes(
    State(app): State<AppState>,
    admin: AdminUser,
    ApiJson(req): ApiJson<NewCodes>,
) -> ApiResult<(StatusCode, Json<Envelope<CreatedCodes>>)> {
    Ok((
        StatusCode::CREATED,
        ok(svc::create_codes(&app, admin.0.id, req).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodesQuery {
    /// Only used (true) or unused (false) codes.
    pub used: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Codes, newest first, used or not (gateway top-ups are recorded in the same table).
#[utoipa::path(get, path = "/admin/codes", tag = "admin", security(("bearer" = [])),
    params(CodesQuery),
    responses((status = 200, description = "A page of codes", body = Page<CodeView>),
        (status = 403, description = "Not an administrator")))]
async fn list_codes(
    State(app): State<AppState>,
    _a: AdminUser,
    ApiQuery(q): ApiQuery<CodesQuery>,
) -> Env<Page<CodeView>> {
    Ok(ok(svc::list_codes(&app, q.used, q.page, q.per_page).await?))
}
