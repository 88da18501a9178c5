//! Traffic accounting with group commit.
//!
//! Each report is validated whole before it is queued. One flusher task takes every report waiting
//! in the queue, merges them into per-user deltas and applies them in one transaction with
//! multi-row statements; only after that commit is every report of the batch acknowledged. While a
//! flush runs the next batch gathers, so under load batches grow instead of transactions queuing
//! up. A crash loses only unacknowledged reports, which the nodes send again.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, Mutex};

use crate::db::node::{self as sql, HourlyRows};
use crate::db::Db;
use crate::domain::node::{charge, TrafficRow};
use crate::settings::Settings;

/// The most user rows merged into one flush.
const MAX_BATCH_ROWS: usize = 20_000;
const FLUSH_ATTEMPTS: usize = 3;
/// Flushers working at once: while one waits for its commit, the next batch is being applied.
const FLUSHERS: usize = 2;

#[derive(Debug, Clone)]
pub struct TrafficReport {
    pub node_id: i64,
    pub rate: f64,
    pub rows: Vec<TrafficRow>,
}

struct Pending {
    report: TrafficReport,
    ack: oneshot::Sender<Result<(), String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("traffic could not be recorded: {0}")]
pub struct TrafficError(pub String);

/// Traffic deltas merged from many reports: charged bytes (Δu, Δd) per user.
#[derive(Debug, Default, Clone)]
pub struct TrafficBatch {
    pub users: BTreeMap<i64, (u64, u64)>,
}

/// Per-hour usage statistics gathered between writes: (user, hour start) → (Δu, Δd).
struct UsageStats {
    every: Duration,
    pending: UsageMap,
    last_write: Option<Instant>,
}

type UsageMap = BTreeMap<(i64, i64), (u64, u64)>;
/// (id, a, b) rows as `sql::apply_traffic` takes them.
type Rows = Vec<(u64, u64, u64)>;

fn add_usage(map: &mut UsageMap, hour: i64, users: &[(u64, u64, u64)]) {
    for (id, u, d) in users {
        let e = map.entry((*id as i64, hour)).or_insert((0, 0));
        e.0 += u;
        e.1 += d;
    }
}

impl UsageStats {
    /// Everything gathered, when a write is due (the caller writes it, or gives it back).
    fn take_if_due(&mut self) -> Option<UsageMap> {
        let due = self.last_write.is_none_or(|t| t.elapsed() >= self.every);
        due.then(|| {
            self.last_write = Some(Instant::now());
            std::mem::take(&mut self.pending)
        })
    }

    fn give_back(&mut self, taken: UsageMap) {
        for (key, (u, d)) in taken {
            let e = self.pending.entry(key).or_insert((0, 0));
            e.0 += u;
            e.1 += d;
        }
    }
}

/// Groups per-hour statistics by hour, users in id order.
fn by_hour(stats: &UsageMap) -> HourlyRows {
    let mut hours: BTreeMap<i64, Vec<(u64, u64, u64)>> = BTreeMap::new();
    for ((user, hour), (u, d)) in stats {
        hours.entry(*hour).or_default().push((*user as u64, *u, *d));
    }
    hours.into_iter().collect()
}

#[derive(Clone)]
pub struct TrafficRecorder {
    queue: Option<mpsc::Sender<Pending>>,
    db: Db,
    settings: Settings,
    stats: Arc<std::sync::Mutex<UsageStats>>,
}

impl TrafficRecorder {
    /// With `batching` off every report is its own transaction with one `UPDATE` per row
    /// (the baseline benchmarks compare against).
    pub fn start(
        db: Db,
        settings: Settings,
        batching: bool,
        stats_every: Duration,
    ) -> TrafficRecorder {
        let stats = Arc::new(std::sync::Mutex::new(UsageStats {
            every: stats_every,
            pending: BTreeMap::new(),
            last_write: None,
        }));
        let queue = batching.then(|| {
            let (tx, rx) = mpsc::channel(16_384);
            let rx = Arc::new(Mutex::new(rx));
            let known = Arc::new(Mutex::new(HashSet::new()));
            for _ in 0..FLUSHERS {
                tokio::spawn(flusher(
                    db.clone(),
                    settings.clone(),
                    rx.clone(),
                    known.clone(),
                    stats.clone(),
                ));
            }
            tx
        });
        TrafficRecorder {
            queue,
            db,
            settings,
            stats,
        }
    }

    /// Writes the usage statistics still gathered in memory (at shutdown).
    pub async fn write_usage_stats(&self) -> sqlx::Result<()> {
        let pending = std::mem::take(&mut self.stats.lock().expect("stats lock").pending);
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        sql::apply_traffic(&mut tx, &[], &[], 0, &by_hour(&pending)).await?;
        tx.commit().await
    }

