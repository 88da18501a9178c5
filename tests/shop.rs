//! The shop through real HTTP, on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const GB: i64 = 1024 * 1024 * 1024;

/// Creates a plan through the admin API; returns its id.
async fn plan(app: &TestApp, admin: &str, price: &str, content: Value) -> i64 {
    plan_with(
        app,
        admin,
        json!({"name": "Plan", "price": price, "content": content}),
    )
    .await
}

async fn plan_with(app: &TestApp, admin: &str, body: Value) -> i64 {
    let (status, body) = app.post("admin/shop", Some(admin), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_i64().unwrap()
}

async fn set_money(app: &TestApp, user: i64, money: &str) {
    app.exec(&format!(
        "UPDATE user SET money = '{money}' WHERE id = {user}"
    ))
    .await;
}

async fn money(app: &TestApp, user: i64) -> String {
    app.scalar_text(&format!("SELECT money FROM user WHERE id = {user}"))
        .await
}

async fn buy_applies_content(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("buyer@example.com", "password-1")
        .await;
    let id = plan(
        &app,
        &admin,
        "12.34",
        json!({"bandwidth": "100", "expire": 30, "class": 2, "class_expire": "30",
               "speedlimit": 50, "connector": "3", "content_extra": "fast"}),
    )
    .await;
    app.exec(&format!(
        "UPDATE user SET u = 5, d = 7, last_day_t = 9 WHERE id = {uid}"
    ))
    .await;
    set_money(&app, uid, "20.00").await;

    let (status, shop) = app.get("user/shop", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert_eq!(shop["data"][0]["effective_price"], "12.34");
    assert_eq!(shop["data"][0]["content"]["class"], 2);

    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["price"], "12.34");
    assert_eq!(body["data"]["balance"], "7.66");
    assert_eq!(money(&app, uid).await, "7.66");
    let q = |col: &str| format!("SELECT {col} FROM user WHERE id = {uid}");
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, 100 * GB);
    assert_eq!(app.scalar_i64(&q("u + d + last_day_t")).await, 0);
    assert_eq!(app.scalar_i64(&q("class")).await, 2);
    assert_eq!(app.scalar_i64(&q("node_connector")).await, 3);
    assert_eq!(app.scalar_text(&q("node_speedlimit")).await, "50.00");
    // A fresh account: class counted from now (30 days), account expiry from the later of now and
    // its current expiry (7 sign-up days) + 30.
    let class_days = match backend {
        Backend::Sqlite => {
            "SELECT CAST(ROUND(julianday(class_expire) - julianday('now')) AS INTEGER) FROM user"
        }
        Backend::MariaDb => {
            "SELECT ROUND(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), class_expire) / 86400) FROM user"
        }
    };
    assert_eq!(
        app.scalar_i64(&format!("{class_days} WHERE id = {uid}"))
            .await,
        30
    );
    let (status, bought) = app.get("user/bought", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bought["data"][0]["name"], "Plan");
    assert_eq!(bought["data"][0]["price"], "12.34");
    assert_eq!(bought["data"][0]["renew"], 0);

    // Not enough left for a second one: 409, nothing changes.
    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": id}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(money(&app, uid).await, "7.66");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM bought").await, 1);

    // Off sale: 404.
    let (status, _) = app
        .post(&format!("admin/shop/{id}/off"), Some(&admin), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    set_money(&app, uid, "100.00").await;
    let (status, _) = app
        .post("user/buy", Some(&token), &json!({"shop_id": id}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, shop) = app.get("user/shop", Some(&token)).await;
    assert_eq!(shop["data"].as_array().unwrap().len(), 0);
}

async fn parallel_buys_never_overspend(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("rush@example.com", "password-1")
        .await;
    let id = plan(
        &app,
        &admin,
        "3.33",
        json!({"traffic_package": 1, "bandwidth": 1}),
    )
    .await;
    set_money(&app, uid, "10.99").await;
    let before = app
        .scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {uid}"
        ))
        .await;
    let body = json!({"shop_id": id});
    let results =
        futures::future::join_all((0..50).map(|_| app.post("user/buy", Some(&token), &body))).await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflict = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!(ok, 3, "{results:?}");
    assert_eq!(conflict, 47, "{results:?}");
    assert_eq!(money(&app, uid).await, "1.00");
    assert_eq!(
        app.scalar_i64(&format!("SELECT COUNT(*) FROM bought WHERE userid = {uid}"))
            .await,
        3
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {uid}"
        ))
        .await,
        before + 3 * GB
    );
}

