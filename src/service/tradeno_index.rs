//! Finding top-up orders by trade number without scanning `paylist`.
//!
//! Gateways name an order by its trade number, but SSPanel's `paylist.tradeno` is an unindexed
//! TEXT column and its tables may not be altered, so `WHERE tradeno = ?` reads the whole table:
//! about 0.1 s per callback at 200,000 orders, which a panel reaches in a few years. This index keeps
//! hashes of the newest orders' trade numbers in memory and, when a trade number is not known yet,
//! reads only the orders added since (`id > last seen`, a primary-key range) — whoever wrote them,
//! spanel or PHP SSPanel. The row an entry points at is always read back by primary key and its
//! trade number compared, so a stale or colliding entry costs only time; a trade number still not
//! found (an older order, or one committed after a higher id was read) falls back to the scan.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};

use tokio::sync::Mutex;

use crate::db::payment::{self as sql, Order};
use crate::db::Db;

/// Orders remembered: the newest this many (about 8 MB).
const WINDOW: usize = 262_144;
/// Orders read per catch-up query.
const CHUNK: i64 = 20_000;

#[derive(Default)]
pub struct TradenoIndex {
    hasher: RandomState,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    ids: HashMap<u64, i64>,
    /// (id, key) in the order read, for evicting the oldest.
    order: VecDeque<(i64, u64)>,
    /// The highest order id read; `None` before the first catch-up.
    read_up_to: Option<i64>,
}

impl Entries {
    fn insert(&mut self, key: u64, id: i64, capacity: usize) {
        self.ids.insert(key, id);
        self.order.push_back((id, key));
        while self.order.len() > capacity {
            let Some((old_id, old_key)) = self.order.pop_front() else {
                break;
            };
            if self.ids.get(&old_key) == Some(&old_id) {
                self.ids.remove(&old_key);
            }
        }
    }
}

impl TradenoIndex {
    pub async fn find(&self, db: &Db, tradeno: &str) -> sqlx::Result<Option<Order>> {
        let key = self.hasher.hash_one(tradeno);
        if let Some(order) = self.probe(db, key, tradeno).await? {
            return Ok(Some(order));
        }
        self.catch_up(db).await?;
        if let Some(order) = self.probe(db, key, tradeno).await? {
            return Ok(Some(order));
        }
        sql::find_by_tradeno(db, tradeno).await
    }

    async fn probe(&self, db: &Db, key: u64, tradeno: &str) -> sqlx::Result<Option<Order>> {
        let Some(id) = self.entries.lock().await.ids.get(&key).copied() else {
            return Ok(None);
        };
        Ok(sql::find_order(db, id)
            .await?
            .filter(|o| o.tradeno.as_deref() == Some(tradeno)))
    }

    /// Reads the orders added since the last catch-up (the newest `WINDOW` the first time). The
    /// lock is held throughout, so concurrent misses wait for one read instead of repeating it.
    async fn catch_up(&self, db: &Db) -> sqlx::Result<()> {
        let mut entries = self.entries.lock().await;
        let mut after = match entries.read_up_to {
            Some(id) => id,
            None => (sql::max_order_id(db).await? - WINDOW as i64).max(0),
        };
        loop {
            let rows = sql::tradenos_after(db, after, CHUNK).await?;
            for (id, tradeno) in &rows {
                if let Some(t) = tradeno {
                    entries.insert(self.hasher.hash_one(t.as_str()), *id, WINDOW);
                }
                after = after.max(*id);
            }
            if (rows.len() as i64) < CHUNK {
                break;
            }
        }
        entries.read_up_to = Some(after);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Entries;

    #[test]
    fn the_oldest_entries_leave_first() {
        let mut e = Entries::default();
        for id in 1..=5 {
            e.insert(100 + id as u64, id, 3);
        }
        assert_eq!(e.ids.len(), 3);
        assert!(!e.ids.contains_key(&101) && !e.ids.contains_key(&102));
        assert_eq!(e.ids.get(&105), Some(&5));
    }

    #[test]
    fn a_key_seen_again_keeps_its_newest_order() {
        let mut e = Entries::default();
        e.insert(7, 1, 2);
        e.insert(7, 2, 2);
        e.insert(8, 3, 2);
        // Evicting (1, 7) must not drop the entry that now points at order 2.
        assert_eq!(e.ids.get(&7), Some(&2));
        assert_eq!(e.ids.get(&8), Some(&3));
    }
}
