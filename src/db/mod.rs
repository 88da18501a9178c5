//! One database layer over MySQL/MariaDB and SQLite.
//!
//! Queries are written once with `?` placeholders and run on whichever pool is configured through the
//! [`on_db!`], [`on_tx!`] and [`on_exec!`] macros, which expand the same body for both drivers. A
//! query that may run on the pool or inside a transaction takes an [`Exec`] (`&Db` or `&mut Tx`
//! convert into one), so it is written once for both. Where the dialects really differ (row locks,
//! upserts, insert-ignore, numeric casts, inserted ids) the difference lives in [`Backend`]'s
//! helpers, in one place.

pub mod admin;
pub mod admin_invites;
pub mod admin_mail;
pub mod admin_reports;
pub mod admin_users;
pub mod checkout;
pub mod config;
pub mod copy;
pub mod detect;
pub mod introspect;
pub mod jobs;
pub mod migrations;
pub mod node;
pub mod ops;
pub mod payment;
pub mod perks;
pub mod rebate;
pub mod report_rollup;
pub mod retry;
pub mod schema;
pub mod security;
pub mod shop;
pub mod subscription;
pub mod types;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{MySql, Pool, Sqlite, Transaction};

pub use retry::retry;
pub use types::{DbMoney, Int, Money};

#[derive(Clone, Debug)]
pub enum Db {
    MySql(Pool<MySql>),
    Sqlite(Pool<Sqlite>),
}

/// A write transaction. On MySQL rows are locked with `FOR UPDATE`; on SQLite the whole database is
/// reserved at `BEGIN IMMEDIATE`, which serialises writers the same way.
pub enum Tx {
    MySql(Transaction<'static, MySql>),
    Sqlite(Transaction<'static, Sqlite>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Sqlite,
}

/// Runs `$body` with `$c` bound to the pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::db::Db::MySql($c) => $body,
            $crate::db::Db::Sqlite($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of transaction `$tx`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::MySql(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Where a query runs: on the pool, or inside a transaction.
pub enum Exec<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Exec<'a> {
    fn from(db: &'a Db) -> Self {
        Exec::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Exec<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Exec::Tx(tx)
    }
}

impl Exec<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Exec::Db(db) => db.backend(),
            Exec::Tx(tx) => tx.backend(),
        }
    }
}

