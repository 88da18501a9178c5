//! Node APIs through real HTTP on SQLite and MariaDB: XrayR's and SSR's calls, user filters,
//! concurrent traffic accounting exact to the byte, and bad input.

mod common;

use std::collections::HashMap;

use common::{Backend, TestApp, MU_KEY};
use reqwest::StatusCode;
use serde_json::{json, Value};

const GB: i64 = 1024 * 1024 * 1024;

/// Inserts `n` users able to use any class-0 node; returns their ids.
async fn seed_users(app: &TestApp, n: usize, tag: &str) -> Vec<i64> {
    let mut values = Vec::new();
    for i in 0..n {
        values.push(format!(
            "('{tag}{i}', '{tag}{i}@example.com', 'x', 'pw{i}', '{tag}-uuid-{i}', {port}, '2026-01-01 00:00:00', \
             'material', '{tag}ga{i}', '2099-01-01 00:00:00', {te}, 'aes-128-gcm', 1)",
            port = 20000 + i,
            te = 100 * GB
        ));
    }
    app.exec(&format!(
        "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, expire_in, \
         transfer_enable, method, enable) VALUES {}",
        values.join(", ")
    ))
    .await;
    let first = app
        .scalar_i64(&format!(
            "SELECT MIN(id) FROM user WHERE email LIKE '{tag}%'"
        ))
        .await;
    (first..first + n as i64).collect()
}

/// Inserts a node; returns its id.
async fn seed_node(app: &TestApp, sort: i64, rate: f64, extra: &str) -> i64 {
    let custom = r#"{"offset_port_node":"443","host":"cdn.example.com","network":"ws","path":"/ws","tls":"1"}"#;
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip{}) \
         VALUES ('node', 1, 'n.example.com', '{custom}', {sort}, {rate}, '127.0.0.1'{})",
        if extra.is_empty() { "" } else { ", " },
        extra
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

fn mu(path: &str, node: i64) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}node_id={node}&key={MU_KEY}&muKey={MU_KEY}")
}

