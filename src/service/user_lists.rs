//! Users lists for a fleet: one snapshot of every listable user and of the global device counts,
//! refreshed in the background at most every `node_list_cache_secs`, from which each (API shape,
//! sort, class, group) list is rendered once, gzip-compressed once, and served to every node that
//! shares it. A poll costs a map lookup; a 304 costs nothing more.
//!
//! - Freshness: a change to users, nodes or alive IPs shows within the refresh period plus one
//!   reload (the contract allows 10 s). Requests never wait for a reload once a snapshot exists:
//!   the first poll after the period starts one in the background and is answered from the
//!   current snapshot.
//! - Stable ETags: a list is re-rendered only when its content fingerprint changes. The usage
//!   counters `u`/`d` that sort-0 (SSR) and seed lists carry are informational (quota is enforced
//!   by dropping over-quota users, which shows at once), so they are shown as of the last
//!   `USAGE_SHOWN_SECS` boundary: traffic reports do not change every list's ETag every refresh.
//! - Device counts: `alive_ip` has only its primary key, so the snapshot never counts over the
//!   table. It reads the rows added since its last read by id (the auto-increment follows time),
//!   keeps the last time each (user, IP) was seen, and counts those within 5 minutes. Every user
//!   shows the count (the contract's global device count: a node may enforce its own device limit
//!   on users without one), so a list changes when any member's count does; a changed list is
//!   rendered once per snapshot, never per poll.
//! - Ahead of the polls: a new snapshot is published only after every list polled recently has
//!   been checked against it (and re-rendered if its content changed), one list at a time on a
//!   blocking thread; polls then find their list ready.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Mutex, Semaphore};

use crate::app::{App, AppState};
use crate::clock::now_naive;
use crate::db::node::{self as sql, ListableUser};
use crate::domain::node::{self as rules, NodeRow, NodeSort};

/// The window of the global device count (`alive_ip`).
pub const ALIVE_WINDOW_SECS: i64 = 300;
/// How often the `u`/`d` counters shown in lists move (see the module comment).
pub const USAGE_SHOWN_SECS: u64 = 300;
/// The oldest data an answer may show: the contract allows a change 10 s to reach the nodes.
const FRESH_ENOUGH: Duration = Duration::from_secs(9);
/// `alive_ip` rows read per query.
const ALIVE_BATCH: i64 = 20_000;
/// Users read per query when a snapshot loads.
const USERS_PAGE: i64 = 5_000;
/// Lists polled within this long are rendered ahead with every new snapshot.
const PRERENDER_POLLED_WITHIN: Duration = Duration::from_secs(120);
/// Lists not polled for this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Rendering ahead stops once the new snapshot is this old (a starved box): the lists left are
/// rendered on demand, and polls waiting for the snapshot are not held back longer.
const RENDER_AHEAD_BUDGET: Duration = Duration::from_secs(4);

/// Which API shape a user list is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    Seed,
    ModMu,
}

/// Users lists depend only on these node fields, so nodes that share them share one list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ListKey {
    flavour: Flavour,
    sort: i64,
    node_class: i64,
    node_group: i64,
    /// The Shadowsocks 2022 method (sort 1 only): users' keys depend on it.
    method: String,
}

/// A rendered list: the gzip-compressed JSON body and its weak ETag (of the content).
#[derive(Clone)]
pub struct Rendered {
    /// Shared, not copied, by every answer that sends it.
    pub gzip: Bytes,
    pub etag: String,
}

impl Rendered {
    /// Renders and compresses `body`, tagged from its bytes.
    pub fn from_json(body: &[u8]) -> Rendered {
        Rendered {
            etag: rules::weak_etag(body),
            gzip: Bytes::from(gzip(body)),
        }
    }

    /// The uncompressed body, for clients that do not accept gzip.
    pub fn plain(&self) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&self.gzip[..])
            .read_to_end(&mut out)
            .expect("our own gzip decodes");
        out
    }
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 6),
        flate2::Compression::fast(),
    );
    enc.write_all(body).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// One user of the snapshot: the row, a fingerprint of every field a list shows except `u`/`d`,
/// and the usage shown.
struct SnapUser {
    user: ListableUser,
    fingerprint: u64,
    shown: (i64, i64),
}