/// Runs `$body` with `$c` bound to the pool or transaction connection of the [`Exec`] `$ex`.
#[macro_export]
macro_rules! on_exec {
    ($ex:expr, |$c:ident| $body:expr) => {
        match $ex {
            $crate::db::Exec::Db($crate::db::Db::MySql($c)) => $body,
            $crate::db::Exec::Db($crate::db::Db::Sqlite($c)) => $body,
            $crate::db::Exec::Tx($crate::db::Tx::MySql(t)) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Exec::Tx($crate::db::Tx::Sqlite(t)) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Connects to `mysql://…` or `sqlite://PATH` (the file is created if missing).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            let opts = MySqlConnectOptions::from_str(&url)?
                .charset("utf8mb4")
                .timezone(Some("+00:00".to_string()));
            let pool = MySqlPoolOptions::new()
                .max_connections(max_connections)
                .min_connections(1)
                // Fail fast when the server is gone: callers answer 503 and clients retry,
                // instead of every request waiting out a long timeout.
                .acquire_timeout(Duration::from_secs(3))
                .connect_with(opts)
                .await?;
            Ok(Db::MySql(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(false);
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.clamp(1, 8))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            anyhow::bail!("database URL must start with sqlite:// or mysql://")
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::MySql(_) => Backend::MySql,
            Db::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Starts a write transaction (see [`Tx`]).
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::MySql(p) => Tx::MySql(p.begin().await?),
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// Starts a read-only transaction: its reads see one snapshot (MariaDB's consistent read,
    /// SQLite's deferred read transaction), so figures read in several statements agree.
    pub async fn begin_read(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::MySql(p) => Tx::MySql(p.begin().await?),
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
        })
    }

    /// Whether the database answers within `within`.
    pub async fn ping(&self, within: Duration) -> bool {
        let ping = async { on_db!(self, |p| sqlx::query("SELECT 1").execute(p).await.is_ok()) };
        tokio::time::timeout(within, ping).await.unwrap_or(false)
    }

    /// Whether the SSPanel schema is present (the `user` table exists).
    pub async fn has_schema(&self) -> sqlx::Result<bool> {
        let n: i64 = match self {
            Db::MySql(p) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.TABLES \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'user'",
                )
                .fetch_one(p)
                .await?
            }
            Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'user'",
                )
                .fetch_one(p)
                .await?
            }
        };
        Ok(n > 0)
    }

    /// Creates the SSPanel classic schema if it is missing, plus spanel's own tables, and applies
    /// pending upgrades of spanel's tables ([`migrations`]). Never alters an SSPanel table.
    /// Returns whether the classic schema was created (then recorded in `spanel_meta`).
    pub async fn ensure_schema(&self) -> anyhow::Result<bool> {
        let created = if self.has_schema().await? {
            false
        } else {
            self.create_classic_schema().await?
        };
        let now = chrono::Utc::now().timestamp();
        // Instances starting together on a Galera cluster run this side by side on different
        // nodes (`GET_LOCK` serialises only one node's): whoever records a version second gets
        // 1213 and runs it again, finding the work done.
        retry("schema", move || async move {
            for table in schema::SPANEL_TABLES {
                for stmt in schema::table_ddl(table, self.backend()) {
                    on_db!(self, |p| sqlx::raw_sql(&stmt)
                        .execute(p)
                        .await
                        .map(Done::from))?;
                }
            }
            migrations::apply(self, migrations::MIGRATIONS, now).await
        })
        .await?;
        if created {
            migrations::set_meta(self, migrations::CREATED_SCHEMA, &now.to_string()).await?;
        }
        Ok(created)
    }
}

/// The `spanel_meta` row claimed by the instance that creates the classic schema.
const SCHEMA_CREATOR: &str = "schema_creator";

impl Db {
    /// Creates the classic schema in an empty database; returns false when another instance
    /// started at the same moment claimed that work, once it has finished. The claim is a row
    /// inserted once (a unique key, certified on a Galera cluster like any write), and the tables
    /// are made with `IF NOT EXISTS`; so instances starting together neither fail nor duplicate.
    async fn create_classic_schema(&self) -> anyhow::Result<bool> {
        migrations::ensure_tables(self).await?;
        let token = chrono::Utc::now().timestamp().to_string();
        let claim = format!(
            "{} INTO `spanel_meta` (`name`, `value`) VALUES (?, ?)",
            self.backend().insert_ignore()
        );
        let claimed = retry("schema_claim", || async {
            on_db!(self, |p| sqlx::query(&claim)
                .bind(SCHEMA_CREATOR)
                .bind(&token)
                .execute(p)
                .await
                .map(Done::from))
        })
        .await?;
        if claimed.rows == 0 {
            return self.wait_for_schema().await.map(|()| false);
        }
        let statements = match self {
            Db::MySql(_) => schema::mysql_ddl(),
            Db::Sqlite(_) => schema::sqlite_ddl(),
        };
        for stmt in statements {
            on_db!(self, |p| sqlx::raw_sql(&stmt)
                .execute(p)
                .await
                .map(Done::from))?;
        }
        Ok(true)
    }

    /// Waits (up to two minutes) until the instance that claimed the schema's creation recorded it.
    async fn wait_for_schema(&self) -> anyhow::Result<()> {
        for _ in 0..240 {
            if migrations::meta(self, migrations::CREATED_SCHEMA)
                .await?
                .is_some()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        anyhow::bail!(
            "another spanel claimed the creation of the schema (spanel_meta '{SCHEMA_CREATOR}') and \
             has not finished in two minutes; if it died, delete that row and the half-made tables"
        )
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::MySql(_) => Backend::MySql,
            Tx::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The row-lock suffix for a `SELECT` inside this transaction.
    pub fn for_update(&self) -> &'static str {
        self.backend().for_update()
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::MySql(t) => t.commit().await,
            Tx::Sqlite(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::MySql(t) => t.rollback().await,
            Tx::Sqlite(t) => t.rollback().await,
        }
    }
}

impl Backend {
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::MySql => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// The scalar "smaller of two" function: MySQL's `LEAST`, SQLite's two-argument `MIN`.
    pub fn least(self) -> &'static str {
        match self {
            Backend::MySql => "LEAST",
            Backend::Sqlite => "MIN",
        }
    }

