//! The admin charts: money, orders, users and traffic per UTC day, traffic per node, and nodes
//! online over time, each read from a small aggregate or an index range (see `db::admin_reports`).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::admin_reports as sql;
use crate::db::Money;
use crate::domain::account::day_start;
use crate::domain::ops::is_online;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::report_rollup;
use crate::settings::catalog;

/// The charts there are, by the name in `/admin/charts/{name}`.
pub const NAMES: [&str; 6] = [
    "revenue",
    "orders",
    "users",
    "traffic",
    "node-traffic",
    "nodes-online",
];

const DAY: i64 = 86_400;
/// Nodes shown in the per-node chart (the busiest first).
const MAX_NODES: i64 = 50;
/// The node-monitor job samples nodes online once per slot of this many seconds.
pub const SAMPLE_EVERY: i64 = 600;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChartPoint {
    /// Start of the day or hour (unix, UTC); for `node-traffic`, the node's id.
    pub at: i64,
    /// A name for the point when it is not a time (`node-traffic`: the node's name).
    pub label: Option<String>,
    /// One exact decimal per series, in the chart's unit.
    pub values: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Chart {
    pub name: String,
    pub days: i64,
    /// `money` (site currency), `count` or `bytes`.
    pub unit: String,
    /// The series' keys, in the order of each point's `values`.
    pub series: Vec<String>,
    /// Oldest first; every day of the range for the per-day charts.
    pub points: Vec<ChartPoint>,
}

fn chart(name: &str, days: i64, unit: &str, series: &[&str], points: Vec<ChartPoint>) -> Chart {
    Chart {
        name: name.to_string(),
        days,
        unit: unit.to_string(),
        series: series.iter().map(|s| s.to_string()).collect(),
        points,
    }
}

/// Every day from `from_day` for `days` days, with the values found for it or zeros.
fn per_day(
    from_day: i64,
    days: i64,
    width: usize,
    found: BTreeMap<i64, Vec<String>>,
) -> Vec<ChartPoint> {
    (0..days)
        .map(|i| {
            let at = from_day + i * DAY;
            ChartPoint {
                at,
                label: None,
                values: found
                    .get(&at)
                    .cloned()
                    .unwrap_or_else(|| vec!["0".to_string(); width]),
            }
        })
        .collect()
}

/// Checks `days` (1 to 366, default 30).
pub fn days(days: Option<i64>) -> ServiceResult<i64> {
    let days = days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ServiceError::invalid("days", "From 1 to 366."));
    }
    Ok(days)
}

/// The chart `name` over the last `days` UTC days (today included).
pub async fn chart_of(app: &App, name: &str, days: i64, now: i64) -> ServiceResult<Chart> {
    let from = day_start(now) - (days - 1) * DAY;
    match name {
        "revenue" | "orders" => money_chart(app, name, days, from).await,
        "users" => users_chart(app, days, from).await,
        "traffic" => {
            let rows = sql::usage_all(&app.db, from, now + 1, DAY).await?;
            let found = rows
                .into_iter()
                .map(|(d, b)| (d, vec![b.to_string()]))
                .collect();
            Ok(chart(
                name,
                days,
                "bytes",
                &["bytes"],
                per_day(from, days, 1, found),
            ))
        }
        "node-traffic" => {
            let points = sql::node_traffic(&app.db, from, MAX_NODES)
                .await?
                .into_iter()
                .map(|(id, node, bytes)| ChartPoint {
                    at: id,
                    label: Some(node),
                    values: vec![bytes.to_string()],
                })
                .collect();
            Ok(chart(name, days, "bytes", &["bytes"], points))
        }
        "nodes-online" => {
            let bucket = if days <= 7 { 3600 } else { DAY };
            let points = sql::nodes_online(&app.db, from, bucket)
                .await?
                .into_iter()
                .map(|(at, online, total)| ChartPoint {
                    at,
                    label: None,
                    values: vec![online.to_string(), total.to_string()],
                })
                .collect();
            Ok(chart(name, days, "count", &["online", "total"], points))
        }
        _ => Err(ServiceError::not_found("No such chart.")),
    }
}

/// `revenue`: paid top-ups and purchases per day in money; `orders`: how many of each. Read from
/// the per-day aggregates plus the rows not folded yet (`service::report_rollup`).
async fn money_chart(app: &App, name: &str, days: i64, from: i64) -> ServiceResult<Chart> {
    let money = name == "revenue";
    let found: BTreeMap<i64, Vec<String>> = report_rollup::chart_days(app, from)
        .await?
        .into_iter()
        .map(|(day, d)| {
            let values = if money {
                vec![
                    Money::from_cents(d.top_up_cents).to_string(),
                    Money::from_cents(d.purchase_cents).to_string(),
                ]
            } else {
                vec![d.top_ups.to_string(), d.purchases.to_string()]
            };
            (day, values)
        })
        .collect();
    let mut points = per_day(from, days, 2, found);
    if money {
        let zero = Money::ZERO.to_string();
        for p in &mut points {
            for v in &mut p.values {
                if v == "0" {
                    *v = zero.clone();
                }
            }
        }
    }
    let unit = if money { "money" } else { "count" };
    Ok(chart(name, days, unit, &["top_ups", "purchases"], points))
}

/// New users (by the calendar day of `reg_date`, in the site's time zone) and paying users
/// (distinct users with a paid top-up) per day.
async fn users_chart(app: &App, days: i64, from: i64) -> ServiceResult<Chart> {
    let found: BTreeMap<i64, Vec<String>> = report_rollup::chart_days(app, from)
        .await?
        .into_iter()
        .map(|(day, d)| (day, vec![d.new_users.to_string(), d.payers.to_string()]))
        .collect();
    Ok(chart(
        "users",
        days,
        "count",
        &["new", "paying"],
        per_day(from, days, 2, found),
    ))
}

/// Called by the node-monitor job: records how many nodes are online in the current slot.
pub async fn sample_nodes_online(app: &App, now: i64) -> ServiceResult<u64> {
    let timeout = app
        .settings
        .get_i64(catalog::NODE_OFFLINE_TIMEOUT.item)
        .await?;
    let nodes = crate::db::ops::node_heartbeats(&app.db).await?;
    let online = nodes
        .iter()
        .filter(|(_, _, heartbeat, _, _)| is_online(*heartbeat, now, timeout))
        .count() as i64;
    let slot = now - now.rem_euclid(SAMPLE_EVERY);
    Ok(sql::sample_nodes_online(&app.db, slot, online, nodes.len() as i64).await?)
}