    /// Records a report; returns once it is committed.
    pub async fn record(&self, report: TrafficReport) -> Result<(), TrafficError> {
        if report.rows.is_empty() {
            return Ok(());
        }
        let Some(queue) = &self.queue else {
            return apply_per_row(&self.db, &report)
                .await
                .map_err(|e| TrafficError(e.to_string()));
        };
        let (ack, done) = oneshot::channel();
        queue
            .send(Pending { report, ack })
            .await
            .map_err(|_| TrafficError("recorder stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(TrafficError(e)),
            Err(_) => Err(TrafficError("recorder stopped".into())),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// Takes everything queued (up to `MAX_BATCH_ROWS`), applies it in one transaction, then
/// acknowledges each report with the outcome.
async fn flusher(
    db: Db,
    settings: Settings,
    queue: Arc<Mutex<mpsc::Receiver<Pending>>>,
    known: Arc<Mutex<HashSet<i64>>>,
    stats: Arc<std::sync::Mutex<UsageStats>>,
) {
    loop {
        let batch = {
            let mut rx = queue.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut rows = first.report.rows.len();
            let mut batch = vec![first];
            while rows < MAX_BATCH_ROWS {
                match rx.try_recv() {
                    Ok(p) => {
                        rows += p.report.rows.len();
                        batch.push(p);
                    }
                    Err(_) => break,
                }
            }
            batch
        };
        let hourly = settings
            .get_bool("enable_hourly_usage")
            .await
            .unwrap_or(true);
        let reports: Vec<&TrafficReport> = batch.iter().map(|p| &p.report).collect();
        let stats = hourly.then_some(&*stats);
        let result = flush(&db, &known, &reports, stats)
            .await
            .map(|applied| {
                crate::metrics::batch_size("traffic", batch.len() as u64);
                crate::metrics::traffic_rows(applied as u64);
            })
            .map_err(|e| {
                tracing::error!(error = %e, reports = batch.len(), "traffic flush failed; nothing acknowledged");
                e.to_string()
            });
        for p in batch {
            let _ = p.ack.send(result.clone());
        }
    }
}

/// Merges reports: charged bytes per user (each row charged at its own node's rate, rounded per
/// row), raw bytes per (node, user) for node bandwidth.
pub fn merge(reports: &[&TrafficReport]) -> (TrafficBatch, BTreeMap<(i64, i64), u64>) {
    let mut batch = TrafficBatch::default();
    let mut raw = BTreeMap::new();
    for r in reports {
        for row in &r.rows {
            let e = batch.users.entry(row.user_id).or_insert((0, 0));
            e.0 += charge(row.u, r.rate);
            e.1 += charge(row.d, r.rate);
            *raw.entry((r.node_id, row.user_id)).or_insert(0) += row.u + row.d;
        }
    }
    (batch, raw)
}

/// The rows to apply: (user, Δu, Δd) for users that exist, in id order, and (node, raw bytes, 0)
/// counting only those users' traffic.
fn rows_to_apply(
    batch: &TrafficBatch,
    present: &HashSet<i64>,
    raw: &BTreeMap<(i64, i64), u64>,
) -> (Rows, Rows) {
    let users = batch
        .users
        .iter()
        .filter(|(id, _)| present.contains(id))
        .map(|(id, (u, d))| (*id as u64, *u, *d))
        .collect();
    let mut nodes: BTreeMap<i64, u64> = BTreeMap::new();
    for ((node, user), bytes) in raw {
        if present.contains(user) {
            *nodes.entry(*node).or_default() += bytes;
        }
    }
    let nodes = nodes
        .into_iter()
        .filter(|(_, bytes)| *bytes > 0)
        .map(|(id, bytes)| (id as u64, bytes, 0))
        .collect();
    (users, nodes)
}

fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            // MySQL deadlock / lock wait timeout, SQLite busy.
            matches!(
                db.code().as_deref(),
                Some("40001") | Some("5") | Some("517")
            ) || db.message().contains("Deadlock")
                || db.message().contains("Lock wait timeout")
        }
        _ => false,
    }
}

/// Users seen to exist are remembered, so steady traffic costs no existence query. (A user
/// deleted since is still skipped by the `UPDATE` itself.)
async fn known_users(
    db: &Db,
    known: &Mutex<HashSet<i64>>,
    batch: &TrafficBatch,
) -> sqlx::Result<HashSet<i64>> {
    let mut cache = known.lock().await;
    let unknown: Vec<i64> = batch
        .users
        .keys()
        .filter(|id| !cache.contains(id))
        .copied()
        .collect();
    if !unknown.is_empty() {
        let mut tx = db.begin().await?;
        let found = sql::existing_users(&mut tx, &unknown).await?;
        tx.commit().await?;
        cache.extend(found);
    }
    Ok(batch
        .users
        .keys()
        .filter(|id| cache.contains(id))
        .copied()
        .collect())
}

/// Applies the batch in one transaction (retried on deadlock) and, when due, the usage statistics
/// gathered so far. Returns the user rows applied.
async fn flush(
    db: &Db,
    known: &Mutex<HashSet<i64>>,
    reports: &[&TrafficReport],
    stats: Option<&std::sync::Mutex<UsageStats>>,
) -> sqlx::Result<usize> {
    let (batch, raw) = merge(reports);
    let present = known_users(db, known, &batch).await?;
    let (users, nodes) = rows_to_apply(&batch, &present, &raw);
    let now = chrono::Utc::now().timestamp();
    let hour = now - now.rem_euclid(3600);
    let taken = stats.and_then(|s| s.lock().expect("stats lock").take_if_due());
    let hourly = match &taken {
        Some(taken) => {
            let mut all = taken.clone();
            add_usage(&mut all, hour, &users);
            by_hour(&all)
        }
        None => Vec::new(),
    };
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        let result = async {
            let mut tx = db.begin().await?;
            sql::apply_traffic(&mut tx, &users, &nodes, now, &hourly).await?;
            tx.commit().await
        }
        .await;
        match result {
            Err(e) if attempt < FLUSH_ATTEMPTS && is_retryable(&e) => {
                tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
            }
            other => break other,
        }
    };
    if let Some(stats) = stats {
        let mut stats = stats.lock().expect("stats lock");
        match (&result, taken) {
            // Written with this commit.
            (Ok(()), Some(_)) => {}
            (Ok(()), None) => add_usage(&mut stats.pending, hour, &users),
            (Err(_), Some(taken)) => stats.give_back(taken),
            (Err(_), None) => {}
        }
    }
    result.map(|()| users.len())
}

