//! The users-list cache a fleet relies on, through real HTTP on SQLite and MariaDB: changes show
//! within the refresh period without anyone clearing the cache, usage counters alone do not move
//! the ETag, device counts follow `alive_ip` rows from any writer, heartbeats of simultaneous polls
//! are stored before each answer, and pruning goes in bounded id ranges.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestApp, MU_KEY};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.node_list_cache_secs = 1).await
}

async fn add_users(app: &TestApp, tag: &str, n: usize) {
    for i in 0..n {
        app.exec(&format!(
            "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, \
             expire_in, transfer_enable, method, enable, node_connector) VALUES ('{tag}{i}', \
             '{tag}{i}@example.com', 'x', 'pw', '{tag}-uuid-{i}', {port}, '2026-01-01 00:00:00', \
             'material', '{tag}ga{i}', '2099-01-01 00:00:00', 1000000, 'aes-128-gcm', 1, 2)",
            port = 40000 + i
        ))
        .await;
    }
}

async fn add_node(app: &TestApp, sort: i64) -> i64 {
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) \
         VALUES ('n', 1, 'n.example.com', '{{}}', {sort}, 1, '127.0.0.1')"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

/// One poll as XrayR makes it: (status, ETag, body or Null on 304).
async fn poll(app: &TestApp, node: i64, etag: Option<&str>) -> (StatusCode, String, Value) {
    let mut req = app.client.get(app.url(&format!(
        "/mod_mu/users?node_id={node}&key={MU_KEY}&muKey={MU_KEY}"
    )));
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let tag = resp.headers()["etag"].to_str().unwrap().to_string();
    let body = if status == StatusCode::OK {
        resp.json().await.unwrap()
    } else {
        Value::Null
    };
    (status, tag, body)
}

