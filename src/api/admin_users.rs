//! `/admin/users*`: user administration. Every handler takes `AdminUser`; every change is logged.

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
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin::Page;
use crate::service::admin_users::{
    self as svc, AdminUserView, CreatedUser, UserInput, UserRecord, UserSearch,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, edit_user))
        .routes(routes!(enable_user))
        .routes(routes!(ban_user))
        .routes(routes!(reset_password))
        .routes(routes!(reset_traffic))
        .routes(routes!(user_records))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserQuery {
    /// Part of the e-mail or name; an exact id or port; or an IP address the user connected
    /// from (`alive_ip`), logged in from (`login_ip`) or signed up from.
    #[serde(default)]
    pub q: String,
    /// id (default), email, user_name, reg_date, class, class_expire, expire_in, money, traffic,
    /// transfer_enable, port, last_used.
    #[param(value_type = Option<crate::service::doc::UserSort>, inline)]
    pub sort: Option<String>,
    /// asc or desc (default).
    #[param(value_type = Option<crate::service::doc::SortOrder>, inline)]
    pub order: Option<String>,
    pub page: Option<i64>,
    /// At most 200.
    pub per_page: Option<i64>,
}

/// Searches users.
#[utoipa::path(get, path = "/admin/users", tag = "admin", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, description = "A page of users", body = Page<AdminUserView>),
        (status = 403, description = "Not an administrator"),
        (status = 422, description = "Unknown sort key or order")))]
async fn list_users(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<UserQuery>,
) -> Env<Page<AdminUserView>> {
    let search = UserSearch {
        q: &q.q,
        sort: q.sort.as_deref(),
        order: q.order.as_deref(),
        page: q.page,
        per_page: q.per_page,
    };
    Ok(ok(svc::search_users(&app, search).await?))
}

/// Creates an account with the sign-up defaults and the given plan fields (`email` required; a
/// password is generated and returned once when absent).
#[utoipa::path(post, path = "/admin/users", tag = "admin", security(("bearer" = [])),
    request_body = UserInput,
    responses((status = 201, description = "The account", body = CreatedUser),
        (status = 409, description = "E-mail already registered"),
        (status = 422, description = "Invalid field")))]
async fn create_user(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<Envelope<CreatedUser>>)> {
    let created = svc::create_user(&app, admin.id, body).await?;
    Ok((StatusCode::CREATED, ok(created)))
}

/// One user.
#[utoipa::path(get, path = "/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The user", body = AdminUserView),
        (status = 404, description = "No such user")))]
async fn get_user(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(id): Path<i64>,
) -> Env<AdminUserView> {
    Ok(ok(svc::get_user(&app, id).await?))
}

/// Edits any of the account's fields (absent = unchanged); `reason` is required and logged, and a
/// balance change is recorded with it.
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    request_body = UserInput,
    responses((status = 200, description = "The edited user", body = AdminUserView),
        (status = 409, description = "E-mail already registered"),
        (status = 422, description = "Invalid field")))]
async fn edit_user(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UserInput>,
) -> Env<AdminUserView> {
    Ok(ok(svc::edit_user(&app, admin.id, id, body).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnableBody {
    pub enable: bool,
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: String,
}

/// Enables or disables an account (until changed again; ends any timed ban).
#[utoipa::path(post, path = "/admin/users/{id}/enable", tag = "admin", security(("bearer" = [])),
    request_body = EnableBody, responses((status = 200, description = "The user", body = AdminUserView)))]
async fn enable_user(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EnableBody>,
) -> Env<AdminUserView> {
    let user = svc::set_enabled(&app, admin.id, id, body.enable, &body.reason).await?;
    Ok(ok(user))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BanBody {
    /// How long, in minutes (SSPanel's manual ban, at most 10 years); the `detect_ban` job lifts it.
    #[schema(minimum = 1, maximum = 5270400)]
    pub minutes: i64,
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: String,
}

/// Disables an account for a time, logged in `detect_ban_log`.
#[utoipa::path(post, path = "/admin/users/{id}/ban", tag = "admin", security(("bearer" = [])),
    request_body = BanBody, responses((status = 200, description = "The user", body = AdminUserView),
        (status = 422, description = "Invalid field")))]
async fn ban_user(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<BanBody>,
) -> Env<AdminUserView> {
    let user = svc::ban_user(&app, admin.id, id, body.minutes, &body.reason).await?;
    Ok(ok(user))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    /// The new password; generated when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// Sets a new password (returned once).
#[utoipa::path(post, path = "/admin/users/{id}/reset-password", tag = "admin", security(("bearer" = [])),
    request_body = PasswordBody, responses((status = 200, description = "The new password", body = NewPassword)))]
async fn reset_password(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Env<NewPassword> {
    let password = svc::reset_password(&app, admin.id, id, body.password, &body.reason).await?;
    Ok(ok(NewPassword { password }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
    pub reason: String,
}

/// Sets used traffic (u, d) to zero.
#[utoipa::path(post, path = "/admin/users/{id}/reset-traffic", tag = "admin", security(("bearer" = [])),
    request_body = ReasonBody, responses((status = 200, description = "The user", body = AdminUserView)))]
async fn reset_traffic(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Env<AdminUserView> {
    Ok(ok(
        svc::reset_traffic(&app, admin.id, id, &body.reason).await?
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
    /// At most 200.
    pub per_page: Option<i64>,
}

/// One of a user's record lists, newest first: `topups`, `purchases`, `orders`, `balance`,
/// `commissions`, `logins`, `subscriptions`, `detect`, `bans`, `traffic` (columns per list in
/// the `UserRecord` schema).
#[utoipa::path(get, path = "/admin/users/{id}/records/{kind}", tag = "admin", security(("bearer" = [])),
    params(PageQuery), responses((status = 200, description = "A page of records", body = Page<UserRecord>),
        (status = 404, description = "No such user or list")))]
async fn user_records(
    State(app): State<AppState>,
    _a: AdminUser,
    Path((id, kind)): Path<(i64, String)>,
    Query(q): Query<PageQuery>,
) -> Env<Page<UserRecord>> {
    Ok(ok(svc::records(&app, id, &kind, q.page, q.per_page).await?))
}
