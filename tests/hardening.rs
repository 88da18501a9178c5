//! What an attacker, a broken node and a failing network did to spanel, each fixed and proved
//! through real HTTP on SQLite and MariaDB: oversized traffic values, one bad member of a traffic
//! batch, idempotent traffic reports, a connection lost during `COMMIT`, login lockout by
//! account and address, sign-up and ticket floods, `/healthz` during a hanging database, and
//! Redis coming back.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Backend, TestApp, MU_KEY};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAX_REPORT: u64 = 1 << 50;
const CAP: i64 = 1 << 61;

/// Inserts a node with `traffic_rate` = `rate`; returns its id.
async fn node(app: &TestApp, rate: &str) -> i64 {
    app.exec(&format!(
        "INSERT INTO node (name, type, server, custom_config, sort, traffic_rate, node_ip) \
         VALUES ('n', 1, 'n.example.com', '{{}}', 11, {rate}, '127.0.0.1')"
    ))
    .await;
    app.scalar_i64("SELECT MAX(id) FROM node").await
}

/// Posts a `/mod_mu` traffic report, with an `Idempotency-Key` when given.
async fn report(app: &TestApp, node: i64, rows: Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(app.url(&format!(
            "/mod_mu/users/traffic?node_id={node}&key={MU_KEY}"
        )))
        .json(&json!({ "data": rows }));
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn used(app: &TestApp, user: i64) -> (i64, i64) {
    (
        app.scalar_i64(&format!("SELECT u FROM user WHERE id = {user}"))
            .await,
        app.scalar_i64(&format!("SELECT d FROM user WHERE id = {user}"))
            .await,
    )
}

async fn oversized_traffic_is_invalid_and_counters_never_overflow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (user, token) = app
        .register_and_login("big@example.com", "password-1")
        .await;
    let (_, admin) = app.admin_token().await;
    let n = node(&app, "1").await;

    for (u, d) in [
        (MAX_REPORT + 1, 0),
        (0, 1u64 << 62),
        (1u64 << 63, 0),
        (u64::MAX, 0),
    ] {
        let (status, body) =
            report(&app, n, json!([{"user_id": user, "u": u, "d": d}]), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"ret": 0, "msg": "Invalid data."}));
    }
    // Nothing applied.
    assert_eq!(used(&app, user).await, (0, 0));
    assert_eq!(
        app.scalar_i64(&format!("SELECT node_bandwidth FROM node WHERE id = {n}"))
            .await,
        0
    );

    // The largest valid report, twice: exact.
    for _ in 0..2 {
        let (_, body) = report(
            &app,
            n,
            json!([{"user_id": user, "u": MAX_REPORT, "d": 1}]),
            None,
        )
        .await;
        assert_eq!(body["ret"], 1, "{body}");
    }
    assert_eq!(used(&app, user).await, (2 * MAX_REPORT as i64, 2));

    // Counters near the cap saturate instead of wrapping, even at an absurd rate.
    let absurd = node(&app, "1e30").await;
    app.exec(&format!(
        "UPDATE user SET u = {} WHERE id = {user}; UPDATE node SET node_bandwidth = {} WHERE id = {absurd}",
        CAP - 5,
        CAP - 5
    ))
    .await;
    for _ in 0..3 {
        let (_, body) = report(
            &app,
            absurd,
            json!([{"user_id": user, "u": MAX_REPORT, "d": 0}]),
            None,
        )
        .await;
        assert_eq!(body["ret"], 1, "{body}");
    }
    assert_eq!(used(&app, user).await.0, CAP);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT node_bandwidth FROM node WHERE id = {absurd}"
        ))
        .await,
        CAP
    );
    // Everything that reads those counters still answers.
    assert_eq!(app.get("user/me", Some(&token)).await.0, StatusCode::OK);
    assert_eq!(app.get("admin/users", Some(&admin)).await.0, StatusCode::OK);
    assert_eq!(app.get("admin/nodes", Some(&admin)).await.0, StatusCode::OK);

    // Numbers an admin sends are bounded too.
    let (status, body) = app
        .post(
            "admin/shop",
            Some(&admin),
            &json!({"name": "Forever", "price": "1", "content": {"expire": 9223372036854775807i64}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn one_failing_member_never_fails_the_batch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let n = node(&app, "1").await;
    let mut users = Vec::new();
    for i in 0..40 {
        let (id, _) = app
            .register_and_login(&format!("b{i}@example.com"), "password-1")
            .await;
        users.push(id);
    }
    // A counter left at the column's maximum (by hand, or by an old PHP bug): on MariaDB adding to
    // it fails the statement, and with it every report merged into the same transaction.
    let bad = users[0];
    let corrupt = match backend {
        Backend::MariaDb => "18446744073709551615",
        Backend::Sqlite => "9223372036854775807",
    };
    app.exec(&format!("UPDATE user SET u = {corrupt} WHERE id = {bad}"))
        .await;
    let sends = users.iter().enumerate().map(|(i, &id)| {
        let app = &app;
        async move {
            let u = if id == bad { 1 } else { 1000 + i as u64 };
            (
                id,
                report(app, n, json!([{"user_id": id, "u": u, "d": 7}]), None).await,
            )
        }
    });
    let answers = futures::future::join_all(sends).await;
    for (id, (status, body)) in &answers {
        if *id != bad {
            assert_eq!(
                (*status, body["ret"].clone()),
                (StatusCode::OK, json!(1)),
                "{body}"
            );
        }
    }
    for (i, &id) in users.iter().enumerate().skip(1) {
        assert_eq!(used(&app, id).await, (1000 + i as i64, 7));
    }
}

async fn keyed_reports_count_once_in_parallel_and_across_instances(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::start(backend, first.state.config.clone()).await;
    let (user, _) = first
        .register_and_login("idem@example.com", "password-1")
        .await;
    let n = node(&first, "1").await;
    let rows = json!([{"user_id": user, "u": 1000, "d": 24}]);

    let sends = (0..100).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let rows = rows.clone();
        async move { report(app, n, rows, Some("report-0001")).await }
    });
    for (status, body) in futures::future::join_all(sends).await {
        assert_eq!(
            (status, body["ret"].clone()),
            (StatusCode::OK, json!(1)),
            "{body}"
        );
    }
    assert_eq!(used(&first, user).await, (1000, 24));

    // The seed API takes the same key space, per node.
    let seed = |key: &'static str, node: i64| {
        first
            .client
            .post(first.url("node/traffic"))
            .header("Key", MU_KEY)
            .header("Idempotency-Key", key)
            .json(&json!({"node_id": node, "data": rows}))
            .send()
    };
    assert_eq!(
        seed("report-0001", n).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(used(&first, user).await, (1000, 24));
    assert_eq!(
        seed("report-0002", n).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(used(&first, user).await, (2000, 48));
    let other = node(&first, "1").await;
    assert_eq!(
        seed("report-0001", other).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(used(&first, user).await, (3000, 72));

    // A bad key is bad input: nothing applied.
    let long = "k".repeat(129);
    for key in [long.as_str(), "has space", ""] {
        let (status, body) = report(&first, n, rows.clone(), Some(key)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["ret"], 0, "{key:?} {body}");
    }
    assert_eq!(used(&first, user).await, (3000, 72));
    assert_eq!(
        first
            .scalar_i64("SELECT COUNT(*) FROM spanel_traffic_receipt")
            .await,
        3
    );
}

/// What the proxy does to the next `COMMIT` it sees.
const PASS: u8 = 0;
/// Forwards the `COMMIT`, lets the server finish it, then cuts the client off before it hears.
const LOSE_ANSWER: u8 = 1;
/// Cuts both sides off instead of forwarding the `COMMIT`: the server rolls back.
const LOSE_COMMIT: u8 = 2;
/// Accepts connections and never answers.
const HANG: u8 = 3;

/// A TCP proxy to MariaDB that can break the connection around one `COMMIT`.
async fn mysql_proxy(upstream: &str, mode: Arc<AtomicU8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let upstream = upstream.to_string();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            if mode.load(Ordering::SeqCst) == HANG {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    drop(client);
                });
                continue;
            }
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            tokio::spawn(relay(client, server, mode.clone()));
        }
    });
    port
}

