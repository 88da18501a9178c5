//! The user's own nodes and proxy settings: the node list with connection details and share
//! links, and resetting or choosing the proxy password, UUID, port and method.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::db::subscription as sub_sql;
use crate::domain::proxy::{self, DEFAULT_METHODS, DEFAULT_OBFS, DEFAULT_PROTOCOLS};
use crate::domain::subscription::{clash, singbox, uri, Kind, Proxy};
use crate::domain::FieldError;
use crate::random::random_token;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::subscription::node_proxies;

#[derive(Debug, Serialize, ToSchema)]
pub struct MyNode {
    pub id: i64,
    pub name: String,
    /// The operator's remark (`node.info`), e.g. the region.
    pub remark: String,
    /// Traffic counts this many times.
    pub traffic_rate: f64,
    /// A heartbeat within `node_offline_timeout`.
    pub online: bool,
    pub online_users: Option<i64>,
    pub load: Option<String>,
    /// ss, ssr, vmess, vless, trojan or tuic.
    pub protocol: String,
    pub server: String,
    pub port: u16,
    /// The share link (`ss://`, `vmess://`…) for a QR code or copying, when one exists.
    pub link: Option<String>,
    /// Subscription formats that leave this node out, with the reason.
    pub not_in: Vec<LeftOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeftOut {
    /// clash, singbox or base64 (v2rayN, Shadowrocket and other link lists).
    pub format: String,
    pub reason: String,
}

fn protocol_name(k: &Kind) -> &'static str {
    match k {
        Kind::Ss { .. } => "ss",
        Kind::Ssr { .. } => "ssr",
        Kind::Vmess { .. } => "vmess",
        Kind::Vless { .. } => "vless",
        Kind::Trojan { .. } => "trojan",
        Kind::Tuic { .. } => "tuic",
    }
}

fn left_out(p: &Proxy) -> Vec<LeftOut> {
    let reason = match &p.kind {
        Kind::Ssr { .. } => "The client has no ShadowsocksR support.".to_string(),
        Kind::Ss { method, .. } => format!(
            "The client refuses the stream cipher {method}: choose an AEAD method in your proxy settings."
        ),
        _ => "The client cannot express this node's settings.".to_string(),
    };
    let mut out = Vec::new();
    for (format, present) in [
        ("clash", clash::proxy(p).is_some()),
        ("singbox", singbox::outbound(p).is_some()),
        ("base64", uri::link(p).is_some()),
    ] {
        if !present {
            out.push(LeftOut {
                format: format.to_string(),
                reason: reason.clone(),
            });
        }
    }
    out
}

