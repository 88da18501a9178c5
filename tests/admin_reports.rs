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

fn cents_sql(app: &TestApp, column: &str) -> String {
    spanel::db::cents_sum(app.db().backend(), column)
}

fn datetime_text(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

async fn insert_user(app: &TestApp, name: &str, reg: i64) -> i64 {
    app.exec(&format!(
        "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token) \
         VALUES ('{name}', '{name}@example.com', 'x', 'x', '{name}', 20000, '{}', 'default', '{name}')",
        datetime_text(reg)
    ))
    .await;
    app.scalar_i64(&format!(
        "SELECT id FROM user WHERE email = '{name}@example.com'"
    ))
    .await
}

async fn pay(app: &TestApp, user: i64, total: &str, status: i64, at: i64) -> i64 {
    app.exec(&format!(
        "INSERT INTO paylist (userid, total, status, tradeno, datetime) \
         VALUES ({user}, '{total}', {status}, 'tn-{user}-{at}-{total}', {at})"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM paylist").await
}

async fn buy(app: &TestApp, user: i64, price: &str, at: i64) {
    app.exec(&format!(
        "INSERT INTO bought (userid, shopid, datetime, renew, coupon, price) \
         VALUES ({user}, 1, {at}, 0, '', '{price}')"
    ))
    .await;
}

async fn roll_up_reports(app: &TestApp, at: i64) {
    let at = chrono::DateTime::from_timestamp(at, 0).unwrap();
    spanel::jobs::run(&app.state, spanel::jobs::Job::ReportRollup, at)
        .await
        .unwrap();
}

/// Every point of the money, orders and users charts over 30 days equals the sums over
/// `paylist`, `bought` and `user` for its UTC day.
async fn charts_match_base_tables(app: &TestApp, admin: &str) {
    let revenue = data(app, "admin/charts/revenue?days=30", admin).await;
    let orders = data(app, "admin/charts/orders?days=30", admin).await;
    let users = data(app, "admin/charts/users?days=30", admin).await;
    let money = |c: i64| spanel::db::Money::from_cents(c).to_string();
    for (i, point) in revenue["points"].as_array().unwrap().iter().enumerate() {
        let day = int(&point["at"]);
        let next = day + 86_400;
        let paid =
            format!("FROM paylist WHERE status = 1 AND datetime >= {day} AND datetime < {next}");
        let top_up_cents = app
            .scalar_i64(&format!("SELECT {} {paid}", cents_sql(app, "total")))
            .await;
        let top_ups = app.scalar_i64(&format!("SELECT COUNT(*) {paid}")).await;
        let payers = app
            .scalar_i64(&format!("SELECT COUNT(DISTINCT userid) {paid}"))
            .await;
        let bought = format!("FROM bought WHERE datetime >= {day} AND datetime < {next}");
        let purchase_cents = app
            .scalar_i64(&format!("SELECT {} {bought}", cents_sql(app, "price")))
            .await;
        let purchases = app.scalar_i64(&format!("SELECT COUNT(*) {bought}")).await;
        let new_users = app
            .scalar_i64(&format!(
                "SELECT COUNT(*) FROM user WHERE reg_date >= '{}' AND reg_date < '{}'",
                datetime_text(day),
                datetime_text(next)
            ))
            .await;
        assert_eq!(
            point["values"],
            json!([money(top_up_cents), money(purchase_cents)]),
            "revenue on {day}"
        );
        let o = &orders["points"][i];
        assert_eq!(int(&o["at"]), day);
        assert_eq!(
            o["values"],
            json!([top_ups.to_string(), purchases.to_string()]),
            "orders on {day}"
        );
        let u = &users["points"][i];
        assert_eq!(int(&u["at"]), day);
        assert_eq!(
            u["values"],
            json!([new_users.to_string(), payers.to_string()]),
            "users on {day}"
        );
    }
}

/// The charts' per-day aggregates (folded by primary-key watermark) plus the rows past the
/// watermark equal direct sums over SSPanel's tables: before the first fold (history), after it,
/// with rows written after the watermark, orders paid late (a recent one past the watermark, an
/// older one the watermark passed), and a purchase deleted behind the watermark (caught when the
/// next day's generation replaces the current one).
async fn chart_aggregates_equal_direct_sums(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let now = chrono::Utc::now().timestamp();
    let day = 86_400;
    let mut users = Vec::new();
    for i in 0..30 {
        // Registered over the last 20 days, ids following time.
        let reg = now - (30 - i) * 15 * 3600;
        users.push(insert_user(&app, &format!("c{i}"), reg).await);
    }
    for i in 0..60i64 {
        let status = if i % 4 == 0 { 0 } else { 1 };
        let total = format!("{}.{:02}", 1 + i % 7, (i * 37) % 100);
        pay(
            &app,
            users[(i % 10) as usize],
            &total,
            status,
            now - (60 - i) * 7 * 3600,
        )
        .await;
    }
    for i in 0..30i64 {
        let price = format!("{}.{:02}", 3 + i % 5, (i * 13) % 100);
        buy(
            &app,
            users[(i % 7) as usize],
            &price,
            now - (30 - i) * 13 * 3600,
        )
        .await;
    }
    // Unpaid orders: one of three days ago (the watermark passes it), one of two hours ago (the
    // watermark stops before it).
    let old_unpaid = pay(&app, users[3], "8.88", 0, now - 3 * day).await;
    let new_unpaid = pay(&app, users[4], "6.66", 0, now - 2 * 3600).await;
    charts_match_base_tables(&app, &admin).await;

    roll_up_reports(&app, now).await;
    let mark = |source: &str| {
        format!("SELECT mark FROM spanel_report_state WHERE name = 'chart:1:{source}'")
    };
    assert!(app.scalar_i64(&mark("paylist")).await >= old_unpaid);
    assert!(app.scalar_i64(&mark("paylist")).await < new_unpaid);
    // Users: the administrator signed up just now (younger than the settling time), so the
    // watermark waits before that id.
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM bought").await,
        app.scalar_i64("SELECT COALESCE(SUM(purchases), 0) FROM spanel_chart_daily WHERE gen = 1")
            .await
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM spanel_chart_pending WHERE gen = 1 AND order_id = {old_unpaid}"
        ))
        .await,
        1
    );
    charts_match_base_tables(&app, &admin).await;

    // Late payments and new rows after the watermark, read before the next fold.
    app.exec(&format!(
        "UPDATE paylist SET status = 1 WHERE id IN ({old_unpaid}, {new_unpaid})"
    ))
    .await;
    pay(&app, users[5], "4.20", 1, now - 30).await;
    pay(&app, users[3], "1.00", 1, now - 3 * day + 60).await;
    buy(&app, users[6], "9.99", now - 20).await;
    insert_user(&app, "late", now - 10).await;
    charts_match_base_tables(&app, &admin).await;
    roll_up_reports(&app, now + 300).await;
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM spanel_chart_pending WHERE order_id = {old_unpaid}"
        ))
        .await,
        0,
        "the late payment was folded"
    );
    assert!(app.scalar_i64(&mark("paylist")).await > new_unpaid);
    assert_eq!(
        app.scalar_i64(&mark("user")).await,
        app.scalar_i64("SELECT MAX(id) FROM user").await
    );
    charts_match_base_tables(&app, &admin).await;

    // A purchase deleted behind the watermark (as PHP's killUser does): the next day's
    // generation is folded from the first id and replaces the current one.
    app.exec("DELETE FROM bought WHERE id = (SELECT MIN(id) FROM (SELECT id FROM bought) b)")
        .await;
    roll_up_reports(&app, now + day).await;
    assert_eq!(
        app.scalar_i64("SELECT mark FROM spanel_report_state WHERE name = 'chart'")
            .await,
        2
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_chart_daily WHERE gen = 1")
            .await,
        0,
        "the old generation is dropped"
    );
    charts_match_base_tables(&app, &admin).await;
}