async fn relay(client: TcpStream, server: TcpStream, mode: Arc<AtomicU8>) {
    // Small packets both ways: without this, Nagle and delayed ACKs stall each one.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let muted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mute = muted.clone();
    let downstream = tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        loop {
            let n = match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if mute.load(Ordering::SeqCst) || client_tx.write_all(&buf[..n]).await.is_err() {
                let _ = client_tx.shutdown().await;
                return;
            }
        }
    });
    // Client to server, packet by packet (3-byte length, sequence id, payload).
    loop {
        let mut header = [0u8; 4];
        if client_rx.read_exact(&mut header).await.is_err() {
            break;
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        let mut payload = vec![0u8; len];
        if client_rx.read_exact(&mut payload).await.is_err() {
            break;
        }
        if mode.load(Ordering::SeqCst) == HANG {
            tokio::time::sleep(Duration::from_secs(60)).await;
            break;
        }
        let is_commit =
            payload.first() == Some(&0x03) && payload[1..].eq_ignore_ascii_case(b"COMMIT");
        if is_commit {
            match mode.swap(PASS, Ordering::SeqCst) {
                LOSE_ANSWER => {
                    muted.store(true, Ordering::SeqCst);
                    let _ = server_tx
                        .write_all(&[&header[..], &payload[..]].concat())
                        .await;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    break;
                }
                LOSE_COMMIT => break,
                other => mode.store(other, Ordering::SeqCst),
            }
        }
        let packet = [&header[..], &payload[..]].concat();
        if server_tx.write_all(&packet).await.is_err() {
            break;
        }
    }
    downstream.abort();
}

