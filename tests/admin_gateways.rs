//! `/admin/gateways`: settings explained and saved, secrets never returned, enabling refused while
//! a required setting is empty (nothing changed), connection tests against fake providers on
//! loopback, EPay-compatible providers, the admin-log row; on SQLite and MariaDB.

mod common;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const EPAY_KEY: &str = "epay-merchant-key-4242";
const STRIPE_SK: &str = "sk_test_valid_4242";
const PAYPAL_ID: &str = "paypal-client";
const PAYPAL_SECRET: &str = "paypal-secret-4242";

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Stripe's `/v1/balance` and PayPal's `/v1/oauth2/token`, each accepting only the right key.
async fn fake_providers() -> String {
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{PAYPAL_ID}:{PAYPAL_SECRET}"))
    );
    let router = axum::Router::new()
        .route(
            "/v1/balance",
            get(|headers: HeaderMap| async move {
                if bearer(&headers) == format!("Bearer {STRIPE_SK}") {
                    (StatusCode::OK, r#"{"object":"balance","livemode":false}"#)
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        r#"{"error":{"type":"invalid_request_error"}}"#,
                    )
                }
            }),
        )
        .route(
            "/v1/oauth2/token",
            post(move |headers: HeaderMap| {
                let basic = basic.clone();
                async move {
                    if bearer(&headers) == basic {
                        (
                            StatusCode::OK,
                            r#"{"access_token":"A21","expires_in":32400}"#,
                        )
                    } else {
                        (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client"}"#)
                    }
                }
            }),
        )
        .route("/", get(|| async { "epusdt" }));
    serve(router).await
}

async fn admin_log_rows(app: &TestApp) -> i64 {
    app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'gateway.update'")
        .await
}

async fn setting(app: &TestApp, item: &str) -> String {
    app.state.settings.invalidate().await;
    app.state.settings.get(item).await.unwrap()
}

async fn put(app: &TestApp, token: &str, name: &str, body: Value) -> (StatusCode, Value) {
    app.send(
        Method::PUT,
        &format!("admin/gateways/{name}"),
        Some(token),
        Some(&body),
    )
    .await
}

fn gateway<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed: {list}"))
}

fn field<'a>(g: &'a Value, item: &str) -> &'a Value {
    g["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["item"] == item)
        .unwrap()
}