/// The top-users windows (per-user totals moved day by day and added to by the hourly roll-up),
/// with SSPanel's hourly history back-filled, equal direct sums of the per-day rows, page by page.
async fn top_windows_equal_direct_sums(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let now = chrono::Utc::now().timestamp();
    let day = 86_400;
    let today = now - now % day;
    let hour = now - now % 3600;
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(insert_user(&app, &format!("t{i}"), now - 40 * day).await);
    }
    // SSPanel's history: hourly rows 4 to 25 days ago, before spanel's first own day.
    let mut rows = Vec::new();
    for (k, u) in users.iter().enumerate() {
        for d in 4..=25i64 {
            let bytes = (k as i64 + 1) * 1_000_000 + d * 7919 + (k as i64 * d) % 13;
            rows.push(format!("({u}, 0, {bytes}, {})", today - d * day + 5 * 3600));
        }
    }
    // And spanel's own days (3 days ago to today), written as its roll-up writes them: into
    // `user_hourly_usage` and `spanel_traffic_daily` both (the back-fill must not count these).
    for (k, u) in users.iter().enumerate() {
        for d in 0..=3i64 {
            let at = today - d * day;
            if at >= hour {
                continue;
            }
            let (up, down) = ((k as i64 + 2) * 300_000 + d, (k as i64 * 7 + d) * 100_000);
            rows.push(format!("({u}, 0, {}, {at})", up + down));
            app.exec(&format!(
                "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES ({u}, {at}, {up}, {down})"
            ))
            .await;
        }
    }
    app.exec(&format!(
        "INSERT INTO user_hourly_usage (user_id, traffic, hourly_usage, datetime) VALUES {}",
        rows.join(", ")
    ))
    .await;
    let history_end = today - 3 * day;
    let history = app
        .scalar_i64(&format!(
            "SELECT SUM(hourly_usage) FROM user_hourly_usage WHERE datetime < {history_end}"
        ))
        .await;
    let own_days = app
        .scalar_i64("SELECT SUM(u + d) FROM spanel_traffic_daily")
        .await;

    // Built for yesterday's windows, then moved to today's.
    roll_up_reports(&app, now - day).await;
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COALESCE(SUM(u + d), 0) FROM spanel_traffic_daily WHERE day < {history_end}"
        ))
        .await,
        history,
        "history back-filled once"
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT SUM(u + d) FROM spanel_traffic_daily WHERE day >= {history_end}"
        ))
        .await,
        own_days,
        "spanel's own days are not counted twice"
    );
    roll_up_reports(&app, now).await;
    // A finished hour and the current one, not rolled up yet; the roll-up adds the finished one
    // to every window.
    for (k, u) in users.iter().enumerate() {
        for (at, bytes) in [(hour - 3600, 5_000_000 * (8 - k as i64)), (hour, 777)] {
            app.exec(&format!(
                "INSERT INTO spanel_traffic_hourly (user_id, hour, u, d) VALUES ({u}, {at}, {bytes}, 1)"
            ))
            .await;
        }
    }
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap();
    spanel::jobs::run(&app.state, spanel::jobs::Job::HourlyUsage, at)
        .await
        .unwrap();

    for span in [1i64, 7, 30] {
        let from_day = today - span * day;
        let st = app
            .scalar_i64(&format!(
                "SELECT mark FROM spanel_report_state WHERE name = 'top:{span}' AND target = mark"
            ))
            .await;
        assert_eq!(st, from_day, "window {span} is built for today");
        let expected: Vec<(i64, i64)> = {
            let mut all = Vec::new();
            for &u in &users {
                let b = app
                    .scalar_i64(&format!(
                        "SELECT COALESCE(SUM(u + d), 0) FROM spanel_traffic_daily \
                         WHERE user_id = {u} AND day >= {from_day}"
                    ))
                    .await;
                let window = app
                    .scalar_i64(&format!(
                        "SELECT COALESCE(SUM(bytes), 0) FROM spanel_traffic_top \
                         WHERE span = {span} AND user_id = {u}"
                    ))
                    .await;
                assert_eq!(window, b, "window {span}, user {u}");
                if b > 0 {
                    all.push((b, u));
                }
            }
            all.sort_by(|a, b| b.cmp(a));
            all.into_iter().map(|(b, u)| (u, b)).collect()
        };
        let mut got = Vec::new();
        for page in 1..=3 {
            let top = data(
                &app,
                &format!(
                    "admin/reports/top-users?from={}&to={now}&per_page=3&page={page}",
                    now - span * day
                ),
                &admin,
            )
            .await;
            assert_eq!(int(&top["from_day"]), from_day);
            for item in top["items"].as_array().unwrap() {
                got.push((int(&item["user_id"]), int(&item["bytes"])));
            }
            assert_eq!(top["has_more"], json!(got.len() < expected.len()));
        }
        assert_eq!(got, expected, "window {span}");
    }
    // A range that is no window is summed directly, with the same answer for the same days.
    let direct = data(
        &app,
        &format!(
            "admin/reports/top-users?from={}&to={now}&per_page=100",
            today - 2 * day
        ),
        &admin,
    )
    .await;
    let first = &direct["items"][0];
    let u = int(&first["user_id"]);
    assert_eq!(
        int(&first["bytes"]),
        app.scalar_i64(&format!(
            "SELECT SUM(u + d) FROM spanel_traffic_daily WHERE user_id = {u} AND day >= {}",
            today - 2 * day
        ))
        .await
    );
}

