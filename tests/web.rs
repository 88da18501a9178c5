//! The embedded web UI: index and assets with content types and revalidation, JSON 404s kept.

mod common;

use common::{Backend, TestApp};
use reqwest::header;
use reqwest::StatusCode;

async fn get(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(e) = etag {
        req = req.header(header::IF_NONE_MATCH, e);
    }
    req.send().await.unwrap()
}

fn header_of(resp: &reqwest::Response, name: header::HeaderName) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn serves_the_ui() {
    let app = TestApp::spawn(Backend::Sqlite).await;

    let index = get(&app, "/", None).await;
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(
        header_of(&index, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(&index, header::CACHE_CONTROL), "no-cache");
    assert!(header_of(&index, header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"));
    let body = index.text().await.unwrap();
    assert!(body.contains(r#"<script type="module" src="/assets/app.js">"#));

    for (path, mime) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        (
            "/assets/pages/user/index.js",
            "text/javascript; charset=utf-8",
        ),
    ] {
        let resp = get(&app, path, None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&resp, header::CONTENT_TYPE), mime, "{path}");
        let etag = header_of(&resp, header::ETAG);
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let again = get(&app, path, Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(header_of(&again, header::ETAG), etag);
        let stale = get(&app, path, Some("\"other\"")).await;
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }

    let gz = app
        .client
        .get(app.url("/assets/ui.js"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header_of(&gz, header::CONTENT_ENCODING), "gzip");

    // Missing files, the README and paths outside assets/ are JSON 404s like any unknown route.
    for path in [
        "/assets/missing.js",
        "/README.md",
        "/assets/../Cargo.toml",
        "/app/api/v0/nope",
    ] {
        let resp = get(&app, path, None).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["ret"], 0, "{path}");
    }
}

#[tokio::test]
async fn payment_return_goes_to_the_orders() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .get(app.url("/user/payment/return/epay?tradeno=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&resp, header::LOCATION), "/#/orders");
}

/// SSPanel's operators type `/admin` (and users `/user`): both lead into the UI, not a JSON 404.
#[tokio::test]
async fn admin_and_user_paths_lead_into_the_ui() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, to) in [
        ("/admin", "/#/admin"),
        ("/admin/", "/#/admin"),
        ("/user", "/#/dashboard"),
        ("/user/", "/#/dashboard"),
    ] {
        let resp = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(header_of(&resp, header::LOCATION), to, "{path}");
    }
    // API paths under them are unaffected.
    let resp = client.get(app.url("/admin/nothing")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
