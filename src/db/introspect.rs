//! Reading a live database's structure (tables, columns, indexes) and server settings, on both
//! backends, for `spanel doctor` and `spanel migrate`. Read-only.

use std::collections::{BTreeMap, BTreeSet};

use super::{Backend, Db, Int};

/// A column as the live database declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveColumn {
    pub name: String,
    /// MySQL: `COLUMN_TYPE` (`bigint(20) unsigned`); SQLite: the declared type (`INTEGER`).
    pub column_type: String,
    pub nullable: bool,
    /// The default as the server reports it (MariaDB quotes strings: `'rc4-md5'`).
    pub default: Option<String>,
    /// MySQL `EXTRA` (`auto_increment`, `on update current_timestamp()`); empty on SQLite.
    pub extra: String,
    /// Part of the primary key.
    pub primary: bool,
}

/// Every table with its columns in declaration order.
pub async fn columns(db: &Db) -> sqlx::Result<BTreeMap<String, Vec<LiveColumn>>> {
    let mut out: BTreeMap<String, Vec<LiveColumn>> = BTreeMap::new();
    match db {
        Db::MySql(p) => {
            type Row = (
                String,
                String,
                String,
                String,
                Option<String>,
                String,
                String,
            );
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                 CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR), \
                 CAST(COLUMN_KEY AS CHAR) \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                 ORDER BY TABLE_NAME, ORDINAL_POSITION",
            )
            .fetch_all(p)
            .await?;
            for (table, name, column_type, nullable, default, extra, key) in rows {
                out.entry(table).or_default().push(LiveColumn {
                    name,
                    column_type,
                    nullable: nullable == "YES",
                    default,
                    extra,
                    primary: key == "PRI",
                });
            }
        }
        Db::Sqlite(p) => {
            let rows: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
                "SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk \
                 FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
            )
            .fetch_all(p)
            .await?;
            for (table, name, column_type, notnull, default, pk) in rows {
                out.entry(table).or_default().push(LiveColumn {
                    name,
                    column_type,
                    nullable: notnull == 0 && pk == 0,
                    default,
                    extra: String::new(),
                    primary: pk > 0,
                });
            }
        }
    }
    Ok(out)
}

/// (table, column) pairs that lead some index (the primary key included).
pub async fn index_leads(db: &Db) -> sqlx::Result<BTreeSet<(String, String)>> {
    let rows: Vec<(String, String)> = match db {
        Db::MySql(p) => {
            sqlx::query_as(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1",
            )
            .fetch_all(p)
            .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as(
                "SELECT m.name, i.name FROM sqlite_master m, pragma_index_list(m.name) l, \
                 pragma_index_info(l.name) i WHERE m.type = 'table' AND i.seqno = 0 \
                 UNION SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND c.pk = 1",
            )
            .fetch_all(p)
            .await?
        }
    };
    Ok(rows.into_iter().collect())
}

/// Rows in `table` (a name taken from [`columns`], quoted here).
pub async fn row_count(db: &Db, table: &str) -> sqlx::Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {}", quote(db.backend(), table));
    let n: Int = crate::on_db!(db, |p| sqlx::query_scalar(&sql).fetch_one(p).await)?;
    Ok(n.0)
}

/// An identifier quoted for the backend.
pub fn quote(backend: Backend, name: &str) -> String {
    match backend {
        Backend::MySql => format!("`{}`", name.replace('`', "``")),
        Backend::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// MariaDB's global SQL mode.
pub async fn sql_mode(db: &Db) -> sqlx::Result<Option<String>> {
    match db {
        Db::MySql(p) => sqlx::query_scalar("SELECT CAST(@@GLOBAL.sql_mode AS CHAR)")
            .fetch_one(p)
            .await
            .map(Some),
        Db::Sqlite(_) => Ok(None),
    }
}

/// MariaDB's global time zone setting, its system zone, and the global zone's current offset from
/// UTC in minutes (None when the server cannot convert a named zone).
pub async fn server_time_zone(db: &Db) -> sqlx::Result<Option<(String, String, Option<i64>)>> {
    match db {
        Db::MySql(p) => {
            let row: (String, String, Option<i64>) = sqlx::query_as(
                "SELECT CAST(@@GLOBAL.time_zone AS CHAR), CAST(@@system_time_zone AS CHAR), \
                 CAST(TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), \
                   CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', @@GLOBAL.time_zone)) AS SIGNED)",
            )
            .fetch_one(p)
            .await?;
            Ok(Some(row))
        }
        Db::Sqlite(_) => Ok(None),
    }
}

/// Rows of `table` whose text form of `column` starts with `prefix` (zero dates, templates).
pub async fn count_text_prefix(
    db: &Db,
    table: &str,
    column: &str,
    prefix: &str,
) -> sqlx::Result<i64> {
    let b = db.backend();
    let text = b.text();
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE CAST({} AS {text}) LIKE ?",
        quote(b, table),
        quote(b, column)
    );
    let n: Int = crate::on_db!(db, |p| sqlx::query_scalar(&sql)
        .bind(format!("{prefix}%"))
        .fetch_one(p)
        .await)?;
    Ok(n.0)
}

/// Rows of `table` whose DATETIME `column` is later than `after` (a naive wall-clock time).
pub async fn count_later_than(
    db: &Db,
    table: &str,
    column: &str,
    after: chrono::NaiveDateTime,
) -> sqlx::Result<i64> {
    let b = db.backend();
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE {} > ?",
        quote(b, table),
        quote(b, column)
    );
    let n: Int = crate::on_db!(db, |p| sqlx::query_scalar(&sql)
        .bind(after)
        .fetch_one(p)
        .await)?;
    Ok(n.0)
}

/// `config` items with how often each appears.
pub async fn config_items(db: &Db) -> sqlx::Result<Vec<(String, i64, Option<String>)>> {
    let rows: Vec<(String, Int, Option<String>)> = crate::on_db!(db, |p| sqlx::query_as(
        "SELECT `item`, COUNT(*), MAX(`value`) FROM `config` GROUP BY `item`"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(i, n, v)| (i, n.0, v)).collect())
}
