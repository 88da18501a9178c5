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
use crate::domain::ops::csv;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::admin::{
    self as svc, AdminLogView, Announcement, AnnouncementInput, NodeInput, NodeView, PaylistView,
    PurchaseView, Refund, Thread, TicketView,
};
use crate::service::monitor::{self, AlertView, LoadPoint, NodeStatus};
use crate::service::reports::{self, NodeBandwidth, Overview, TopUsers, UsageReport};

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
        .merge(super::admin_settings::router())
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
    responses((status = 200, description = "Nodes", body = Vec<NodeView>)))]
async fn list_nodes(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<NodeView>> {
    Ok(ok(svc::list_nodes(&app).await?))
}

/// Creates a node; `custom_config` must be a JSON object.
#[utoipa::path(post, path = "/admin/nodes", tag = "admin", security(("bearer" = [])),
    request_body = NodeInput, responses((status = 200, description = "The node", body = NodeView),
        (status = 422, description = "Invalid field")))]
async fn create_node(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<NodeInput>,
) -> Env<NodeView> {
    Ok(ok(svc::create_node(&app, admin.id, body).await?))
}

/// Replaces a node's settings.
#[utoipa::path(put, path = "/admin/nodes/{id}", tag = "admin", security(("bearer" = [])),
    request_body = NodeInput, responses((status = 200, description = "The node", body = NodeView)))]
async fn update_node(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<NodeInput>,
) -> Env<NodeView> {
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
    responses((status = 200, description = "Notices", body = Vec<AlertView>)))]
async fn node_alerts(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<AlertView>> {
    Ok(ok(monitor::alerts(&app).await?))
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
    params(OrderQuery), responses((status = 200, description = "Orders", body = Vec<PaylistView>)))]
async fn list_paylist(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<OrderQuery>,
) -> Env<Vec<PaylistView>> {
    Ok(ok(svc::paylist(
        &app, q.user_id, q.status, q.page, q.per_page,
    )
    .await?))
}

/// Purchases (`bought`).
#[utoipa::path(get, path = "/admin/bought", tag = "admin", security(("bearer" = [])),
    params(OrderQuery), responses((status = 200, description = "Purchases", body = Vec<PurchaseView>)))]
async fn list_bought(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<OrderQuery>,
) -> Env<Vec<PurchaseView>> {
    Ok(ok(
        svc::purchases(&app, q.user_id, q.page, q.per_page).await?
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefundBody {
    /// Part of the price, e.g. "5.00" (above 0, at most two decimals, not above the price);
    /// the whole price when absent.
    #[schema(pattern = r"^[0-9]{1,10}(\.[0-9]{1,2})?$")]
    pub amount: Option<String>,
    #[schema(max_length = 500, pattern = r"[^\s\x85]")]
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
    responses((status = 200, description = "Announcements", body = Vec<Announcement>)))]
async fn list_announcements(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<Announcement>> {
    Ok(ok(svc::announcements(&app).await?))
}

/// Publishes an announcement.
#[utoipa::path(post, path = "/admin/announcements", tag = "admin", security(("bearer" = [])),
    request_body = AnnouncementInput,
    responses((status = 200, description = "Created", body = Announcement)))]
async fn create_announcement(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<AnnouncementInput>,
) -> Env<Announcement> {
    Ok(ok(svc::save_announcement(&app, admin.id, None, body).await?))
}

/// Edits an announcement.
#[utoipa::path(put, path = "/admin/announcements/{id}", tag = "admin", security(("bearer" = [])),
    request_body = AnnouncementInput,
    responses((status = 200, description = "Updated", body = Announcement)))]
async fn update_announcement(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<i64>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<AnnouncementInput>,
) -> Env<Announcement> {
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
    responses((status = 200, description = "Threads", body = Vec<TicketView>)))]