/// Through a proxy that breaks one `COMMIT`: when the answer is lost after the commit, the report
/// is acknowledged (and counted once); when the commit itself is lost, it is refused and nothing
/// was applied, so the node's resend counts it once.
async fn commit_outcomes_are_learnt_after_a_lost_connection(backend: Backend) {
    assert_eq!(backend, Backend::MariaDb);
    let url = common::fresh_mysql_database().await;
    let (prefix, rest) = url.split_at(url.find("@").unwrap() + 1);
    let (hostport, dbname) = rest.split_at(rest.find('/').unwrap());
    let mode = Arc::new(AtomicU8::new(PASS));
    let port = mysql_proxy(hostport, mode.clone()).await;
    let mut config = common::test_config(backend, format!("{prefix}127.0.0.1:{port}{dbname}"));
    config.database_max_connections = 4;
    let app = TestApp::start(backend, config).await;
    let (user, _) = app
        .register_and_login("commit@example.com", "password-1")
        .await;
    let n = node(&app, "1").await;
    let rows = json!([{"user_id": user, "u": 100, "d": 1}]);
    // Warm up: the user is now known, so the next flush's first COMMIT is its own.
    assert_eq!(report(&app, n, rows.clone(), None).await.1["ret"], 1);

    mode.store(LOSE_ANSWER, Ordering::SeqCst);
    let (status, body) = report(&app, n, rows.clone(), None).await;
    assert_eq!(
        (status, body["ret"].clone()),
        (StatusCode::OK, json!(1)),
        "{body}"
    );
    assert_eq!(used(&app, user).await, (200, 2));

    mode.store(LOSE_COMMIT, Ordering::SeqCst);
    let (status, _) = report(&app, n, rows.clone(), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(used(&app, user).await, (200, 2));
    // The node resends; it counts once.
    assert_eq!(report(&app, n, rows.clone(), None).await.1["ret"], 1);
    assert_eq!(used(&app, user).await, (300, 3));

    // A database that hangs: /healthz still answers, within about a second.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
    mode.store(HANG, Ordering::SeqCst);
    let started = Instant::now();
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], "down");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    mode.store(PASS, Ordering::SeqCst);
}

