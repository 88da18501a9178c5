//! `/admin/*`: administration. Every handler takes `AdminUser`; every change is logged.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::AdminUser;
use crate::db::admin as sql;
use crate::domain::ops::csv;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::admin::{
    self as svc, AnnouncementInput, NodeInput, Refund, SettingView, Thread,
};
use crate::service::monitor::{self, LoadPoint, NodeStatus};
use crate::service::reports::{self, NodeBandwidth, Overview, TopUser, UsageReport};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_nodes, create_node))
        .routes(routes!(update_node, delete_node))
        .routes(routes!(nodes_status))
        .routes(routes!(node_load))
        .routes(routes!(node_alerts))
        .routes(routes!(list_paylist))
        .routes(routes!(list_bought))
        .routes(routes!(refund_bought))
        .routes(routes!(list_announcements, create_announcement))
        .routes(routes!(update_announcement, delete_announcement))
        .routes(routes!(list_tickets))
        .routes(routes!(get_ticket))
        .routes(routes!(reply_ticket))
        .routes(routes!(close_ticket))
        .routes(routes!(list_settings))
        .routes(routes!(update_setting))
        .routes(routes!(admin_logs))
        .routes(routes!(report_usage))
        .routes(routes!(report_top_users))
        .routes(routes!(report_nodes))
        .routes(routes!(overview))
}

type Env<T> = ApiResult<Json<Envelope<T>>>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The dashboard: users, revenue of paid top-ups, today's traffic, nodes online (UTC days).
#[utoipa::path(get, path = "/admin/overview", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Figures", body = Overview),
        (status = 403, description = "Not an administrator")))]
async fn overview(State(app): State<AppState>, _a: AdminUser) -> Env<Overview> {
    Ok(ok(reports::overview(&app, now()).await?))
}

/// Every node.
#[utoipa::path(get, path = "/admin/nodes", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Nodes", body = Vec<sql::NodeRow>)))]
async fn list_nodes(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<sql::NodeRow>> {
    Ok(ok(sql::nodes(&app.db).await?))
}

/// Creates a node; `custom_config` must be a JSON object.
#[utoipa::path(post, path = "/admin/nodes", tag = "admin", security(("bearer" = [])),
    request_body = NodeInput, responses((status = 200, description = "The node", body = sql::NodeRow),
        (status = 422, description = "Invalid field")))]
async fn create_node(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<NodeInput>,
) -> Env<sql::NodeRow> {
    Ok(ok(svc::create_node(&app, admin.id, body).await?))
}

/// Replaces a node's settings.
#[utoipa::path(put, path = "/admin/nodes/{id}", tag = "admin", security(("bearer" = [])),
    request_body = NodeInput, responses((status = 200, description = "The node", body = sql::NodeRow)))]
async fn update_node(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<NodeInput>,
) -> Env<sql::NodeRow> {
    Ok(ok(svc::update_node(&app, admin.id, id, body).await?))
}