async fn list_tickets(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<TicketView>> {
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
    #[schema(max_length = 20000, pattern = r"[^\s\x85]")]
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

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogQuery {
    /// e.g. `user:12`; all when absent.
    #[serde(default)]
    pub target: String,
    pub limit: Option<i64>,
    /// Only rows with an id below this (the last id of the previous page); newest when absent.
    pub before: Option<i64>,
}

/// The admin audit log, newest first, a page at a time (`before` = the last id seen).
#[utoipa::path(get, path = "/admin/logs", tag = "admin", security(("bearer" = [])), params(LogQuery),
    responses((status = 200, description = "Log rows", body = Vec<AdminLogView>)))]
async fn admin_logs(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(q): Query<LogQuery>,
) -> Env<Vec<AdminLogView>> {
    Ok(ok(svc::admin_logs(
        &app,
        &q.target,
        q.before.unwrap_or(0),
        q.limit.unwrap_or(100),
    )
    .await?))
}

/// How a usage report is bucketed.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum Granularity {
    Hour,
    Day,
}

/// A report's format.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum ReportFormat {
    Json,
    Csv,
}

/// The range of a report (at most 366 days).
#[derive(Debug, Deserialize, IntoParams)]
pub struct RangeQuery {
    /// Unix seconds, inclusive, before `to`; default `to` − 24 h.
    #[param(minimum = 0, maximum = 4102444800.0)]
    pub from: Option<i64>,
    /// Unix seconds, exclusive; default now.
    #[param(minimum = 0, maximum = 4102444800.0)]
    pub to: Option<i64>,
}

/// A report's format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<ReportFormat>, inline)]
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UsageQuery {
    /// `hour` (default) or `day`.
    #[param(value_type = Option<Granularity>, inline)]
    pub granularity: Option<String>,
    /// One user's traffic instead of all users'.
    #[param(minimum = 1)]
    pub user_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TopQuery {
    /// Page size, 1 to 100 (default 10; `limit` is the older name).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Page, from 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
}

fn wants_csv(q: &FormatQuery) -> ApiResult<bool> {
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

/// Traffic per hour or day of all users (`user_id` 0 in the rows) or of one user, from spanel's
/// traffic aggregates: finished hours plus the current hour up to the last usage-statistics write
/// (`counted_until`). Hours for at most 31 days.
#[utoipa::path(get, path = "/admin/reports/usage", tag = "admin", security(("bearer" = [])),
    params(RangeQuery, UsageQuery, FormatQuery),
    responses((status = 200, description = "JSON, or CSV with `format=csv`", content((UsageReport = "application/json"), (String = "text/csv"))),
        (status = 422, description = "A range not before `to`, longer than 366 days or outside 0–4102444800")))]
async fn report_usage(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(r): Query<RangeQuery>,
    Query(q): Query<UsageQuery>,
    Query(f): Query<FormatQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&f)?;
    let (from, to) = reports::range(r.from, r.to, now())?;
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

/// The users with the most traffic on the UTC days of the range (whole days: from the day holding
/// `from`), a page at a time; ties: the higher user id first. The console's ranges (from 1, 7 or
/// 30 days before now, until now) are read from per-user window totals.
#[utoipa::path(get, path = "/admin/reports/top-users", tag = "admin", security(("bearer" = [])),
    params(RangeQuery, TopQuery, FormatQuery),
    responses((status = 200, description = "JSON, or CSV with `format=csv`", content((TopUsers = "application/json"), (String = "text/csv"))),
        (status = 422, description = "A range not before `to`, longer than 366 days or outside 0–4102444800, or a bad page")))]
async fn report_top_users(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(r): Query<RangeQuery>,
    Query(q): Query<TopQuery>,
    Query(f): Query<FormatQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&f)?;
    let (from, to) = reports::range(r.from, r.to, now())?;
    let top = reports::top_users(&app, (from, to), q.page, q.per_page.or(q.limit), now()).await?;
    if csv_out {
        let rows: Vec<Vec<String>> = top
            .items
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
    params(FormatQuery), responses((status = 200, description = "JSON, or CSV with `format=csv`", content((Vec<NodeBandwidth> = "application/json"), (String = "text/csv")))))]
async fn report_nodes(
    State(app): State<AppState>,
    _a: AdminUser,
    Query(f): Query<FormatQuery>,
) -> ApiResult<Response> {
    let csv_out = wants_csv(&f)?;
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
