//! Retrying a whole transaction after a write conflict.
//!
//! On one MariaDB server, `SELECT … FOR UPDATE` makes a second writer wait. On a Galera cluster a
//! row lock is held only on the node that took it: two nodes run conflicting transactions side by
//! side, and the one certified second is aborted at `COMMIT` with `ER_LOCK_DEADLOCK` (1213) — or
//! earlier, when the first one's replicated write set kills it ("brute-force abort"). Nothing of
//! it was applied, so the use case runs again from `BEGIN` and reads the winner's rows. The same
//! holds for a real deadlock or lock-wait timeout on one server (1213, 1205), a node that is
//! joining or has lost the cluster's majority for a moment ("WSREP has not yet prepared node for
//! application use", 1047), and a busy SQLite database.
//!
//! Every write use case runs its transaction through [`retry`]: the closure begins, works and
//! commits; anything it does outside the transaction (e-mail, cache) belongs after `retry`.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

/// Attempts in all, the first included.
pub const ATTEMPTS: u32 = 10;
/// The first pause; each later one doubles, up to [`MAX_PAUSE`], and is drawn at random between
/// half and all of that (so the losers of a conflict do not collide again in step).
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const MAX_PAUSE: Duration = Duration::from_millis(400);

/// An error that may be a write conflict, after which the whole transaction may run again.
pub trait Conflict {
    fn is_conflict(&self) -> bool;
}

impl Conflict for sqlx::Error {
    fn is_conflict(&self) -> bool {
        is_conflict(self)
    }
}

impl Conflict for anyhow::Error {
    fn is_conflict(&self) -> bool {
        self.downcast_ref::<sqlx::Error>().is_some_and(is_conflict)
    }
}

/// Whether `err` says the transaction was rolled back for a conflict and may simply run again.
pub fn is_conflict(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        // 1213 deadlock / Galera certification failure, 1205 lock wait timeout, 1047 a Galera
        // node not ready (joining, or cut off from the majority).
        return matches!(my.number(), 1213 | 1205 | 1047)
            || my.message().contains("WSREP has not yet prepared node");
    }
    // SQLite: SQLITE_BUSY and SQLITE_BUSY_RECOVERY.
    matches!(db.code().as_deref(), Some("5") | Some("517"))
}

/// The pause before attempt `next` (2, 3, …), `jitter` in 0..=1.
pub fn pause(next: u32, jitter: f64) -> Duration {
    let doubled = FIRST_PAUSE.saturating_mul(1 << next.saturating_sub(2).min(16));
    let ceiling = doubled.min(MAX_PAUSE);
    ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Runs `attempt` (one whole transaction) until it succeeds, fails for another reason than a
/// conflict, or [`ATTEMPTS`] attempts conflicted; then returns the last outcome. `what` names the
/// use case in the log.
pub async fn retry<T, E, F, Fut>(what: &'static str, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Conflict,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if n < ATTEMPTS && e.is_conflict() => {
                n += 1;
                crate::metrics::write_conflict(what);
                tracing::debug!(
                    what,
                    attempt = n,
                    "write conflict: running the transaction again"
                );
                let jitter = rand::thread_rng().gen::<f64>();
                tokio::time::sleep(pause(n, jitter)).await;
            }
            Err(e) if e.is_conflict() => {
                tracing::warn!(
                    what,
                    attempts = n,
                    "write conflict on every attempt; giving up"
                );
                return Err(e);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_ceiling_and_keep_jitter_inside_it() {
        assert_eq!(pause(2, 1.0), Duration::from_millis(5));
        assert_eq!(pause(3, 1.0), Duration::from_millis(10));
        assert_eq!(pause(2, 0.0), Duration::from_micros(2500));
        assert_eq!(pause(30, 1.0), MAX_PAUSE);
        assert_eq!(pause(30, 0.0), MAX_PAUSE / 2);
        let total: Duration = (2..=ATTEMPTS).map(|n| pause(n, 1.0)).sum();
        assert!(total < Duration::from_secs(2), "{total:?}");
    }

    #[test]
    fn only_conflicts_are_retried() {
        assert!(!is_conflict(&sqlx::Error::RowNotFound));
        assert!(!is_conflict(&sqlx::Error::PoolTimedOut));
        assert!(!anyhow::anyhow!("no").is_conflict());
    }
}
