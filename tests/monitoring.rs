//! Node monitoring with a frozen clock: status board, load history, exactly one down and one up
//! notice (webhook, Telegram fake, e-mail through a local SMTP sink), on SQLite and MariaDB.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{TimeZone, Utc};
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use spanel::jobs::{self, Job};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A fake webhook receiver and Telegram Bot API: records (path, body) of every POST.
async fn fake_receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn hook(State(seen): State<Seen>, Json(body): Json<Value>) -> Json<Value> {
        seen.lock().unwrap().push(("hook".into(), body));
        Json(json!({"ok": true}))
    }
    async fn telegram(
        State(seen): State<Seen>,
        Path(bot): Path<String>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        seen.lock().unwrap().push((bot, body));
        Json(json!({"ok": true}))
    }
    let router = Router::new()
        .route("/hook", post(hook))
        .route("/{bot}/sendMessage", post(telegram))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, seen)
}

type Mails = Arc<Mutex<Vec<String>>>;

/// A minimal SMTP sink: accepts any message and keeps its DATA.
async fn smtp_sink() -> (u16, Mails) {
    let mails: Mails = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        kept.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

async fn outage_gives_one_down_and_one_up_notice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (base, seen) = fake_receiver().await;
    let (smtp_port, mails) = smtp_sink().await;
    let s = &app.state.settings;
    s.set("monitor_webhook_url", &format!("{base}/hook"))
        .await
        .unwrap();
    s.set("monitor_telegram_token", "123:abc").await.unwrap();
    s.set("monitor_telegram_chat_id", "-100").await.unwrap();
    s.set("gateway_base_urls", &json!({"telegram": base}).to_string())
        .await
        .unwrap();
    s.set("monitor_email", "ops@example.com").await.unwrap();
    s.set("smtp_host", "127.0.0.1").await.unwrap();
    s.set("smtp_port", &smtp_port.to_string()).await.unwrap();
    s.set("smtp_ssl", "0").await.unwrap();
    s.set("smtp_sender", "panel@example.com").await.unwrap();
    s.set("node_offline_timeout", "300").await.unwrap();

    let (st, body) = app
        .post(
            "admin/nodes",
            Some(&admin),
            &json!({"name": "HK", "type": 1, "server": "hk.example.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let node = body["data"]["id"].as_i64().unwrap();
    // A second node that never reported stays silent.
    app.post(
        "admin/nodes",
        Some(&admin),
        &json!({"name": "New", "type": 1, "server": "new.example.com"}),
    )
    .await;

    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let at = |secs: i64| t0 + chrono::Duration::seconds(secs);
    let ts = t0.timestamp();
    app.exec(&format!(
        "UPDATE node SET node_heartbeat = {ts} WHERE id = {node}"
    ))
    .await;
    let monitor = |secs: i64| {
        let state = app.state.clone();
        async move { jobs::run(&state, Job::NodeMonitor, at(secs)).await.unwrap() }
    };
    let notices = || {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == "hook")
            .map(|(_, b)| b["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    assert_eq!(monitor(60).await, Some(0));
    assert_eq!(
        monitor(300).await,
        Some(0),
        "exactly the timeout is still online"
    );
    // Racing monitors (the scheduler and `spanel job run`) raise it once between them.
    let raced = futures::future::join_all((0..4).map(|_| monitor(301))).await;
    assert_eq!(raced.into_iter().map(|r| r.unwrap()).sum::<u64>(), 1);
    assert_eq!(monitor(400).await, Some(0));
    assert_eq!(monitor(900).await, Some(0));
    assert_eq!(notices(), ["down"]);

    let (_, status) = app.get("admin/nodes/status", Some(&admin)).await;
    let hk = status["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == node)
        .unwrap()
        .clone();
    assert_eq!(hk["online"], false);
    assert_eq!(hk["last_alert"], "down");

    // It reports again: one up notice, then silence.
    app.exec(&format!(
        "UPDATE node SET node_heartbeat = {} WHERE id = {node}",
        ts + 1000
    ))
    .await;
    assert_eq!(monitor(1010).await, Some(1));
    assert_eq!(monitor(1020).await, Some(0));
    assert_eq!(notices(), ["down", "up"]);

    let all = seen.lock().unwrap().clone();
    let hooks: Vec<_> = all.iter().filter(|(p, _)| p == "hook").collect();
    assert_eq!(hooks[0].1["node_id"], node);
    assert_eq!(hooks[0].1["last_heartbeat"], ts);
    let telegram: Vec<_> = all.iter().filter(|(p, _)| p == "bot123:abc").collect();
    assert_eq!(telegram.len(), 2);
    assert_eq!(telegram[0].1["chat_id"], "-100");
    assert!(telegram[0].1["text"].as_str().unwrap().contains("DOWN"));
    assert!(telegram[1].1["text"].as_str().unwrap().contains("UP"));

    let kinds: Vec<String> = spanel::on_db!(app.db(), |p| sqlx::query_scalar(
        "SELECT kind FROM spanel_node_alert ORDER BY id"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(kinds, ["down", "up"]);

    // Both notices were queued as e-mail; the queue job delivers them to the SMTP sink.
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 2);
    assert_eq!(
        jobs::run(&app.state, Job::EmailQueue, at(1030))
            .await
            .unwrap(),
        Some(2)
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 0);
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 2);
    assert!(mails[0].contains("To: ops@example.com"), "{}", mails[0]);
    assert!(mails[0].contains("DOWN"));
}

async fn failed_mail_is_retried_then_given_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = &app.state.settings;
    // Nothing listens on this port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    s.set("smtp_host", "127.0.0.1").await.unwrap();
    s.set("smtp_port", &port.to_string()).await.unwrap();
    s.set("smtp_ssl", "0").await.unwrap();
    s.set("smtp_sender", "panel@example.com").await.unwrap();
    s.set("email_max_attempts", "2").await.unwrap();
    spanel::service::mail::enqueue(&app.state, "x@example.com", "s", "b")
        .await
        .unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let run = |secs: i64| {
        let state = app.state.clone();
        async move {
            jobs::run(
                &state,
                Job::EmailQueue,
                t0 + chrono::Duration::seconds(secs),
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(run(0).await, Some(0));
    let attempts = "SELECT attempts FROM spanel_email_attempt";
    assert_eq!(app.scalar_i64(attempts).await, 1);
    // Not due before the back-off.
    assert_eq!(run(30).await, Some(0));
    assert_eq!(app.scalar_i64(attempts).await, 1);
    assert_eq!(run(61).await, Some(0));
    assert_eq!(app.scalar_i64(attempts).await, 2);
    // Given up: no more attempts, the row stays for inspection.
    assert_eq!(run(100_000).await, Some(0));
    assert_eq!(app.scalar_i64(attempts).await, 2);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 1);
}

async fn status_board_and_load_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (_, body) = app
        .post(
            "admin/nodes",
            Some(&admin),
            &json!({"name": "SG", "type": 1, "server": "sg.example.com",
                "node_bandwidth_limit": 1000}),
        )
        .await;
    let node = body["data"]["id"].as_i64().unwrap();
    let now = Utc::now().timestamp();
    app.exec(&format!(
        "UPDATE node SET node_heartbeat = {}, node_bandwidth = 250 WHERE id = {node}",
        now - 10
    ))
    .await;
    for (users, t) in [(3, now - 120), (5, now - 60)] {
        app.exec(&format!(
            "INSERT INTO node_online_log (node_id, online_user, log_time) VALUES ({node}, {users}, {t})"
        ))
        .await;
    }
    for (load, up, t) in [
        ("0.1 0.2 0.3", 100.0, now - 7200 * 20),
        ("0.5 0.4 0.3", 200.0, now - 3600),
        ("1.0 0.9 0.8", 260.0, now - 60),
    ] {
        app.exec(&format!(
            "INSERT INTO node_info (node_id, uptime, `load`, log_time) VALUES ({node}, {up}, '{load}', {t})"
        ))
        .await;
    }
    let (s, body) = app.get("admin/nodes/status", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let n = &body["data"][0];
    assert_eq!(n["online"], true);
    assert_eq!(n["online_users"], 5);
    assert_eq!(n["load"], "1.0 0.9 0.8");
    assert_eq!(n["uptime"], 260.0);
    assert_eq!(n["bandwidth_used"], 250);
    assert_eq!(n["bandwidth_limit"], 1000);

    let (s, body) = app
        .get(&format!("admin/nodes/{node}/load?hours=24"), Some(&admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let points = body["data"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0]["load"], "0.5 0.4 0.3");
    let (s, _) = app.get("admin/nodes/99999/load", Some(&admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Node reports in CSV.
    let resp = app
        .client
        .get(app.url("admin/reports/nodes?format=csv"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert_eq!(
        text,
        format!("node_id,name,used,limit\r\n{node},SG,250,1000\r\n")
    );
}

/// Rows PHP SSPanel queues hold a template name and its parameters: spanel renders PHP's notice
/// template from its `text`, leaves the other templates to PHP, and never mails a template name.
async fn php_queue_rows_are_rendered_or_left_to_php(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (smtp_port, mails) = smtp_sink().await;
    let s = &app.state.settings;
    s.set("smtp_host", "127.0.0.1").await.unwrap();
    s.set("smtp_port", &smtp_port.to_string()).await.unwrap();
    s.set("smtp_ssl", "0").await.unwrap();
    s.set("smtp_sender", "panel@example.com").await.unwrap();
    // As PHP's User::sendMail(…, is_queue: true) writes them.
    app.exec(
        r#"INSERT INTO email_queue (to_email, subject, template, `array`, `time`) VALUES
        ('php-notice@example.com', 'Node down', 'news/warn.tpl',
         '{"user":{"id":1,"email":"php-notice@example.com"},"text":"Node <b>HK-1<\/b> is offline"}', 1700000000),
        ('php-daily@example.com', 'Daily report', 'news/daily-traffic-report.tpl',
         '{"user":{"id":1},"lastday":"1GB"}', 1700000000)"#,
    )
    .await;
    spanel::service::mail::enqueue(&app.state, "own@example.com", "Own", "spanel's own body")
        .await
        .unwrap();

    let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    assert_eq!(
        jobs::run(&app.state, Job::EmailQueue, now).await.unwrap(),
        Some(2)
    );
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let notice = mails
        .iter()
        .find(|m| m.contains("To: php-notice@example.com"))
        .expect("PHP's notice is sent");
    assert!(notice.contains("text/html"), "{notice}");
    assert!(notice.contains("HK-1"), "{notice}");
    let own = mails
        .iter()
        .find(|m| m.contains("To: own@example.com"))
        .unwrap();
    assert!(own.contains("spanel's own body"));
    for m in &mails {
        assert!(!m.contains(".tpl"), "a template name was mailed: {m}");
    }
    // The daily report stays queued, untouched, for PHP's mail job.
    let left: Vec<(String, String)> = spanel::on_db!(app.db(), |p| sqlx::query_as(
        "SELECT template, `array` FROM email_queue"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(
        left,
        [(
            "news/daily-traffic-report.tpl".to_string(),
            r#"{"user":{"id":1},"lastday":"1GB"}"#.to_string()
        )]
    );
    // Later passes still leave it alone.
    assert_eq!(
        jobs::run(&app.state, Job::EmailQueue, now + chrono::Duration::days(2))
            .await
            .unwrap(),
        Some(0)
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM email_queue").await, 1);
    assert_eq!(
        spanel::db::ops::php_email_backlog(app.db(), 1_700_000_001)
            .await
            .unwrap(),
        (1, 1)
    );
}

/// The e-mail queue sends at most `email_per_minute` a run (set through the admin settings,
/// refused outside 1–1000), oldest first.
async fn mail_rate_follows_the_setting(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, admin) = app.admin_token().await;
    let (smtp_port, mails) = smtp_sink().await;
    let s = &app.state.settings;
    s.set("smtp_host", "127.0.0.1").await.unwrap();
    s.set("smtp_port", &smtp_port.to_string()).await.unwrap();
    s.set("smtp_ssl", "0").await.unwrap();
    s.set("smtp_sender", "panel@example.com").await.unwrap();
    let put = |value: serde_json::Value| {
        let body = serde_json::json!({ "value": value });
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                reqwest::Method::PUT,
                "admin/settings/email_per_minute",
                Some(&admin),
                Some(&body),
            )
            .await
            .0
        }
    };
    for bad in [serde_json::json!(0), serde_json::json!(1001)] {
        assert!(put(bad).await.is_client_error());
    }
    assert!(put(serde_json::json!(2)).await.is_success());
    for i in 0..5 {
        spanel::service::mail::enqueue(&app.state, &format!("m{i}@example.com"), "Hi", "body")
            .await
            .unwrap();
    }
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    for (run, sent) in [(0, 2), (1, 2), (2, 1)] {
        let at = now + chrono::Duration::minutes(run);
        assert_eq!(
            jobs::run(&app.state, Job::EmailQueue, at).await.unwrap(),
            Some(sent)
        );
    }
    assert_eq!(mails.lock().unwrap().len(), 5);
}

both_backends!(
    mail_rate_follows_the_setting,
    outage_gives_one_down_and_one_up_notice,
    failed_mail_is_retried_then_given_up,
    status_board_and_load_history,
    php_queue_rows_are_rendered_or_left_to_php,
);
