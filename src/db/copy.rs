//! Moving rows between databases of either backend, column by column, without knowing the tables
//! at compile time: for `spanel migrate`. Values travel as integers, floats or text; DATETIME and
//! DECIMAL columns are read as text on MariaDB (exact, and the form SQLite stores them in).

use sqlx::{Row, TypeInfo, ValueRef};

use super::introspect::{quote, LiveColumn};
use super::Backend;

/// One value in transit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// What to copy of one table: the columns both sides have, and the primary key to walk it by.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    pub columns: Vec<String>,
    /// Columns read as text on a MariaDB source (DATETIME, TIMESTAMP, DECIMAL…).
    pub as_text: Vec<bool>,
    /// Indexes into `columns` of the primary key, in key order.
    pub key: Vec<usize>,
}

impl TablePlan {
    /// Plans a copy of `name` from the source's columns to the target's (their intersection, in
    /// the source's order). None when the source has no primary key to walk by.
    pub fn new(name: &str, source: &[LiveColumn], target: &[LiveColumn]) -> Option<TablePlan> {
        let shared: Vec<&LiveColumn> = source
            .iter()
            .filter(|c| target.iter().any(|t| t.name == c.name))
            .collect();
        let key: Vec<usize> = shared
            .iter()
            .enumerate()
            .filter(|(_, c)| c.primary)
            .map(|(i, _)| i)
            .collect();
        if key.is_empty() {
            return None;
        }
        Some(TablePlan {
            name: name.to_string(),
            columns: shared.iter().map(|c| c.name.clone()).collect(),
            as_text: shared
                .iter()
                .map(|c| {
                    let t = c.column_type.to_ascii_lowercase();
                    ["date", "time", "decimal", "numeric", "year"]
                        .iter()
                        .any(|k| t.starts_with(k))
                })
                .collect(),
            key,
        })
    }

    /// Rows per statement, below both backends' placeholder limits.
    pub fn batch_rows(&self) -> usize {
        (30_000 / self.columns.len().max(1)).clamp(1, 2_000)
    }

    fn key_names(&self, backend: Backend) -> Vec<String> {
        self.key
            .iter()
            .map(|&i| quote(backend, &self.columns[i]))
            .collect()
    }

    /// `SELECT … WHERE key > (after) ORDER BY key LIMIT n` for the source.
    pub fn select_sql(&self, backend: Backend, after: bool) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .zip(&self.as_text)
            .map(|(c, text)| match (backend, text) {
                (Backend::MySql, true) => format!("CAST({} AS CHAR)", quote(backend, c)),
                _ => quote(backend, c),
            })
            .collect();
        let keys = self.key_names(backend);
        let filter = if after {
            format!(
                " WHERE ({}) > ({})",
                keys.join(", "),
                super::placeholders(keys.len())
            )
        } else {
            String::new()
        };
        format!(
            "SELECT {} FROM {}{filter} ORDER BY {} LIMIT ?",
            cols.join(", "),
            quote(backend, &self.name),
            keys.join(", ")
        )
    }

    /// A multi-row `INSERT` of `rows` rows for the target.
    pub fn insert_sql(&self, backend: Backend, rows: usize) -> String {
        let cols: Vec<String> = self.columns.iter().map(|c| quote(backend, c)).collect();
        let one = format!("({})", super::placeholders(cols.len()));
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(backend, &self.name),
            cols.join(", "),
            vec![one; rows].join(", ")
        )
    }

    /// The key values of a row.
    pub fn key_of(&self, row: &[Value]) -> Vec<Value> {
        self.key.iter().map(|&i| row[i].clone()).collect()
    }
}

/// Reads one column of a MariaDB row whatever its type.
pub fn mysql_value(row: &sqlx::mysql::MySqlRow, i: usize) -> sqlx::Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let name = raw.type_info().name().to_ascii_uppercase();
    Ok(if name.contains("INT") || name == "BOOLEAN" {
        if name.contains("UNSIGNED") {
            Value::UInt(row.try_get::<u64, _>(i)?)
        } else if name == "BOOLEAN" {
            Value::Int(i64::from(row.try_get::<i8, _>(i)?))
        } else {
            Value::Int(row.try_get::<i64, _>(i)?)
        }
    } else if name == "FLOAT" {
        Value::Float(f64::from(row.try_get::<f32, _>(i)?))
    } else if name == "DOUBLE" {
        Value::Float(row.try_get::<f64, _>(i)?)
    } else if name.contains("BLOB") || name.contains("BINARY") {
        Value::Bytes(row.try_get::<Vec<u8>, _>(i)?)
    } else {
        Value::Text(row.try_get::<String, _>(i)?)
    })
}

