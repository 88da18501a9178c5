//! `/user/tickets`: a user's own support threads. Someone else's thread is a 404.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin::{self as svc, Thread, TicketView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, open))
        .routes(routes!(get_thread))
        .routes(routes!(reply))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenBody {
    #[schema(max_length = 200, pattern = r"[^\s\x85]")]
    pub title: String,
    #[schema(max_length = 20000, pattern = r"[^\s\x85]")]
    pub content: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplyBody {
    #[schema(max_length = 20000, pattern = r"[^\s\x85]")]
    pub content: String,
}

/// The caller's threads (roots), newest first.
#[utoipa::path(get, path = "/user/tickets", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Threads", body = Vec<TicketView>)))]
async fn list(
    State(app): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Envelope<Vec<TicketView>>>> {
    Ok(ok(svc::list_tickets(&app, Some(user.id)).await?))
}

/// Opens a thread.
#[utoipa::path(post, path = "/user/tickets", tag = "user", security(("bearer" = [])),
    request_body = OpenBody, responses((status = 200, description = "The thread", body = Thread)))]
async fn open(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<OpenBody>,
) -> ApiResult<Json<Envelope<Thread>>> {
    Ok(ok(svc::open_ticket(
        &app,
        user.id,
        &body.title,
        &body.content,
    )
    .await?))
}

/// One of the caller's threads.
#[utoipa::path(get, path = "/user/tickets/{id}", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "The thread", body = Thread),
        (status = 404, description = "Not the caller's thread")))]
async fn get_thread(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Envelope<Thread>>> {
    Ok(ok(svc::thread(&app, id, Some(user.id)).await?))
}

/// Replies to one of the caller's threads (reopening it if closed).
#[utoipa::path(post, path = "/user/tickets/{id}/reply", tag = "user", security(("bearer" = [])),
    request_body = ReplyBody, responses((status = 200, description = "The thread", body = Thread),
        (status = 404, description = "Not the caller's thread")))]
async fn reply(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<Json<Envelope<Thread>>> {
    Ok(ok(svc::reply_ticket(
        &app,
        user.id,
        false,
        id,
        &body.content,
    )
    .await?))
}
