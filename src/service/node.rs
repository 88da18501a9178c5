//! The node APIs' use cases, shared by the seed `/app/api/v0/node/*` and SSPanel's `/mod_mu/*`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::app::{App, AppState};
use crate::db::node as sql;
use crate::domain::node::{self as rules, AliveIpEntry, NodeRow};
use crate::service::traffic::TrafficReport;

/// Why a node request was refused; each API renders these in its own shape.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("Node not found.")]
    NotFound,
    #[error("Node is not enabled.")]
    Disabled,
    #[error("Node out of bandwidth.")]
    OutOfBandwidth,
    #[error("Invalid data.")]
    InvalidData(String),
    #[error("Database unavailable.")]
    Unavailable(String),
}

impl From<sqlx::Error> for NodeError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "node API database error");
        NodeError::Unavailable(e.to_string())
    }
}

pub use crate::service::user_lists::{Flavour, Rendered};

/// In-process caches of the node API, so a fleet polling every minute (mostly answered 304) costs
/// little database work: users lists (see `user_lists`), node rows for `node_list_cache_secs`, and
/// a node's heartbeat written at most every few seconds, in one statement with the heartbeats of
/// the polls that arrive meanwhile.
#[derive(Default)]
pub struct ListCache {
    pub lists: crate::service::user_lists::UserLists,
    nodes: Mutex<HashMap<i64, (Instant, NodeRow)>>,
    beats: Mutex<HashMap<i64, i64>>,
    batch: BeatBatch,
}

/// Group commit of heartbeats: a poll queues its node's beat and waits until a write that holds it
/// is committed. The first waiter writes every beat queued so far in one statement; the polls that
/// queue meanwhile go together in the next. So a poll still answers after its heartbeat is stored,
/// and a fleet's polls cost a few writes a second, not one each.
#[derive(Default)]
struct BeatBatch {
    /// The beats not yet taken by a write, and the number of the write that will take them.
    queued: std::sync::Mutex<(Vec<(i64, i64)>, u64)>,
    /// Held by the write under way; the number of the last write and its error, if any.
    written: Mutex<(u64, Option<String>)>,
}

impl BeatBatch {
    async fn beat(&self, db: &crate::db::Db, node_id: i64, now: i64) -> Result<(), NodeError> {
        let mine = {
            let mut q = self.queued.lock().expect("lock");
            q.0.push((node_id, now));
            q.1 + 1
        };
        let mut written = self.written.lock().await;
        if written.0 < mine {
            let beats = {
                let mut q = self.queued.lock().expect("lock");
                q.1 += 1;
                std::mem::take(&mut q.0)
            };
            let result = sql::touch_heartbeats(db, &beats)
                .await
                .map_err(NodeError::from);
            *written = (mine, result.err().map(|e| e.to_string()));
        }
        match &written.1 {
            Some(e) => Err(NodeError::Unavailable(e.clone())),
            None => Ok(()),
        }
    }
}

impl ListCache {
    /// Forgets everything cached (after an operator change that must show at once).
    pub async fn clear(&self) {
        self.lists.clear().await;
        self.nodes.lock().await.clear();
    }
}

const HEARTBEAT_EVERY_SECS: i64 = 5;

/// A node that exists and is enabled (cached briefly).
/// With `check_node_ip` on, only a known node's `node_ip` (or loopback) may call the node API.
pub async fn caller_allowed(app: &App, ip: &str) -> Result<bool, NodeError> {
    if !app.config.check_node_ip
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
    {
        return Ok(true);
    }
    Ok(sql::node_ip_known(&app.db, ip).await?)
}

