//! Payments: orders, exactly-once crediting, real gateway signatures, referral commission.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use spanel::db::Money;
use spanel::gateways::{rsa_sha256_sign, stripe};

const EPAY_KEY: &str = "89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i";
const STRIPE_SECRET: &str = "whsec_test_secret";

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

async fn balance(app: &TestApp, user: i64) -> Money {
    m(&app
        .scalar_text(&format!("SELECT money FROM user WHERE id = {user}"))
        .await)
}

/// Signs up the paying user: (id, token, balance before paying).
async fn payer(app: &TestApp) -> (i64, String, Money) {
    let (user, token) = app
        .register_and_login("payer@example.com", "password-1")
        .await;
    (user, token, balance(app, user).await)
}

async fn setup(app: &TestApp) {
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["epay","stripe","alipay"]"#)
        .await
        .unwrap();
    s.set("epay_url", "https://pay.example.com/").await.unwrap();
    s.set("epay_pid", "1001").await.unwrap();
    s.set("epay_key", EPAY_KEY).await.unwrap();
    s.set("stripe_webhook_key", STRIPE_SECRET).await.unwrap();
    s.set("stripe_currency", "usd").await.unwrap();
}

/// Creates an EPay order; returns (order id, tradeno).
async fn epay_order(app: &TestApp, token: &str, amount: &str) -> (i64, String) {
    let (status, body) = app
        .post(
            "payment/create",
            Some(token),
            &json!({"amount": amount, "gateway": "epay"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    (
        d["order_id"].as_i64().unwrap(),
        d["tradeno"].as_str().unwrap().to_string(),
    )
}

fn epay_query(tradeno: &str, money: &str, key: &str) -> String {
    common::epay_notify_query(tradeno, money, "1001", key)
}

async fn epay_notify(app: &TestApp, query: &str) -> (StatusCode, String) {
    common::notify_get(app, "epay", query).await
}

async fn events(app: &TestApp, verdict: &str) -> i64 {
    app.scalar_i64(&format!(
        "SELECT COUNT(*) FROM spanel_payment_event WHERE verdict = '{verdict}'"
    ))
    .await
}

/// The debug confirmation, sent without a login as `load.py notify` sends it.
async fn confirm(app: &TestApp, order: i64) -> (StatusCode, Value) {
    app.post("payment/debug/confirm", None, &json!({"order_id": order}))
        .await
}

async fn create_then_debug_confirm(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let (user, token, before) = payer(&app).await;

    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "10.05", "gateway": "epay"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    assert_eq!(d["tradeno"].as_str().unwrap().len(), 24);
    assert_eq!(d["amount"], "10.05");
    let url = d["action"]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://pay.example.com/submit.php?"),
        "{url}"
    );
    assert!(url.contains("money=10.05"));
    let order = d["order_id"].as_i64().unwrap();

    let (status, body) = confirm(&app, order).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["result"], "credited");
    let (_, body) = confirm(&app, order).await;
    assert_eq!(body["data"]["result"], "already_paid");
    assert_eq!(confirm(&app, order + 1000).await.0, StatusCode::NOT_FOUND);
    assert_eq!(balance(&app, user).await, before + m("10.05"));
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM code WHERE userid = {user} AND type = -1 AND isused = 1"
        ))
        .await,
        1
    );

    let (_, body) = app
        .get(&format!("payment/status/{order}"), Some(&token))
        .await;
    assert_eq!(body["data"]["status"], 1);
    let (_, body) = app
        .get("payment/orders?page=1&per_page=10", Some(&token))
        .await;
    assert_eq!(body["data"]["total"], 1);
    assert_eq!(body["data"]["orders"][0]["id"], order);

    for (amount, gateway) in [
        ("0.50", "epay"),
        ("10001", "epay"),
        ("1.001", "epay"),
        ("5", "paypal"),
    ] {
        let (status, body) = app
            .post(
                "payment/create",
                Some(&token),
                &json!({"amount": amount, "gateway": gateway}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{amount} {gateway}: {body}"
        );
    }
}

async fn parallel_epay_callbacks_credit_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let (user, token, before) = payer(&app).await;
    let (order, tradeno) = epay_order(&app, &token, "12.34").await;
    let query = epay_query(&tradeno, "12.34", EPAY_KEY);
    let replies = futures::future::join_all((0..100).map(|_| epay_notify(&app, &query))).await;
    for (status, text) in &replies {
        assert_eq!((*status, text.as_str()), (StatusCode::OK, "success"));
    }
    assert_eq!(balance(&app, user).await, before + m("12.34"));
    assert_eq!(
        app.scalar_i64(&format!("SELECT status FROM paylist WHERE id = {order}"))
            .await,
        1
    );
    assert_eq!(events(&app, "credited").await, 1);
    assert_eq!(events(&app, "duplicate").await, 99);
    // /metrics counts callbacks by gateway and verdict (process-wide: other tests may add).
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |verdict: &str| -> u64 {
        let series = format!("spanel_payments_total{{gateway=\"epay\",verdict=\"{verdict}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(series.as_str()))
            .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
            .parse()
            .unwrap()
    };
    assert!(count("credited") >= 1);
    assert!(count("duplicate") >= 99);
}

