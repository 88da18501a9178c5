//! `/user/me`: the logged-in user's own account.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::accounts::{self, Me};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The account: class and expiry, traffic in bytes, balance, subscription links.
#[utoipa::path(get, path = "/user/me", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = Me),
        (status = 401, description = "Not logged in")))]
async fn me(State(app): State<AppState>, user: CurrentUser) -> ApiResult<axum::Json<Envelope<Me>>> {
    Ok(ok(accounts::me(&app, user.id).await?))
}
