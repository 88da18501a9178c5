//! WeChat Pay v2, Yft, epusdt and operators' EPay-compatible providers, each against a fake of the
//! provider on loopback: creation, refused callbacks (forged, tampered, wrong amount, unknown
//! order), 50 parallel identical valid callbacks crediting once, and a later replay.

mod common;

use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::{get, post};
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use spanel::db::Money;
use spanel::gateways::wechat_v2::{self, SignType};
use spanel::gateways::{epay, epusdt, yft};

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

pub async fn balance(app: &TestApp, user: i64) -> Money {
    m(&app
        .scalar_text(&format!("SELECT money FROM user WHERE id = {user}"))
        .await)
}

async fn events(app: &TestApp, gateway: &str, verdict: &str) -> i64 {
    app.scalar_i64(&format!(
        "SELECT COUNT(*) FROM spanel_payment_event WHERE gateway = '{gateway}' AND verdict = '{verdict}'"
    ))
    .await
}

async fn order_status(app: &TestApp, tradeno: &str) -> i64 {
    app.scalar_i64(&format!(
        "SELECT status FROM paylist WHERE tradeno = '{tradeno}'"
    ))
    .await
}

/// Serves `router` on a loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// Where a fake provider reaches the panel: the test server's address, which the panel's configured
/// `base_url` (what it puts in `notify_url`) is not.
type PanelBase = Arc<Mutex<String>>;

/// `notify_url` with its scheme, host and port replaced by the test server's.
fn at_panel(panel: &PanelBase, notify_url: &str) -> String {
    let url = reqwest::Url::parse(notify_url).expect("notify_url is a URL");
    format!("{}{}", panel.lock().unwrap(), url.path())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Creates a top-up; returns (tradeno, the payment action).
async fn create(app: &TestApp, token: &str, body: Value) -> (String, Value) {
    let (status, resp) = app.post("payment/create", Some(token), &body).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    let d = &resp["data"];
    (
        d["tradeno"].as_str().unwrap().to_string(),
        d["action"].clone(),
    )
}

/// Each refused callback gets the gateway's failure answer and changes nothing.
async fn all_refused<F, Fut>(app: &TestApp, user: i64, before: Money, bad: Vec<String>, send: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = (StatusCode, String)>,
{
    for b in bad {
        let (status, text) = send(b.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}: {text}");
    }
    assert_eq!(balance(app, user).await, before);
}

/// 50 identical valid callbacks at once: one credit, 49 duplicates, all acknowledged with `ok`;
/// then one more much later, still a duplicate.
async fn fifty_credit_once<F, Fut>(
    app: &TestApp,
    gateway: &str,
    (user, before, amount): (i64, Money, Money),
    ok: &str,
    send: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = (StatusCode, String)>,
{
    let replies = futures::future::join_all((0..50).map(|_| send())).await;
    for (status, text) in &replies {
        assert_eq!(*status, StatusCode::OK, "{text}");
        assert!(text.contains(ok), "{text}");
    }
    assert_eq!(balance(app, user).await, before + amount);
    assert_eq!(events(app, gateway, "credited").await, 1);
    assert_eq!(events(app, gateway, "duplicate").await, 49);
    let (status, text) = send().await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(balance(app, user).await, before + amount);
    assert_eq!(events(app, gateway, "duplicate").await, 50);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM code WHERE userid = {user} AND type = -1 AND code = '{gateway}'"
        ))
        .await,
        1
    );
}

async fn text_of(resp: reqwest::Response) -> (StatusCode, String) {
    (resp.status(), resp.text().await.unwrap())
}

// ---------------------------------------------------------------------------------------------
// WeChat Pay v2

const WX_APPID: &str = "wxd930ea5d5a258f4f";
const WX_MCHID: &str = "10000100";
const WX_KEY: &str = "192006250b4c09247ec02edce69f6a2d";

