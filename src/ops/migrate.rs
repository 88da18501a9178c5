//! `spanel migrate --from URL --to URL`: copies a whole spanel database between backends (SQLite →
//! MariaDB when an installation grows; MariaDB → SQLite for tests), every SSPanel table and
//! spanel's own, in batches, then verifies the copy (rows per table, sums of balances, traffic and
//! order totals) before it reports success.
//!
//! Each batch commits with a progress record (`spanel_meta`, `migrate_progress:<table>`) in the same
//! target transaction, so an interrupted run, started again with the same arguments, continues
//! exactly where the last commit left off. A non-empty target that is not such an interrupted copy
//! is refused unless `--force`, which empties the target's tables first. The source is read inside
//! one transaction: a consistent snapshot, but stop spanel (and PHP) while migrating, or writes
//! after the snapshot are not copied.

use std::collections::BTreeMap;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use sqlx::Row;

use crate::db::copy::{self, TablePlan, Value};
use crate::db::introspect::{self, quote};
use crate::db::{migrations, Backend, Db};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Source database URL (sqlite://PATH or mysql://…).
    #[arg(long)]
    pub from: String,
    /// Target database URL; created if it is an SQLite path, must exist (empty) on MariaDB.
    #[arg(long)]
    pub to: String,
    /// Empty a non-empty target's tables first.
    #[arg(long)]
    pub force: bool,
}

/// Knobs of a run (the command line sets `force`; tests stop a run midway).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub force: bool,
    /// Stop with an error after this many committed batches (to test resuming).
    pub stop_after_batches: Option<u64>,
    pub progress: bool,
}

/// What one table's verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub table: String,
    pub rows: i64,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub tables: Vec<TableCheck>,
    pub rows: u64,
    /// Whether this run continued an interrupted one.
    pub resumed: bool,
    pub seconds: f64,
}

/// `spanel_meta` names used while copying.
const IN_PROGRESS: &str = "migrate_in_progress";
const PROGRESS_PREFIX: &str = "migrate_progress:";

/// Tables copied by hand at the end instead of row by row: the target's own record of its version
/// and of how it was made.
const NOT_COPIED: [&str; 2] = ["spanel_schema_version", "spanel_meta"];

/// Exact sums compared after the copy: (table, column, money).
const SUMS: &[(&str, &str, bool)] = &[
    ("user", "id", false),
    ("user", "money", true),
    ("user", "u", false),
    ("user", "d", false),
    ("user", "transfer_enable", false),
    ("paylist", "total", true),
    ("bought", "price", true),
    ("code", "number", true),
    ("payback", "total", true),
    ("payback", "ref_get", true),
    ("user_hourly_usage", "traffic", false),
    ("user_hourly_usage", "hourly_usage", false),
    ("spanel_traffic_hourly", "u", false),
    ("spanel_traffic_hourly", "d", false),
    ("spanel_traffic_daily", "u", false),
    ("spanel_traffic_daily", "d", false),
];

pub async fn main(args: Args) -> anyhow::Result<()> {
    println!(
        "Copying {} to {} (stop spanel and PHP SSPanel first: writes made meanwhile are not copied).",
        crate::cli::redact_url(&args.from),
        crate::cli::redact_url(&args.to)
    );
    let outcome = run(
        &args.from,
        &args.to,
        Options {
            force: args.force,
            stop_after_batches: None,
            progress: true,
        },
    )
    .await?;
    for t in &outcome.tables {
        println!("  {:<28} {:>10} rows  ok", t.table, t.rows);
    }
    println!(
        "Migrated and verified {} rows in {} tables in {:.1} s{}: row counts and the sums of balances, \
         traffic and order totals agree. Point SPANEL_DATABASE_URL at {}.",
        outcome.rows,
        outcome.tables.len(),
        outcome.seconds,
        if outcome.resumed {
            " (continuing an interrupted run)"
        } else {
            ""
        },
        crate::cli::redact_url(&args.to)
    );
    Ok(())
}