struct Snapshot {
    /// Increases with every load: a list already checked against this snapshot is not checked again.
    version: u64,
    /// The `clear` epoch its reads began in: a load under way when the cache was cleared does not
    /// answer the polls that must see the change.
    epoch: u64,
    /// When its database reads began: what it shows is at least this recent.
    read_at: Instant,
    users: Vec<SnapUser>,
    alive: HashMap<i64, i64>,
    keep_connect: bool,
    /// When the shown usage was last moved to the current counters.
    usage_at: Instant,
}

/// The device-count tracker: the last time each (user, IP) was seen, fed by id from `alive_ip`.
#[derive(Default)]
struct AliveTracker {
    /// Next id to read; None before the first read.
    next: Option<i64>,
    /// Where the previous read started: each read goes back to it, so rows whose insert
    /// committed after a higher id was read are still seen.
    previous: i64,
    seen: HashMap<(i64, String), i64>,
}

impl AliveTracker {
    async fn refresh(&mut self, app: &App, now: i64) -> sqlx::Result<HashMap<i64, i64>> {
        let since = now - ALIVE_WINDOW_SECS;
        let start = match self.next {
            Some(_) => self.previous,
            None => {
                sql::first_id_since(&app.db, sql::TIME_ORDERED[0], since)
                    .await?
                    .0
            }
        };
        let mut from = start;
        loop {
            let rows = sql::alive_ips_from(&app.db, from, ALIVE_BATCH).await?;
            for (_, user, ip, at) in &rows {
                if *at >= since {
                    let last = self.seen.entry((*user, ip.clone())).or_insert(*at);
                    *last = (*last).max(*at);
                }
            }
            match rows.last() {
                Some((id, ..)) => from = id + 1,
                None => break,
            }
            if (rows.len() as i64) < ALIVE_BATCH {
                break;
            }
        }
        self.previous = self.next.unwrap_or(from);
        self.next = Some(from);
        self.seen.retain(|_, at| *at >= since);
        let mut counts = HashMap::new();
        for (user, _) in self.seen.keys() {
            *counts.entry(*user).or_insert(0) += 1;
        }
        Ok(counts)
    }
}

/// A list as last rendered.
struct Entry {
    /// The snapshot version it was last checked against.
    version: u64,
    /// The content fingerprint it was rendered from.
    print: u64,
    rendered: Rendered,
    /// When the data it shows was read.
    read_at: Instant,
    /// When a node last asked for it.
    polled: Instant,
}

/// The lists cache (one per process).
pub struct UserLists {
    snapshot: std::sync::RwLock<Option<Arc<Snapshot>>>,
    /// Held while a snapshot loads: one load at a time.
    loading: Mutex<()>,
    reloading: AtomicBool,
    versions: AtomicU64,
    /// Increases with every `clear`.
    epoch: AtomicU64,
    alive: Mutex<AliveTracker>,
    rendered: Mutex<HashMap<ListKey, Entry>>,
    /// One render at a time per list.
    rendering: Mutex<HashMap<ListKey, Arc<Mutex<()>>>>,
    /// Renders under way at once, whatever the list: each builds the list in memory, so this
    /// bounds the memory a fleet's simultaneous changes take.
    renders: Semaphore,
}

impl Default for UserLists {
    fn default() -> Self {
        UserLists {
            snapshot: Default::default(),
            loading: Default::default(),
            reloading: Default::default(),
            versions: Default::default(),
            epoch: Default::default(),
            alive: Default::default(),
            rendered: Default::default(),
            rendering: Default::default(),
            renders: Semaphore::new(2),
        }
    }
}

fn fingerprint(u: &ListableUser) -> u64 {
    let r = &u.row;
    let mut h = DefaultHasher::new();
    (
        r.id,
        &r.uuid,
        &r.passwd,
        r.port,
        &r.method,
        &r.protocol,
        &r.protocol_param,
        &r.obfs,
        &r.obfs_param,
    )
        .hash(&mut h);
    (
        r.transfer_enable,
        r.node_speedlimit.0.to_string(),
        r.node_connector,
        r.is_multi_user,
        &r.forbidden_ip,
        &r.forbidden_port,
        r.enable,
        r.over_quota(),
    )
        .hash(&mut h);
    h.finish()
}

fn join_error(e: tokio::task::JoinError) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