type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// A fake `/pay/unifiedorder`: checks the request's HMAC-SHA256 signature and answers a signed
/// `code_url`.
async fn fake_wechat_v2() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let router = axum::Router::new()
        .route(
            "/pay/unifiedorder",
            post(|State(seen): State<Seen>, body: String| async move {
                let req = wechat_v2::parse_xml(body.as_bytes()).expect("XML request");
                let field = |k: &str| {
                    req.iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let signed = field("sign") == wechat_v2::sign(&req, WX_KEY, SignType::HmacSha256);
                let mut reply = if signed {
                    pairs(&[
                        ("return_code", "SUCCESS"),
                        ("appid", WX_APPID),
                        ("mch_id", WX_MCHID),
                        ("nonce_str", "IITRi8Iabbblz1Jc"),
                        ("result_code", "SUCCESS"),
                        ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
                        ("trade_type", "NATIVE"),
                        ("code_url", "weixin://wxpay/bizpayurl?pr=TEST123"),
                    ])
                } else {
                    pairs(&[("return_code", "FAIL"), ("return_msg", "签名错误")])
                };
                if signed {
                    let s = wechat_v2::sign(&reply, WX_KEY, SignType::HmacSha256);
                    reply.push(("sign".into(), s));
                }
                seen.lock().unwrap().push(req);
                wechat_v2::write_xml(&reply)
            }),
        )
        .with_state(seen.clone());
    (serve(router).await, seen)
}

fn wx_notify(tradeno: &str, fee: &str, appid: &str, key: &str) -> String {
    let mut params = pairs(&[
        ("appid", appid),
        ("bank_type", "CFT"),
        ("cash_fee", fee),
        ("fee_type", "CNY"),
        ("is_subscribe", "N"),
        ("mch_id", WX_MCHID),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", tradeno),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("time_end", "20240101120000"),
        ("total_fee", fee),
        ("trade_type", "NATIVE"),
        ("transaction_id", "1004400740201409030005092168"),
    ]);
    params.push((
        "sign".into(),
        wechat_v2::sign(&params, key, SignType::HmacSha256),
    ));
    wechat_v2::write_xml(&params)
}

