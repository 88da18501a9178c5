//! Scheduled jobs with a frozen clock, on SQLite and MariaDB.

mod common;

use chrono::{TimeZone, Utc};
use common::{Backend, TestApp};
use spanel::jobs::{self, Job};

const GB: i64 = 1024 * 1024 * 1024;

async fn mails_to(app: &TestApp, email: &str) -> i64 {
    app.scalar_i64(&format!(
        "SELECT COUNT(*) FROM email_queue WHERE to_email = '{email}'"
    ))
    .await
}

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
    // Running again changes nothing, and the expiry notice went out once, to the right user.
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, now).await.unwrap(),
        Some(0)
    );
    assert_eq!(mails_to(&app, "expired@example.com").await, 1);
    assert_eq!(mails_to(&app, "valid@example.com").await, 0);

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
    assert_eq!(mails_to(&app, "gone@example.com").await, 1);
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
    // Idempotency keys are remembered for a day.
    app.exec(&format!(
        "INSERT INTO spanel_traffic_receipt (node_id, idem_key, created_at) VALUES (1, 'old', {}), (1, 'new', {})",
        ts - 2 * 86_400,
        ts - 60
    ))
    .await;
    assert_eq!(
        jobs::run(&app.state, Job::Prune, now).await.unwrap(),
        Some(2)
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM alive_ip").await, 1);
    assert_eq!(
        app.scalar_text("SELECT idem_key FROM spanel_traffic_receipt")
            .await,
        "new"
    );
}

async fn racing_schedulers_elect_one_leader(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
    let holders: Vec<String> = (0..8).map(|i| format!("instance-{i}")).collect();
    let results =
        futures::future::join_all(holders.iter().map(|h| jobs::tick(&app.state, h, now))).await;
    let leaders = results.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(leaders, 1);
    // The lease expires after `LEASE_SECS` (40 s); then another instance may take over.
    let later = now + chrono::Duration::seconds(120);
    assert!(jobs::tick(&app.state, "instance-7", later).await.unwrap());
    // Each daily job ran exactly once for 2026-07-01.
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_job_run WHERE period = '2026-07-01'")
            .await,
        5
    );
}

/// Creates a plan through the admin API; returns its id.
async fn plan(app: &TestApp, admin: &str, body: serde_json::Value) -> i64 {
    let (status, body) = app.post("admin/shop", Some(admin), &body).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    body["data"]["id"].as_i64().unwrap()
}

/// Buys `shop` with auto-renew on; returns the purchase's renewal time.
async fn buy_renewing(app: &TestApp, token: &str, shop: i64) -> i64 {
    let (status, body) = app
        .post(
            "user/buy",
            Some(token),
            &serde_json::json!({"shop_id": shop, "autorenew": true}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let renew = body["data"]["renew"].as_i64().unwrap();
    assert!(renew > 0, "{body}");
    renew
}

/// Sets the user's balance to `money` and runs the renewal job at `ts`: exactly one renewal goes
/// through.
async fn top_up_and_renew(app: &TestApp, user: i64, money: &str, ts: i64) {
    app.exec(&format!(
        "UPDATE user SET money = '{money}' WHERE id = {user}"
    ))
    .await;
    assert_eq!(
        jobs::run(&app.state, Job::AutoRenew, at(ts)).await.unwrap(),
        Some(1)
    );
}

fn at(ts: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(ts, 0).unwrap()
}

async fn auto_renew_charges_and_applies_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let shop = plan(
        &app,
        &admin,
        serde_json::json!({"name": "Monthly", "price": "10.00", "auto_renew": 30,
            "auto_reset_bandwidth": 0,
            "content": {"bandwidth": "10", "class": "1", "class_expire": "30"}}),
    )
    .await;
    let (id, token) = app
        .register_and_login("renew@example.com", "password-1")
        .await;
    app.exec(&format!("UPDATE user SET money = '25.00' WHERE id = {id}"))
        .await;
    let renew = buy_renewing(&app, &token, shop).await;
    app.exec(&format!("UPDATE user SET u = {} WHERE id = {id}", 3 * GB))
        .await;
    let q = |col: &str| format!("SELECT {col} FROM user WHERE id = {id}");

    // Not due yet (SSPanel renews within a minute of the time).
    assert_eq!(
        jobs::run(&app.state, Job::AutoRenew, at(renew - 120))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(app.scalar_text(&q("money")).await, "15.00");

    // Two schedulers racing on the due renewal charge it once.
    let due = at(renew - 30);
    let runs =
        futures::future::join_all((0..4).map(|_| jobs::run(&app.state, Job::AutoRenew, due))).await;
    let renewed: u64 = runs.into_iter().map(|r| r.unwrap().unwrap()).sum();
    assert_eq!(renewed, 1);
    assert_eq!(app.scalar_text(&q("money")).await, "5.00");
    // Without auto_reset_bandwidth the renewal adds traffic and keeps the usage.
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, 20 * GB);
    assert_eq!(app.scalar_i64(&q("u")).await, 3 * GB);
    assert_eq!(
        app.scalar_i64(&format!("SELECT COUNT(*) FROM bought WHERE userid = {id}"))
            .await,
        2
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM bought WHERE userid = {id} AND renew = 0 AND is_notified = 1"
        ))
        .await,
        1
    );
    let next = app
        .scalar_i64(&format!(
            "SELECT renew FROM bought WHERE userid = {id} AND renew <> 0"
        ))
        .await;
    assert_eq!(next, due.timestamp() + 30 * 86_400);
    assert_eq!(
        app.scalar_text(&format!(
            "SELECT price FROM bought WHERE userid = {id} AND renew <> 0"
        ))
        .await,
        "10.00"
    );
    assert_eq!(mails_to(&app, "renew@example.com").await, 1);
    // The next renewal finds 5.00 for a 10.00 plan: not renewed, the user is told once.
    for _ in 0..3 {
        assert_eq!(
            jobs::run(&app.state, Job::AutoRenew, at(next))
                .await
                .unwrap(),
            Some(0)
        );
    }
    assert_eq!(app.scalar_text(&q("money")).await, "5.00");
    assert_eq!(mails_to(&app, "renew@example.com").await, 2);
    // A top-up lets the still-due renewal go through on the next run.
    top_up_and_renew(&app, id, "12.00", next + 60).await;
    assert_eq!(app.scalar_text(&q("money")).await, "2.00");
}

