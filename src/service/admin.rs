//! Admin use cases. Every change runs in one transaction with its `spanel_admin_log` row, so the
//! log never misses a change and never records one that was rolled back.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::admin::{self as sql, NodeFields, TicketRow};
use crate::db::users::UserRow;
use crate::db::{Money, Tx};
use crate::domain::node::COUNTER_CAP;
use crate::domain::ops::normalize_setting;
use crate::domain::random_token;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::settings::KNOWN;

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
pub async fn announcements(app: &App) -> ApiResult<Vec<Announcement>> {
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

pub(crate) fn require_reason(reason: &str) -> ApiResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(ApiError::invalid("reason", "A reason is required."));
    }
    if r.chars().count() > 500 {
        return Err(ApiError::invalid("reason", "At most 500 characters."));
    }
    Ok(r.to_string())
}

/// A user as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserView {
    pub id: i64,
    pub email: String,
    pub user_name: String,
    pub is_admin: bool,
    pub enable: bool,
    pub class: i64,
    #[schema(value_type = String)]
    pub class_expire: NaiveDateTime,
    #[schema(value_type = String)]
    pub expire_in: NaiveDateTime,
    #[schema(value_type = String)]
    pub reg_date: NaiveDateTime,
    pub u: i64,
    pub d: i64,
    pub transfer_enable: i64,
    #[schema(value_type = String)]
    pub money: Money,
    pub node_group: i64,
    pub ref_by: i64,
}

impl From<UserRow> for AdminUserView {
    fn from(u: UserRow) -> Self {
        AdminUserView {
            id: u.id,
            email: u.email,
            user_name: u.user_name,
            is_admin: u.is_admin == 1,
            enable: u.enable == 1,
            class: u.class,
            class_expire: u.class_expire,
            expire_in: u.expire_in,
            reg_date: u.reg_date,
            u: u.u,
            d: u.d,
            transfer_enable: u.transfer_enable,
            money: u.money,
            node_group: u.node_group,
            ref_by: u.ref_by,
        }
    }
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
    (page, per_page, (page - 1) * per_page)
}

pub async fn search_users(
    app: &App,
    q: &str,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ApiResult<Page<AdminUserView>> {
    let (page, per_page, offset) = paging(page, per_page);
    let (rows, total) = sql::search_users(&app.db, q.trim(), per_page, offset).await?;
    Ok(Page {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page,
        per_page,
    })
}

pub async fn get_user(app: &App, id: i64) -> ApiResult<AdminUserView> {
    crate::db::users::find_user(&app.db, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| ApiError::not_found("No such user."))
}

/// Fields an administrator may change; absent = unchanged. `reason` is required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserEdit {
    pub reason: String,
    pub class: Option<i64>,
    /// "YYYY-MM-DD HH:MM:SS" UTC.
    pub class_expire: Option<String>,
    pub expire_in: Option<String>,
    /// Bytes.
    pub transfer_enable: Option<i64>,
    /// The new balance, e.g. "12.34".
    pub money: Option<String>,
    pub node_group: Option<i64>,
}

/// The largest node group (SSPanel's `node_group` columns are 32-bit).
const MAX_GROUP: i64 = i32::MAX as i64;

fn parse_time(field: &str, v: &str) -> Result<NaiveDateTime, FieldError> {
    NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| FieldError::new(field, "Use YYYY-MM-DD HH:MM:SS."))
}

