//! Subscriptions end to end: every format parsed back, golden files, headers, logs, tokens,
//! filtering and rate limits, on both backends.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value as Json;
use serde_norway::Value as Yaml;

const TOKEN: &str = "goldentoken00001";
const UUID: &str = "11111111-2222-3333-4444-555555555555";
const SERVER_KEY: &str = "c2VydmVya2V5MTIzNDU2Nw==";
const GB: i64 = 1024 * 1024 * 1024;
/// 2099-01-01 00:00:00 UTC.
const EXPIRE: i64 = 4_070_908_800;

struct Fetched {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn fetch(app: &TestApp, path: &str, ua: &str) -> Fetched {
    let resp = app
        .client
        .get(app.url(path))
        .header("user-agent", ua)
        .send()
        .await
        .unwrap();
    Fetched {
        status: resp.status(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

/// A user with fixed secrets and token, and nodes of every sort plus three they must not see.
async fn fixture(app: &TestApp) -> i64 {
    let (id, _) = app
        .register_and_login("sub@example.com", "password123")
        .await;
    app.exec(&format!(
        "UPDATE `user` SET `uuid` = '{UUID}', `passwd` = 'p@ss', `port` = 10001, \
         `method` = 'aes-256-gcm', `protocol` = 'origin', `obfs` = 'plain', `u` = {}, `d` = {}, \
         `transfer_enable` = {}, `expire_in` = '2099-01-01 00:00:00', `class` = 1, `node_group` = 0 \
         WHERE `id` = {id}",
        GB,
        2 * GB,
        10 * GB
    ))
    .await;
    app.exec(&format!(
        "UPDATE `link` SET `token` = '{TOKEN}' WHERE `userid` = {id}"
    ))
    .await;
    let nodes = [
        ("SS Node", 1, "ss.example.com", "{}", 0, 0, 0),
        (
            "SS2022",
            1,
            "ss22.example.com",
            r#"{"method":"2022-blake3-aes-128-gcm","server_key":"c2VydmVya2V5MTIzNDU2Nw==","offset_port_node":"8388"}"#,
            1,
            1,
            0,
        ),
        (
            "VMess WS",
            1,
            "vmess.example.com",
            r#"{"offset_port_node":"443","network":"ws","path":"/ws","host":"cdn.example.com","security":"tls"}"#,
            11,
            0,
            0,
        ),
        (
            "VLESS Reality",
            1,
            "vless.example.com",
            r#"{"offset_port_node":"8443","enable_vless":"1","security":"reality","flow":"xtls-rprx-vision","reality-opts":{"public-key":"PUBKEY","short-id":"ab12","server-name":"www.apple.com"}}"#,
            11,
            0,
            0,
        ),
        (
            "Trojan",
            1,
            "trojan.example.com",
            r#"{"host":"tj.example.com"}"#,
            14,
            0,
            0,
        ),
        (
            "TUIC",
            1,
            "tuic.example.com",
            r#"{"offset_port_node":"8443","host":"tuic.example.com"}"#,
            2,
            0,
            0,
        ),
        ("VIP only", 1, "vip.example.com", "{}", 0, 5, 0),
        ("Group 2", 1, "g2.example.com", "{}", 14, 0, 2),
        ("Disabled", 0, "off.example.com", "{}", 0, 0, 0),
    ];
    for (name, kind, server, cfg, sort, class, group) in nodes {
        app.exec(&format!(
            "INSERT INTO `node` (`name`, `type`, `server`, `custom_config`, `sort`, `node_class`, \
             `node_group`) VALUES ('{name}', {kind}, '{server}', '{cfg}', {sort}, {class}, {group})"
        ))
        .await;
    }
    id
}

fn golden(name: &str, body: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_GOLDEN").is_ok() || !std::path::Path::new(&path).exists() {
        std::fs::write(&path, body).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(body, expected, "golden file {name} differs");
}

fn unb64(s: &str) -> Vec<u8> {
    let s = s
        .trim()
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn unb64_text(s: &str) -> String {
    String::from_utf8(unb64(s)).unwrap()
}

fn ss2022_user_key() -> String {
    use sha2::Digest;
    STANDARD.encode(&sha2::Sha256::digest(UUID.as_bytes())[..16])
}

fn check_headers(f: &Fetched, ext: &str) {
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    assert_eq!(
        f.headers["subscription-userinfo"],
        format!(
            "upload={}; download={}; total={}; expire={EXPIRE}",
            GB,
            2 * GB,
            10 * GB
        )
        .as_str()
    );
    assert_eq!(f.headers["profile-update-interval"], "24");
    assert_eq!(
        f.headers["content-disposition"],
        format!("attachment; filename*=UTF-8''spanel.{ext}").as_str()
    );
}

/// Checks an `ss://` link against the node's values.
fn check_ss(link: &str, method: &str, password: &str, host_port: &str, name: &str) {
    let rest = link.strip_prefix("ss://").unwrap();
    let (user, tail) = rest.split_once('@').unwrap();
    assert_eq!(unb64_text(user), format!("{method}:{password}"));
    let (hp, frag) = tail.split_once('#').unwrap();
    assert_eq!(hp, host_port);
    assert_eq!(frag, name);
}

async fn every_format_parses_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uid = fixture(&app).await;
    let mut fetches = 0;

    // Clash
    let f = fetch(&app, &format!("/sub/{TOKEN}/clash"), "test").await;
    fetches += 1;
    check_headers(&f, "yaml");
    golden("clash.yaml", &f.body);
    let y: Yaml = serde_norway::from_str(&f.body).unwrap();
    let proxies = y["proxies"].as_sequence().unwrap();
    let names: Vec<_> = proxies
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "SS Node",
            "SS2022",
            "VMess WS",
            "VLESS Reality",
            "Trojan",
            "TUIC"
        ]
    );
    assert_eq!(proxies[0]["type"].as_str(), Some("ss"));
    assert_eq!(proxies[0]["server"].as_str(), Some("ss.example.com"));
    assert_eq!(proxies[0]["port"].as_u64(), Some(10001));
    assert_eq!(proxies[0]["cipher"].as_str(), Some("aes-256-gcm"));
    assert_eq!(proxies[0]["password"].as_str(), Some("p@ss"));
    assert_eq!(proxies[1]["port"].as_u64(), Some(8388));
    assert_eq!(
        proxies[1]["password"].as_str().unwrap(),
        format!("{SERVER_KEY}:{}", ss2022_user_key())
    );
    assert_eq!(proxies[2]["type"].as_str(), Some("vmess"));
    assert_eq!(proxies[2]["uuid"].as_str(), Some(UUID));
    assert_eq!(proxies[2]["network"].as_str(), Some("ws"));
    assert_eq!(proxies[2]["tls"].as_bool(), Some(true));
    assert_eq!(proxies[2]["ws-opts"]["path"].as_str(), Some("/ws"));
    assert_eq!(
        proxies[2]["ws-opts"]["headers"]["Host"].as_str(),
        Some("cdn.example.com")
    );
    assert_eq!(proxies[3]["type"].as_str(), Some("vless"));
    assert_eq!(proxies[3]["flow"].as_str(), Some("xtls-rprx-vision"));
    assert_eq!(proxies[3]["servername"].as_str(), Some("www.apple.com"));
    assert_eq!(
        proxies[3]["reality-opts"]["public-key"].as_str(),
        Some("PUBKEY")
    );
    assert_eq!(
        proxies[3]["reality-opts"]["short-id"].as_str(),
        Some("ab12")
    );
    assert_eq!(proxies[4]["type"].as_str(), Some("trojan"));
    assert_eq!(proxies[4]["port"].as_u64(), Some(443));
    assert_eq!(proxies[4]["password"].as_str(), Some(UUID));
    assert_eq!(proxies[4]["sni"].as_str(), Some("tj.example.com"));
    assert_eq!(proxies[5]["type"].as_str(), Some("tuic"));
    assert_eq!(proxies[5]["password"].as_str(), Some("p@ss"));
    let groups = y["proxy-groups"].as_sequence().unwrap();
    assert_eq!(groups[0]["type"].as_str(), Some("select"));
    assert_eq!(groups[1]["type"].as_str(), Some("url-test"));
    assert_eq!(groups[1]["proxies"].as_sequence().unwrap().len(), 6);
    let rules = y["rules"].as_sequence().unwrap();
    assert_eq!(rules.last().unwrap().as_str(), Some("MATCH,Proxy"));

    // sing-box
    let f = fetch(&app, &format!("/sub/{TOKEN}?target=singbox"), "test").await;
    fetches += 1;
    check_headers(&f, "json");
    golden("singbox.json", &f.body);
    let j: Json = serde_json::from_str(&f.body).unwrap();
    let obs = j["outbounds"].as_array().unwrap();
    assert_eq!(obs[0]["type"], "selector");
    assert_eq!(obs[1]["type"], "urltest");
    let tags: Vec<_> = obs[2..]
        .iter()
        .map(|o| o["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "SS Node",
            "SS2022",
            "VMess WS",
            "VLESS Reality",
            "Trojan",
            "TUIC",
            "direct"
        ]
    );
    assert_eq!(obs[2]["type"], "shadowsocks");
    assert_eq!(obs[2]["server_port"], 10001);
    assert_eq!(obs[2]["method"], "aes-256-gcm");
    assert_eq!(obs[4]["transport"]["path"], "/ws");
    assert_eq!(obs[4]["tls"]["server_name"], "cdn.example.com");
    assert_eq!(obs[5]["tls"]["reality"]["public_key"], "PUBKEY");
    assert_eq!(obs[5]["tls"]["reality"]["short_id"], "ab12");
    assert_eq!(obs[6]["password"], UUID);
    assert_eq!(obs[7]["uuid"], UUID);

    // base64 URI list
    let f = fetch(&app, &format!("/sub/{TOKEN}/base64"), "test").await;
    fetches += 1;
    check_headers(&f, "txt");
    golden("base64.txt", &f.body);
    let text = unb64_text(&f.body);
    let links: Vec<_> = text.lines().collect();
    assert_eq!(links.len(), 5, "TUIC has no share link: {text}");
    check_ss(
        links[0],
        "aes-256-gcm",
        "p@ss",
        "ss.example.com:10001",
        "SS%20Node",
    );
    check_ss(
        links[1],
        "2022-blake3-aes-128-gcm",
        &format!("{SERVER_KEY}:{}", ss2022_user_key()),
        "ss22.example.com:8388",
        "SS2022",
    );
    let vmess: Json =
        serde_json::from_slice(&unb64(links[2].strip_prefix("vmess://").unwrap())).unwrap();
    assert_eq!(vmess["v"], "2");
    assert_eq!(vmess["ps"], "VMess WS");
    assert_eq!(vmess["add"], "vmess.example.com");
    assert_eq!(vmess["port"], "443");
    assert_eq!(vmess["id"], UUID);
    assert_eq!(vmess["aid"], "0");
    assert_eq!(vmess["net"], "ws");
    assert_eq!(vmess["type"], "none");
    assert_eq!(vmess["host"], "cdn.example.com");
    assert_eq!(vmess["path"], "/ws");
    assert_eq!(vmess["tls"], "tls");
    assert_eq!(vmess["sni"], "cdn.example.com");
    assert_eq!(
        links[3],
        format!(
            "vless://{UUID}@vless.example.com:8443?encryption=none&security=reality&type=tcp\
             &sni=www.apple.com&flow=xtls-rprx-vision&pbk=PUBKEY&sid=ab12&fp=chrome#VLESS%20Reality"
        )
    );
    assert_eq!(
        links[4],
        format!("trojan://{UUID}@trojan.example.com:443?sni=tj.example.com#Trojan")
    );

    // Shadowrocket
    let f = fetch(&app, &format!("/sub/{TOKEN}/shadowrocket"), "test").await;
    fetches += 1;
    check_headers(&f, "txt");
    golden("shadowrocket.txt", &f.body);
    let text = unb64_text(&f.body);
    assert_eq!(
        text.lines().next().unwrap(),
        "STATUS=↑:1.00GB,↓:2.00GB,TOT:10.00GB💡Expires:2099-01-01"
    );
    assert_eq!(text.lines().count(), 6);

    // Quantumult X
    let f = fetch(&app, &format!("/sub/{TOKEN}/quanx"), "test").await;
    fetches += 1;
    check_headers(&f, "txt");
    golden("quanx.txt", &f.body);
    let lines: Vec<_> = f.body.lines().collect();
    assert_eq!(lines.len(), 4, "VLESS and TUIC are left out: {}", f.body);
    assert_eq!(
        lines[0],
        "shadowsocks=ss.example.com:10001, method=aes-256-gcm, password=p@ss, fast-open=false, udp-relay=true, tag=SS Node"
    );
    assert!(lines[2].starts_with(&format!(
        "vmess=vmess.example.com:443, method=chacha20-poly1305, password={UUID}, obfs=wss, obfs-host=cdn.example.com, obfs-uri=/ws"
    )));
    assert!(lines[3].starts_with(&format!(
        "trojan=trojan.example.com:443, password={UUID}, over-tls=true, tls-host=tj.example.com"
    )));

    // Surge
    let f = fetch(&app, &format!("/sub/{TOKEN}/surge"), "test").await;
    fetches += 1;
    check_headers(&f, "conf");
    golden("surge.conf", &f.body);
    assert!(f.body.contains(
        "\nSS Node = ss, ss.example.com, 10001, encrypt-method=aes-256-gcm, password=p@ss, udp-relay=true\n"
    ));
    assert!(f.body.contains(&format!(
        "\nVMess WS = vmess, vmess.example.com, 443, username={UUID}, ws=true, ws-path=/ws, ws-headers=Host:cdn.example.com, tls=true, sni=cdn.example.com, skip-cert-verify=false, vmess-aead=true\n"
    )));
    assert!(f
        .body
        .contains("Proxy = select, Auto, SS Node, SS2022, VMess WS, Trojan\n"));
    assert!(!f.body.contains("VLESS"));

    // SIP008
    let f = fetch(&app, &format!("/sub/{TOKEN}/sip008"), "test").await;
    fetches += 1;
    check_headers(&f, "json");
    golden("sip008.json", &f.body);
    let j: Json = serde_json::from_str(&f.body).unwrap();
    assert_eq!(j["version"], 1);
    let servers = j["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2);
    assert_eq!(servers[0]["remarks"], "SS Node");
    assert_eq!(servers[0]["server"], "ss.example.com");
    assert_eq!(servers[0]["server_port"], 10001);
    assert_eq!(servers[0]["password"], "p@ss");
    assert_eq!(servers[0]["method"], "aes-256-gcm");
    assert_eq!(servers[1]["method"], "2022-blake3-aes-128-gcm");

    // One log row per fetch, with what was asked.
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM `user_subscribe_log` WHERE `user_id` = {uid}"
        ))
        .await,
        fetches
    );
    assert_eq!(
        app.scalar_text(
            "SELECT `subscribe_type` FROM `user_subscribe_log` ORDER BY `id` DESC LIMIT 1"
        )
        .await,
        "sip008"
    );
    assert_eq!(
        app.scalar_text(
            "SELECT `request_user_agent` FROM `user_subscribe_log` ORDER BY `id` DESC LIMIT 1"
        )
        .await,
        "test"
    );
    assert_eq!(
        app.scalar_text("SELECT `email` FROM `user_subscribe_log` ORDER BY `id` DESC LIMIT 1")
            .await,
        "sub@example.com"
    );
}

