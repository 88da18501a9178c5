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
use crate::domain::node::{charge, TrafficRow, MAX_BATCH_DELTA};
use crate::settings::Settings;

/// The most user rows merged into one flush.
const MAX_BATCH_ROWS: usize = 20_000;
/// Flushers working at once: while one waits for its commit, the next batch is being applied.
const FLUSHERS: usize = 2;

#[derive(Debug, Clone)]
pub struct TrafficReport {
    pub node_id: i64,
    pub rate: f64,
    pub rows: Vec<TrafficRow>,
    /// The node's `Idempotency-Key`: a report under a key already applied is acknowledged again
    /// without being applied again.
    pub key: Option<String>,
}

/// How long idempotency keys are remembered (at least: the prune job removes older ones).
pub const RECEIPT_SECS: i64 = 86_400;

/// A flusher's commit counter, written inside each of its transactions (see `sql::mark_commit`).
struct CommitMarker {
    slot: String,
    seq: std::sync::atomic::AtomicI64,
}

impl CommitMarker {
    fn new() -> CommitMarker {
        CommitMarker {
            slot: uuid::Uuid::new_v4().simple().to_string(),
            seq: Default::default(),
        }
    }

    /// The number of the next commit (the flusher's attempts run one at a time).
    fn next(&self) -> i64 {
        self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    fn last(&self) -> i64 {
        self.seq.load(std::sync::atomic::Ordering::Relaxed)
    }
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

/// Adds to a counter without ever passing `MAX_BATCH_DELTA` (reports are bounded, so only a
/// flood of maximal reports could get there; the database caps its totals the same way).
fn add_capped(total: &mut u64, delta: u64) {
    *total = total.saturating_add(delta).min(MAX_BATCH_DELTA);
}

fn add_usage(map: &mut UsageMap, hour: i64, users: &[(u64, u64, u64)]) {
    for (id, u, d) in users {
        let e = map.entry((*id as i64, hour)).or_insert((0, 0));
        add_capped(&mut e.0, *u);
        add_capped(&mut e.1, *d);
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
            add_capped(&mut e.0, u);
            add_capped(&mut e.1, d);
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
        let (db, rows) = (&self.db, &by_hour(&pending));
        crate::db::retry("usage_stats", move || async move {
            let mut tx = db.begin().await?;
            sql::apply_traffic(&mut tx, &[], &[], 0, rows).await?;
            tx.commit().await
        })
        .await
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
/// acknowledges each report with the outcome. If the batch fails on a statement (not an outage),
/// its reports are applied one by one, so one bad member never fails the others.
async fn flusher(
    db: Db,
    settings: Settings,
    queue: Arc<Mutex<mpsc::Receiver<Pending>>>,
    known: Arc<Mutex<HashSet<i64>>>,
    stats: Arc<std::sync::Mutex<UsageStats>>,
) {
    let marker = CommitMarker::new();
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
        let stats = hourly.then_some(&*stats);
        let reports: Vec<&TrafficReport> = batch.iter().map(|p| &p.report).collect();
        let result = flush(&db, &known, &reports, stats, &marker).await;
        crate::metrics::batch_size("traffic", batch.len() as u64);
        match result {
            Err(sqlx::Error::Database(e)) if batch.len() > 1 => {
                tracing::warn!(error = %e, reports = batch.len(), "traffic batch failed; applying its reports one by one");
                for p in batch {
                    let one = flush(&db, &known, &[&p.report], stats, &marker).await;
                    let _ = p.ack.send(acknowledgement(one));
                }
            }
            result => {
                let ack = acknowledgement(result);
                for p in batch {
                    let _ = p.ack.send(ack.clone());
                }
            }
        }
    }
}

fn acknowledgement(result: sqlx::Result<usize>) -> Result<(), String> {
    match result {
        Ok(applied) => {
            crate::metrics::traffic_rows(applied as u64);
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, "traffic flush failed; nothing acknowledged");
            Err(e.to_string())
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
            add_capped(&mut e.0, charge(row.u, r.rate));
            add_capped(&mut e.1, charge(row.d, r.rate));
            add_capped(
                raw.entry((r.node_id, row.user_id)).or_insert(0),
                row.u.saturating_add(row.d),
            );
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
            add_capped(nodes.entry(*node).or_default(), *bytes);
        }
    }
    let nodes = nodes
        .into_iter()
        .filter(|(_, bytes)| *bytes > 0)
        .map(|(id, bytes)| (id as u64, bytes, 0))
        .collect();
    (users, nodes)
}

/// A failed traffic batch. Besides write conflicts, a unique-key clash runs the batch again: only
/// receipts are inserted, so another instance applied the same idempotency key meanwhile, and the
/// next attempt sees it and skips that report.
struct BatchError(sqlx::Error);

impl crate::db::retry::Conflict for BatchError {
    fn is_conflict(&self) -> bool {
        crate::db::retry::is_conflict(&self.0) || crate::db::is_unique_violation(&self.0)
    }
}

/// Users seen to exist are remembered, so steady traffic costs no existence query. (A user
/// deleted since is still skipped by the `UPDATE` itself.)
async fn known_users(
    db: &Db,
    known: &Mutex<HashSet<i64>>,
    reports: &[&TrafficReport],
) -> sqlx::Result<HashSet<i64>> {
    let ids: HashSet<i64> = reports
        .iter()
        .flat_map(|r| r.rows.iter().map(|row| row.user_id))
        .collect();
    let mut cache = known.lock().await;
    let mut unknown: Vec<i64> = ids
        .iter()
        .filter(|id| !cache.contains(id))
        .copied()
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        let mut tx = db.begin().await?;
        let found = sql::existing_users(&mut tx, &unknown).await?;
        tx.commit().await?;
        cache.extend(found);
    }
    Ok(ids.into_iter().filter(|id| cache.contains(id)).collect())
}

/// The reports to apply: those without a key, and the first of each key not applied before.
fn live_reports<'a>(
    reports: &[&'a TrafficReport],
    applied: &HashSet<(i64, String)>,
) -> Vec<&'a TrafficReport> {
    let mut seen = HashSet::new();
    reports
        .iter()
        .filter(|r| match &r.key {
            None => true,
            Some(k) => {
                let id = (r.node_id, k.clone());
                !applied.contains(&id) && seen.insert(id)
            }
        })
        .copied()
        .collect()
}

