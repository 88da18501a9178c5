//! Audit rules through the admin API, the hits nodes report, and SSPanel's automatic ban with its
//! unban job, on SQLite and MariaDB.

mod common;

use chrono::{TimeZone, Utc};
use common::{Backend, TestApp, MU_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use spanel::jobs::{self, Job};

async fn seed_node(app: &TestApp, name: &str) -> i64 {
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) \
         VALUES ('{name}', 1, 'n.example.com', '{{}}', 11, 1, '127.0.0.1')"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

/// A node reports hits `(user, rule)` as XrayR does.
async fn report_hits(app: &TestApp, node: i64, hits: &[(i64, i64)]) {
    let data: Vec<Value> = hits
        .iter()
        .map(|(u, l)| json!({"user_id": u, "list_id": l}))
        .collect();
    let path = format!("/mod_mu/users/detectlog?node_id={node}&key={MU_KEY}");
    let (s, body) = app.post(&path, None, &json!({ "data": data })).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar_i64(sql).await
}

async fn rules_are_validated_and_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, admin) = app.admin_token().await;
    let (_, plain) = app.register_and_login("p@example.com", "password-1").await;

    let doc = spanel::api::openapi();
    for (path, method) in [
        ("/app/api/v0/admin/detect-rules", "get"),
        ("/app/api/v0/admin/detect-rules", "post"),
        ("/app/api/v0/admin/detect-rules/{id}", "put"),
        ("/app/api/v0/admin/detect-rules/{id}", "delete"),
        ("/app/api/v0/admin/detect-logs", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    let rule = json!({"name": "BitTorrent", "text": "P2P is not allowed", "regex": "(?i)bittorrent|announce\\.php", "type": 1});
    let (s, _) = app.post("admin/detect-rules", Some(&plain), &rule).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM detect_list").await, 0);

    let (s, body) = app.post("admin/detect-rules", Some(&admin), &rule).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["data"]["id"].as_i64().unwrap();
    assert_eq!(body["data"]["type"], 1);
    let logged = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'detect.create' \
             AND target = 'detect:{id}' AND admin_id = {admin_id}"
        ),
    )
    .await;
    assert_eq!(logged, 1);

    // Nodes get the rule from the SSPanel WebAPI.
    let (s, body) = app
        .get(&format!("/mod_mu/func/detect_rules?key={MU_KEY}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["data"][0]["regex"], "(?i)bittorrent|announce\\.php");

    // Patterns Go's RE2 cannot compile are refused with the reason; nothing is saved.
    for (pattern, reason) in [
        ("(?=torrent)", "look-around"),
        ("(a)\\1", "backreference"),
        ("[a-z&&[^x]]", "RE2"),
        ("(unclosed", "unclosed"),
    ] {
        let bad = json!({"name": "x", "regex": pattern, "type": 1});
        let (s, body) = app.post("admin/detect-rules", Some(&admin), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{pattern}: {body}");
        let msg = body["errors"][0]["msg"].as_str().unwrap_or_default();
        assert_eq!(body["errors"][0]["field"], "regex");
        assert!(msg.contains(reason), "{pattern}: {msg}");
    }
    let (s, _) = app
        .post(
            "admin/detect-rules",
            Some(&admin),
            &json!({"name": "x", "regex": "ok", "type": 7}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM detect_list").await, 1);

    // A bad edit changes nothing; a good one is logged with the pattern before.
    let path = format!("admin/detect-rules/{id}");
    let bad = json!({"name": "BT", "regex": "(?<=x)y", "type": 1});
    let (s, _) = app.send(Method::PUT, &path, Some(&admin), Some(&bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app
        .scalar_text(&format!("SELECT regex FROM detect_list WHERE id = {id}"))
        .await;
    assert_eq!(stored, "(?i)bittorrent|announce\\.php");
    let good = json!({"name": "BT", "text": "", "regex": "torrent", "type": 2});
    let (s, body) = app
        .send(Method::PUT, &path, Some(&admin), Some(&good))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["type"], 2);
    let (s, _) = app
        .send(
            Method::PUT,
            "admin/detect-rules/9999",
            Some(&admin),
            Some(&good),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Paginated and sortable.
    app.post(
        "admin/detect-rules",
        Some(&admin),
        &json!({"name": "Alpha", "regex": "a", "type": 1}),
    )
    .await;
    let (_, body) = app
        .get(
            "admin/detect-rules?sort=name&order=asc&per_page=1",
            Some(&admin),
        )
        .await;
    assert_eq!(body["data"]["total"], 2);
    assert_eq!(body["data"]["items"][0]["name"], "Alpha");
    let (s, _) = app.get("admin/detect-rules?sort=regex", Some(&admin)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, _) = app.send(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.send(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM spanel_admin_log WHERE target = 'detect:{id}'")
        )
        .await,
        3
    );
}

async fn rule_id(app: &TestApp, admin: &str, name: &str) -> i64 {
    let (s, body) = app
        .post(
            "admin/detect-rules",
            Some(admin),
            &json!({"name": name, "regex": name, "type": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_i64().unwrap()
}

async fn hits_are_browsed_by_user_node_and_rule(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (alice, alice_token) = app
        .register_and_login("alice@example.com", "password-1")
        .await;
    let (bob, _) = app
        .register_and_login("bob@example.com", "password-1")
        .await;
    let (n1, n2) = (
        seed_node(&app, "tokyo").await,
        seed_node(&app, "paris").await,
    );
    let (r1, r2) = (
        rule_id(&app, &admin, "torrent").await,
        rule_id(&app, &admin, "spam").await,
    );
    report_hits(&app, n1, &[(alice, r1), (alice, r2), (bob, r1)]).await;
    report_hits(&app, n2, &[(alice, r1)]).await;

    let (s, _) = app.get("admin/detect-logs", Some(&alice_token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, body) = app.get("admin/detect-logs", Some(&admin)).await;
    assert_eq!(body["data"]["total"], 4);
    let first = &body["data"]["items"][0];
    assert_eq!(
        (first["node_name"].as_str(), first["rule_name"].as_str()),
        (Some("paris"), Some("torrent"))
    );
    assert_eq!(first["email"], "alice@example.com");
    let total = |q: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let (s, body) = app
                .get(&format!("admin/detect-logs?{q}"), Some(&admin))
                .await;
            assert_eq!(s, StatusCode::OK, "{body}");
            body["data"]["total"].as_i64().unwrap()
        }
    };
    assert_eq!(total(format!("user_id={alice}")).await, 3);
    assert_eq!(total(format!("node_id={n1}")).await, 3);
    assert_eq!(total(format!("rule_id={r1}")).await, 3);
    assert_eq!(
        total(format!("user_id={alice}&node_id={n1}&rule_id={r1}")).await,
        1
    );
    let (_, body) = app
        .get("admin/detect-logs?per_page=3&page=2", Some(&admin))
        .await;
    assert_eq!(body["data"]["items"].as_array().unwrap().len(), 1);
    let (s, _) = app.get("admin/detect-logs?user_id=-1", Some(&admin)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.get("admin/detect-logs?user_id=abc", Some(&admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

async fn set(app: &TestApp, admin: &str, item: &str, value: &str) {
    let (s, body) = app
        .send(
            Method::PUT,
            &format!("admin/settings/{item}"),
            Some(admin),
            Some(&json!({ "value": value })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{item}: {body}");
}

async fn run_job(app: &TestApp, at: i64) -> u64 {
    let now = Utc.timestamp_opt(at, 0).unwrap();
    jobs::run(&app.state, Job::DetectBan, now)
        .await
        .unwrap()
        .unwrap()
}

async fn enabled(app: &TestApp, user: i64) -> i64 {
    app.scalar_i64(&format!("SELECT enable FROM user WHERE id = {user}"))
        .await
}

async fn repeated_hits_ban_for_a_time_then_the_job_lifts_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, admin) = app.admin_token().await;
    let (carol, _) = app
        .register_and_login("carol@example.com", "password-1")
        .await;
    let (dave, _) = app
        .register_and_login("dave@example.com", "password-1")
        .await;
    let node = seed_node(&app, "n").await;
    let rule = rule_id(&app, &admin, "torrent").await;
    let now = Utc::now().timestamp();

    // Off (the default): hits are kept and nobody is banned.
    report_hits(&app, node, &[(carol, rule); 5]).await;
    run_job(&app, now).await;
    assert_eq!(enabled(&app, carol).await, 1);

    set(&app, &admin, "enable_auto_detect_ban", "1").await;
    set(&app, &admin, "auto_detect_ban_number", "6").await;
    set(&app, &admin, "auto_detect_ban_time", "10").await;
    set(
        &app,
        &admin,
        "auto_detect_ban_allow_users",
        &format!("[{dave}]"),
    )
    .await;
    report_hits(&app, node, &[(dave, rule); 7]).await;
    run_job(&app, now).await;
    // 5 hits < 6: counted, not banned; an exempt user is never banned.
    assert_eq!(enabled(&app, carol).await, 1);
    assert_eq!(enabled(&app, dave).await, 1);
    let total = |u: i64| format!("SELECT all_detect_number FROM user WHERE id = {u}");
    assert_eq!(app.scalar_i64(&total(carol)).await, 5);
    assert_eq!(app.scalar_i64(&total(dave)).await, 7);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM detect_log WHERE status = 0").await,
        0
    );

    report_hits(&app, node, &[(carol, rule)]).await;
    run_job(&app, now).await;
    assert_eq!(enabled(&app, carol).await, 0);
    let ban = |col: &str| format!("SELECT {col} FROM detect_ban_log WHERE user_id = {carol}");
    assert_eq!(app.scalar_i64(&ban("detect_number")).await, 6);
    assert_eq!(app.scalar_i64(&ban("ban_time")).await, 10);
    assert_eq!(app.scalar_i64(&ban("all_detect_number")).await, 6);
    assert_eq!(app.scalar_i64(&ban("end_time")).await, now);
    assert_eq!(app.scalar_text(&ban("email")).await, "carol@example.com");
    let auto_logged = format!(
        "SELECT COUNT(*) FROM spanel_admin_log WHERE target = 'user:{carol}' AND action = 'user.detect_ban'"
    );
    assert_eq!(app.scalar_i64(&auto_logged).await, 1);
    // A disabled account cannot log in until the ban is lifted.
    let (s, _) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "carol@example.com", "password": "password-1"}),
        )
        .await;
    assert_ne!(s, StatusCode::OK);

    // Not yet: 9 minutes later the ban still holds; at 10 the job lifts it, once.
    run_job(&app, now + 9 * 60).await;
    assert_eq!(enabled(&app, carol).await, 0);
    run_job(&app, now + 10 * 60).await;
    assert_eq!(enabled(&app, carol).await, 1);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM spanel_detect_ban_lift WHERE user_id = {carol}")
        )
        .await,
        1
    );
    // Hits count again from the ban: 5 more do not ban, the sixth does.
    report_hits(&app, node, &[(carol, rule); 5]).await;
    run_job(&app, now + 11 * 60).await;
    assert_eq!(enabled(&app, carol).await, 1);

    // An operator's ban ends by the job; an operator's "disable" after it is never undone.
    let (s, body) = app
        .post(
            &format!("admin/users/{carol}/ban"),
            Some(&admin),
            &json!({"minutes": 1, "reason": "abuse report"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(enabled(&app, carol).await, 0);
    let (s, _) = app
        .post(
            &format!("admin/users/{carol}/enable"),
            Some(&admin),
            &json!({"enable": false, "reason": "closed for good"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    run_job(&app, Utc::now().timestamp() + 3600).await;
    assert_eq!(enabled(&app, carol).await, 0);
    let by_admin = format!(
        "SELECT COUNT(*) FROM spanel_admin_log WHERE target = 'user:{carol}' AND admin_id = {admin_id} \
         AND action IN ('user.ban', 'user.disable')"
    );
    assert_eq!(app.scalar_i64(&by_admin).await, 2);
}

both_backends!(
    rules_are_validated_and_logged,
    hits_are_browsed_by_user_node_and_rule,
    repeated_hits_ban_for_a_time_then_the_job_lifts_it,
);
