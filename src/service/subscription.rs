//! Serving a subscription: token → user → nodes → the client's format, with usage, a log row and
//! a per-token rate limit.

use std::time::Duration;

use crate::app::App;
use crate::clock::now_naive;
use crate::db::subscription::{self as db, LogEntry, SubUser};
use crate::domain::subscription::{
    build_proxy, render, unique_names, NodeInfo, Proxy, Target, Usage, UserInfo,
};
use crate::random::random_token;
use crate::service::accounts::SubscriptionLinks;
use crate::service::error::{ServiceError, ServiceResult};
use crate::settings::catalog;

/// The answer for unknown and disabled tokens alike, so neither is revealed.
pub fn not_found() -> ServiceError {
    ServiceError::not_found("Subscription not found.")
}

pub struct Subscription {
    pub target: Target,
    pub body: String,
    pub usage: Usage,
    pub site: String,
}

pub struct Request<'a> {
    pub token: &'a str,
    /// From `?target=`, the path or a classic query; None: from the User-Agent.
    pub target: Option<Target>,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

fn user_info(u: &SubUser) -> UserInfo {
    UserInfo {
        port: u.port,
        passwd: u.passwd.clone(),
        uuid: u.uuid.clone(),
        method: u.method.clone(),
        protocol: u.protocol.clone().unwrap_or_default(),
        protocol_param: u.protocol_param.clone().unwrap_or_default(),
        obfs: u.obfs.clone().unwrap_or_default(),
        obfs_param: u.obfs_param.clone().unwrap_or_default(),
    }
}

/// The proxies of a user: none while disabled, expired or over quota (administrators excepted).
pub async fn proxies_for(app: &App, user: &SubUser) -> ServiceResult<Vec<Proxy>> {
    let mut proxies: Vec<Proxy> = node_proxies(app, user)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    unique_names(&mut proxies);
    Ok(proxies)
}

/// Each proxy of a user with the id of its node (names as the operator wrote them).
pub async fn node_proxies(app: &App, user: &SubUser) -> ServiceResult<Vec<(i64, Proxy)>> {
    let admin = user.is_admin == 1;
    let active = user.enable == 1
        && user.expire_in > now_naive()
        && user.u.saturating_add(user.d) < user.transfer_enable;
    if !admin && !active {
        return Ok(Vec::new());
    }
    let nodes = db::nodes_for(&app.db, admin, user.class, user.node_group).await?;
    let info = user_info(user);
    Ok(nodes
        .into_iter()
        .filter_map(|n| {
            let id = n.id;
            build_proxy(
                &NodeInfo {
                    id,
                    name: n.name,
                    server: n.server,
                    custom_config: n.custom_config.unwrap_or_default(),
                    sort: n.sort,
                    mu_only: n.mu_only.unwrap_or(0),
                },
                &info,
            )
            .map(|p| (id, p))
        })
        .collect())
}

pub async fn fetch(app: &App, req: Request<'_>) -> ServiceResult<Subscription> {
    if req.token.is_empty() || req.token.len() > 128 {
        return Err(not_found());
    }
    let limit = app
        .settings
        .get_i64("subscribe_rate_limit_per_hour")
        .await?;
    if limit > 0 {
        let n = app
            .kv
            .incr_window(&format!("sub:{}", req.token), Duration::from_secs(3600))
            .await;
        if n > limit {
            return Err(ServiceError::RateLimited(
                "Too many subscription requests, try again later.".into(),
            ));
        }
    }
    let user = db::user_by_token(&app.db, req.token)
        .await?
        .filter(|u| u.enable == 1)
        .ok_or_else(not_found)?;
    let target = req
        .target
        .unwrap_or_else(|| Target::from_user_agent(req.user_agent));
    let proxies = proxies_for(app, &user).await?;
    let usage = Usage {
        upload: user.u,
        download: user.d,
        total: user.transfer_enable,
        expire: crate::clock::to_unix(user.expire_in),
    };
    let template = app.settings.get(catalog::SUB_CLASH_TEMPLATE.item).await?;
    let body = render(target, &proxies, &usage, &template).map_err(ServiceError::Internal)?;
    db::insert_log(
        &app.db,
        &LogEntry {
            user_id: user.id,
            user_name: &user.user_name,
            email: &user.email,
            subscribe_type: target.name(),
            ip: req.ip,
            user_agent: req.user_agent,
            at: now_naive(),
        },
    )
    .await?;
    let site = match app.settings.get(catalog::APP_NAME.item).await? {
        s if s.trim().is_empty() => "spanel".to_string(),
        s => s.trim().to_string(),
    };
    Ok(Subscription {
        target,
        body,
        usage,
        site,
    })
}

pub fn links(app: &App, token: String) -> SubscriptionLinks {
    let base = app.config.base_url.trim_end_matches('/');
    SubscriptionLinks {
        url: format!("{base}/sub/{token}"),
        classic_url: format!("{base}/link/{token}?sub=1"),
        token,
    }
}

/// Gives the user a new random token; the old one stops working at once.
pub async fn reset_token(app: &App, user_id: i64) -> ServiceResult<SubscriptionLinks> {
    for _ in 0..5 {
        let token = random_token(16);
        if db::token_exists(&app.db, &token).await? {
            continue;
        }
        match db::set_token(&app.db, user_id, &token).await {
            Ok(()) => return Ok(links(app, token)),
            // A concurrent reset took the same token: draw again.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::conflict(
        "Could not allocate a new token, try again.",
    ))
}