async fn auto_renew_resets_traffic_when_the_plan_says_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let shop = plan(
        &app,
        &admin,
        serde_json::json!({"name": "Reset", "price": "4.00", "auto_renew": 7,
            "auto_reset_bandwidth": 1, "content": {"bandwidth": "10"}}),
    )
    .await;
    let (id, token) = app
        .register_and_login("reset@example.com", "password-1")
        .await;
    app.exec(&format!("UPDATE user SET money = '8.00' WHERE id = {id}"))
        .await;
    let renew = buy_renewing(&app, &token, shop).await;
    app.exec(&format!(
        "UPDATE user SET u = {}, d = 7 WHERE id = {id}",
        2 * GB
    ))
    .await;
    assert_eq!(
        jobs::run(&app.state, Job::AutoRenew, at(renew))
            .await
            .unwrap(),
        Some(1)
    );
    let q = |col: &str| format!("SELECT {col} FROM user WHERE id = {id}");
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, 10 * GB);
    assert_eq!(app.scalar_i64(&q("u + d")).await, 0);
    assert_eq!(app.scalar_text(&q("money")).await, "0.00");

    // Unpaid: the user is told once. A top-up to 12.00 (more than 4.00 as a number, less as
    // text) brings the waiting renewal back.
    let next = renew + 7 * 86_400;
    assert_eq!(
        jobs::run(&app.state, Job::AutoRenew, at(next))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(mails_to(&app, "reset@example.com").await, 2);
    top_up_and_renew(&app, id, "12.00", next + 60).await;
    assert_eq!(app.scalar_text(&q("money")).await, "8.00");

    // A deleted plan ends the renewal instead of retrying it forever.
    app.exec(&format!("DELETE FROM shop WHERE id = {shop}"))
        .await;
    let last = next + 60 + 7 * 86_400;
    assert_eq!(
        jobs::run(&app.state, Job::AutoRenew, at(last))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM bought WHERE userid = {id} AND renew <> 0"
        ))
        .await,
        0
    );
}

