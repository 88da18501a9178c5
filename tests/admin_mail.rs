//! `/admin/mail`: segments counted and previewed without sending, a mailing queued in batches into
//! `email_queue` (each recipient once), the record and its admin-log row, the per-administrator
//! limit, bad input refused with nothing recorded, and a half-queued mailing resumed by the
//! `email_queue` job; on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp, UserSeed};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn seed(
    app: &TestApp,
    prefix: &str,
    n: usize,
    class: i64,
    class_days: i64,
    group: i64,
    enable: i64,
) {
    let s = UserSeed {
        prefix,
        n,
        class,
        class_days,
        node_group: group,
        enable,
        ..UserSeed::default()
    };
    app.insert_users(s).await;
}

async fn mail(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.post("admin/mail", Some(token), &body).await
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.scalar_i64("SELECT COUNT(*) FROM email_queue").await,
        app.scalar_i64("SELECT COUNT(*) FROM spanel_mass_mail")
            .await,
        app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'mail.send'")
            .await,
    )
}

/// Waits until mailing `id` is fully queued; returns its record.
async fn queued(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..200 {
        let (s, list) = app.get("admin/mail?per_page=200", Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let m = list["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap();
        if m["status"] == "queued" {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("mailing {id} never finished queueing");
}

async fn only_admins_send_mail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, user) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    let body = json!({"segment": "all", "subject": "Hi", "body": "Hello", "dry_run": false});
    for token in [None, Some(user.as_str())] {
        let (s, _) = app
            .send(Method::POST, "admin/mail", token, Some(&body))
            .await;
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN,
            "{s}"
        );
        let (s, _) = app.get("admin/mail", token).await;
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN,
            "{s}"
        );
    }
    assert_eq!(counts(&app).await, (0, 0, 0));
}

async fn dry_runs_count_each_segment_and_send_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    seed(&app, "free", 4, 0, -1, 0, 1).await;
    seed(&app, "gold", 3, 3, 30, 2, 1).await;
    seed(&app, "soon", 2, 1, 3, 2, 1).await;
    seed(&app, "banned", 5, 3, 30, 2, 0).await;
    let before = counts(&app).await;
    // The administrator (class 0, group 0) is a user too.
    let cases = [
        (json!({"segment": "all"}), 4 + 3 + 2 + 1),
        (json!({"segment": "paying"}), 3 + 2),
        (json!({"segment": "expiring", "days": 7}), 2),
        (json!({"segment": "expiring", "days": 60}), 5),
        (json!({"segment": "class", "class": 3}), 3),
        (json!({"segment": "class", "class": 0}), 10),
        (json!({"segment": "node_group", "node_group": 2}), 5),
    ];
    for (segment, expected) in cases {
        let mut body = segment.clone();
        body["subject"] = json!("News");
        body["body"] = json!("Hello there.\nA new node is up.");
        body["dry_run"] = json!(true);
        let (s, r) = mail(&app, &token, body).await;
        assert_eq!(s, StatusCode::OK, "{segment}: {r}");
        assert_eq!(r["data"]["recipients"], expected, "{segment}: {r}");
        assert_eq!(r["data"]["dry_run"], true);
        assert_eq!(r["data"]["body"], "Hello there.\nA new node is up.");
        assert_eq!(r["data"]["mailing"], Value::Null);
        let sample = r["data"]["sample"].as_array().unwrap();
        assert_eq!(sample.len(), expected.min(5) as usize);
        assert!(sample
            .iter()
            .all(|e| !e.as_str().unwrap().starts_with("banned")));
    }
    assert_eq!(counts(&app).await, before);
}

