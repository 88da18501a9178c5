//! The write-conflict retry (`spanel::db::retry`) on SQLite and MariaDB: a transaction that
//! conflicts once runs again whole and is applied once; other errors are not retried; a conflict
//! that never ends gives up after a bounded number of attempts and answers 503.

mod common;

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{Backend, TestApp};
use spanel::db::retry::{Conflict, ATTEMPTS};
use spanel::db::{retry, Db};
use spanel::error::ApiError;
use sqlx::{ConnectOptions, Connection};

async fn node_with_bandwidth(app: &TestApp) -> i64 {
    app.exec(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip, node_bandwidth) \
         VALUES ('retry', 1, 'retry.example.com', '{}', 11, 1, '127.0.0.1', 0)",
    )
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

/// Adds 5 to the node's `node_bandwidth` in a transaction of the app's pool.
async fn add_five(db: &Db, node: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    spanel::on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE node SET node_bandwidth = node_bandwidth + 5 WHERE id = ?"
    )
    .bind(node)
    .execute(c)
    .await
    .map(|_| ()))?;
    tx.commit().await
}

/// MariaDB: the first attempt writes, then the server answers 1213 — what a deadlock victim or a
/// transaction failing Galera's certification gets — so that attempt is rolled back.
async fn conflict_once_mariadb(db: &Db, node: i64, attempts: &AtomicU32) -> sqlx::Result<()> {
    if attempts.fetch_add(1, Ordering::SeqCst) > 0 {
        return add_five(db, node).await;
    }
    let mut tx = db.begin().await?;
    spanel::on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE node SET node_bandwidth = node_bandwidth + 5 WHERE id = ?")
            .bind(node)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, \
             MESSAGE_TEXT = 'Deadlock found when trying to get lock; try restarting transaction'",
        )
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    tx.commit().await
}

/// SQLite: the first attempt finds the database locked by another connection (SQLITE_BUSY, no
/// waiting), which lets go of it at once.
async fn conflict_once_sqlite(
    db: &Db,
    url: &str,
    node: i64,
    attempts: &AtomicU32,
    holder: &tokio::sync::Mutex<Option<sqlx::SqliteConnection>>,
) -> sqlx::Result<()> {
    if attempts.fetch_add(1, Ordering::SeqCst) > 0 {
        return add_five(db, node).await;
    }
    let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
        .busy_timeout(std::time::Duration::ZERO)
        .connect()
        .await?;
    let busy = sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await;
    if let Some(mut h) = holder.lock().await.take() {
        sqlx::raw_sql("ROLLBACK").execute(&mut h).await?;
        h.close().await?;
    }
    busy?;
    sqlx::raw_sql("ROLLBACK").execute(&mut conn).await?;
    Ok(())
}

async fn a_transaction_conflicting_once_is_retried_and_applied_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let node = node_with_bandwidth(&app).await;
    let db = app.db();
    let url = app.state.config.database_url.clone();
    let attempts = AtomicU32::new(0);
    let holder = tokio::sync::Mutex::new(None);
    if backend == Backend::Sqlite {
        let mut h = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut h)
            .await
            .unwrap();
        *holder.lock().await = Some(h);
    }
    let (attempts, holder, url) = (&attempts, &holder, url.as_str());
    retry("test", move || async move {
        match backend {
            Backend::MariaDb => conflict_once_mariadb(db, node, attempts).await,
            Backend::Sqlite => conflict_once_sqlite(db, url, node, attempts, holder).await,
        }
    })
    .await
    .expect("applied on the second attempt");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    let held = format!("SELECT node_bandwidth FROM node WHERE id = {node}");
    assert_eq!(app.scalar_i64(&held).await, 5, "applied exactly once");
}

async fn other_errors_are_not_retried_and_endless_conflicts_give_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let node = node_with_bandwidth(&app).await;
    let db = app.db();
    let attempts = &AtomicU32::new(0);
    let err = retry("test", move || async move {
        attempts.fetch_add(1, Ordering::SeqCst);
        add_five(db, node).await?;
        Err::<(), _>(sqlx::Error::RowNotFound)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, sqlx::Error::RowNotFound));
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "not retried");

    if backend == Backend::MariaDb {
        let attempts = &AtomicU32::new(0);
        let err = retry("test", move || async move {
            attempts.fetch_add(1, Ordering::SeqCst);
            conflict_once_mariadb(db, node, &AtomicU32::new(0)).await
        })
        .await
        .unwrap_err();
        assert!(err.is_conflict(), "{err}");
        assert_eq!(attempts.load(Ordering::SeqCst), ATTEMPTS);
        // Still conflicting after every attempt: nothing was written, and the client is told to
        // try again.
        assert_eq!(ApiError::from(err).status(), 503);
    }
    let held = format!("SELECT node_bandwidth FROM node WHERE id = {node}");
    assert_eq!(app.scalar_i64(&held).await, 5);
}

both_backends!(
    a_transaction_conflicting_once_is_retried_and_applied_once,
    other_errors_are_not_retried_and_endless_conflicts_give_up,
);