impl UserLists {
    /// Forgets everything: the next poll waits for a fresh snapshot (after an operator change that
    /// must show at once, and in tests).
    pub async fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *self.snapshot.write().expect("lock") = None;
        self.rendered.lock().await.clear();
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.read().expect("lock").clone()
    }

    /// Whether `s` may answer a poll now: read recently, and since the last `clear`.
    fn fresh(&self, s: &Snapshot) -> bool {
        s.read_at.elapsed() < FRESH_ENOUGH && s.epoch == self.epoch.load(Ordering::Acquire)
    }

    /// The snapshot to answer from: the current one, starting a background reload when it is
    /// older than the refresh period; on a cold start, a fresh one.
    async fn snapshot(&self, app: &AppState) -> sqlx::Result<Arc<Snapshot>> {
        let period = Duration::from_secs(app.config.node_list_cache_secs);
        if let Some(s) = self.current() {
            if s.read_at.elapsed() >= period && !self.reloading.swap(true, Ordering::AcqRel) {
                let app = app.clone();
                // Decoding a fleet's users is CPU work: a blocking thread does it, so the workers
                // that answer nodes never stall behind a reload.
                let runtime = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = runtime.block_on(app.node_lists.lists.load(&app)) {
                        tracing::warn!(error = %e, "users list refresh failed");
                    }
                    app.node_lists
                        .lists
                        .reloading
                        .store(false, Ordering::Release);
                });
            }
            if self.fresh(&s) {
                return Ok(s);
            }
        }
        // Cold, or too old to answer from (no poll for a while): wait for a fresh snapshot.
        let _one = self.loading.lock().await;
        if let Some(s) = self.current().filter(|s| self.fresh(s)) {
            return Ok(s);
        }
        self.load_locked(app).await
    }

    async fn load(&self, app: &App) -> sqlx::Result<Arc<Snapshot>> {
        let _one = self.loading.lock().await;
        self.load_locked(app).await
    }

    async fn load_locked(&self, app: &App) -> sqlx::Result<Arc<Snapshot>> {
        let read_at = Instant::now();
        let epoch = self.epoch.load(Ordering::Acquire);
        let now = chrono::Utc::now().timestamp();
        let users = load_users(app).await?;
        let alive = self.alive.lock().await.refresh(app, now).await?;
        let keep_connect = app
            .settings
            .get_bool("keep_connect")
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let previous = self
            .current()
            .filter(|p| p.usage_at.elapsed() < Duration::from_secs(USAGE_SHOWN_SECS));
        let usage_at = previous.as_ref().map_or_else(Instant::now, |p| p.usage_at);
        let users = tokio::task::spawn_blocking(move || snap_users(users, previous.as_deref()))
            .await
            .map_err(join_error)?;
        let version = self.versions.fetch_add(1, Ordering::AcqRel) + 1;
        let snap = Arc::new(Snapshot {
            version,
            epoch,
            read_at,
            users,
            alive,
            keep_connect,
            usage_at,
        });
        self.render_ahead(&snap).await?;
        *self.snapshot.write().expect("lock") = Some(snap.clone());
        Ok(snap)
    }

    /// Checks every list polled recently against `snap` and re-renders those whose content
    /// changed, one at a time on a blocking thread; forgets lists no node asks for any more.
    async fn render_ahead(&self, snap: &Arc<Snapshot>) -> sqlx::Result<()> {
        let keys: Vec<(ListKey, u64)> = {
            let mut rendered = self.rendered.lock().await;
            rendered.retain(|_, e| e.polled.elapsed() < FORGET_AFTER);
            rendered
                .iter()
                .filter(|(_, e)| e.polled.elapsed() < PRERENDER_POLLED_WITHIN)
                .map(|(k, e)| (k.clone(), e.print))
                .collect()
        };
        for (key, old_print) in keys {
            if snap.read_at.elapsed() >= RENDER_AHEAD_BUDGET {
                break;
            }
            let (s, k) = (snap.clone(), key.clone());
            let (print, fresh) = tokio::task::spawn_blocking(move || {
                let members = members(&s, &k);
                let print = list_fingerprint(&s, &k, &members);
                (
                    print,
                    (print != old_print).then(|| render(&s, &k, &members, print)),
                )
            })
            .await
            .map_err(join_error)?;
            let mut rendered = self.rendered.lock().await;
            if let Some(e) = rendered.get_mut(&key).filter(|e| e.version < snap.version) {
                match fresh {
                    Some(r) => (e.print, e.rendered) = (print, r),
                    None if e.print != print => continue,
                    None => {}
                }
                (e.version, e.read_at) = (snap.version, snap.read_at);
            }
        }
        Ok(())
    }

    /// The list for `node` in `flavour`.
    pub async fn list(
        &self,
        app: &AppState,
        flavour: Flavour,
        node: &NodeRow,
    ) -> sqlx::Result<Rendered> {
        let key = list_key(flavour, node);
        let snap = self.snapshot(app).await?;
        if let Some(e) = self.rendered.lock().await.get_mut(&key) {
            e.polled = Instant::now();
            // Checked against this snapshot, or already against the next one (rendered ahead).
            if e.version >= snap.version {
                return Ok(e.rendered.clone());
            }
        }
        let members = members(&snap, &key);
        let print = list_fingerprint(&snap, &key, &members);
        if let Some(r) = self.cached(&key, &snap, print).await {
            return Ok(r);
        }
        // A recent enough rendering answers at once while the new one renders in the background,
        // so no poll waits for a render once the list exists.
        let previous = self
            .rendered
            .lock()
            .await
            .get(&key)
            .filter(|e| e.read_at.elapsed() < FRESH_ENOUGH)
            .map(|e| e.rendered.clone());
        if let Some(previous) = previous {
            let app = app.clone();
            tokio::spawn(async move {
                let lists = &app.node_lists.lists;
                if let Err(e) = lists.render_into(key, snap, members, print, false).await {
                    tracing::warn!(error = %e, "users list render failed");
                }
            });
            return Ok(previous);
        }
        self.render_into(key, snap, members, print, true)
            .await
            .map(|r| r.expect("a waiting render answers"))
    }

    /// Renders `key`'s list from `snap` (one render per list at a time, two in all) and stores
    /// it. Unless `wait`, returns None at once when the list is already being rendered.
    async fn render_into(
        &self,
        key: ListKey,
        snap: Arc<Snapshot>,
        members: Vec<u32>,
        print: u64,
        wait: bool,
    ) -> sqlx::Result<Option<Rendered>> {
        let lock = self
            .rendering
            .lock()
            .await
            .entry(key.clone())
            .or_default()
            .clone();
        let _one = match lock.try_lock() {
            Ok(guard) => guard,
            Err(_) if !wait => return Ok(None),
            Err(_) => lock.lock().await,
        };
        if let Some(r) = self.cached(&key, &snap, print).await {
            return Ok(Some(r));
        }
        let (version, read_at) = (snap.version, snap.read_at);
        let render_key = key.clone();
        let _slot = self
            .renders
            .acquire()
            .await
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let rendered =
            tokio::task::spawn_blocking(move || render(&snap, &render_key, &members, print))
                .await
                .map_err(join_error)?;
        let mut lists = self.rendered.lock().await;
        let entry = lists.entry(key).or_insert_with(|| Entry {
            version,
            print,
            rendered: rendered.clone(),
            read_at,
            polled: Instant::now(),
        });
        // A newer rendering (from a newer snapshot) stays.
        if entry.version <= version {
            (entry.version, entry.print) = (version, print);
            (entry.rendered, entry.read_at) = (rendered.clone(), read_at);
        }
        Ok(Some(rendered))
    }

    /// The list rendered from `print`, marked as checked against (and as recent as) `snap`.
    async fn cached(&self, key: &ListKey, snap: &Snapshot, print: u64) -> Option<Rendered> {
        let mut rendered = self.rendered.lock().await;
        let entry = rendered.get_mut(key).filter(|e| e.print == print)?;
        entry.version = entry.version.max(snap.version);
        entry.read_at = entry.read_at.max(snap.read_at);
        Some(entry.rendered.clone())
    }
}

