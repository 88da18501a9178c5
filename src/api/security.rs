//! Account security: password change and reset, sign-up codes, two-factor login, login history,
//! log out everywhere; and the administrator's side of two-factor and login history.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiQuery, ClientIp};
use crate::app::AppState;
use crate::auth::{AdminUser, CurrentUser};
use crate::error::{ok, ApiResult, Envelope};
use crate::service::accounts::LoginToken;
use crate::service::admin::Page;
use crate::service::security::{self as svc, LoginView, TwoFactorSetup};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
        .routes(routes!(email_code))
        .routes(routes!(two_factor_setup))
        .routes(routes!(two_factor_enable))
        .routes(routes!(two_factor_disable))
        .routes(routes!(my_logins))
        .routes(routes!(logout_all))
        .routes(routes!(delete_me))
        .routes(routes!(admin_user_logins))
        .routes(routes!(admin_two_factor_disable))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

/// A confirmation without data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub done: bool,
}

/// The language of an e-mail sent for this request: the browser's first `Accept-Language`.
pub(crate) fn mail_language(headers: &HeaderMap) -> &'static str {
    crate::service::email_templates::language(
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    )
}

fn done() -> Env<Done> {
    Ok(ok(Done { done: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(min_length = 1)]
    pub current: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new: String,
}

/// Changes the password. Every earlier session token stops working; the answer carries a new one
/// for the caller.
#[utoipa::path(post, path = "/user/password", tag = "user", security(("bearer" = [])),
    request_body = ChangePassword,
    responses((status = 200, description = "Changed; a new token", body = LoginToken),
        (status = 401, description = "Not logged in"),
        (status = 422, description = "Wrong current password, or the new one is too short or long")))]
async fn change_password(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ChangePassword>,
) -> Env<LoginToken> {
    Ok(ok(svc::change_password(
        &app,
        user.id,
        &req.current,
        &req.new,
    )
    .await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    #[schema(
        max_length = 32,
        pattern = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s.\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@\s.\x00-\x1f\x7f-\x9f]$"
    )]
    pub email: String,
}

/// Sends a single-use reset link (valid one hour) if the address has an account; the answer is
/// the same whether it has or not. Limited per address and per client.
#[utoipa::path(post, path = "/auth/password/forgot", tag = "auth", request_body = ForgotPassword,
    responses((status = 200, description = "If the account exists, a link is on its way", body = Done),
        (status = 422, description = "Not an e-mail address"),
        (status = 429, description = "Too many requests for this address or from this client")))]
async fn forgot_password(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ForgotPassword>,
) -> Env<Done> {
    svc::forgot_password(&app, &req.email, &ip, mail_language(&headers)).await?;
    done()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The token of the e-mailed link.
    #[schema(max_length = 128, pattern = r"[^\s\x85]")]
    pub token: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// Sets a new password with a reset link's token. The link stops working, and so does every
/// session token of the account.
#[utoipa::path(post, path = "/auth/password/reset", tag = "auth", request_body = ResetPassword,
    responses((status = 200, description = "Password set; log in with it", body = Done),
        (status = 422, description = "Invalid, used or expired token, or an unacceptable password")))]
async fn reset_password(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ResetPassword>,
) -> Env<Done> {
    svc::reset_password(&app, &req.token, &req.password).await?;
    done()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailCodeRequest {
    #[schema(
        max_length = 32,
        pattern = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s.\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@\s.\x00-\x1f\x7f-\x9f]$"
    )]
    pub email: String,
}

/// E-mails a sign-up code (when the operator turned on `reg_email_verify`); registration then
/// takes it as `email_code`. Codes live `email_verify_ttl` seconds.
#[utoipa::path(post, path = "/auth/email/code", tag = "auth", request_body = EmailCodeRequest,
    responses((status = 200, description = "Sent", body = Done),
        (status = 409, description = "Already registered, or verification is off"),
        (status = 422, description = "Not an e-mail address"),
        (status = 429, description = "Too many codes for this address or from this client")))]
async fn email_code(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EmailCodeRequest>,
) -> Env<Done> {
    svc::send_email_code(&app, &req.email, &ip, mail_language(&headers)).await?;
    done()
}

/// Starts two-factor enrolment: a new secret (SSPanel's `ga_token`) and its `otpauth://` URI for
/// a QR code. Two-factor login stays off until `/user/2fa/enable` confirms a code.
#[utoipa::path(post, path = "/user/2fa/setup", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Scan it, then confirm a code", body = TwoFactorSetup),
        (status = 401, description = "Not logged in"),
        (status = 409, description = "Two-factor login is on: turn it off first")))]
