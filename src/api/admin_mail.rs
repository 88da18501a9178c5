//! `/admin/mail`: mass e-mail to a segment of users, through the e-mail queue.

use axum::extract::{Query, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin::Page;
use crate::service::admin_mail::{
    self as svc, MailListQuery, MailOutcome, MailRequest, MailingView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_mailings, send_mail))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// Mails a segment of users. With `dry_run` it only counts the recipients and shows a preview;
/// otherwise the mailing is recorded (and written to the admin log) and queued in batches. One
/// mailing per administrator per 5 minutes (429 otherwise).
#[utoipa::path(post, path = "/admin/mail", tag = "admin", security(("bearer" = [])),
    request_body = MailRequest,
    responses((status = 200, description = "Count, preview and (unless a dry run) the mailing", body = MailOutcome),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Invalid segment, subject or body, or an empty segment"),
        (status = 429, description = "Sent too recently")))]
async fn send_mail(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<MailRequest>,
) -> Env<MailOutcome> {
    let now = chrono::Utc::now().timestamp();
    Ok(ok(svc::send(&app, admin.id, body, now).await?))
}

/// The mailings sent, with how many messages each has queued.
#[utoipa::path(get, path = "/admin/mail", tag = "admin", security(("bearer" = [])),
    params(MailListQuery),
    responses((status = 200, description = "A page of mailings", body = Page<MailingView>),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Unknown sort or order")))]
async fn list_mailings(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<MailListQuery>,
) -> Env<Page<MailingView>> {
    Ok(ok(svc::list(&app, &q).await?))
}