fn list_key(flavour: Flavour, node: &NodeRow) -> ListKey {
    let method = if NodeSort::from_i64(node.sort) == Some(NodeSort::Shadowsocks2022) {
        node.custom_config_json()
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    } else {
        String::new()
    };
    ListKey {
        flavour,
        sort: node.sort,
        node_class: node.node_class,
        node_group: node.node_group,
        method,
    }
}

/// Every listable user, read a page at a time (id order).
async fn load_users(app: &App) -> sqlx::Result<Vec<ListableUser>> {
    let now = now_naive();
    let mut users = Vec::new();
    loop {
        let after = users.last().map_or(0, |u: &ListableUser| u.row.id);
        let page = sql::listable_users(&app.db, now, after, USERS_PAGE).await?;
        let done = (page.len() as i64) < USERS_PAGE;
        users.extend(page);
        if done {
            break;
        }
    }
    users.shrink_to_fit();
    Ok(users)
}

/// The snapshot's users: each with its fingerprint, and the usage shown by `previous` (the
/// snapshot of the current usage period, if any) or else its current usage. Both lists are in id
/// order, so they are merged, not indexed.
fn snap_users(users: Vec<ListableUser>, previous: Option<&Snapshot>) -> Vec<SnapUser> {
    let mut old = previous.map(|p| p.users.iter().peekable());
    users
        .into_iter()
        .map(|user| {
            let id = user.row.id;
            let mut shown = (user.row.u, user.row.d);
            if let Some(old) = old.as_mut() {
                while old.next_if(|o| o.user.row.id < id).is_some() {}
                if let Some(o) = old.next_if(|o| o.user.row.id == id) {
                    shown = o.shown;
                }
            }
            SnapUser {
                fingerprint: fingerprint(&user),
                shown,
                user,
            }
        })
        .collect()
}