async fn xrayr_conformance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let users = seed_users(&app, 3, "x").await;
    let node = seed_node(&app, 11, 1.0, "").await;

    // Node info, then the same with If-None-Match: 304 and an empty body.
    let url = app.url(&format!(
        "/mod_mu/nodes/{node}/info?key={MU_KEY}&muKey={MU_KEY}"
    ));
    let resp = app.client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""));
    let info: Value = resp.json().await.unwrap();
    assert_eq!(info["ret"], 1);
    assert_eq!(info["data"]["sort"], 11);
    assert_eq!(info["data"]["type"], "SSPanel-UIM");
    assert_eq!(info["data"]["version"], "2023.2");
    assert_eq!(info["data"]["custom_config"]["offset_port_node"], "443");
    assert_eq!(info["data"]["server"], "n.example.com");
    let resp = app
        .client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert!(resp.bytes().await.unwrap().is_empty());

    // Users: uuid-based fields for V2Ray, then 304 on the same ETag.
    let resp = app
        .client
        .get(app.url(&mu("/mod_mu/users", node)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["ret"], 1);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    let first = &data[0];
    assert_eq!(first["id"], users[0]);
    assert_eq!(first["uuid"], "x-uuid-0");
    assert!(first["node_speedlimit"].is_number());
    assert!(first["node_iplimit"].is_i64());
    assert!(first["alive_ip"].is_i64());
    let resp = app
        .client
        .get(app.url(&mu("/mod_mu/users", node)))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert!(
        app.scalar_i64(&format!(
            "SELECT node_heartbeat FROM node WHERE id = {node}"
        ))
        .await
            > 0
    );

    // Traffic, alive IPs, detect rules: the exact success body.
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/traffic", node)))
        .json(&json!({"data": [{"user_id": users[0], "u": 100, "d": 200}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"ret": 1, "data": "ok"})
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT u + d FROM user WHERE id = {}", users[0]))
            .await,
        300
    );
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/aliveip", node)))
        .json(&json!({"data": [{"user_id": users[0], "ip": "1.2.3.4"}, {"user_id": users[0], "ip": "5.6.7.8"}, {"user_id": users[1], "ip": "bogus"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"ret": 1, "data": "ok"})
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM alive_ip").await, 2);
    app.exec("INSERT INTO detect_list (name, text, regex, type) VALUES ('bt', 'BitTorrent', '(.*)torrent(.*)', 1)").await;
    let (status, rules) = app
        .get(&format!("/mod_mu/func/detect_rules?key={MU_KEY}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rules["data"][0]["regex"], "(.*)torrent(.*)");
    let (_, pong) = app
        .get(&format!("/mod_mu/func/ping?key={MU_KEY}"), None)
        .await;
    assert_eq!(pong, json!({"ret": 1, "data": "pong"}));

    // The global device count shows on the next (uncached) list, for every user: with a device
    // limit or without one (a node may apply its own limit).
    let app2 = app;
    app2.exec(&format!(
        "UPDATE user SET node_connector = 3 WHERE id = {}",
        users[0]
    ))
    .await;
    app2.exec(&format!(
        "INSERT INTO alive_ip (nodeid, userid, ip, datetime) VALUES ({node}, {}, '9.9.9.9', {})",
        users[1],
        chrono::Utc::now().timestamp()
    ))
    .await;
    app2.state.node_lists.clear().await;
    let (_, list) = app2.get(&mu("/mod_mu/users", node), None).await;
    assert_eq!(list["data"][0]["alive_ip"], 2);
    assert_eq!(list["data"][1]["id"], users[1]);
    assert_eq!(list["data"][1]["alive_ip"], 1);

    // A bad key: 401 and SSPanel's message; an unknown node: ret 0 "Node not found.".
    let (status, body) = app2
        .get(&format!("/mod_mu/users?node_id={node}&key=wrong"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["ret"], 0);
    assert_eq!(body["msg"], "Invalid request.");
    let (status, body) = app2.get(&mu("/mod_mu/users", 9999), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"ret": 0, "msg": "Node not found."}));
}

async fn ssr_manyuser_conformance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let users = seed_users(&app, 2, "s").await;
    let node = seed_node(&app, 0, 1.0, "").await;
    let (_, nodes) = app.get(&format!("/mod_mu/nodes?key={MU_KEY}"), None).await;
    assert_eq!(nodes["data"][0]["node_ip"], "127.0.0.1");
    let (_, list) = app.get(&mu("/mod_mu/users", node), None).await;
    let u = &list["data"][0];
    assert_eq!(u["id"], users[0]);
    assert_eq!(u["port"], 20000);
    assert_eq!(u["passwd"], "pw0");
    assert_eq!(u["method"], "aes-128-gcm");
    for key in [
        "u",
        "d",
        "transfer_enable",
        "enable",
        "protocol",
        "obfs",
        "is_multi_user",
        "forbidden_ip",
        "forbidden_port",
    ] {
        assert!(u.get(key).is_some(), "{key} missing for SSR");
    }
    // Legacy status post: exactly {"ret":1,"data":"ok"}.
    let resp = app
        .client
        .post(app.url(&format!("/mod_mu/nodes/{node}/info?key={MU_KEY}")))
        .json(&json!({"uptime": 123.5, "load": "0.10 0.20 0.30"}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"ret": 1, "data": "ok"}));
    assert_eq!(body.as_object().unwrap().len(), 2);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM node_info WHERE node_id = {node}"
        ))
        .await,
        1
    );
}

