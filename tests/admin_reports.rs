//! Admin reports and charts read spanel's own aggregates: after traffic reported through the real
//! node API and the hourly roll-up, every figure equals the sum of the raw rows; the charts answer
//! for each name; bad input is refused; on SQLite and MariaDB.

mod common;

use std::collections::BTreeMap;

use common::{Backend, TestApp, MU_KEY};
use reqwest::StatusCode;
use serde_json::{json, Value};

use spanel::service::admin_charts::NAMES as CHARTS;

fn mu(path: &str, node: i64) -> String {
    format!("{path}?node_id={node}&key={MU_KEY}&muKey={MU_KEY}")
}

async fn seed_node(app: &TestApp, name: &str, rate: f64) -> i64 {
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) \
         VALUES ('{name}', 1, 'n.example.com', '{{}}', 11, {rate}, '127.0.0.1')"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

async fn report(app: &TestApp, node: i64, rows: Value) {
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/traffic", node)))
        .json(&json!({ "data": rows }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

async fn data(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, body) = app.get(path, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["data"].clone()
}

/// Traffic through the node API, then the figures before and after the roll-up.
async fn aggregates_equal_the_raw_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(
            app.register_and_login(&format!("r{i}@example.com"), "password-1")
                .await
                .0,
        );
    }
    let (n1, n2) = (
        seed_node(&app, "one", 1.0).await,
        seed_node(&app, "two", 2.0).await,
    );
    let mut raw_per_node: BTreeMap<i64, i64> = BTreeMap::new();
    for round in 1..=3i64 {
        for (k, &u) in users.iter().enumerate() {
            let (up, down) = (round * 1000 + k as i64, round * 7 + 3 * k as i64);
            let node = if k % 2 == 0 { n1 } else { n2 };
            report(&app, node, json!([{"user_id": u, "u": up, "d": down}])).await;
            *raw_per_node.entry(node).or_default() += up + down;
        }
    }
    app.state.traffic.write_usage_stats().await.unwrap();
    let now = chrono::Utc::now().timestamp();
    let charged = app
        .scalar_i64("SELECT SUM(u + d) FROM user WHERE email LIKE 'r%@example.com'")
        .await;
    assert!(charged > 0);

    // Before the roll-up the current hour is in the report, and it agrees with the overview.
    let range = format!("from={}&to={}", now - 2 * 86_400, now + 3600);
    let before = data(
        &app,
        &format!("admin/reports/usage?granularity=hour&{range}"),
        &admin,
    )
    .await;
    assert_eq!(before["total_bytes"], charged);
    let overview = data(&app, "admin/overview", &admin).await;
    assert_eq!(overview["traffic_today"], charged);

    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    spanel::jobs::run(&app.state, spanel::jobs::Job::HourlyUsage, later)
        .await
        .unwrap();
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_traffic_hourly")
            .await,
        0
    );
    let raw_total = app
        .scalar_i64("SELECT COALESCE(SUM(hourly_usage), 0) FROM user_hourly_usage")
        .await;
    assert_eq!(raw_total, charged);
    assert_eq!(
        app.scalar_i64("SELECT SUM(bytes) FROM spanel_traffic_total_hourly")
            .await,
        raw_total
    );

    // All users per hour: the same rows as SSPanel's table summed per hour.
    let after = data(
        &app,
        &format!("admin/reports/usage?granularity=hour&{range}"),
        &admin,
    )
    .await;
    assert_eq!(after["total_bytes"], raw_total);
    for row in after["rows"].as_array().unwrap() {
        assert_eq!(row["user_id"], 0);
        let hour = int(&row["period_start"]);
        let sum = app
            .scalar_i64(&format!(
                "SELECT SUM(hourly_usage) FROM user_hourly_usage WHERE datetime = {hour}"
            ))
            .await;
        assert_eq!(int(&row["bytes"]), sum);
    }

    // One user, and the ranking.
    for &u in &users {
        let mine = app
            .scalar_i64(&format!(
                "SELECT SUM(hourly_usage) FROM user_hourly_usage WHERE user_id = {u}"
            ))
            .await;
        let r = data(
            &app,
            &format!("admin/reports/usage?granularity=day&user_id={u}&{range}"),
            &admin,
        )
        .await;
        assert_eq!(r["total_bytes"], mine);
    }
    let top = data(
        &app,
        &format!("admin/reports/top-users?per_page=2&{range}"),
        &admin,
    )
    .await;
    let items = top["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(top["has_more"], true);
    let mut expected = Vec::new();
    for &u in &users {
        let b = app
            .scalar_i64(&format!(
                "SELECT SUM(hourly_usage) FROM user_hourly_usage WHERE user_id = {u}"
            ))
            .await;
        expected.push((b, u));
    }
    expected.sort_by(|a, b| b.cmp(a));
    for (item, (bytes, u)) in items.iter().zip(&expected) {
        assert_eq!(item["user_id"], *u);
        assert_eq!(item["bytes"], *bytes);
    }
    let page2 = data(
        &app,
        &format!("admin/reports/top-users?per_page=2&page=2&{range}"),
        &admin,
    )
    .await;
    assert_eq!(page2["items"][0]["user_id"], expected[2].1);
    assert_eq!(page2["has_more"], false);

    // Per day and per node in the charts.
    let traffic = data(&app, "admin/charts/traffic?days=3", &admin).await;
    let points = traffic["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    let sum: i64 = points.iter().map(|p| int(&p["values"][0])).sum();
    assert_eq!(sum, raw_total);
    let nodes = data(&app, "admin/charts/node-traffic?days=2", &admin).await;
    let got: BTreeMap<i64, i64> = nodes["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (int(&p["at"]), int(&p["values"][0])))
        .collect();
    assert_eq!(got, raw_per_node);
    for (node, bytes) in &raw_per_node {
        let bandwidth = app
            .scalar_i64(&format!(
                "SELECT node_bandwidth FROM node WHERE id = {node}"
            ))
            .await;
        assert_eq!(bandwidth, *bytes);
    }
}

/// Money and users per day equal the rows they count; every chart answers; nodes are sampled.
async fn charts_answer_for_each_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (u, _) = app
        .register_and_login("payer@example.com", "password-1")
        .await;
    let now = chrono::Utc::now().timestamp();
    for (total, status) in [("10.50", 1), ("2.25", 1), ("99.00", 0)] {
        app.exec(&format!(
            "INSERT INTO paylist (userid, total, status, tradeno, datetime) \
             VALUES ({u}, '{total}', {status}, 'tn-{total}', {now})"
        ))
        .await;
    }
    app.exec(&format!(
        "INSERT INTO bought (userid, shopid, datetime, renew, coupon, price) \
         VALUES ({u}, 1, {now}, 0, '', '7.30')"
    ))
    .await;
    seed_node(&app, "watched", 1.0).await;
    spanel::jobs::run(
        &app.state,
        spanel::jobs::Job::NodeMonitor,
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    for name in CHARTS {
        for days in [1, 7, 366] {
            let chart = data(&app, &format!("admin/charts/{name}?days={days}"), &admin).await;
            assert_eq!(chart["name"], name);
            assert_eq!(chart["days"], days);
            let width = chart["series"].as_array().unwrap().len();
            for p in chart["points"].as_array().unwrap() {
                assert_eq!(p["values"].as_array().unwrap().len(), width, "{name}: {p}");
            }
        }
    }
    let today =
        |chart: &Value| chart["points"].as_array().unwrap().last().unwrap()["values"].clone();
    let revenue = data(&app, "admin/charts/revenue?days=7", &admin).await;
    assert_eq!(revenue["points"].as_array().unwrap().len(), 7);
    assert_eq!(today(&revenue), json!(["12.75", "7.30"]));
    let orders = data(&app, "admin/charts/orders?days=7", &admin).await;
    assert_eq!(today(&orders), json!(["2", "1"]));
    let users = data(&app, "admin/charts/users?days=366", &admin).await;
    let new: i64 = users["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| int(&p["values"][0]))
        .sum();
    assert_eq!(new, app.scalar_i64("SELECT COUNT(*) FROM user").await);
    assert_eq!(today(&users)[1], "1");
    let online = data(&app, "admin/charts/nodes-online?days=1", &admin).await;
    let last = today(&online);
    assert_eq!(
        int(&last[1]),
        app.scalar_i64("SELECT COUNT(*) FROM node").await
    );
    assert_eq!(int(&last[0]), 0, "a node that never reported is not online");
}

async fn bad_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (_, user) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    for days in ["0", "367", "-1", "abc", "99999999999999999999"] {
        let (s, body) = app
            .get(&format!("admin/charts/traffic?days={days}"), Some(&admin))
            .await;
        assert!(s.is_client_error(), "days={days}: {s} {body}");
        assert_eq!(body["ret"], 0, "days={days}");
    }
    let (s, body) = app.get("admin/charts/pie?days=7", Some(&admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["ret"], 0);
    for name in CHARTS {
        let (s, _) = app.get(&format!("admin/charts/{name}"), Some(&user)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = app.get(&format!("admin/charts/{name}"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    for query in [
        "usage?granularity=hour&from=0&to=3456000",
        "usage?granularity=week",
        "usage?user_id=-4",
        "usage?format=xml",
        "top-users?per_page=101",
        "top-users?per_page=0",
        "top-users?page=0",
    ] {
        let (s, body) = app
            .get(&format!("admin/reports/{query}"), Some(&admin))
            .await;
        assert!(s.is_client_error(), "{query}: {s} {body}");
    }
    let doc = spanel::api::openapi();
    assert!(doc["paths"]["/app/api/v0/admin/charts/{name}"]["get"].is_object());
}

/// The reports from fixed aggregate rows, as JSON and as CSV.
async fn reports_as_json_and_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (a, _) = app.register_and_login("a@example.com", "password-1").await;
    let (b, _) = app.register_and_login("b@example.com", "password-1").await;
    let day = 1_767_225_600; // 2026-01-01 00:00:00 UTC
    for (hour, bytes) in [(0, 100), (3600, 50), (86_400, 7), (7200, 1000)] {
        app.exec(&format!(
            "INSERT INTO spanel_traffic_total_hourly (hour, bytes) VALUES ({}, {bytes})",
            day + hour
        ))
        .await;
    }
    for (u, off, up, down) in [(a, 0, 100, 50), (a, 86_400, 3, 4), (b, 0, 600, 400)] {
        app.exec(&format!(
            "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES ({u}, {}, {up}, {down})",
            day + off
        ))
        .await;
    }
    let range = format!("from={day}&to={}", day + 2 * 86_400);
    let r = data(
        &app,
        &format!("admin/reports/usage?granularity=day&{range}"),
        &admin,
    )
    .await;
    assert_eq!(r["total_bytes"], 1157);
    assert_eq!(
        r["rows"],
        json!([{"user_id": 0, "period_start": day, "bytes": 1150},
               {"user_id": 0, "period_start": day + 86_400, "bytes": 7}])
    );
    let resp = app
        .client
        .get(app.url(&format!(
            "admin/reports/usage?granularity=hour&format=csv&{range}"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "user_id,period_start,period_start_utc,bytes");
    assert_eq!(lines[1], format!("0,{day},2026-01-01 00:00:00,100"));
    assert_eq!(lines.len(), 5);

    let top = data(
        &app,
        &format!("admin/reports/top-users?limit=1&{range}"),
        &admin,
    )
    .await;
    assert_eq!(
        top["items"],
        json!([{"user_id": b, "email": "b@example.com", "bytes": 1000}])
    );
    let resp = app
        .client
        .get(app.url(&format!("admin/reports/top-users?format=csv&{range}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.text().await.unwrap(),
        format!("user_id,email,bytes\r\n{b},b@example.com,1000\r\n{a},a@example.com,157\r\n")
    );
}

both_backends!(
    aggregates_equal_the_raw_rows,
    charts_answer_for_each_name,
    bad_input_is_refused,
    reports_as_json_and_csv,
);
