//! Password change and reset, session revocation, two-factor login, login history, sign-up
//! e-mail codes: through real HTTP, on SQLite and MariaDB.

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn status_of_me(app: &TestApp, token: &str) -> StatusCode {
    app.get("user/me", Some(token)).await.0
}

/// The plain-text part of the latest queued e-mail to `to` (its HTML is checked to carry the
/// same link or code).
async fn last_mail(app: &TestApp, to: &str) -> String {
    let row = |col: &str| {
        format!("SELECT {col} FROM email_queue WHERE to_email = '{to}' ORDER BY id DESC LIMIT 1")
    };
    let parts: Value = serde_json::from_str(&app.scalar_text(&row("array")).await).unwrap();
    let text = parts["text"].as_str().expect("a text part").to_string();
    let html = app.scalar_text(&row("template")).await;
    assert!(html.starts_with("<!doctype html>"), "{html}");
    // The HTML part carries the same link (its slashes escaped) or code.
    if let Some(key) = text
        .split_whitespace()
        .find(|w| w.contains("token=") || (w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit())))
    {
        let key = key.rsplit('=').next().unwrap_or(key);
        assert!(html.contains(key), "{html}");
    }
    text
}

fn token_in(body: &str) -> String {
    let at = body.find("token=").expect("a reset link") + "token=".len();
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

async fn change_password_revokes_every_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, first) = app.register_and_login("pw@example.com", "password-1").await;
    let second = app.login("pw@example.com", "password-1").await;
    for (body, field) in [
        (
            json!({"current": "wrong-one", "new": "password-2"}),
            "current",
        ),
        (json!({"current": "password-1", "new": "short"}), "new"),
    ] {
        let (s, b) = app.post("user/password", Some(&first), &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], field);
    }
    // Nothing changed: both sessions live on.
    assert_eq!(status_of_me(&app, &second).await, StatusCode::OK);
    let (s, b) = app
        .post(
            "user/password",
            Some(&first),
            &json!({"current": "password-1", "new": "password-2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let fresh = b["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(status_of_me(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &fresh).await, StatusCode::OK);
    let (s, _) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "pw@example.com", "password": "password-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.login("pw@example.com", "password-2").await;
}

async fn forgot_and_reset_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, session) = app
        .register_and_login("lost@example.com", "password-1")
        .await;
    let (s1, known) = app
        .post(
            "auth/password/forgot",
            None,
            &json!({"email": "Lost@Example.com"}),
        )
        .await;
    let (s2, unknown) = app
        .post(
            "auth/password/forgot",
            None,
            &json!({"email": "nobody@example.com"}),
        )
        .await;
    // The same answer whether or not the account exists.
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known, unknown);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM email_queue WHERE to_email = 'nobody@example.com'")
            .await,
        0
    );
    let token = token_in(&last_mail(&app, "lost@example.com").await);
    assert_eq!(token.len(), 64);
    // PHP SSPanel's link form leads to the same page.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&format!("/password/token/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["location"],
        format!("/#/reset-password?token={token}").as_str()
    );
    // The row as PHP SSPanel writes it: an hour to live.
    let ttl = app
        .scalar_i64(&format!(
            "SELECT expire_time - init_time FROM user_password_reset WHERE token = '{token}'"
        ))
        .await;
    assert_eq!(ttl, 3600);

    for (body, status) in [
        (
            json!({"token": "not-a-token", "password": "password-9"}),
            422,
        ),
        (json!({"token": token, "password": "short"}), 422),
        (json!({"token": token}), 422),
    ] {
        let (s, b) = app.post("auth/password/reset", None, &body).await;
        assert_eq!(s.as_u16(), status, "{b}");
    }
    assert_eq!(status_of_me(&app, &session).await, StatusCode::OK);
    let (s, b) = app
        .post(
            "auth/password/reset",
            None,
            &json!({"token": token, "password": "password-9"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(status_of_me(&app, &session).await, StatusCode::UNAUTHORIZED);
    app.login("lost@example.com", "password-9").await;
    // Single use.
    let (s, _) = app
        .post(
            "auth/password/reset",
            None,
            &json!({"token": token, "password": "password-8"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // An expired link (as PHP leaves them) does nothing.
    app.exec(&format!(
        "INSERT INTO user_password_reset (email, token, init_time, expire_time) \
         VALUES ('lost@example.com', 'expired-token', {}, {})",
        now() - 7200,
        now() - 3600
    ))
    .await;
    let (s, _) = app
        .post(
            "auth/password/reset",
            None,
            &json!({"token": "expired-token", "password": "password-7"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.login("lost@example.com", "password-9").await;
    // Rate limited per address (3 an hour), known or not.
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            app.post("auth/password/forgot", None, &json!({"email": email}))
                .await
                .0
        }
    };
    for expected in [200, 200, 429] {
        assert_eq!(forgot("nobody@example.com").await.as_u16(), expected);
    }
    assert_eq!(
        forgot("not an address").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // And per client address (10 an hour): fresh addresses, each within its own limit, are refused
    // once this client has asked ten times.
    let mut refused = None;
    for i in 0..12 {
        let email = format!("fresh{i}@example.com");
        let (s, _) = app
            .post("auth/password/forgot", None, &json!({"email": email}))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
        assert_eq!(s, StatusCode::OK);
    }
    assert!(refused.is_some(), "the client address was never limited");
}

async fn admin_reset_and_logout_all_revoke(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("victim@example.com", "password-1")
        .await;
    let (s, b) = app
        .post(
            &format!("admin/users/{uid}/reset-password"),
            Some(&admin),
            &json!({"reason": "support", "password": "password-2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(status_of_me(&app, &token).await, StatusCode::UNAUTHORIZED);

    let a = app.login("victim@example.com", "password-2").await;
    let b = app.login("victim@example.com", "password-2").await;
    let (s, body) = app.post("user/logout-all", Some(&a), &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(status_of_me(&app, &a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &b).await, StatusCode::UNAUTHORIZED);
    let c = app.login("victim@example.com", "password-2").await;
    assert_eq!(status_of_me(&app, &c).await, StatusCode::OK);
    // A password changed behind spanel's back (PHP SSPanel on the same database) ends it too.
    app.exec(&format!(
        "UPDATE user SET pass = 'changed-elsewhere' WHERE id = {uid}"
    ))
    .await;
    assert_eq!(status_of_me(&app, &c).await, StatusCode::UNAUTHORIZED);
}

fn code(secret: &str, at: i64) -> String {
    spanel::domain::totp::code_at(secret, at).unwrap()
}

async fn login_with(app: &TestApp, email: &str, two_factor: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"email": email, "password": "password-1"});
    if let Some(c) = two_factor {
        body["two_factor_code"] = json!(c);
    }
    app.post("auth/login", None, &body).await
}

async fn two_factor_login(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app.register_and_login("tf@example.com", "password-1").await;
    let (s, b) = app.post("user/2fa/setup", Some(&token), &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let secret = b["data"]["secret"].as_str().unwrap().to_string();
    assert!(b["data"]["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert_eq!(
        app.scalar_text(&format!("SELECT ga_token FROM user WHERE id = {uid}"))
            .await,
        secret
    );
    let (s, _) = app
        .post("user/2fa/enable", Some(&token), &json!({"code": "000000x"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let t = now();
    let (s, b) = app
        .post(
            "user/2fa/enable",
            Some(&token),
            &json!({"code": code(&secret, t)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = app.post("user/2fa/setup", Some(&token), &json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "no new secret while it is on");
    assert_eq!(
        app.scalar_i64(&format!("SELECT ga_enable FROM user WHERE id = {uid}"))
            .await,
        1
    );

    let (s, b) = login_with(&app, "tf@example.com", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "two_factor_code");
    // The code used to enable cannot be used again.
    let (s, _) = login_with(&app, "tf@example.com", Some(&code(&secret, t))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let next = code(&secret, t + 30);
    let (s, b) = login_with(&app, "tf@example.com", Some(&next)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, _) = login_with(&app, "tf@example.com", Some(&next)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "single use");
    assert!(
        app.scalar_i64(&format!(
            "SELECT COUNT(*) FROM login_ip WHERE userid = {uid} AND type = 1"
        ))
        .await
            >= 2
    );

    // The administrator turns it off (audited); the password alone works again.
    let (s, _) = app
        .post(
            &format!("admin/users/{uid}/2fa/disable"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let (s, b) = app
        .post(
            &format!("admin/users/{uid}/2fa/disable"),
            Some(&admin),
            &json!({"reason": "lost phone"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_admin_log WHERE action = 'user.2fa_disable'")
            .await,
        1
    );
    let (s, _) = login_with(&app, "tf@example.com", None).await;
    assert_eq!(s, StatusCode::OK);

    // A secret enrolled in PHP SSPanel (16 base32 characters in ga_token, ga_enable = 1) works
    // (enrolled there long after the last code spanel saw, hence no used step).
    app.exec(&format!(
        "UPDATE user SET ga_token = 'JBSWY3DPEHPK3PXP', ga_enable = 1 WHERE id = {uid}; \
         UPDATE spanel_user_session SET totp_step = 0 WHERE user_id = {uid}"
    ))
    .await;
    let (s, _) = login_with(
        &app,
        "tf@example.com",
        Some(&code("JBSWY3DPEHPK3PXP", now())),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The user turns it off with a code.
    let (_, token) = login_with(
        &app,
        "tf@example.com",
        Some(&code("JBSWY3DPEHPK3PXP", now() + 30)),
    )
    .await;
    let token = token["data"]["token"].as_str().unwrap().to_string();
    let (s, b) = app
        .post(
            "user/2fa/disable",
            Some(&token),
            &json!({"code": code("JBSWY3DPEHPK3PXP", now() - 30)}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an older step than one used: {b}"
    );
}

async fn login_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("hist@example.com", "password-1")
        .await;
    let (_, other) = app
        .register_and_login("other@example.com", "password-1")
        .await;
    let (s, _) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "hist@example.com", "password": "wrong-pass"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = app.get("user/logins", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["total"], 2);
    let items = b["data"]["items"].as_array().unwrap();
    assert_eq!(items[0]["failed"], true);
    assert_eq!(items[1]["failed"], false);
    assert_eq!(items[1]["ip"], "127.0.0.1");
    let (_, b) = app.get("user/logins", Some(&other)).await;
    assert_eq!(b["data"]["total"], 1, "only one's own");
    let (s, b) = app
        .get(
            &format!("admin/users/{uid}/logins?per_page=1"),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["data"]["total"], 2);
    assert_eq!(b["data"]["items"].as_array().unwrap().len(), 1);
    let (s, _) = app
        .send(Method::GET, "user/logins?per_page=x", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn sign_up_email_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, _) = app
        .post(
            "auth/email/code",
            None,
            &json!({"email": "new@example.com"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "verification is off by default");
    app.state
        .settings
        .set("reg_email_verify", "1")
        .await
        .unwrap();
    let (s, b) = app
        .post(
            "auth/email/code",
            None,
            &json!({"email": "new@example.com"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mail = last_mail(&app, "new@example.com").await;
    let sent: String = mail
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("a six-digit code")
        .to_string();
    let register = |code: Option<&str>| {
        let mut body = json!({"email": "new@example.com", "password": "password-1"});
        if let Some(c) = code {
            body["email_code"] = json!(c);
        }
        body
    };
    for body in [register(None), register(Some("999999x"))] {
        let (s, b) = app.post("auth/register", None, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(b["errors"][0]["field"], "email_code");
    }
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM user").await, 0);
    let (s, b) = app
        .post("auth/register", None, &register(Some(&sent)))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM email_verify WHERE email = 'new@example.com'")
            .await,
        0
    );
    // Registered addresses get no code; an address gets at most 3 open codes.
    let (s, _) = app
        .post(
            "auth/email/code",
            None,
            &json!({"email": "new@example.com"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    for expected in [200, 200, 200, 429] {
        let (s, _) = app
            .post(
                "auth/email/code",
                None,
                &json!({"email": "more@example.com"}),
            )
            .await;
        assert_eq!(s.as_u16(), expected);
    }
}

async fn delete_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (uid, token) = app
        .register_and_login("bye@example.com", "password-1")
        .await;
    let (_, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(me["data"]["can_delete_account"], false);
    let del = |t: &str, body: Value| {
        let t = t.to_string();
        let app = &app;
        async move {
            app.send(Method::DELETE, "user/me", Some(&t), Some(&body))
                .await
        }
    };
    let (s, _) = del(&token, json!({"password": "password-1"})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "off unless the operator allows it"
    );
    app.state.settings.set("enable_kill", "1").await.unwrap();
    let (s, _) = del(&admin, json!({"password": "admin-password"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not for administrators");
    let (s, _) = del(&token, json!({"password": "wrong-one"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, b) = del(&token, json!({"password": "password-1"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for table in [
        "user WHERE id",
        "link WHERE userid",
        "login_ip WHERE userid",
        "user_invite_code WHERE user_id",
    ] {
        assert_eq!(
            app.scalar_i64(&format!("SELECT COUNT(*) FROM {table} = {uid}"))
                .await,
            0,
            "{table}"
        );
    }
    assert_eq!(status_of_me(&app, &token).await, StatusCode::UNAUTHORIZED);
}

async fn login_from_a_new_address_is_e_mailed(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.trust_proxy = true).await;
    app.register_and_login("alert@example.com", "password-1")
        .await;
    let login_from = |ip: &'static str| {
        let app = &app;
        async move {
            let resp = app
                .client
                .post(app.url("auth/login"))
                .header("x-forwarded-for", ip)
                .header("accept-language", "zh-CN,zh;q=0.9")
                .json(&json!({"email": "alert@example.com", "password": "password-1"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
        }
    };
    let alerts =
        || app.scalar_i64("SELECT COUNT(*) FROM email_queue WHERE to_email = 'alert@example.com'");
    // The first login ever (at sign-up) and another from the same address: no alert.
    login_from("127.0.0.1").await;
    assert_eq!(alerts().await, 0);
    login_from("192.0.2.7").await;
    assert_eq!(alerts().await, 1);
    let text = last_mail(&app, "alert@example.com").await;
    assert!(
        text.contains("192.0.2.7") && text.contains("新地址"),
        "{text}"
    );
    login_from("192.0.2.7").await;
    assert_eq!(alerts().await, 1, "a known address again");
    app.state.settings.set("login_alert", "0").await.unwrap();
    login_from("198.51.100.9").await;
    assert_eq!(alerts().await, 1, "turned off");
}

both_backends!(
    login_from_a_new_address_is_e_mailed,
    delete_own_account,
    change_password_revokes_every_session,
    forgot_and_reset_password,
    admin_reset_and_logout_all_revoke,
    two_factor_login,
    login_history,
    sign_up_email_code,
);