/// Applies the batch in one transaction (retried on deadlock) and, when due, the usage statistics
/// gathered so far. Reports under an idempotency key applied before are skipped (and acknowledged).
/// Returns the user rows applied.
async fn flush(
    db: &Db,
    known: &Mutex<HashSet<i64>>,
    reports: &[&TrafficReport],
    stats: Option<&std::sync::Mutex<UsageStats>>,
    marker: &CommitMarker,
) -> sqlx::Result<usize> {
    let present = known_users(db, known, reports).await?;
    let now = chrono::Utc::now().timestamp();
    let hour = now - now.rem_euclid(3600);
    let taken = stats.and_then(|s| s.lock().expect("stats lock").take_if_due());
    let batch = Flush {
        reports,
        present: &present,
        now,
        hour,
        taken: taken.as_ref(),
    };
    // On a Galera cluster, instances on other nodes update the same user rows at the same moment:
    // the batch certified second is aborted whole (1213) and simply runs again.
    let batch = &batch;
    let result = crate::db::retry("traffic", move || async move {
        batch.apply(db, marker).await.map_err(BatchError)
    })
    .await
    .map_err(|e| e.0);
    if let Some(stats) = stats {
        let mut stats = stats.lock().expect("stats lock");
        match (&result, taken) {
            // Written with this commit.
            (Ok(_), Some(_)) => {}
            (Ok(users), None) => add_usage(&mut stats.pending, hour, users),
            (Err(_), Some(taken)) => stats.give_back(taken),
            (Err(_), None) => {}
        }
    }
    result.map(|users| users.len())
}

/// One attempt at a flush.
struct Flush<'a> {
    reports: &'a [&'a TrafficReport],
    present: &'a HashSet<i64>,
    now: i64,
    hour: i64,
    taken: Option<&'a UsageMap>,
}

