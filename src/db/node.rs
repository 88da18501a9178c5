//! SQL of the node APIs: nodes, the users a node serves, online state and traffic accounting.

use std::collections::{BTreeMap, HashMap};

use super::{placeholders, Backend, Db, Done, Int, Tx};
use crate::domain::node::{NodeRow, NodeUserRow};
use crate::{on_db, on_tx};

const NODE_COLUMNS: &str =
    "`id`, `name`, `type`, `server`, `custom_config`, `sort`, `traffic_rate`, \
    `node_class`, `node_group`, `node_speedlimit`, `node_connector`, `node_bandwidth`, \
    `node_bandwidth_limit`, `node_ip`, `mu_only`";

pub async fn find_node(db: &Db, id: i64) -> sqlx::Result<Option<NodeRow>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM `node` WHERE `id` = ?");
    on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub async fn enabled_nodes(db: &Db) -> sqlx::Result<Vec<NodeRow>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM `node` WHERE `type` <> 0 ORDER BY `id`");
    on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

/// Users allowed on `node` (SQL does the filter; over-quota users are decided by the caller).
pub async fn node_users(
    db: &Db,
    node: &NodeRow,
    now: chrono::NaiveDateTime,
) -> sqlx::Result<Vec<NodeUserRow>> {
    const SQL: &str =
        "SELECT `id`, `uuid`, `passwd`, `port`, `method`, `protocol`, `protocol_param`, \
        `obfs`, `obfs_param`, `u`, `d`, `transfer_enable`, `node_speedlimit`, `node_connector`, \
        `is_multi_user`, `forbidden_ip`, `forbidden_port`, `enable` FROM `user` \
        WHERE (`enable` = 1 AND `expire_in` > ? AND `class` >= ? AND (? = 0 OR `node_group` = ?)) \
        OR `is_admin` = 1 ORDER BY `id`";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(now)
        .bind(node.node_class)
        .bind(node.node_group)
        .bind(node.node_group)
        .fetch_all(p)
        .await)
}

/// Distinct IPs per user seen on any node since `since` (unix): the global device count.
pub async fn alive_ip_counts(db: &Db, since: i64) -> sqlx::Result<HashMap<i64, i64>> {
    let rows: Vec<(Int, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `userid`, COUNT(DISTINCT `ip`) FROM `alive_ip` WHERE `datetime` >= ? GROUP BY `userid`"
    )
    .bind(since)
    .fetch_all(p)
    .await
    })?;
    Ok(rows.into_iter().map(|(u, n)| (u.0, n)).collect())
}

pub async fn touch_heartbeat(db: &Db, node_id: i64, now: i64) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "UPDATE `node` SET `node_heartbeat` = ? WHERE `id` = ?"
    )
    .bind(now)
    .bind(node_id)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn insert_node_info(
    db: &Db,
    node_id: i64,
    uptime: f64,
    load: &str,
    now: i64,
) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `node_info` (`node_id`, `uptime`, `load`, `log_time`) VALUES (?, ?, ?, ?)"
    )
    .bind(node_id)
    .bind(uptime as f32)
    .bind(load)
    .bind(now)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn insert_online_log(db: &Db, node_id: i64, online: i64, now: i64) -> sqlx::Result<()> {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO `node_online_log` (`node_id`, `online_user`, `log_time`) VALUES (?, ?, ?)"
    )
    .bind(node_id)
    .bind(online)
    .bind(now)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(())
}