async fn user_agents_and_classic_links(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixture(&app).await;
    let f = fetch(&app, &format!("/sub/{TOKEN}"), "clash.meta/1.18").await;
    assert!(serde_norway::from_str::<Yaml>(&f.body).unwrap()["proxies"].is_sequence());
    let f = fetch(&app, &format!("/sub/{TOKEN}"), "sing-box 1.9").await;
    assert!(serde_json::from_str::<Json>(&f.body).unwrap()["outbounds"].is_array());
    let f = fetch(&app, &format!("/sub/{TOKEN}"), "v2rayNG/1.8").await;
    assert_eq!(unb64_text(&f.body).lines().count(), 5);
    let f = fetch(&app, &format!("/sub/{TOKEN}"), "Quantumult%20X/1.0").await;
    assert!(f.body.starts_with("shadowsocks="));

    // ?sub=1: SS and SSR only; ?sub=3: VMess only; ?clash=1: Clash.
    let f = fetch(&app, &format!("/link/{TOKEN}?sub=1"), "anything").await;
    let text = unb64_text(&f.body);
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.starts_with("ss://")));
    let f = fetch(&app, &format!("/link/{TOKEN}?sub=3"), "anything").await;
    let text = unb64_text(&f.body);
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with("vmess://"));
    let f = fetch(&app, &format!("/link/{TOKEN}?clash=1"), "anything").await;
    assert!(serde_norway::from_str::<Yaml>(&f.body).unwrap()["proxies"].is_sequence());
    let f = fetch(&app, &format!("/sub/{TOKEN}/nonsense"), "x").await;
    assert_eq!(f.status, StatusCode::BAD_REQUEST);
}

