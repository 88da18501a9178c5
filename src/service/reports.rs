//! The admin overview, and traffic reports from spanel's own traffic aggregates (kept up by the
//! traffic path and the hourly roll-up; see `db::admin_reports`) and node bandwidth counters, as
//! rows that the HTTP layer renders as JSON or CSV.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::from_unix;
use crate::db::admin_reports as sql;
use crate::db::ops;
use crate::db::report_rollup::{self as rr, TOP_SPANS};
use crate::db::Money;
use crate::domain::account::day_start;
use crate::domain::ops::{is_online, Bucket};
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::report_rollup;
use crate::settings::catalog;

/// The latest time a report range may name (2100-01-01, unix seconds).
pub const LATEST: i64 = 4_102_444_800;

/// A time range `[from, to)` in unix seconds from 0 to [`LATEST`]; defaults to the last 24 hours.
pub fn range(from: Option<i64>, to: Option<i64>, now: i64) -> ServiceResult<(i64, i64)> {
    for (field, v) in [("from", from), ("to", to)] {
        if v.is_some_and(|v| !(0..=LATEST).contains(&v)) {
            return Err(ServiceError::invalid(
                field,
                format!("A unix time from 0 to {LATEST}."),
            ));
        }
    }
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
    /// The user asked for, or 0 for the sum of all users.
    pub user_id: i64,
    /// Start of the hour or day (unix, UTC).
    pub period_start: i64,
    pub bytes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    /// One row per period with traffic, oldest first (at most 31 × 24 hours or 366 days).
    pub rows: Vec<UsageRow>,
    /// Finished hours (rolled up every minute) and the current hour up to the last write of the
    /// usage statistics (`usage_stats_flush_secs`), as the overview's `traffic_today` counts them.
    pub total_bytes: i64,
}

/// Traffic per period of one user or of all users (`user_id` None), read from spanel's hourly
/// aggregates (never from all of `user_hourly_usage`), so the body is bounded by the periods.
pub async fn user_usage(
    app: &App,
    user_id: Option<i64>,
    granularity: &str,
    from: i64,
    to: i64,
) -> ServiceResult<UsageReport> {
    let bucket = Bucket::parse(granularity)
        .ok_or_else(|| ServiceError::invalid("granularity", "hour or day."))?;
    if bucket == Bucket::Hour && to - from > 31 * 86_400 {
        return Err(ServiceError::invalid(
            "granularity",
            "Hours for at most 31 days at a time; use day.",
        ));
    }
    let periods = match user_id {
        Some(id) if id <= 0 => return Err(ServiceError::invalid("user_id", "A user id.")),
        Some(id) => sql::usage_of_user(&app.db, id, from, to, bucket.seconds()).await?,
        None => sql::usage_all(&app.db, from, to, bucket.seconds()).await?,
    };
    let rows: Vec<UsageRow> = periods
        .into_iter()
        .map(|(period_start, bytes)| UsageRow {
            user_id: user_id.unwrap_or(0),
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

/// One page of the users with the most traffic, most first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopUsers {
    pub items: Vec<TopUser>,
    pub page: i64,
    pub per_page: i64,
    /// Whether a next page has users.
    pub has_more: bool,
    /// The first UTC day counted (the day holding `from`): the per-user aggregates keep whole days.
    pub from_day: i64,
}

/// The users with the most traffic in the finished hours (rolled up every minute) of the UTC days
/// from `from`'s day until `to`, `per_page` (1..=100) at a time; ties: the higher user id first.
///
/// The console's ranges (from 1, 7 or 30 days before today, through now) are read in order from
/// the per-user window totals (`service::report_rollup`), stopping at the page. Any other range,
/// and those while their window is being moved to a new day (minutes after midnight UTC), sum
/// `spanel_traffic_daily` through its `(day, user_id, u, d)` key: a cost of users × days.
pub async fn top_users(
    app: &App,
    (from, to): (i64, i64),
    page: Option<i64>,
    per_page: Option<i64>,
    now: i64,
) -> ServiceResult<TopUsers> {
    let per_page = per_page.unwrap_or(10);
    if !(1..=100).contains(&per_page) {
        return Err(ServiceError::invalid("per_page", "From 1 to 100."));
    }
    let page = page.unwrap_or(1);
    if !(1..=10_000).contains(&page) {
        return Err(ServiceError::invalid("page", "From 1 to 10000."));
    }
    let from_day = day_start(from);
    let (offset, limit) = ((page - 1) * per_page, per_page + 1);
    let today = day_start(now);
    let window = TOP_SPANS
        .into_iter()
        .find(|span| to > today && today - span * 86_400 == from_day);
    let mut rows = None;
    if let Some(span) = window {
        // One snapshot: the window's state and its rows agree.
        let mut tx = app.db.begin_read().await?;
        if report_rollup::top_window_ready(&mut tx, span).await? == Some(from_day) {
            rows = Some(rr::top_page(&mut tx, span, offset, limit).await?);
        }
        tx.rollback().await?;
    }
    let mut rows = match rows {
        Some(rows) => rows,
        None => sql::top_users(&app.db, from_day, to, offset, limit).await?,
    };
    let has_more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok(TopUsers {
        items: rows
            .into_iter()
            .map(|(user_id, email, bytes)| TopUser {
                user_id,
                email,
                bytes,
            })
            .collect(),
        page,
        per_page,
        has_more,
        from_day,
    })
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
    Ok(ops::node_heartbeats(&app.db)
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
        ops::user_counts(&app.db, from_unix(now)).await?;
    let timeout = app
        .settings
        .get_i64(catalog::NODE_OFFLINE_TIMEOUT.item)
        .await?;
    let nodes = ops::node_heartbeats(&app.db).await?;
    // Paid top-ups per day from the chart aggregates (never a scan of `paylist`).
    let revenue = report_rollup::chart_days(app, today - 29 * 86_400).await?;
    let nodes_online = nodes
        .iter()
        .filter(|(_, _, heartbeat, _, _)| is_online(*heartbeat, now, timeout))
        .count();
    Ok(Overview {
        users_total,
        users_enabled,
        users_paid,
        revenue_today: Money::from_cents(revenue.get(&today).map_or(0, |d| d.top_up_cents)),
        revenue_30d: Money::from_cents(revenue.values().map(|d| d.top_up_cents).sum()),
        traffic_today: ops::traffic_since(&app.db, today).await?,
        nodes_total: nodes.len() as i64,
        nodes_online: nodes_online as i64,
    })
}