async fn wx_post(app: &TestApp, body: String) -> (StatusCode, String) {
    text_of(
        app.client
            .post(app.url("payment/notify/wechat_v2"))
            .header("content-type", "text/xml")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn wechat_v2_round_trip(backend: Backend) {
    let (fake, seen) = fake_wechat_v2().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("wechat_v2".into(), fake);
    })
    .await;
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["wechat_v2"]"#).await.unwrap();
    s.set("wechat_v2_appid", WX_APPID).await.unwrap();
    s.set("wechat_v2_mchid", WX_MCHID).await.unwrap();
    s.set("wechat_v2_key", WX_KEY).await.unwrap();
    s.set("wechat_v2_sign_type", "HMAC-SHA256").await.unwrap();
    let (user, token) = app.register_and_login("wx@example.com", "password-1").await;
    let before = balance(&app, user).await;

    let (tradeno, action) = create(
        &app,
        &token,
        json!({"amount": "10.05", "gateway": "wechat_v2"}),
    )
    .await;
    assert_eq!(
        action,
        json!({"type": "qr_code", "content": "weixin://wxpay/bizpayurl?pr=TEST123"})
    );
    {
        let seen = seen.lock().unwrap();
        let req = &seen[0];
        let field = |k: &str| req.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(field("out_trade_no"), tradeno);
        assert_eq!(field("total_fee"), "1005");
        assert_eq!(field("trade_type"), "NATIVE");
        assert_eq!(field("sign_type"), "HMAC-SHA256");
        assert!(field("notify_url").ends_with("/app/api/v0/payment/notify/wechat_v2"));
    }

    // A wrong key at the merchant's side: WeChat refuses, creation says the gateway is unavailable.
    s.set("wechat_v2_key", "0123456789abcdef0123456789abcdef")
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "1.00", "gateway": "wechat_v2"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    s.set("wechat_v2_key", WX_KEY).await.unwrap();

    let valid = wx_notify(&tradeno, "1005", WX_APPID, WX_KEY);
    let bad = vec![
        wx_notify(
            &tradeno,
            "1005",
            WX_APPID,
            "forged-key-forged-key-forged-key",
        ),
        valid.replace(">1005<", ">100500<"),
        wx_notify(&tradeno, "1000", WX_APPID, WX_KEY),
        wx_notify(&tradeno, "1005", "wx0000000000000000", WX_KEY),
        wx_notify("NoSuchOrder0000000000000", "1005", WX_APPID, WX_KEY),
        "<xml><unclosed>".to_string(),
    ];
    all_refused(&app, user, before, bad, |b| wx_post(&app, b)).await;
    let (_, text) = wx_post(&app, "<xml/>".into()).await;
    assert!(text.contains("<return_code>FAIL</return_code>"), "{text}");
    assert_eq!(order_status(&app, &tradeno).await, 0);

    fifty_credit_once(
        &app,
        "wechat_v2",
        (user, before, m("10.05")),
        "<return_code>SUCCESS</return_code>",
        || wx_post(&app, valid.clone()),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// epusdt

const EPUSDT_TOKEN: &str = "epusdt-api-token";

/// A fake epusdt: `create-transaction` checks the signature and answers the cashier's address,
/// converting at 7.2 CNY per USDT.
async fn fake_epusdt() -> String {
    let router = axum::Router::new().route(
        "/api/v1/order/create-transaction",
        post(|axum::Json(body): axum::Json<Map<String, Value>>| async move {
            let given = body["signature"].as_str().unwrap_or_default();
            if epusdt::sign(&body, EPUSDT_TOKEN).as_deref() != Some(given) {
                return axum::Json(json!({"status_code": 401, "message": "signature error",
                    "data": null, "request_id": "r"}));
            }
            let amount = body["amount"].as_f64().unwrap();
            let order_id = body["order_id"].as_str().unwrap();
            axum::Json(json!({"status_code": 200, "message": "success", "request_id": "r", "data": {
                "trade_id": format!("E{order_id}"), "order_id": order_id, "amount": amount,
                "actual_amount": ((amount / 7.2) * 10000.0).round() / 10000.0,
                "token": "TNEns8t9jbWENbStkQdVQtHMGpbsYsQjZK", "expiration_time": 1700000600,
                "payment_url": format!("https://usdt.example.com/pay/checkout-counter/E{order_id}")}}))
        }),
    );
    serve(router).await
}

fn epusdt_notify(tradeno: &str, amount: Value, usdt: Value, status: i64, token: &str) -> String {
    let mut fields = Map::new();
    fields.insert("trade_id".into(), format!("E{tradeno}").into());
    fields.insert("order_id".into(), tradeno.into());
    fields.insert("amount".into(), amount);
    fields.insert("actual_amount".into(), usdt);
    fields.insert("token".into(), "TNEns8t9jbWENbStkQdVQtHMGpbsYsQjZK".into());
    fields.insert("block_transaction_id".into(), "7d0e2b2d0b5c4c1e9a".into());
    fields.insert("status".into(), status.into());
    let signature = epusdt::sign(&fields, token).unwrap();
    fields.insert("signature".into(), signature.into());
    serde_json::to_string(&fields).unwrap()
}

async fn epusdt_post(app: &TestApp, body: String) -> (StatusCode, String) {
    text_of(
        app.client
            .post(app.url("payment/notify/epusdt"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn epusdt_round_trip(backend: Backend) {
    let fake = fake_epusdt().await;
    let app = TestApp::spawn(backend).await;
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["epusdt"]"#).await.unwrap();
    s.set("epusdt_url", &format!("{fake}/")).await.unwrap();
    s.set("epusdt_token", EPUSDT_TOKEN).await.unwrap();
    let (user, token) = app
        .register_and_login("usdt@example.com", "password-1")
        .await;
    let before = balance(&app, user).await;

    let (tradeno, action) = create(
        &app,
        &token,
        json!({"amount": "72.50", "gateway": "epusdt"}),
    )
    .await;
    assert_eq!(
        action,
        json!({"type": "redirect",
            "url": format!("https://usdt.example.com/pay/checkout-counter/E{tradeno}")})
    );
    s.set("epusdt_token", "wrong-token").await.unwrap();
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "1.00", "gateway": "epusdt"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    s.set("epusdt_token", EPUSDT_TOKEN).await.unwrap();

    // 72.50 CNY at 7.2 per USDT: 10.0694 USDT.
    let valid = epusdt_notify(&tradeno, json!(72.5), json!(10.0694), 2, EPUSDT_TOKEN);
    let bad = vec![
        epusdt_notify(&tradeno, json!(72.5), json!(10.0694), 2, "forged"),
        valid.replace("72.5", "725"),
        epusdt_notify(&tradeno, json!(7.25), json!(1.0069), 2, EPUSDT_TOKEN),
        epusdt_notify(&tradeno, json!(72.5), json!(10.0694), 1, EPUSDT_TOKEN),
        epusdt_notify(&tradeno, json!(72.5), json!(0), 2, EPUSDT_TOKEN),
        epusdt_notify(
            "NoSuchOrder0000000000000",
            json!(72.5),
            json!(10.0694),
            2,
            EPUSDT_TOKEN,
        ),
        "{not json".to_string(),
    ];
    all_refused(&app, user, before, bad, |b| epusdt_post(&app, b)).await;
    assert_eq!(order_status(&app, &tradeno).await, 0);

    fifty_credit_once(&app, "epusdt", (user, before, m("72.50")), "ok", || {
        epusdt_post(&app, valid.clone())
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Yft

const YFT_SECRET: &str = "yft-merchant-secret";

/// A fake Yft order page: checks the create signature, "takes the payment" and sends the notify to
/// `notify_url` as Yft does (GET), answering with what the panel replied.
async fn fake_yft(panel: PanelBase) -> String {
    let router = axum::Router::new().route(
        "/pay/subOrder/zfb",
        get(|State(panel): State<PanelBase>, Query(q): Query<Vec<(String, String)>>| async move {
            let field = |k: &str| {
                q.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let signed: Vec<(String, String)> = q
                .iter()
                .filter(|(k, _)| k != "sign" && k != "subject")
                .cloned()
                .collect();
            if field("secret") != YFT_SECRET || field("sign") != yft::create_sign(&signed) {
                return "bad request signature".to_string();
            }
            let (fee, out, status) = (field("total_fee"), field("out_trade_no"), "TRADE_SUCCESS");
            let sign = yft::notify_sign(&fee, &out, "YFT0001", status);
            let notify = [
                ("total_fee", fee.as_str()),
                ("trade_no", "YFT0001"),
                ("out_trade_no", out.as_str()),
                ("subject", "Top-up"),
                ("trade_status", status),
                ("sign", sign.as_str()),
            ];
            reqwest::Client::new()
                .get(at_panel(&panel, &field("notify_url")))
                .query(&notify)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }),
    )
    .with_state(panel);
    serve(router).await
}

fn yft_query(tradeno: &str, fee: &str, sign_fee: &str) -> String {
    let sign = yft::notify_sign(sign_fee, tradeno, "YFT0001", "TRADE_SUCCESS");
    serde_urlencoded::to_string([
        ("total_fee", fee),
        ("trade_no", "YFT0001"),
        ("out_trade_no", tradeno),
        ("subject", "Top-up"),
        ("trade_status", "TRADE_SUCCESS"),
        ("sign", sign.as_str()),
    ])
    .unwrap()
}

async fn yft_get(app: &TestApp, query: String) -> (StatusCode, String) {
    common::notify_get(app, "yft", &query).await
}

async fn yft_round_trip(backend: Backend) {
    let panel = PanelBase::default();
    let fake = fake_yft(panel.clone()).await;
    let app = TestApp::spawn(backend).await;
    *panel.lock().unwrap() = app.base.clone();
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["yft"]"#).await.unwrap();
    s.set("yft_url", &format!("{fake}/pay/subOrder/zfb"))
        .await
        .unwrap();
    s.set("yft_secret", YFT_SECRET).await.unwrap();
    s.set("yft_notify_ips", "127.0.0.1, ::1").await.unwrap();
    let (user, token) = app
        .register_and_login("yft@example.com", "password-1")
        .await;
    let before = balance(&app, user).await;

    // The whole trip: the browser goes to Yft, Yft notifies the panel, the panel credits.
    let (tradeno, action) =
        create(&app, &token, json!({"amount": "10.50", "gateway": "yft"})).await;
    let url = action["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{fake}/pay/subOrder/zfb?")),
        "{url}"
    );
    let reply = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert_eq!(reply, "success");
    assert_eq!(balance(&app, user).await, before + m("10.50"));
    assert_eq!(order_status(&app, &tradeno).await, 1);

    let before = balance(&app, user).await;
    let (tradeno, _) = create(&app, &token, json!({"amount": "20.00", "gateway": "yft"})).await;
    let valid = yft_query(&tradeno, "20.00", "20.00");
    // Yft's signature has no secret: a perfectly signed notify from elsewhere is refused.
    s.set("yft_notify_ips", "203.0.113.7").await.unwrap();
    all_refused(&app, user, before, vec![valid.clone()], |q| {
        yft_get(&app, q)
    })
    .await;
    s.set("yft_notify_ips", "127.0.0.1,::1").await.unwrap();
    let bad = vec![
        valid.replace("total_fee=20.00", "total_fee=200.00"),
        yft_query(&tradeno, "2.00", "2.00"),
        yft_query("NoSuchOrder0000000000000", "20.00", "20.00"),
        valid.replace("TRADE_SUCCESS", "WAIT_BUYER_PAY"),
    ];
    all_refused(&app, user, before, bad, |q| yft_get(&app, q)).await;

    // Only the first order's credit so far.
    assert_eq!(events(&app, "yft", "credited").await, 1);
    let replies = futures::future::join_all((0..50).map(|_| yft_get(&app, valid.clone()))).await;
    for (status, text) in &replies {
        assert_eq!((*status, text.as_str()), (StatusCode::OK, "success"));
    }
    assert_eq!(balance(&app, user).await, before + m("20.00"));
    assert_eq!(events(&app, "yft", "credited").await, 2);
    assert_eq!(events(&app, "yft", "duplicate").await, 49);
    assert_eq!(yft_get(&app, valid).await.0, StatusCode::OK);
    assert_eq!(balance(&app, user).await, before + m("20.00"));
}

// ---------------------------------------------------------------------------------------------
// EPay-compatible providers, several at once

const KEY_A: &str = "usdtpay-key-0123456789";
const KEY_B: &str = "cheappay-key-9876543210";

/// A fake EPay with two merchants' cashiers, `/a/submit.php` and `/b/submit.php`: each checks the
/// request with its own key, then notifies the panel (GET) and answers with the panel's reply.
async fn fake_epay(panel: PanelBase) -> String {
    async fn cashier(panel: PanelBase, key: &'static str, q: Vec<(String, String)>) -> String {
        let field = |k: &str| {
            q.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        if field("sign") != epay::sign(&q, key) {
            return "bad request signature".into();
        }
        let notify =
            common::epay_notify_query(&field("out_trade_no"), &field("money"), &field("pid"), key);
        reqwest::get(format!(
            "{}?{notify}",
            at_panel(&panel, &field("notify_url"))
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
    }
    let router = axum::Router::new()
        .route(
            "/a/submit.php",
            get(
                |State(p): State<PanelBase>, Query(q): Query<Vec<(String, String)>>| {
                    cashier(p, KEY_A, q)
                },
            ),
        )
        .route(
            "/b/submit.php",
            get(
                |State(p): State<PanelBase>, Query(q): Query<Vec<(String, String)>>| {
                    cashier(p, KEY_B, q)
                },
            ),
        )
        .with_state(panel);
    serve(router).await
}

async fn epay_get(app: &TestApp, gateway: &str, query: String) -> (StatusCode, String) {
    common::notify_get(app, gateway, &query).await
}

async fn epay_providers(backend: Backend) {
    let panel = PanelBase::default();
    let fake = fake_epay(panel.clone()).await;
    let app = TestApp::spawn(backend).await;
    *panel.lock().unwrap() = app.base.clone();
    let s = &app.state.settings;
    let providers = json!([
        {"name": "usdtpay", "label": "USDT (TRC20)", "url": format!("{fake}/a/"), "pid": "7",
         "key": KEY_A, "types": ["usdt"]},
        {"name": "cheap", "url": format!("{fake}/b/"), "pid": "8", "key": KEY_B,
         "types": ["alipay", "wxpay"]},
    ]);
    // The built-in epay is enabled too, which needs its own settings.
    for (item, value) in [
        ("epay_url", "https://pay.example.com/"),
        ("epay_pid", "1"),
        ("epay_key", "k"),
    ] {
        s.set(item, value).await.unwrap();
    }
    // The operator sets them through the admin API: the keys are never shown back or logged.
    let (_, admin) = app.admin_token().await;
    for (item, value) in [
        ("epay_providers", providers.clone()),
        (
            "payment_gateway",
            json!(["epay", "usdtpay", "cheap", "notconfigured"]),
        ),
    ] {
        let (status, body) = app
            .send(
                reqwest::Method::PUT,
                &format!("admin/settings/{item}"),
                Some(&admin),
                Some(&json!({ "value": value })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app
        .send(
            reqwest::Method::PUT,
            "admin/settings/epay_providers",
            Some(&admin),
            Some(&json!({"value": "{not a list"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, listed) = app.get("admin/settings", Some(&admin)).await;
    assert!(!listed.to_string().contains(KEY_A), "{listed}");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM spanel_admin_log WHERE detail LIKE '%{KEY_A}%'"
        ))
        .await,
        0
    );
    // The built-in EPay keeps its own items.
    s.set("epay_url", "https://pay.example.com/").await.unwrap();
    s.set("epay_pid", "1001").await.unwrap();
    s.set("epay_key", "89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i")
        .await
        .unwrap();
    let (user, token) = app
        .register_and_login("providers@example.com", "password-1")
        .await;

    let (status, body) = app.get("payment/gateways", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<Value> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["name"] != "debug")
        .cloned()
        .collect();
    assert_eq!(
        listed,
        vec![
            json!({"name": "epay", "label": "epay", "flow": "redirect", "methods": ["alipay"]}),
            json!({"name": "usdtpay", "label": "USDT (TRC20)", "flow": "redirect", "methods": ["usdt"]}),
            json!({"name": "cheap", "label": "cheap", "flow": "redirect", "methods": ["alipay", "wxpay"]}),
        ]
    );

    // Each provider gets its own signed request, with the method chosen.
    let (_, action) = create(
        &app,
        &token,
        json!({"amount": "5.00", "gateway": "cheap", "method": "wxpay"}),
    )
    .await;
    let url = action["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{fake}/b/submit.php?")), "{url}");
    assert!(url.contains("type=wxpay") && url.contains("pid=8"), "{url}");
    assert!(url.contains("notify%2Fcheap"), "{url}");
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "5.00", "gateway": "cheap", "method": "bogus"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "5.00", "gateway": "notconfigured"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The built-in EPay still works as before.
    let (_, action) = create(&app, &token, json!({"amount": "5.00", "gateway": "epay"})).await;
    assert!(action["url"]
        .as_str()
        .unwrap()
        .starts_with("https://pay.example.com/submit.php?"));

    // The whole trip through the USDT provider's cashier.
    let before = balance(&app, user).await;
    let (tradeno, action) = create(
        &app,
        &token,
        json!({"amount": "30.00", "gateway": "usdtpay"}),
    )
    .await;
    let reply = reqwest::get(action["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(reply, "success");
    assert_eq!(balance(&app, user).await, before + m("30.00"));
    assert_eq!(order_status(&app, &tradeno).await, 1);
    assert_eq!(events(&app, "usdtpay", "credited").await, 1);

    // One provider's key does not pay through another, nor does a tampered or wrong amount.
    let before = balance(&app, user).await;
    let (tradeno, _) = create(&app, &token, json!({"amount": "12.00", "gateway": "cheap"})).await;
    let valid = common::epay_notify_query(&tradeno, "12.00", "8", KEY_B);
    let bad = vec![
        common::epay_notify_query(&tradeno, "12.00", "8", KEY_A),
        valid.replace("money=12.00", "money=120.00"),
        common::epay_notify_query(&tradeno, "1.20", "8", KEY_B),
        common::epay_notify_query(&tradeno, "12.00", "7", KEY_B),
        common::epay_notify_query("NoSuchOrder0000000000000", "12.00", "8", KEY_B),
    ];
    all_refused(&app, user, before, bad, |q| epay_get(&app, "cheap", q)).await;
    all_refused(&app, user, before, vec![valid.clone()], |q| {
        epay_get(&app, "usdtpay", q)
    })
    .await;
    let (status, _) = epay_get(&app, "nosuchprovider", valid.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    fifty_credit_once(&app, "cheap", (user, before, m("12.00")), "success", || {
        epay_get(&app, "cheap", valid.clone())
    })
    .await;
}

both_backends!(
    wechat_v2_round_trip,
    epusdt_round_trip,
    yft_round_trip,
    epay_providers,
);