async fn coupon_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("saver@example.com", "password-1")
        .await;
    let a = plan(
        &app,
        &admin,
        "10.00",
        json!({"traffic_package": 1, "bandwidth": 1}),
    )
    .await;
    let b = plan(
        &app,
        &admin,
        "10.00",
        json!({"traffic_package": 1, "bandwidth": 1}),
    )
    .await;
    set_money(&app, uid, "100.00").await;
    let future = chrono::Utc::now().timestamp() + 86_400;
    for (code, onetime, expire, shop, credit) in [
        ("OLD", 0, 1_000_000, json!([]), 10),
        ("ONLYB", 0, future, json!([b]), 10),
        ("TWICE", 2, future, json!([a]), 15),
    ] {
        let (status, body) = app
            .post(
                "admin/coupon",
                Some(&admin),
                &json!({"code": code, "onetime": onetime, "expire": expire, "shop": shop, "credit": credit}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let check = |code: &'static str, shop: i64| {
        let token = token.clone();
        let app = &app;
        async move {
            app.post(
                "user/coupon/check",
                Some(&token),
                &json!({"shop_id": shop, "coupon": code}),
            )
            .await
        }
    };
    let (status, body) = check("  twice ", a).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["discounted"], "8.50");

    for (code, shop, msg) in [
        ("nope", a, "Unknown"),
        ("old", a, "expired"),
        ("onlyb", a, "does not apply"),
    ] {
        let (status, body) = check(code, shop).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["msg"].as_str().unwrap().contains(msg), "{body}");
        let (status, body) = app
            .post(
                "user/buy",
                Some(&token),
                &json!({"shop_id": shop, "coupon": code}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["msg"].as_str().unwrap().contains(msg), "{body}");
    }
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "user/buy",
                Some(&token),
                &json!({"shop_id": a, "coupon": "Twice"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["price"], "8.50");
    }
    let (status, body) = app
        .post(
            "user/buy",
            Some(&token),
            &json!({"shop_id": a, "coupon": "TWICE"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["msg"].as_str().unwrap().contains("already used"),
        "{body}"
    );
    assert_eq!(money(&app, uid).await, "83.00");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM bought WHERE coupon = 'TWICE'")
            .await,
        2
    );
}

async fn disable_others_stops_renewals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("renew@example.com", "password-1")
        .await;
    let id = plan_with(
        &app,
        &admin,
        json!({"name": "Monthly", "price": 1, "auto_renew": 30,
               "content": {"traffic_package": 1, "bandwidth": 1}}),
    )
    .await;
    set_money(&app, uid, "5.00").await;
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "user/buy",
                Some(&token),
                &json!({"shop_id": id, "autorenew": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["data"]["renew"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    }
    let renewing = "SELECT COUNT(*) FROM bought WHERE renew > 0";
    assert_eq!(app.scalar_i64(renewing).await, 2);
    let (status, body) = app
        .post(
            "user/buy",
            Some(&token),
            &json!({"shop_id": id, "autorenew": true, "disable_others": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let newest = body["data"]["bought_id"].as_i64().unwrap();
    assert_eq!(app.scalar_i64(renewing).await, 1);
    assert_eq!(
        app.scalar_i64("SELECT id FROM bought WHERE renew > 0")
            .await,
        newest
    );
    assert_eq!(money(&app, uid).await, "2.00");

    // Only the owner can turn a renewal off.
    let (_, other) = app
        .register_and_login("other@example.com", "password-1")
        .await;
    let path = format!("user/bought/{newest}/renew");
    let (status, body) = app
        .send(reqwest::Method::DELETE, &path, Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(app.scalar_i64(renewing).await, 1);
    let (status, body) = app
        .send(
            reqwest::Method::DELETE,
            "user/bought/abc/renew",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app
        .send(reqwest::Method::DELETE, &path, Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["renew"], 0);
    assert_eq!(app.scalar_i64(renewing).await, 0);
}

async fn purchase_pays_commission(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.state
        .settings
        .set("invitation_mode", "after_purchase")
        .await
        .unwrap();
    let (_, admin) = app.admin_token().await;
    let (inviter, inviter_token) = app
        .register_and_login("inviter@example.com", "password-1")
        .await;
    let (_, me) = app.get("user/me", Some(&inviter_token)).await;
    let code = me["data"]["invite_code"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "invitee@example.com", "password": "password-2", "invite_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitee = body["data"]["user_id"].as_i64().unwrap();
    let token = app.login("invitee@example.com", "password-2").await;
    let id = plan(
        &app,
        &admin,
        "10.05",
        json!({"traffic_package": 1, "bandwidth": 1}),
    )
    .await;
    set_money(&app, invitee, "20.00").await;
    set_money(&app, inviter, "1.00").await;
    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(money(&app, invitee).await, "9.95");
    // 20 % of 10.05 = 2.01.
    assert_eq!(money(&app, inviter).await, "3.01");
    assert_eq!(
        app.scalar_text(&format!(
            "SELECT ref_get FROM payback WHERE userid = {invitee} AND ref_by = {inviter}"
        ))
        .await,
        "2.01"
    );
}

async fn admin_routes_are_guarded_and_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (_, token) = app
        .register_and_login("user@example.com", "password-1")
        .await;
    let (status, _) = app.get("admin/shop", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "admin/shop",
            Some(&token),
            &json!({"name": "x", "price": "1", "content": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("admin/coupon", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .send(reqwest::Method::DELETE, "admin/shop/1", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = app
        .post(
            "admin/shop",
            Some(&admin),
            &json!({"name": "Bad", "price": "1.005", "content": {"bandwidth": -1, "colour": 2}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"price"), "{body}");
    assert!(fields.contains(&"content.bandwidth"), "{body}");
    assert!(fields.contains(&"content.colour"), "{body}");

    let id = plan(&app, &admin, "5", json!({"bandwidth": 10})).await;
    let (status, body) = app
        .send(
            reqwest::Method::PUT,
            &format!("admin/shop/{id}"),
            Some(&admin),
            Some(
                &json!({"name": "Renamed", "price": 6.5, "content": {"bandwidth": "20",
                "promo": {"price": "4.00", "start": 0, "end": 4_000_000_000i64}}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["price"], "6.50");
    assert_eq!(body["data"]["effective_price"], "4.00");
    assert_eq!(body["data"]["promo_active"], true);
    let (status, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("admin/shop/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("admin/shop", Some(&admin)).await;
    assert_eq!(list["data"][0]["status"], 0);
    assert_eq!(list["data"][0]["name"], "Renamed");
}

async fn bundle_and_periodic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("bundle@example.com", "password-1")
        .await;
    let pack = plan(
        &app,
        &admin,
        "1",
        json!({"traffic_package": 1, "bandwidth": 5}),
    )
    .await;
    let periodic = plan(
        &app,
        &admin,
        "2",
        json!({"bandwidth": 10, "reset": 30, "reset_value": 10, "reset_exp": 90, "bundle": [pack]}),
    )
    .await;
    set_money(&app, uid, "10.00").await;
    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": periodic}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {uid}"
        ))
        .await,
        15 * GB
    );
    let (status, body) = app
        .post("user/buy", Some(&token), &json!({"shop_id": periodic}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(money(&app, uid).await, "8.00");
}

both_backends!(
    buy_applies_content,
    parallel_buys_never_overspend,
    coupon_limits,
    disable_others_stops_renewals,
    purchase_pays_commission,
    admin_routes_are_guarded_and_validated,
    bundle_and_periodic,
);
