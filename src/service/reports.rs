//! The admin overview, and traffic reports from `user_hourly_usage` (bytes used in the hour
//! starting at `datetime`) and node bandwidth counters, as rows that the HTTP layer renders as JSON
//! or CSV.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::from_unix;
use crate::db::ops as sql;
use crate::db::Money;
use crate::domain::account::day_start;
use crate::domain::ops::{is_online, Bucket};
use crate::service::error::{ServiceError, ServiceResult};

/// A time range `[from, to)` in unix seconds; defaults to the last 24 hours.
pub fn range(from: Option<i64>, to: Option<i64>, now: i64) -> ServiceResult<(i64, i64)> {
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - 86_400);
    if from >= to {
        return Err(ServiceError::invalid("from", "Must be before `to`."));
    }
    if to - from > 366 * 86_400 {
        return Err(ServiceError::invalid("from", "At most 366 days at a time."));
    }
    Ok((from, to))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRow {
    pub user_id: i64,
    /// Start of the hour or day (unix, UTC).
    pub period_start: i64,
    pub bytes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    pub rows: Vec<UsageRow>,
    pub total_bytes: i64,
}

pub async fn user_usage(
    app: &App,
    user_id: Option<i64>,
    granularity: &str,
    from: i64,
    to: i64,
) -> ServiceResult<UsageReport> {
    let bucket = Bucket::parse(granularity)
        .ok_or_else(|| ServiceError::invalid("granularity", "hour or day."))?;
    let rows: Vec<UsageRow> = sql::usage_buckets(&app.db, user_id, from, to, bucket.seconds())
        .await?
        .into_iter()
        .map(|(user_id, period_start, bytes)| UsageRow {
            user_id,
            period_start,
            bytes,
        })
        .collect();
    let total_bytes = rows.iter().map(|r| r.bytes).sum();
    Ok(UsageReport { rows, total_bytes })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopUser {
    pub user_id: i64,
    pub email: String,
    pub bytes: i64,
}

pub async fn top_users(app: &App, from: i64, to: i64, limit: i64) -> ServiceResult<Vec<TopUser>> {
    Ok(sql::top_users(&app.db, from, to, limit.clamp(1, 1000))
        .await?
        .into_iter()
        .map(|(user_id, email, bytes)| TopUser {
            user_id,
            email,
            bytes,
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeBandwidth {
    pub node_id: i64,
    pub name: String,
    pub used: i64,
    /// 0 = no limit.
    pub limit: i64,
}

pub async fn node_bandwidth(app: &App) -> ServiceResult<Vec<NodeBandwidth>> {
    Ok(sql::node_heartbeats(&app.db)
        .await?
        .into_iter()
        .map(|(node_id, name, _, used, limit)| NodeBandwidth {
            node_id,
            name,
            used,
            limit,
        })
        .collect())
}

/// The admin dashboard's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub users_total: i64,
    pub users_enabled: i64,
    /// Users with a class above 0 that has not expired.
    pub users_paid: i64,
    /// Paid top-ups of orders created since UTC midnight.
    #[schema(value_type = String, example = "0.00")]
    pub revenue_today: Money,
    /// Paid top-ups of orders created in the last 30 UTC days, today included.
    #[schema(value_type = String, example = "0.00")]
    pub revenue_30d: Money,
    /// Bytes (upload + download) of all users since UTC midnight.
    pub traffic_today: i64,
    pub nodes_total: i64,
    /// Nodes whose last heartbeat is within `node_offline_timeout`.
    pub nodes_online: i64,
}

pub async fn overview(app: &App, now: i64) -> ServiceResult<Overview> {
    let today = day_start(now);
    let (users_total, users_enabled, users_paid) =
        sql::user_counts(&app.db, from_unix(now)).await?;
    let timeout = app.settings.get_i64("node_offline_timeout").await?;
    let nodes = sql::node_heartbeats(&app.db).await?;
    let nodes_online = nodes
        .iter()
        .filter(|(_, _, heartbeat, _, _)| is_online(*heartbeat, now, timeout))
        .count();
    Ok(Overview {
        users_total,
        users_enabled,
        users_paid,
        revenue_today: sql::paid_top_ups_since(&app.db, today).await?,
        revenue_30d: sql::paid_top_ups_since(&app.db, today - 29 * 86_400).await?,
        traffic_today: sql::traffic_since(&app.db, today).await?,
        nodes_total: nodes.len() as i64,
        nodes_online: nodes_online as i64,
    })
}