async fn apply_per_row(db: &Db, report: &TrafficReport) -> sqlx::Result<()> {
    let mut rows: Vec<(i64, u64, u64)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.user_id,
                charge(r.u, report.rate),
                charge(r.d, report.rate),
            )
        })
        .collect();
    // Concurrent reports lock user rows in the same order, so they cannot deadlock.
    rows.sort_unstable_by_key(|r| r.0);
    let raw: u64 = report.rows.iter().map(|r| r.u + r.d).sum();
    let mut tx = db.begin().await?;
    sql::apply_traffic_per_row(
        &mut tx,
        report.node_id,
        &rows,
        raw,
        chrono::Utc::now().timestamp(),
    )
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_stats_are_written_at_most_once_per_interval_and_kept_on_failure() {
        let mut stats = UsageStats {
            every: Duration::from_secs(3600),
            pending: UsageMap::new(),
            last_write: None,
        };
        // The first commit writes (nothing gathered yet); later ones gather.
        assert_eq!(stats.take_if_due(), Some(UsageMap::new()));
        assert_eq!(stats.take_if_due(), None);
        add_usage(&mut stats.pending, 7200, &[(1, 10, 20), (2, 1, 1)]);
        add_usage(&mut stats.pending, 7200, &[(1, 5, 5)]);
        add_usage(&mut stats.pending, 10800, &[(1, 1, 0)]);
        assert_eq!(stats.pending[&(1, 7200)], (15, 25));
        assert_eq!(
            by_hour(&stats.pending),
            vec![
                (7200, vec![(1, 15, 25), (2, 1, 1)]),
                (10800, vec![(1, 1, 0)])
            ]
        );
        // A failed write gives back what it took, adding to what gathered meanwhile.
        stats.last_write = None;
        let taken = stats.take_if_due().unwrap();
        assert!(stats.pending.is_empty());
        add_usage(&mut stats.pending, 7200, &[(1, 1, 1)]);
        stats.give_back(taken);
        assert_eq!(stats.pending[&(1, 7200)], (16, 26));
        assert_eq!(stats.pending.len(), 3);
        // With no interval every commit writes.
        stats.every = Duration::ZERO;
        assert!(stats.take_if_due().is_some());
        assert!(stats.take_if_due().is_some());
    }

    #[test]
    fn merge_charges_each_row_at_its_nodes_rate() {
        let a = TrafficReport {
            node_id: 1,
            rate: 0.5,
            rows: vec![TrafficRow {
                user_id: 7,
                u: 3,
                d: 4,
            }],
        };
        let b = TrafficReport {
            node_id: 2,
            rate: 2.0,
            rows: vec![
                TrafficRow {
                    user_id: 7,
                    u: 1,
                    d: 1,
                },
                TrafficRow {
                    user_id: 8,
                    u: 10,
                    d: 0,
                },
            ],
        };
        let (batch, raw) = merge(&[&a, &b]);
        assert_eq!(batch.users[&7], (2 + 2, 2 + 2));
        assert_eq!(batch.users[&8], (20, 0));
        assert_eq!(raw[&(1, 7)], 7);
        assert_eq!(raw[&(2, 7)], 2);
        assert_eq!(raw[&(2, 8)], 10);
    }
}