mod commit_outcomes {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mariadb() {
        super::commit_outcomes_are_learnt_after_a_lost_connection(crate::common::Backend::MariaDb)
            .await
    }
}

async fn login_failures_count_per_account_and_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.login_ip_failures = 16).await;
    app.register_and_login("vic@sec.test", "right-password")
        .await;
    for _ in 0..10 {
        let (status, _) = app
            .post(
                "auth/login",
                None,
                &json!({"email": "vic@sec.test", "password": "wrong"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked, whatever spelling of the address the database's collation matches.
    for email in [
        "vic@sec.test",
        "VIC@sec.test",
        "vìc@sec.test",
        "ｖic@sec.test",
        "vic@séc.test",
    ] {
        let (status, body) = app
            .post(
                "auth/login",
                None,
                &json!({"email": email, "password": "right-password"}),
            )
            .await;
        assert_ne!(status, StatusCode::OK, "{email}: {body}");
        if backend == Backend::MariaDb || email.eq_ignore_ascii_case("vic@sec.test") {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}: {body}");
        }
    }
    // Per address: failures against any accounts add up to the limit (16 here), after which
    // even a right password from that address waits.
    app.register_and_login("other@sec.test", "right-password")
        .await;
    let mut refused = false;
    for i in 0..16 {
        let (status, _) = app
            .post(
                "auth/login",
                None,
                &json!({"email": format!("nobody{i}@sec.test"), "password": "x"}),
            )
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = true;
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(refused, "the address was never limited");
    let (status, body) = app
        .post(
            "auth/login",
            None,
            &json!({"email": "other@sec.test", "password": "right-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

async fn sign_ups_per_address_and_open_tickets_per_user_are_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.register_ip_per_hour = 3;
        c.max_open_tickets = 2;
    })
    .await;
    let (_, token) = app.register_and_login("s0@example.com", "password-1").await;
    for i in 1..3 {
        app.register_and_login(&format!("s{i}@example.com"), "password-1")
            .await;
    }
    let (status, body) = app
        .post(
            "auth/register",
            None,
            &json!({"email": "s3@example.com", "password": "password-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM user").await, 3);
    // An operator still creates accounts.
    app.admin_token().await;

    let opens = (0..10).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            app.post(
                "user/tickets",
                Some(token),
                &json!({"title": format!("t{i}"), "content": "help"}),
            )
            .await
            .0
        }
    });
    let statuses = futures::future::join_all(opens).await;
    let created = statuses.iter().filter(|s| s.is_success()).count();
    assert_eq!(created, 2, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| s.is_success() || *s == StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM ticket WHERE rootid = 0")
            .await,
        2
    );
}

both_backends!(
    oversized_traffic_is_invalid_and_counters_never_overflow,
    one_failing_member_never_fails_the_batch,
    keyed_reports_count_once_in_parallel_and_across_instances,
    login_failures_count_per_account_and_per_address,
    sign_ups_per_address_and_open_tickets_per_user_are_limited,
);

/// A private Redis on a free port, killed and started again: spanel uses it again within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_is_used_again_within_seconds_after_it_returns() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let start = || {
        std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed")
    };
    let mut redis = start();
    let kv = spanel::kv::Kv::new(Some(&format!("redis://127.0.0.1:{port}/")))
        .await
        .unwrap();
    let ok = spanel::kv::KvState::Ok;
    let wait_for = |want: spanel::kv::KvState| {
        let kv = &kv;
        async move {
            let started = Instant::now();
            while kv.ping().await != want {
                assert!(
                    started.elapsed() < Duration::from_secs(8),
                    "still not {want:?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            started.elapsed()
        }
    };
    wait_for(ok).await;
    redis.kill().unwrap();
    redis.wait().unwrap();
    wait_for(spanel::kv::KvState::Down).await;
    // Down for a while, as in an outage, then back.
    for _ in 0..10 {
        kv.incr_window("k", Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut redis = start();
    let back_after = wait_for(ok).await;
    assert!(back_after < Duration::from_secs(5), "{back_after:?}");
    redis.kill().unwrap();
    redis.wait().unwrap();
}
