//! `/user/*`: the logged-in user's own account, usage, announcements and invitations.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiQuery;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::account::DayUsage;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::accounts::{self, InviteView, Me};
use crate::service::admin::Announcement;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(usage))
        .routes(routes!(announcements))
        .routes(routes!(invite))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// The account: class and expiry, traffic in bytes, balance, subscription links.
#[utoipa::path(get, path = "/user/me", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = Me),
        (status = 401, description = "Not logged in")))]
async fn me(State(app): State<AppState>, user: CurrentUser) -> Env<Me> {
    Ok(ok(accounts::me(&app, user.id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// How many days, 1 to 90 (default 30).
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
}

/// Upload and download per UTC day, in bytes: exactly `days` entries, oldest first, ending today.
#[utoipa::path(get, path = "/user/usage", tag = "user", security(("bearer" = [])),
    params(UsageQuery),
    responses((status = 200, description = "One entry per day", body = Vec<DayUsage>),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "`days` is not a number from 1 to 90")))]
async fn usage(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> Env<Vec<DayUsage>> {
    let now = chrono::Utc::now().timestamp();
    Ok(ok(accounts::usage(&app, user.id, q.days, now).await?))
}

/// Announcements, newest first.
#[utoipa::path(get, path = "/user/announcements", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Announcements", body = Vec<Announcement>),
        (status = 401, description = "Not logged in")))]
async fn announcements(State(app): State<AppState>, _user: CurrentUser) -> Env<Vec<Announcement>> {
    Ok(ok(crate::service::admin::announcements(&app).await?))
}

/// The caller's invite code and link, how many signed up with it, and the commissions earned.
#[utoipa::path(get, path = "/user/invite", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Invitations", body = InviteView),
        (status = 401, description = "Not logged in")))]
async fn invite(State(app): State<AppState>, user: CurrentUser) -> Env<InviteView> {
    Ok(ok(accounts::invite(&app, user.id).await?))
}
