//! The operator's nodes: created, edited and deleted, each change with its admin-log row.

use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::*;
use crate::app::App;
use crate::db::admin::{self as sql, NodeFields};
use crate::db::Money;
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

/// A node as created or edited by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeInput {
    /// Not blank (U+0085 counts as a space, as the server trims it).
    #[schema(max_length = 128, pattern = r"[^\s\x85]")]
    pub name: String,
    /// SSPanel node type (e.g. 1 = Shadowsocks, 11 = V2Ray, 14 = Trojan).
    #[serde(rename = "type")]
    #[schema(minimum = 0, maximum = 999)]
    pub node_type: i64,
    #[schema(max_length = 512, pattern = r"[^\s\x85]")]
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
