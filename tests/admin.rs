//! Admin API, tickets and metrics, on SQLite and MariaDB (reports: tests/admin_reports.rs).

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Every admin route (method, path under /app/api/v0).
const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "admin/users"),
    ("POST", "admin/users"),
    ("POST", "admin/users/1/ban"),
    ("GET", "admin/users/1/records/topups"),
    ("GET", "admin/detect-rules"),
    ("POST", "admin/detect-rules"),
    ("PUT", "admin/detect-rules/1"),
    ("DELETE", "admin/detect-rules/1"),
    ("GET", "admin/detect-logs"),
    ("GET", "admin/users/1"),
    ("PATCH", "admin/users/1"),
    ("POST", "admin/users/1/enable"),
    ("POST", "admin/users/1/reset-password"),
    ("POST", "admin/users/1/reset-traffic"),
    ("GET", "admin/users/1/logins"),
    ("POST", "admin/users/1/2fa/disable"),
    ("GET", "admin/codes"),
    ("POST", "admin/codes"),
    ("GET", "admin/nodes"),
    ("POST", "admin/nodes"),
    ("PUT", "admin/nodes/1"),
    ("DELETE", "admin/nodes/1"),
    ("GET", "admin/nodes/status"),
    ("GET", "admin/nodes/1/load"),
    ("GET", "admin/nodes/alerts"),
    ("GET", "admin/paylist"),
    ("GET", "admin/bought"),
    ("POST", "admin/bought/1/refund"),
    ("GET", "admin/announcements"),
    ("POST", "admin/announcements"),
    ("PUT", "admin/announcements/1"),
    ("DELETE", "admin/announcements/1"),
    ("GET", "admin/tickets"),
    ("GET", "admin/tickets/1"),
    ("POST", "admin/tickets/1/reply"),
    ("POST", "admin/tickets/1/close"),
    ("GET", "admin/settings"),
    ("PUT", "admin/settings/reg_mode"),
    ("GET", "admin/logs"),
    ("GET", "admin/reports/usage"),
    ("GET", "admin/reports/top-users"),
    ("GET", "admin/reports/nodes"),
    ("GET", "admin/charts/traffic"),
    ("GET", "admin/shop"),
    ("POST", "admin/shop"),
    ("PUT", "admin/shop/1"),
    ("DELETE", "admin/shop/1"),
    ("POST", "admin/shop/1/off"),
    ("GET", "admin/overview"),
    ("GET", "admin/coupon"),
    ("POST", "admin/coupon"),
    ("DELETE", "admin/coupon/1"),
    ("GET", "admin/gateways"),
    ("GET", "admin/gateways/epay"),
    ("PUT", "admin/gateways/epay"),
    ("DELETE", "admin/gateways/usdtpay"),
    ("POST", "admin/gateways/epay/test"),
    ("GET", "admin/mail"),
    ("POST", "admin/mail"),
    ("GET", "admin/invites"),
    ("GET", "admin/invites/1/invitees"),
    ("GET", "admin/commissions"),
    ("GET", "admin/commissions/periods"),
];

async fn non_admins_are_refused_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    // Every admin path of the OpenAPI document is in the list above, so none is forgotten.
    let doc = spanel::api::openapi();
    let documented: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .filter(|p| p.starts_with("/app/api/v0/admin"))
        .cloned()
        .collect();
    for path in &documented {
        let shape = path.trim_start_matches("/app/api/v0/");
        let listed = ADMIN_ROUTES.iter().any(|(_, p)| {
            let a: Vec<_> = p.split('/').collect();
            let b: Vec<_> = shape.split('/').collect();
            a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || (y.starts_with('{') && !x.is_empty()))
        });
        assert!(listed, "{path} is missing from ADMIN_ROUTES");
    }
    let body = json!({"reason": "x", "content": "x", "enable": true, "value": "open", "name": "n",
        "type": 1, "server": "s"});
    for (method, path) in ADMIN_ROUTES {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, resp) = app.send(m.clone(), path, Some(&token), Some(&body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
        assert_eq!(resp["ret"], 0);
        let (status, _) = app.send(m, path, None, Some(&body)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token"
        );
    }
}

