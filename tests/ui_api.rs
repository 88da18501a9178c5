//! The endpoints the web UI reads: usage per day, announcements, invitations, payment gateways,
//! the admin overview and QR codes.

mod common;

use chrono::Utc;
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use spanel::jobs::{self, Job};

const DAY: i64 = 86_400;

fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

fn pairs(days: &Value) -> Vec<(i64, i64)> {
    days.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["upload"].as_i64().unwrap(),
                d["download"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn usage_is_per_utc_day_zero_filled_and_survives_roll_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (uid, token) = app.register_and_login("u@example.com", "password-1").await;
    let (other, _) = app.register_and_login("o@example.com", "password-1").await;
    let now = Utc::now().timestamp();
    let today = now - now.rem_euclid(DAY);
    app.exec(&format!(
        "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES \
         ({uid}, {}, 5, 5), ({uid}, {}, 100, 200), ({uid}, {}, 1, 2), ({uid}, {today}, 10, 20), \
         ({other}, {today}, 999, 999)",
        today - 3 * DAY,
        today - 2 * DAY,
        today - DAY,
    ))
    .await;
    // The current hour, not rolled up yet.
    let hour = now - now.rem_euclid(3600);
    app.exec(&format!(
        "INSERT INTO spanel_traffic_hourly (user_id, hour, u, d) VALUES ({uid}, {hour}, 3, 4), ({other}, {hour}, 7, 7)"
    ))
    .await;

    let (status, body) = app.get("user/usage?days=3", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let days = &body["data"];
    let dates: Vec<&str> = days
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [date(today - 2 * DAY), date(today - DAY), date(today)]
    );
    assert_eq!(pairs(days), [(100, 200), (1, 2), (13, 24)]);

    // The hour moves into the day's row; the chart does not change.
    let later = chrono::DateTime::from_timestamp(hour + 3600, 0).unwrap();
    jobs::run(&app.state, Job::HourlyUsage, later)
        .await
        .unwrap();
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_traffic_hourly")
            .await,
        0
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT u * 1000 + d FROM spanel_traffic_daily WHERE user_id = {uid} AND day = {today}"
        ))
        .await,
        13_024
    );
    let (_, body) = app.get("user/usage?days=3", Some(&token)).await;
    assert_eq!(pairs(&body["data"]), [(100, 200), (1, 2), (13, 24)]);

    // Default 30 days, today last; 90 is the most.
    let (_, body) = app.get("user/usage", Some(&token)).await;
    let days = body["data"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["date"], date(today));
    assert_eq!(days[0]["date"], date(today - 29 * DAY));
    assert_eq!(
        (days[26]["upload"].as_i64(), days[0]["upload"].as_i64()),
        (Some(5), Some(0))
    );
    let (_, body) = app.get("user/usage?days=90", Some(&token)).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 90);
}

async fn usage_refuses_bad_days_and_anonymous_callers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.register_and_login("u@example.com", "password-1").await;
    for q in ["days=0", "days=91", "days=-1", "days=abc", "days=1.5"] {
        let (status, body) = app.get(&format!("user/usage?{q}"), Some(&token)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {body}");
        assert_eq!(body["ret"], 0);
        assert!(body["data"].is_null());
    }
    let (status, body) = app.get("user/usage?days=1", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    for path in [
        "user/usage",
        "user/announcements",
        "user/invite",
        "payment/gateways",
    ] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["ret"], 0);
        let (status, _) = app.get(path, Some("not-a-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

async fn prune_keeps_ninety_days_of_daily_traffic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = Utc::now();
    let ts = now.timestamp();
    let today = ts - ts.rem_euclid(DAY);
    app.exec(&format!(
        "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES (1, {}, 1, 1), (1, {}, 1, 1), (1, {today}, 1, 1)",
        today - 93 * DAY,
        today - 92 * DAY,
    ))
    .await;
    jobs::run(&app.state, Job::Prune, now).await.unwrap();
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM spanel_traffic_daily WHERE day >= {}",
            today - 92 * DAY
        ))
        .await,
        2
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_traffic_daily")
            .await,
        2
    );
}

