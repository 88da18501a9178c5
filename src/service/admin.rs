//! Admin use cases. Every change runs in one transaction with its `spanel_admin_log` row, so the
//! log never misses a change and never records one that was rolled back.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::admin::{self as sql, NodeFields};
use crate::db::{Money, Tx};
use crate::domain::node::COUNTER_CAP;
use crate::domain::FieldError;
use crate::service::error::{ServiceError, ServiceResult};

view! {
    /// A node as the admin API shows it.
    pub struct NodeView from sql::NodeRow {
        id: i64,
        name: String,
        #[serde(rename = "type")]
        node_type: i64,
        server: String,
        custom_config: String,
        info: String,
        status: String,
        sort: i64,
        traffic_rate: f64,
        node_class: i64,
        node_group: i64,
        #[schema(value_type = String)]
        node_speedlimit: Money,
        node_bandwidth: i64,
        node_bandwidth_limit: i64,
        bandwidthlimit_resetday: i64,
        node_heartbeat: i64,
        node_ip: Option<String>,
    }
}

view! {
    /// A top-up order (`paylist`) as the admin API shows it.
    pub struct PaylistView from sql::PaylistRow {
        id: i64,
        userid: i64,
        #[schema(value_type = String)]
        total: Money,
        status: i64,
        tradeno: Option<String>,
        datetime: i64,
    }
}

view! {
    /// One row of the admin audit log.
    pub struct AdminLogView from sql::AdminLogRow {
        id: i64,
        admin_id: i64,
        action: String,
        target: String,
        /// JSON text.
        detail: String,
        created_at: i64,
    }
}

view! {
    /// One ticket message (a thread root has `rootid` 0).
    pub struct TicketView from sql::TicketRow {
        id: i64,
        title: String,
        content: String,
        rootid: i64,
        userid: i64,
        datetime: i64,
        status: i64,
    }
}

view! {
    /// A purchase (`bought`) as the admin API shows it.
    pub struct PurchaseView from sql::BoughtRow {
        id: i64,
        userid: i64,
        shopid: i64,
        datetime: i64,
        renew: i64,
        coupon: String,
        #[schema(value_type = String)]
        price: Money,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An announcement as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Announcement {
    pub id: i64,
    #[schema(value_type = String)]
    pub date: NaiveDateTime,
    pub content: String,
    pub markdown: String,
}

impl From<sql::AnnouncementRow> for Announcement {
    fn from(r: sql::AnnouncementRow) -> Announcement {
        Announcement {
            id: r.id,
            date: r.date,
            content: r.content,
            markdown: r.markdown,
        }
    }
}

/// Every announcement, newest first.
pub async fn announcements(app: &App) -> ServiceResult<Vec<Announcement>> {
    let rows = sql::announcements(&app.db).await?;
    Ok(rows.into_iter().map(Announcement::from).collect())
}

pub(crate) async fn log(
    tx: &mut Tx,
    admin: i64,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sql::log(tx, admin, action, target, &detail.to_string(), now()).await
}

pub(crate) fn require_reason(reason: &str) -> ServiceResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(ServiceError::invalid("reason", "A reason is required."));
    }
    if reason.chars().count() > 500 {
        return Err(ServiceError::invalid("reason", "At most 500 characters."));
    }
    Ok(r.to_string())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

pub fn paging(page: Option<i64>, per_page: Option<i64>) -> (i64, i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 200);
    let page = page.unwrap_or(1).max(1);
    (page, per_page, (page - 1).saturating_mul(per_page))
}

/// The largest node group (SSPanel's `node_group` columns are 32-bit).
pub(crate) const MAX_GROUP: i64 = i32::MAX as i64;

fn parse_time(field: &str, v: &str) -> Result<NaiveDateTime, FieldError> {
    NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| FieldError::new(field, "Use YYYY-MM-DD HH:MM:SS."))
}

/// A node as created or edited by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeInput {
    #[schema(max_length = 128, pattern = r"\S")]
    pub name: String,
    /// SSPanel node type (e.g. 1 = Shadowsocks, 11 = V2Ray, 14 = Trojan).
    #[serde(rename = "type")]
    #[schema(minimum = 0, maximum = 999)]
    pub node_type: i64,
    #[schema(max_length = 512, pattern = r"\S")]
    pub server: String,
    /// A JSON object (as JSON, not a string).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_config: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 999)]
    pub sort: i64,
    #[serde(default)]
    pub info: String,
    #[serde(default = "one")]
    #[schema(minimum = 0, maximum = 1000)]
    pub traffic_rate: f64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 255)]
    pub node_class: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2147483647)]
    pub node_group: i64,
    /// Mbps from 0 to 1000000, at most two decimals, e.g. "0.00".
    #[serde(default)]
    #[schema(pattern = r"^(1000000(\.0{1,2})?|[0-9]{1,6}(\.[0-9]{1,2})?)$")]
    pub node_speedlimit: Option<String>,
    /// Bytes (0 = no limit), at most 2^61.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2305843009213693952.0)]
    pub node_bandwidth_limit: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 31)]
    pub bandwidthlimit_resetday: i64,
}