async fn user_edits_are_exact_and_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin_id, admin) = app.admin_token().await;
    let (uid, _) = app
        .register_and_login("carol@example.com", "password-1")
        .await;

    // Search by e-mail part, by id.
    let (s, body) = app.get("admin/users?q=carol", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["total"], 1);
    assert_eq!(body["data"]["items"][0]["id"], uid);
    let (_, body) = app.get(&format!("admin/users?q={uid}"), Some(&admin)).await;
    assert_eq!(body["data"]["items"][0]["email"], "carol@example.com");
    let (_, body) = app.get("admin/users?per_page=1&page=2", Some(&admin)).await;
    assert_eq!(body["data"]["total"], 2);
    assert_eq!(body["data"]["items"].as_array().unwrap().len(), 1);

    // A reason is required.
    let path = format!("admin/users/{uid}");
    let (s, _) = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({"reason": " ", "class": 3})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({"reason": "r", "money": "1.234"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let edit = json!({"reason": "goodwill credit #42", "class": 3, "money": "12.34",
        "class_expire": "2027-01-02 03:04:05", "transfer_enable": 5368709120i64});
    let (s, body) = app
        .send(Method::PATCH, &path, Some(&admin), Some(&edit))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["money"], "12.34");
    assert_eq!(body["data"]["class"], 3);
    let q = |c: &str| format!("SELECT {c} FROM user WHERE id = {uid}");
    assert_eq!(app.scalar_text(&q("money")).await, "12.34");
    assert_eq!(app.scalar_i64(&q("class")).await, 3);
    assert_eq!(app.scalar_i64(&q("transfer_enable")).await, 5368709120);

    let (_, logs) = app
        .get(&format!("admin/logs?target=user:{uid}"), Some(&admin))
        .await;
    let rows = logs["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["admin_id"], admin_id);
    assert_eq!(rows[0]["action"], "user.edit");
    let detail: Value = serde_json::from_str(rows[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["reason"], "goodwill credit #42");
    assert_eq!(detail["changes"]["money"]["from"], "0.00");
    assert_eq!(detail["changes"]["money"]["to"], "12.34");

    // Refund a purchase to the balance, exact to the cent, once.
    app.exec(&format!(
        "INSERT INTO bought (userid, shopid, datetime, renew, coupon, price) VALUES ({uid}, 1, 0, 1700000000, '', '9.99')"
    ))
    .await;
    let bid = app.scalar_i64("SELECT MAX(id) FROM bought").await;
    let (_, list) = app
        .get(&format!("admin/bought?user_id={uid}"), Some(&admin))
        .await;
    assert_eq!(list["data"][0]["price"], "9.99");
    let refund = format!("admin/bought/{bid}/refund");
    let (s, body) = app
        .post(&refund, Some(&admin), &json!({"reason": "outage"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["balance"], "22.33");
    assert_eq!(app.scalar_text(&q("money")).await, "22.33");
    assert_eq!(
        app.scalar_i64(&format!("SELECT renew FROM bought WHERE id = {bid}"))
            .await,
        0
    );
    let (s, _) = app
        .post(&refund, Some(&admin), &json!({"reason": "again"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.scalar_text(&q("money")).await, "22.33");

    // Traffic reset, disable (the token stops working), password reset.
    app.exec(&format!("UPDATE user SET u = 7, d = 8 WHERE id = {uid}"))
        .await;
    let (s, _) = app
        .post(
            &format!("admin/users/{uid}/reset-traffic"),
            Some(&admin),
            &json!({"reason": "r"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.scalar_i64(&q("u + d")).await, 0);
    let (s, body) = app
        .post(
            &format!("admin/users/{uid}/reset-password"),
            Some(&admin),
            &json!({"reason": "locked out", "password": "new-password-9"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let user_token = app.login("carol@example.com", "new-password-9").await;
    let (s, _) = app
        .post(
            &format!("admin/users/{uid}/enable"),
            Some(&admin),
            &json!({"enable": false, "reason": "abuse"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get("user/me", Some(&user_token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let n = app
        .scalar_i64(&format!(
            "SELECT COUNT(*) FROM spanel_admin_log WHERE admin_id = {admin_id} AND target IN ('user:{uid}', 'bought:{bid}')"
        ))
        .await;
    assert_eq!(n, 5);
}

async fn tickets_belong_to_their_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (_, alice) = app
        .register_and_login("alice@example.com", "password-1")
        .await;
    let (_, bob) = app
        .register_and_login("bob@example.com", "password-1")
        .await;

    let (s, body) = app
        .post(
            "user/tickets",
            Some(&alice),
            &json!({"title": "Slow node", "content": "Help"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let id = body["data"]["root"]["id"].as_i64().unwrap();
    assert_eq!(body["data"]["root"]["rootid"], 0);

    // Bob cannot see or answer it, and his list is empty.
    let (s, _) = app.get(&format!("user/tickets/{id}"), Some(&bob)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &format!("user/tickets/{id}/reply"),
            Some(&bob),
            &json!({"content": "hi"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get("user/tickets", Some(&bob)).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM ticket").await, 1);

    // The admin answers and closes; Alice sees the thread; her reply reopens it.
    let (s, body) = app
        .post(
            &format!("admin/tickets/{id}/reply"),
            Some(&admin),
            &json!({"content": "On it"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["replies"][0]["rootid"], id);
    let (s, body) = app
        .post(
            &format!("admin/tickets/{id}/close"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["data"]["root"]["status"], 0);
    let (_, list) = app.get("user/tickets", Some(&alice)).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (s, body) = app
        .post(
            &format!("user/tickets/{id}/reply"),
            Some(&alice),
            &json!({"content": "Thanks"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["data"]["replies"].as_array().unwrap().len(), 2);
    assert_eq!(body["data"]["root"]["status"], 1);
    let (_, all) = app.get("admin/tickets", Some(&admin)).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
}

async fn nodes_announcements_and_settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let node = json!({"name": "Tokyo 1", "type": 11, "server": "jp1.example.com",
        "custom_config": {"offset_port_node": 443}, "sort": 1});
    let (s, body) = app.post("admin/nodes", Some(&admin), &node).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let id = body["data"]["id"].as_i64().unwrap();
    assert_eq!(body["data"]["traffic_rate"], 1.0);
    assert_eq!(body["data"]["type"], 11);
    let stored = app
        .scalar_text(&format!("SELECT custom_config FROM node WHERE id = {id}"))
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&stored).unwrap()["offset_port_node"],
        443
    );

    for bad in [json!([1]), json!("not json"), json!(3)] {
        let mut n = node.clone();
        n["custom_config"] = bad;
        let (s, body) = app.post("admin/nodes", Some(&admin), &n).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "custom_config");
    }
    let mut edited = node.clone();
    edited["name"] = json!("Tokyo 2");
    edited["traffic_rate"] = json!(1.5);
    let (s, body) = app
        .send(
            Method::PUT,
            &format!("admin/nodes/{id}"),
            Some(&admin),
            Some(&edited),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["name"], "Tokyo 2");
    assert_eq!(body["data"]["traffic_rate"], 1.5);
    let (s, _) = app
        .send(
            Method::DELETE,
            &format!("admin/nodes/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .send(
            Method::DELETE,
            &format!("admin/nodes/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Announcements.
    let (s, body) = app
        .post(
            "admin/announcements",
            Some(&admin),
            &json!({"content": "<p>Hi</p>", "markdown": "Hi"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let aid = body["data"]["id"].as_i64().unwrap();
    let (s, body) = app
        .send(
            Method::PUT,
            &format!("admin/announcements/{aid}"),
            Some(&admin),
            Some(
                &json!({"content": "<p>Bye</p>", "markdown": "Bye", "date": "2026-05-01 10:00:00"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["markdown"], "Bye");
    let (_, list) = app.get("admin/announcements", Some(&admin)).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (s, _) = app
        .send(
            Method::PUT,
            "admin/announcements/999999",
            Some(&admin),
            Some(&json!({"content": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Settings: typed by kind, cache invalidated.
    let put = |item: &'static str, v: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                Method::PUT,
                &format!("admin/settings/{item}"),
                Some(&admin),
                Some(&json!({"value": v})),
            )
            .await
        }
    };
    assert_eq!(
        put("node_offline_timeout", json!("abc")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put("keep_connect", json!("maybe")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put("payment_gateway", json!("{}")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put("no_such_item", json!("1")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, body) = put("node_offline_timeout", json!(120)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        app.state
            .settings
            .get_i64("node_offline_timeout")
            .await
            .unwrap(),
        120
    );
    assert_eq!(put("keep_connect", json!(true)).await.0, StatusCode::OK);
    assert!(app.state.settings.get_bool("keep_connect").await.unwrap());
    // Enabling a gateway whose required settings are empty is refused, naming them.
    let (status, body) = put("payment_gateway", json!(["alipay"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["msg"].as_str().unwrap().contains("f2f_pay_app_id"),
        "{body}"
    );
    assert_eq!(
        app.state.settings.get("payment_gateway").await.unwrap(),
        "[]"
    );
    for item in [
        "f2f_pay_app_id",
        "f2f_pay_private_key",
        "f2f_pay_public_key",
    ] {
        app.state.settings.set(item, "x").await.unwrap();
    }
    assert_eq!(
        put("payment_gateway", json!(["alipay"])).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.state.settings.get("payment_gateway").await.unwrap(),
        "[\"alipay\"]"
    );
    assert_eq!(
        put("smtp_password", json!("hunter2")).await.1["data"]["value"],
        "********"
    );
    let (_, all) = app.get("admin/settings", Some(&admin)).await;
    let items = all["data"].as_array().unwrap();
    let pw = items.iter().find(|i| i["item"] == "smtp_password").unwrap();
    assert_eq!(pw["value"], "********");
    let n = app
        .scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'setting.update'")
        .await;
    assert_eq!(n, 4);
}

async fn metrics_count_routes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    for _ in 0..3 {
        let (s, _) = app.get("admin/users/1", Some(&admin)).await;
        assert_eq!(s, StatusCode::OK);
    }
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    // The route template, not the raw path; other tests in this process may add to the count.
    let line = text
        .lines()
        .find(|l| {
            l.starts_with(
                "spanel_http_requests_total{method=\"GET\",route=\"/app/api/v0/admin/users/{id}\",status=\"200\"}",
            )
        })
        .unwrap_or_else(|| panic!("no route counter in:\n{text}"));
    let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 3);
    assert!(!text.contains("route=\"/app/api/v0/admin/users/1\""));
    assert!(text.contains("spanel_http_request_duration_seconds_bucket"));
    assert!(text.contains("# TYPE spanel_db_pool_connections gauge"));
    assert!(text.contains("spanel_redis_up"));
}

async fn metrics_token_guards_the_scrape(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, |c| c.metrics_token = Some("scrape-secret".into())).await;
    let get = |token: Option<&'static str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("wrong")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = get(Some("scrape-secret")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("spanel_redis_up"));
}

/// Plan and coupon changes are audited like every other admin change: who, what, when.
async fn plan_and_coupon_changes_are_logged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, token) = app.admin_token().await;
    let (status, plan) = app
        .post(
            "admin/shop",
            Some(&token),
            &json!({"name": "Monthly", "price": "10", "content": {"bandwidth": 100, "expire": 30}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let id = plan["data"]["id"].as_i64().unwrap();
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("admin/shop/{id}"),
            Some(&token),
            Some(&json!({"name": "Monthly+", "price": "12", "content": {"bandwidth": 120}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .post(&format!("admin/shop/{id}/off"), Some(&token), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, coupon) = app
        .post(
            "admin/coupon",
            Some(&token),
            &json!({"code": "SPRING", "expire": 4_000_000_000i64, "credit": 10}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{coupon}");
    let cid = coupon["data"]["id"].as_i64().unwrap();
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("admin/coupon/{cid}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A refused change writes nothing.
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("admin/coupon/{cid}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let logged = |action: &'static str, target: String| {
        let app = &app;
        async move {
            app.scalar_i64(&format!(
                "SELECT COUNT(*) FROM spanel_admin_log WHERE admin_id = {admin} \
                 AND action = '{action}' AND target = '{target}' AND created_at > 0"
            ))
            .await
        }
    };
    assert_eq!(logged("plan.create", format!("shop:{id}")).await, 1);
    assert_eq!(logged("plan.update", format!("shop:{id}")).await, 1);
    assert_eq!(logged("plan.off_sale", format!("shop:{id}")).await, 1);
    assert_eq!(logged("coupon.create", format!("coupon:{cid}")).await, 1);
    assert_eq!(logged("coupon.delete", format!("coupon:{cid}")).await, 1);
    let detail = app
        .scalar_text("SELECT detail FROM spanel_admin_log WHERE action = 'plan.update'")
        .await;
    assert!(
        detail.contains("Monthly+") && detail.contains("12"),
        "{detail}"
    );
}

both_backends!(
    plan_and_coupon_changes_are_logged,
    non_admins_are_refused_everywhere,
    user_edits_are_exact_and_logged,
    tickets_belong_to_their_owner,
    nodes_announcements_and_settings,
    metrics_count_routes,
    metrics_token_guards_the_scrape,
);
