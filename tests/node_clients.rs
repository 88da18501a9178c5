//! The real node backends' SSPanel clients, request by request, on SQLite and MariaDB: each request
//! is replayed as the client sends it (method, path, query, headers, body and its JSON types), and
//! each answer is read the way the client reads it (Go structs mirrored as serde structs, which
//! refuse a wrong type as Go's decoder does; Python key access as `Value` lookups).
//!
//! - XrayR (XrayR-project/XrayR `api/sspanel`, go-resty): `key` and `muKey` on every query,
//!   `If-None-Match` on info, users and rules, Go's `Accept-Encoding: gzip`.
//! - V2bX's SSPanel client (the V2bX fork for SSPanel-Malio, `api/panel/sspanel.go`, go-resty):
//!   `key` only, integers where XrayR has floats, the status posted as a form.
//! - SSR manyuser (Anankke/shadowsocks-mod `webapi_utils.py` + `web_transfer.py`, requests): status
//!   must be 200 and every answer exactly two keys; the status post sends strings.

mod common;

use std::io::Read;

use common::{Backend, TestApp, MU_KEY};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

/// An answer as a client sees it: gzip undone when the server compressed.
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    gzipped: bool,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// Decodes the body into a client's type, as strictly as the client's decoder.
    fn decode<T: for<'de> Deserialize<'de>>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the client cannot decode: {e}: {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// How a client shapes its requests.
struct Client<'a> {
    app: &'a TestApp,
    /// Query parameters on every request.
    base_query: Vec<(&'static str, String)>,
    /// Headers on every request (User-Agent, Accept-Encoding).
    headers: Vec<(&'static str, &'static str)>,
}

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

impl Client<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        extra: &[(&str, String)],
        body: Body,
    ) -> Answer {
        let mut req = self
            .app
            .client
            .request(method, self.app.url(path))
            .query(&self.base_query)
            .query(query);
        for (k, v) in &self.headers {
            req = req.header(*k, *v);
        }
        for (k, v) in extra {
            req = req.header(*k, v);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&v).unwrap()),
            Body::Form(pairs) => req.form(&pairs),
        };
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let etag = resp
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        let gzipped = resp
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "gzip");
        let raw = resp.bytes().await.unwrap().to_vec();
        let body = if gzipped {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .expect("valid gzip");
            out
        } else {
            raw
        };
        Answer {
            status,
            etag,
            gzipped,
            body,
        }
    }
}

const GO_UA: &str = "go-resty/2.7.0 (https://github.com/go-resty/resty)";

/// Go's transport asks for gzip by itself and undoes it transparently.
fn xrayr(app: &TestApp) -> Client<'_> {
    Client {
        app,
        base_query: vec![("key", MU_KEY.into()), ("muKey", MU_KEY.into())],
        headers: vec![("user-agent", GO_UA), ("accept-encoding", "gzip")],
    }
}

fn v2bx(app: &TestApp) -> Client<'_> {
    Client {
        app,
        base_query: vec![("key", MU_KEY.into())],
        headers: vec![("user-agent", GO_UA), ("accept-encoding", "gzip")],
    }
}

fn ssr(app: &TestApp) -> Client<'_> {
    Client {
        app,
        base_query: vec![("key", MU_KEY.into())],
        headers: vec![
            ("user-agent", "python-requests/2.31.0"),
            ("accept-encoding", "gzip, deflate"),
            ("accept", "*/*"),
        ],
    }
}

/// A node of `sort` with XrayR's custom_config; returns its id.
async fn node(app: &TestApp, sort: i64, server: &str, speed: &str) -> i64 {
    let custom = r#"{"offset_port_node":"443","host":"cdn.example.com","method":"aes-128-gcm","network":"ws","security":"tls","path":"/ws","enable_vless":"0","verify_cert":true,"header":{"type":"none"}}"#;
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip, \
         node_speedlimit, mu_only) VALUES ('n{sort}', 1, '{server}', '{custom}', {sort}, 1.5, \
         '127.0.0.1,10.0.0.1', {speed}, 0)"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