async fn announcements_are_listed_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (_, token) = app.register_and_login("u@example.com", "password-1").await;
    let (_, body) = app.get("user/announcements", Some(&token)).await;
    assert_eq!(body["data"], json!([]));
    for (content, date) in [
        ("<p>old</p>", "2025-01-01 10:00:00"),
        ("<p>new</p>", "2025-06-01 10:00:00"),
    ] {
        let (status, body) = app
            .post(
                "admin/announcements",
                Some(&admin),
                &json!({"content": content, "date": date}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app.get("user/announcements", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list = body["data"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["content"], "<p>new</p>");
    assert_eq!(list[1]["content"], "<p>old</p>");
    assert!(list[0]["id"].as_i64().is_some());
    assert!(list[0]["date"].as_str().unwrap().starts_with("2025-06-01"));
}

async fn invite_shows_code_link_invitees_and_commissions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (me, token) = app.register_and_login("me@example.com", "password-1").await;
    let (_, body) = app.get("user/me", Some(&token)).await;
    let code = body["data"]["invite_code"].as_str().unwrap().to_string();

    let (status, body) = app.get("user/invite", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    assert_eq!(d["code"], code);
    let base = app.state.config.base_url.trim_end_matches('/');
    assert_eq!(d["link"], format!("{base}/#/signup?code={code}"));
    assert_eq!(d["invited"], 0);
    assert_eq!(d["commission_total"], "0.00");
    assert_eq!(d["commissions"], json!([]));

    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "friend@example.com", "password": "password-2", "invite_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let friend = body["data"]["user_id"].as_i64().unwrap();
    let (stranger, _) = app.register_and_login("s@example.com", "password-3").await;
    app.exec(&format!(
        "INSERT INTO payback (total, userid, ref_by, ref_get, datetime) VALUES \
         (10.00, {friend}, {me}, 1.23, 1700000000), (20.00, {friend}, {me}, 2.05, 1700000100), \
         (99.00, {me}, {stranger}, 9.90, 1700000200)"
    ))
    .await;
    let (_, body) = app.get("user/invite", Some(&token)).await;
    let d = &body["data"];
    assert_eq!(d["invited"], 1);
    assert_eq!(d["commission_total"], "3.28");
    let list = d["commissions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["amount"], "2.05");
    assert_eq!(list[0]["from_user"], friend);
    assert_eq!(list[0]["datetime"], 1_700_000_100);
    assert_eq!(list[1]["amount"], "1.23");
    assert!(list[0]["id"].as_i64().is_some());

    // An account without a code (made by another tool) gets one, once.
    app.exec(&format!(
        "DELETE FROM user_invite_code WHERE user_id = {me}"
    ))
    .await;
    let (status, body) = app.get("user/invite", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["data"]["code"].as_str().unwrap().to_string();
    assert_eq!(fresh.len(), 10);
    assert_ne!(fresh, code);
    let (_, body) = app.get("user/invite", Some(&token)).await;
    assert_eq!(body["data"]["code"], fresh);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM user_invite_code WHERE user_id = {me}"
        ))
        .await,
        1
    );
}

async fn gateways_list_enabled_ones_and_debug_only_in_debug(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.register_and_login("u@example.com", "password-1").await;
    let (status, body) = app.get("payment/gateways", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"],
        json!([{"name": "debug", "label": "debug", "flow": "debug", "methods": []}])
    );
    app.state
        .settings
        .set(
            "payment_gateway",
            r#"["epay","alipay","nonsense","wechat","stripe","paypal"]"#,
        )
        .await
        .unwrap();
    let (_, body) = app.get("payment/gateways", Some(&token)).await;
    assert_eq!(
        body["data"],
        json!([
            {"name": "epay", "label": "epay", "flow": "redirect", "methods": ["alipay"]},
            {"name": "alipay", "label": "alipay", "flow": "qr", "methods": []},
            {"name": "wechat", "label": "wechat", "flow": "qr", "methods": []},
            {"name": "stripe", "label": "stripe", "flow": "redirect", "methods": []},
            {"name": "paypal", "label": "paypal", "flow": "redirect", "methods": []},
            {"name": "debug", "label": "debug", "flow": "debug", "methods": []},
        ])
    );

    // The debug flow: create with the debug gateway, then confirm.
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "3.50", "gateway": "debug"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["action"], json!({"type": "debug"}));
    let order = body["data"]["order_id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            "payment/debug/confirm",
            Some(&token),
            &json!({"order_id": order}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["result"], "credited");

    let app = TestApp::spawn_with(backend, |c| c.debug = false).await;
    let (_, token) = app.register_and_login("u@example.com", "password-1").await;
    app.state
        .settings
        .set("payment_gateway", r#"["epay"]"#)
        .await
        .unwrap();
    let (_, body) = app.get("payment/gateways", Some(&token)).await;
    assert_eq!(
        body["data"],
        json!([{"name": "epay", "label": "epay", "flow": "redirect", "methods": ["alipay"]}])
    );
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "3.50", "gateway": "debug"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn admin_overview_counts_users_revenue_traffic_and_nodes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (paid, token) = app
        .register_and_login("paid@example.com", "password-1")
        .await;
    let (expired, _) = app
        .register_and_login("expired@example.com", "password-1")
        .await;
    let (disabled, _) = app
        .register_and_login("off@example.com", "password-1")
        .await;
    // Sign-up may give a trial class; set every class explicitly.
    app.exec("UPDATE user SET class = 0").await;
    app.exec(&format!(
        "UPDATE user SET class = 2, class_expire = '2099-01-01 00:00:00' WHERE id = {paid}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE user SET class = 1, class_expire = '2001-01-01 00:00:00' WHERE id = {expired}"
    ))
    .await;
    app.exec(&format!("UPDATE user SET enable = 0 WHERE id = {disabled}"))
        .await;

    let now = Utc::now().timestamp();
    let today = now - now.rem_euclid(DAY);
    app.exec(&format!(
        "INSERT INTO paylist (userid, total, status, tradeno, datetime) VALUES \
         ({paid}, 10.05, 1, 'a', {now}), ({paid}, 0.10, 1, 'b', {today}), \
         ({paid}, 50.00, 0, 'c', {now}), ({paid}, 7.00, 1, 'd', {}), \
         ({paid}, 100.00, 1, 'e', {}), ({paid}, 1000.00, 1, 'f', {})",
        today - 29 * DAY,
        today - 30 * DAY,
        now - 200 * DAY,
    ))
    .await;
    let hour = now - now.rem_euclid(3600);
    app.exec(&format!(
        "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES ({paid}, {today}, 100, 200), \
         ({expired}, {today}, 1, 2), ({paid}, {}, 5000, 5000)",
        today - DAY
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO spanel_traffic_hourly (user_id, hour, u, d) VALUES ({paid}, {hour}, 30, 40)"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, node_heartbeat) VALUES \
         ('up', 1, 'a', '{{}}', 0, {}), ('stale', 1, 'b', '{{}}', 0, {}), ('never', 1, 'c', '{{}}', 0, 0)",
        now - 10,
        now - 3600
    ))
    .await;

    let (status, body) = app.get("admin/overview", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"],
        json!({
            "users_total": 4,
            "users_enabled": 3,
            "users_paid": 1,
            "revenue_today": "10.15",
            "revenue_30d": "17.15",
            "traffic_today": 373,
            "nodes_total": 3,
            "nodes_online": 1,
        })
    );
    let (status, body) = app.get("admin/overview", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

async fn qr_svg(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/qr.svg{query}")))
        .send()
        .await
        .unwrap()
}

async fn qr_codes_render_publicly_and_refuse_bad_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let resp = qr_svg(
        &app,
        "?text=https%3A%2F%2Fexample.com%2Fsub%2Fabc%3Fa%3D1%26b%3D2",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert_eq!(resp.headers()["cache-control"], "private, max-age=3600");
    let svg = resp.text().await.unwrap();
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );

    let long = "a".repeat(2049);
    for query in [
        String::new(),
        "?text=".into(),
        format!("?text={long}"),
        "?txt=x".into(),
    ] {
        let resp = qr_svg(&app, &query).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["ret"], 0, "{query}");
    }
    let resp = qr_svg(&app, &format!("?text={}", "a".repeat(2048))).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

both_backends!(
    usage_is_per_utc_day_zero_filled_and_survives_roll_up,
    usage_refuses_bad_days_and_anonymous_callers,
    prune_keeps_ninety_days_of_daily_traffic,
    announcements_are_listed_newest_first,
    invite_shows_code_link_invitees_and_commissions,
    gateways_list_enabled_ones_and_debug_only_in_debug,
    admin_overview_counts_users_revenue_traffic_and_nodes,
    qr_codes_render_publicly_and_refuse_bad_text,
);
