//! The API keeps to its OpenAPI document (what `scripts/schemathesis.sh` checks), proved through
//! real HTTP on SQLite and MariaDB: whole-number floats are integers as JSON Schema counts them,
//! lengths are counted on the text as sent, out-of-range numbers are a 422 (never a 500),
//! query parameters are documented where they are read, and the document states the
//! constraints the server enforces.

mod common;

use common::{Backend, TestApp, MU_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn node_body() -> Value {
    json!({"name": "Contract 1", "type": 11, "server": "c1.example.com", "sort": 1})
}

async fn whole_floats_are_integers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let mut body = node_body();
    body["type"] = json!(11.0);
    body["node_class"] = json!(3.0);
    let (s, created) = app.post("admin/nodes", Some(&admin), &body).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    assert_eq!(created["data"]["type"], 11);
    assert_eq!(created["data"]["node_class"], 3);
    // A fraction is still not an integer: a 422 naming the field, nothing created.
    body["type"] = json!(11.5);
    let (s, refused) = app.post("admin/nodes", Some(&admin), &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "type");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM node").await, 1);

    // A traffic report's byte counts too, on the seed API and on /mod_mu alike.
    let node = created["data"]["id"].as_i64().unwrap();
    app.exec(&format!(
        "UPDATE node SET node_ip = '127.0.0.1' WHERE id = {node}"
    ))
    .await;
    let (user, _) = app
        .register_and_login("float@example.com", "password-1")
        .await;
    let report = json!({"node_id": node as f64,
        "data": [{"user_id": user as f64, "u": 1000.0, "d": 2000}]});
    let resp = app
        .client
        .post(app.url("node/traffic"))
        .header("Key", MU_KEY)
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .client
        .post(app.url(&format!(
            "/mod_mu/users/traffic?node_id={node}&key={MU_KEY}"
        )))
        .json(&json!({"data": [{"user_id": user, "u": 1.0, "d": 0.0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["ret"], 1);
    let u = app
        .scalar_i64(&format!("SELECT u FROM user WHERE id = {user}"))
        .await;
    assert_eq!(u, 1001);
    let (s, _) = app
        .post(
            "node/traffic",
            None,
            &json!({"node_id": node, "data": [{"user_id": user, "u": 0.5, "d": 0}]}),
        )
        .await;
    assert_ne!(s, StatusCode::OK);
}

async fn lengths_count_the_text_as_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (user, _) = app
        .register_and_login("len@example.com", "password-1")
        .await;
    // 501 characters of which 500 survive trimming: over the documented maxLength of 500.
    let reason = format!(" {}", "r".repeat(500));
    let (s, body) = app
        .post(
            &format!("admin/users/{user}/reset-traffic"),
            Some(&admin),
            &json!({ "reason": reason }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "reason");
    let (s, _) = app
        .post(
            &format!("admin/users/{user}/reset-traffic"),
            Some(&admin),
            &json!({ "reason": "r".repeat(500) }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // A server name is counted in characters (as JSON Schema's maxLength), not bytes.
    let mut node = node_body();
    node["server"] = json!("é".repeat(300));
    let (s, body) = app.post("admin/nodes", Some(&admin), &node).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    node["server"] = json!("é".repeat(513));
    let (s, body) = app.post("admin/nodes", Some(&admin), &node).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A coupon code with a space anywhere, even at the edge, is refused and not stored.
    let coupon = json!({"code": " SPRING", "expire": 4_000_000_000i64 / 2, "credit": 10});
    let (s, body) = app.post("admin/coupon", Some(&admin), &coupon).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "code");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM coupon").await, 0);
}

async fn out_of_range_numbers_are_422(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    for path in [
        "admin/reports/usage?from=-9223372036854775808",
        "admin/reports/top-users?from=-9223372036854775808&limit=-9223372036854775808",
        "admin/reports/usage?to=4102444801",
    ] {
        let (s, body) = app.get(path, Some(&admin)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["ret"], 0);
    }
    let (s, _) = app
        .get("admin/reports/usage?from=0&to=86400", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    // The far pages of a list are empty, not an overflow.
    for path in [
        "admin/users/1/logins?page=9223372036854775807&per_page=200",
        "user/logins?page=9223372036854775807",
    ] {
        let (s, body) = app.get(path, Some(&admin)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["data"]["items"], json!([]));
    }
    let (s, body) = app
        .get("payment/orders?page=9223372036854775807", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Coupons: uses per user fit SSPanel's 32-bit column, expiry is before 2100.
    for (field, coupon) in [
        (
            "expire",
            json!({"code": "WIDE", "expire": 4_102_444_801i64, "credit": 10}),
        ),
        (
            "onetime",
            json!({"code": "WIDE", "expire": 2_000_000_000, "credit": 10,
            "onetime": 2_147_483_648i64}),
        ),
    ] {
        let (s, body) = app.post("admin/coupon", Some(&admin), &coupon).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field);
    }
    // Redeem codes: at most two decimals.
    let (s, body) = app
        .post(
            "admin/codes",
            Some(&admin),
            &json!({"count": 1, "amount": "1.005"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "amount");
    // Plan content: a fraction where a whole number belongs is refused even when a decimal
    // rounds it to 0; an absurdly large number is refused, a tiny one where fractions belong is not.
    for content in [
        json!({"reset_exp": 2.5e-42}),
        json!({"traffic_package": 1e30}),
        json!({"bundle": [1, 75954886952536115509198848.0]}),
    ] {
        let plan = json!({"name": "P", "price": "1.00", "content": content});
        let (s, body) = app.post("admin/shop", Some(&admin), &plan).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{content}: {body}");
    }
    let plan = json!({"name": "P", "price": 5.0,
        "content": {"expire": 30.0, "traffic_package": 1, "reset_value": 1.4e-240}});
    let (s, body) = app.post("admin/shop", Some(&admin), &plan).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM shop").await, 1);
    // A node's custom_config is a JSON object, not text holding one.
    let mut node = node_body();
    node["custom_config"] = json!("{\"a\": 1}");
    let (s, body) = app.post("admin/nodes", Some(&admin), &node).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM node").await, 0);
}

async fn query_parameters_are_read_where_documented(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app
        .register_and_login("query@example.com", "password-1")
        .await;
    let (_, doc) = app.get("/openapi.json", None).await;
    let days = doc["paths"]["/app/api/v0/user/usage"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "days")
        .cloned()
        .unwrap();
    assert_eq!(days["in"], "query");
    assert_eq!(days["schema"]["maximum"], 90);
    let (s, body) = app.get("user/usage?days=91", Some(&token)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app.get("user/usage?days=90", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["data"].as_array().unwrap().len(), 90);
    // Reports take only the parameters they document: the node report has no granularity.
    let (_, admin) = app.admin_token().await;
    let (s, _) = app
        .get("admin/reports/usage?granularity=week", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .get("admin/reports/nodes?format=xml", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The QR code's text: required; 2048 ASCII characters fit, 583 of any kind do not.
    let resp = app.client.get(app.url("/qr.svg")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let qr = |text: String| {
        let url = app.url("/qr.svg");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .query(&[("text", text)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(qr("a".repeat(2048)).await, StatusCode::OK);
    assert_eq!(qr("😀".repeat(582)).await, StatusCode::OK);
    assert_eq!(qr("é".repeat(583)).await, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.send(Method::GET, "/qr.svg?text=", None, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

both_backends!(
    whole_floats_are_integers,
    lengths_count_the_text_as_sent,
    out_of_range_numbers_are_422,
    query_parameters_are_read_where_documented,
);