pub async fn edit_user(app: &App, admin: i64, id: i64, edit: UserEdit) -> ApiResult<AdminUserView> {
    let reason = require_reason(&edit.reason)?;
    let mut errors = Vec::new();
    if matches!(edit.class, Some(c) if !(0..=255).contains(&c)) {
        errors.push(FieldError::new("class", "Between 0 and 255."));
    }
    if matches!(edit.node_group, Some(g) if !(0..=MAX_GROUP).contains(&g)) {
        errors.push(FieldError::new(
            "node_group",
            format!("Between 0 and {MAX_GROUP}."),
        ));
    }
    if matches!(edit.transfer_enable, Some(t) if !(0..=COUNTER_CAP as i64).contains(&t)) {
        errors.push(FieldError::new(
            "transfer_enable",
            format!("From 0 to {COUNTER_CAP} bytes."),
        ));
    }
    let class_expire = edit
        .class_expire
        .as_deref()
        .map(|v| parse_time("class_expire", v))
        .transpose()
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        });
    let expire_in = edit
        .expire_in
        .as_deref()
        .map(|v| parse_time("expire_in", v))
        .transpose()
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        });
    let money = match edit.money.as_deref() {
        None => None,
        Some(v) => match Money::parse_amount(v) {
            Some(m) if !m.is_negative() && m.0 < rust_decimal::Decimal::from(10_000_000_000i64) => {
                Some(m)
            }
            _ => {
                errors.push(FieldError::new(
                    "money",
                    "A non-negative amount with at most two decimals.",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock_user(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such user."))?;
    let mut changes = serde_json::Map::new();
    macro_rules! apply {
        ($field:ident, $value:expr) => {
            if let Some(v) = $value {
                if user.$field != v {
                    changes.insert(
                        stringify!($field).into(),
                        json!({"from": user.$field.to_string(), "to": v.to_string()}),
                    );
                    user.$field = v;
                }
            }
        };
    }
    apply!(class, edit.class);
    apply!(class_expire, class_expire);
    apply!(expire_in, expire_in);
    apply!(transfer_enable, edit.transfer_enable);
    apply!(money, money);
    apply!(node_group, edit.node_group);
    sql::update_user(&mut tx, &user).await?;
    log(
        &mut tx,
        admin,
        "user.edit",
        &format!("user:{id}"),
        json!({"reason": reason, "changes": changes}),
    )
    .await?;
    tx.commit().await?;
    Ok(user.into())
}

pub async fn set_enabled(
    app: &App,
    admin: i64,
    id: i64,
    enable: bool,
    reason: &str,
) -> ApiResult<AdminUserView> {
    let reason = require_reason(reason)?;
    if id == admin && !enable {
        return Err(ApiError::conflict("You cannot disable your own account."));
    }
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock_user(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such user."))?;
    let before = user.enable;
    user.enable = enable as i64;
    sql::update_user(&mut tx, &user).await?;
    log(
        &mut tx,
        admin,
        if enable {
            "user.enable"
        } else {
            "user.disable"
        },
        &format!("user:{id}"),
        json!({"reason": reason, "from": before, "to": user.enable}),
    )
    .await?;
    tx.commit().await?;
    Ok(user.into())
}

pub async fn reset_traffic(
    app: &App,
    admin: i64,
    id: i64,
    reason: &str,
) -> ApiResult<AdminUserView> {
    let reason = require_reason(reason)?;
    let reason = reason.as_str();
    // Traffic from every instance updates this row too: a conflict runs the reset again.
    crate::db::retry("reset_traffic", move || {
        reset_traffic_once(app, admin, id, reason)
    })
    .await
}

async fn reset_traffic_once(
    app: &App,
    admin: i64,
    id: i64,
    reason: &str,
) -> ApiResult<AdminUserView> {
    let mut tx = app.db.begin().await?;
    let mut user = sql::lock_user(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such user."))?;
    let detail = json!({"reason": reason, "u": user.u, "d": user.d});
    user.u = 0;
    user.d = 0;
    sql::update_user(&mut tx, &user).await?;
    log(
        &mut tx,
        admin,
        "user.reset_traffic",
        &format!("user:{id}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(user.into())
}

/// Sets a new password (given, or generated and returned once).
pub async fn reset_password(
    app: &App,
    admin: i64,
    id: i64,
    password: Option<String>,
    reason: &str,
) -> ApiResult<String> {
    let reason = require_reason(reason)?;
    let password = match password {
        Some(p) => {
            crate::domain::account::check_password(&p)
                .map_err(|e| ApiError::invalid_fields(vec![e]))?;
            p
        }
        None => random_token(16),
    };
    let hash = crate::service::accounts::hash_new_password(app, &password).await?;
    let mut tx = app.db.begin().await?;
    sql::lock_user(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such user."))?;
    sql::set_password(&mut tx, id, &hash).await?;
    log(
        &mut tx,
        admin,
        "user.reset_password",
        &format!("user:{id}"),
        json!({"reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// A node as created or edited by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeInput {
    pub name: String,
    /// SSPanel node type (e.g. 1 = Shadowsocks, 11 = V2Ray, 14 = Trojan).
    #[serde(rename = "type")]
    pub node_type: i64,
    pub server: String,
    /// A JSON object (as JSON, not a string).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_config: Option<serde_json::Value>,
    #[serde(default)]
    pub sort: i64,
    #[serde(default)]
    pub info: String,
    #[serde(default = "one")]
    pub traffic_rate: f64,
    #[serde(default)]
    pub node_class: i64,
    #[serde(default)]
    pub node_group: i64,
    /// Mbps, e.g. "0.00".
    #[serde(default)]
    pub node_speedlimit: Option<String>,
    /// Bytes (0 = no limit).
    #[serde(default)]
    pub node_bandwidth_limit: i64,
    #[serde(default)]
    pub bandwidthlimit_resetday: i64,
}

fn one() -> f64 {
    1.0
}

fn node_fields(n: NodeInput) -> ApiResult<NodeFields> {
    let mut errors = Vec::new();
    let name = n.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 128 {
        errors.push(FieldError::new("name", "1 to 128 characters."));
    }
    let server = n.server.trim().to_string();
    if server.is_empty() || server.len() > 512 {
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
        Some(serde_json::Value::String(s)) => match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(v @ serde_json::Value::Object(_)) => v.to_string(),
            _ => {
                errors.push(FieldError::new("custom_config", "Must be a JSON object."));
                String::new()
            }
        },
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
        return Err(ApiError::invalid_fields(errors));
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

pub async fn create_node(app: &App, admin: i64, input: NodeInput) -> ApiResult<sql::NodeRow> {
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

pub async fn get_node(app: &App, id: i64) -> ApiResult<sql::NodeRow> {
    sql::node(&app.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such node."))
}

pub async fn update_node(
    app: &App,
    admin: i64,
    id: i64,
    input: NodeInput,
) -> ApiResult<sql::NodeRow> {
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

pub async fn delete_node(app: &App, admin: i64, id: i64) -> ApiResult<()> {
    let mut tx = app.db.begin().await?;
    if sql::delete_node(&mut tx, id).await? == 0 {
        return Err(ApiError::not_found("No such node."));
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
) -> ApiResult<Refund> {
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
) -> ApiResult<Refund> {
    let mut tx = app.db.begin().await?;
    let bought = sql::lock_bought(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such purchase."))?;
    let amount = match amount {
        None => bought.price,
        Some(a) => match Money::parse_amount(a) {
            Some(m) if !m.is_negative() && !m.is_zero() && m <= bought.price => m,
            _ => {
                return Err(ApiError::invalid(
                    "amount",
                    "A positive amount with at most two decimals, not above the price.",
                ))
            }
        },
    };
    let target = format!("bought:{id}");
    if sql::refund_logged(&mut tx, &target).await? {
        return Err(ApiError::conflict("This purchase was already refunded."));
    }
    let buyer = crate::db::rebate::lock_balance(&mut tx, bought.userid)
        .await?
        .ok_or_else(|| ApiError::not_found("The buyer no longer exists."))?;
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
    /// HTML shown to users.
    pub content: String,
    #[serde(default)]
    pub markdown: String,
    /// "YYYY-MM-DD HH:MM:SS" UTC; now when absent.
    pub date: Option<String>,
}

pub async fn save_announcement(
    app: &App,
    admin: i64,
    id: Option<i64>,
    input: AnnouncementInput,
) -> ApiResult<sql::AnnouncementRow> {
    if input.content.trim().is_empty() && input.markdown.trim().is_empty() {
        return Err(ApiError::invalid("content", "Must not be empty."));
    }
    let date = match input.date.as_deref() {
        Some(d) => parse_time("date", d).map_err(|e| ApiError::invalid_fields(vec![e]))?,
        None => crate::domain::now_naive(),
    };
    let mut tx = app.db.begin().await?;
    let saved = sql::save_announcement(&mut tx, id, date, &input.content, &input.markdown)
        .await?
        .ok_or_else(|| ApiError::not_found("No such announcement."))?;
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
        .ok_or_else(|| ApiError::not_found("No such announcement."))
}

pub async fn delete_announcement(app: &App, admin: i64, id: i64) -> ApiResult<()> {
    let mut tx = app.db.begin().await?;
    if sql::delete_announcement(&mut tx, id).await? == 0 {
        return Err(ApiError::not_found("No such announcement."));
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
    pub root: TicketRow,
    pub replies: Vec<TicketRow>,
}

fn check_text(field: &str, v: &str, max: usize) -> Result<(), FieldError> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(FieldError::new(field, format!("1 to {max} characters.")));
    }
    Ok(())
}

/// Opens a thread for `user`.
pub async fn open_ticket(app: &App, user: i64, title: &str, content: &str) -> ApiResult<Thread> {
    let errors: Vec<_> = [
        check_text("title", title, 200).err(),
        check_text("content", content, 20_000).err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    if sql::lock_open_tickets(&mut tx, user).await? >= app.config.max_open_tickets {
        return Err(ApiError::RateLimited(format!(
            "You have {} open tickets; wait for an answer or close one first.",
            app.config.max_open_tickets
        )));
    }
    let id = sql::insert_ticket(&mut tx, title.trim(), content, 0, user, now()).await?;
    tx.commit().await?;
    thread(app, id, None).await
}

/// A thread; `owner` Some = only if that user opened it (else 404, never 403).
pub async fn thread(app: &App, id: i64, owner: Option<i64>) -> ApiResult<Thread> {
    let mut rows = sql::ticket_thread(&app.db, id).await?;
    if rows.is_empty() || rows[0].rootid != 0 || owner.is_some_and(|o| rows[0].userid != o) {
        return Err(ApiError::not_found("No such ticket."));
    }
    let root = rows.remove(0);
    Ok(Thread {
        root,
        replies: rows,
    })
}

pub async fn list_tickets(app: &App, owner: Option<i64>) -> ApiResult<Vec<TicketRow>> {
    Ok(sql::ticket_roots(&app.db, owner).await?)
}

/// Adds a reply. A user may reply only to their own thread; an admin's reply is logged. A user's
/// reply reopens a closed thread.
pub async fn reply_ticket(
    app: &App,
    author: i64,
    as_admin: bool,
    id: i64,
    content: &str,
) -> ApiResult<Thread> {
    check_text("content", content, 20_000).map_err(|e| ApiError::invalid_fields(vec![e]))?;
    let mut tx = app.db.begin().await?;
    let root = sql::lock_ticket_root(&mut tx, id)
        .await?
        .filter(|r| as_admin || r.userid == author)
        .ok_or_else(|| ApiError::not_found("No such ticket."))?;
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

pub async fn close_ticket(app: &App, admin: i64, id: i64) -> ApiResult<Thread> {
    let mut tx = app.db.begin().await?;
    sql::lock_ticket_root(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such ticket."))?;
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

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    pub item: String,
    pub value: String,
    pub default: String,
    pub class: String,
    pub kind: String,
    pub mark: String,
}

const SECRET_ITEMS: &[&str] = &[
    "smtp_password",
    "monitor_telegram_token",
    "epay_key",
    "stripe_sk",
    "stripe_webhook_key",
    "f2f_pay_private_key",
    "wechat_private_key",
    "wechat_apiv3_key",
    "paypal_client_secret",
    "wechat_v2_key",
    "yft_secret",
    "epusdt_token",
    "epay_providers",
];

pub async fn settings(app: &App) -> ApiResult<Vec<SettingView>> {
    let mut out = Vec::with_capacity(KNOWN.len());
    for k in KNOWN {
        let mut value = app.settings.get(k.item).await?;
        if SECRET_ITEMS.contains(&k.item) && !value.is_empty() {
            value = "********".into();
        }
        out.push(SettingView {
            item: k.item.into(),
            value,
            default: k.default.into(),
            class: k.class.into(),
            kind: k.kind.into(),
            mark: k.mark.into(),
        });
    }
    Ok(out)
}

pub async fn update_setting(
    app: &App,
    admin: i64,
    item: &str,
    value: &str,
) -> ApiResult<SettingView> {
    let known = KNOWN
        .iter()
        .find(|k| k.item == item)
        .ok_or_else(|| ApiError::not_found("No such setting."))?;
    let value = normalize_setting(known.kind, value).map_err(|m| ApiError::invalid("value", m))?;
    let before = app.settings.get(item).await?;
    let secret = SECRET_ITEMS.contains(&item);
    let mut tx = app.db.begin().await?;
    crate::settings::set_in_tx(&mut tx, item, &value).await?;
    log(
        &mut tx,
        admin,
        "setting.update",
        &format!("setting:{item}"),
        if secret {
            json!({})
        } else {
            json!({"from": before, "to": value})
        },
    )
    .await?;
    tx.commit().await?;
    app.settings.invalidate().await;
    Ok(SettingView {
        item: item.into(),
        value: if secret { "********".into() } else { value },
        default: known.default.into(),
        class: known.class.into(),
        kind: known.kind.into(),
        mark: known.mark.into(),
    })
}