/// Users `tag0…`: SSR fields filled, the second one a multi-user (single-port) carrier.
async fn users(app: &TestApp, n: usize, tag: &str) -> Vec<i64> {
    for i in 0..n {
        app.exec(&format!(
            "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, ga_token, \
             expire_in, transfer_enable, method, enable, protocol, obfs, obfs_param, is_multi_user, \
             node_speedlimit, node_connector) VALUES ('{tag}{i}', '{tag}{i}@example.com', 'x', \
             'pw{i}', '{tag}-uuid-{i}', {port}, '2026-01-01 00:00:00', 'material', '{tag}ga{i}', \
             '2099-01-01 00:00:00', 107374182400, 'chacha20-ietf', 1, 'auth_aes128_md5', \
             'http_simple', '', {multi}, {speed}, 3)",
            port = 30000 + i,
            multi = i64::from(i == 1),
            speed = if i == 0 { "0" } else { "12.50" },
        ))
        .await;
    }
    let first = app
        .scalar_i64(&format!(
            "SELECT MIN(id) FROM user WHERE email LIKE '{tag}%'"
        ))
        .await;
    (first..first + n as i64).collect()
}

async fn rule(app: &TestApp) -> i64 {
    app.exec("INSERT INTO detect_list (name, text, regex, type) VALUES ('bt', 'BitTorrent', '(.*)torrent(.*)', 1)")
        .await;
    app.scalar_i64("SELECT MAX(id) FROM detect_list").await
}

async fn used(app: &TestApp, user: i64) -> (i64, i64) {
    (
        app.scalar_i64(&format!("SELECT u FROM user WHERE id = {user}"))
            .await,
        app.scalar_i64(&format!("SELECT d FROM user WHERE id = {user}"))
            .await,
    )
}

// ---- XrayR's types (api/sspanel/model.go) ----

/// `Response{Ret uint; Data json.RawMessage}`: `data` is decoded later into the call's type.
#[derive(Deserialize)]
struct XrResponse {
    ret: u32,
    #[serde(default)]
    data: Value,
}

