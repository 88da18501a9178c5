//! Node monitoring: the status board, load history, and down/up notices.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::ops as sql;
use crate::domain::ops::{is_online, transition, AlertKind};
use crate::service::error::{ServiceError, ServiceResult};
use crate::settings::catalog;

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeStatus {
    pub id: i64,
    pub name: String,
    pub online: bool,
    /// Unix time of the last heartbeat (0 = never).
    pub last_report: i64,
    /// Seconds since the last heartbeat (None = never reported).
    pub heartbeat_age: Option<i64>,
    pub online_users: Option<i64>,
    pub load: Option<String>,
    pub uptime: Option<f64>,
    pub bandwidth_used: i64,
    /// 0 = no limit.
    pub bandwidth_limit: i64,
    /// The last notice raised for this node ("down" or "up").
    pub last_alert: Option<String>,
}

pub async fn status(app: &App, now: i64) -> ServiceResult<Vec<NodeStatus>> {
    let timeout = app
        .settings
        .get_i64(catalog::NODE_OFFLINE_TIMEOUT.item)
        .await?;
    let online: HashMap<i64, i64> = sql::latest_online(&app.db)
        .await?
        .into_iter()
        .map(|(n, users, _)| (n, users))
        .collect();
    let info: HashMap<i64, (String, f64)> = sql::latest_info(&app.db)
        .await?
        .into_iter()
        .map(|(n, load, up, _)| (n, (load, up)))
        .collect();
    let alerts: HashMap<i64, String> = sql::last_alerts(&app.db).await?.into_iter().collect();
    Ok(sql::node_heartbeats(&app.db)
        .await?
        .into_iter()
        .map(|(id, name, hb, used, limit)| NodeStatus {
            id,
            name,
            online: is_online(hb, now, timeout),
            last_report: hb,
            heartbeat_age: (hb > 0).then(|| now - hb),
            online_users: online.get(&id).copied(),
            load: info.get(&id).map(|i| i.0.clone()),
            uptime: info.get(&id).map(|i| i.1),
            bandwidth_used: used,
            bandwidth_limit: limit,
            last_alert: alerts.get(&id).cloned(),
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoadPoint {
    pub time: i64,
    pub load: String,
    pub uptime: f64,
}

pub async fn load_history(
    app: &App,
    node: i64,
    hours: i64,
    now: i64,
) -> ServiceResult<Vec<LoadPoint>> {
    if crate::db::admin::node(&app.db, node).await?.is_none() {
        return Err(ServiceError::not_found("No such node."));
    }
    let hours = hours.clamp(1, 24 * 31);
    Ok(sql::load_history(&app.db, node, now - hours * 3600)
        .await?
        .into_iter()
        .map(|(time, load, uptime)| LoadPoint { time, load, uptime })
        .collect())
}

/// One monitor pass: raises the notices node states call for. Returns how many were raised.
/// The notice row is written before anything is sent, so a failing channel never causes a repeat.
pub async fn check(app: &App, now: i64) -> anyhow::Result<u64> {
    let timeout = app
        .settings
        .get_i64(catalog::NODE_OFFLINE_TIMEOUT.item)
        .await?;
    let last: HashMap<i64, AlertKind> = sql::last_alerts(&app.db)
        .await?
        .into_iter()
        .filter_map(|(n, k)| AlertKind::parse(&k).map(|k| (n, k)))
        .collect();
    let mut raised = 0;
    for (id, name, hb, _, _) in sql::node_heartbeats(&app.db).await? {
        if transition(last.get(&id).copied(), hb, now, timeout).is_none() {
            continue;
        }
        // Decide again under the node's row lock: another monitor may have raised it meanwhile.
        let mut tx = app.db.begin().await?;
        let Some(current) = sql::lock_node_alert(&mut tx, id).await? else {
            tx.rollback().await?;
            continue;
        };
        let Some(kind) = transition(AlertKind::parse(&current), hb, now, timeout) else {
            tx.rollback().await?;
            continue;
        };
        let text = match kind {
            AlertKind::Down => format!(
                "Node #{id} {name} is DOWN: no heartbeat for {} s (timeout {timeout} s).",
                now - hb
            ),
            AlertKind::Up => format!("Node #{id} {name} is back UP."),
        };
        let detail = json!({"node_id": id, "name": name, "kind": kind, "last_heartbeat": hb,
            "time": now, "message": text});
        sql::insert_alert(&mut tx, id, kind.as_str(), now, &detail.to_string()).await?;
        tx.commit().await?;
        crate::metrics::node_alert(kind.as_str());
        match kind {
            AlertKind::Down => tracing::warn!(node = id, "{text}"),
            AlertKind::Up => tracing::info!(node = id, "{text}"),
        }
        notify(app, &detail, &text).await;
        raised += 1;
    }
    Ok(raised)
}

/// Sends a notice on every configured channel; failures are logged, never retried here (e-mail
/// goes through the queue, which retries).
async fn notify(app: &App, detail: &serde_json::Value, text: &str) {
    let s = &app.settings;
    let webhook = s.get("monitor_webhook_url").await.unwrap_or_default();
    if !webhook.trim().is_empty() {
        let sent = app.http.post(webhook.trim()).json(detail).send().await;
        if let Err(e) = sent.and_then(|r| r.error_for_status()) {
            tracing::warn!(error = %e, "node notice webhook failed");
        }
    }
    let token = s.get("monitor_telegram_token").await.unwrap_or_default();
    let chat = s.get("monitor_telegram_chat_id").await.unwrap_or_default();
    if !token.trim().is_empty() && !chat.trim().is_empty() {
        let base = telegram_base(&s.get("gateway_base_urls").await.unwrap_or_default());
        let url = format!("{base}/bot{}/sendMessage", token.trim());
        let sent = app
            .http
            .post(url)
            .json(&json!({"chat_id": chat.trim(), "text": text}))
            .send()
            .await;
        if let Err(e) = sent.and_then(|r| r.error_for_status()) {
            tracing::warn!(error = %e.without_url(), "node notice to Telegram failed");
        }
    }
    let to = s.get("monitor_email").await.unwrap_or_default();
    if !to.trim().is_empty() {
        if let Err(e) = crate::service::mail::enqueue(app, to.trim(), text, text).await {
            tracing::warn!(error = %e, "could not queue the node notice e-mail");
        }
    }
}

/// The Telegram API base: `gateway_base_urls["telegram"]` when set (tests point it at a local fake).
fn telegram_base(overrides: &str) -> String {
    serde_json::from_str::<serde_json::Value>(overrides)
        .ok()
        .and_then(|v| {
            v.get("telegram")
                .and_then(|t| t.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "https://api.telegram.org".into())
        .trim_end_matches('/')
        .to_string()
}

view! {
    /// A node down/up notice.
    pub struct AlertView from crate::db::ops::AlertRow {
        id: i64,
        node_id: i64,
        kind: String,
        created_at: i64,
        detail: String,
    }
}

/// The latest node down/up notices, newest first.
pub async fn alerts(app: &App) -> ServiceResult<Vec<AlertView>> {
    let rows = crate::db::ops::alerts(&app.db, 200).await?;
    Ok(rows.into_iter().map(AlertView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::telegram_base;

    #[test]
    fn telegram_base_is_overridable() {
        assert_eq!(telegram_base(""), "https://api.telegram.org");
        assert_eq!(
            telegram_base(r#"{"telegram":"http://127.0.0.1:9/"}"#),
            "http://127.0.0.1:9"
        );
    }
}
