//! DATETIME columns in the panel's time zone (PHP SSPanel's `timeZone`), here Asia/Shanghai. A
//! separate test binary: the zone is process-wide.

mod common;

use chrono::{TimeZone, Utc};
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use spanel::jobs::{self, Job};

async fn shanghai(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.timezone = "Asia/Shanghai".into()).await
}

async fn class_expiry_reads_datetimes_in_the_panel_zone(backend: Backend) {
    let app = shanghai(backend).await;
    let (id, _) = app.register_and_login("sh@example.com", "password-1").await;
    // 07:00 on 1 January in Shanghai is 23:00 on 31 December UTC.
    app.exec(&format!(
        "UPDATE user SET class = 1, class_expire = '2026-01-01 07:00:00' WHERE id = {id}"
    ))
    .await;
    let before = Utc.with_ymd_and_hms(2025, 12, 31, 22, 30, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, before)
            .await
            .unwrap(),
        Some(0)
    );
    let after = Utc.with_ymd_and_hms(2025, 12, 31, 23, 30, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::ClassExpiry, after)
            .await
            .unwrap(),
        Some(1)
    );
}

async fn purchases_write_datetimes_in_the_panel_zone(backend: Backend) {
    let app = shanghai(backend).await;
    let (_, admin) = app.admin_token().await;
    let (status, body) = app
        .post(
            "admin/shop",
            Some(&admin),
            &json!({"name": "Month", "price": "0.00", "content": {"class": "1", "class_expire": "30"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let shop = body["data"]["id"].as_i64().unwrap();
    let (_, token) = app
        .register_and_login("buyer@example.com", "password-1")
        .await;
    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": shop}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(me["data"]["datetime_offset"], 8 * 3600);
    let written = chrono::NaiveDateTime::parse_from_str(
        me["data"]["class_expire"].as_str().unwrap(),
        "%Y-%m-%d %H:%M:%S",
    )
    .unwrap();
    let expected = Utc::now().naive_utc() + chrono::Duration::hours(8) + chrono::Duration::days(30);
    let off = (written - expected).num_seconds().abs();
    assert!(
        off < 120,
        "class_expire {written}, expected about {expected}"
    );
}

both_backends!(
    class_expiry_reads_datetimes_in_the_panel_zone,
    purchases_write_datetimes_in_the_panel_zone,
);