async fn user_filter_semantics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = seed_users(&app, 7, "f").await;
    let node = seed_node(&app, 11, 1.0, "").await;
    app.exec(&format!(
        "UPDATE node SET node_class = 1, node_group = 2 WHERE id = {node}"
    ))
    .await;
    app.exec("UPDATE user SET class = 1, node_group = 2").await;
    let [ok, disabled, expired, low_class, wrong_group, over_quota, admin] = ids[..] else {
        unreachable!()
    };
    app.exec(&format!("UPDATE user SET enable = 0 WHERE id = {disabled}"))
        .await;
    app.exec(&format!(
        "UPDATE user SET expire_in = '2020-01-01 00:00:00' WHERE id = {expired}"
    ))
    .await;
    app.exec(&format!("UPDATE user SET class = 0 WHERE id = {low_class}"))
        .await;
    app.exec(&format!(
        "UPDATE user SET node_group = 3 WHERE id = {wrong_group}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE user SET u = transfer_enable WHERE id = {over_quota}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE user SET is_admin = 1, enable = 0, class = 0, node_group = 9 WHERE id = {admin}"
    ))
    .await;
    let listed = |v: &Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let (_, list) = app.get(&mu("/mod_mu/users", node), None).await;
    assert_eq!(listed(&list), vec![ok, admin]);
    let (status, seed) = app
        .send(
            reqwest::Method::GET,
            &format!("node/users?node_id={node}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the seed API needs the Key header"
    );
    let resp = app
        .client
        .get(app.url(&format!("node/users?node_id={node}")))
        .header("Key", MU_KEY)
        .send()
        .await
        .unwrap();
    let seed: Value = {
        let _ = seed;
        resp.json().await.unwrap()
    };
    assert_eq!(listed(&seed), vec![ok, admin]);
    assert_eq!(seed["data"][0]["passwd"], "pw0");

    // keep_connect lists the over-quota user throttled to 1 Mbps.
    app.state.settings.set("keep_connect", "1").await.unwrap();
    app.state.node_lists.clear().await;
    let (_, list) = app.get(&mu("/mod_mu/users", node), None).await;
    assert_eq!(listed(&list), vec![ok, over_quota, admin]);
    assert_eq!(list["data"][1]["node_speedlimit"], 1);

    // A node past its bandwidth limit serves nobody.
    app.exec(&format!(
        "UPDATE node SET node_bandwidth_limit = 10, node_bandwidth = 10 WHERE id = {node}"
    ))
    .await;
    app.state.node_lists.clear().await;
    let (_, body) = app.get(&mu("/mod_mu/users", node), None).await;
    assert_eq!(body, json!({"ret": 0, "msg": "Node out of bandwidth."}));
    // A disabled node.
    app.exec(&format!("UPDATE node SET type = 0 WHERE id = {node}"))
        .await;
    app.state.node_lists.clear().await;
    let (_, body) = app
        .get(&format!("/mod_mu/nodes/{node}/info?key={MU_KEY}"), None)
        .await;
    assert_eq!(body, json!({"ret": 0, "msg": "Node is not enabled."}));
}

/// 64 concurrent nodes, many reports each, at several traffic rates: every byte is accounted.
async fn concurrent_reports_sum_exactly(backend: Backend) {
    concurrent_reports(backend, true).await
}

async fn per_row_baseline_is_exact_too(backend: Backend) {
    concurrent_reports(backend, false).await
}

