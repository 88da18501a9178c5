//! Versioned upgrades of spanel's own tables.
//!
//! The `spanel_*` tables of [`super::schema::SPANEL_TABLES`] are created with `IF NOT EXISTS` on
//! every start, so a new table needs no migration. A *change* to an existing spanel table (a new
//! column, an index, a data fix) is appended to [`MIGRATIONS`] with the next version number and is
//! applied once, in order, at start-up, recorded in `spanel_schema_version`. One instance applies
//! them at a time (MariaDB: a named lock; SQLite: one `BEGIN IMMEDIATE` transaction), and a
//! database whose version is newer than this binary knows is refused, never downgraded.
//!
//! Migrations never touch SSPanel's tables: a unit test checks that every statement names only
//! `spanel_` tables.

use sqlx::Connection;

use super::{Backend, Db, Done};

/// One ordered change of spanel's own tables.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// Statements for MySQL/MariaDB (DDL is not transactional there: keep each one idempotent).
    pub mysql: &'static [&'static str],
    /// Statements for SQLite, run in one transaction with the version row.
    pub sqlite: &'static [&'static str],
}

/// Every migration of this release, by version. Append only; never edit a released one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "sqlite indexes matching the MariaDB keys of spanel's tables",
    mysql: &[],
    sqlite: &[
        "CREATE INDEX IF NOT EXISTS spanel_admin_log_target ON spanel_admin_log (target)",
        "CREATE INDEX IF NOT EXISTS spanel_node_alert_node_id ON spanel_node_alert (node_id)",
        "CREATE INDEX IF NOT EXISTS spanel_payment_event_tradeno ON spanel_payment_event (tradeno)",
        "CREATE INDEX IF NOT EXISTS spanel_gateway_order_tradeno ON spanel_gateway_order (tradeno)",
    ],
}, Migration {
    version: 2,
    name: "a covering index of spanel_traffic_daily by day for the top-users report",
    mysql: &["ALTER TABLE `spanel_traffic_daily` ADD INDEX IF NOT EXISTS `day_user` (`day`, `user_id`, `u`, `d`)"],
    sqlite: &["CREATE INDEX IF NOT EXISTS spanel_traffic_daily_day_user ON spanel_traffic_daily (day, user_id, u, d)"],
}];

const MYSQL_TABLES: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS `spanel_schema_version` (
        `version` bigint(20) NOT NULL PRIMARY KEY,
        `name` varchar(255) NOT NULL,
        `applied_at` bigint(20) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    "CREATE TABLE IF NOT EXISTS `spanel_meta` (
        `name` varchar(64) NOT NULL PRIMARY KEY,
        `value` text NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
];

const SQLITE_TABLES: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS spanel_schema_version (
        version INTEGER NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS spanel_meta (
        name TEXT NOT NULL PRIMARY KEY,
        value TEXT NOT NULL
    )",
];

/// The name of the MariaDB lock held while migrating.
const LOCK: &str = "spanel_migrate:";

