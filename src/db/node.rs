//! SQL of the node APIs: nodes, the users a node serves, online state and traffic accounting.

use super::{placeholders, Db, DbMoney, Done, Int, Money, Tx};
use crate::domain::node::{NodeRow, NodeUserRow, COUNTER_CAP, MAX_BATCH_DELTA};
use crate::{on_db, on_tx};

const NODE_COLUMNS: &str =
    "`id`, `name`, `type`, `server`, `custom_config`, `sort`, `traffic_rate`, \
    `node_class`, `node_group`, `node_speedlimit`, `node_connector`, `node_bandwidth`, \
    `node_bandwidth_limit`, `node_ip`, `mu_only`";

/// A `node` row as read, turned into the domain's [`NodeRow`].
#[derive(sqlx::FromRow)]
struct NodeRecord {
    id: i64,
    name: String,
    #[sqlx(rename = "type")]
    node_type: i64,
    server: String,
    custom_config: String,
    sort: i64,
    traffic_rate: f32,
    node_class: i64,
    node_group: i64,
    #[sqlx(try_from = "DbMoney")]
    node_speedlimit: Money,
    node_connector: i64,
    node_bandwidth: i64,
    node_bandwidth_limit: i64,
    node_ip: Option<String>,
    mu_only: Option<i64>,
}

impl From<NodeRecord> for NodeRow {
    fn from(r: NodeRecord) -> NodeRow {
        NodeRow {
            id: r.id,
            name: r.name,
            node_type: r.node_type,
            server: r.server,
            custom_config: r.custom_config,
            sort: r.sort,
            traffic_rate: r.traffic_rate,
            node_class: r.node_class,
            node_group: r.node_group,
            node_speedlimit: r.node_speedlimit,
            node_connector: r.node_connector,
            node_bandwidth: r.node_bandwidth,
            node_bandwidth_limit: r.node_bandwidth_limit,
            node_ip: r.node_ip,
            mu_only: r.mu_only,
        }
    }
}

pub async fn find_node(db: &Db, id: i64) -> sqlx::Result<Option<NodeRow>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM `node` WHERE `id` = ?");
    let row: Option<NodeRecord> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?;
    Ok(row.map(NodeRow::from))
}

pub async fn enabled_nodes(db: &Db) -> sqlx::Result<Vec<NodeRow>> {
    let sql = format!("SELECT {NODE_COLUMNS} FROM `node` WHERE `type` <> 0 ORDER BY `id`");
    let rows: Vec<NodeRecord> = on_db!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)?;
    Ok(rows.into_iter().map(NodeRow::from).collect())
}