/// Copies and verifies; see the module documentation.
pub async fn run(from: &str, to: &str, options: Options) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    anyhow::ensure!(from != to, "--from and --to are the same database");
    let source = super::doctor::connect_existing(from).await?;
    anyhow::ensure!(
        source.has_schema().await?,
        "the source has no SSPanel schema (no `user` table)"
    );
    let source_cols = introspect::columns(&source).await?;
    if source_cols.contains_key("spanel_schema_version") {
        let v = migrations::current_version(&source).await?;
        let known = migrations::latest(migrations::MIGRATIONS);
        anyhow::ensure!(
            v == known,
            "the source's spanel tables are at version {v}, this spanel's at {known}: start this \
             spanel once on the source (it upgrades them), then migrate"
        );
    }
    let target = Db::connect(to, 4).await?;
    let marker = crate::cli::redact_url(from);
    let existing = introspect::columns(&target).await?;
    let resumed = if existing.contains_key("spanel_meta") {
        migrations::meta(&target, IN_PROGRESS).await?.as_deref() == Some(marker.as_str())
    } else {
        false
    };
    if !resumed && !options.force {
        for table in existing.keys() {
            if NOT_COPIED.contains(&table.as_str()) {
                continue;
            }
            let n = introspect::row_count(&target, table).await?;
            anyhow::ensure!(
                n == 0,
                "the target is not empty (`{table}` has {n} rows): use an empty database, or --force \
                 to empty its tables first"
            );
        }
    }
    target.ensure_schema().await?;
    let target_cols = introspect::columns(&target).await?;

    let mut plans = Vec::new();
    for (name, cols) in &source_cols {
        if NOT_COPIED.contains(&name.as_str()) {
            continue;
        }
        let Some(theirs) = target_cols.get(name) else {
            eprintln!("note: `{name}` is not a table spanel knows; not copied");
            continue;
        };
        for c in cols
            .iter()
            .filter(|c| !theirs.iter().any(|t| t.name == c.name))
        {
            eprintln!(
                "note: `{name}`.`{}` has no column in the target; not copied",
                c.name
            );
        }
        let plan = TablePlan::new(name, cols, theirs)
            .ok_or_else(|| anyhow::anyhow!("`{name}` has no primary key to copy it by"))?;
        plans.push(plan);
    }
    // Parents before children (foreign keys on MariaDB): SSPanel's order, then spanel's tables.
    plans.sort_by_key(|p| {
        crate::db::schema::TABLES
            .iter()
            .position(|t| t.name == p.name)
            .unwrap_or(usize::MAX)
    });

    let mut writer = Writer::open(&target).await?;
    if !resumed {
        if options.force {
            for plan in plans.iter().rev() {
                writer
                    .execute(&format!(
                        "DELETE FROM {}",
                        quote(target.backend(), &plan.name)
                    ))
                    .await?;
            }
        }
        writer.clear_progress().await?;
        migrations::set_meta(&target, IN_PROGRESS, &marker).await?;
    }

    let mut reader = Reader::open(&source).await?;
    let mut total: u64 = 0;
    for plan in &plans {
        total += reader.count(&plan.name).await? as u64;
    }
    let bar = if options.progress {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:24} [{bar:40}] {human_pos}/{human_len} rows, {per_sec}, {eta} left",
        )?
        .progress_chars("=> "),
    );

    let mut batches: u64 = 0;
    for plan in &plans {
        bar.set_message(plan.name.clone());
        let progress_name = format!("{PROGRESS_PREFIX}{}", plan.name);
        let after: Option<Vec<Value>> = match migrations::meta(&target, &progress_name).await? {
            Some(json) => Some(serde_json::from_str(&json)?),
            None => None,
        };
        if let Some(done) = &after {
            let copied = reader.count_through(plan, done).await?;
            bar.inc(copied as u64);
        }
        let mut rows = reader.batch(plan, after.as_deref()).await?;
        while !rows.is_empty() {
            let last = plan.key_of(rows.last().expect("non-empty"));
            let last_json = serde_json::to_string(&last)?;
            // The next batch is read while this one is written.
            let (written, next) = tokio::join!(
                writer.insert(plan, &rows, &progress_name, &last_json),
                reader.batch(plan, Some(&last))
            );
            written?;
            bar.inc(rows.len() as u64);
            batches += 1;
            if options.stop_after_batches == Some(batches) {
                bar.abandon();
                anyhow::bail!("stopped after {batches} batches, as asked");
            }
            rows = next?;
        }
    }
    bar.finish_and_clear();

    // spanel_meta: the target records what the source recorded (notably whether spanel created the
    // schema, which alone allows a first administrator), and nothing of this copy.
    let source_meta = reader.meta().await?;
    writer.replace_meta(&source_meta).await?;

    let tables = verify(&mut reader, &target, &plans).await?;
    reader.finish().await?;
    // Verified: the progress records and the in-progress marker go.
    writer.clear_progress().await?;
    let rows = tables.iter().map(|t| t.rows as u64).sum();
    Ok(Outcome {
        tables,
        rows,
        resumed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Compares row counts and sums between the source snapshot and the target.
async fn verify(
    reader: &mut Reader,
    target: &Db,
    plans: &[TablePlan],
) -> anyhow::Result<Vec<TableCheck>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for plan in plans {
        let want = reader.count(&plan.name).await?;
        let got = introspect::row_count(target, &plan.name).await?;
        if want != got {
            problems.push(format!(
                "`{}`: {want} rows in the source, {got} in the target",
                plan.name
            ));
        }
        out.push(TableCheck {
            table: plan.name.clone(),
            rows: got,
        });
    }
    for (table, column, money) in SUMS {
        let Some(plan) = plans.iter().find(|p| p.name == *table) else {
            continue;
        };
        if !plan.columns.iter().any(|c| c == column) {
            continue;
        }
        let want = reader.sum(table, column, *money).await?;
        let sql = copy::sum_sql(target.backend(), table, column, *money);
        let got: String = crate::on_db!(target, |p| sqlx::query_scalar(&sql).fetch_one(p).await)?;
        let (w, g) = (copy::parse_sum(&want), copy::parse_sum(&got));
        if w.is_none() || w != g {
            problems.push(format!(
                "sum of `{table}`.`{column}`: {want} in the source, {got} in the target"
            ));
        }
    }
    anyhow::ensure!(
        problems.is_empty(),
        "verification failed; the target is not a faithful copy:\n  {}",
        problems.join("\n  ")
    );
    Ok(out)
}

/// One connection held for the whole copy: the source's snapshot, or the target's writes.
enum Conn {
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

/// Runs `$body` with `$c` bound to the connection of whichever backend `$conn` holds.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Conn::MySql($c) => $body,
            Conn::Sqlite($c) => $body,
        }
    };
}