async fn bad_epay_callbacks_are_rejected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let (user, token, before) = payer(&app).await;
    let (order, tradeno) = epay_order(&app, &token, "10.00").await;
    let valid = epay_query(&tradeno, "10.00", EPAY_KEY);
    let bad = [
        valid.replace("money=10.00", "money=100.00"),
        epay_query(&tradeno, "10.00", "wrong-key"),
        epay_query(&tradeno, "9.99", EPAY_KEY),
        epay_query("NoSuchOrder0000000000000", "10.00", EPAY_KEY),
    ];
    for q in &bad {
        let (status, text) = epay_notify(&app, q).await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::BAD_REQUEST, "fail"),
            "{q}"
        );
    }
    assert_eq!(balance(&app, user).await, before);
    assert_eq!(
        app.scalar_i64(&format!("SELECT status FROM paylist WHERE id = {order}"))
            .await,
        0
    );
    assert_eq!(events(&app, "rejected").await, 4);
    assert_eq!(events(&app, "credited").await, 0);
    assert_eq!(
        app.scalar_text("SELECT reason FROM spanel_payment_event WHERE id = 1")
            .await,
        "bad signature"
    );
}

/// Orders PHP SSPanel wrote are found by their trade number too: one added after the index was
/// first read, and one committed with an id below what the index had read (it falls back to the
/// table scan). Each is credited once.
async fn callbacks_find_orders_sspanel_wrote(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let (user, token, before) = payer(&app).await;
    let php_order = |id: i64, tradeno: &str, total: &str| {
        format!(
            "INSERT INTO paylist (id, userid, total, status, tradeno, datetime) \
             VALUES ({id}, {user}, {total}, 0, '{tradeno}', 1700000000)"
        )
    };
    app.exec(&php_order(1000, "php-order-1000", "1.00")).await;
    let (_, tradeno) = epay_order(&app, &token, "2.00").await;
    let paid = |q: String| {
        let app = &app;
        async move {
            let (status, text) = epay_notify(app, &q).await;
            assert_eq!((status, text.as_str()), (StatusCode::OK, "success"), "{q}");
        }
    };
    paid(epay_query(&tradeno, "2.00", EPAY_KEY)).await;
    app.exec(&php_order(2000, "php-order-2000", "4.00")).await;
    paid(epay_query("php-order-2000", "4.00", EPAY_KEY)).await;
    app.exec(&php_order(500, "php-order-500", "8.00")).await;
    paid(epay_query("php-order-500", "8.00", EPAY_KEY)).await;
    paid(epay_query("php-order-1000", "1.00", EPAY_KEY)).await;
    paid(epay_query("php-order-500", "8.00", EPAY_KEY)).await;
    assert_eq!(balance(&app, user).await, before + m("15.00"));
    assert_eq!(events(&app, "credited").await, 4);
    assert_eq!(events(&app, "duplicate").await, 1);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM paylist WHERE status = 1")
            .await,
        4
    );
}

async fn stripe_post(app: &TestApp, body: &str, t: i64) -> (StatusCode, String) {
    let sig = stripe::signature(STRIPE_SECRET, t, body.as_bytes());
    let resp = app
        .client
        .post(app.url("payment/notify/stripe"))
        .header("Stripe-Signature", format!("t={t},v1={sig}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn stripe_event(tradeno: &str, cents: i64, currency: &str) -> String {
    json!({"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "client_reference_id": tradeno, "payment_status": "paid",
        "amount_total": cents, "currency": currency}}})
    .to_string()
}

const STRIPE_SK: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// A fake Stripe API: creates a Checkout Session for a well-formed, authenticated request.
async fn fake_stripe() -> String {
    use axum::http::{HeaderMap, StatusCode as Code};
    use axum::response::IntoResponse;
    let router = axum::Router::new().route(
        "/v1/checkout/sessions",
        axum::routing::post(|headers: HeaderMap, body: String| async move {
            if headers.get("authorization").and_then(|v| v.to_str().ok())
                != Some(&format!("Bearer {STRIPE_SK}"))
            {
                return Code::UNAUTHORIZED.into_response();
            }
            let form: HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap();
            let reference = &form["client_reference_id"];
            assert_eq!(&form["metadata[tradeno]"], reference);
            assert_eq!(form["line_items[0][price_data][unit_amount]"], "2550");
            assert_eq!(form["line_items[0][price_data][currency]"], "usd");
            axum::Json(json!({"id": format!("cs_test_{reference}"),
                "url": format!("https://checkout.stripe.com/c/pay/cs_test_{reference}")}))
            .into_response()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn stripe_webhooks(backend: Backend) {
    let fake = fake_stripe().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("stripe".into(), fake);
    })
    .await;
    setup(&app).await;
    app.state
        .settings
        .set("stripe_sk", STRIPE_SK)
        .await
        .unwrap();
    let (user, token, before) = payer(&app).await;
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "25.50", "gateway": "stripe"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tradeno = body["data"]["tradeno"].as_str().unwrap().to_string();
    assert_eq!(
        body["data"]["action"],
        json!({"type": "redirect",
            "url": format!("https://checkout.stripe.com/c/pay/cs_test_{tradeno}")})
    );
    let now = chrono::Utc::now().timestamp();

    let old = stripe_post(&app, &stripe_event(&tradeno, 2550, "usd"), now - 301).await;
    assert_eq!(old.0, StatusCode::BAD_REQUEST);
    let eur = stripe_post(&app, &stripe_event(&tradeno, 2550, "eur"), now).await;
    assert_eq!(eur.0, StatusCode::BAD_REQUEST);
    assert_eq!(balance(&app, user).await, before);

    // Genuine events spanel has no use for are acknowledged (so Stripe stops retrying), not credited.
    let other = json!({"id": "evt_2", "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer", "metadata": {}}}})
    .to_string();
    assert_eq!(
        stripe_post(&app, &other, now).await,
        (StatusCode::OK, "ok".into())
    );
    let unpaid = stripe_event(&tradeno, 2550, "usd").replace(r#""paid""#, r#""unpaid""#);
    assert_eq!(stripe_post(&app, &unpaid, now).await.0, StatusCode::OK);
    assert_eq!(balance(&app, user).await, before);
    assert_eq!(events(&app, "ignored").await, 2);
    assert_eq!(
        app.scalar_text(
            "SELECT reason FROM spanel_payment_event WHERE verdict = 'ignored' ORDER BY id LIMIT 1"
        )
        .await,
        "unhandled event type customer.created"
    );

    let event = stripe_event(&tradeno, 2550, "usd");
    let replies = futures::future::join_all((0..50).map(|_| stripe_post(&app, &event, now))).await;
    assert!(replies.iter().all(|(s, _)| *s == StatusCode::OK));
    let settled = event.replace(
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    );
    assert_eq!(stripe_post(&app, &settled, now).await.0, StatusCode::OK);
    assert_eq!(balance(&app, user).await, before + m("25.50"));
    assert_eq!(events(&app, "credited").await, 1);
    assert_eq!(events(&app, "duplicate").await, 50);
    assert_eq!(events(&app, "rejected").await, 2);
}

/// One RSA key per test binary (key generation is slow in debug builds).
fn alipay_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap())
}