async fn concurrent_reports(backend: Backend, batching: bool) {
    let app = TestApp::spawn_with(backend, |c| c.traffic_batching = batching).await;
    let users = seed_users(&app, 40, "c").await;
    let rates = [1.0, 0.5, 1.5, 0.7];
    let mut nodes = Vec::new();
    for r in rates {
        nodes.push(seed_node(&app, 11, r, "").await);
    }
    let reports_per_client = 8;
    let clients = 64;
    let mut expected: HashMap<i64, (u64, u64)> = HashMap::new();
    let mut expected_node: HashMap<i64, u64> = HashMap::new();
    let mut requests = Vec::new();
    for c in 0..clients {
        let node_idx = c % nodes.len();
        let node = nodes[node_idx];
        let rate = rates[node_idx] as f32 as f64;
        let mut bodies = Vec::new();
        for r in 0..reports_per_client {
            let rows: Vec<Value> = (0..10)
                .map(|k| {
                    let user = users[(c * 7 + r * 3 + k) % users.len()];
                    let (u, d) = (1000 + (c * 31 + k) as u64, 3 + (r * 17 + k) as u64);
                    let e = expected.entry(user).or_default();
                    e.0 += spanel::domain::node::charge(u, rate);
                    e.1 += spanel::domain::node::charge(d, rate);
                    *expected_node.entry(node).or_default() += u + d;
                    json!({"user_id": user, "u": u, "d": d})
                })
                .collect();
            bodies.push(json!({"data": rows}));
        }
        let client = app.client.clone();
        let seed_flavour = c % 2 == 0;
        let url = if seed_flavour {
            app.url("node/traffic")
        } else {
            app.url(&mu("/mod_mu/users/traffic", node))
        };
        requests.push(tokio::spawn(async move {
            for mut body in bodies {
                let mut req = client.post(&url);
                if seed_flavour {
                    body["node_id"] = json!(node);
                    req = req.header("Key", MU_KEY);
                }
                let resp = req.json(&body).send().await.unwrap();
                assert_eq!(resp.status(), StatusCode::OK);
                assert_eq!(resp.json::<Value>().await.unwrap()["ret"], 1);
            }
        }));
    }
    for r in requests {
        r.await.unwrap();
    }
    for (user, (u, d)) in &expected {
        let got_u = app
            .scalar_i64(&format!("SELECT u FROM user WHERE id = {user}"))
            .await;
        let got_d = app
            .scalar_i64(&format!("SELECT d FROM user WHERE id = {user}"))
            .await;
        assert_eq!((got_u as u64, got_d as u64), (*u, *d), "user {user}");
    }
    for (node, raw) in &expected_node {
        let got = app
            .scalar_i64(&format!(
                "SELECT node_bandwidth FROM node WHERE id = {node}"
            ))
            .await;
        assert_eq!(got as u64, *raw, "node {node}");
    }
    assert!(
        app.scalar_i64(&format!("SELECT MIN(t) FROM user WHERE id = {}", users[0]))
            .await
            > 0
    );
}