fn one() -> f64 {
    1.0
}

fn node_fields(n: NodeInput) -> ServiceResult<NodeFields> {
    let mut errors = Vec::new();
    let name = n.name.trim().to_string();
    if name.is_empty() || n.name.chars().count() > 128 {
        errors.push(FieldError::new("name", "1 to 128 characters."));
    }
    let server = n.server.trim().to_string();
    if server.is_empty() || n.server.chars().count() > 512 {
        errors.push(FieldError::new("server", "1 to 512 characters."));
    }
    if !(0..=999).contains(&n.node_type) {
        errors.push(FieldError::new("type", "Between 0 and 999."));
    }
    if !(0..=999).contains(&n.sort) {
        errors.push(FieldError::new("sort", "Between 0 and 999."));
    }
    let custom_config = match n.custom_config {
        None => "{}".to_string(),
        Some(v @ serde_json::Value::Object(_)) => v.to_string(),
        Some(_) => {
            errors.push(FieldError::new("custom_config", "Must be a JSON object."));
            String::new()
        }
    };
    if !(0..=255).contains(&n.node_class) {
        errors.push(FieldError::new("node_class", "Between 0 and 255."));
    }
    if !(0..=MAX_GROUP).contains(&n.node_group) {
        errors.push(FieldError::new(
            "node_group",
            format!("Between 0 and {MAX_GROUP}."),
        ));
    }
    if !(0.0..=1000.0).contains(&n.traffic_rate) {
        errors.push(FieldError::new("traffic_rate", "A number from 0 to 1000."));
    }
    if !(0..=COUNTER_CAP as i64).contains(&n.node_bandwidth_limit) {
        errors.push(FieldError::new(
            "node_bandwidth_limit",
            format!("From 0 to {COUNTER_CAP} bytes."),
        ));
    }
    if !(0..=31).contains(&n.bandwidthlimit_resetday) {
        errors.push(FieldError::new("bandwidthlimit_resetday", "0 to 31."));
    }
    let speed = match n.node_speedlimit.as_deref() {
        None => Money::ZERO,
        Some(s) => match Money::parse_amount(s) {
            Some(m) if !m.is_negative() && m.0 <= rust_decimal::Decimal::from(1_000_000) => m,
            _ => {
                errors.push(FieldError::new(
                    "node_speedlimit",
                    "A number from 0 to 1000000 (Mbps).",
                ));
                Money::ZERO
            }
        },
    };
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    Ok(NodeFields {
        name,
        node_type: n.node_type,
        server,
        custom_config,
        sort: n.sort,
        info: n.info,
        traffic_rate: n.traffic_rate,
        node_class: n.node_class,
        node_group: n.node_group,
        node_speedlimit: speed,
        node_bandwidth_limit: n.node_bandwidth_limit,
        bandwidthlimit_resetday: n.bandwidthlimit_resetday,
    })
}

pub async fn create_node(app: &App, admin: i64, input: NodeInput) -> ServiceResult<NodeView> {
    let fields = node_fields(input)?;
    let mut tx = app.db.begin().await?;
    let id = sql::insert_node(&mut tx, &fields).await?;
    log(
        &mut tx,
        admin,
        "node.create",
        &format!("node:{id}"),
        json!({"name": fields.name, "server": fields.server}),
    )
    .await?;
    tx.commit().await?;
    get_node(app, id).await
}

pub async fn get_node(app: &App, id: i64) -> ServiceResult<NodeView> {
    sql::node(&app.db, id)
        .await?
        .map(NodeView::from)
        .ok_or_else(|| ServiceError::not_found("No such node."))
}

/// Every node.
pub async fn list_nodes(app: &App) -> ServiceResult<Vec<NodeView>> {
    let rows = sql::nodes(&app.db).await?;
    Ok(rows.into_iter().map(NodeView::from).collect())
}