impl Flush<'_> {
    /// Applies the batch in one transaction; returns the user rows applied.
    async fn apply(&self, db: &Db, marker: &CommitMarker) -> sqlx::Result<Rows> {
        let keys: Vec<(i64, &str)> = self
            .reports
            .iter()
            .filter_map(|r| r.key.as_deref().map(|k| (r.node_id, k)))
            .collect();
        let mut tx = db.begin().await?;
        let applied: HashSet<(i64, String)> = if keys.is_empty() {
            HashSet::new()
        } else {
            sql::existing_receipts(&mut tx, &keys)
                .await?
                .into_iter()
                .collect()
        };
        let live = live_reports(self.reports, &applied);
        let (batch, raw) = merge(&live);
        let (users, nodes) = rows_to_apply(&batch, self.present, &raw);
        let hourly = match self.taken {
            Some(taken) => {
                let mut all = taken.clone();
                add_usage(&mut all, self.hour, &users);
                by_hour(&all)
            }
            None => Vec::new(),
        };
        if !(users.is_empty() && nodes.is_empty() && hourly.is_empty()) {
            sql::apply_traffic(&mut tx, &users, &nodes, self.now, &hourly).await?;
        }
        let new_keys: Vec<(i64, &str)> = live
            .iter()
            .filter_map(|r| r.key.as_deref().map(|k| (r.node_id, k)))
            .collect();
        if !new_keys.is_empty() {
            sql::insert_receipts(&mut tx, &new_keys, self.now).await?;
        }
        let seq = marker.next();
        sql::mark_commit(&mut tx, &marker.slot, seq, self.now).await?;
        match tx.commit().await {
            Ok(()) => Ok(users),
            // The server said no: rolled back, for certain.
            Err(e @ sqlx::Error::Database(_)) => Err(e),
            // The connection failed during `COMMIT`: it may have committed or not.
            Err(e) => match commit_outcome(db, marker).await {
                Some(true) => {
                    tracing::warn!(error = %e, "connection lost during COMMIT; the traffic batch had committed");
                    Ok(users)
                }
                Some(false) => Err(e),
                None => {
                    tracing::error!(error = %e, "connection lost during COMMIT and the outcome could not be learnt; nodes resend (an Idempotency-Key makes that exact)");
                    Err(e)
                }
            },
        }
    }
}

/// Whether the flusher's last commit happened, asked again over a new connection for a few
/// seconds; None if the database could not be asked.
async fn commit_outcome(db: &Db, marker: &CommitMarker) -> Option<bool> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match sql::commit_marked(db, &marker.slot, marker.last()).await {
            Ok(committed) => return Some(committed),
            Err(e) if Instant::now() >= deadline => {
                tracing::error!(error = %e, "could not learn a traffic commit's outcome");
                return None;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// Deletes idempotency receipts older than `RECEIPT_SECS` in bounded batches (Galera certifies a
/// transaction whole, so no giant delete). Returns the rows deleted.
pub async fn prune_receipts(db: &Db, now: i64) -> sqlx::Result<u64> {
    const BATCH: i64 = 5_000;
    let mut total = 0;
    loop {
        let n = sql::prune_receipts(db, now - RECEIPT_SECS, BATCH).await?;
        total += n;
        if n < BATCH as u64 {
            return Ok(total);
        }
    }
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
    let raw: u64 = report
        .rows
        .iter()
        .fold(0, |sum, r| sum.saturating_add(r.u).saturating_add(r.d));
    let now = chrono::Utc::now().timestamp();
    let rows = &rows;
    crate::db::retry("traffic", move || async move {
        let mut tx = db.begin().await?;
        if let Some(key) = &report.key {
            let keys = [(report.node_id, key.as_str())];
            if !sql::existing_receipts(&mut tx, &keys).await?.is_empty() {
                return Ok(());
            }
            sql::insert_receipts(&mut tx, &keys, now).await?;
        }
        sql::apply_traffic_per_row(&mut tx, report.node_id, rows, raw, now).await?;
        tx.commit().await
    })
    .await
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
            key: None,
            rows: vec![TrafficRow {
                user_id: 7,
                u: 3,
                d: 4,
            }],
        };
        let b = TrafficReport {
            node_id: 2,
            rate: 2.0,
            key: None,
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
