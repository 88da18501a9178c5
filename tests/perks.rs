//! Daily check-in and redeem codes through real HTTP, on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const MB: i64 = 1024 * 1024;
const GB: i64 = 1024 * MB;

async fn parallel_posts(app: &TestApp, path: &str, tokens: &[String], body: Value) -> Vec<u16> {
    let calls = tokens.iter().map(|t| {
        let body = body.clone();
        async move { app.post(path, Some(t), &body).await.0.as_u16() }
    });
    futures::future::join_all(calls).await
}

async fn check_in_once_a_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = &app.state.settings;
    s.set("checkin_min", "7").await.unwrap();
    s.set("checkin_max", "7").await.unwrap();
    let (uid, token) = app.register_and_login("ci@example.com", "password-1").await;
    let before = app
        .scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {uid}"
        ))
        .await;
    let (_, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(me["data"]["can_check_in"], true);
    // Ten clicks at once: exactly one reward.
    let statuses = parallel_posts(&app, "user/checkin", &vec![token.clone(); 10], json!({})).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    let after = app
        .scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {uid}"
        ))
        .await;
    assert_eq!(after - before, 7 * MB);
    let (_, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(me["data"]["can_check_in"], false);
    let stamped = app
        .scalar_i64(&format!(
            "SELECT last_check_in_time FROM user WHERE id = {uid}"
        ))
        .await;
    assert!((chrono::Utc::now().timestamp() - stamped).abs() < 60);

    // Checked in yesterday (as PHP would have stamped it): today's is due.
    app.exec(&format!(
        "UPDATE user SET last_check_in_time = {} WHERE id = {uid}",
        spanel::clock::local_day_start(chrono::Utc::now().timestamp()) - 10
    ))
    .await;
    let (s, b) = app.post("user/checkin", Some(&token), &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["traffic"], 7 * MB);
    assert_eq!(b["data"]["transfer_enable"], after + 7 * MB);

    app.state.settings.set("enable_checkin", "0").await.unwrap();
    app.exec(&format!(
        "UPDATE user SET last_check_in_time = 0 WHERE id = {uid}"
    ))
    .await;
    let (s, _) = app.post("user/checkin", Some(&token), &json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn create_codes(app: &TestApp, admin: &str, body: Value) -> Vec<String> {
    let (s, b) = app.post("admin/codes", Some(admin), &body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["data"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

async fn redeem_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    for bad in [
        json!({"count": 0, "amount": "10"}),
        json!({"count": 1001, "amount": "10"}),
        json!({"count": 1, "amount": "0"}),
        json!({"count": 1, "amount": "10", "type": 0}),
        json!({"count": 1, "amount": "10", "prefix": "no spaces"}),
        json!({"count": 1}),
    ] {
        let (s, b) = app.post("admin/codes", Some(&admin), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM code").await, 0);
    let money = create_codes(
        &app,
        &admin,
        json!({"count": 3, "amount": "10.00", "prefix": "GIFT-"}),
    )
    .await;
    assert_eq!(money.len(), 3);
    assert!(money
        .iter()
        .all(|c| c.starts_with("GIFT-") && c.len() == 25));
    let traffic = &create_codes(
        &app,
        &admin,
        json!({"count": 1, "amount": "2", "type": 10001}),
    )
    .await[0];
    let days = &create_codes(
        &app,
        &admin,
        json!({"count": 1, "amount": "3", "type": 10002}),
    )
    .await[0];
    let class = &create_codes(&app, &admin, json!({"count": 1, "amount": "5", "type": 2})).await[0];
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'code.create'")
            .await,
        4
    );

    // The inviter earns commission on a balance code as on a top-up.
    let s = &app.state.settings;
    s.set("invitation_mode", "after_recharge").await.unwrap();
    s.set("rebate_ratio", "0.2").await.unwrap();
    let (inviter, _) = app
        .register_and_login("inviter@example.com", "password-1")
        .await;
    let (uid, token) = app
        .register_and_login("redeem@example.com", "password-1")
        .await;
    app.exec(&format!(
        "UPDATE user SET ref_by = {inviter} WHERE id = {uid}"
    ))
    .await;
    let inviter_before = app
        .scalar_text(&format!("SELECT money FROM user WHERE id = {inviter}"))
        .await;

    let (s, b) = app
        .post("user/redeem", Some(&token), &json!({"code": money[0]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["balance"], "10.00");
    let (s, _) = app
        .post("user/redeem", Some(&token), &json!({"code": money[0]}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "used once");
    for bad in ["nope", "", "GIFT-"] {
        let (s, _) = app
            .post("user/redeem", Some(&token), &json!({"code": bad}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT userid FROM code WHERE code = '{}' AND isused = 1",
            money[0]
        ))
        .await,
        uid
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM payback WHERE ref_by = {inviter}"
        ))
        .await,
        1
    );
    assert_ne!(
        app.scalar_text(&format!("SELECT money FROM user WHERE id = {inviter}"))
            .await,
        inviter_before
    );

    // Ten redemptions of one code at once (by ten accounts): one wins.
    let mut tokens = Vec::new();
    for i in 0..10 {
        tokens.push(
            app.register_and_login(&format!("race{i}@example.com"), "password-1")
                .await
                .1,
        );
    }
    let statuses = parallel_posts(&app, "user/redeem", &tokens, json!({"code": money[1]})).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        app.scalar_text("SELECT SUM(money) FROM user WHERE email LIKE 'race%'")
            .await
            .parse::<f64>()
            .unwrap(),
        10.0
    );

    // Traffic, days and class codes.
    let q = |col: &str| format!("SELECT {col} FROM user WHERE id = {uid}");
    let t0 = app.scalar_i64(&q("transfer_enable")).await;
    let (s, _) = app
        .post("user/redeem", Some(&token), &json!({"code": traffic}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, t0 + 2 * GB);
    let e0 = app.scalar_text(&q("expire_in")).await;
    let (s, _) = app
        .post("user/redeem", Some(&token), &json!({"code": days}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let e1 = app.scalar_text(&q("expire_in")).await;
    let parse = |v: &str| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").unwrap();
    assert_eq!((parse(&e1) - parse(&e0)).num_days(), 3);
    let (s, _) = app
        .post("user/redeem", Some(&token), &json!({"code": class}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.scalar_i64(&q("class")).await, 2);

    let (s, b) = app.get("admin/codes?used=false", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["total"], 1, "one balance code left");
    let (_, b) = app
        .get("admin/codes?used=true&per_page=2", Some(&admin))
        .await;
    assert_eq!(b["data"]["total"], 5);
    assert_eq!(b["data"]["items"].as_array().unwrap().len(), 2);
    let (s, _) = app.get("admin/codes", Some(&token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

both_backends!(check_in_once_a_day, redeem_codes);
