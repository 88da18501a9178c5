//! Traffic accounting with group commit.
//!
//! Each report is validated whole before it is queued. One flusher task takes every report waiting
//! in the queue, merges them into per-user deltas and applies them in one transaction with
//! multi-row statements; only after that commit is every report of the batch acknowledged. While a
//! flush runs the next batch gathers, so under load batches grow instead of transactions queuing
//! up. A crash loses only unacknowledged reports, which the nodes send again.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Mutex};

use crate::db::node::{self as sql, TrafficBatch};
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

#[derive(Clone)]
pub struct TrafficRecorder {
    queue: Option<mpsc::Sender<Pending>>,
    db: Db,
    settings: Settings,
}

impl TrafficRecorder {
    /// With `batching` off every report is its own transaction with one `UPDATE` per row
    /// (the baseline benchmarks compare against).
    pub fn start(db: Db, settings: Settings, batching: bool) -> TrafficRecorder {
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
                ));
            }
            tx
        });
        TrafficRecorder {
            queue,
            db,
            settings,
        }
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
        let result = flush(&db, &known, &reports, hourly)
            .await
            .map(|applied| {
                crate::metrics::batch_size(batch.len() as u64);
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
            *batch.nodes.entry(r.node_id).or_insert(0) += row.u + row.d;
        }
    }
    (batch, raw)
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

async fn flush(
    db: &Db,
    known: &Mutex<HashSet<i64>>,
    reports: &[&TrafficReport],
    hourly: bool,
) -> sqlx::Result<usize> {
    let (batch, raw) = merge(reports);
    let present = known_users(db, known, &batch).await?;
    let now = chrono::Utc::now().timestamp();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            let mut tx = db.begin().await?;
            let n = sql::apply_traffic(&mut tx, &batch, &present, &raw, now, hourly).await?;
            tx.commit().await?;
            Ok(n)
        }
        .await;
        match result {
            Err(e) if attempt < FLUSH_ATTEMPTS && is_retryable(&e) => {
                tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
            }
            other => return other,
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
        assert_eq!(batch.nodes[&2], 12);
    }
}
