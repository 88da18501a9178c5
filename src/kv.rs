//! Short-lived shared state (rate-limit counters, node online state): Redis when configured, an
//! in-process map otherwise. If Redis goes down while running, calls degrade to the in-process map
//! and return to Redis once it answers again; callers never see a Redis error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use tokio::sync::RwLock;

const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
const RETRY_EVERY: Duration = Duration::from_secs(2);

struct LocalEntry {
    value: String,
    expires: Instant,
}

pub struct Kv {
    client: Option<redis::Client>,
    conn: RwLock<Option<ConnectionManager>>,
    healthy: AtomicBool,
    /// Milliseconds since `started` of the last failed Redis call, to space out retries.
    last_failure_ms: AtomicU64,
    started: Instant,
    local: Mutex<HashMap<String, LocalEntry>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KvState {
    Ok,
    Down,
    Disabled,
}

impl Kv {
    /// `url` None = in-process only. A Redis that is down at start is retried on use.
    /// Without a URL (or with an empty one, as container environments often pass) state stays in
    /// process.
    pub async fn new(url: Option<&str>) -> anyhow::Result<Kv> {
        let client = url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(redis::Client::open)
            .transpose()?;
        let kv = Kv {
            client,
            conn: RwLock::new(None),
            healthy: AtomicBool::new(false),
            last_failure_ms: AtomicU64::new(0),
            started: Instant::now(),
            local: Mutex::new(HashMap::new()),
        };
        if kv.client.is_some() {
            kv.ensure_connection().await;
        }
        Ok(kv)
    }

    pub fn state(&self) -> KvState {
        match (&self.client, self.healthy.load(Ordering::Relaxed)) {
            (None, _) => KvState::Disabled,
            (Some(_), true) => KvState::Ok,
            (Some(_), false) => KvState::Down,
        }
    }

    async fn ensure_connection(&self) -> Option<ConnectionManager> {
        let client = self.client.as_ref()?;
        if let Some(c) = self.conn.read().await.as_ref() {
            return Some(c.clone());
        }
        let mut slot = self.conn.write().await;
        if slot.is_none() {
            match tokio::time::timeout(REDIS_TIMEOUT * 4, client.get_connection_manager()).await {
                Ok(Ok(c)) => {
                    *slot = Some(c);
                    self.healthy.store(true, Ordering::Relaxed);
                }
                _ => self.mark_failed(),
            }
        }
        slot.clone()
    }

    fn mark_failed(&self) {
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!("redis unavailable; using in-process state until it returns");
        }
        self.last_failure_ms
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// A Redis connection worth trying now, or None (disabled, or failed moments ago).
    async fn redis(&self) -> Option<ConnectionManager> {
        self.client.as_ref()?;
        if !self.healthy.load(Ordering::Relaxed) {
            let since = self.started.elapsed().as_millis() as u64
                - self.last_failure_ms.load(Ordering::Relaxed);
            if since < RETRY_EVERY.as_millis() as u64 {
                return None;
            }
        }
        self.ensure_connection().await
    }

    /// Runs a Redis call with a timeout; None when Redis is unusable (the caller falls back).
    async fn with_redis<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.redis().await?;
        match tokio::time::timeout(REDIS_TIMEOUT, f(conn)).await {
            Ok(Ok(v)) => {
                if !self.healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!("redis is back");
                }
                Some(v)
            }
            _ => {
                self.mark_failed();
                // A fresh connection next time: the manager's own reconnection backs off for
                // much longer than Redis usually stays away.
                *self.conn.write().await = None;
                None
            }
        }
    }

    fn local_get(&self, key: &str) -> Option<String> {
        let mut map = self.local.lock().unwrap();
        match map.get(key) {
            Some(e) if e.expires > Instant::now() => Some(e.value.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    fn local_prune(map: &mut HashMap<String, LocalEntry>) {
        if map.len() > 100_000 {
            let now = Instant::now();
            map.retain(|_, e| e.expires > now);
        }
    }

    /// Increments a counter that lives `ttl` from its first increment; returns the new count.
    pub async fn incr_window(&self, key: &str, ttl: Duration) -> i64 {
        let k = key.to_string();
        let secs = ttl.as_secs().max(1) as i64;
        let remote = self
            .with_redis(|mut c| async move {
                let n: i64 = c.incr(&k, 1).await?;
                if n == 1 {
                    let _: bool = c.expire(&k, secs).await?;
                }
                Ok(n)
            })
            .await;
        if let Some(n) = remote {
            return n;
        }
        let mut map = self.local.lock().unwrap();
        Self::local_prune(&mut map);
        let now = Instant::now();
        let entry = map.entry(key.to_string()).or_insert(LocalEntry {
            value: "0".into(),
            expires: now + ttl,
        });
        if entry.expires <= now {
            entry.value = "0".into();
            entry.expires = now + ttl;
        }
        let n = entry.value.parse::<i64>().unwrap_or(0) + 1;
        entry.value = n.to_string();
        n
    }

    pub async fn set_ex(&self, key: &str, value: &str, ttl: Duration) {
        let (k, v) = (key.to_string(), value.to_string());
        let secs = ttl.as_secs().max(1);
        let done = self
            .with_redis(|mut c| async move { c.set_ex::<_, _, ()>(&k, &v, secs).await })
            .await;
        // The in-process copy is kept too, so a Redis outage right after does not lose it.
        let mut map = self.local.lock().unwrap();
        Self::local_prune(&mut map);
        map.insert(
            key.to_string(),
            LocalEntry {
                value: value.to_string(),
                expires: Instant::now() + ttl,
            },
        );
        let _ = done;
    }

    pub async fn get(&self, key: &str) -> Option<String> {
        let k = key.to_string();
        match self
            .with_redis(|mut c| async move { c.get::<_, Option<String>>(&k).await })
            .await
        {
            Some(v) => v,
            None => self.local_get(key),
        }
    }

    pub async fn del(&self, key: &str) {
        let k = key.to_string();
        self.with_redis(|mut c| async move { c.del::<_, ()>(&k).await })
            .await;
        self.local.lock().unwrap().remove(key);
    }

    /// Checks Redis now (for health reports).
    pub async fn ping(&self) -> KvState {
        if self.client.is_none() {
            return KvState::Disabled;
        }
        let ok = self
            .with_redis(
                |mut c| async move { redis::cmd("PING").query_async::<String>(&mut c).await },
            )
            .await
            .is_some();
        if ok {
            KvState::Ok
        } else {
            KvState::Down
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_counter_and_values() {
        let kv = Kv::new(None).await.unwrap();
        assert_eq!(kv.state(), KvState::Disabled);
        assert_eq!(kv.incr_window("a", Duration::from_secs(60)).await, 1);
        assert_eq!(kv.incr_window("a", Duration::from_secs(60)).await, 2);
        kv.set_ex("k", "v", Duration::from_secs(60)).await;
        assert_eq!(kv.get("k").await.as_deref(), Some("v"));
        kv.del("k").await;
        assert_eq!(kv.get("k").await, None);
    }

    #[tokio::test]
    async fn unreachable_redis_degrades_to_in_process() {
        let kv = Kv::new(Some("redis://127.0.0.1:1/")).await.unwrap();
        assert_eq!(kv.state(), KvState::Down);
        assert_eq!(kv.incr_window("b", Duration::from_secs(60)).await, 1);
        assert_eq!(kv.incr_window("b", Duration::from_secs(60)).await, 2);
    }
}
