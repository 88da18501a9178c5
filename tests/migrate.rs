//! `spanel migrate` between the backends: a whole database copied, verified, resumed after an
//! interruption, a non-empty target refused unless forced; and the 100,000-user measurement
//! (`cargo test --test migrate -- --ignored --nocapture`; `USERS=N` for another size).

mod common;

use std::time::Instant;

use common::{fresh_mysql_database, fresh_sqlite_url, sspanel_database, Backend, TestApp};
use spanel::db::migrations;
use spanel::db::Db;
use spanel::ops::migrate::{self, Options};

async fn exec(db: &Db, sql: &str) {
    spanel::on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
}

async fn text(db: &Db, sql: &str) -> String {
    spanel::on_db!(db, |p| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(p)
        .await)
    .unwrap()
}

/// Inserts `rows` generated rows in statements of 500.
async fn insert_many(db: &Db, head: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(500) {
        exec(db, &format!("{head} VALUES {}", chunk.join(", "))).await;
    }
}

/// `users` users with money, traffic, NULLs and Unicode, each with an order, a purchase, `usage`
/// hourly usage rows and one daily traffic row; plus a PHP e-mail row.
async fn seed(db: &Db, users: usize, usage: usize) {
    insert_many(
        db,
        "INSERT INTO `user` (`id`, `user_name`, `email`, `pass`, `passwd`, `uuid`, `port`, `reg_date`, \
         `theme`, `ga_token`, `money`, `u`, `d`, `transfer_enable`, `remark`)",
        (1..=users).map(|i| {
            let remark = if i % 2 == 0 {
                "NULL".to_string()
            } else {
                format!("'备注 {i}'")
            };
            format!(
                "({i}, 'user{i}', 'u{i}@example.com', 'hash{i}', 'pw{i}', 'uuid-{i}', {}, \
                 '2024-01-02 03:04:05', 'material', 'ga-{i}', '{}.{:02}', {}, {}, {}, {remark})",
                10_000 + i,
                i % 500,
                i % 100,
                i as u64 * 1_000_003,
                i as u64 * 7_000_001,
                1u64 << 40
            )
        }),
    )
    .await;
    insert_many(
        db,
        "INSERT INTO `paylist` (`userid`, `total`, `status`, `tradeno`, `datetime`)",
        (1..=users).map(|i| format!("({i}, '{}.99', {}, 'T{i}', 1700000000)", i % 90, i % 2)),
    )
    .await;
    insert_many(
        db,
        "INSERT INTO `bought` (`userid`, `shopid`, `datetime`, `renew`, `coupon`, `price`)",
        (1..=users).map(|i| format!("({i}, 1, 1700000000, 0, '', '{}.50')", i % 30)),
    )
    .await;
    insert_many(
        db,
        "INSERT INTO `user_hourly_usage` (`user_id`, `traffic`, `hourly_usage`, `datetime`)",
        (0..users * usage).map(|k| {
            let user = k % users + 1;
            format!(
                "({user}, {}, {}, {})",
                k * 1000,
                k % 977,
                1_700_000_000 + k as i64
            )
        }),
    )
    .await;
    insert_many(
        db,
        "INSERT INTO `spanel_traffic_daily` (`user_id`, `day`, `u`, `d`)",
        (1..=users).map(|i| format!("({i}, 1700006400, {}, {})", i * 3, i * 5)),
    )
    .await;
    exec(
        db,
        r#"INSERT INTO `email_queue` (`to_email`, `subject`, `template`, `array`, `time`)
           VALUES ('u1@example.com', '通知', 'news/warn.tpl', '{"text":"你好"}', 1700000000)"#,
    )
    .await;
}

/// One user's row as text, the same on both backends.
async fn user_row(db: &Db, id: i64) -> String {
    text(
        db,
        &format!(
            "SELECT CONCAT(`email`, '|', `money`, '|', `reg_date`, '|', COALESCE(`remark`, 'NULL'), \
             '|', `u`, '|', `transfer_enable`) FROM `user` WHERE `id` = {id}"
        ),
    )
    .await
}

