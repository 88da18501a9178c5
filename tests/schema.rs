//! spanel's own DDL must produce exactly SSPanel's classic schema, and spanel must run on a database
//! that PHP SSPanel created.

mod common;

use std::collections::BTreeMap;

use common::{fresh_mysql_database, sspanel_database, Backend, TestApp};
use sqlx::Connection;

type ColumnKey = (String, String);
type ColumnFacts = (u32, String, String, Option<String>, String);
type ColumnRow = (String, String, u32, String, String, Option<String>, String);

async fn columns(url: &str) -> BTreeMap<ColumnKey, ColumnFacts> {
    let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
    let rows: Vec<ColumnRow> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(ORDINAL_POSITION AS UNSIGNED), \
         CAST(COLUMN_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR) \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME NOT LIKE 'spanel\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, c, pos, ty, null, default, extra)| ((t, c), (pos, ty, null, default, extra)))
        .collect()
}

async fn indexes(url: &str) -> Vec<(String, String, i64, String)> {
    let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
    sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), \
         CAST(COLUMN_NAME AS CHAR) FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'spanel\\_%' \
         ORDER BY 1, 2, SEQ_IN_INDEX",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn created_schema_matches_sspanel_column_for_column() {
    let reference = sspanel_database().await;
    let ours = fresh_mysql_database().await;
    let db = spanel::db::Db::connect(&ours, 2).await.unwrap();
    assert!(
        db.ensure_schema().await.unwrap(),
        "schema should be created on an empty database"
    );

    let expected = columns(&reference).await;
    let actual = columns(&ours).await;
    assert_eq!(expected.len(), actual.len(), "column count");
    let tables: std::collections::BTreeSet<_> = expected.keys().map(|(t, _)| t.clone()).collect();
    assert_eq!(tables.len(), 30);
    for (key, facts) in &expected {
        assert_eq!(actual.get(key), Some(facts), "column {key:?}");
    }
    assert_eq!(indexes(&reference).await, indexes(&ours).await);

    // Creating again on an existing schema changes nothing.
    assert!(!db.ensure_schema().await.unwrap());
}

#[tokio::test]
async fn runs_on_a_database_php_sspanel_created() {
    let url = sspanel_database().await;
    let mut config = common::test_config(Backend::MariaDb, url.clone());
    config.database_url = url;
    let app = TestApp::start(Backend::MariaDb, config).await;
    // The operator's existing settings are used, not replaced: the fixture says after_recharge.
    assert_eq!(
        app.state.settings.get("invitation_mode").await.unwrap(),
        "after_recharge"
    );
    let (_, token) = app
        .register_and_login("php-user@example.com", "password-1")
        .await;
    let (status, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    // Fixture's sign_up_for_free_traffic is 20 GB, its sign-up method chacha20-ietf.
    assert_eq!(me["data"]["traffic"]["total"], 20u64 * 1024 * 1024 * 1024);
    let method: String = spanel::on_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT method FROM user WHERE email = 'php-user@example.com'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(method, "chacha20-ietf");
}

/// Every table and index spanel describes (SSPanel's and its own) exists on SQLite after start-up,
/// and spanel's own tables carry the same keys on both backends.
#[tokio::test]
async fn sqlite_has_every_table_and_index() {
    use spanel::db::schema::{SPANEL_TABLES, TABLES};
    let url = common::fresh_sqlite_url();
    let db = spanel::db::Db::connect(&url, 2).await.unwrap();
    assert!(db.ensure_schema().await.unwrap());
    let spanel::db::Db::Sqlite(pool) = &db else {
        unreachable!("a SQLite URL gives a SQLite pool")
    };
    let names: Vec<(String, String)> =
        sqlx::query_as("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index')")
            .fetch_all(pool)
            .await
            .unwrap();
    let has = |kind: &str, name: &str| names.iter().any(|(k, n)| k == kind && n == name);
    for t in TABLES.iter().chain(SPANEL_TABLES) {
        assert!(has("table", t.name), "table {} missing on SQLite", t.name);
        for (key, _, _) in t.keys {
            let index = format!("{}_{key}", t.name);
            assert!(has("index", &index), "index {index} missing on SQLite");
        }
    }
    // The four keys the hand-written SQLite copies once lacked.
    for index in [
        "spanel_admin_log_target",
        "spanel_node_alert_node_id",
        "spanel_payment_event_tradeno",
        "spanel_gateway_order_tradeno",
    ] {
        assert!(has("index", index), "{index}");
    }
}

/// spanel's own tables get the same primary and secondary keys on MariaDB as described.
#[tokio::test]
async fn mariadb_own_tables_have_their_keys() {
    use spanel::db::schema::SPANEL_TABLES;
    let url = fresh_mysql_database().await;
    let db = spanel::db::Db::connect(&url, 2).await.unwrap();
    db.ensure_schema().await.unwrap();
    let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME LIKE 'spanel\\_%' ORDER BY 1, 2, SEQ_IN_INDEX",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for t in SPANEL_TABLES {
        let key_columns = |index: &str| -> Vec<&str> {
            rows.iter()
                .filter(|(table, i, _)| table == t.name && i == index)
                .map(|(_, _, c)| c.as_str())
                .collect()
        };
        assert_eq!(key_columns("PRIMARY"), t.primary_key, "{}", t.name);
        for (key, _, column) in t.keys {
            assert_eq!(key_columns(key), vec![*column], "{}.{key}", t.name);
        }
    }
}
