//! Scheduled jobs with a frozen clock, on SQLite and MariaDB.

mod common;

use chrono::{TimeZone, Utc};
use common::{Backend, TestApp};
use spanel::jobs::{self, Job};

const GB: i64 = 1024 * 1024 * 1024;

async fn class_expiry_drops_class_and_resets_traffic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (expired, _) = app
        .register_and_login("expired@example.com", "password-1")
        .await;
    let (valid, _) = app
        .register_and_login("valid@example.com", "password-1")
        .await;
    app.exec(&format!(
        "UPDATE user SET class = 2, class_expire = '2026-01-01 00:00:00', u = 5, d = 6 WHERE id = {expired}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE user SET class = 2, class_expire = '2026-03-01 00:00:00', u = 5, d = 6 WHERE id = {valid}"
    ))
    .await;
    app.state
        .settings
        .set("class_expire_reset_traffic", "3")
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, now).await.unwrap(),
        Some(1)
    );
    let q = |col: &str, id: i64| format!("SELECT {col} FROM user WHERE id = {id}");
    assert_eq!(app.scalar_i64(&q("class", expired)).await, 0);
    assert_eq!(app.scalar_i64(&q("transfer_enable", expired)).await, 3 * GB);
    assert_eq!(app.scalar_i64(&q("u + d", expired)).await, 0);
    assert_eq!(app.scalar_i64(&q("class", valid)).await, 2);
    assert_eq!(app.scalar_i64(&q("u + d", valid)).await, 11);
    // Running again changes nothing.
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, now).await.unwrap(),
        Some(0)
    );

    // -1 keeps the traffic.
    app.state
        .settings
        .set("class_expire_reset_traffic", "-1")
        .await
        .unwrap();
    let later = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, later)
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(app.scalar_i64(&q("class", valid)).await, 0);
    assert_eq!(app.scalar_i64(&q("u + d", valid)).await, 11);
}

async fn account_expiry_zeroes_traffic_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .register_and_login("gone@example.com", "password-1")
        .await;
    app.exec(&format!(
        "UPDATE user SET expire_in = '2026-01-01 00:00:00', u = 9 WHERE id = {id}"
    ))
    .await;
    let now = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::AccountExpiry, now)
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT transfer_enable + u FROM user WHERE id = {id}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT expire_notified FROM user WHERE id = {id}"))
            .await,
        1
    );
    // An operator gives traffic back: the job does not take it again.
    app.exec(&format!(
        "UPDATE user SET transfer_enable = 100 WHERE id = {id}"
    ))
    .await;
    assert_eq!(
        jobs::run(&app.state, Job::AccountExpiry, now)
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT transfer_enable FROM user WHERE id = {id}"))
            .await,
        100
    );
}

async fn daily_jobs_run_once_per_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .register_and_login("daily@example.com", "password-1")
        .await;
    app.exec(&format!(
        "UPDATE user SET u = 100, d = 50, auto_reset_day = 15, auto_reset_bandwidth = '1.50' WHERE id = {id}"
    ))
    .await;
    let day = Utc.with_ymd_and_hms(2026, 5, 15, 0, 1, 0).unwrap();
    assert!(jobs::run(&app.state, Job::AutoResetDay, day)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        app.scalar_i64(&format!("SELECT u + d FROM user WHERE id = {id}"))
            .await,
        0
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT transfer_enable FROM user WHERE id = {id}"))
            .await,
        3 * GB / 2
    );
    // Traffic used later that day survives a second run (another instance, or a restart).
    app.exec(&format!("UPDATE user SET u = u + 7 WHERE id = {id}"))
        .await;
    assert_eq!(
        jobs::run(&app.state, Job::AutoResetDay, day).await.unwrap(),
        None
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT u FROM user WHERE id = {id}"))
            .await,
        7
    );
    // Not the reset day: nothing.
    let other = Utc.with_ymd_and_hms(2026, 5, 16, 0, 1, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::AutoResetDay, other)
            .await
            .unwrap(),
        Some(0)
    );

    // Snapshot of the day's starting usage.
    assert!(jobs::run(&app.state, Job::DailySnapshot, other)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        app.scalar_i64(&format!("SELECT last_day_t FROM user WHERE id = {id}"))
            .await,
        7
    );
}

async fn node_bandwidth_reset_and_prune(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.exec(
        "INSERT INTO node (name, type, server, custom_config, sort, node_bandwidth, bandwidthlimit_resetday) \
         VALUES ('a', 1, 'a.example.com', '{}', 0, 1000, 3), ('b', 1, 'b.example.com', '{}', 0, 2000, 4)",
    )
    .await;
    let now = Utc.with_ymd_and_hms(2026, 6, 3, 0, 0, 0).unwrap();
    let ts = now.timestamp();
    app.exec(&format!(
        "INSERT INTO alive_ip (nodeid, userid, ip, datetime) VALUES (1, 1, '1.1.1.1', {}), (1, 1, '2.2.2.2', {})",
        ts - 2 * 86_400,
        ts - 60
    ))
    .await;
    assert_eq!(
        jobs::run(&app.state, Job::NodeBandwidthReset, now)
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        app.scalar_i64("SELECT SUM(node_bandwidth) FROM node").await,
        2000
    );
    assert_eq!(
        jobs::run(&app.state, Job::Prune, now).await.unwrap(),
        Some(1)
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM alive_ip").await, 1);
}

async fn racing_schedulers_elect_one_leader(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
    let holders: Vec<String> = (0..8).map(|i| format!("instance-{i}")).collect();
    let results =
        futures::future::join_all(holders.iter().map(|h| jobs::tick(&app.state, h, now))).await;
    let leaders = results.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(leaders, 1);
    // The lease expires after 90 s; then another instance may take over.
    let later = now + chrono::Duration::seconds(120);
    assert!(jobs::tick(&app.state, "instance-7", later).await.unwrap());
    // Each daily job ran exactly once for 2026-07-01.
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_job_run WHERE period = '2026-07-01'")
            .await,
        4
    );
}

both_backends!(
    class_expiry_drops_class_and_resets_traffic,
    account_expiry_zeroes_traffic_once,
    daily_jobs_run_once_per_day,
    node_bandwidth_reset_and_prune,
    racing_schedulers_elect_one_leader,
);