impl XrResponse {
    fn into<T: for<'de> Deserialize<'de>>(self) -> T {
        serde_json::from_value(self.data).expect("the client decodes data")
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct XrNodeInfo {
    node_group: i32,
    node_class: i32,
    node_speedlimit: f64,
    traffic_rate: f64,
    sort: i32,
    server: String,
    #[serde(rename = "type")]
    kind: String,
    custom_config: Value,
    version: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct XrCustomConfig {
    #[serde(default)]
    offset_port_node: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    network: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    enable_vless: String,
    #[serde(default)]
    verify_cert: bool,
    #[serde(default)]
    enable_reality: bool,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct XrUser {
    id: i32,
    #[serde(default)]
    passwd: String,
    #[serde(default)]
    port: u32,
    #[serde(default)]
    method: String,
    node_speedlimit: f64,
    node_iplimit: i32,
    #[serde(default)]
    uuid: String,
    alive_ip: i32,
}

#[derive(Deserialize)]
struct XrRule {
    id: i32,
    regex: String,
}

/// XrayR's `parseResponse`: an error above HTTP 400 or when `ret` is not 1.
fn xr_ok(a: &Answer) -> XrResponse {
    assert!(
        a.status.as_u16() <= 400,
        "{}: {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
    let r: XrResponse = a.decode();
    assert_eq!(r.ret, 1, "{}", String::from_utf8_lossy(&a.body));
    r
}

/// XrayR's `compareVersion(version, "2023.2")`, digit by digit as it does.
fn version_below(version: &str, than: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> {
        v.split('.')
            .map(|p| {
                p.bytes()
                    .fold(0u64, |x, b| x * 10 + u64::from(b.wrapping_sub(b'0')))
            })
            .collect()
    };
    let (a, b) = (parts(version), parts(than));
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x < y;
        }
    }
    false
}

async fn xrayr_cycle(backend: Backend) {
    // Below 2023.2 XrayR still posts its status, so the whole legacy path is exercised too.
    let app = TestApp::spawn_with(backend, |c| c.node_api_version = "2022.12".into()).await;
    let ids = users(&app, 3, "xr").await;
    let n = node(
        &app,
        11,
        "v.example.com;443;0;ws;tls;path=/ws|host=cdn.example.com",
        "0",
    )
    .await;
    let list_id = rule(&app).await;
    let c = xrayr(&app);
    let info_path = format!("/mod_mu/nodes/{n}/info");
    let node_q = [("node_id", n.to_string())];
    let empty_tag = [("if-none-match", String::new())];

    // 1. GET node info, If-None-Match empty on the first poll.
    let a = c
        .send(Method::GET, &info_path, &[], &empty_tag, Body::None)
        .await;
    let info: XrNodeInfo = xr_ok(&a).into();
    assert_eq!(info.sort, 11);
    assert_eq!(info.kind, "SSPanel-UIM");
    assert!(!version_below(&info.version, "2021.11"));
    assert!(version_below(&info.version, "2023.2"));
    let cfg: XrCustomConfig = serde_json::from_value(info.custom_config).unwrap();
    assert_eq!(cfg.offset_port_node.parse::<u32>().unwrap(), 443);
    assert_eq!((cfg.network.as_str(), cfg.security.as_str()), ("ws", "tls"));
    let node_tag = a.etag.clone().expect("ETag on node info");

    // 2. Node info again with the ETag: 304, empty body.
    let a = c
        .send(
            Method::GET,
            &info_path,
            &[],
            &[("if-none-match", node_tag)],
            Body::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);
    assert!(a.body.is_empty());

    // 3. GET users with node_id.
    let a = c
        .send(
            Method::GET,
            "/mod_mu/users",
            &node_q,
            &empty_tag,
            Body::None,
        )
        .await;
    assert!(a.gzipped, "Go asks for gzip and gets it");
    let list: Vec<XrUser> = xr_ok(&a).into();
    assert_eq!(
        list.iter().map(|u| i64::from(u.id)).collect::<Vec<_>>(),
        ids
    );
    assert_eq!(list[0].uuid, "xr-uuid-0");
    assert_eq!(list[1].node_speedlimit, 12.5);
    assert_eq!(list[1].node_iplimit, 3);
    let users_tag = a.etag.clone().expect("ETag on users");

    // 4. Users again with the ETag: 304.
    let a = c
        .send(
            Method::GET,
            "/mod_mu/users",
            &node_q,
            &[("if-none-match", users_tag)],
            Body::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);

    // 5. GET detect rules, then 304.
    let a = c
        .send(
            Method::GET,
            "/mod_mu/func/detect_rules",
            &[],
            &empty_tag,
            Body::None,
        )
        .await;
    let rules: Vec<XrRule> = xr_ok(&a).into();
    assert_eq!(
        (rules[0].id as i64, rules[0].regex.as_str()),
        (list_id, "(.*)torrent(.*)")
    );
    let a = c
        .send(
            Method::GET,
            "/mod_mu/func/detect_rules",
            &[],
            &[("if-none-match", a.etag.clone().unwrap())],
            Body::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);

    // 6. POST status (version < 2023.2): uptime and load as strings.
    let a = c
        .send(
            Method::POST,
            &info_path,
            &[],
            &[],
            Body::Json(json!({"uptime": "86400", "load": "0.05 0.41 0.33"})),
        )
        .await;
    xr_ok(&a);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM node_info WHERE node_id = {n} AND `load` = '0.05 0.41 0.33'"
        ))
        .await,
        1
    );

    // 7. POST alive IPs.
    let a = c
        .send(
            Method::POST,
            "/mod_mu/users/aliveip",
            &node_q,
            &[],
            Body::Json(
                json!({"data": [{"user_id": ids[0], "ip": "1.2.3.4"}, {"user_id": ids[0], "ip": "2001:db8::1"}]}),
            ),
        )
        .await;
    xr_ok(&a);

    // 8. POST traffic (int64 u/d), charged at the node's rate 1.5.
    let a = c
        .send(
            Method::POST,
            "/mod_mu/users/traffic",
            &node_q,
            &[],
            Body::Json(json!({"data": [{"user_id": ids[0], "u": 1000, "d": 3000}]})),
        )
        .await;
    xr_ok(&a);
    assert_eq!(used(&app, ids[0]).await, (1500, 4500));

    // 9. POST detect log.
    let a = c
        .send(
            Method::POST,
            "/mod_mu/users/detectlog",
            &node_q,
            &[],
            Body::Json(json!({"data": [{"list_id": list_id, "user_id": ids[0]}]})),
        )
        .await;
    xr_ok(&a);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM detect_log").await, 1);

    // 10. The legacy Shadowsocks path (DisableCustomConfig): users without If-None-Match; the
    // port comes from the first user.
    let a = c
        .send(Method::GET, "/mod_mu/users", &node_q, &[], Body::None)
        .await;
    let list: Vec<XrUser> = xr_ok(&a).into();
    assert!(list.iter().all(|u| u.alive_ip >= 0));