impl Conn {
    /// A connection of `db` on which `setup` has run.
    async fn open(db: &Db, setup: &str) -> anyhow::Result<Conn> {
        let mut conn = match db {
            Db::MySql(p) => Conn::MySql(p.acquire().await?),
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
        };
        if !setup.is_empty() {
            conn.execute(setup).await?;
        }
        Ok(conn)
    }

    fn backend(&self) -> Backend {
        match self {
            Conn::MySql(_) => Backend::MySql,
            Conn::Sqlite(_) => Backend::Sqlite,
        }
    }

    async fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        on_conn!(self, |c| sqlx::raw_sql(sql)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    async fn count(&mut self, sql: &str) -> anyhow::Result<i64> {
        let n: crate::db::Int =
            on_conn!(self, |c| sqlx::query_scalar(sql).fetch_one(&mut **c).await)?;
        Ok(n.0)
    }

    /// Opens a write transaction (SQLite takes its write lock at once).
    async fn begin_write(&mut self) -> anyhow::Result<()> {
        let sql = match self.backend() {
            Backend::MySql => "START TRANSACTION",
            Backend::Sqlite => "BEGIN IMMEDIATE",
        };
        self.execute(sql).await
    }
}

/// The source, read inside one transaction (a consistent snapshot).
struct Reader(Conn);

impl Reader {
    async fn open(db: &Db) -> anyhow::Result<Reader> {
        let setup = match db.backend() {
            Backend::MySql => "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
            // The snapshot starts at the first read.
            Backend::Sqlite => "BEGIN; SELECT COUNT(*) FROM sqlite_master",
        };
        Ok(Reader(Conn::open(db, setup).await?))
    }

    fn backend(&self) -> Backend {
        self.0.backend()
    }

    async fn finish(mut self) -> anyhow::Result<()> {
        self.0.execute("COMMIT").await
    }