async fn sqlite_to_mariadb_resumes_and_verifies() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    seed(source.db(), 1300, 2).await;
    let from = source.state.config.database_url.clone();
    let to = fresh_mysql_database().await;

    // Interrupted inside the first table (users go about 600 to a batch).
    let err = migrate::run(
        &from,
        &to,
        Options {
            stop_after_batches: Some(2),
            ..Options::default()
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("stopped after 2 batches"), "{err}");
    let target = Db::connect(&to, 2).await.unwrap();
    let copied: i64 = text(&target, "SELECT CAST(COUNT(*) AS CHAR) FROM `user`")
        .await
        .parse()
        .unwrap();
    assert!(
        copied > 0 && copied < 1300,
        "{copied} users copied before the stop"
    );

    // Run again: it continues and verifies.
    let done = migrate::run(&from, &to, Options::default()).await.unwrap();
    assert!(done.resumed);
    let users = done.tables.iter().find(|t| t.table == "user").unwrap();
    assert_eq!(users.rows, 1300);
    assert!(done
        .tables
        .iter()
        .any(|t| t.table == "spanel_traffic_daily"));
    for id in [1, 2, 777, 1300] {
        assert_eq!(user_row(source.db(), id).await, user_row(&target, id).await);
    }
    assert_eq!(
        text(&target, "SELECT `array` FROM `email_queue`").await,
        r#"{"text":"你好"}"#
    );
    // spanel created the source, so the copy may get a first administrator too; the copy's own
    // bookkeeping is gone.
    assert!(migrations::meta(&target, migrations::CREATED_SCHEMA)
        .await
        .unwrap()
        .is_some());
    assert!(migrations::meta(&target, "migrate_in_progress")
        .await
        .unwrap()
        .is_none());
    // New ids continue after the copied ones.
    exec(
        &target,
        "INSERT INTO `paylist` (`userid`, `total`) VALUES (1, '1.00')",
    )
    .await;
    assert_eq!(
        text(&target, "SELECT CAST(MAX(`id`) AS CHAR) FROM `paylist`").await,
        "1301"
    );

    // A finished target is not empty: refused, unless forced.
    let err = migrate::run(&from, &to, Options::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    let again = migrate::run(
        &from,
        &to,
        Options {
            force: true,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    assert!(!again.resumed);
    assert_eq!(
        text(&target, "SELECT CAST(COUNT(*) AS CHAR) FROM `paylist`").await,
        "1300"
    );
}

/// PHP SSPanel's own MariaDB database to SQLite: everything arrives, and the copy is still not
/// spanel's own (no first administrator will be added to it).
async fn php_database_to_sqlite() {
    let from = sspanel_database().await;
    let source = Db::connect(&from, 2).await.unwrap();
    exec(
        &source,
        "CREATE TABLE `spanel_traffic_daily` (`user_id` bigint(20) unsigned NOT NULL, \
         `day` bigint(20) NOT NULL, `u` bigint(20) unsigned NOT NULL DEFAULT 0, \
         `d` bigint(20) unsigned NOT NULL DEFAULT 0, PRIMARY KEY (`user_id`, `day`))",
    )
    .await;
    seed(&source, 50, 3).await;
    let to = fresh_sqlite_url();
    let done = migrate::run(&from, &to, Options::default()).await.unwrap();
    assert!(!done.resumed);
    let target = Db::connect(&to, 2).await.unwrap();
    for id in [1, 25, 50] {
        assert_eq!(user_row(&source, id).await, user_row(&target, id).await);
    }
    // The fixture's own settings came along.
    let items = done.tables.iter().find(|t| t.table == "config").unwrap();
    assert!(items.rows > 10);
    assert!(migrations::meta(&target, migrations::CREATED_SCHEMA)
        .await
        .unwrap()
        .is_none());
    // spanel starts on the copy and reads the users.
    let app = TestApp::start(
        Backend::Sqlite,
        common::test_config(Backend::Sqlite, to.clone()),
    )
    .await;
    assert_eq!(
        spanel::ops::first_admin(&app.state).await.unwrap(),
        spanel::ops::FirstAdmin::Missing
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_sqlite_to_mariadb() {
    sqlite_to_mariadb_resumes_and_verifies().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_mariadb_to_sqlite() {
    php_database_to_sqlite().await
}

/// The measurement for the closing note: 100,000 users, each with an order, a purchase, five
/// hourly usage rows and a daily traffic row, from SQLite to MariaDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn measure_100k_users() {
    let users = std::env::var("USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let source = TestApp::spawn(Backend::Sqlite).await;
    let seeded = Instant::now();
    seed(source.db(), users, 5).await;
    println!(
        "seeded {users} users on SQLite in {:.1} s: {}",
        seeded.elapsed().as_secs_f64(),
        source.state.config.database_url
    );
    let to = fresh_mysql_database().await;
    let done = migrate::run(&source.state.config.database_url, &to, Options::default())
        .await
        .unwrap();
    println!(
        "migrated and verified {} rows ({users} users) SQLite -> MariaDB in {:.1} s ({:.0} rows/s)",
        done.rows,
        done.seconds,
        done.rows as f64 / done.seconds
    );
    for t in &done.tables {
        if t.rows > 0 {
            println!("  {:<24} {:>9}", t.table, t.rows);
        }
    }
}