async fn bad_requests_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    let ok = json!({"segment": "all", "subject": "Hi", "body": "Hello"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    for bad in [
        with("segment", json!("everyone")),
        with("segment", json!("expiring")),
        json!({"segment": "expiring", "days": 0, "subject": "Hi", "body": "Hello"}),
        json!({"segment": "expiring", "days": 366, "subject": "Hi", "body": "Hello"}),
        json!({"segment": "class", "subject": "Hi", "body": "Hello"}),
        json!({"segment": "node_group", "node_group": -1, "subject": "Hi", "body": "Hello"}),
        with("subject", json!("")),
        with("subject", json!("two\nlines")),
        with("subject", json!("s".repeat(201))),
        with("body", json!("   ")),
        with("body", json!("b".repeat(20_001))),
        with("days", json!("seven")),
        json!({"segment": "all", "body": "no subject"}),
    ] {
        let (s, r) = mail(&app, &token, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {r}");
    }
    // A segment nobody is in is refused rather than recorded.
    let (s, _) = mail(
        &app,
        &token,
        json!({"segment": "class", "class": 99, "subject": "Hi", "body": "Hello"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.get("admin/mail?sort=password", Some(&token)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.get("admin/mail?order=sideways", Some(&token)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await, (0, 0, 0));
}

async fn a_mailing_is_queued_in_batches_once_per_recipient(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, token) = app.admin_token().await;
    let big = spanel::service::admin_mail::BATCH as usize * 2 + 37;
    seed(&app, "gold", big, 2, 30, 1, 1).await;
    seed(&app, "free", 20, 0, -1, 0, 1).await;
    let (s, r) = mail(
        &app,
        &token,
        json!({"segment": "class", "class": 2, "subject": "Gold news", "body": "Hello gold.", "dry_run": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let id = r["data"]["mailing"]["id"].as_i64().unwrap();
    assert_eq!(r["data"]["recipients"], big as i64);
    let m = queued(&app, &token, id).await;
    assert_eq!(m["queued"], big as i64);
    assert_eq!(m["admin_id"], admin);
    assert_eq!(m["segment"], "class");
    assert_eq!(m["segment_value"], 2);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM email_queue WHERE subject = 'Gold news'")
            .await,
        big as i64
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(DISTINCT to_email) FROM email_queue")
            .await,
        big as i64
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM email_queue WHERE to_email LIKE 'free%' OR template <> 'Hello gold.' OR array <> '{}'").await,
        0
    );
    let (who, target): (i64, String) = spanel::on_db!(app.db(), |p| sqlx::query_as(
        "SELECT admin_id, target FROM spanel_admin_log WHERE action = 'mail.send'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((who, target), (admin, format!("mail:{id}")));

    // A second mailing right away is refused, nothing recorded or queued.
    let (s, r) = mail(
        &app,
        &token,
        json!({"segment": "all", "subject": "Again", "body": "Hi"}),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{r}");
    assert_eq!(counts(&app).await, (big as i64, 1, 1));
    // Dry runs stay allowed.
    let (s, _) = mail(
        &app,
        &token,
        json!({"segment": "all", "subject": "Again", "body": "Hi", "dry_run": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

async fn the_mail_job_resumes_a_half_queued_mailing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, token) = app.admin_token().await;
    seed(&app, "g", 30, 1, 30, 0, 1).await;
    let cursor = app
        .scalar_i64("SELECT id FROM user WHERE email = 'g9@example.com'")
        .await;
    let long_ago = chrono::Utc::now().timestamp() - 3600;
    // Stopped after queueing up to g9 (the administrator, class 0, is not in the segment).
    app.exec(&format!(
        "INSERT INTO spanel_mass_mail (admin_id, segment, segment_value, subject, body, recipients, \
         queued, cursor_id, status, created_at, finished_at) \
         VALUES ({admin}, 'class', 1, 'Resumed', 'Body', 30, 10, {cursor}, 'queuing', {long_ago}, 0)"
    ))
    .await;
    spanel::jobs::run(
        &app.state,
        spanel::jobs::Job::EmailQueue,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 20);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM email_queue WHERE to_email IN ('g0@example.com', 'g9@example.com')").await,
        0
    );
    let (_, list) = app
        .get("admin/mail?sort=recipients&order=asc", Some(&token))
        .await;
    assert_eq!(list["data"]["total"], 1);
    assert_eq!(list["data"]["items"][0]["queued"], 30);
    assert_eq!(list["data"]["items"][0]["status"], "queued");
    // Run again: nothing more.
    spanel::jobs::run(
        &app.state,
        spanel::jobs::Job::EmailQueue,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 20);
}

both_backends!(
    only_admins_send_mail,
    dry_runs_count_each_segment_and_send_nothing,
    bad_requests_change_nothing,
    a_mailing_is_queued_in_batches_once_per_recipient,
    the_mail_job_resumes_a_half_queued_mailing,
);