fn pem_public(key: &rsa::RsaPrivateKey) -> String {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    key.to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

fn pem_private(key: &rsa::RsaPrivateKey) -> String {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
}

/// A fake Alipay open API on loopback: answers `alipay.trade.precreate` with a QR code.
async fn fake_alipay() -> String {
    use axum::routing::post;
    let router = axum::Router::new().route(
        "/gateway.do",
        post(|body: String| async move {
            let params: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
            let has = |k: &str| params.iter().any(|(n, _)| n == k);
            assert!(has("sign") && has("biz_content"));
            axum::Json(json!({"alipay_trade_precreate_response":
                {"code": "10000", "msg": "Success", "qr_code": "https://qr.alipay.com/test"}}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn alipay_round_trip(backend: Backend) {
    let fake = fake_alipay().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("alipay".into(), fake);
    })
    .await;
    setup(&app).await;
    let key = alipay_key();
    let s = &app.state.settings;
    s.set("f2f_pay_app_id", "2015102700040153").await.unwrap();
    s.set("f2f_pay_private_key", &pem_private(key))
        .await
        .unwrap();
    // The bare base64 form, as Alipay's console shows it.
    let bare: String = pem_public(key)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    s.set("f2f_pay_public_key", &bare).await.unwrap();
    let (user, token, before) = payer(&app).await;

    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "8.80", "gateway": "alipay"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["action"]["type"], "qr_code");
    assert_eq!(
        body["data"]["action"]["content"],
        "https://qr.alipay.com/test"
    );
    let tradeno = body["data"]["tradeno"].as_str().unwrap().to_string();

    let notify = |amount: &str, sign_key: &rsa::RsaPrivateKey| {
        let mut params: Vec<(String, String)> = [
            ("app_id", "2015102700040153"),
            ("out_trade_no", tradeno.as_str()),
            ("total_amount", amount),
            ("trade_status", "TRADE_SUCCESS"),
            ("notify_time", "2016-07-19 14:10:49"),
            ("subject", "大乐透2.1"),
            ("charset", "utf-8"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let content = spanel::gateways::alipay::sign_content(&params, &["sign", "sign_type"]);
        params.push(("sign".into(), rsa_sha256_sign(sign_key, content.as_bytes())));
        params.push(("sign_type".into(), "RSA2".into()));
        serde_urlencoded::to_string(&params).unwrap()
    };
    let post = |body: String| {
        app.client
            .post(app.url("payment/notify/alipay"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let tampered = notify("8.80", key).replace("8.80", "88.00");
    let r = post(tampered).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap(), "failure");
    // 50 identical notifies at once: all acknowledged, credited once.
    let valid = notify("8.80", key);
    let replies = futures::future::join_all((0..50).map(|_| post(valid.clone()))).await;
    for r in replies {
        assert_eq!(r.unwrap().text().await.unwrap(), "success");
    }
    assert_eq!(balance(&app, user).await, before + m("8.80"));
    assert_eq!(events(&app, "credited").await, 1);
    assert_eq!(events(&app, "duplicate").await, 49);
}

async fn others_orders_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let (_, alice) = app
        .register_and_login("alice@example.com", "password-1")
        .await;
    let (_, bob) = app
        .register_and_login("bob@example.com", "password-2")
        .await;
    let (order, _) = epay_order(&app, &alice, "5.00").await;
    let (status, _) = app
        .get(&format!("payment/status/{order}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = app.get("payment/orders", Some(&bob)).await;
    assert_eq!(body["data"]["total"], 0);
    let (status, _) = app
        .get(&format!("payment/status/{order}"), Some(&alice))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn debug_confirm_absent_without_debug(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.debug = false).await;
    setup(&app).await;
    let (_, token) = app
        .register_and_login("payer@example.com", "password-1")
        .await;
    let (order, _) = epay_order(&app, &token, "5.00").await;
    let (status, _) = confirm(&app, order).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Recharges `amounts` for `payer` through debug confirm.
async fn recharge(app: &TestApp, token: &str, amounts: &[&str]) {
    for a in amounts {
        let (order, _) = epay_order(app, token, a).await;
        let (status, body) = confirm(app, order).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// (inviter id, payer id, payer token) with the payer invited by the inviter.
async fn invited_pair(app: &TestApp) -> (i64, i64, String) {
    let (inviter, _) = app
        .register_and_login("inviter@example.com", "password-1")
        .await;
    let (payer, token) = app
        .register_and_login("payer@example.com", "password-2")
        .await;
    app.exec(&format!(
        "UPDATE user SET ref_by = {inviter} WHERE id = {payer}"
    ))
    .await;
    (inviter, payer, token)
}

/// (mode, extra settings, recharges, inviter's expected gain).
type RebateCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    &'static str,
);

async fn rebate_modes(backend: Backend) {
    let cases: [RebateCase; 4] = [
        ("continued", &[], &["10.00", "10.05"], "4.01"),
        (
            "limit_frequency",
            &[("rebate_frequency_limit", "1")],
            &["10.00", "10.00"],
            "2.00",
        ),
        (
            "limit_amount",
            &[("rebate_amount_limit", "3")],
            &["10.00", "10.00", "10.00"],
            "3.00",
        ),
        (
            "limit_time_range",
            &[("rebate_time_range_limit", "30")],
            &["10.00"],
            "0.00",
        ),
    ];
    for (mode, extra, amounts, expected) in cases {
        let app = TestApp::spawn(backend).await;
        setup(&app).await;
        let s = &app.state.settings;
        s.set("invitation_mode", "after_recharge").await.unwrap();
        s.set("invite_rebate_mode", mode).await.unwrap();
        s.set("rebate_ratio", "0.2").await.unwrap();
        for (k, v) in extra {
            s.set(k, v).await.unwrap();
        }
        let (inviter, payer, token) = invited_pair(&app).await;
        if mode == "limit_time_range" {
            app.exec(&format!(
                "UPDATE user SET reg_date = '2000-01-01 00:00:00' WHERE id = {payer}"
            ))
            .await;
        }
        let before = balance(&app, inviter).await;
        recharge(&app, &token, amounts).await;
        assert_eq!(
            balance(&app, inviter).await,
            before + m(expected),
            "mode {mode}"
        );
    }
}

async fn multi_level_rebate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    setup(&app).await;
    let s = &app.state.settings;
    s.set("invitation_mode", "after_recharge").await.unwrap();
    s.set("invite_rebate_mode", "continued").await.unwrap();
    s.set("rebate_levels", "0.2,0.05").await.unwrap();
    let (top, _) = app
        .register_and_login("top@example.com", "password-0")
        .await;
    let (mid, payer, token) = invited_pair(&app).await;
    app.exec(&format!("UPDATE user SET ref_by = {top} WHERE id = {mid}"))
        .await;
    let (top0, mid0, payer0) = (
        balance(&app, top).await,
        balance(&app, mid).await,
        balance(&app, payer).await,
    );
    recharge(&app, &token, &["100.00"]).await;
    assert_eq!(balance(&app, payer).await, payer0 + m("100.00"));
    assert_eq!(balance(&app, mid).await, mid0 + m("20.00"));
    assert_eq!(balance(&app, top).await, top0 + m("5.00"));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM payback").await, 2);
}

const WECHAT_APIV3_KEY: &str = "0123456789abcdef0123456789abcdef";

/// A WeChat Pay v3 callback body with the transaction encrypted under the APIv3 key.
fn wechat_body(tradeno: &str, fen: i64) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine;
    let transaction = json!({"mchid": "1900000001", "appid": "wxd678efh567hg6787",
        "out_trade_no": tradeno, "transaction_id": "4200000000202401011234567890",
        "trade_state": "SUCCESS", "amount": {"total": fen, "currency": "CNY"}})
    .to_string();
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(WECHAT_APIV3_KEY.as_bytes()).unwrap();
    let sealed = cipher
        .encrypt(
            aes_gcm::Nonce::from_slice(b"fdasflkja484"),
            Payload {
                msg: transaction.as_bytes(),
                aad: b"transaction",
            },
        )
        .unwrap();
    json!({"id": "EV-2018022511223320873", "create_time": "2024-01-01T12:00:00+08:00",
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功", "resource": {"original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM", "associated_data": "transaction",
            "nonce": "fdasflkja484",
            "ciphertext": base64::engine::general_purpose::STANDARD.encode(sealed)}})
    .to_string()
}

/// Posts a WeChat callback with the given signature over `timestamp\nnonce\nbody\n`.
async fn wechat_post(app: &TestApp, body: &str, signature: &str, ts: i64) -> StatusCode {
    app.client
        .post(app.url("payment/notify/wechat"))
        .header("content-type", "application/json")
        .header("Wechatpay-Timestamp", ts.to_string())
        .header("Wechatpay-Nonce", "n0nce")
        .header("Wechatpay-Signature", signature)
        .header("Wechatpay-Serial", "PLATFORM-SERIAL")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

/// A fake WeChat Pay v3 Native API: checks the request's WECHATPAY2-SHA256-RSA2048 signature with
/// the merchant's public key and answers a `code_url`.
async fn fake_wechat_v3(merchant_public: rsa::RsaPublicKey) -> String {
    use axum::http::{HeaderMap, StatusCode as Code};
    use axum::response::IntoResponse;
    let router = axum::Router::new().route(
        "/v3/pay/transactions/native",
        axum::routing::post(move |headers: HeaderMap, body: String| async move {
            let auth = headers["authorization"].to_str().unwrap().to_string();
            let field = |k: &str| {
                let start = auth.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
                auth[start..].split('"').next().unwrap().to_string()
            };
            let message = format!(
                "POST\n/v3/pay/transactions/native\n{}\n{}\n{body}\n",
                field("timestamp"),
                field("nonce_str")
            );
            let genuine = spanel::gateways::rsa_sha256_verify(
                &merchant_public,
                message.as_bytes(),
                &field("signature"),
            );
            let order: Value = serde_json::from_str(&body).unwrap();
            if !genuine || field("mchid") != "1900000001" || order["amount"]["total"] != 1234 {
                return Code::UNAUTHORIZED.into_response();
            }
            axum::Json(json!({"code_url": format!("weixin://wxpay/bizpayurl?pr={}",
                order["out_trade_no"].as_str().unwrap())}))
            .into_response()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn wechat_round_trip(backend: Backend) {
    // One key plays both the merchant's and the platform's (key generation is slow).
    let platform = alipay_key();
    let fake = fake_wechat_v3(platform.to_public_key()).await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("wechat".into(), fake);
    })
    .await;
    setup(&app).await;
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["epay","wechat"]"#)
        .await
        .unwrap();
    s.set("wechat_appid", "wxd678efh567hg6787").await.unwrap();
    s.set("wechat_mchid", "1900000001").await.unwrap();
    s.set("wechat_serial_no", "MERCHANT-SERIAL").await.unwrap();
    s.set("wechat_private_key", &pem_private(platform))
        .await
        .unwrap();
    s.set("wechat_apiv3_key", WECHAT_APIV3_KEY).await.unwrap();
    s.set("wechat_platform_public_key", &pem_public(platform))
        .await
        .unwrap();
    let (user, token, before) = payer(&app).await;
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "12.34", "gateway": "wechat"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    let (order, tradeno) = (
        d["order_id"].as_i64().unwrap(),
        d["tradeno"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        d["action"],
        json!({"type": "qr_code", "content": format!("weixin://wxpay/bizpayurl?pr={tradeno}")})
    );
    let ts = chrono::Utc::now().timestamp();
    let sign = |body: &str| rsa_sha256_sign(platform, format!("{ts}\nn0nce\n{body}\n").as_bytes());

    let body = wechat_body(&tradeno, 1234);
    let signature = sign(&body);
    // The signature of the genuine body over a body asking for more money.
    let richer = wechat_body(&tradeno, 123_400);
    assert_eq!(
        wechat_post(&app, &richer, &signature, ts).await,
        StatusCode::BAD_REQUEST
    );
    let mut flipped = signature.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(
        wechat_post(&app, &body, &flipped, ts).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(balance(&app, user).await, before);

    // 50 identical deliveries at once: acknowledged, credited once.
    let replies =
        futures::future::join_all((0..50).map(|_| wechat_post(&app, &body, &signature, ts))).await;
    assert!(replies.iter().all(|s| *s == StatusCode::NO_CONTENT));
    assert_eq!(balance(&app, user).await, before + m("12.34"));
    assert_eq!(
        app.scalar_i64(&format!("SELECT status FROM paylist WHERE id = {order}"))
            .await,
        1
    );
    assert_eq!(events(&app, "credited").await, 1);
    assert_eq!(events(&app, "duplicate").await, 49);
    assert_eq!(events(&app, "rejected").await, 2);
}

const PAYPAL_CLIENT: &str = "paypal-client-id";
const PAYPAL_SECRET: &str = "paypal-client-secret";
const PAYPAL_TOKEN: &str = "A21AAtest-access-token";
const PAYPAL_WEBHOOK: &str = "8PT597110X687430LKGECATA";
/// The transmission signature the fake PayPal accepts.
const PAYPAL_GOOD_SIG: &str = "good-transmission-signature";

struct FakePaypalOrder {
    reference: String,
    currency: String,
    value: String,
    captured: bool,
}

/// The state of the fake PayPal, which tests inspect and steer.
#[derive(Default)]
struct Paypal {
    orders: HashMap<String, FakePaypalOrder>,
    /// Capture calls received.
    captures: usize,
    /// Access tokens issued.
    tokens: usize,
    /// Answer captures with INSTRUMENT_DECLINED.
    decline: bool,
    /// Report captures of this (currency, value) instead of the order's.
    captured_as: Option<(&'static str, &'static str)>,
}

type FakePaypal = Arc<Mutex<Paypal>>;

fn paypal_order_json(id: &str, o: &FakePaypalOrder, captured_as: Option<(&str, &str)>) -> Value {
    let (currency, value) = captured_as.unwrap_or((&o.currency, &o.value));
    let mut unit = json!({"reference_id": o.reference,
        "amount": {"currency_code": o.currency, "value": o.value}});
    if o.captured {
        unit["payments"] = json!({"captures": [{"id": format!("CAP{id}"), "status": "COMPLETED",
            "amount": {"currency_code": currency, "value": value}}]});
    }
    json!({"id": id, "status": if o.captured { "COMPLETED" } else { "APPROVED" },
        "purchase_units": [unit]})
}

fn paypal_error(status: StatusCode, name: &str, issue: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = json!({"name": name, "message": "The requested action could not be performed.",
        "details": [{"issue": issue}], "debug_id": "f00dfeed"});
    (status, axum::Json(body)).into_response()
}

/// A fake PayPal REST API on loopback: OAuth2 client credentials, create, capture and get order.
async fn fake_paypal() -> (String, FakePaypal) {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use base64::Engine;

    fn bearer_ok(headers: &HeaderMap) -> bool {
        headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {PAYPAL_TOKEN}"))
    }

    let state: FakePaypal = Arc::default();
    let router = axum::Router::new()
        .route(
            "/v1/oauth2/token",
            post(|State(s): State<FakePaypal>, headers: HeaderMap, body: String| async move {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{PAYPAL_CLIENT}:{PAYPAL_SECRET}"));
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
                if auth != Some(&format!("Basic {basic}")) || body != "grant_type=client_credentials" {
                    let err = json!({"error": "invalid_client",
                        "error_description": "Client Authentication failed"});
                    return (StatusCode::UNAUTHORIZED, axum::Json(err)).into_response();
                }
                s.lock().unwrap().tokens += 1;
                axum::Json(json!({"scope": "https://uri.paypal.com/services/payments/payment",
                    "access_token": PAYPAL_TOKEN, "token_type": "Bearer", "expires_in": 32400}))
                .into_response()
            }),
        )
        .route(
            "/v2/checkout/orders",
            post(
                |State(s): State<FakePaypal>, headers: HeaderMap, axum::Json(b): axum::Json<Value>| async move {
                    if !bearer_ok(&headers) {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    assert_eq!(b["intent"], "CAPTURE");
                    let unit = &b["purchase_units"][0];
                    let mut s = s.lock().unwrap();
                    let id = format!("5O{:015}", s.orders.len() + 1);
                    s.orders.insert(id.clone(), FakePaypalOrder {
                        reference: unit["reference_id"].as_str().unwrap().into(),
                        currency: unit["amount"]["currency_code"].as_str().unwrap().into(),
                        value: unit["amount"]["value"].as_str().unwrap().into(),
                        captured: false,
                    });
                    axum::Json(json!({"id": id, "status": "PAYER_ACTION_REQUIRED", "links": [
                        {"href": format!("https://api.sandbox.paypal.com/v2/checkout/orders/{id}"),
                            "rel": "self", "method": "GET"},
                        {"href": format!("https://www.sandbox.paypal.com/checkoutnow?token={id}"),
                            "rel": "payer-action", "method": "GET"}]}))
                    .into_response()
                },
            ),
        )
        .route(
            "/v2/checkout/orders/{id}/capture",
            post(|State(s): State<FakePaypal>, Path(id): Path<String>, headers: HeaderMap| async move {
                if !bearer_ok(&headers) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                let mut s = s.lock().unwrap();
                s.captures += 1;
                let (decline, captured_as) = (s.decline, s.captured_as);
                let Some(o) = s.orders.get_mut(&id) else {
                    return paypal_error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID");
                };
                if decline {
                    return paypal_error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED");
                }
                if o.captured {
                    return paypal_error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED");
                }
                o.captured = true;
                (StatusCode::CREATED, axum::Json(paypal_order_json(&id, o, captured_as))).into_response()
            }),
        )
        .route(
            "/v1/notifications/verify-webhook-signature",
            post(|headers: HeaderMap, axum::Json(b): axum::Json<Value>| async move {
                if !bearer_ok(&headers) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                for field in ["auth_algo", "cert_url", "transmission_id", "transmission_time"] {
                    assert!(b[field].is_string(), "{field} missing in {b}");
                }
                assert!(b["webhook_event"].is_object());
                let genuine = b["webhook_id"] == PAYPAL_WEBHOOK && b["transmission_sig"] == PAYPAL_GOOD_SIG;
                axum::Json(json!({"verification_status": if genuine { "SUCCESS" } else { "FAILURE" }}))
                    .into_response()
            }),
        )
        .route(
            "/v2/checkout/orders/{id}",
            get(|State(s): State<FakePaypal>, Path(id): Path<String>, headers: HeaderMap| async move {
                if !bearer_ok(&headers) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                let s = s.lock().unwrap();
                match s.orders.get(&id) {
                    Some(o) => axum::Json(paypal_order_json(&id, o, s.captured_as)).into_response(),
                    None => paypal_error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID"),
                }
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), state)
}

/// A server whose PayPal is the fake, configured with SSPanel's PayPal settings.
async fn paypal_app(backend: Backend) -> (TestApp, FakePaypal) {
    let (url, fake) = fake_paypal().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("paypal".into(), url);
    })
    .await;
    setup(&app).await;
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["epay","paypal"]"#)
        .await
        .unwrap();
    s.set("paypal_mode", "sandbox").await.unwrap();
    s.set("paypal_client_id", PAYPAL_CLIENT).await.unwrap();
    s.set("paypal_client_secret", PAYPAL_SECRET).await.unwrap();
    s.set("paypal_currency", "usd").await.unwrap();
    s.set("paypal_locale", "en_US").await.unwrap();
    s.set("paypal_webhook_id", PAYPAL_WEBHOOK).await.unwrap();
    (app, fake)
}

/// A PayPal webhook delivery of `event_type` about `resource`, signed with `sig`.
async fn paypal_webhook(
    app: &TestApp,
    sig: &str,
    event_type: &str,
    resource: Value,
) -> (StatusCode, Value) {
    let event = json!({"id": "WH-58D329510W468432D-8HN650336L201105X", "event_version": "1.0",
        "resource_type": "checkout-order", "event_type": event_type, "resource": resource});
    let resp = app
        .client
        .post(app.url("payment/notify/paypal"))
        .header("PAYPAL-AUTH-ALGO", "SHA256withRSA")
        .header(
            "PAYPAL-CERT-URL",
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
        )
        .header(
            "PAYPAL-TRANSMISSION-ID",
            "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        )
        .header("PAYPAL-TRANSMISSION-SIG", sig)
        .header("PAYPAL-TRANSMISSION-TIME", "2026-11-25T10:00:00Z")
        .json(&event)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn paypal_webhooks(backend: Backend) {
    let (app, fake) = paypal_app(backend).await;
    let (user, token) = app
        .register_and_login("hook@example.com", "password-1")
        .await;
    let before = balance(&app, user).await;
    let (_, _, paypal_id) = paypal_order(&app, &token, "7.50").await;
    let approved = json!({"id": paypal_id, "status": "APPROVED", "intent": "CAPTURE"});

    // A forged signature: refused, nothing captured or credited.
    let (status, body) =
        paypal_webhook(&app, "forged", "CHECKOUT.ORDER.APPROVED", approved.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(fake.lock().unwrap().captures, 0);
    assert_eq!(balance(&app, user).await, before);

    // The buyer approved and closed the tab: PayPal's own webhook captures and credits, once,
    // however often it is delivered.
    let replies = futures::future::join_all((0..8).map(|_| {
        paypal_webhook(
            &app,
            PAYPAL_GOOD_SIG,
            "CHECKOUT.ORDER.APPROVED",
            approved.clone(),
        )
    }))
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    assert_eq!(balance(&app, user).await, before + m("7.50"));
    let captured = json!({"id": "7TK53561YB803214S", "status": "COMPLETED",
        "amount": {"currency_code": "USD", "value": "7.50"},
        "supplementary_data": {"related_ids": {"order_id": paypal_id}}});
    let (status, body) =
        paypal_webhook(&app, PAYPAL_GOOD_SIG, "PAYMENT.CAPTURE.COMPLETED", captured).await;
    assert_eq!(
        (status, body["data"]["result"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
    assert_eq!(balance(&app, user).await, before + m("7.50"));

    // Events that pay nothing, and orders of other shops on the same PayPal account, are
    // acknowledged so PayPal stops resending them.
    let refunded = json!({"id": "7TK53561YB803214S", "status": "REFUNDED"});
    let (status, body) =
        paypal_webhook(&app, PAYPAL_GOOD_SIG, "PAYMENT.CAPTURE.REFUNDED", refunded).await;
    assert_eq!(
        (status, body["data"]["result"].as_str()),
        (StatusCode::OK, Some("ignored"))
    );
    let foreign = json!({"id": "5O999999999999999", "status": "APPROVED"});
    let (status, body) =
        paypal_webhook(&app, PAYPAL_GOOD_SIG, "CHECKOUT.ORDER.APPROVED", foreign).await;
    assert_eq!(
        (status, body["data"]["result"].as_str()),
        (StatusCode::OK, Some("ignored"))
    );
    assert_eq!(balance(&app, user).await, before + m("7.50"));
}

/// Creates a PayPal order; returns (order id, tradeno, PayPal order id).
async fn paypal_order(app: &TestApp, token: &str, amount: &str) -> (i64, String, String) {
    let (status, body) = app
        .post(
            "payment/create",
            Some(token),
            &json!({"amount": amount, "gateway": "paypal"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    assert_eq!(d["action"]["type"], "redirect");
    let url = d["action"]["url"].as_str().unwrap();
    let (_, paypal_id) = url
        .split_once("checkoutnow?token=")
        .unwrap_or_else(|| panic!("not an approve link: {url}"));
    (
        d["order_id"].as_i64().unwrap(),
        d["tradeno"].as_str().unwrap().to_string(),
        paypal_id.to_string(),
    )
}

/// The page's notify call: `POST {"order_id": …}`.
async fn paypal_notify(app: &TestApp, paypal_id: &str) -> (StatusCode, Value) {
    app.post(
        "payment/notify/paypal",
        None,
        &json!({"order_id": paypal_id}),
    )
    .await
}

async fn paypal_round_trip(backend: Backend) {
    let (app, fake) = paypal_app(backend).await;
    let (user, token, before) = payer(&app).await;
    let (order, tradeno, paypal_id) = paypal_order(&app, &token, "10.05").await;
    {
        let f = fake.lock().unwrap();
        let o = &f.orders[&paypal_id];
        assert_eq!(
            (o.reference.as_str(), o.currency.as_str(), o.value.as_str()),
            (tradeno.as_str(), "USD", "10.05")
        );
    }
    // The binding lives in the database, so any instance, after any restart, finds the order.
    assert_eq!(
        app.scalar_text(&format!(
            "SELECT tradeno FROM spanel_gateway_order WHERE gateway = 'paypal' AND gateway_order_id = '{paypal_id}'"
        ))
        .await,
        tradeno
    );

    // Ids spanel never created are not even sent to PayPal.
    for bad in ["5O999999999999999", "../../v1/identity", ""] {
        let (status, body) = paypal_notify(&app, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["ret"], 0);
    }
    let (_, body) = paypal_notify(&app, "5O999999999999999").await;
    assert_eq!(body["msg"], "unknown order");
    assert_eq!(fake.lock().unwrap().captures, 0);

    // PayPal refuses the capture: a clear error, nothing credited, and the call may be repeated.
    fake.lock().unwrap().decline = true;
    let (status, body) = paypal_notify(&app, &paypal_id).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["ret"], 0);
    assert_eq!(
        body["msg"],
        "PayPal API error: HTTP 422 UNPROCESSABLE_ENTITY (INSTRUMENT_DECLINED), debug id f00dfeed"
    );
    assert_eq!(balance(&app, user).await, before);
    fake.lock().unwrap().decline = false;

    // Parallel notifies (the page's POST and the return URL's GET ?token=): one capture succeeds,
    // the others find the order already captured and read it back; credited exactly once.
    let replies = futures::future::join_all((0..50).map(|i| {
        let (app, paypal_id) = (&app, paypal_id.clone());
        async move {
            if i % 2 == 0 {
                paypal_notify(app, &paypal_id).await
            } else {
                app.get(
                    &format!("payment/notify/paypal?token={paypal_id}&PayerID=PAYER1"),
                    None,
                )
                .await
            }
        }
    }))
    .await;
    for (status, body) in &replies {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(body["ret"], 1);
    }
    let results: Vec<&str> = replies
        .iter()
        .map(|(_, b)| b["data"]["result"].as_str().unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| **r == "credited").count(), 1);
    assert_eq!(balance(&app, user).await, before + m("10.05"));
    assert_eq!(
        app.scalar_i64(&format!("SELECT status FROM paylist WHERE id = {order}"))
            .await,
        1
    );
    assert_eq!(events(&app, "credited").await, 1);
    assert_eq!(events(&app, "duplicate").await, 49);
    assert_eq!(events(&app, "failed").await, 1);
    assert_eq!(fake.lock().unwrap().captures, 51);
    // One access token served the create and all 51 captures (PayPal wants tokens reused).
    assert_eq!(fake.lock().unwrap().tokens, 1);

    // Much later, once more: still acknowledged, still credited once.
    let (status, body) = paypal_notify(&app, &paypal_id).await;
    assert_eq!(
        (status, body["data"]["result"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
    assert_eq!(balance(&app, user).await, before + m("10.05"));
}

async fn paypal_refusals(backend: Backend) {
    let (app, fake) = paypal_app(backend).await;
    let (user, token, before) = payer(&app).await;

    // PayPal captured a different amount, or in another currency: refused, not credited.
    let (order, _, paypal_id) = paypal_order(&app, &token, "10.00").await;
    fake.lock().unwrap().captured_as = Some(("USD", "1.00"));
    let (status, body) = paypal_notify(&app, &paypal_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["msg"], "amount 1.00 differs from the order's 10.00");
    fake.lock().unwrap().captured_as = Some(("EUR", "10.00"));
    let (status, body) = paypal_notify(&app, &paypal_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["msg"], "captured in EUR, the order is in USD");
    assert_eq!(balance(&app, user).await, before);
    assert_eq!(
        app.scalar_i64(&format!("SELECT status FROM paylist WHERE id = {order}"))
            .await,
        0
    );
    assert_eq!(events(&app, "rejected").await, 2);

    // Wrong credentials: PayPal's token endpoint refuses; creation is unavailable, a notify fails
    // with PayPal's error, and neither credits anything.
    fake.lock().unwrap().captured_as = None;
    let (_, _, second) = paypal_order(&app, &token, "5.00").await;
    app.state
        .settings
        .set("paypal_client_secret", "wrong-secret")
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "payment/create",
            Some(&token),
            &json!({"amount": "5.00", "gateway": "paypal"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, body) = paypal_notify(&app, &second).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["msg"], "PayPal API error: HTTP 401 invalid_client");
    assert!(!body.to_string().contains("wrong-secret"));
    assert_eq!(balance(&app, user).await, before);
    assert_eq!(events(&app, "credited").await, 0);
}

both_backends!(
    create_then_debug_confirm,
    parallel_epay_callbacks_credit_once,
    bad_epay_callbacks_are_rejected,
    callbacks_find_orders_sspanel_wrote,
    stripe_webhooks,
    alipay_round_trip,
    wechat_round_trip,
    paypal_round_trip,
    paypal_webhooks,
    paypal_refusals,
    others_orders_are_404,
    debug_confirm_absent_without_debug,
    rebate_modes,
    multi_level_rebate,
);