/// Every user some node may list: enabled and not expired, or an administrator, with an id above
/// `after`, in id order, at most `limit` of them. Each node's list is filtered from these in memory
/// (class, group, quota), so a fleet costs one pass over the users per refresh, read in pages so
/// the rows in flight stay few.
pub async fn listable_users(
    db: &Db,
    now: chrono::NaiveDateTime,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<ListableUser>> {
    const SQL: &str =
        "SELECT `id`, `uuid`, `passwd`, `port`, `method`, `protocol`, `protocol_param`, \
        `obfs`, `obfs_param`, `u`, `d`, `transfer_enable`, `node_speedlimit`, `node_connector`, \
        `is_multi_user`, `forbidden_ip`, `forbidden_port`, `enable`, `class`, `node_group`, \
        `is_admin` FROM `user` WHERE `id` > ? AND ((`enable` = 1 AND `expire_in` > ?) OR `is_admin` = 1) \
        ORDER BY `id` LIMIT ?";
    let rows: Vec<ListableRecord> = on_db!(db, |p| sqlx::query_as(SQL)
        .bind(after)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(ListableUser::from).collect())
}

/// A user row with the fields that decide which nodes list it.
#[derive(Debug, Clone)]
pub struct ListableUser {
    pub row: NodeUserRow,
    pub class: i64,
    pub node_group: i64,
    pub is_admin: i64,
}

/// A `user` row as `listable_users` reads it.
#[derive(sqlx::FromRow)]
struct ListableRecord {
    #[sqlx(try_from = "Int")]
    id: i64,
    uuid: String,
    passwd: String,
    port: i64,
    method: String,
    protocol: Option<String>,
    protocol_param: Option<String>,
    obfs: Option<String>,
    obfs_param: Option<String>,
    #[sqlx(try_from = "Int")]
    u: i64,
    #[sqlx(try_from = "Int")]
    d: i64,
    #[sqlx(try_from = "Int")]
    transfer_enable: i64,
    #[sqlx(try_from = "DbMoney")]
    node_speedlimit: Money,
    node_connector: i64,
    is_multi_user: i64,
    forbidden_ip: Option<String>,
    forbidden_port: Option<String>,
    enable: i64,
    class: i64,
    node_group: i64,
    is_admin: i64,
}

impl From<ListableRecord> for ListableUser {
    fn from(r: ListableRecord) -> ListableUser {
        ListableUser {
            row: NodeUserRow {
                id: r.id,
                uuid: r.uuid,
                passwd: r.passwd,
                port: r.port,
                method: r.method,
                protocol: r.protocol,
                protocol_param: r.protocol_param,
                obfs: r.obfs,
                obfs_param: r.obfs_param,
                u: r.u,
                d: r.d,
                transfer_enable: r.transfer_enable,
                node_speedlimit: r.node_speedlimit,
                node_connector: r.node_connector,
                is_multi_user: r.is_multi_user,
                forbidden_ip: r.forbidden_ip,
                forbidden_port: r.forbidden_port,
                enable: r.enable,
            },
            class: r.class,
            node_group: r.node_group,
            is_admin: r.is_admin,
        }
    }
}

/// `alive_ip` rows from id `from` on, in id order, at most `limit`: (id, user, ip, unix time).
pub async fn alive_ips_from(
    db: &Db,
    from: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, i64, String, i64)>> {
    let rows: Vec<(Int, Int, String, Int)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT `id`, `userid`, `ip`, `datetime` FROM `alive_ip` WHERE `id` >= ? ORDER BY `id` LIMIT ?"
    )
    .bind(from)
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, user, ip, at)| (id.0, user.0, ip, at.0))
        .collect())
}

/// Tables whose auto-increment id follows their time column, so the rows of a time range are an
/// id range (their only index is the primary key): (table, time column).
pub const TIME_ORDERED: [(&str, &str); 3] = [
    ("alive_ip", "datetime"),
    ("node_info", "log_time"),
    ("node_online_log", "log_time"),
];

/// The first id of `table` whose `time_col` is ≥ `since` (one past the last id when none is), found
/// by bisecting the primary key (a few dozen index lookups, never a scan), and the table's first id.
pub async fn first_id_since(
    db: &Db,
    (table, time_col): (&str, &str),
    since: i64,
) -> sqlx::Result<(i64, i64)> {
    let bounds: (Option<Int>, Option<Int>) = on_db!(db, |p| sqlx::query_as(&format!(
        "SELECT MIN(`id`), MAX(`id`) FROM `{table}`"
    ))
    .fetch_one(p)
    .await)?;
    let (Some(Int(min)), Some(Int(max))) = bounds else {
        return Ok((0, 0));
    };
    let probe =
        format!("SELECT `id`, `{time_col}` FROM `{table}` WHERE `id` >= ? ORDER BY `id` LIMIT 1");
    let (mut lo, mut hi) = (min, max + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let row: Option<(Int, Int)> = on_db!(db, |p| sqlx::query_as(&probe)
            .bind(mid)
            .fetch_optional(p)
            .await)?;
        match row {
            Some((Int(id), Int(at))) if at < since => lo = (id + 1).min(hi),
            _ => hi = mid,
        }
    }
    Ok((lo, min))
}