pub async fn usable_node(app: &App, node_id: i64) -> Result<NodeRow, NodeError> {
    let ttl = Duration::from_secs(app.config.node_list_cache_secs);
    let cached = app
        .node_lists
        .nodes
        .lock()
        .await
        .get(&node_id)
        .filter(|(at, _)| at.elapsed() < ttl)
        .map(|(_, n)| n.clone());
    let node = match cached {
        Some(n) => n,
        None => {
            let n = sql::find_node(&app.db, node_id)
                .await?
                .ok_or(NodeError::NotFound)?;
            app.node_lists
                .nodes
                .lock()
                .await
                .insert(node_id, (Instant::now(), n.clone()));
            n
        }
    };
    if !node.is_enabled() {
        return Err(NodeError::Disabled);
    }
    Ok(node)
}

/// Records that the node polled, at most every few seconds per node.
async fn heartbeat_poll(app: &App, node_id: i64, now: i64) -> Result<(), NodeError> {
    {
        let mut beats = app.node_lists.beats.lock().await;
        if beats
            .get(&node_id)
            .is_some_and(|last| now - last < HEARTBEAT_EVERY_SECS)
        {
            return Ok(());
        }
        beats.insert(node_id, now);
    }
    app.node_lists.batch.beat(&app.db, node_id, now).await
}

/// The users `node_id` serves, rendered for `flavour`; the poll counts as a heartbeat.
pub async fn user_list(
    app: &AppState,
    flavour: Flavour,
    node_id: i64,
) -> Result<Rendered, NodeError> {
    let now = chrono::Utc::now().timestamp();
    let node = usable_node(app, node_id).await?;
    // A node out of bandwidth still polls: it is alive, and the monitor must not call it down.
    heartbeat_poll(app, node_id, now).await?;
    if node.out_of_bandwidth() {
        return Err(NodeError::OutOfBandwidth);
    }
    Ok(app.node_lists.lists.list(app, flavour, &node).await?)
}

/// Validates and records a traffic report; returns once committed.
/// Records a traffic report. With an idempotency `key` (the node's `Idempotency-Key` header) a
/// report already applied under that key is acknowledged without being applied again.
pub async fn report_traffic(
    app: &App,
    node_id: i64,
    data: &Value,
    key: Option<&str>,
) -> Result<(), NodeError> {
    let rows = rules::parse_traffic(data).map_err(NodeError::InvalidData)?;
    let key = key
        .map(|k| rules::check_idempotency_key(k).map(str::to_string))
        .transpose()
        .map_err(NodeError::InvalidData)?;
    let node = usable_node(app, node_id).await?;
    app.traffic
        .record(TrafficReport {
            node_id,
            rate: node.traffic_rate as f64,
            rows,
            key,
        })
        .await
        .map_err(|e| NodeError::Unavailable(e.to_string()))
}

/// A heartbeat: `node_heartbeat = now` and a `node_info` row.
pub async fn heartbeat(app: &App, node_id: i64, uptime: f64, load: &str) -> Result<(), NodeError> {
    usable_node(app, node_id).await?;
    if !uptime.is_finite() || uptime < 0.0 || load.chars().count() > 32 {
        return Err(NodeError::InvalidData(
            "uptime must be ≥ 0 and load at most 32 characters".into(),
        ));
    }
    let now = chrono::Utc::now().timestamp();
    app.node_lists.batch.beat(&app.db, node_id, now).await?;
    sql::insert_node_info(&app.db, node_id, uptime, load, now).await?;
    Ok(())
}

fn online_key(node_id: i64) -> String {
    format!("node_online:{node_id}")
}

/// Online users and alive IPs reported by a node. `count` defaults to the distinct users among
/// the IPs. The count goes to Redis (or the in-process fallback) for 5 minutes and to
/// `node_online_log`; valid IPs to `alive_ip`.
pub async fn report_online(
    app: &App,
    node_id: i64,
    count: Option<i64>,
    ips: &[AliveIpEntry],
) -> Result<(), NodeError> {
    usable_node(app, node_id).await?;
    if count.is_some_and(|c| c < 0) {
        return Err(NodeError::InvalidData("count must be ≥ 0".into()));
    }
    let valid = rules::valid_alive_ips(ips);
    let online = count.unwrap_or_else(|| {
        let users: std::collections::HashSet<i64> = valid.iter().map(|(u, _)| *u).collect();
        users.len() as i64
    });
    let now = chrono::Utc::now().timestamp();
    app.kv
        .set_ex(
            &online_key(node_id),
            &online.to_string(),
            Duration::from_secs(300),
        )
        .await;
    sql::insert_online_log(&app.db, node_id, online, now).await?;
    sql::insert_alive_ips(&app.db, node_id, &valid, now).await?;
    Ok(())
}

