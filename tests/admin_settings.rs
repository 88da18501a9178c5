//! The settings catalogue and typed validation (`/admin/settings`), and the plan form's yes/no and
//! promotion checks (`/admin/shop`), on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn put(app: &TestApp, token: &str, item: &str, value: Value) -> (StatusCode, Value) {
    app.send(
        Method::PUT,
        &format!("admin/settings/{item}"),
        Some(token),
        Some(&json!({ "value": value })),
    )
    .await
}

async fn stored(app: &TestApp, item: &str) -> String {
    app.scalar_text(&format!(
        "SELECT `value` FROM `config` WHERE `item` = '{item}'"
    ))
    .await
}

async fn setting_logs(app: &TestApp) -> i64 {
    app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'setting.update'")
        .await
}

fn find<'a>(all: &'a Value, item: &str) -> &'a Value {
    all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["item"] == item)
        .unwrap_or_else(|| panic!("{item} is not listed"))
}

async fn catalogue_describes_every_setting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (status, all) = app.get("admin/settings", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    for s in all["data"].as_array().unwrap() {
        for key in ["group", "type", "label_en", "label_zh"] {
            assert!(
                s[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} of {s}"
            );
        }
    }
    let mode = find(&all, "notify_limit_mode");
    assert_eq!(mode["type"], "choice");
    let options: Vec<&str> = mode["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["false", "per", "mb"]);
    assert!(mode["options"][1]["zh"]
        .as_str()
        .unwrap()
        .contains("百分比"));
    let obfs = find(&all, "sign_up_for_obfs_param");
    assert_eq!(obfs["group"], "new_user");
    assert_eq!(obfs["label_en"], "Obfuscation parameter");
    assert_eq!(obfs["label_zh"], "混淆参数");
    let timeout = find(&all, "node_offline_timeout");
    assert_eq!(
        (
            &timeout["type"],
            &timeout["unit"],
            &timeout["min"],
            &timeout["max"]
        ),
        (
            &json!("number"),
            &json!("seconds"),
            &json!(30),
            &json!(86_400)
        )
    );
    assert_eq!(find(&all, "keep_connect")["type"], "switch");
    let gateways = find(&all, "payment_gateway");
    assert_eq!(
        (&gateways["type"], &gateways["format"]),
        (&json!("list"), &json!("json"))
    );
    let choices = gateways["choices"].as_array().unwrap();
    for name in ["epay", "alipay", "stripe", "wechat_v2", "epusdt"] {
        assert!(choices.contains(&json!(name)), "{name} in {choices:?}");
    }
    let key = find(&all, "stripe_sk");
    assert_eq!(
        (&key["type"], &key["value"], &key["is_set"]),
        (&json!("secret"), &json!(""), &json!(false))
    );
}

async fn bad_values_are_refused_by_type_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let cases: &[(&str, Value)] = &[
        ("keep_connect", json!("maybe")),
        ("node_offline_timeout", json!("abc")),
        ("node_offline_timeout", json!(5)),
        ("node_offline_timeout", json!(100_000)),
        ("node_offline_timeout", json!("4.5")),
        ("rebate_ratio", json!("1.5")),
        ("rebate_ratio", json!("0.123456")),
        ("notify_limit_mode", json!("percent")),
        ("reg_mode", json!("OPEN")),
        ("payment_gateway", json!("{}")),
        ("payment_gateway", json!(["Not A Name"])),
        ("payment_gateway", json!(["epay", "epay"])),
        ("rebate_levels", json!("0.2,2")),
        ("monitor_webhook_url", json!("ftp://example.com/")),
        ("smtp_sender", json!("not an address")),
        ("app_name", json!("x".repeat(65))),
        ("epay_providers", json!("{not a list")),
        ("keep_connect", Value::Null),
    ];
    let before: Vec<String> = {
        let mut v = Vec::new();
        for (item, _) in cases {
            v.push(app.state.settings.get(item).await.unwrap());
        }
        v
    };
    for (item, value) in cases {
        let (status, body) = put(&app, &admin, item, value.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{item} = {value}: {body}"
        );
        assert_eq!(body["ret"], 0, "{body}");
        assert_eq!(body["errors"][0]["field"], *item, "{body}");
        assert!(body["msg"].as_str().unwrap().contains(item), "{body}");
    }
    app.state.settings.invalidate().await;
    for ((item, _), was) in cases.iter().zip(before) {
        assert_eq!(app.state.settings.get(item).await.unwrap(), was, "{item}");
    }
    assert_eq!(setting_logs(&app).await, 0);
    let (status, _) = put(&app, &admin, "no_such_setting", json!("1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn good_values_are_stored_as_sspanel_stores_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    // A gateway is enabled only with its required settings filled in.
    for item in [
        "epay_url",
        "epay_pid",
        "epay_key",
        "f2f_pay_app_id",
        "f2f_pay_private_key",
        "f2f_pay_public_key",
    ] {
        app.state
            .settings
            .set(item, "https://pay.example.com/")
            .await
            .unwrap();
    }
    let cases: &[(&str, Value, &str)] = &[
        ("keep_connect", json!(true), "1"),
        ("enable_checkin", json!("0"), "0"),
        ("node_offline_timeout", json!(120), "120"),
        ("class_expire_reset_traffic", json!("-1"), "-1"),
        ("rebate_ratio", json!("0.250"), "0.25"),
        ("notify_limit_mode", json!("per"), "per"),
        ("smtp_ssl", json!("starttls"), "starttls"),
        (
            "payment_gateway",
            json!(["epay", "alipay"]),
            "[\"epay\",\"alipay\"]",
        ),
        ("payment_gateway", json!("[]"), "[]"),
        (
            "user_obfs",
            json!("plain\nhttp_simple"),
            "plain,http_simple",
        ),
        ("rebate_levels", json!("0.2, 0.05"), "0.2,0.05"),
        (
            "monitor_webhook_url",
            json!("https://hooks.example.com/x"),
            "https://hooks.example.com/x",
        ),
        ("app_name", json!("My Airport"), "My Airport"),
    ];
    for (item, value, want) in cases {
        let (status, body) = put(&app, &admin, item, value.clone()).await;
        assert_eq!(status, StatusCode::OK, "{item} = {value}: {body}");
        assert_eq!(body["data"]["value"], *want, "{body}");
        assert_eq!(stored(&app, item).await, *want, "{item}");
    }
    assert_eq!(setting_logs(&app).await, cases.len() as i64);
    let detail = app
        .scalar_text("SELECT detail FROM spanel_admin_log WHERE target = 'setting:rebate_ratio'")
        .await;
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail, json!({"from": "0.2", "to": "0.25"}));
    // The cache sees the new values at once.
    assert!(app.state.settings.get_bool("keep_connect").await.unwrap());
    assert_eq!(
        app.state
            .settings
            .get_i64("node_offline_timeout")
            .await
            .unwrap(),
        120
    );
}

async fn secrets_are_never_sent_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (status, body) = put(&app, &admin, "smtp_password", json!("hunter2-secret")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["value"], "********");
    assert_eq!(body["data"]["is_set"], true);
    assert_eq!(stored(&app, "smtp_password").await, "hunter2-secret");
    let (_, all) = app.get("admin/settings", Some(&admin)).await;
    assert!(!all.to_string().contains("hunter2"), "{all}");
    assert_eq!(find(&all, "smtp_password")["value"], "********");
    // The mask sent back (an unchanged form) keeps the secret and logs nothing.
    let logs = setting_logs(&app).await;
    let (status, _) = put(&app, &admin, "smtp_password", json!("********")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored(&app, "smtp_password").await, "hunter2-secret");
    assert_eq!(setting_logs(&app).await, logs);
    let leaked = app
        .scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE detail LIKE '%hunter2%'")
        .await;
    assert_eq!(leaked, 0);
}