/// Deletes the rows of `table` older than `before`, in id ranges of `batch` rows, each its own
/// statement and commit: no giant transaction (Galera certifies a transaction whole) and no scan
/// (the time column has no index; the id range bounds every statement). Returns the rows deleted.
pub async fn prune_by_id(
    db: &Db,
    (table, time_col): (&str, &str),
    before: i64,
    batch: i64,
) -> sqlx::Result<u64> {
    let (end, mut from) = first_id_since(db, (table, time_col), before).await?;
    let sql = format!("DELETE FROM `{table}` WHERE `id` >= ? AND `id` < ? AND `{time_col}` < ?");
    let mut deleted = 0;
    while from < end {
        let to = (from + batch).min(end);
        let done = on_db!(db, |p| sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(before)
            .execute(p)
            .await
            .map(Done::from))?;
        deleted += done.rows;
        from = to;
    }
    Ok(deleted)
}

/// Stores heartbeats, (node id, unix time) pairs, in one statement per distinct time (they are
/// usually all the same second) and at most 500 nodes; a heartbeat never moves back.
pub async fn touch_heartbeats(db: &Db, beats: &[(i64, i64)]) -> sqlx::Result<()> {
    let mut by_time: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (node, at) in beats {
        by_time.entry(*at).or_default().push(*node);
    }
    for (at, nodes) in by_time {
        for chunk in nodes.chunks(500) {
            let sql = format!(
                "UPDATE `node` SET `node_heartbeat` = ? WHERE `node_heartbeat` < ? AND `id` IN ({})",
                placeholders(chunk.len())
            );
            on_db!(db, |p| {
                let mut q = sqlx::query(&sql).bind(at).bind(at);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(p).await.map(Done::from)
            })?;
        }
    }
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

/// Which of the (node, idempotency key) pairs already have a receipt: reports applied before.
pub async fn existing_receipts(
    tx: &mut Tx,
    keys: &[(i64, &str)],
) -> sqlx::Result<Vec<(i64, String)>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(500) {
        let sql = format!(
            // (The key column is binary-collated, so it comes back as text through a cast.)
            "SELECT `node_id`, CAST(`idem_key` AS CHAR) FROM `spanel_traffic_receipt` \
             WHERE (`node_id`, `idem_key`) IN ({})",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        let rows: Vec<(Int, String)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for (node, key) in chunk {
                q = q.bind(*node).bind(*key);
            }
            q.fetch_all(c).await
        })?;
        found.extend(rows.into_iter().map(|(n, k)| (n.0, k)));
    }
    Ok(found)
}

/// Records the reports applied in this transaction under their idempotency keys. A key another
/// transaction recorded meanwhile fails the statement (a unique violation).
pub async fn insert_receipts(tx: &mut Tx, keys: &[(i64, &str)], now: i64) -> sqlx::Result<()> {
    for chunk in keys.chunks(500) {
        let sql = format!(
            "INSERT INTO `spanel_traffic_receipt` (`node_id`, `idem_key`, `created_at`) VALUES {}",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for (node, key) in chunk {
                q = q.bind(*node).bind(*key).bind(now);
            }
            q.execute(c).await.map(Done::from)
        })?;
    }
    Ok(())
}