    // A wrong key is an error for XrayR (status > 400), with SSPanel's exact body.
    let bad = Client {
        app: &app,
        base_query: vec![("key", "wrong".into()), ("muKey", "wrong".into())],
        headers: vec![("user-agent", GO_UA)],
    };
    let a = bad
        .send(Method::GET, "/mod_mu/users", &node_q, &[], Body::None)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json(), json!({"ret": 0, "msg": "Invalid request."}));
}

// ---- V2bX's SSPanel client types (api/panel/sspanel.go) ----

#[derive(Deserialize)]
struct VxNodeResponse {
    ret: i32,
    data: VxNode,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct VxNode {
    node_group: i32,
    node_class: i32,
    node_speedlimit: i32,
    traffic_rate: f64,
    mu_only: i32,
    sort: i32,
    server: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    online: i32,
}

#[derive(Deserialize)]
struct VxUsersResponse {
    ret: i32,
    data: Vec<VxUser>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct VxUser {
    id: i32,
    #[serde(default)]
    passwd: String,
    #[serde(default)]
    port: i32,
    #[serde(default)]
    method: String,
    #[serde(default)]
    obfs: String,
    #[serde(default)]
    protocol: String,
    node_speedlimit: i32,
    #[serde(default)]
    is_multi_user: i32,
    #[serde(default)]
    u: i64,
    #[serde(default)]
    d: i64,
    node_connector: i32,
    uuid: String,
}

/// V2bX's `checkResponse`: an error from HTTP 400 on.
fn vx_status_ok(a: &Answer) {
    assert!(
        a.status.as_u16() < 400,
        "{}: {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
}

async fn v2bx_cycle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = users(&app, 2, "vx").await;
    // V2bX reads integers: the whole speed limits (0, 100) must come as JSON integers.
    app.exec(&format!(
        "UPDATE user SET node_speedlimit = 100 WHERE id = {}",
        ids[1]
    ))
    .await;
    let n = node(&app, 14, "t.example.com;port=443&host=t.example.com", "200").await;
    let c = v2bx(&app);
    let info_path = format!("/mod_mu/nodes/{n}/info");
    let node_q = [("node_id", n.to_string())];
    let empty_tag = [("if-none-match", String::new())];

    // 1. GET node info (key only).
    let a = c
        .send(Method::GET, &info_path, &[], &empty_tag, Body::None)
        .await;
    vx_status_ok(&a);
    let info: VxNodeResponse = a.decode();
    assert_eq!(info.ret, 1);
    assert_eq!(info.data.sort, 14);
    assert_eq!(info.data.node_speedlimit, 200);
    assert_eq!(info.data.traffic_rate, 1.5);
    let tag = a.etag.clone().unwrap();
    let a = c
        .send(
            Method::GET,
            &info_path,
            &[],
            &[("if-none-match", tag)],
            Body::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);

    // 2. GET users.
    let a = c
        .send(
            Method::GET,
            "/mod_mu/users",
            &node_q,
            &empty_tag,
            Body::None,
        )
        .await;
    vx_status_ok(&a);
    let list: VxUsersResponse = a.decode();
    assert_eq!(list.ret, 1);
    assert_eq!(list.data.len(), 2);
    assert_eq!(list.data[0].uuid, "vx-uuid-0");
    assert_eq!(list.data[1].node_speedlimit, 100);
    assert_eq!(list.data[1].node_connector, 3);
    let tag = a.etag.clone().unwrap();
    let a = c
        .send(
            Method::GET,
            "/mod_mu/users",
            &node_q,
            &[("if-none-match", tag)],
            Body::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_MODIFIED);

    // 3. POST traffic.
    let a = c
        .send(
            Method::POST,
            "/mod_mu/users/traffic",
            &node_q,
            &[],
            Body::Json(json!({"data": [{"user_id": ids[1], "u": 10, "d": 20}]})),
        )
        .await;
    vx_status_ok(&a);
    assert_eq!(a.json(), json!({"ret": 1, "data": "ok"}));
    assert_eq!(used(&app, ids[1]).await, (15, 30));

    // 4. POST alive IPs ({"ip","user_id"}).
    let a = c
        .send(
            Method::POST,
            "/mod_mu/users/aliveip",
            &node_q,
            &[],
            Body::Json(json!({"data": [{"ip": "5.6.7.8", "user_id": ids[1]}]})),
        )
        .await;
    vx_status_ok(&a);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM alive_ip WHERE userid = {}",
            ids[1]
        ))
        .await,
        1
    );

    // 5. POST status as a form, key only (no node_id): V2bX wants HTTP 200.
    let a = c
        .send(
            Method::POST,
            &info_path,
            &[],
            &[],
            Body::Form(vec![
                ("load", "0.12 0.34 0.56".into()),
                ("uptime", "3600".into()),
            ]),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());
    assert_eq!(a.json(), json!({"ret": 1, "data": "ok"}));
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM node_info WHERE node_id = {n} AND uptime = 3600"
        ))
        .await,
        1
    );
}

