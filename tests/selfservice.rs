//! The user's node list and own proxy settings through real HTTP, on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn add_node(app: &TestApp, name: &str, info: &str, class: i64, group: i64) -> i64 {
    app.exec(&format!(
        "INSERT INTO `node` (`name`, `type`, `server`, `custom_config`, `info`, `sort`, \
         `traffic_rate`, `node_class`, `node_group`) \
         VALUES ('{name}', 1, '{name}.example.com', '{{}}', '{info}', 0, 1.5, {class}, {group})"
    ))
    .await;
    app.scalar_i64(&format!("SELECT id FROM node WHERE name = '{name}'"))
        .await
}

async fn nodes(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, b) = app.get("user/nodes", Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["data"].as_array().unwrap().clone()
}

async fn my_nodes_and_proxy_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tokyo = add_node(&app, "tokyo", "Japan", 0, 0).await;
    add_node(&app, "vip", "VIP only", 5, 0).await;
    add_node(&app, "other", "Group 3", 0, 3).await;
    let (uid, token) = app.register_and_login("me@example.com", "password-1").await;
    let port = app
        .scalar_i64(&format!("SELECT port FROM user WHERE id = {uid}"))
        .await;

    // Only the node the class and group rules allow; offline until it reports.
    let list = nodes(&app, &token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let n = &list[0];
    assert_eq!(n["id"], tokyo);
    assert_eq!(n["remark"], "Japan");
    assert_eq!(n["traffic_rate"], 1.5);
    assert_eq!(n["protocol"], "ss");
    assert_eq!(n["port"], port);
    assert_eq!(n["online"], false);
    assert!(n["link"].as_str().unwrap().starts_with("ss://"));
    // A new account gets an AEAD method every format carries.
    assert_eq!(n["not_in"], json!([]));
    let now = chrono::Utc::now().timestamp();
    app.exec(&format!(
        "UPDATE node SET node_heartbeat = {now} WHERE id = {tokyo}; \
         INSERT INTO node_online_log (node_id, online_user, log_time) VALUES ({tokyo}, 7, {now}); \
         INSERT INTO node_info (node_id, uptime, `load`, log_time) VALUES ({tokyo}, 100, '0.5 0.4 0.3', {now})"
    ))
    .await;
    let n = &nodes(&app, &token).await[0];
    assert_eq!(
        (n["online"].clone(), n["online_users"].clone()),
        (json!(true), json!(7))
    );
    assert_eq!(n["load"], "0.5 0.4 0.3");

    // Choices the operator allows; others change nothing.
    let (s, b) = app.get("user/proxy", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["method"], "aes-128-gcm");
    assert!(b["data"]["methods"]
        .as_array()
        .unwrap()
        .contains(&json!("2022-blake3-aes-256-gcm")));
    let put = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.send(
                reqwest::Method::PUT,
                "user/proxy",
                Some(&token),
                Some(&body),
            )
            .await
        }
    };
    let (s, b) = put(json!({"method": "rc4-md5"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, _) = put(json!({"method": "aes-256-gcm", "obfs": "evil"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.scalar_text(&format!("SELECT method FROM user WHERE id = {uid}"))
            .await,
        "aes-128-gcm"
    );
    let (s, b) =
        put(json!({"method": "aes-256-gcm", "protocol": "auth_aes128_md5", "obfs": "http_simple"}))
            .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let n = &nodes(&app, &token).await[0];
    assert_eq!(n["protocol"], "ssr");
    let formats: Vec<&str> = n["not_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["format"].as_str().unwrap())
        .collect();
    assert!(formats.contains(&"singbox"), "{formats:?}");
    let (s, _) = put(json!({"method": "aes-256-gcm", "protocol": "origin", "obfs": "plain"})).await;
    assert_eq!(s, StatusCode::OK);

    // A stream cipher left from PHP SSPanel: sing-box leaves the node out, and the list says so.
    app.exec(&format!(
        "UPDATE user SET method = 'chacha20-ietf' WHERE id = {uid}"
    ))
    .await;
    let n = &nodes(&app, &token).await[0];
    assert_eq!(n["not_in"][0]["format"], "singbox", "{n}");
    let (_, me) = app.get("user/me", Some(&token)).await;
    let sub = me["data"]["subscription"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, body) = app.get(&format!("/sub/{sub}?target=singbox"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.to_string().contains("shadowsocks"), "{body}");

    // Renewing each credential.
    for (what, column) in [("passwd", "passwd"), ("uuid", "uuid"), ("port", "port")] {
        let before = app
            .scalar_text(&format!("SELECT {column} FROM user WHERE id = {uid}"))
            .await;
        let (s, b) = app
            .post("user/proxy/reset", Some(&token), &json!({"what": what}))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let after = app
            .scalar_text(&format!("SELECT {column} FROM user WHERE id = {uid}"))
            .await;
        assert_ne!(before, after, "{what}");
    }
    let new_port = app
        .scalar_i64(&format!("SELECT port FROM user WHERE id = {uid}"))
        .await;
    assert!((10000..=65000).contains(&new_port));
    assert_eq!(nodes(&app, &token).await[0]["port"], new_port);
    // The node's next poll of its user list carries the new credentials.
    let (s, list) = app
        .get(
            &format!("/mod_mu/users?node_id={tokyo}&key={}", common::MU_KEY),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let me_on_node = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == uid)
        .expect("the user is on the node's list")
        .clone();
    assert_eq!(me_on_node["port"], new_port);
    assert_eq!(
        me_on_node["passwd"],
        app.scalar_text(&format!("SELECT passwd FROM user WHERE id = {uid}"))
            .await
            .as_str()
    );
    assert_eq!(me_on_node["method"], "chacha20-ietf");
    let (s, _) = app
        .post("user/proxy/reset", Some(&token), &json!({"what": "email"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // An account out of traffic sees no nodes.
    app.exec(&format!(
        "UPDATE user SET u = transfer_enable WHERE id = {uid}"
    ))
    .await;
    assert!(nodes(&app, &token).await.is_empty());
}

both_backends!(my_nodes_and_proxy_settings);