/// The last online count a node reported within 5 minutes.
pub async fn online_count(app: &App, node_id: i64) -> Option<i64> {
    app.kv.get(&online_key(node_id)).await?.parse().ok()
}

/// The node's configuration as `/mod_mu/nodes/{id}/info` gives it to XrayR.
pub fn mod_mu_info(app: &App, node: &NodeRow) -> Value {
    json!({
        "node_speedlimit": speed_number(node),
        "sort": node.sort,
        "server": node.server,
        "custom_config": node.custom_config_json(),
        "type": "SSPanel-UIM",
        "version": app.config.node_api_version,
        "node_group": node.node_group,
        "node_class": node.node_class,
        "traffic_rate": node.traffic_rate as f64,
        "mu_only": node.mu_only.unwrap_or(0),
    })
}

fn speed_number(node: &NodeRow) -> Value {
    rules::speed(node.node_speedlimit)
}

/// The node's configuration for the seed API.
pub fn seed_info(node: &NodeRow) -> Value {
    json!({
        "id": node.id,
        "name": node.name,
        "type": node.node_type,
        "sort": node.sort,
        "server": node.server,
        "custom_config": node.custom_config_json(),
        "traffic_rate": node.traffic_rate as f64,
        "node_class": node.node_class,
        "node_group": node.node_group,
        "node_speedlimit": speed_number(node),
        "node_connector": node.node_connector,
        "node_bandwidth": node.node_bandwidth,
        "node_bandwidth_limit": node.node_bandwidth_limit,
        "mu_only": node.mu_only.unwrap_or(0),
    })
}

/// SSPanel's legacy node list (SSR reads `node_ip` of every node).
pub async fn legacy_node_list(app: &App) -> Result<Value, NodeError> {
    let nodes = sql::enabled_nodes(&app.db).await?;
    Ok(Value::Array(
        nodes
            .iter()
            .map(|n| {
                json!({
                    "id": n.id,
                    "name": n.name,
                    "sort": n.sort,
                    "server": n.server,
                    "node_ip": n.node_ip.clone().unwrap_or_default(),
                    "node_class": n.node_class,
                    "node_group": n.node_group,
                    "traffic_rate": n.traffic_rate as f64,
                    "mu_only": n.mu_only.unwrap_or(0),
                    "node_speedlimit": speed_number(n),
                })
            })
            .collect(),
    ))
}

pub async fn detect_rules(app: &App) -> Result<Vec<sql::DetectRule>, NodeError> {
    Ok(sql::detect_rules(&app.db).await?)
}

/// Records detect-rule hits `[{"user_id":…,"list_id":…}]`; all or nothing on malformed rows.
pub async fn report_detect_log(app: &App, node_id: i64, data: &Value) -> Result<u64, NodeError> {
    usable_node(app, node_id).await?;
    let rows = data
        .as_array()
        .ok_or_else(|| NodeError::InvalidData("data must be an array".into()))?;
    let hits = rows
        .iter()
        .map(|r| {
            let id = |k: &str| r.get(k).and_then(Value::as_i64).filter(|v| *v > 0);
            id("user_id")
                .zip(id("list_id"))
                .ok_or_else(|| NodeError::InvalidData("each row needs user_id and list_id".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sql::insert_detect_logs(&app.db, node_id, &hits, chrono::Utc::now().timestamp()).await?)
}