/// Reads one column of an SQLite row by the storage class of its value.
pub fn sqlite_value(row: &sqlx::sqlite::SqliteRow, i: usize) -> sqlx::Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let name = raw.type_info().name().to_ascii_uppercase();
    Ok(match name.as_str() {
        "INTEGER" => Value::Int(row.try_get::<i64, _>(i)?),
        "REAL" => Value::Float(row.try_get::<f64, _>(i)?),
        "BLOB" => Value::Bytes(row.try_get::<Vec<u8>, _>(i)?),
        _ => Value::Text(row.try_get::<String, _>(i)?),
    })
}

/// Binds values to a MariaDB query.
pub fn bind_mysql<'q>(
    mut q: sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments> {
    for v in values {
        q = match v {
            Value::Null => q.bind(None::<String>),
            Value::Int(n) => q.bind(*n),
            Value::UInt(n) => q.bind(*n),
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Bytes(b) => q.bind(b.as_slice()),
        };
    }
    q
}

/// Binds values to an SQLite query.
pub fn bind_sqlite<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for v in values {
        q = match v {
            Value::Null => q.bind(None::<String>),
            Value::Int(n) => q.bind(*n),
            Value::UInt(n) => match i64::try_from(*n) {
                Ok(n) => q.bind(n),
                Err(_) => q.bind(n.to_string()),
            },
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Bytes(b) => q.bind(b.as_slice()),
        };
    }
    q
}

/// An exact sum of `column` over `table` as text (integers; money in cents), for verification.
pub fn sum_sql(backend: Backend, table: &str, column: &str, money: bool) -> String {
    let col = quote(backend, column);
    let expr = if money {
        super::cents_sum(backend, &col)
    } else {
        format!("COALESCE(SUM({col}), 0)")
    };
    format!(
        "SELECT CAST(({expr}) AS {}) FROM {}",
        backend.text(),
        quote(backend, table)
    )
}

/// Parses a sum produced by [`sum_sql`] (MariaDB may print `123.00` for a DECIMAL sum).
pub fn parse_sum(text: &str) -> Option<i128> {
    let t = text.trim();
    let whole = t.split('.').next().unwrap_or(t);
    if t.contains('.') && !t.split('.').nth(1).unwrap_or("").chars().all(|c| c == '0') {
        return None;
    }
    whole.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str, primary: bool) -> LiveColumn {
        LiveColumn {
            name: name.into(),
            column_type: ty.into(),
            nullable: false,
            default: None,
            extra: String::new(),
            primary,
        }
    }

    #[test]
    fn plans_walk_the_primary_key_and_share_columns() {
        let source = [
            col("user_id", "bigint(20) unsigned", true),
            col("hour", "bigint(20)", true),
            col("when", "datetime", false),
            col("gone", "int", false),
        ];
        let target = [
            col("user_id", "INTEGER", true),
            col("hour", "INTEGER", true),
            col("when", "TEXT", false),
        ];
        let plan = TablePlan::new("t", &source, &target).unwrap();
        assert_eq!(plan.columns, ["user_id", "hour", "when"]);
        assert_eq!(plan.key, [0, 1]);
        assert_eq!(
            plan.select_sql(Backend::MySql, true),
            "SELECT `user_id`, `hour`, CAST(`when` AS CHAR) FROM `t` WHERE (`user_id`, `hour`) > (?, ?) \
             ORDER BY `user_id`, `hour` LIMIT ?"
        );
        assert_eq!(
            plan.insert_sql(Backend::Sqlite, 2),
            "INSERT INTO \"t\" (\"user_id\", \"hour\", \"when\") VALUES (?, ?, ?), (?, ?, ?)"
        );
        assert!(TablePlan::new("t", &source[2..], &target).is_none());
    }

    #[test]
    fn sums_parse_exactly() {
        assert_eq!(parse_sum("123"), Some(123));
        assert_eq!(parse_sum("123.00"), Some(123));
        assert_eq!(parse_sum("123.50"), None);
        assert_eq!(
            parse_sum("18446744073709551615"),
            Some(18446744073709551615)
        );
    }
}