/// The nodes the caller may use (the node API's class and group rules), with live state and
/// connection details; empty while the account is expired, disabled or out of traffic.
pub async fn my_nodes(app: &App, user_id: i64, now: i64) -> ServiceResult<Vec<MyNode>> {
    let user = sub_sql::user_by_id(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    let proxies = node_proxies(app, &user).await?;
    let status: HashMap<i64, _> = crate::service::monitor::status(app, now)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let rows: HashMap<i64, _> = crate::db::admin::nodes(&app.db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    Ok(proxies
        .into_iter()
        .filter_map(|(id, p)| {
            let row = rows.get(&id)?;
            let st = status.get(&id);
            Some(MyNode {
                id,
                name: p.name.clone(),
                remark: row.info.clone(),
                traffic_rate: row.traffic_rate,
                online: st.is_some_and(|s| s.online),
                online_users: st.and_then(|s| s.online_users),
                load: st.and_then(|s| s.load.clone()),
                protocol: protocol_name(&p.kind).to_string(),
                server: p.server.clone(),
                port: p.port,
                link: uri::link(&p),
                not_in: left_out(&p),
            })
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProxySettings {
    pub port: i64,
    pub passwd: String,
    pub uuid: String,
    pub method: String,
    pub protocol: String,
    pub obfs: String,
    /// What the operator lets users choose.
    pub methods: Vec<String>,
    pub protocols: Vec<String>,
    pub obfs_choices: Vec<String>,
}

async fn allowed(app: &App, item: &str, default: &str) -> ServiceResult<Vec<String>> {
    let v = app.settings.get(item).await?;
    Ok(proxy::list(if v.trim().is_empty() { default } else { &v }))
}

pub async fn proxy_settings(app: &App, user_id: i64) -> ServiceResult<ProxySettings> {
    let u = sub_sql::user_by_id(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    Ok(ProxySettings {
        port: u.port,
        passwd: u.passwd,
        uuid: u.uuid,
        method: u.method,
        protocol: u.protocol.unwrap_or_default(),
        obfs: u.obfs.unwrap_or_default(),
        methods: allowed(app, "user_methods", DEFAULT_METHODS).await?,
        protocols: allowed(app, "user_protocols", DEFAULT_PROTOCOLS).await?,
        obfs_choices: allowed(app, "user_obfs", DEFAULT_OBFS).await?,
    })
}

/// What `POST /user/proxy/reset` renews.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ResetWhat {
    /// The Shadowsocks/Trojan password (`passwd`).
    Passwd,
    /// The V2Ray/VLESS/TUIC id (`uuid`; Shadowsocks 2022 keys derive from it).
    Uuid,
    /// A new free port in the operator's range (single-port nodes).
    Port,
}

/// Renews one credential; nodes pick it up at their next user-list poll.
pub async fn reset_proxy(app: &App, user_id: i64, what: ResetWhat) -> ServiceResult<ProxySettings> {
    let mut tx = app.db.begin().await?;
    crate::db::admin::lock_user(&mut tx, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    let (column, value) = match what {
        ResetWhat::Passwd => ("passwd", random_token(16)),
        ResetWhat::Uuid => ("uuid", uuid::Uuid::new_v4().to_string()),
        ResetWhat::Port => (
            "port",
            crate::service::accounts::free_port(app, &mut tx)
                .await?
                .to_string(),
        ),
    };
    crate::db::security::set_proxy_field(&mut tx, user_id, column, &value).await?;
    tx.commit().await?;
    tracing::info!(user_id, what = column, "proxy credential renewed");
    proxy_settings(app, user_id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProxyChoice {
    pub method: String,
    /// ShadowsocksR protocol (`origin` for plain Shadowsocks).
    #[serde(default)]
    pub protocol: Option<String>,
    /// ShadowsocksR obfuscation (`plain` for plain Shadowsocks).
    #[serde(default)]
    pub obfs: Option<String>,
}

/// Sets method, protocol and obfs among the ones the operator allows.
pub async fn update_proxy(app: &App, user_id: i64, c: ProxyChoice) -> ServiceResult<ProxySettings> {
    let current = proxy_settings(app, user_id).await?;
    let method = c.method.trim().to_ascii_lowercase();
    let protocol = c
        .protocol
        .map_or(current.protocol.clone(), |p| p.trim().to_string());
    let obfs = c
        .obfs
        .map_or(current.obfs.clone(), |o| o.trim().to_string());
    let mut errors = Vec::new();
    if !current.methods.contains(&method) {
        errors.push(FieldError::new(
            "method",
            format!("Choose one of: {}.", current.methods.join(", ")),
        ));
    }
    if protocol != current.protocol && !current.protocols.contains(&protocol) {
        errors.push(FieldError::new(
            "protocol",
            format!("Choose one of: {}.", current.protocols.join(", ")),
        ));
    }
    if obfs != current.obfs && !current.obfs_choices.contains(&obfs) {
        errors.push(FieldError::new(
            "obfs",
            format!("Choose one of: {}.", current.obfs_choices.join(", ")),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    for (column, value) in [
        ("method", &method),
        ("protocol", &protocol),
        ("obfs", &obfs),
    ] {
        crate::db::security::set_proxy_field(&mut tx, user_id, column, value).await?;
    }
    tx.commit().await?;
    proxy_settings(app, user_id).await
}