async fn tokens_404_and_reset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uid = fixture(&app).await;
    let unknown = fetch(&app, "/sub/nosuchtoken000", "x").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    app.exec(&format!(
        "UPDATE `user` SET `enable` = 0 WHERE `id` = {uid}"
    ))
    .await;
    let disabled = fetch(&app, &format!("/sub/{TOKEN}"), "x").await;
    assert_eq!(disabled.status, StatusCode::NOT_FOUND);
    assert_eq!(disabled.body, unknown.body);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM `user_subscribe_log`")
            .await,
        0
    );
    app.exec(&format!(
        "UPDATE `user` SET `enable` = 1 WHERE `id` = {uid}"
    ))
    .await;

    let token = app.login("sub@example.com", "password123").await;
    let (status, body) = app
        .post("user/sub/reset", Some(&token), &serde_json::json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["data"]["token"].as_str().unwrap().to_string();
    assert_ne!(new, TOKEN);
    assert!(body["data"]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/sub/{new}")));
    assert_eq!(
        app.scalar_text(&format!(
            "SELECT `token` FROM `link` WHERE `userid` = {uid}"
        ))
        .await,
        new
    );
    assert_eq!(
        fetch(&app, &format!("/sub/{TOKEN}"), "x").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(&app, &format!("/sub/{new}"), "x").await.status,
        StatusCode::OK
    );
    let (status, _) = app
        .post("user/sub/reset", None, &serde_json::json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn clash_names(body: &str) -> Vec<String> {
    let y: Yaml = serde_norway::from_str(body).unwrap();
    y["proxies"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

async fn class_group_and_state_filtering(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uid = fixture(&app).await;
    let url = format!("/sub/{TOKEN}/clash");

    // Class 0 loses the class-1 SS2022 node; group 2 gains the group-2 node.
    app.exec(&format!(
        "UPDATE `user` SET `class` = 0, `node_group` = 2 WHERE `id` = {uid}"
    ))
    .await;
    assert_eq!(
        clash_names(&fetch(&app, &url, "x").await.body),
        [
            "SS Node",
            "VMess WS",
            "VLESS Reality",
            "Trojan",
            "TUIC",
            "Group 2"
        ]
    );
    // Class 5 sees the VIP node.
    app.exec(&format!(
        "UPDATE `user` SET `class` = 5, `node_group` = 0 WHERE `id` = {uid}"
    ))
    .await;
    assert_eq!(clash_names(&fetch(&app, &url, "x").await.body).len(), 7);

    // Over quota: 200, headers, no nodes.
    app.exec(&format!(
        "UPDATE `user` SET `u` = {}, `d` = {} WHERE `id` = {uid}",
        5 * GB,
        5 * GB
    ))
    .await;
    let f = fetch(&app, &url, "x").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.headers.contains_key("subscription-userinfo"));
    assert!(clash_names(&f.body).is_empty());
    // Expired: same.
    app.exec(&format!(
        "UPDATE `user` SET `u` = 0, `d` = 0, `expire_in` = '2020-01-01 00:00:00' WHERE `id` = {uid}"
    ))
    .await;
    let f = fetch(&app, &url, "x").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(clash_names(&f.body).is_empty());
    // Administrators see every enabled node.
    app.exec(&format!(
        "UPDATE `user` SET `is_admin` = 1, `class` = 0 WHERE `id` = {uid}"
    ))
    .await;
    assert_eq!(clash_names(&fetch(&app, &url, "x").await.body).len(), 8);
}

async fn operator_template_and_rate_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixture(&app).await;
    app.state
        .settings
        .set(
            "sub_clash_template",
            "port: 7777\nproxy-groups:\n  - name: Pick\n    type: select\n    proxies: ['{{proxies}}', DIRECT]\nrules:\n  - GEOIP,CN,DIRECT\n",
        )
        .await
        .unwrap();
    app.state
        .settings
        .set("subscribe_rate_limit_per_hour", "3")
        .await
        .unwrap();
    let f = fetch(&app, &format!("/sub/{TOKEN}/clash"), "x").await;
    let y: Yaml = serde_norway::from_str(&f.body).unwrap();
    assert_eq!(y["port"].as_u64(), Some(7777));
    let group = y["proxy-groups"][0]["proxies"].as_sequence().unwrap();
    assert_eq!(group.len(), 7);
    assert_eq!(group[0].as_str(), Some("SS Node"));
    assert_eq!(group[6].as_str(), Some("DIRECT"));
    assert_eq!(y["rules"][1].as_str(), Some("MATCH,Pick"));
    assert_eq!(
        fetch(&app, &format!("/sub/{TOKEN}"), "x").await.status,
        StatusCode::OK
    );
    assert_eq!(
        fetch(&app, &format!("/sub/{TOKEN}"), "x").await.status,
        StatusCode::OK
    );
    assert_eq!(
        fetch(&app, &format!("/sub/{TOKEN}"), "x").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

both_backends!(
    every_format_parses_back,
    user_agents_and_classic_links,
    tokens_404_and_reset,
    class_group_and_state_filtering,
    operator_template_and_rate_limit,
);
