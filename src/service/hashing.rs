//! Password hashing with bounded memory: argon2 at PHP SSPanel's parameters takes 64 MiB per hash,
//! so an unbounded burst of logins (every client logging in again after an outage) could take the
//! process's memory with it. A few workers, sized to the cores, hash at once; the rest wait in
//! line until a deadline and then get 503 with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::domain::password::{hash_password, verify_password, PasswordMethod};
use crate::service::error::{ServiceError, ServiceResult};

pub struct HashPool {
    permits: Arc<Semaphore>,
    /// How long a request waits for a worker before it is turned away.
    wait: Duration,
}

impl HashPool {
    pub fn new(workers: usize, wait: Duration) -> HashPool {
        HashPool {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            wait,
        }
    }

    /// One worker per core.
    pub fn for_this_machine() -> HashPool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HashPool::new(cores, Duration::from_secs(5))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServiceResult<T> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                crate::metrics::hash_pool_rejected();
                ServiceError::Unavailable(
                    "The server is busy signing people in; try again shortly.".into(),
                )
            })?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| ServiceError::Internal(e.into()))
    }

    /// A new hash of `password` in `method`.
    pub async fn hash(
        &self,
        password: &str,
        method: PasswordMethod,
        salt: &str,
    ) -> ServiceResult<String> {
        let (password, salt) = (password.to_string(), salt.to_string());
        let random = crate::random::random_bytes();
        self.run(move || hash_password(&password, method, &salt, random))
            .await?
            .map_err(ServiceError::Internal)
    }

    /// Whether `candidate` matches `stored` (any method SSPanel writes).
    pub async fn verify(&self, candidate: &str, stored: &str, salt: &str) -> ServiceResult<bool> {
        let (candidate, stored, salt) =
            (candidate.to_string(), stored.to_string(), salt.to_string());
        self.run(move || verify_password(&candidate, &stored, &salt))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_past_the_deadline_are_turned_away() {
        let pool = Arc::new(HashPool::new(1, Duration::from_millis(50)));
        let busy = pool.clone();
        let long = tokio::spawn(async move {
            busy.run(|| std::thread::sleep(Duration::from_millis(300)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let turned_away = pool.run(|| ()).await;
        assert!(matches!(turned_away, Err(ServiceError::Unavailable(_))));
        assert!(long.await.unwrap().is_ok());
        // Free again: work runs.
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