async fn only_administrators(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, user) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    let (status, _) = app.get("admin/settings", Some(&user)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = put(&app, &user, "reg_mode", json!("close")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("admin/settings", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.state.settings.get("reg_mode").await.unwrap(), "open");
}

async fn plan_form_switches_and_promotion(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let plan = |reset: i64, renew: i64| {
        json!({"name": "Monthly", "price": "10.00", "auto_renew": renew,
            "auto_reset_bandwidth": reset,
            "content": {"bandwidth": 100, "expire": 30,
                "promo": {"price": "8.00", "start": 1_767_225_600, "end": 1_769_904_000}}})
    };
    for (reset, renew, field) in [
        (2, 30, "auto_reset_bandwidth"),
        (1, 5000, "auto_renew"),
        (0, -1, "auto_renew"),
    ] {
        let (status, body) = app
            .post("admin/shop", Some(&admin), &plan(reset, renew))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM shop").await, 0);
    let mut bad = plan(1, 30);
    bad["content"]["promo"]["end"] = json!(1_700_000_000);
    let (status, body) = app.post("admin/shop", Some(&admin), &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "content.promo", "{body}");
    let (status, body) = app.post("admin/shop", Some(&admin), &plan(1, 30)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["data"]["id"].as_i64().unwrap();
    let content: Value = serde_json::from_str(
        &app.scalar_text(&format!("SELECT content FROM shop WHERE id = {id}"))
            .await,
    )
    .unwrap();
    assert_eq!(
        content["promo"],
        json!({"price": "8.00", "start": 1_767_225_600, "end": 1_769_904_000})
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT auto_reset_bandwidth FROM shop WHERE id = {id}"
        ))
        .await,
        1
    );
}

async fn audit_log_pages_by_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    for n in 1..=5 {
        let (status, _) = put(&app, &admin, "checkin_max", json!(n * 10)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let ids = |v: &Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let (_, first) = app
        .get(
            "admin/logs?target=setting:checkin_max&limit=2",
            Some(&admin),
        )
        .await;
    let first = ids(&first);
    assert_eq!(first.len(), 2);
    assert!(first[0] > first[1]);
    let (_, second) = app
        .get(
            &format!(
                "admin/logs?target=setting:checkin_max&limit=2&before={}",
                first[1]
            ),
            Some(&admin),
        )
        .await;
    let second = ids(&second);
    assert_eq!(second.len(), 2);
    assert!(second[0] < first[1]);
    let (_, last) = app
        .get(
            &format!(
                "admin/logs?target=setting:checkin_max&limit=2&before={}",
                second[1]
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(ids(&last).len(), 1);
}

both_backends!(
    catalogue_describes_every_setting,
    bad_values_are_refused_by_type_and_change_nothing,
    good_values_are_stored_as_sspanel_stores_them,
    secrets_are_never_sent_back,
    only_administrators,
    plan_form_switches_and_promotion,
    audit_log_pages_by_id,
);