async fn bad_reports_apply_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let users = seed_users(&app, 2, "b").await;
    let node = seed_node(&app, 11, 1.0, "").await;
    let post = |body: String| {
        let client = app.client.clone();
        let url = app.url(&mu("/mod_mu/users/traffic", node));
        async move {
            let resp = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let invalid = json!({"ret": 0, "msg": "Invalid data."});
    let u0 = users[0];
    for body in [
        "not json".to_string(),
        r#"{"data": {"user_id": 1}}"#.to_string(),
        r#"{"nodata": []}"#.to_string(),
        format!(
            r#"{{"data": [{{"user_id": {u0}, "u": 5, "d": 5}}, {{"user_id": {u0}, "u": -1, "d": 0}}]}}"#
        ),
        format!(
            r#"{{"data": [{{"user_id": {u0}, "u": 5, "d": 5}}, {{"user_id": {u0}, "u": 1.5, "d": 0}}]}}"#
        ),
        format!(r#"{{"data": [{{"user_id": {u0}, "u": "5", "d": 5}}]}}"#),
    ] {
        let (status, answer) = post(body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(answer, invalid, "{body}");
    }
    assert_eq!(app.scalar_i64("SELECT SUM(u + d) FROM user").await, 0);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT node_bandwidth FROM node WHERE id = {node}"
        ))
        .await,
        0
    );

    // Unknown users are skipped; the known ones count; the raw bytes of skipped rows do not.
    let (_, answer) = post(format!(
        r#"{{"data": [{{"user_id": 999999, "u": 7, "d": 7}}, {{"user_id": {u0}, "u": 5, "d": 6}}]}}"#
    ))
    .await;
    assert_eq!(answer, json!({"ret": 1, "data": "ok"}));
    assert_eq!(app.scalar_i64("SELECT SUM(u + d) FROM user").await, 11);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT node_bandwidth FROM node WHERE id = {node}"
        ))
        .await,
        11
    );

    // Unknown node.
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/traffic", 424242)))
        .json(&json!({"data": [{"user_id": u0, "u": 1, "d": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"ret": 0, "msg": "Node not found."})
    );

    // The seed API answers with statuses and field errors.
    let seed = |body: Value| {
        let client = app.client.clone();
        let url = app.url("node/traffic");
        async move {
            let resp = client
                .post(url)
                .header("Key", MU_KEY)
                .json(&body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = seed(json!({"node_id": node, "data": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "data");
    let (status, _) = seed(json!({"node_id": 424242, "data": []})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = seed(json!({"data": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.scalar_i64("SELECT SUM(u + d) FROM user").await, 11);
}

async fn seed_online_heartbeat_and_info(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.redis_url = Some("redis://127.0.0.1:6379/".into())
    })
    .await;
    let users = seed_users(&app, 2, "o").await;
    let node = seed_node(&app, 14, 1.0, "").await;
    let post = |path: &'static str, body: Value| {
        let client = app.client.clone();
        let url = app.url(path);
        async move {
            let resp = client
                .post(url)
                .header("Key", MU_KEY)
                .json(&body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = post(
        "node/online",
        json!({"node_id": node, "count": 12, "data": [{"user_id": users[0], "ip": "9.9.9.9"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        spanel::service::node::online_count(&app.state, node).await,
        Some(12)
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT online_user FROM node_online_log WHERE node_id = {node}"
        ))
        .await,
        12
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM alive_ip").await, 1);
    let (status, _) = post(
        "node/heartbeat",
        json!({"node_id": node, "uptime": 1234.5, "load": "0.10 0.20 0.30"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM node_info WHERE node_id = {node}"
        ))
        .await,
        1
    );
    let (status, body) = post(
        "node/heartbeat",
        json!({"node_id": node, "uptime": -1.0, "load": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let resp = app
        .client
        .get(app.url(&format!("node/info/{node}")))
        .header("Key", MU_KEY)
        .send()
        .await
        .unwrap();
    let info: Value = resp.json().await.unwrap();
    assert_eq!(info["data"]["sort"], 14);
    assert_eq!(info["data"]["custom_config"]["host"], "cdn.example.com");
}

async fn node_endpoints_survive_redis_outage(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.redis_url = Some("redis://127.0.0.1:1/".into())
    })
    .await;
    let users = seed_users(&app, 1, "r").await;
    let node = seed_node(&app, 11, 1.0, "").await;
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/aliveip", node)))
        .json(&json!({"data": [{"user_id": users[0], "ip": "1.1.1.1"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"ret": 1, "data": "ok"})
    );
    assert_eq!(
        spanel::service::node::online_count(&app.state, node).await,
        Some(1)
    );
    let (status, _) = app.get(&mu("/mod_mu/users", node), None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn hourly_usage_reaches_sspanel_table(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let users = seed_users(&app, 1, "h").await;
    let node = seed_node(&app, 11, 2.0, "").await;
    let resp = app
        .client
        .post(app.url(&mu("/mod_mu/users/traffic", node)))
        .json(&json!({"data": [{"user_id": users[0], "u": 10, "d": 20}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    spanel::jobs::run(&app.state, spanel::jobs::Job::HourlyUsage, later)
        .await
        .unwrap();
    assert_eq!(
        app.scalar_i64("SELECT hourly_usage FROM user_hourly_usage")
            .await,
        60
    );
    assert_eq!(
        app.scalar_i64("SELECT traffic FROM user_hourly_usage")
            .await,
        60
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_traffic_hourly")
            .await,
        0
    );
}

async fn unknown_node_ips_are_refused_when_checked(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.check_node_ip = true;
        c.trust_proxy = true;
    })
    .await;
    let node = seed_node(&app, 11, 1.0, "").await;
    app.exec(&format!(
        "UPDATE node SET node_ip = '198.51.100.7' WHERE id = {node}"
    ))
    .await;
    let get = |ip: &'static str| {
        let client = app.client.clone();
        let url = app.url(&mu("/mod_mu/users", node));
        async move {
            let resp = client
                .get(url)
                .header("X-Forwarded-For", ip)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = get("203.0.113.9").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"ret": 0, "msg": "Invalid request IP."}));
    let (status, body) = get("198.51.100.7").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ret"], 1);
}

both_backends!(
    unknown_node_ips_are_refused_when_checked,
    xrayr_conformance,
    ssr_manyuser_conformance,
    user_filter_semantics,
    concurrent_reports_sum_exactly,
    per_row_baseline_is_exact_too,
    bad_reports_apply_nothing,
    seed_online_heartbeat_and_info,
    node_endpoints_survive_redis_outage,
    hourly_usage_reaches_sspanel_table,
);