/// Deletes up to `limit` receipts older than `before`; returns how many went.
pub async fn prune_receipts(db: &Db, before: i64, limit: i64) -> sqlx::Result<u64> {
    let done = on_db!(db, |p| sqlx::query(
        "DELETE FROM `spanel_traffic_receipt` WHERE (`node_id`, `idem_key`) IN \
         (SELECT `node_id`, `idem_key` FROM (SELECT `node_id`, `idem_key` \
         FROM `spanel_traffic_receipt` WHERE `created_at` < ? LIMIT ?) AS old)"
    )
    .bind(before)
    .bind(limit)
    .execute(p)
    .await
    .map(Done::from))?;
    let slots = on_db!(db, |p| sqlx::query(
        "DELETE FROM `spanel_traffic_commit` WHERE `updated_at` < ?"
    )
    .bind(before)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(done.rows + slots.rows)
}

/// Writes commit number `seq` of a flusher's `slot` inside the transaction being committed, so
/// that, if the connection dies during `COMMIT`, a later look tells whether it committed.
pub async fn mark_commit(tx: &mut Tx, slot: &str, seq: i64, now: i64) -> sqlx::Result<()> {
    let b = tx.backend();
    let sql = format!(
        "INSERT INTO `spanel_traffic_commit` (`slot`, `seq`, `updated_at`) VALUES (?, ?, ?){}\
         `seq` = {}, `updated_at` = {}",
        b.upsert(&["slot"]),
        b.proposed("seq"),
        b.proposed("updated_at")
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(slot)
        .bind(seq)
        .bind(now)
        .execute(c)
        .await
        .map(Done::from))?;
    Ok(())
}

/// Whether commit `seq` of `slot` is in the database. The read locks the slot's row, so it waits
/// for a transaction still holding it (a `COMMIT` the server is finishing) and its answer is final.
pub async fn commit_marked(db: &Db, slot: &str, seq: i64) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "SELECT `seq` FROM `spanel_traffic_commit` WHERE `slot` = ?{}",
        tx.for_update()
    );
    let found: Option<Int> = on_tx!(&mut tx, |c| sqlx::query_scalar(&sql)
        .bind(slot)
        .fetch_optional(c)
        .await)?;
    tx.commit().await?;
    Ok(found.is_some_and(|s| s.0 >= seq))
}

/// Sizes of the multi-row `INSERT`s that fill the temporary delta tables: powers of two, so each
/// connection prepares a handful of statement shapes once and reuses them, instead of preparing
/// (one more round trip, thousands of placeholders parsed) a new shape for every batch size.
const INSERT_SHAPES: [usize; 9] = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
/// Padding rows carry ids above every real one (ids are stored as `i64`), so they match nothing.
const PADDING_IDS_FROM: u64 = 1 << 63;

/// The statement shapes covering `n` rows: the largest shapes that fit, then one 16-row statement
/// padded for the last few rows (under 16 padding rows in all).
fn insert_shapes(n: usize) -> Vec<usize> {
    let mut shapes = Vec::new();
    let mut rest = n;
    for shape in INSERT_SHAPES.iter().rev() {
        while rest >= *shape {
            shapes.push(*shape);
            rest -= shape;
        }
    }
    if rest > 0 {
        shapes.push(INSERT_SHAPES[0]);
    }
    shapes
}

/// Loads `rows` (id, a, b) into the MEMORY table `table` (`id`, `a`, `b`), padded per
/// [`insert_shapes`].
async fn load_deltas(
    t: &mut sqlx::Transaction<'static, sqlx::MySql>,
    table: &str,
    rows: &[(u64, u64, u64)],
) -> sqlx::Result<()> {
    let mut rest = rows;
    for shape in insert_shapes(rows.len()) {
        let take = rest.len().min(shape);
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        let sql = format!(
            "INSERT INTO `{table}` (`id`, `a`, `b`) VALUES {}",
            vec!["(?, ?, ?)"; shape].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, a, b) in chunk {
            q = q.bind(*id).bind(*a).bind(*b);
        }
        for pad in 0..(shape - take) as u64 {
            q = q.bind(PADDING_IDS_FROM + pad).bind(0u64).bind(0u64);
        }
        q.execute(&mut **t).await?;
    }
    Ok(())
}

