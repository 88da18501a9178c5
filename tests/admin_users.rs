//! User administration through real HTTP on SQLite and MariaDB: creating accounts as sign-up does,
//! editing every field with the balance recorded, search, and one user's record lists.

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const GB: i64 = 1024 * 1024 * 1024;

async fn users(app: &TestApp) -> i64 {
    app.scalar_i64("SELECT COUNT(*) FROM user").await
}

async fn create_makes_the_rows_sign_up_makes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, admin) = app.admin_token().await;
    let (_, plain) = app.register_and_login("p@example.com", "password-1").await;
    let before = users(&app).await;
    let doc = spanel::api::openapi();
    for (path, method) in [
        ("/app/api/v0/admin/users", "post"),
        ("/app/api/v0/admin/users/{id}/ban", "post"),
        ("/app/api/v0/admin/users/{id}/records/{kind}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }

    let body = json!({"email": "New.User@Example.com", "class": 2,
        "class_expire": "2030-01-02 03:04:05", "expire_in": "2031-01-01 00:00:00",
        "transfer_enable": 50 * GB, "node_group": 3, "node_speedlimit": "100",
        "node_connector": 4, "money": "9.50", "invite_num": 7, "remark": "reseller",
        "reason": "bought offline"});
    let (s, _) = app.post("admin/users", Some(&plain), &body).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("admin/users", None, &body).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(users(&app).await, before);

    let (s, resp) = app.post("admin/users", Some(&admin), &body).await;
    assert_eq!(s, StatusCode::CREATED, "{resp}");
    let user = &resp["data"]["user"];
    let id = user["id"].as_i64().unwrap();
    let password = resp["data"]["password"].as_str().unwrap().to_string();
    assert_eq!(password.len(), 16);
    assert_eq!(user["email"], "new.user@example.com");
    assert_eq!(
        (
            user["class"].as_i64(),
            user["node_group"].as_i64(),
            user["node_connector"].as_i64()
        ),
        (Some(2), Some(3), Some(4))
    );
    assert_eq!(user["money"], "9.50");
    assert_eq!(user["remark"], "reseller");
    // The rows PHP SSPanel's sign-up writes: the account, its subscription token and invite code.
    let one = |sql: String| {
        let app = &app;
        async move { app.scalar_i64(&sql).await }
    };
    assert_eq!(
        one(format!("SELECT COUNT(*) FROM link WHERE userid = {id}")).await,
        1
    );
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) FROM user_invite_code WHERE user_id = {id}"
        ))
        .await,
        1
    );
    assert_eq!(
        one(format!("SELECT transfer_enable FROM user WHERE id = {id}")).await,
        50 * GB
    );
    assert_eq!(
        one(format!("SELECT invite_num FROM user WHERE id = {id}")).await,
        7
    );
    assert!(one(format!("SELECT port FROM user WHERE id = {id}")).await > 0);
    let text = |sql: String| {
        let app = &app;
        async move { app.scalar_text(&sql).await }
    };
    assert_eq!(
        text(format!("SELECT class_expire FROM user WHERE id = {id}")).await,
        "2030-01-02 03:04:05"
    );
    assert_eq!(
        text(format!("SELECT node_speedlimit FROM user WHERE id = {id}")).await,
        "100.00"
    );
    // The generated password logs in; the balance is recorded with the reason.
    app.login("new.user@example.com", &password).await;
    assert_eq!(
        text(format!(
            "SELECT remark FROM spanel_user_money_log WHERE user_id = {id}"
        ))
        .await,
        "bought offline"
    );
    assert_eq!(
        text(format!(
            "SELECT amount FROM spanel_user_money_log WHERE user_id = {id}"
        ))
        .await,
        "9.50"
    );
    let log = format!(
        "SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'user.create' AND target = 'user:{id}' \
         AND admin_id = {admin_id}"
    );
    assert_eq!(one(log).await, 1);
    let detail = text(format!(
        "SELECT detail FROM spanel_admin_log WHERE target = 'user:{id}'"
    ))
    .await;
    assert!(!detail.contains(&password), "the password is never logged");

    // A chosen password is not sent back.
    let (s, resp) = app
        .post(
            "admin/users",
            Some(&admin),
            &json!({"email": "chosen@example.com", "password": "chosen-pass-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{resp}");
    assert_eq!(resp["data"]["password"], Value::Null);
    app.login("chosen@example.com", "chosen-pass-1").await;

    // Bad input changes nothing.
    let count = users(&app).await;
    for bad in [
        json!({"email": "new.user@example.com"}),
        json!({"password": "long-enough-1"}),
        json!({"email": "x@example.com", "class": 256}),
        json!({"email": "x@example.com", "expire_in": "tomorrow"}),
        json!({"email": "x@example.com", "money": "-1"}),
        json!({"email": "x@example.com", "password": "short"}),
        json!({"email": "not-an-address"}),
        json!({"email": "x@example.com", "clas": 3}),
        json!({"email": "x@example.com", "transfer_enable": -1}),
    ] {
        let (s, resp) = app.post("admin/users", Some(&admin), &bad).await;
        assert!(s.is_client_error(), "{bad}: {s} {resp}");
        assert_eq!(resp["ret"], 0, "{bad}");
    }
    assert_eq!(users(&app).await, count);
}

async fn every_field_is_edited_and_the_balance_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, admin) = app.admin_token().await;
    let (uid, _) = app
        .register_and_login("erin@example.com", "password-1")
        .await;
    let path = format!("admin/users/{uid}");
    let edit = json!({"reason": "support ticket 7", "user_name": "Erin", "class": 5,
        "class_expire": "2029-05-06 07:08:09", "expire_in": "2030-01-01 00:00:00",
        "transfer_enable": 200 * GB, "u": GB, "d": 2 * GB, "money": "20.00",
        "node_group": 2, "node_speedlimit": "50.5", "node_connector": 3, "invite_num": -1,
        "remark": "VIP"});
    let (s, body) = app
        .send(Method::PATCH, &path, Some(&admin), Some(&edit))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let u = &body["data"];
    assert_eq!(u["user_name"], "Erin");
    assert_eq!((u["u"].as_i64(), u["d"].as_i64()), (Some(GB), Some(2 * GB)));
    assert_eq!(u["node_speedlimit"], "50.50");
    assert_eq!(u["invite_num"], -1);
    let (_, fresh) = app.get(&path, Some(&admin)).await;
    assert_eq!(
        fresh["data"], body["data"],
        "what the edit answered is what is stored"
    );
    let q = |sql: String| {
        let app = &app;
        async move { app.scalar_text(&sql).await }
    };
    assert_eq!(
        q(format!("SELECT class_expire FROM user WHERE id = {uid}")).await,
        "2029-05-06 07:08:09"
    );
    assert_eq!(
        q(format!("SELECT remark FROM user WHERE id = {uid}")).await,
        "VIP"
    );
    let money_log =
        |col: &str| format!("SELECT `{col}` FROM spanel_user_money_log WHERE user_id = {uid}");
    assert_eq!(q(money_log("before")).await, "0.00");
    assert_eq!(q(money_log("after")).await, "20.00");
    assert_eq!(q(money_log("amount")).await, "20.00");
    assert_eq!(q(money_log("remark")).await, "support ticket 7");
    let detail = q(format!(
        "SELECT detail FROM spanel_admin_log WHERE action = 'user.edit' AND target = 'user:{uid}' AND admin_id = {admin_id}"
    ))
    .await;
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["reason"], "support ticket 7");
    assert_eq!(detail["changes"]["class"]["to"], "5");
    assert_eq!(detail["changes"]["money"]["from"], "0.00");

    // Lowering the balance records a negative change.
    let (s, _) = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({"reason": "refund", "money": "15.25"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        q(format!("SELECT amount FROM spanel_user_money_log WHERE user_id = {uid} ORDER BY id DESC LIMIT 1")).await,
        "-4.75"
    );

    // Bad input: 4xx, nothing changed, nothing logged.
    let logs = app
        .scalar_i64("SELECT COUNT(*) FROM spanel_admin_log")
        .await;
    for bad in [
        json!({"class": 1}),
        json!({"reason": "r", "class": -1}),
        json!({"reason": "r", "u": -5}),
        json!({"reason": "r", "node_speedlimit": "fast"}),
        json!({"reason": "r", "node_connector": 2_000_000}),
        json!({"reason": "r", "invite_num": -2}),
        json!({"reason": "r", "remark": "x".repeat(513)}),
        json!({"reason": "r", "password": "new-password-1"}),
        json!({"reason": "r", "class": 1, "money": "1.001"}),
        json!({"reason": "r", "email": "p@"}),
    ] {
        let (s, resp) = app
            .send(Method::PATCH, &path, Some(&admin), Some(&bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {resp}");
    }
    let (_, other) = app
        .register_and_login("frank@example.com", "password-1")
        .await;
    let (s, _) = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({"reason": "r", "email": "frank@example.com"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .send(
            Method::PATCH,
            &path,
            Some(&other),
            Some(&json!({"reason": "r", "class": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log")
            .await,
        logs
    );
    let (_, again) = app.get(&path, Some(&admin)).await;
    assert_eq!(again["data"]["class"], 5);
    assert_eq!(again["data"]["email"], "erin@example.com");
    assert_eq!(again["data"]["money"], "15.25");
}

async fn search_finds_by_email_name_id_port_and_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (g, _) = app
        .register_and_login("gina@example.com", "password-1")
        .await;
    let (h, _) = app
        .register_and_login("hank@example.org", "password-1")
        .await;
    app.exec(&format!(
        "UPDATE user SET port = 41234, money = '100.00' WHERE id = {g}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE user SET money = '9.00', user_name = 'Hank H' WHERE id = {h}"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO alive_ip (nodeid, userid, ip, datetime) VALUES (1, {h}, '203.0.113.9', 1)"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO login_ip (userid, ip, datetime, type) VALUES ({g}, '2001:db8::7', 1, 0)"
    ))
    .await;
    let ids = |q: &str| {
        let app = &app;
        let admin = admin.clone();
        let q = q.to_string();
        async move {
            let (s, body) = app.get(&format!("admin/users?{q}"), Some(&admin)).await;
            assert_eq!(s, StatusCode::OK, "{q}: {body}");
            body["data"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("q=gina@").await, vec![g]);
    assert_eq!(ids("q=Hank%20H").await, vec![h]);
    // An id also matches as part of an e-mail (the admin's random one may hold the digit).
    let by_id = ids(&format!("q={h}")).await;
    assert!(by_id.contains(&h) && !by_id.contains(&g), "{by_id:?}");
    assert_eq!(ids("q=41234").await, vec![g]);
    assert_eq!(ids("q=203.0.113.9").await, vec![h]);
    assert_eq!(ids("q=2001:db8::7").await, vec![g]);
    assert_eq!(ids("q=198.51.100.1").await, Vec::<i64>::new());
    // Sorted by balance, both ways (money is compared as a number: 9 < 100).
    let asc = ids("sort=money&order=asc").await;
    assert!(asc.iter().position(|i| *i == h) < asc.iter().position(|i| *i == g));
    let desc = ids("sort=money&order=desc").await;
    assert_eq!(desc[0], g);
    for bad in ["sort=pass", "order=up", &format!("q={}", "x".repeat(129))] {
        let (s, _) = app.get(&format!("admin/users?{bad}"), Some(&admin)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

async fn one_users_records_are_paginated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("ivy@example.com", "password-1")
        .await;
    let (invitee, _) = app
        .register_and_login("jim@example.com", "password-1")
        .await;
    app.exec(&format!(
        "INSERT INTO paylist (userid, total, status, tradeno, datetime) VALUES \
         ({uid}, '5.00', 1, 'T1', 100), ({uid}, '7.00', 0, 'T2', 200), ({uid}, '9.00', 1, 'T3', 300); \
         INSERT INTO shop (name, price, content, auto_renew) VALUES ('Gold', '10.00', '{{}}', 0); \
         INSERT INTO payback (total, userid, ref_by, ref_get, datetime) VALUES ('10.00', {invitee}, {uid}, '1.00', 50); \
         INSERT INTO user_subscribe_log (user_name, user_id, email, subscribe_type, request_ip, request_time, request_user_agent) \
         VALUES ('ivy', {uid}, 'ivy@example.com', 'clash', '192.0.2.1', '2026-01-01 00:00:00', 'ClashX/1.0'); \
         INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES ({uid}, 86400, 10, 20)"
    ))
    .await;
    let shop = app.scalar_i64("SELECT MAX(id) FROM shop").await;
    app.exec(&format!(
        "INSERT INTO bought (userid, shopid, datetime, renew, coupon, price) VALUES ({uid}, {shop}, 150, 0, 'HALF', '5.00')"
    ))
    .await;
    let records = |kind: &str, query: &str| {
        let app = &app;
        let admin = admin.clone();
        let path = format!("admin/users/{uid}/records/{kind}?{query}");
        async move {
            let (s, body) = app.get(&path, Some(&admin)).await;
            assert_eq!(s, StatusCode::OK, "{path}: {body}");
            body["data"].clone()
        }
    };
    let topups = records("topups", "per_page=2").await;
    assert_eq!(topups["total"], 3);
    assert_eq!(topups["items"][0]["title"], "T3");
    assert_eq!(topups["items"][0]["amount"], "9.00");
    assert_eq!(topups["items"][1]["state"], 0);
    let page2 = records("topups", "per_page=2&page=2").await;
    assert_eq!(page2["items"][0]["title"], "T1");
    let bought = records("purchases", "").await;
    assert_eq!(
        (
            bought["items"][0]["title"].as_str(),
            bought["items"][0]["detail"].as_str()
        ),
        (Some("Gold"), Some("HALF"))
    );
    let paid = records("commissions", "").await;
    assert_eq!(
        (
            paid["items"][0]["amount"].as_str(),
            paid["items"][0]["state"].as_i64()
        ),
        (Some("1.00"), Some(invitee))
    );
    let pulls = records("subscriptions", "").await;
    assert_eq!(pulls["items"][0]["title"], "clash");
    assert!(pulls["items"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("192.0.2.1"));
    let traffic = records("traffic", "").await;
    assert_eq!(
        (
            traffic["items"][0]["state"].as_i64(),
            traffic["items"][0]["extra"].as_i64()
        ),
        (Some(10), Some(20))
    );
    let logins = records("logins", "").await;
    assert_eq!(logins["total"], 1, "the registration's login");
    for kind in ["orders", "balance", "detect", "bans"] {
        assert_eq!(records(kind, "").await["total"], 0, "{kind}");
    }
    let (s, _) = app
        .get(&format!("admin/users/{uid}/records/secrets"), Some(&admin))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get("admin/users/999999/records/topups", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(&format!("admin/users/{uid}/records/topups"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A timed ban: the account is disabled, SSPanel's ban log has it, bad input changes nothing.
    let ban = format!("admin/users/{uid}/ban");
    for bad in [
        json!({"minutes": 0, "reason": "r"}),
        json!({"minutes": 5, "reason": ""}),
    ] {
        let (s, _) = app.post(&ban, Some(&admin), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(records("bans", "").await["total"], 0);
    let (s, body) = app
        .post(
            &ban,
            Some(&admin),
            &json!({"minutes": 90, "reason": "spam"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["enable"], false);
    assert!(body["data"]["last_detect_ban_time"].is_string());
    let bans = records("bans", "").await;
    assert_eq!(
        (
            bans["items"][0]["state"].as_i64(),
            bans["items"][0]["extra"].as_i64()
        ),
        (Some(90), Some(0))
    );
}

both_backends!(
    create_makes_the_rows_sign_up_makes,
    every_field_is_edited_and_the_balance_recorded,
    search_finds_by_email_name_id_port_and_address,
    one_users_records_are_paginated,
);