/// Polls until `done` holds for a full answer, within the contract's 10 s; returns it.
async fn poll_until(app: &TestApp, node: i64, done: impl Fn(&Value) -> bool) -> (String, Value) {
    let start = Instant::now();
    loop {
        let (status, tag, body) = poll(app, node, None).await;
        assert_eq!(status, StatusCode::OK);
        if done(&body) {
            return (tag, body);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not within 10 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn ids(body: &Value) -> usize {
    body["data"].as_array().unwrap().len()
}

async fn changes_show_without_clearing(backend: Backend) {
    let app = spawn(backend).await;
    add_users(&app, "a", 3).await;
    let node = add_node(&app, 11).await;
    let (status, tag, body) = poll(&app, node, None).await;
    assert_eq!((status, ids(&body)), (StatusCode::OK, 3));
    let (status, same, _) = poll(&app, node, Some(&tag)).await;
    assert_eq!(
        (status, same.as_str()),
        (StatusCode::NOT_MODIFIED, tag.as_str())
    );

    // A user added behind spanel's back (the PHP panel, an admin) shows within the period.
    add_users(&app, "b", 1).await;
    let (new_tag, _) = poll_until(&app, node, |b| ids(b) == 4).await;
    assert_ne!(new_tag, tag);
    // And a disabled one disappears.
    app.exec("UPDATE user SET enable = 0 WHERE email = 'a0@example.com'")
        .await;
    poll_until(&app, node, |b| ids(b) == 3).await;
}

async fn usage_alone_keeps_the_etag(backend: Backend) {
    let app = spawn(backend).await;
    add_users(&app, "u", 2).await;
    let node = add_node(&app, 0).await;
    let user = app
        .scalar_i64("SELECT id FROM user WHERE email = 'u0@example.com'")
        .await;
    let (_, tag, body) = poll(&app, node, None).await;
    assert_eq!(body["data"][0]["u"], 0);
    let (_, traffic) = app
        .post(
            &format!("/mod_mu/users/traffic?node_id={node}&key={MU_KEY}"),
            None,
            &json!({"data": [{"user_id": user, "u": 10, "d": 20}]}),
        )
        .await;
    assert_eq!(traffic, json!({"ret": 1, "data": "ok"}));
    // Past two refresh periods, the list is still the same to the node: 304.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (status, same, _) = poll(&app, node, Some(&tag)).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert_eq!(same, tag);
    }
    // Crossing the quota is not informational: the user is dropped within the period.
    app.exec(&format!(
        "UPDATE user SET u = transfer_enable WHERE id = {user}"
    ))
    .await;
    poll_until(&app, node, |b| ids(b) == 1).await;
}

async fn device_counts_follow_alive_ip(backend: Backend) {
    let app = spawn(backend).await;
    add_users(&app, "d", 1).await;
    let node = add_node(&app, 11).await;
    let user = app.scalar_i64("SELECT MIN(id) FROM user").await;
    let (_, body) = poll_until(&app, node, |b| ids(b) == 1).await;
    assert_eq!(body["data"][0]["alive_ip"], 0);
    let (_, ok) = app
        .post(
            &format!("/mod_mu/users/aliveip?node_id={node}&key={MU_KEY}"),
            None,
            &json!({"data": [{"user_id": user, "ip": "1.1.1.1"}, {"user_id": user, "ip": "2.2.2.2"}]}),
        )
        .await;
    assert_eq!(ok, json!({"ret": 1, "data": "ok"}));
    poll_until(&app, node, |b| b["data"][0]["alive_ip"] == 2).await;
    // Rows written by another panel count too (the same IP again does not); rows older than five
    // minutes do not.
    let now = chrono::Utc::now().timestamp();
    app.exec(&format!(
        "INSERT INTO alive_ip (nodeid, userid, ip, datetime) VALUES ({node}, {user}, '3.3.3.3', {now}), \
         ({node}, {user}, '1.1.1.1', {now}), ({node}, {user}, '4.4.4.4', {})",
        now - 600
    ))
    .await;
    poll_until(&app, node, |b| b["data"][0]["alive_ip"] == 3).await;
}

/// 40 nodes poll at once (their heartbeats go to the database together): each answer comes after
/// its own node's heartbeat is stored, and a later heartbeat is never moved back.
async fn simultaneous_polls_store_every_heartbeat(backend: Backend) {
    let app = spawn(backend).await;
    add_users(&app, "h", 1).await;
    let mut nodes = Vec::new();
    for _ in 0..40 {
        nodes.push(add_node(&app, 11).await);
    }
    let future = chrono::Utc::now().timestamp() + 3600;
    app.exec(&format!(
        "UPDATE node SET node_heartbeat = {future} WHERE id = {}",
        nodes[0]
    ))
    .await;
    let before = chrono::Utc::now().timestamp();
    let polls = nodes.iter().map(|node| {
        let app = &app;
        async move {
            let (status, _, _) = poll(app, *node, None).await;
            assert_eq!(status, StatusCode::OK);
            app.scalar_i64(&format!(
                "SELECT node_heartbeat FROM node WHERE id = {node}"
            ))
            .await
        }
    });
    let beats = futures::future::join_all(polls).await;
    assert_eq!(beats[0], future);
    for beat in &beats[1..] {
        assert!(
            *beat >= before,
            "heartbeat {beat} not stored before the answer"
        );
    }
}

async fn pruning_goes_in_id_ranges(backend: Backend) {
    use spanel::db::node::{first_id_since, prune_by_id, TIME_ORDERED};
    let app = spawn(backend).await;
    let node = add_node(&app, 11).await;
    let cutoff = 1_000_000;
    // 23 old rows and 4 recent ones, with a gap in the ids.
    let mut values: Vec<String> = (0..23)
        .map(|i| format!("({node}, 1, '10.0.0.{i}', {})", cutoff - 100 + i))
        .collect();
    values.extend((0..4).map(|i| format!("({node}, 1, '10.0.1.{i}', {})", cutoff + i)));
    app.exec(&format!(
        "INSERT INTO alive_ip (nodeid, userid, ip, datetime) VALUES {}",
        values.join(", ")
    ))
    .await;
    app.exec("DELETE FROM alive_ip WHERE ip = '10.0.0.5'").await;
    let first_new = app
        .scalar_i64(&format!(
            "SELECT MIN(id) FROM alive_ip WHERE datetime >= {cutoff}"
        ))
        .await;
    let (boundary, _) = first_id_since(app.db(), TIME_ORDERED[0], cutoff)
        .await
        .unwrap();
    assert_eq!(boundary, first_new);
    assert_eq!(
        prune_by_id(app.db(), TIME_ORDERED[0], cutoff, 4)
            .await
            .unwrap(),
        22
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM alive_ip").await, 4);
    assert_eq!(
        prune_by_id(app.db(), TIME_ORDERED[0], cutoff, 4)
            .await
            .unwrap(),
        0
    );
    // An empty table.
    assert_eq!(
        prune_by_id(app.db(), TIME_ORDERED[2], cutoff, 4)
            .await
            .unwrap(),
        0
    );
}

both_backends!(
    changes_show_without_clearing,
    usage_alone_keeps_the_etag,
    device_counts_follow_alive_ip,
    simultaneous_polls_store_every_heartbeat,
    pruning_goes_in_id_ranges,
);