// ---- SSR manyuser (shadowsocks-mod) ----

/// `WebApi.getApi`/`postApi`: HTTP 200, exactly two keys, `ret` not 0; returns `data`.
fn ssr_data(a: &Answer) -> Value {
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    let v = a.json();
    let o = v.as_object().expect("an object");
    assert_eq!(o.len(), 2, "SSR requires exactly two keys: {v}");
    assert_ne!(o["ret"], json!(0), "{v}");
    o["data"].clone()
}

async fn ssr_cycle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = users(&app, 3, "ss").await;
    let n = node(&app, 0, "s.example.com", "0").await;
    let list_id = rule(&app).await;
    let c = ssr(&app);
    let node_q = [("node_id", n.to_string())];
    let info_path = format!("/mod_mu/nodes/{n}/info");

    // 1. GET func/ping.
    let a = c
        .send(Method::GET, "/mod_mu/func/ping", &[], &[], Body::None)
        .await;
    assert_eq!(ssr_data(&a), json!("pong"));

    // push_db_all_user: 2. traffic (also an empty report), 3. status with strings, 4. alive IPs,
    // 5. detect log (empty when nothing matched).
    for data in [json!([]), json!([{"u": 700, "d": 300, "user_id": ids[2]}])] {
        let a = c
            .send(
                Method::POST,
                "/mod_mu/users/traffic",
                &node_q,
                &[],
                Body::Json(json!({ "data": data })),
            )
            .await;
        assert_eq!(ssr_data(&a), json!("ok"));
    }
    assert_eq!(used(&app, ids[2]).await, (1050, 450));
    let a = c
        .send(
            Method::POST,
            &info_path,
            &node_q,
            &[],
            Body::Json(json!({"uptime": "1234.5", "load": "0.10 0.20 0.30\n"})),
        )
        .await;
    assert_eq!(ssr_data(&a), json!("ok"));
    assert_eq!(
        app.scalar_text(&format!("SELECT `load` FROM node_info WHERE node_id = {n}"))
            .await,
        "0.10 0.20 0.30"
    );
    for data in [json!([]), json!([{"ip": "9.9.9.9", "user_id": ids[2]}])] {
        let a = c
            .send(
                Method::POST,
                "/mod_mu/users/aliveip",
                &node_q,
                &[],
                Body::Json(json!({ "data": data })),
            )
            .await;
        assert_eq!(ssr_data(&a), json!("ok"));
    }
    for data in [json!([]), json!([{"list_id": list_id, "user_id": ids[2]}])] {
        let a = c
            .send(
                Method::POST,
                "/mod_mu/users/detectlog",
                &node_q,
                &[],
                Body::Json(json!({ "data": data })),
            )
            .await;
        assert_eq!(ssr_data(&a), json!("ok"));
    }

    // pull_db_all_user: 6. node info (no node_id query).
    let a = c.send(Method::GET, &info_path, &[], &[], Body::None).await;
    let info = ssr_data(&a);
    assert!(info["node_speedlimit"].as_f64().is_some());
    assert_eq!(info["traffic_rate"].as_f64(), Some(1.5));
    assert_eq!(info["mu_only"], json!(0));

    // 7. users: the keys and types web_transfer.py uses.
    let a = c
        .send(Method::GET, "/mod_mu/users", &node_q, &[], Body::None)
        .await;
    let rows = ssr_data(&a);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(row["is_multi_user"].is_i64(), "{row}");
        assert!(row["port"].is_i64() && row["id"].is_i64(), "{row}");
        // str(row["id"]) + row["passwd"] + row["method"] + row["obfs"] + row["protocol"]
        for k in ["passwd", "method", "obfs", "protocol"] {
            assert!(row[k].is_string(), "{k} in {row}");
        }
        for k in [
            "obfs_param",
            "protocol_param",
            "forbidden_ip",
            "forbidden_port",
        ] {
            assert!(row[k].is_string(), "{k} in {row}");
        }
        assert!(row["node_speedlimit"].as_f64().is_some(), "{row}");
    }
    assert_eq!(rows[1]["is_multi_user"], json!(1));
    assert_eq!(rows[0]["port"], json!(30000));

    // 8. nodes: str(node["node_ip"]).split(",")[0] of every node.
    let a = c
        .send(Method::GET, "/mod_mu/nodes", &[], &[], Body::None)
        .await;
    let nodes = ssr_data(&a);
    assert_eq!(
        nodes[0]["node_ip"].as_str().unwrap().split(',').next(),
        Some("127.0.0.1")
    );

    // 9. detect rules: int(rule["id"]), str(rule["regex"]), int(rule["type"]).
    let a = c
        .send(
            Method::GET,
            "/mod_mu/func/detect_rules",
            &[],
            &[],
            Body::None,
        )
        .await;
    let rules = ssr_data(&a);
    assert_eq!(rules[0]["id"].as_i64(), Some(list_id));
    assert_eq!(rules[0]["type"].as_i64(), Some(1));
    assert!(rules[0]["regex"].is_string());

    // A wrong key: SSPanel's exact two keys.
    let bad = Client {
        app: &app,
        base_query: vec![("key", "wrong".into())],
        headers: vec![],
    };
    let a = bad
        .send(Method::GET, "/mod_mu/func/ping", &[], &[], Body::None)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.json(), json!({"ret": 0, "msg": "Invalid request."}));
}

