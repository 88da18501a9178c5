//! Accounts through real HTTP, on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn register_login_me(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, token) = app
        .register_and_login("Alice@Example.com", "correct horse")
        .await;
    let (status, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["ret"], 1);
    let data = &me["data"];
    assert_eq!(data["id"], id);
    assert_eq!(data["email"], "alice@example.com");
    // Sign-up defaults: 20 GB free, 7 days.
    assert_eq!(data["traffic"]["total"], 20u64 * 1024 * 1024 * 1024);
    assert_eq!(data["traffic"]["left"], 20u64 * 1024 * 1024 * 1024);
    assert_eq!(data["traffic"]["used"], 0);
    assert_eq!(data["balance"], "0.00");
    assert!(data["subscription"]["token"].as_str().unwrap().len() >= 16);
    assert!(data["invite_code"].as_str().is_some());
    // The row is complete as SSPanel expects: port, node password, uuid.
    let port = app
        .scalar_i64(&format!("SELECT port FROM user WHERE id = {id}"))
        .await;
    assert!((10000..=65000).contains(&port));
    let uuid_len = app
        .scalar_i64(&format!("SELECT LENGTH(uuid) FROM user WHERE id = {id}"))
        .await;
    assert_eq!(uuid_len, 36);
}

async fn duplicate_email_conflicts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register_and_login("bob@example.com", "password-1")
        .await;
    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "BOB@example.com", "password": "password-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["ret"], 0);
}

async fn wrong_password_is_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.register_and_login("carol@example.com", "password-1")
        .await;
    let (status, body) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "carol@example.com", "password": "nope-nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "nobody@example.com", "password": "nope-nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let failures = app
        .scalar_i64("SELECT COUNT(*) FROM login_ip WHERE type = 1")
        .await;
    assert_eq!(failures, 1);
}