    async fn count(&mut self, table: &str) -> anyhow::Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(self.backend(), table));
        self.0.count(&sql).await
    }

    /// Rows at or before the key `upto` (already copied by an earlier run).
    async fn count_through(&mut self, plan: &TablePlan, upto: &[Value]) -> anyhow::Result<i64> {
        let b = self.backend();
        let keys: Vec<String> = plan
            .key
            .iter()
            .map(|&i| quote(b, &plan.columns[i]))
            .collect();
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE ({}) <= ({})",
            quote(b, &plan.name),
            keys.join(", "),
            crate::db::placeholders(keys.len())
        );
        let n: crate::db::Int = match &mut self.0 {
            Conn::MySql(c) => copy::bind_mysql(sqlx::query(&sql), upto)
                .fetch_one(&mut **c)
                .await?
                .try_get(0)?,
            Conn::Sqlite(c) => copy::bind_sqlite(sqlx::query(&sql), upto)
                .fetch_one(&mut **c)
                .await?
                .try_get(0)?,
        };
        Ok(n.0)
    }

    async fn sum(&mut self, table: &str, column: &str, money: bool) -> anyhow::Result<String> {
        let sql = copy::sum_sql(self.backend(), table, column, money);
        Ok(on_conn!(&mut self.0, |c| sqlx::query_scalar(&sql)
            .fetch_one(&mut **c)
            .await)?)
    }

    async fn batch(
        &mut self,
        plan: &TablePlan,
        after: Option<&[Value]>,
    ) -> anyhow::Result<Vec<Vec<Value>>> {
        let sql = plan.select_sql(self.backend(), after.is_some());
        let limit = plan.batch_rows() as i64;
        let n = plan.columns.len();
        let after = after.unwrap_or(&[]);
        Ok(match &mut self.0 {
            Conn::MySql(c) => copy::bind_mysql(sqlx::query(&sql), after)
                .bind(limit)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(|row| (0..n).map(|i| copy::mysql_value(row, i)).collect())
                .collect::<sqlx::Result<_>>()?,
            Conn::Sqlite(c) => copy::bind_sqlite(sqlx::query(&sql), after)
                .bind(limit)
                .fetch_all(&mut **c)
                .await?
                .iter()
                .map(|row| (0..n).map(|i| copy::sqlite_value(row, i)).collect())
                .collect::<sqlx::Result<_>>()?,
        })
    }

    /// The source's `spanel_meta` (empty when spanel never ran on it).
    async fn meta(&mut self) -> anyhow::Result<BTreeMap<String, String>> {
        let exists = match self.backend() {
            Backend::MySql => {
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
                 AND TABLE_NAME = 'spanel_meta'"
            }
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'spanel_meta'"
            }
        };
        if self.0.count(exists).await? == 0 {
            return Ok(BTreeMap::new());
        }
        let sql = "SELECT `name`, `value` FROM `spanel_meta`";
        let rows: Vec<(String, String)> = on_conn!(&mut self.0, |c| sqlx::query_as(sql)
            .fetch_all(&mut **c)
            .await)?;
        Ok(rows
            .into_iter()
            .filter(|(k, _)| !k.starts_with("migrate_"))
            .collect())
    }
}

/// The target, written through one connection: each batch and its progress record commit together.
struct Writer(Conn);

impl Writer {
    async fn open(db: &Db) -> anyhow::Result<Writer> {
        let setup = match db.backend() {
            // Foreign keys are not checked while whole tables arrive (children may come first);
            // ids of 0 are kept as they are.
            Backend::MySql => {
                "SET SESSION FOREIGN_KEY_CHECKS = 0; \
                 SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')"
            }
            Backend::Sqlite => "",
        };
        Ok(Writer(Conn::open(db, setup).await?))
    }

    async fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        self.0.execute(sql).await
    }

    async fn clear_progress(&mut self) -> anyhow::Result<()> {
        self.execute("DELETE FROM `spanel_meta` WHERE `name` LIKE 'migrate!_%' ESCAPE '!'")
            .await
    }

    async fn set_meta(&mut self, name: &str, value: &str) -> anyhow::Result<()> {
        let sql = migrations::set_meta_sql(self.0.backend());
        on_conn!(&mut self.0, |c| sqlx::query(&sql)
            .bind(name)
            .bind(value)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Inserts `rows` and records `last` as this table's progress, in one transaction.
    async fn insert(
        &mut self,
        plan: &TablePlan,
        rows: &[Vec<Value>],
        progress_name: &str,
        last: &str,
    ) -> anyhow::Result<()> {
        let flat: Vec<Value> = rows.iter().flatten().cloned().collect();
        let sql = plan.insert_sql(self.0.backend(), rows.len());
        self.0.begin_write().await?;
        match &mut self.0 {
            Conn::MySql(c) => {
                copy::bind_mysql(sqlx::query(&sql), &flat)
                    .execute(&mut **c)
                    .await?;
            }
            Conn::Sqlite(c) => {
                copy::bind_sqlite(sqlx::query(&sql), &flat)
                    .execute(&mut **c)
                    .await?;
            }
        }
        self.set_meta(progress_name, last).await?;
        self.execute("COMMIT").await
    }

    /// Makes the target's `spanel_meta` the source's, keeping only this copy's own records.
    async fn replace_meta(&mut self, meta: &BTreeMap<String, String>) -> anyhow::Result<()> {
        self.0.begin_write().await?;
        self.execute("DELETE FROM `spanel_meta` WHERE `name` NOT LIKE 'migrate!_%' ESCAPE '!'")
            .await?;
        for (name, value) in meta {
            self.set_meta(name, value).await?;
        }
        self.execute("COMMIT").await
    }
}