async fn periodic_plan_resets_on_its_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let shop = plan(
        &app,
        &admin,
        serde_json::json!({"name": "Quarterly", "price": "0.00",
            "content": {"bandwidth": "50", "reset": "30", "reset_value": "100", "reset_exp": "90"}}),
    )
    .await;
    let (id, token) = app
        .register_and_login("periodic@example.com", "password-1")
        .await;
    let (status, body) = app
        .post(
            "user/buy",
            Some(&token),
            &serde_json::json!({"shop_id": shop}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let bought_at = Utc
        .with_ymd_and_hms(2026, 1, 1, 10, 0, 0)
        .unwrap()
        .timestamp();
    app.exec(&format!(
        "UPDATE bought SET datetime = {bought_at} WHERE userid = {id}"
    ))
    .await;
    // The 31st day after purchase is also the account's auto_reset_day: the plan decides.
    let day = |n: i64| at(bought_at + n * 86_400);
    app.exec(&format!(
        "UPDATE user SET u = {}, auto_reset_day = {}, auto_reset_bandwidth = '1.00' WHERE id = {id}",
        5 * GB,
        chrono::Datelike::day(&day(31))
    ))
    .await;
    let q = |col: &str| format!("SELECT {col} FROM user WHERE id = {id}");

    assert_eq!(
        jobs::run(&app.state, Job::PeriodicReset, day(29))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(app.scalar_i64(&q("u")).await, 5 * GB);
    assert_eq!(
        jobs::run(&app.state, Job::PeriodicReset, day(30))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, 100 * GB);
    assert_eq!(app.scalar_i64(&q("u")).await, 0);
    // Once a day, however often it is started.
    app.exec(&format!("UPDATE user SET u = 9 WHERE id = {id}"))
        .await;
    assert_eq!(
        jobs::run(&app.state, Job::PeriodicReset, day(30))
            .await
            .unwrap(),
        None
    );
    assert_eq!(app.scalar_i64(&q("u")).await, 9);
    assert_eq!(
        jobs::run(&app.state, Job::AutoResetDay, day(31))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(app.scalar_i64(&q("u")).await, 9);
    // After reset_exp days the plan is over: no more resets, auto_reset_day applies again.
    assert_eq!(
        jobs::run(&app.state, Job::PeriodicReset, day(90))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(app.scalar_i64(&q("u")).await, 9);
}

async fn low_traffic_notice_once_per_low_point(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .register_and_login("low@example.com", "password-1")
        .await;
    let (free, _) = app
        .register_and_login("free@example.com", "password-1")
        .await;
    let now = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    let set_usage = |user: i64, class: i64, used: i64| {
        format!("UPDATE user SET class = {class}, transfer_enable = {}, u = {used}, d = 0 WHERE id = {user}", 100 * GB)
    };
    app.exec(&set_usage(id, 1, 85 * GB)).await;
    app.exec(&set_usage(free, 0, 99 * GB)).await;
    // Off by default.
    assert_eq!(
        jobs::run(&app.state, Job::TrafficNotice, now)
            .await
            .unwrap(),
        Some(0)
    );
    app.state
        .settings
        .set("notify_limit_mode", "per")
        .await
        .unwrap();
    app.state
        .settings
        .set("notify_limit_value", "20")
        .await
        .unwrap();
    for _ in 0..3 {
        jobs::run(&app.state, Job::TrafficNotice, now)
            .await
            .unwrap();
    }
    // 15 % left is under 20 %: one e-mail; free users are not told.
    assert_eq!(mails_to(&app, "low@example.com").await, 1);
    assert_eq!(mails_to(&app, "free@example.com").await, 0);
    // Traffic reset: above the threshold again, so the next low point is reported again.
    app.exec(&set_usage(id, 1, 10 * GB)).await;
    jobs::run(&app.state, Job::TrafficNotice, now)
        .await
        .unwrap();
    assert_eq!(mails_to(&app, "low@example.com").await, 1);
    app.exec(&set_usage(id, 1, 81 * GB)).await;
    jobs::run(&app.state, Job::TrafficNotice, now)
        .await
        .unwrap();
    assert_eq!(mails_to(&app, "low@example.com").await, 2);
    // In MB: 100 GB − 99.5 GB left is under 1024 MB; usage above the quota never underflows.
    app.state
        .settings
        .set("notify_limit_mode", "mb")
        .await
        .unwrap();
    app.state
        .settings
        .set("notify_limit_value", "1024")
        .await
        .unwrap();
    app.exec(&set_usage(id, 1, 10 * GB)).await;
    jobs::run(&app.state, Job::TrafficNotice, now)
        .await
        .unwrap();
    app.exec(&set_usage(id, 1, 100 * GB - 512 * 1024 * 1024))
        .await;
    assert_eq!(
        jobs::run(&app.state, Job::TrafficNotice, now)
            .await
            .unwrap(),
        Some(1)
    );
    app.exec(&set_usage(id, 1, 0)).await;
    app.exec(&format!("UPDATE user SET u = {} WHERE id = {id}", 120 * GB))
        .await;
    jobs::run(&app.state, Job::TrafficNotice, now)
        .await
        .unwrap();
    assert_eq!(mails_to(&app, "low@example.com").await, 3);
}

both_backends!(
    class_expiry_drops_class_and_resets_traffic,
    account_expiry_zeroes_traffic_once,
    daily_jobs_run_once_per_day,
    node_bandwidth_reset_and_prune,
    racing_schedulers_elect_one_leader,
    auto_renew_charges_and_applies_once,
    auto_renew_resets_traffic_when_the_plan_says_so,
    periodic_plan_resets_on_its_days,
    low_traffic_notice_once_per_low_point,
);
