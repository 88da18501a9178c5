//! Paying for a plan in one step: the gateway's verified callback credits the top-up and buys the
//! plan in the same transaction, once; when the plan cannot be bought any more the money stays as
//! balance and the user is told.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use spanel::db::Money;

const EPAY_KEY: &str = "89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i";
const GB: i64 = 1024 * 1024 * 1024;

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

async fn balance(app: &TestApp, user: i64) -> Money {
    m(&app
        .scalar_text(&format!("SELECT money FROM user WHERE id = {user}"))
        .await)
}

async fn bought(app: &TestApp, user: i64) -> i64 {
    app.scalar_i64(&format!(
        "SELECT COUNT(*) FROM bought WHERE userid = {user}"
    ))
    .await
}

/// A server with EPay enabled, a plan of `price` (10 GB, class 1 for 30 days) and a buyer:
/// (app, plan id, buyer id, buyer token).
async fn setup(backend: Backend, price: &str) -> (TestApp, i64, i64, String) {
    let app = TestApp::spawn(backend).await;
    let s = &app.state.settings;
    s.set("payment_gateway", r#"["epay"]"#).await.unwrap();
    s.set("epay_url", "https://pay.example.com/").await.unwrap();
    s.set("epay_pid", "1001").await.unwrap();
    s.set("epay_key", EPAY_KEY).await.unwrap();
    let (_, admin) = app.admin_token().await;
    let (status, body) = app
        .post(
            "admin/shop",
            Some(&admin),
            &json!({"name": "Plan", "price": price,
                "content": {"bandwidth": "10", "class": 1, "class_expire": "30", "expire": 30}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let plan = body["data"]["id"].as_i64().unwrap();
    let (user, token) = app
        .register_and_login("buyer@example.com", "password-1")
        .await;
    app.exec(&format!("UPDATE user SET money = 0 WHERE id = {user}"))
        .await;
    (app, plan, user, token)
}

async fn checkout(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.post("shop/checkout", Some(token), &body).await
}

fn paid(tradeno: &str, money: &str) -> String {
    common::epay_notify_query(tradeno, money, "1001", EPAY_KEY)
}

async fn notify(app: &TestApp, query: &str) -> (StatusCode, String) {
    common::notify_get(app, "epay", query).await
}

async fn status_of(app: &TestApp, token: &str, order: i64) -> Value {
    let (status, body) = app
        .get(&format!("shop/checkout/{order}"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

async fn pay_for_a_plan_in_one_step(backend: Backend) {
    let (app, plan, user, token) = setup(backend, "10.00").await;
    // Other users' plan checkouts are not visible; a balance that covers the plan buys directly.
    let (status, body) = checkout(&app, &token, json!({"shop_id": plan, "gateway": "epay"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let d = &body["data"];
    assert_eq!(
        (
            d["price"].as_str(),
            d["amount"].as_str(),
            d["balance_used"].as_str()
        ),
        (Some("10.00"), Some("10.00"), Some("0.00"))
    );
    assert!(d["action"]["url"].as_str().unwrap().contains("money=10.00"));
    let order = d["order_id"].as_i64().unwrap();
    let tradeno = d["tradeno"].as_str().unwrap().to_string();
    assert_eq!(status_of(&app, &token, order).await["status"], "pending");

    // A wrong amount neither credits nor buys.
    assert_eq!(
        notify(&app, &paid(&tradeno, "1.00")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(bought(&app, user).await, 0);

    // 50 identical callbacks at once: one credit, one purchase.
    let q = paid(&tradeno, "10.00");
    let replies = futures::future::join_all((0..50).map(|_| notify(&app, &q))).await;
    for (status, text) in &replies {
        assert_eq!((*status, text.as_str()), (StatusCode::OK, "success"));
    }
    assert_eq!(notify(&app, &q).await.0, StatusCode::OK);
    assert_eq!(bought(&app, user).await, 1);
    assert_eq!(balance(&app, user).await, m("0.00"));
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {user}"
        ))
        .await,
        10 * GB
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT class FROM user WHERE id = {user}"))
            .await,
        1
    );
    let st = status_of(&app, &token, order).await;
    assert_eq!(st["status"], "bought");
    assert_eq!(
        st["bought_id"].as_i64().unwrap(),
        app.scalar_i64(&format!("SELECT id FROM bought WHERE userid = {user}"))
            .await
    );
    // The top-up is recorded like any other.
    assert_eq!(
        app.scalar_text(&format!(
            "SELECT number FROM code WHERE userid = {user} AND type = -1 AND code = 'epay'"
        ))
        .await,
        "10.00"
    );

    // Part from the balance: only the rest is paid through the gateway.
    app.exec(&format!("UPDATE user SET money = 3.50 WHERE id = {user}"))
        .await;
    let (status, body) = checkout(
        &app,
        &token,
        json!({"shop_id": plan, "gateway": "epay", "use_balance": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["amount"], "6.50");
    assert_eq!(body["data"]["balance_used"], "3.50");
    let tradeno = body["data"]["tradeno"].as_str().unwrap();
    assert_eq!(
        notify(&app, &paid(tradeno, "6.50")).await,
        (StatusCode::OK, "success".into())
    );
    assert_eq!(bought(&app, user).await, 2);
    assert_eq!(balance(&app, user).await, m("0.00"));

    // A balance that covers the plan: buy it directly.
    app.exec(&format!("UPDATE user SET money = 10 WHERE id = {user}"))
        .await;
    let (status, _) = checkout(
        &app,
        &token,
        json!({"shop_id": plan, "gateway": "epay", "use_balance": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Unknown plan, gateway not enabled: nothing created.
    let (status, _) = checkout(&app, &token, json!({"shop_id": 999, "gateway": "epay"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = checkout(&app, &token, json!({"shop_id": plan, "gateway": "paypal"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Other users cannot see the checkout.
    let (_, other) = app
        .register_and_login("other@example.com", "password-2")
        .await;
    let (status, _) = app
        .get(&format!("shop/checkout/{order}"), Some(&other))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Both calls are documented.
    let (_, doc) = app.get("/openapi.json", None).await;
    assert!(doc["paths"]["/app/api/v0/shop/checkout"]["post"].is_object());
    assert!(doc["paths"]["/app/api/v0/shop/checkout/{order_id}"]["get"].is_object());
}

/// Opens a checkout of `plan` through EPay: (order id, tradeno).
async fn open_checkout(app: &TestApp, token: &str, plan: i64) -> (i64, String) {
    let (status, body) = checkout(app, token, json!({"shop_id": plan, "gateway": "epay"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["data"]["order_id"].as_i64().unwrap(),
        body["data"]["tradeno"].as_str().unwrap().to_string(),
    )
}

/// The plan's price changed, or it went off sale, between checkout and payment: the money stays
/// as balance, the checkout says why and the user gets an e-mail; repeated callbacks change nothing.
async fn changed_plans_keep_the_money(backend: Backend) {
    let (app, plan, user, token) = setup(backend, "10.00").await;
    let (repriced, repriced_no) = open_checkout(&app, &token, plan).await;
    let (withdrawn, withdrawn_no) = open_checkout(&app, &token, plan).await;

    app.exec(&format!("UPDATE shop SET price = 12 WHERE id = {plan}"))
        .await;
    let q = paid(&repriced_no, "10.00");
    let replies = futures::future::join_all((0..20).map(|_| notify(&app, &q))).await;
    assert!(replies.iter().all(|(s, _)| *s == StatusCode::OK));
    assert_eq!(balance(&app, user).await, m("10.00"));
    assert_eq!(bought(&app, user).await, 0);
    let st = status_of(&app, &token, repriced).await;
    assert_eq!(st["status"], "kept");
    assert_eq!(st["note"], "The plan's price changed from 10.00 to 12.00.");

    app.exec(&format!(
        "UPDATE shop SET price = 10, status = 0 WHERE id = {plan}"
    ))
    .await;
    assert_eq!(
        notify(&app, &paid(&withdrawn_no, "10.00")).await.0,
        StatusCode::OK
    );
    assert_eq!(balance(&app, user).await, m("20.00"));
    assert_eq!(bought(&app, user).await, 0);
    let st = status_of(&app, &token, withdrawn).await;
    assert_eq!(
        (st["status"].as_str(), st["note"].as_str()),
        (Some("kept"), Some("No such plan on sale."))
    );
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM email_queue WHERE to_email = 'buyer@example.com' \
             AND subject = 'Your payment is in your balance'"
        )
        .await,
        2
    );
}

both_backends!(pay_for_a_plan_in_one_step, changed_plans_keep_the_money);