pub async fn insert_alive_ips(
    db: &Db,
    node_id: i64,
    entries: &[(i64, String)],
    now: i64,
) -> sqlx::Result<()> {
    for chunk in entries.chunks(500) {
        let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO `alive_ip` (`nodeid`, `userid`, `ip`, `datetime`) VALUES {values}"
        );
        on_db!(db, |p| {
            let mut q = sqlx::query(&sql);
            for (user, ip) in chunk {
                q = q.bind(node_id).bind(*user).bind(ip).bind(now);
            }
            q.execute(p).await.map(Done::from)
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DetectRule {
    #[sqlx(try_from = "Int")]
    pub id: i64,
    pub name: String,
    pub text: String,
    pub regex: String,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub rule_type: i64,
}

pub async fn detect_rules(db: &Db) -> sqlx::Result<Vec<DetectRule>> {
    on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `name`, `text`, `regex`, `type` FROM `detect_list` ORDER BY `id`"
    )
    .fetch_all(p)
    .await)
}

/// Records rule hits; hits naming an unknown user or rule are skipped (the table has foreign keys).
pub async fn insert_detect_logs(
    db: &Db,
    node_id: i64,
    hits: &[(i64, i64)],
    now: i64,
) -> sqlx::Result<u64> {
    let mut inserted = 0;
    for (user_id, list_id) in hits {
        let done = on_db!(db, |p| {
            sqlx::query(
            "INSERT INTO `detect_log` (`user_id`, `list_id`, `datetime`, `node_id`, `status`) \
             SELECT u.`id`, l.`id`, ?, ?, 0 FROM `user` u, `detect_list` l WHERE u.`id` = ? AND l.`id` = ?"
        )
        .bind(now)
        .bind(node_id)
        .bind(*user_id)
        .bind(*list_id)
        .execute(p)
        .await
        .map(Done::from)
        })?;
        inserted += done.rows;
    }
    Ok(inserted)
}

/// Traffic deltas merged from many reports: charged bytes per user, raw bytes per node.
#[derive(Debug, Default, Clone)]
pub struct TrafficBatch {
    pub users: BTreeMap<i64, (u64, u64)>,
    pub nodes: BTreeMap<i64, u64>,
}

/// Of `ids` (sorted), those that are users.
pub async fn existing_users(tx: &mut Tx, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT `id` FROM `user` WHERE `id` IN ({})",
            placeholders(chunk.len())
        );
        let rows: Vec<Int> = on_tx!(tx, |c| {
            let mut q = sqlx::query_scalar(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?;
        found.extend(rows.into_iter().map(|i| i.0));
    }
    Ok(found)
}

/// Adds `Δu`, `Δd` to each user of `chunk` and sets `t`. On MySQL/MariaDB the deltas go through a
/// per-connection MEMORY temporary table joined in one `UPDATE` (the fastest form measured, and
/// temporary tables neither end the transaction nor replicate); SQLite joins a `VALUES` list.
async fn add_user_deltas(tx: &mut Tx, chunk: &[(i64, u64, u64)], now: i64) -> sqlx::Result<()> {
    match tx {
        Tx::MySql(t) => {
            let c = &mut **t;
            sqlx::query(
                "CREATE TEMPORARY TABLE IF NOT EXISTS `spanel_delta` \
                 (`id` BIGINT UNSIGNED NOT NULL PRIMARY KEY, `du` BIGINT UNSIGNED NOT NULL, \
                 `dd` BIGINT UNSIGNED NOT NULL) ENGINE=MEMORY",
            )
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM `spanel_delta`")
                .execute(&mut *c)
                .await?;
            let sql = format!(
                "INSERT INTO `spanel_delta` (`id`, `du`, `dd`) VALUES {}",
                vec!["(?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (id, u, d) in chunk {
                q = q.bind(*id).bind(*u as i64).bind(*d as i64);
            }
            q.execute(&mut *c).await?;
            sqlx::query(
                "UPDATE `user` AS t JOIN `spanel_delta` AS x ON t.`id` = x.`id` \
                 SET t.`u` = t.`u` + x.`du`, t.`d` = t.`d` + x.`dd`, t.`t` = ?",
            )
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        Tx::Sqlite(t) => {
            let sql = format!(
                "UPDATE `user` SET `u` = `u` + x.column2, `d` = `d` + x.column3, `t` = ? \
                 FROM (VALUES {}) AS x WHERE `user`.`id` = x.column1",
                vec!["(?, ?, ?)"; chunk.len()].join(", ")
            );
            let mut q = sqlx::query(&sql).bind(now);
            for (id, u, d) in chunk {
                q = q.bind(*id).bind(*u as i64).bind(*d as i64);
            }
            q.execute(&mut **t).await?;
        }
    }
    Ok(())
}

/// Applies a batch in the caller's transaction with multi-row statements: `u = u + Δ` for every
/// user in `known` (the batch's ids that exist; others are skipped, and so is their raw traffic on
/// the node), `t = now`, node bandwidth, and the hour's usage. Rows are touched in id order so that
/// concurrent flushes and instances lock them in the same order.
pub async fn apply_traffic(
    tx: &mut Tx,
    batch: &TrafficBatch,
    known: &std::collections::HashSet<i64>,
    raw_per_user_node: &BTreeMap<(i64, i64), u64>,
    now: i64,
    hourly: bool,
) -> sqlx::Result<usize> {
    let backend = tx.backend();
    let rows: Vec<(i64, u64, u64)> = batch
        .users
        .iter()
        .filter(|(id, _)| known.contains(id))
        .map(|(id, (u, d))| (*id, *u, *d))
        .collect();
    for chunk in rows.chunks(1000) {
        add_user_deltas(tx, chunk, now).await?;
    }
    let mut node_raw: BTreeMap<i64, u64> = BTreeMap::new();
    for ((node, user), raw) in raw_per_user_node {
        if known.contains(user) {
            *node_raw.entry(*node).or_default() += raw;
        }
    }
    for (node, raw) in node_raw.iter().filter(|(_, r)| **r > 0) {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE `node` SET `node_bandwidth` = `node_bandwidth` + ? WHERE `id` = ?"
        )
        .bind(*raw as i64)
        .bind(*node)
        .execute(c)
        .await
        .map(Done::from))?;
    }
    if hourly {
        let hour = now - now.rem_euclid(3600);
        for chunk in rows.chunks(1000) {
            let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = match backend {
                Backend::MySql => format!(
                    "INSERT INTO `spanel_traffic_hourly` (`user_id`, `hour`, `u`, `d`) VALUES {values} \
                     ON DUPLICATE KEY UPDATE `u` = `u` + VALUES(`u`), `d` = `d` + VALUES(`d`)"
                ),
                Backend::Sqlite => format!(
                    "INSERT INTO `spanel_traffic_hourly` (`user_id`, `hour`, `u`, `d`) VALUES {values} \
                     ON CONFLICT (`user_id`, `hour`) DO UPDATE SET `u` = `u` + excluded.`u`, `d` = `d` + excluded.`d`"
                ),
            };
            on_tx!(tx, |c| {
                let mut q = sqlx::query(&sql);
                for (id, u, d) in chunk {
                    q = q.bind(*id).bind(hour).bind(*u as i64).bind(*d as i64);
                }
                q.execute(c).await.map(Done::from)
            })?;
        }
    }
    Ok(rows.len())
}

/// The baseline the benchmark compares against: one `UPDATE` per row, one transaction per report.
pub async fn apply_traffic_per_row(
    tx: &mut Tx,
    node_id: i64,
    rows: &[(i64, u64, u64)],
    raw_total: u64,
    now: i64,
) -> sqlx::Result<()> {
    for (id, u, d) in rows {
        on_tx!(tx, |c| sqlx::query(
            "UPDATE `user` SET `u` = `u` + ?, `d` = `d` + ?, `t` = ? WHERE `id` = ?"
        )
        .bind(*u as i64)
        .bind(*d as i64)
        .bind(now)
        .bind(*id)
        .execute(c)
        .await
        .map(Done::from))?;
    }
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `node` SET `node_bandwidth` = `node_bandwidth` + ? WHERE `id` = ?"
    )
    .bind(raw_total as i64)
    .bind(node_id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Moves finished hours of `spanel_traffic_hourly` into SSPanel's `user_hourly_usage`
/// (`traffic` = the user's total at the time, `hourly_usage` = bytes used in the hour starting at
/// `datetime`) and into the per-day upload/download sums of `spanel_traffic_daily`. Returns the
/// `user_hourly_usage` rows written.
pub async fn roll_up_hourly_usage(tx: &mut Tx, before_hour: i64) -> sqlx::Result<u64> {
    let moved = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `user_hourly_usage` (`user_id`, `traffic`, `hourly_usage`, `datetime`) \
         SELECT h.`user_id`, u.`u` + u.`d`, h.`u` + h.`d`, h.`hour` FROM `spanel_traffic_hourly` h \
         JOIN `user` u ON u.`id` = h.`user_id` WHERE h.`hour` < ? ORDER BY h.`hour`, h.`user_id`"
    )
    .bind(before_hour)
    .execute(c)
    .await
    .map(Done::from))?;
    let daily = match tx.backend() {
        Backend::MySql => {
            "INSERT INTO `spanel_traffic_daily` (`user_id`, `day`, `u`, `d`) \
             SELECT `user_id`, `hour` - `hour` % 86400 AS `day`, SUM(`u`), SUM(`d`) \
             FROM `spanel_traffic_hourly` WHERE `hour` < ? GROUP BY `user_id`, `day` \
             ON DUPLICATE KEY UPDATE `u` = `spanel_traffic_daily`.`u` + VALUES(`u`), \
             `d` = `spanel_traffic_daily`.`d` + VALUES(`d`)"
        }
        Backend::Sqlite => {
            "INSERT INTO `spanel_traffic_daily` (`user_id`, `day`, `u`, `d`) \
             SELECT `user_id`, `hour` - `hour` % 86400 AS `day`, SUM(`u`), SUM(`d`) \
             FROM `spanel_traffic_hourly` WHERE `hour` < ? GROUP BY `user_id`, `day` \
             ON CONFLICT (`user_id`, `day`) DO UPDATE SET `u` = `u` + excluded.`u`, \
             `d` = `d` + excluded.`d`"
        }
    };
    on_tx!(tx, |c| sqlx::query(daily)
        .bind(before_hour)
        .execute(c)
        .await
        .map(Done::from))?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `spanel_traffic_hourly` WHERE `hour` < ?"
    )
    .bind(before_hour)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(moved.rows)
}