/// A node out of bandwidth still counts as polling: the heartbeat moves before the refusal.
async fn out_of_bandwidth_still_beats(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let n = node(&app, 11, "v.example.com", "0").await;
    app.exec(&format!(
        "UPDATE node SET node_bandwidth = 100, node_bandwidth_limit = 100, node_heartbeat = 0 WHERE id = {n}"
    ))
    .await;
    let a = xrayr(&app)
        .send(
            Method::GET,
            "/mod_mu/users",
            &[("node_id", n.to_string())],
            &[],
            Body::None,
        )
        .await;
    assert_eq!(a.json(), json!({"ret": 0, "msg": "Node out of bandwidth."}));
    assert!(
        app.scalar_i64(&format!("SELECT node_heartbeat FROM node WHERE id = {n}"))
            .await
            > 0
    );
}

/// gzip exactly when the client accepts it, on `/mod_mu` and the seed node API, the same JSON
/// either way.
async fn gzip_when_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    users(&app, 40, "gz").await;
    let n = node(&app, 0, "g.example.com", "0").await;
    let node_q = [("node_id", n.to_string())];
    let plain = Client {
        app: &app,
        base_query: vec![("key", MU_KEY.into())],
        headers: vec![],
    };
    let seed = |accept: &'static str| Client {
        app: &app,
        base_query: vec![("node_id", n.to_string())],
        headers: vec![("key", MU_KEY), ("accept-encoding", accept)],
    };
    for path in ["/mod_mu/users", "/mod_mu/nodes"] {
        let zipped = ssr(&app)
            .send(Method::GET, path, &node_q, &[], Body::None)
            .await;
        let unzipped = plain
            .send(Method::GET, path, &node_q, &[], Body::None)
            .await;
        assert!(zipped.gzipped, "{path}");
        assert!(!unzipped.gzipped, "{path}");
        assert_eq!(zipped.json(), unzipped.json(), "{path}");
        assert_eq!(zipped.etag, unzipped.etag, "{path}");
    }
    let refused = seed("gzip;q=0")
        .send(Method::GET, "node/users", &[], &[], Body::None)
        .await;
    assert!(!refused.gzipped);
    for path in ["node/users".to_string(), format!("node/info/{n}")] {
        let a = seed("gzip")
            .send(Method::GET, &path, &[], &[], Body::None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.gzipped, "{path}");
        assert_eq!(a.json()["ret"], 1, "{path}");
    }
    assert_eq!(
        refused.json()["data"].as_array().map(Vec::len),
        Some(40),
        "the seed list, uncompressed"
    );
}

both_backends!(
    gzip_when_accepted,
    xrayr_cycle,
    v2bx_cycle,
    ssr_cycle,
    out_of_bandwidth_still_beats
);