/// Deletes a node and its logs.
#[utoipa::path(delete, path = "/admin/nodes/{id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Deleted"), (status = 404, description = "No such node")))]
async fn delete_node(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> Env<()> {
    svc::delete_node(&app, admin.id, id).await?;
    Ok(ok(()))
}

/// Online state, users, load, uptime and bandwidth of every node.
#[utoipa::path(get, path = "/admin/nodes/status", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Node status", body = Vec<NodeStatus>)))]
async fn nodes_status(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<NodeStatus>> {
    Ok(ok(monitor::status(&app, now()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HoursQuery {
    /// How far back (default 24, at most 744).
    pub hours: Option<i64>,
}

/// Load history of one node from `node_info`.
#[utoipa::path(get, path = "/admin/nodes/{id}/load", tag = "admin", security(("bearer" = [])),
    params(HoursQuery), responses((status = 200, description = "Load points", body = Vec<LoadPoint>)))]
async fn node_load(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(id): Path<i64>,
    Query(q): Query<HoursQuery>,
) -> Env<Vec<LoadPoint>> {
    Ok(ok(monitor::load_history(
        &app,
        id,
        q.hours.unwrap_or(24),
        now(),
    )
    .await?))
}

/// The latest node down/up notices.
#[utoipa::path(get, path = "/admin/nodes/alerts", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Notices", body = Vec<crate::db::ops::AlertRow>)))]
async fn node_alerts(
    State(app): State<AppState>,
    _a: AdminUser,
) -> Env<Vec<crate::db::ops::AlertRow>> {
    Ok(ok(crate::db::ops::alerts(&app.db, 200).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrderQuery {
    pub user_id: Option<i64>,
    /// paylist only: 0 = unpaid, 1 = paid.
    pub status: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Top-up orders (`paylist`).
#[utoipa::path(get, path = "/admin/paylist", tag = "admin", security(("bearer" = [])),
    params(OrderQuery), responses((status = 200, description = "Orders", body = Vec<sql::PaylistRow>)))]
async fn list_paylist(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<OrderQuery>,
) -> Env<Vec<sql::PaylistRow>> {
    let (_, per_page, offset) = svc::paging(q.page, q.per_page);
    Ok(ok(sql::paylist(
        &app.db, q.user_id, q.status, per_page, offset,
    )
    .await?))
}

/// Purchases (`bought`).
#[utoipa::path(get, path = "/admin/bought", tag = "admin", security(("bearer" = [])),
    params(OrderQuery), responses((status = 200, description = "Purchases", body = Vec<sql::BoughtRow>)))]
async fn list_bought(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<OrderQuery>,
) -> Env<Vec<sql::BoughtRow>> {
    let (_, per_page, offset) = svc::paging(q.page, q.per_page);
    Ok(ok(sql::bought(&app.db, q.user_id, per_page, offset).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefundBody {
    /// Part of the price, e.g. "5.00"; the whole price when absent.
    pub amount: Option<String>,
    pub reason: String,
}

/// Refunds a purchase to the buyer's balance (once).
#[utoipa::path(post, path = "/admin/bought/{id}/refund", tag = "admin", security(("bearer" = [])),
    request_body = RefundBody, responses((status = 200, description = "Refunded", body = Refund),
        (status = 409, description = "Already refunded")))]
async fn refund_bought(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<RefundBody>,
) -> Env<Refund> {
    Ok(ok(svc::refund_bought(
        &app,
        admin.id,
        id,
        body.amount.as_deref(),
        &body.reason,
    )
    .await?))
}

/// Announcements, newest first.
#[utoipa::path(get, path = "/admin/announcements", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Announcements", body = Vec<sql::AnnouncementRow>)))]
async fn list_announcements(
    State(app): State<AppState>,
    _a: AdminUser,
) -> Env<Vec<sql::AnnouncementRow>> {
    Ok(ok(sql::announcements(&app.db).await?))
}

/// Publishes an announcement.
#[utoipa::path(post, path = "/admin/announcements", tag = "admin", security(("bearer" = [])),
    request_body = AnnouncementInput,
    responses((status = 200, description = "Created", body = sql::AnnouncementRow)))]
async fn create_announcement(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<AnnouncementInput>,
) -> Env<sql::AnnouncementRow> {
    Ok(ok(svc::save_announcement(&app, admin.id, None, body).await?))
}

/// Edits an announcement.
#[utoipa::path(put, path = "/admin/announcements/{id}", tag = "admin", security(("bearer" = [])),
    request_body = AnnouncementInput,
    responses((status = 200, description = "Updated", body = sql::AnnouncementRow)))]
async fn update_announcement(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<AnnouncementInput>,
) -> Env<sql::AnnouncementRow> {
    Ok(ok(
        svc::save_announcement(&app, admin.id, Some(id), body).await?
    ))
}

/// Deletes an announcement.
#[utoipa::path(delete, path = "/admin/announcements/{id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Deleted")))]
async fn delete_announcement(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> Env<()> {
    svc::delete_announcement(&app, admin.id, id).await?;
    Ok(ok(()))
}

/// Every ticket thread (roots).
#[utoipa::path(get, path = "/admin/tickets", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Threads", body = Vec<sql::TicketRow>)))]
async fn list_tickets(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<sql::TicketRow>> {
    Ok(ok(svc::list_tickets(&app, None).await?))
}

/// One thread.
#[utoipa::path(get, path = "/admin/tickets/{id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The thread", body = Thread)))]
async fn get_ticket(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(id): Path<i64>,
) -> Env<Thread> {
    Ok(ok(svc::thread(&app, id, None).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplyBody {
    pub content: String,
}

/// Replies to a thread as an administrator.
#[utoipa::path(post, path = "/admin/tickets/{id}/reply", tag = "admin", security(("bearer" = [])),
    request_body = ReplyBody, responses((status = 200, description = "The thread", body = Thread)))]
async fn reply_ticket(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<ReplyBody>,
) -> Env<Thread> {
    Ok(ok(svc::reply_ticket(
        &app,
        admin.id,
        true,
        id,
        &body.content,
    )
    .await?))
}

/// Closes a thread (status 0).
#[utoipa::path(post, path = "/admin/tickets/{id}/close", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The thread", body = Thread)))]
async fn close_ticket(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
) -> Env<Thread> {
    Ok(ok(svc::close_ticket(&app, admin.id, id).await?))
}

/// Every known setting with its current value (secrets masked).
#[utoipa::path(get, path = "/admin/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = Vec<SettingView>)))]
async fn list_settings(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<SettingView>> {
    Ok(ok(svc::settings(&app).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SettingBody {
    /// The value as text; checked against the setting's kind (int, bool, array…). JSON numbers,
    /// booleans and arrays are accepted too.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// Updates one known setting.
#[utoipa::path(put, path = "/admin/settings/{item}", tag = "admin", security(("bearer" = [])),
    request_body = SettingBody, responses((status = 200, description = "The setting", body = SettingView),
        (status = 422, description = "Value does not fit the kind")))]
async fn update_setting(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(item): Path<String>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<SettingBody>,
) -> Env<SettingView> {
    let value = match body.value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Bool(b) => if b { "1" } else { "0" }.to_string(),
        serde_json::Value::Null => return Err(ApiError::invalid("value", "Required.")),
        other => other.to_string(),
    };
    Ok(ok(svc::update_setting(&app, admin.id, &item, &value).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogQuery {
    /// e.g. `user:12`; all when absent.
    #[serde(default)]
    pub target: String,
    pub limit: Option<i64>,
}

/// The admin audit log, newest first.
#[utoipa::path(get, path = "/admin/logs", tag = "admin", security(("bearer" = [])), params(LogQuery),
    responses((status = 200, description = "Log rows", body = Vec<sql::AdminLogRow>)))]
async fn admin_logs(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<LogQuery>,
) -> Env<Vec<sql::AdminLogRow>> {
    Ok(ok(sql::logs(
        &app.db,
        &q.target,
        q.limit.unwrap_or(100).clamp(1, 1000),
    )
    .await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Unix seconds, inclusive; default `to` − 24 h.
    pub from: Option<i64>,
    /// Unix seconds, exclusive; default now.
    pub to: Option<i64>,
    /// `hour` or `day` (usage report).
    pub granularity: Option<String>,
    pub user_id: Option<i64>,
    /// Top users: how many (default 10).
    pub limit: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn wants_csv(q: &ReportQuery) -> ApiResult<bool> {
    match q.format.as_deref() {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(ApiError::invalid("format", "json or csv.")),
    }
}

fn csv_response(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// Traffic per user per hour or day, from `user_hourly_usage`.
#[utoipa::path(get, path = "/admin/reports/usage", tag = "admin", security(("bearer" = [])),
    params(ReportQuery), responses((status = 200, description = "JSON, or text/csv", body = UsageReport)))]
async fn report_usage(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&q)?;
    let (from, to) = reports::range(q.from, q.to, now())?;
    let granularity = q.granularity.as_deref().unwrap_or("hour");
    let report = reports::user_usage(&app, q.user_id, granularity, from, to).await?;
    if csv_out {
        let rows: Vec<Vec<String>> = report
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.user_id.to_string(),
                    r.period_start.to_string(),
                    crate::domain::utc_datetime(r.period_start)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string(),
                    r.bytes.to_string(),
                ]
            })
            .collect();
        let text = csv(
            &["user_id", "period_start", "period_start_utc", "bytes"],
            &rows,
        );
        return Ok(csv_response("usage", text));
    }
    Ok(ok(report).into_response())
}

/// The users with the most traffic in the range.
#[utoipa::path(get, path = "/admin/reports/top-users", tag = "admin", security(("bearer" = [])),
    params(ReportQuery), responses((status = 200, description = "JSON, or text/csv", body = Vec<TopUser>)))]
async fn report_top_users(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&q)?;
    let (from, to) = reports::range(q.from, q.to, now())?;
    let top = reports::top_users(&app, from, to, q.limit.unwrap_or(10)).await?;
    if csv_out {
        let rows: Vec<Vec<String>> = top
            .iter()
            .map(|t| vec![t.user_id.to_string(), t.email.clone(), t.bytes.to_string()])
            .collect();
        return Ok(csv_response(
            "top-users",
            csv(&["user_id", "email", "bytes"], &rows),
        ));
    }
    Ok(ok(top).into_response())
}

/// Bandwidth used and limit of every node.
#[utoipa::path(get, path = "/admin/reports/nodes", tag = "admin", security(("bearer" = [])),
    params(ReportQuery), responses((status = 200, description = "JSON, or text/csv", body = Vec<NodeBandwidth>)))]
async fn report_nodes(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&q)?;
    let nodes = reports::node_bandwidth(&app).await?;
    if csv_out {
        let rows: Vec<Vec<String>> = nodes
            .iter()
            .map(|n| {
                vec![
                    n.node_id.to_string(),
                    n.name.clone(),
                    n.used.to_string(),
                    n.limit.to_string(),
                ]
            })
            .collect();
        return Ok(csv_response(
            "nodes",
            csv(&["node_id", "name", "used", "limit"], &rows),
        ));
    }
    Ok(ok(nodes).into_response())
}