async fn only_admins_reach_gateways(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, user) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    let calls = [
        (Method::GET, "admin/gateways"),
        (Method::PUT, "admin/gateways/epay"),
        (Method::DELETE, "admin/gateways/usdtpay"),
        (Method::POST, "admin/gateways/stripe/test"),
    ];
    for (method, path) in calls {
        let body = json!({"enabled": true});
        let (s, _) = app.send(method.clone(), path, None, Some(&body)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {path}");
        let (s, _) = app
            .send(method.clone(), path, Some(&user), Some(&body))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(setting(&app, "payment_gateway").await, "[]");
}

async fn enabling_needs_every_required_setting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, token) = app.admin_token().await;

    let (s, body) = put(&app, &token, "epay", json!({"enabled": true})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let msg = body["msg"].as_str().unwrap();
    for item in ["epay_url", "epay_pid", "epay_key"] {
        assert!(msg.contains(item), "{msg}");
        assert!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == item),
            "{body}"
        );
    }
    // Half the settings and enabling at once: refused whole, nothing saved.
    let (s, body) = put(
        &app,
        &token,
        "epay",
        json!({"enabled": true, "epay_url": "https://pay.example.com/", "epay_pid": "1001"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "epay_key", "{body}");
    // Malformed values and unknown items are refused too.
    for bad in [
        json!({"epay_url": "ftp://pay.example.com/"}),
        json!({"epay_url": "https://pay.example.com/\nX"}),
        json!({"stripe_sk": "belongs to another gateway"}),
        json!({"epay_key": "x".repeat(20_000)}),
    ] {
        let (s, body) = put(&app, &token, "epay", bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (s, _) = put(&app, &token, "epay", json!({"epay_url": 5})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = put(&app, &token, "no_such", json!({"epay_url": "https://x/"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(setting(&app, "epay_url").await, "");
    assert_eq!(setting(&app, "payment_gateway").await, "[]");
    assert_eq!(admin_log_rows(&app).await, 0);

    // Complete: saved and enabled in one transaction with its audit row.
    let (s, body) = put(
        &app,
        &token,
        "epay",
        json!({"enabled": true, "epay_url": "https://pay.example.com/", "epay_pid": "1001",
               "epay_key": EPAY_KEY}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["enabled"], true);
    assert_eq!(body["data"]["missing"], json!([]));
    assert_eq!(setting(&app, "epay_key").await, EPAY_KEY);
    assert_eq!(setting(&app, "payment_gateway").await, r#"["epay"]"#);
    let (who, target, detail): (i64, String, String) =
        spanel::on_db!(app.db(), |p| sqlx::query_as(
            "SELECT admin_id, target, detail FROM spanel_admin_log WHERE action = 'gateway.update'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!((who, target.as_str()), (admin, "gateway:epay"));
    assert!(
        detail.contains("epay_url") && detail.contains("epay_key"),
        "{detail}"
    );
    assert!(!detail.contains(EPAY_KEY), "{detail}");

    // An empty secret keeps the stored one; emptying a required setting of an enabled gateway is
    // refused.
    let (s, body) = put(
        &app,
        &token,
        "epay",
        json!({"epay_key": "", "epay_pid": "1002"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(setting(&app, "epay_key").await, EPAY_KEY);
    assert_eq!(setting(&app, "epay_pid").await, "1002");
    let (s, body) = put(&app, &token, "epay", json!({"epay_url": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(setting(&app, "epay_url").await, "https://pay.example.com/");
    // Disabling is always allowed.
    let (s, _) = put(&app, &token, "epay", json!({"enabled": false})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(setting(&app, "payment_gateway").await, "[]");
    assert_eq!(admin_log_rows(&app).await, 3);

    // The raw settings endpoint cannot enable an incomplete gateway either.
    let (s, body) = app
        .send(
            Method::PUT,
            "admin/settings/payment_gateway",
            Some(&token),
            Some(&json!({"value": ["stripe"]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["msg"].as_str().unwrap().contains("stripe_sk"),
        "{body}"
    );
}

async fn secrets_are_never_sent_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    let (s, body) = put(
        &app,
        &token,
        "paypal",
        json!({"paypal_client_id": PAYPAL_ID, "paypal_client_secret": PAYPAL_SECRET,
               "paypal_mode": "live"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(!body.to_string().contains(PAYPAL_SECRET), "{body}");
    let (s, _) = put(&app, &token, "paypal", json!({"paypal_mode": "production"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, list) = app.get("admin/gateways", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(!list.to_string().contains(PAYPAL_SECRET), "{list}");
    let paypal = gateway(&list, "paypal");
    let secret = field(paypal, "paypal_client_secret");
    assert_eq!(secret["secret"], true);
    assert_eq!(secret["value"], Value::Null);
    assert_eq!(secret["set"], true);
    assert_eq!(field(paypal, "paypal_client_id")["value"], PAYPAL_ID);
    assert_eq!(
        field(paypal, "paypal_mode")["choices"],
        json!(["sandbox", "live"])
    );
    assert!(!field(paypal, "paypal_mode")["label"]["zh-CN"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(
        paypal["callback_url"],
        format!(
            "{}/app/api/v0/payment/notify/paypal",
            app.state.config.base_url
        )
    );
    assert_eq!(paypal["enabled"], false);
    assert_eq!(paypal["test_connection"], true);
    let epay = gateway(&list, "epay");
    assert_eq!(epay["missing"], json!(["epay_url", "epay_pid", "epay_key"]));
    assert_eq!(field(epay, "epay_key")["set"], false);
    assert_eq!(gateway(&list, "alipay")["test_connection"], false);
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        spanel::gateways::NAMES.len()
    );
    // The OpenAPI document lists the paths.
    let (_, doc) = app.get("/openapi.json", None).await;
    for path in [
        "/app/api/v0/admin/gateways",
        "/app/api/v0/admin/gateways/{name}",
        "/app/api/v0/admin/gateways/{name}/test",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from /openapi.json"
        );
    }
}

async fn connection_tests_ask_the_provider(backend: Backend) {
    let fake = fake_providers().await;
    let app = TestApp::spawn_with(backend, |c| {
        c.gateway_base_urls.insert("stripe".into(), fake.clone());
        c.gateway_base_urls.insert("paypal".into(), fake.clone());
    })
    .await;
    let (_, token) = app.admin_token().await;
    let test = |name: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let (s, body) = app
                .post(
                    &format!("admin/gateways/{name}/test"),
                    Some(&token),
                    &json!({}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{name}: {body}");
            (
                body["data"]["ok"].as_bool().unwrap(),
                body["data"]["message"].to_string(),
            )
        }
    };
    put(
        &app,
        &token,
        "stripe",
        json!({"stripe_sk": "sk_test_wrong"}),
    )
    .await;
    assert!(!test("stripe").await.0);
    put(&app, &token, "stripe", json!({"stripe_sk": STRIPE_SK})).await;
    let (ok, msg) = test("stripe").await;
    assert!(ok, "{msg}");
    assert!(!msg.contains(STRIPE_SK));

    put(
        &app,
        &token,
        "paypal",
        json!({"paypal_client_id": PAYPAL_ID, "paypal_client_secret": "nope"}),
    )
    .await;
    assert!(!test("paypal").await.0);
    put(
        &app,
        &token,
        "paypal",
        json!({"paypal_client_secret": PAYPAL_SECRET}),
    )
    .await;
    assert!(test("paypal").await.0);

    put(
        &app,
        &token,
        "epusdt",
        json!({"epusdt_url": fake, "epusdt_token": "t"}),
    )
    .await;
    assert!(test("epusdt").await.0);
    // Nothing listens there: refused, not a server error.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    put(&app, &token, "epusdt", json!({"epusdt_url": closed})).await;
    assert!(!test("epusdt").await.0);

    let (s, _) = app
        .post("admin/gateways/alipay/test", Some(&token), &json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .post("admin/gateways/nothing/test", Some(&token), &json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn epay_providers_are_edited_entry_by_entry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    let (_, user) = app
        .register_and_login("payer@example.com", "password-1")
        .await;
    // A new provider needs its address and key.
    let (s, body) = put(
        &app,
        &token,
        "usdtpay",
        json!({"url": "https://usdt.example.com/"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["msg"].as_str().unwrap().contains("key"), "{body}");
    // A free name answers the blank form of a new provider; a name no provider may have, 404.
    let (s, blank) = app.get("admin/gateways/usdtpay", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{blank}");
    assert_eq!(blank["data"]["kind"], "epay_provider");
    assert_eq!(blank["data"]["missing"], json!(["url", "pid", "key"]));
    let (s, _) = app.get("admin/gateways/Bad-Name", Some(&token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = put(
        &app,
        &token,
        "Bad-Name",
        json!({"url": "https://x.example/", "pid": "1", "key": "k"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(setting(&app, "epay_providers").await, "[]");

    let (s, body) = put(
        &app,
        &token,
        "usdtpay",
        json!({"enabled": true, "label": "USDT (TRC20)", "url": "https://usdt.example.com/",
               "pid": "77", "key": "provider-key-9", "types": "usdt, alipay"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["kind"], "epay_provider");
    assert!(!body.to_string().contains("provider-key-9"));
    let stored: Value = serde_json::from_str(&setting(&app, "epay_providers").await).unwrap();
    assert_eq!(stored[0]["key"], "provider-key-9");
    assert_eq!(stored[0]["types"], json!(["usdt", "alipay"]));
    assert_eq!(setting(&app, "payment_gateway").await, r#"["usdtpay"]"#);
    // Users can pay through it at once.
    let (_, offered) = app.get("payment/gateways", Some(&user)).await;
    assert!(
        offered["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "usdtpay"),
        "{offered}"
    );
    // The key is kept when left empty.
    let (s, _) = put(
        &app,
        &token,
        "usdtpay",
        json!({"label": "Tether", "key": ""}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let stored: Value = serde_json::from_str(&setting(&app, "epay_providers").await).unwrap();
    assert_eq!(
        (stored[0]["label"].as_str(), stored[0]["key"].as_str()),
        (Some("Tether"), Some("provider-key-9"))
    );

    let (s, _) = app
        .send(Method::DELETE, "admin/gateways/epay", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .send(Method::DELETE, "admin/gateways/usdtpay", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(setting(&app, "epay_providers").await, "[]");
    assert_eq!(setting(&app, "payment_gateway").await, "[]");
    let (s, _) = app
        .send(Method::DELETE, "admin/gateways/usdtpay", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE target = 'gateway:usdtpay'")
            .await,
        3
    );
}

both_backends!(
    only_admins_reach_gateways,
    enabling_needs_every_required_setting,
    secrets_are_never_sent_back,
    connection_tests_ask_the_provider,
    epay_providers_are_edited_entry_by_entry,
);