/// Indexes (into the snapshot) of the users `key`'s nodes list: enabled, unexpired users of the
/// node's class and group, and administrators; over-quota users unless `keep_connect`.
fn members(snap: &Snapshot, key: &ListKey) -> Vec<u32> {
    snap.users
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            let u = &s.user;
            let eligible = u.is_admin == 1
                || (u.class >= key.node_class
                    && (key.node_group == 0 || u.node_group == key.node_group));
            let quota_ok =
                !u.row.over_quota() || (key.flavour == Flavour::ModMu && snap.keep_connect);
            eligible && quota_ok
        })
        .map(|(i, _)| i as u32)
        .collect()
}

fn shows_usage(key: &ListKey) -> bool {
    key.flavour == Flavour::Seed
        || !matches!(NodeSort::from_i64(key.sort), Some(s) if s != NodeSort::Shadowsocks)
}

impl Snapshot {
    /// The device count `user`'s entries show.
    fn alive_of(&self, user: &ListableUser) -> i64 {
        self.alive.get(&user.row.id).copied().unwrap_or(0)
    }
}

/// A fingerprint of everything `key`'s list shows: equal content, equal fingerprint.
fn list_fingerprint(snap: &Snapshot, key: &ListKey, members: &[u32]) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    snap.keep_connect.hash(&mut h);
    let usage = shows_usage(key);
    for i in members {
        let s = &snap.users[*i as usize];
        s.fingerprint.hash(&mut h);
        snap.alive_of(&s.user).hash(&mut h);
        if usage {
            s.shown.hash(&mut h);
        }
    }
    h.finish()
}

/// A list's body: `{"data":[…],"ret":1}`, and `"msg":"ok"` in the seed API (the keys in the
/// order a JSON object map gives them).
#[derive(Serialize)]
struct ListBody<T> {
    data: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg: Option<&'static str>,
    ret: i64,
}

fn render(snap: &Snapshot, key: &ListKey, members: &[u32], print: u64) -> Rendered {
    let users = members.iter().map(|i| &snap.users[*i as usize]);
    // Serialized straight into the compressor: no JSON tree, no uncompressed copy.
    let mut out = std::io::BufWriter::with_capacity(
        64 * 1024,
        flate2::write::GzEncoder::new(
            Vec::with_capacity(members.len() * 64),
            flate2::Compression::fast(),
        ),
    );
    let written = match key.flavour {
        Flavour::ModMu => {
            let data = users
                .filter_map(|s| {
                    let r = &s.user.row;
                    let alive = snap.alive_of(&s.user);
                    let mut e =
                        rules::mod_mu_entry(key.sort, &key.method, r, alive, snap.keep_connect)?;
                    if e.u.is_some() {
                        (e.u, e.d) = (Some(s.shown.0), Some(s.shown.1));
                    }
                    Some(e)
                })
                .collect();
            let body = ListBody {
                data,
                msg: None,
                ret: 1,
            };
            serde_json::to_writer(&mut out, &body)
        }
        Flavour::Seed => {
            let data = users
                .map(|s| {
                    let mut u = rules::seed_user(&s.user.row, snap.alive_of(&s.user));
                    (u.u, u.d) = s.shown;
                    u
                })
                .collect();
            let body = ListBody {
                data,
                msg: Some("ok"),
                ret: 1,
            };
            serde_json::to_writer(&mut out, &body)
        }
    };
    written.expect("lists serialize");
    let gzip = out
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|enc| enc.finish())
        .expect("writing to memory");
    Rendered {
        etag: format!("W/\"{print:016x}\""),
        gzip: Bytes::from(gzip),
    }
}
