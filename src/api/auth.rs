//! `/auth/register` and `/auth/login`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ClientIp};
use crate::app::AppState;
use crate::error::{ok, ApiResult};
use crate::service::accounts::{self, LoginToken, SignUp};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// At most 32 characters (SSPanel's column).
    #[schema(
        max_length = 32,
        pattern = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s.\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@\s.\x00-\x1f\x7f-\x9f]$"
    )]
    pub email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[serde(default)]
    #[schema(max_length = 128, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub user_name: Option<String>,
    /// Required when `reg_mode` is `invite`; optional otherwise.
    #[serde(default, alias = "code")]
    pub invite_code: Option<String>,
    /// The code from `POST /auth/email/code`; required when the operator turned on
    /// `reg_email_verify`.
    #[serde(default)]
    pub email_code: Option<String>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Registered {
    pub user_id: i64,
}

/// Create an account.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, description = "Created", body = Registered),
        (status = 409, description = "E-mail already registered"),
        (status = 422, description = "Invalid field, or an invite or e-mail code that is unknown, used up or wrong")))]
async fn register(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, axum::Json<crate::error::Envelope<Registered>>)> {
    let user_id = accounts::register(
        &app,
        SignUp {
            email: &req.email,
            password: &req.password,
            user_name: req.user_name.as_deref(),
            invite_code: req.invite_code.as_deref(),
            email_code: req.email_code.as_deref(),
            ip: &ip,
            as_admin: false,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, ok(Registered { user_id })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(pattern = r"[^\s\x85]")]
    pub email: String,
    #[schema(min_length = 1)]
    pub password: String,
    /// The authenticator app's current code, for accounts with two-factor login on (a 422 on
    /// this field asks for it).
    #[serde(default)]
    pub two_factor_code: Option<String>,
}

/// Log in; returns a JWT for `Authorization: Bearer`.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginToken),
        (status = 401, description = "Wrong e-mail, password or two-factor code"),
        (status = 422, description = "A field is missing (`two_factor_code` when the account has two-factor login on)"),
        (status = 429, description = "Too many attempts")))]
async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<crate::error::Envelope<LoginToken>>> {
    Ok(ok(accounts::login(
        &app,
        &req.email,
        &req.password,
        req.two_factor_code.as_deref(),
        &ip,
        super::security::mail_language(&headers),
    )
    .await?))
}