/// Top-up orders, newest first, optionally of one user and in one state.
pub async fn paylist(
    app: &App,
    user_id: Option<i64>,
    status: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Vec<PaylistView>> {
    let (_, per_page, offset) = paging(page, per_page);
    let rows = sql::paylist(&app.db, user_id, status, per_page, offset).await?;
    Ok(rows.into_iter().map(PaylistView::from).collect())
}

/// Purchases, newest first, optionally of one user.
pub async fn purchases(
    app: &App,
    user_id: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Vec<PurchaseView>> {
    let (_, per_page, offset) = paging(page, per_page);
    let rows = sql::bought(&app.db, user_id, per_page, offset).await?;
    Ok(rows.into_iter().map(PurchaseView::from).collect())
}

/// The audit log, newest first, optionally about one target (`user:7`…).
/// The audit log, newest first; `before` > 0 pages on (rows with a smaller id).
pub async fn admin_logs(
    app: &App,
    target: &str,
    before: i64,
    limit: i64,
) -> ServiceResult<Vec<AdminLogView>> {
    let rows = sql::logs(&app.db, target, before.max(0), limit.clamp(1, 1000)).await?;
    Ok(rows.into_iter().map(AdminLogView::from).collect())
}

pub async fn update_node(
    app: &App,
    admin: i64,
    id: i64,
    input: NodeInput,
) -> ServiceResult<NodeView> {
    let fields = node_fields(input)?;
    get_node(app, id).await?;
    let mut tx = app.db.begin().await?;
    sql::update_node(&mut tx, id, &fields).await?;
    log(
        &mut tx,
        admin,
        "node.update",
        &format!("node:{id}"),
        json!({"name": fields.name, "server": fields.server, "custom_config": fields.custom_config}),
    )
    .await?;
    tx.commit().await?;
    get_node(app, id).await
}

pub async fn delete_node(app: &App, admin: i64, id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    if sql::delete_node(&mut tx, id).await? == 0 {
        return Err(ServiceError::not_found("No such node."));
    }
    log(
        &mut tx,
        admin,
        "node.delete",
        &format!("node:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refund {
    pub bought_id: i64,
    pub user_id: i64,
    #[schema(value_type = String)]
    pub amount: Money,
    #[schema(value_type = String)]
    pub balance: Money,
}

/// Returns a purchase's price (or `amount`, at most the price) to the buyer's balance, once.
pub async fn refund_bought(
    app: &App,
    admin: i64,
    id: i64,
    amount: Option<&str>,
    reason: &str,
) -> ServiceResult<Refund> {
    let reason = require_reason(reason)?;
    let reason = reason.as_str();
    // The balance is credited in place and the buyer's row written, so a second refund of the
    // same purchase on another node conflicts, runs again and finds this one logged.
    crate::db::retry("refund", move || {
        refund_once(app, admin, id, amount, reason)
    })
    .await
}

async fn refund_once(
    app: &App,
    admin: i64,
    id: i64,
    amount: Option<&str>,
    reason: &str,
) -> ServiceResult<Refund> {
    let mut tx = app.db.begin().await?;
    let bought = sql::lock_bought(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such purchase."))?;
    let amount = match amount {
        None => bought.price,
        Some(a) => match Money::parse_amount(a) {
            Some(m) if !m.is_negative() && !m.is_zero() && m <= bought.price => m,
            _ => {
                return Err(ServiceError::invalid(
                    "amount",
                    "A positive amount with at most two decimals, not above the price.",
                ))
            }
        },
    };
    let target = format!("bought:{id}");
    if sql::refund_logged(&mut tx, &target).await? {
        return Err(ServiceError::conflict(
            "This purchase was already refunded.",
        ));
    }
    let buyer = crate::db::rebate::lock_balance(&mut tx, bought.userid)
        .await?
        .ok_or_else(|| ServiceError::not_found("The buyer no longer exists."))?;
    let new_balance = buyer.money + amount;
    crate::db::rebate::add_balance(&mut tx, bought.userid, amount).await?;
    sql::stop_renew(&mut tx, id).await?;
    log(
        &mut tx,
        admin,
        "bought.refund",
        &target,
        json!({"reason": reason, "user_id": bought.userid, "amount": amount,
               "balance_before": buyer.money, "balance_after": new_balance}),
    )
    .await?;
    tx.commit().await?;
    Ok(Refund {
        bought_id: id,
        user_id: bought.userid,
        amount,
        balance: new_balance,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementInput {
    /// HTML shown to users; may be blank when `markdown` is not.
    pub content: String,
    #[serde(default)]
    pub markdown: String,
    /// "YYYY-MM-DD HH:MM:SS" UTC; now when absent.
    #[schema(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
    )]
    pub date: Option<String>,
}

pub async fn save_announcement(
    app: &App,
    admin: i64,
    id: Option<i64>,
    input: AnnouncementInput,
) -> ServiceResult<Announcement> {
    if input.content.trim().is_empty() && input.markdown.trim().is_empty() {
        return Err(ServiceError::invalid("content", "Must not be empty."));
    }
    let date = match input.date.as_deref() {
        Some(d) => parse_time("date", d).map_err(|e| ServiceError::invalid_fields(vec![e]))?,
        None => crate::clock::now_naive(),
    };
    let mut tx = app.db.begin().await?;
    let saved = sql::save_announcement(&mut tx, id, date, &input.content, &input.markdown)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such announcement."))?;
    let action = if id.is_some() {
        "announcement.update"
    } else {
        "announcement.create"
    };
    log(
        &mut tx,
        admin,
        action,
        &format!("announcement:{saved}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    sql::announcement(&app.db, saved)
        .await?
        .map(Announcement::from)
        .ok_or_else(|| ServiceError::not_found("No such announcement."))
}

pub async fn delete_announcement(app: &App, admin: i64, id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    if sql::delete_announcement(&mut tx, id).await? == 0 {
        return Err(ServiceError::not_found("No such announcement."));
    }
    log(
        &mut tx,
        admin,
        "announcement.delete",
        &format!("announcement:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Thread {
    pub root: TicketView,
    pub replies: Vec<TicketView>,
}

fn check_text(field: &str, v: &str, max: usize) -> Result<(), FieldError> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(FieldError::new(field, format!("1 to {max} characters.")));
    }
    Ok(())
}

/// Opens a thread for `user`.
pub async fn open_ticket(
    app: &App,
    user: i64,
    title: &str,
    content: &str,
) -> ServiceResult<Thread> {
    let errors: Vec<_> = [
        check_text("title", title, 200).err(),
        check_text("content", content, 20_000).err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    if sql::lock_open_tickets(&mut tx, user).await? >= app.config.max_open_tickets {
        return Err(ServiceError::RateLimited(format!(
            "You have {} open tickets; wait for an answer or close one first.",
            app.config.max_open_tickets
        )));
    }
    let id = sql::insert_ticket(&mut tx, title.trim(), content, 0, user, now()).await?;
    tx.commit().await?;
    thread(app, id, None).await
}

/// A thread; `owner` Some = only if that user opened it (else 404, never 403).
pub async fn thread(app: &App, id: i64, owner: Option<i64>) -> ServiceResult<Thread> {
    let mut rows = sql::ticket_thread(&app.db, id).await?;
    if rows.is_empty() || rows[0].rootid != 0 || owner.is_some_and(|o| rows[0].userid != o) {
        return Err(ServiceError::not_found("No such ticket."));
    }
    let root = rows.remove(0).into();
    Ok(Thread {
        root,
        replies: rows.into_iter().map(TicketView::from).collect(),
    })
}

pub async fn list_tickets(app: &App, owner: Option<i64>) -> ServiceResult<Vec<TicketView>> {
    let rows = sql::ticket_roots(&app.db, owner).await?;
    Ok(rows.into_iter().map(TicketView::from).collect())
}

/// Adds a reply. A user may reply only to their own thread; an admin's reply is logged. A user's
/// reply reopens a closed thread.
pub async fn reply_ticket(
    app: &App,
    author: i64,
    as_admin: bool,
    id: i64,
    content: &str,
) -> ServiceResult<Thread> {
    check_text("content", content, 20_000).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    let mut tx = app.db.begin().await?;
    let root = sql::lock_ticket_root(&mut tx, id)
        .await?
        .filter(|r| as_admin || r.userid == author)
        .ok_or_else(|| ServiceError::not_found("No such ticket."))?;
    sql::insert_ticket(&mut tx, &root.title, content, id, author, now()).await?;
    if !as_admin && root.status == 0 {
        sql::set_ticket_status(&mut tx, id, 1).await?;
    }
    if as_admin {
        log(
            &mut tx,
            author,
            "ticket.reply",
            &format!("ticket:{id}"),
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    thread(app, id, if as_admin { None } else { Some(author) }).await
}

pub async fn close_ticket(app: &App, admin: i64, id: i64) -> ServiceResult<Thread> {
    let mut tx = app.db.begin().await?;
    sql::lock_ticket_root(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such ticket."))?;
    sql::set_ticket_status(&mut tx, id, 0).await?;
    log(
        &mut tx,
        admin,
        "ticket.close",
        &format!("ticket:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    thread(app, id, None).await
}