/// Empties the connection's temporary table `table`, creating it on the connection's first batch.
/// (A failed statement does not end a MySQL transaction.)
async fn empty_delta_table(
    t: &mut sqlx::Transaction<'static, sqlx::MySql>,
    table: &str,
) -> sqlx::Result<()> {
    match sqlx::query(&format!("DELETE FROM `{table}`"))
        .execute(&mut **t)
        .await
    {
        Ok(_) => Ok(()),
        // ER_NO_SUCH_TABLE
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42S02") => {
            let create = format!(
                "CREATE TEMPORARY TABLE `{table}` (`id` BIGINT UNSIGNED NOT NULL, \
                 `a` BIGINT UNSIGNED NOT NULL, `b` BIGINT UNSIGNED NOT NULL, \
                 PRIMARY KEY USING BTREE (`id`)) ENGINE=MEMORY"
            );
            sqlx::query(&create).execute(&mut **t).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// MySQL/MariaDB: deltas go through per-connection MEMORY temporary tables joined in one `UPDATE`
/// each (the fastest form measured; temporary tables neither end the transaction nor replicate,
/// only the resulting row changes do).
async fn apply_batch_mysql(
    t: &mut sqlx::Transaction<'static, sqlx::MySql>,
    users: &[(u64, u64, u64)],
    nodes: &[(u64, u64, u64)],
    now: i64,
    hourly: &HourlyRows,
) -> sqlx::Result<()> {
    for table in ["spanel_delta", "spanel_node_delta"] {
        empty_delta_table(t, table).await?;
    }
    load_deltas(t, "spanel_delta", users).await?;
    sqlx::query(
        "UPDATE `user` AS t JOIN `spanel_delta` AS x ON t.`id` = x.`id` \
         SET t.`u` = LEAST(t.`u` + x.`a`, ?), t.`d` = LEAST(t.`d` + x.`b`, ?), t.`t` = ?",
    )
    .bind(COUNTER_CAP)
    .bind(COUNTER_CAP)
    .bind(now)
    .execute(&mut **t)
    .await?;
    if !nodes.is_empty() {
        load_deltas(t, "spanel_node_delta", nodes).await?;
        sqlx::query(
            "UPDATE `node` AS n JOIN `spanel_node_delta` AS x ON n.`id` = x.`id` \
             SET n.`node_bandwidth` = LEAST(n.`node_bandwidth` + x.`a`, ?)",
        )
        .bind(COUNTER_CAP)
        .execute(&mut **t)
        .await?;
        sqlx::query(
            "INSERT INTO `spanel_node_traffic_daily` (`node_id`, `day`, `bytes`) \
             SELECT x.`id`, ?, x.`a` FROM `spanel_node_delta` AS x JOIN `node` AS n ON n.`id` = x.`id` \
             ON DUPLICATE KEY UPDATE `bytes` = LEAST(`bytes` + VALUES(`bytes`), ?)",
        )
        .bind(now - now.rem_euclid(86_400))
        .bind(COUNTER_CAP)
        .execute(&mut **t)
        .await?;
    }
    for (hour, rows) in hourly {
        empty_delta_table(t, "spanel_delta").await?;
        load_deltas(t, "spanel_delta", rows).await?;
        sqlx::query(
            "INSERT INTO `spanel_traffic_hourly` (`user_id`, `hour`, `u`, `d`) \
             SELECT x.`id`, ?, x.`a`, x.`b` FROM `spanel_delta` AS x WHERE x.`id` < ? \
             ON DUPLICATE KEY UPDATE `u` = LEAST(`u` + VALUES(`u`), ?), \
             `d` = LEAST(`d` + VALUES(`d`), ?)",
        )
        .bind(*hour)
        .bind(PADDING_IDS_FROM)
        .bind(MAX_BATCH_DELTA)
        .bind(MAX_BATCH_DELTA)
        .execute(&mut **t)
        .await?;
    }
    Ok(())
}

/// SQLite: each table is updated from one `VALUES` list per statement.
async fn apply_batch_sqlite(
    t: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    users: &[(u64, u64, u64)],
    nodes: &[(u64, u64, u64)],
    now: i64,
    hourly: &HourlyRows,
) -> sqlx::Result<()> {
    // SQLite's default limit is 32,766 bound parameters per statement.
    const ROWS: usize = 8000;
    for chunk in users.chunks(ROWS) {
        let sql = format!(
            "UPDATE `user` SET `u` = MIN(`u` + x.column2, ?), `d` = MIN(`d` + x.column3, ?), \
             `t` = ? FROM (VALUES {}) AS x WHERE `user`.`id` = x.column1",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut q = sqlx::query(&sql)
            .bind(COUNTER_CAP as i64)
            .bind(COUNTER_CAP as i64)
            .bind(now);
        for (id, u, d) in chunk {
            q = q.bind(*id as i64).bind(*u as i64).bind(*d as i64);
        }
        q.execute(&mut **t).await?;
    }
    for (hour, rows) in hourly {
        for chunk in rows.chunks(ROWS) {
            let sql = format!(
                "INSERT INTO `spanel_traffic_hourly` (`user_id`, `hour`, `u`, `d`) \
                 SELECT column1, ?, column2, column3 FROM (VALUES {}) WHERE true \
                 ON CONFLICT (`user_id`, `hour`) DO UPDATE SET \
                 `u` = MIN(`u` + excluded.`u`, {cap}), `d` = MIN(`d` + excluded.`d`, {cap})",
                vec!["(?, ?, ?)"; chunk.len()].join(", "),
                cap = MAX_BATCH_DELTA
            );
            let mut q = sqlx::query(&sql).bind(*hour);
            for (id, u, d) in chunk {
                q = q.bind(*id as i64).bind(*u as i64).bind(*d as i64);
            }
            q.execute(&mut **t).await?;
        }
    }
    if !nodes.is_empty() {
        let sql = format!(
            "UPDATE `node` SET `node_bandwidth` = MIN(`node_bandwidth` + x.column2, ?) \
             FROM (VALUES {}) AS x WHERE `node`.`id` = x.column1",
            vec!["(?, ?)"; nodes.len()].join(", ")
        );
        let mut q = sqlx::query(&sql).bind(COUNTER_CAP as i64);
        for (id, raw, _) in nodes {
            q = q.bind(*id as i64).bind(*raw as i64);
        }
        q.execute(&mut **t).await?;
        let sql = format!(
            "INSERT INTO `spanel_node_traffic_daily` (`node_id`, `day`, `bytes`) \
             SELECT column1, ?, column2 FROM (VALUES {}) WHERE column1 IN (SELECT `id` FROM `node`) \
             ON CONFLICT (`node_id`, `day`) DO UPDATE SET `bytes` = MIN(`bytes` + excluded.`bytes`, ?)",
            vec!["(?, ?)"; nodes.len()].join(", ")
        );
        let mut q = sqlx::query(&sql).bind(now - now.rem_euclid(86_400));
        for (id, raw, _) in nodes {
            q = q.bind(*id as i64).bind(*raw as i64);
        }
        q.bind(COUNTER_CAP as i64).execute(&mut **t).await?;
    }
    Ok(())
}

/// Per-hour usage to add to `spanel_traffic_hourly`: (hour start, rows of (user, Δu, Δd)).
pub type HourlyRows = Vec<(i64, Vec<(u64, u64, u64)>)>;

/// Applies a batch in the caller's transaction with multi-row statements: `u = u + Δu`,
/// `d = d + Δd`, `t = now` for each (user, Δu, Δd) of `users` (ids that exist), `node_bandwidth`
/// for each (node, raw bytes, _) of `nodes` (and the same bytes into the node's
/// `spanel_node_traffic_daily` row of `now`'s UTC day), and the hourly usage rows.
pub async fn apply_traffic(
    tx: &mut Tx,
    users: &[(u64, u64, u64)],
    nodes: &[(u64, u64, u64)],
    now: i64,
    hourly: &HourlyRows,
) -> sqlx::Result<()> {
    match tx {
        Tx::MySql(t) => apply_batch_mysql(t, users, nodes, now, hourly).await?,
        Tx::Sqlite(t) => apply_batch_sqlite(t, users, nodes, now, hourly).await?,
    }
    add_hourly_totals(tx, hourly).await
}

/// Adds each hour's bytes of `hourly` to `spanel_traffic_total_hourly` (one row per hour).
async fn add_hourly_totals(tx: &mut Tx, hourly: &HourlyRows) -> sqlx::Result<()> {
    let b = tx.backend();
    let sql = format!(
        "INSERT INTO `spanel_traffic_total_hourly` (`hour`, `bytes`) VALUES (?, ?){}\
         `bytes` = {}(`bytes` + {}, {COUNTER_CAP})",
        b.upsert(&["hour"]),
        b.least(),
        b.proposed("bytes")
    );
    for (hour, rows) in hourly {
        let bytes = rows.iter().fold(0u64, |sum, (_, u, d)| {
            sum.saturating_add(u.saturating_add(*d))
        });
        if bytes == 0 {
            continue;
        }
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(*hour)
            .bind(bytes.min(COUNTER_CAP) as i64)
            .execute(c)
            .await
            .map(Done::from))?;
    }
    Ok(())
}

/// The baseline the benchmark compares against: one `UPDATE` per row, one transaction per report.
pub async fn apply_traffic_per_row(
    tx: &mut Tx,
    node_id: i64,
    rows: &[(i64, u64, u64)],
    raw_total: u64,
    now: i64,
) -> sqlx::Result<()> {
    let least = tx.backend().least();
    let update_user = format!(
        "UPDATE `user` SET `u` = {least}(`u` + ?, {COUNTER_CAP}), \
         `d` = {least}(`d` + ?, {COUNTER_CAP}), `t` = ? WHERE `id` = ?"
    );
    for (id, u, d) in rows {
        on_tx!(tx, |c| sqlx::query(&update_user)
            .bind(*u as i64)
            .bind(*d as i64)
            .bind(now)
            .bind(*id)
            .execute(c)
            .await
            .map(Done::from))?;
    }
    let update_node = format!(
        "UPDATE `node` SET `node_bandwidth` = {least}(`node_bandwidth` + ?, {COUNTER_CAP}) \
         WHERE `id` = ?"
    );
    on_tx!(tx, |c| sqlx::query(&update_node)
        .bind(raw_total.min(MAX_BATCH_DELTA) as i64)
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
    let b = tx.backend();
    let (least, cap) = (b.least(), COUNTER_CAP);
    let daily = format!(
        "INSERT INTO `spanel_traffic_daily` (`user_id`, `day`, `u`, `d`) \
         SELECT `user_id`, `hour` - `hour` % 86400 AS `day`, SUM(`u`), SUM(`d`) \
         FROM `spanel_traffic_hourly` WHERE `hour` < ? GROUP BY `user_id`, `day`{}\
         `u` = {least}(`spanel_traffic_daily`.`u` + {}, {cap}), \
         `d` = {least}(`spanel_traffic_daily`.`d` + {}, {cap})",
        b.upsert(&["user_id", "day"]),
        b.proposed("u"),
        b.proposed("d")
    );
    on_tx!(tx, |c| sqlx::query(&daily)
        .bind(before_hour)
        .execute(c)
        .await
        .map(Done::from))?;
    // The top-users windows count the same hours (see `service::report_rollup`).
    for (span, st) in super::report_rollup::top_windows(tx).await? {
        super::report_rollup::add_hourly_to_top(tx, span, st, before_hour).await?;
    }
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `spanel_traffic_hourly` WHERE `hour` < ?"
    )
    .bind(before_hour)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(moved.rows)
}

/// Whether some node has `ip` as its `node_ip`.
pub async fn node_ip_known(db: &Db, ip: &str) -> sqlx::Result<bool> {
    let n: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `node` WHERE `node_ip` = ?"
    )
    .bind(ip)
    .fetch_one(p)
    .await)?;
    Ok(n.0 > 0)
}

#[cfg(test)]
mod tests {
    use super::insert_shapes;

    #[test]
    fn batches_are_padded_to_a_few_statement_shapes() {
        assert_eq!(insert_shapes(0), Vec::<usize>::new());
        assert_eq!(insert_shapes(1), vec![16]);
        assert_eq!(insert_shapes(16), vec![16]);
        assert_eq!(insert_shapes(17), vec![16, 16]);
        assert_eq!(insert_shapes(1600), vec![1024, 512, 64]);
        assert_eq!(insert_shapes(3200), vec![2048, 1024, 128]);
        assert_eq!(insert_shapes(9000), vec![4096, 4096, 512, 256, 32, 16]);
        for n in 0..10_000 {
            let shapes = insert_shapes(n);
            let room: usize = shapes.iter().sum();
            assert!(room >= n && room < n + 16, "{n}: {shapes:?}");
            assert!(shapes.len() <= n / 4096 + 9, "{n}: {shapes:?}");
        }
    }
}