async fn tokens_only_read_their_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, token_a) = app.register_and_login("a@example.com", "password-a").await;
    let (b, token_b) = app.register_and_login("b@example.com", "password-b").await;
    let (_, me_a) = app.get("user/me", Some(&token_a)).await;
    let (_, me_b) = app.get("user/me", Some(&token_b)).await;
    assert_eq!(me_a["data"]["id"], a);
    assert_eq!(me_b["data"]["id"], b);
    assert_ne!(
        me_a["data"]["subscription"]["token"],
        me_b["data"]["subscription"]["token"]
    );
    // No token, a forged token, a token of a disabled user: all 401.
    assert_eq!(app.get("user/me", None).await.0, StatusCode::UNAUTHORIZED);
    let forged = spanel::auth::JwtKeys::new("some-other-secret-123456", 1)
        .issue(a, 0, "")
        .unwrap()
        .0;
    assert_eq!(
        app.get("user/me", Some(&forged)).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.exec(&format!("UPDATE user SET enable = 0 WHERE id = {b}"))
        .await;
    assert_eq!(
        app.get("user/me", Some(&token_b)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn malformed_requests_get_4xx_envelopes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: &[(&str, &str, u16)] = &[
        ("auth/register", "{", 400),
        ("auth/register", "", 400),
        ("auth/register", "[]", 422),
        ("auth/register", "null", 422),
        (
            "auth/register",
            r#"{"email": 5, "password": "password-1"}"#,
            422,
        ),
        ("auth/register", r#"{"password": "password-1"}"#, 422),
        (
            "auth/register",
            r#"{"email": "x@example.com", "password": "short"}"#,
            422,
        ),
        (
            "auth/register",
            r#"{"email": "not-an-email", "password": "password-1"}"#,
            422,
        ),
        (
            "auth/register",
            r#"{"email": "x@example.com", "password": "password-1", "admin": true}"#,
            422,
        ),
        ("auth/login", r#"{"email": "x@example.com"}"#, 422),
        ("auth/login", r#"{"email": "", "password": ""}"#, 422),
        ("auth/login", "\u{0}\u{1}", 400),
    ];
    for (path, body, expected) in cases {
        let (status, json) = app.post_raw(path, None, body).await;
        assert_eq!(status.as_u16(), *expected, "{path} {body:?} -> {json}");
        assert_eq!(json["ret"], 0, "{json}");
        assert!(
            json["msg"].as_str().is_some_and(|m| !m.is_empty()),
            "{json}"
        );
    }
    let (status, json) = app
        .post_raw(
            "auth/register",
            None,
            r#"{"email": 5, "password": "password-1"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json["errors"][0]["field"], "email");
    // Oversized body.
    let big = format!(
        r#"{{"email": "{}", "password": "x"}}"#,
        "a".repeat(9 * 1024 * 1024)
    );
    let (status, json) = app.post_raw("auth/register", None, &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    // Unknown route, wrong method.
    let (status, json) = app.get("no/such/route", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["ret"], 0);
    let (status, json) = app.get("auth/login", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json["ret"], 0);
    // Garbage bearer tokens.
    for token in ["", "x", "a.b.c", "Bearer"] {
        let (status, json) = app.get("user/me", Some(token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(json["ret"], 0);
    }
}

async fn invite_code_links_and_rewards_the_inviter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (inviter, token) = app
        .register_and_login("inviter@example.com", "password-1")
        .await;
    let (_, me) = app.get("user/me", Some(&token)).await;
    let code = me["data"]["invite_code"].as_str().unwrap().to_string();
    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "invitee@example.com", "password": "password-2", "invite_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitee = body["data"]["user_id"].as_i64().unwrap();
    let ref_by = app
        .scalar_i64(&format!("SELECT ref_by FROM user WHERE id = {invitee}"))
        .await;
    assert_eq!(ref_by, inviter);
    // Defaults: 1.00 and 10 GB to the inviter, one invitation used.
    assert_eq!(
        app.scalar_text(&format!("SELECT money FROM user WHERE id = {inviter}"))
            .await,
        "1.00"
    );
    let total = app
        .scalar_i64(&format!(
            "SELECT transfer_enable FROM user WHERE id = {inviter}"
        ))
        .await;
    assert_eq!(total, 30 * 1024 * 1024 * 1024);
    assert_eq!(
        app.scalar_i64(&format!("SELECT invite_num FROM user WHERE id = {inviter}"))
            .await,
        9
    );
    // Unknown code.
    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "x@example.com", "password": "password-2", "invite_code": "nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "invite_code");
}

async fn registration_modes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.state.settings.set("reg_mode", "invite").await.unwrap();
    let (status, _) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "y@example.com", "password": "password-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.state.settings.set("reg_mode", "close").await.unwrap();
    let (status, _) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "y@example.com", "password": "password-2"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn login_is_rate_limited_per_account(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.login_account_failures = 3).await;
    app.register_and_login("d@example.com", "password-1").await;
    for _ in 0..3 {
        let (status, _) = app
            .post(
                "auth/login",
                None,
                &json!({"email": "d@example.com", "password": "bad-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is locked out.
    let (status, body) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "d@example.com", "password": "password-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

async fn legacy_password_formats_log_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = app
        .register_and_login("legacy@example.com", "password-1")
        .await;
    // A bcrypt hash as PHP writes it, and an argon2id one.
    let bcrypt = bcrypt::hash("from-php", 4)
        .unwrap()
        .replacen("$2b$", "$2y$", 1);
    app.exec(&format!(
        "UPDATE user SET pass = '{bcrypt}' WHERE id = {id}"
    ))
    .await;
    app.login("legacy@example.com", "from-php").await;
    let argon = spanel::domain::password::hash_password(
        "argon-pass",
        spanel::domain::password::PasswordMethod::Argon2id,
        "",
        spanel::random::random_bytes(),
    )
    .unwrap();
    app.exec(&format!("UPDATE user SET pass = '{argon}' WHERE id = {id}"))
        .await;
    app.login("legacy@example.com", "argon-pass").await;
}

async fn health_and_docs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
    assert_eq!(body["redis"], "disabled");
    let (status, doc) = app.get("/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/app/api/v0/auth/register",
        "/app/api/v0/auth/login",
        "/app/api/v0/user/me",
        "/healthz",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    let resp = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("swagger"));
}

async fn redis_state_is_reported(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.redis_url = Some("redis://127.0.0.1:6379/".into())
    })
    .await;
    let (_, body) = app.get("/healthz", None).await;
    assert_eq!(body["redis"], "ok");
    let down = TestApp::spawn_with(backend, |c| {
        c.redis_url = Some("redis://127.0.0.1:1/".into())
    })
    .await;
    let (status, body) = down.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["redis"], "down");
    // Logins keep working on the in-process fallback.
    down.register_and_login("e@example.com", "password-1").await;
}

both_backends!(
    register_login_me,
    duplicate_email_conflicts,
    wrong_password_is_401,
    tokens_only_read_their_own_account,
    malformed_requests_get_4xx_envelopes,
    invite_code_links_and_rewards_the_inviter,
    registration_modes,
    login_is_rate_limited_per_account,
    legacy_password_formats_log_in,
    health_and_docs,
    redis_state_is_reported,
);