    /// The start of an insert that skips rows whose key exists.
    pub fn insert_ignore(self) -> &'static str {
        match self {
            Backend::MySql => "INSERT IGNORE",
            Backend::Sqlite => "INSERT OR IGNORE",
        }
    }

    /// The clause after an insert's `VALUES (…)` (or `SELECT`) that turns a key clash on `key`
    /// into an update; the assignments follow it, naming the proposed values with [`Self::proposed`].
    pub fn upsert(self, key: &[&str]) -> String {
        match self {
            Backend::MySql => " ON DUPLICATE KEY UPDATE ".to_string(),
            Backend::Sqlite => {
                let cols: Vec<String> = key.iter().map(|k| format!("`{k}`")).collect();
                format!(" ON CONFLICT ({}) DO UPDATE SET ", cols.join(", "))
            }
        }
    }

    /// The value an upsert proposed for `column`.
    pub fn proposed(self, column: &str) -> String {
        match self {
            Backend::MySql => format!("VALUES(`{column}`)"),
            Backend::Sqlite => format!("excluded.`{column}`"),
        }
    }

    /// The type to `CAST` to for a floating-point number.
    pub fn double(self) -> &'static str {
        match self {
            Backend::MySql => "DOUBLE",
            Backend::Sqlite => "REAL",
        }
    }

    /// The type to `CAST` to for text.
    pub fn text(self) -> &'static str {
        match self {
            Backend::MySql => "CHAR",
            Backend::Sqlite => "TEXT",
        }
    }

    /// `column` as a number: SQLite keeps SSPanel's DECIMAL money as text, which must not be
    /// compared as text.
    pub fn numeric(self, column: &str) -> String {
        match self {
            Backend::MySql => column.to_string(),
            Backend::Sqlite => format!("CAST({column} AS REAL)"),
        }
    }
}

/// What a statement changed, the same for both drivers: `.execute(c).await.map(Done::from)`.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    pub rows: u64,
    /// The id an `INSERT` created.
    pub id: i64,
}

impl From<sqlx::mysql::MySqlQueryResult> for Done {
    fn from(r: sqlx::mysql::MySqlQueryResult) -> Done {
        Done {
            rows: r.rows_affected(),
            id: r.last_insert_id() as i64,
        }
    }
}

impl From<sqlx::sqlite::SqliteQueryResult> for Done {
    fn from(r: sqlx::sqlite::SqliteQueryResult) -> Done {
        Done {
            rows: r.rows_affected(),
            id: r.last_insert_rowid(),
        }
    }
}

/// Whether an error is a unique-key violation (duplicate e-mail, token…).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Runs an `UPDATE`/`DELETE`/`INSERT` in `tx` with the given integer parameters; returns the rows
/// changed.
pub async fn execute(tx: &mut Tx, sql: &str, params: &[i64]) -> sqlx::Result<u64> {
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind(*p);
        }
        q.execute(c).await.map(|r| Done::from(r).rows)
    })
}

/// `?, ?, ?` for a statement with `n` placeholders.
pub fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

/// An SQL expression for the exact sum of a money column in integer cents (0 when no rows): MySQL
/// sums DECIMALs exactly; SQLite keeps money as TEXT and would sum it as floats, so each value is
/// turned into whole cents first.
pub fn cents_sum(backend: Backend, column: &str) -> String {
    match backend {
        Backend::MySql => format!("CAST(COALESCE(SUM({column}), 0) * 100 AS SIGNED)"),
        Backend::Sqlite => format!("COALESCE(SUM(CAST(ROUND({column} * 100) AS INTEGER)), 0)"),
    }
}