/// The highest version this binary knows.
pub fn latest(migrations: &[Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Creates the version and meta tables if missing.
pub async fn ensure_tables(db: &Db) -> sqlx::Result<()> {
    match db {
        Db::MySql(p) => {
            for ddl in MYSQL_TABLES {
                sqlx::raw_sql(ddl).execute(p).await?;
            }
        }
        Db::Sqlite(p) => {
            for ddl in SQLITE_TABLES {
                sqlx::raw_sql(ddl).execute(p).await?;
            }
        }
    }
    Ok(())
}

/// The version of spanel's tables in this database (0 when none was recorded).
pub async fn current_version(db: &Db) -> sqlx::Result<i64> {
    let v: Option<i64> = crate::on_db!(db, |p| sqlx::query_scalar(
        "SELECT MAX(`version`) FROM `spanel_schema_version`"
    )
    .fetch_one(p)
    .await)?;
    Ok(v.unwrap_or(0))
}

/// Applies the pending `migrations` in version order; returns the versions applied now.
pub async fn apply(db: &Db, migrations: &[Migration], now: i64) -> anyhow::Result<Vec<i64>> {
    ensure_tables(db).await?;
    let mut ordered: Vec<&Migration> = migrations.iter().collect();
    ordered.sort_by_key(|m| m.version);
    let known = latest(migrations);
    let mut applied = Vec::new();
    match db {
        Db::MySql(pool) => {
            let mut conn = pool.acquire().await?;
            // Named per database (lock names are at most 64 characters, hence the hash): installations
            // sharing one server do not wait for each other.
            let got: Option<i64> =
                sqlx::query_scalar("SELECT GET_LOCK(CONCAT(?, MD5(DATABASE())), 300)")
                    .bind(LOCK)
                    .fetch_one(&mut *conn)
                    .await?;
            anyhow::ensure!(
                got == Some(1),
                "another spanel has been upgrading this database for 5 minutes (lock {LOCK}<md5 of the database name>)"
            );
            let result = async {
                let current: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(`version`) FROM `spanel_schema_version`")
                        .fetch_one(&mut *conn)
                        .await?;
                let current = refuse_newer(current.unwrap_or(0), known)?;
                for m in ordered.iter().filter(|m| m.version > current) {
                    for stmt in m.mysql {
                        sqlx::raw_sql(stmt).execute(&mut *conn).await?;
                    }
                    // `GET_LOCK` is local to one Galera node: instances on two nodes may both
                    // get here, run the (idempotent) statements and record the version once.
                    sqlx::query(
                        "INSERT IGNORE INTO `spanel_schema_version` (`version`, `name`, `applied_at`) VALUES (?, ?, ?)",
                    )
                    .bind(m.version)
                    .bind(m.name)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                    applied.push(m.version);
                }
                anyhow::Ok(())
            }
            .await;
            sqlx::query("SELECT RELEASE_LOCK(CONCAT(?, MD5(DATABASE())))")
                .bind(LOCK)
                .execute(&mut *conn)
                .await?;
            result?;
        }
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await?;
            // The write lock is taken at BEGIN: a second instance waits here, then finds the work
            // done. All of it commits together or not at all.
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            let current: Option<i64> =
                sqlx::query_scalar("SELECT MAX(`version`) FROM `spanel_schema_version`")
                    .fetch_one(&mut *tx)
                    .await?;
            let current = refuse_newer(current.unwrap_or(0), known)?;
            for m in ordered.iter().filter(|m| m.version > current) {
                for stmt in m.sqlite {
                    sqlx::raw_sql(stmt).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO `spanel_schema_version` (`version`, `name`, `applied_at`) VALUES (?, ?, ?)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                applied.push(m.version);
            }
            tx.commit().await?;
        }
    }
    for v in &applied {
        tracing::info!(version = v, "upgraded spanel's tables");
    }
    Ok(applied)
}

fn refuse_newer(current: i64, known: i64) -> anyhow::Result<i64> {
    anyhow::ensure!(
        current <= known,
        "this database's spanel tables are at version {current}, newer than this spanel knows \
         ({known}): run the newer spanel, or restore the backup taken before the upgrade"
    );
    Ok(current)
}

/// A value of `spanel_meta`.
pub async fn meta(db: &Db, name: &str) -> sqlx::Result<Option<String>> {
    crate::on_db!(db, |p| sqlx::query_scalar(
        "SELECT `value` FROM `spanel_meta` WHERE `name` = ?"
    )
    .bind(name)
    .fetch_optional(p)
    .await)
}

/// The statement that sets one `spanel_meta` value: binds (name, value).
pub fn set_meta_sql(backend: Backend) -> String {
    format!(
        "INSERT INTO `spanel_meta` (`name`, `value`) VALUES (?, ?){}`value` = {}",
        backend.upsert(&["name"]),
        backend.proposed("value")
    )
}

/// Sets a value of `spanel_meta`.
pub async fn set_meta(db: &Db, name: &str, value: &str) -> sqlx::Result<()> {
    let sql = set_meta_sql(db.backend());
    crate::on_db!(db, |p| sqlx::query(&sql)
        .bind(name)
        .bind(value)
        .execute(p)
        .await
        .map(Done::from))?;
    Ok(())
}

/// `spanel_meta` name recording that spanel created the SSPanel schema of this database itself
/// (value: unix time), which alone allows it to create a first administrator.
pub const CREATED_SCHEMA: &str = "created_schema";

#[cfg(test)]
mod tests {
    use super::*;

    /// Names after the SQL words that introduce a table.
    fn tables_named(sql: &str) -> Vec<String> {
        let words: Vec<&str> = sql.split_whitespace().collect();
        let mut out = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let upper = w.to_ascii_uppercase();
            let next = words.get(i + 1).copied().unwrap_or("");
            let introduces = matches!(
                upper.as_str(),
                "TABLE" | "ON" | "INTO" | "UPDATE" | "FROM" | "JOIN"
            ) || (upper == "EXISTS"
                    && i >= 1
                    && words[i - 1].eq_ignore_ascii_case("NOT")
                    // `… INDEX IF NOT EXISTS name` names an index; its table follows ON/TABLE.
                    && !(i >= 3 && words[i - 3].eq_ignore_ascii_case("INDEX")));
            if introduces && !next.eq_ignore_ascii_case("IF") {
                let name: String = next
                    .trim_matches(|c| c == '`' || c == '"' || c == '(')
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !name.eq_ignore_ascii_case("CONFLICT") {
                    out.push(name);
                }
            }
        }
        out
    }

    #[test]
    fn versions_are_unique_and_increasing() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(versions, sorted);
        assert_eq!(versions.first(), Some(&1));
    }

    #[test]
    fn migrations_touch_only_spanel_tables() {
        for m in MIGRATIONS {
            for stmt in m.mysql.iter().chain(m.sqlite) {
                let named = tables_named(stmt);
                assert!(!named.is_empty(), "no table found in {stmt}");
                for t in named {
                    assert!(
                        t.starts_with("spanel_"),
                        "migration {} names {t}",
                        m.version
                    );
                }
            }
        }
        // The checker itself sees an SSPanel table.
        assert_eq!(tables_named("ALTER TABLE `user` ADD x int"), vec!["user"]);
        assert_eq!(
            tables_named("ALTER TABLE `user` ADD INDEX IF NOT EXISTS `k` (`a`)"),
            vec!["user"]
        );
    }

    #[test]
    fn newer_databases_are_refused() {
        assert!(refuse_newer(2, 1).is_err());
        assert_eq!(refuse_newer(1, 1).unwrap(), 1);
    }
}