/// A window moved to a new day in several steps, with the hourly roll-up adding an hour between
/// them (to users already moved and users not yet moved), still equals the direct sums.
async fn window_moves_across_roll_ups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = chrono::Utc::now().timestamp();
    let day = 86_400;
    let today = now - now % day;
    let hour = now - now % 3600;
    // Users on both sides of the first 5,000-user step.
    let low = insert_user(&app, "low", now - 40 * day).await;
    app.exec(
        "INSERT INTO user (id, user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token) \
         VALUES (6000, 'high', 'high@example.com', 'x', 'x', 'high', 20000, '2026-01-01 00:00:00', 'default', 'high')",
    )
    .await;
    for u in [low, 6000] {
        for d in 1..=9i64 {
            app.exec(&format!(
                "INSERT INTO spanel_traffic_daily (user_id, day, u, d) VALUES ({u}, {}, {}, {})",
                today - d * day,
                u * 10 + d,
                d * 1000
            ))
            .await;
        }
    }
    roll_up_reports(&app, now - day).await;
    let (span, want) = (7, today - 7 * day);
    // The new target, then the first 5,000 users.
    spanel::service::report_rollup::top_step(&app.state, span, want, now)
        .await
        .unwrap();
    spanel::service::report_rollup::top_step(&app.state, span, want, now)
        .await
        .unwrap();
    assert_eq!(
        app.scalar_i64("SELECT pos FROM spanel_report_state WHERE name = 'top:7'")
            .await,
        5000,
        "half moved"
    );
    for u in [low, 6000] {
        app.exec(&format!(
            "INSERT INTO spanel_traffic_hourly (user_id, hour, u, d) VALUES ({u}, {}, 123, {u})",
            hour - 3600
        ))
        .await;
    }
    let at = chrono::DateTime::from_timestamp(now, 0).unwrap();
    spanel::jobs::run(&app.state, spanel::jobs::Job::HourlyUsage, at)
        .await
        .unwrap();
    roll_up_reports(&app, now).await;
    for u in [low, 6000] {
        for span in [1i64, 7, 30] {
            let direct = app
                .scalar_i64(&format!(
                    "SELECT COALESCE(SUM(u + d), 0) FROM spanel_traffic_daily \
                     WHERE user_id = {u} AND day >= {}",
                    today - span * day
                ))
                .await;
            let window = app
                .scalar_i64(&format!(
                    "SELECT COALESCE(SUM(bytes), 0) FROM spanel_traffic_top \
                     WHERE span = {span} AND user_id = {u}"
                ))
                .await;
            assert_eq!(window, direct, "user {u}, window {span}");
        }
    }
}

both_backends!(
    aggregates_equal_the_raw_rows,
    chart_aggregates_equal_direct_sums,
    top_windows_equal_direct_sums,
    window_moves_across_roll_ups,
    charts_answer_for_each_name,
    bad_input_is_refused,
    reports_as_json_and_csv,
);