async fn two_factor_setup(State(app): State<AppState>, user: CurrentUser) -> Env<TwoFactorSetup> {
    Ok(ok(svc::setup_two_factor(&app, user.id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorCode {
    /// Six digits from the authenticator app.
    pub code: String,
}

/// Turns two-factor login on after checking a current code.
#[utoipa::path(post, path = "/user/2fa/enable", tag = "user", security(("bearer" = [])),
    request_body = TwoFactorCode,
    responses((status = 200, description = "On", body = Done),
        (status = 401, description = "Not logged in"),
        (status = 409, description = "Already on"),
        (status = 422, description = "Wrong, expired or already used code")))]
async fn two_factor_enable(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<TwoFactorCode>,
) -> Env<Done> {
    svc::switch_two_factor(&app, user.id, &req.code, true).await?;
    done()
}

/// Turns two-factor login off after checking a current code.
#[utoipa::path(post, path = "/user/2fa/disable", tag = "user", security(("bearer" = [])),
    request_body = TwoFactorCode,
    responses((status = 200, description = "Off", body = Done),
        (status = 401, description = "Not logged in"),
        (status = 409, description = "Already off"),
        (status = 422, description = "Wrong, expired or already used code")))]
async fn two_factor_disable(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<TwoFactorCode>,
) -> Env<Done> {
    svc::switch_two_factor(&app, user.id, &req.code, false).await?;
    done()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginsQuery {
    pub page: Option<i64>,
    /// 1 to 200 (default 20).
    pub per_page: Option<i64>,
}

/// The caller's logins and failed attempts (SSPanel's `login_ip`), newest first.
#[utoipa::path(get, path = "/user/logins", tag = "user", security(("bearer" = [])),
    params(LoginsQuery),
    responses((status = 200, description = "A page of logins", body = Page<LoginView>),
        (status = 401, description = "Not logged in")))]
async fn my_logins(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<LoginsQuery>,
) -> Env<Page<LoginView>> {
    Ok(ok(svc::logins(&app, user.id, q.page, q.per_page).await?))
}

/// Ends every session of the account, this one included.
#[utoipa::path(post, path = "/user/logout-all", tag = "user", security(("bearer" = [])),
    responses((status = 200, description = "Every token of the account is revoked", body = Done),
        (status = 401, description = "Not logged in")))]
async fn logout_all(State(app): State<AppState>, user: CurrentUser) -> Env<Done> {
    svc::logout_everywhere(&app, user.id).await?;
    done()
}

/// A user's logins and failed attempts, newest first.
#[utoipa::path(get, path = "/admin/users/{id}/logins", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), LoginsQuery),
    responses((status = 200, description = "A page of logins", body = Page<LoginView>),
        (status = 403, description = "Not an administrator")))]
async fn admin_user_logins(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<LoginsQuery>,
) -> Env<Page<LoginView>> {
    Ok(ok(svc::logins(&app, id, q.page, q.per_page).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: String,
}

/// Turns a user's two-factor login off (a lost device); written to the admin log.
#[utoipa::path(post, path = "/admin/users/{id}/2fa/disable", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Reason,
    responses((status = 200, description = "Off", body = Done),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such user"),
        (status = 422, description = "A reason is required")))]
async fn admin_two_factor_disable(
    State(app): State<AppState>,
    admin: AdminUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<Reason>,
) -> Env<Done> {
    svc::admin_disable_two_factor(&app, admin.0.id, id, &req.reason).await?;
    done()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccount {
    #[schema(min_length = 1)]
    pub password: String,
}

/// Deletes the caller's account and its data (as PHP SSPanel's "kill"), when the operator allows
/// it (`enable_kill`). The password is required.
#[utoipa::path(delete, path = "/user/me", tag = "user", security(("bearer" = [])),
    request_body = DeleteAccount,
    responses((status = 200, description = "Deleted", body = Done),
        (status = 401, description = "Not logged in"),
        (status = 403, description = "Not allowed on this site, or an administrator"),
        (status = 422, description = "Wrong password")))]
async fn delete_me(
    State(app): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<DeleteAccount>,
) -> Env<Done> {
    svc::delete_account(&app, user.id, &req.password).await?;
    done()
}
