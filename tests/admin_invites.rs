//! `/admin/invites` and `/admin/commissions`: invite codes and who used them, commissions per
//! inviter and per period, exact sums, sorting and paging, bad input refused; on SQLite and
//! MariaDB.

mod common;

use common::{Backend, TestApp, UserSeed};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn at(day: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.scalar_i64(&format!("SELECT id FROM user WHERE email = '{email}'"))
        .await
}

/// Inviters `alice` (3 invitees, commissions 9.00 + 10.00 in November, 0.05 in December), `bob`
/// (1 invitee, 1.50 in December) and `carol` (a code, nobody invited). Returns their ids.
async fn seed(app: &TestApp) -> (i64, i64, i64) {
    for name in ["alice", "bob", "carol"] {
        app.insert_users(UserSeed {
            prefix: name,
            ..UserSeed::default()
        })
        .await;
    }
    let (a, b, c) = (
        user_id(app, "alice0@example.com").await,
        user_id(app, "bob0@example.com").await,
        user_id(app, "carol0@example.com").await,
    );
    for (id, code) in [(a, "ALICE"), (b, "BOB"), (c, "CAROL")] {
        app.exec(&format!(
            "INSERT INTO user_invite_code (code, user_id) VALUES ('{code}', {id})"
        ))
        .await;
    }
    app.exec(&format!("UPDATE user SET invite_num = 7 WHERE id = {a}"))
        .await;
    app.insert_users(UserSeed {
        prefix: "fa",
        n: 3,
        ref_by: a,
        ..UserSeed::default()
    })
    .await;
    app.insert_users(UserSeed {
        prefix: "fb",
        n: 1,
        ref_by: b,
        ..UserSeed::default()
    })
    .await;
    let (fa0, fa1, fb0) = (
        user_id(app, "fa0@example.com").await,
        user_id(app, "fa1@example.com").await,
        user_id(app, "fb0@example.com").await,
    );
    for (payer, inviter, total, got, day) in [
        (fa0, a, "45.00", "9.00", "2026-11-01"),
        (fa1, a, "50.00", "10.00", "2026-11-15"),
        (fa0, a, "0.25", "0.05", "2026-12-01"),
        (fb0, b, "7.50", "1.50", "2026-12-01"),
    ] {
        app.exec(&format!(
            "INSERT INTO payback (total, userid, ref_by, ref_get, datetime) \
             VALUES ('{total}', {payer}, {inviter}, '{got}', {})",
            at(day)
        ))
        .await;
    }
    (a, b, c)
}

fn items(body: &Value) -> &Vec<Value> {
    body["data"]["items"].as_array().unwrap()
}

async fn only_admins_see_invites(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, user) = app
        .register_and_login("plain@example.com", "password-1")
        .await;
    for path in [
        "admin/invites",
        "admin/invites/1/invitees",
        "admin/commissions",
        "admin/commissions/periods",
    ] {
        assert_eq!(
            app.get(path, None).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            app.get(path, Some(&user)).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

async fn inviters_with_their_sign_ups_and_commissions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    let (a, b, c) = seed(&app).await;

    let (s, body) = app.get("admin/invites?sort=invited", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let rows = items(&body);
    assert_eq!(rows[0]["user_id"], a);
    assert_eq!(rows[0]["code"], "ALICE");
    assert_eq!(rows[0]["invite_num"], 7);
    assert_eq!(rows[0]["invited"], 3);
    assert_eq!(rows[0]["paybacks"], 3);
    assert_eq!(rows[0]["commission"], "19.05");
    assert_eq!(rows[1]["user_id"], b);
    assert_eq!(rows[1]["commission"], "1.50");
    // Unused codes (carol's, the administrator's) are listed only when searched for.
    assert_eq!(body["data"]["total"], 2, "{body}");

    // Commissions counted in a period only; sorted by them.
    let (_, body) = app
        .get(
            "admin/invites?sort=commission&from=2026-12-01&to=2026-12-31",
            Some(&token),
        )
        .await;
    let rows = items(&body);
    assert_eq!(
        (rows[0]["user_id"].as_i64(), rows[0]["commission"].as_str()),
        (Some(b), Some("1.50"))
    );
    assert_eq!(
        (rows[1]["user_id"].as_i64(), rows[1]["commission"].as_str()),
        (Some(a), Some("0.05"))
    );
    assert_eq!(rows[1]["invited"], 3);

    // Search by code, by e-mail; ascending order; paging.
    let (_, body) = app.get("admin/invites?q=CAROL", Some(&token)).await;
    assert_eq!(items(&body).len(), 1);
    assert_eq!(items(&body)[0]["user_id"], c);
    assert_eq!(items(&body)[0]["invited"], 0);
    assert_eq!(items(&body)[0]["commission"], "0.00");
    let (_, body) = app
        .get(
            "admin/invites?q=alice0%40&from=2026-12-01&to=2026-12-31",
            Some(&token),
        )
        .await;
    assert_eq!(items(&body)[0]["invited"], 3, "{body}");
    assert_eq!(items(&body)[0]["commission"], "0.05", "{body}");
    let (_, body) = app.get("admin/invites?q=bob0%40", Some(&token)).await;
    assert_eq!(body["data"]["total"], 1);
    let (_, all) = app
        .get(
            "admin/invites?sort=user_id&order=asc&per_page=200",
            Some(&token),
        )
        .await;
    let ids: Vec<i64> = items(&all)
        .iter()
        .map(|r| r["user_id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let (_, body) = app
        .get(
            "admin/invites?sort=user_id&order=asc&per_page=1&page=2",
            Some(&token),
        )
        .await;
    assert_eq!(body["data"]["per_page"], 1);
    assert_eq!(body["data"]["total"], 2);
    assert_eq!(items(&body)[0]["user_id"], ids[1]);
    let (_, body) = app
        .get("admin/invites?per_page=1&page=9", Some(&token))
        .await;
    assert_eq!(
        (items(&body).len(), body["data"]["total"].as_i64()),
        (0, Some(2))
    );

    // Who used alice's code, with what each brought her.
    let (s, body) = app
        .get(&format!("admin/invites/{a}/invitees"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["total"], 3);
    let by_email =
        |e: &str| items(&body).iter().find(|r| r["email"] == e).unwrap()["commission"].clone();
    assert_eq!(by_email("fa0@example.com"), "9.05");
    assert_eq!(by_email("fa1@example.com"), "10.00");
    assert_eq!(by_email("fa2@example.com"), "0.00");
}

async fn commissions_with_totals_and_periods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    let (a, _, _) = seed(&app).await;

    let (s, body) = app.get("admin/commissions", Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["total"], 4);
    assert_eq!(body["data"]["sum_ref_get"], "20.55");
    assert_eq!(body["data"]["sum_total"], "102.75");
    // Money sorts as numbers, not text ("10.00" after "9.00").
    let (_, body) = app
        .get(
            &format!("admin/commissions?inviter={a}&sort=ref_get&order=desc"),
            Some(&token),
        )
        .await;
    let got: Vec<&str> = items(&body)
        .iter()
        .map(|r| r["ref_get"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec!["10.00", "9.00", "0.05"]);
    assert_eq!(items(&body)[0]["inviter_email"], "alice0@example.com");
    assert_eq!(items(&body)[0]["payer_email"], "fa1@example.com");
    assert_eq!(body["data"]["sum_ref_get"], "19.05");
    let (_, body) = app
        .get(
            "admin/commissions?from=2026-11-10&to=2026-11-30",
            Some(&token),
        )
        .await;
    assert_eq!(body["data"]["total"], 1);
    assert_eq!(body["data"]["sum_total"], "50.00");

    let (s, body) = app
        .get(
            "admin/commissions/periods?period=month&from=2026-10-20&to=2026-12-10",
            Some(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let periods: Vec<(String, i64, String)> = body["data"]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap().into(),
                p["count"].as_i64().unwrap(),
                p["ref_get"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        periods,
        vec![
            ("2026-10-01".into(), 0, "0.00".into()),
            ("2026-11-01".into(), 2, "19.00".into()),
            ("2026-12-01".into(), 2, "1.55".into()),
        ]
    );
    assert_eq!(body["data"]["ref_get"], "20.55");
    let (_, body) = app
        .get(
            "admin/commissions/periods?period=day&from=2026-11-30&to=2026-12-02",
            Some(&token),
        )
        .await;
    let counts: Vec<i64> = body["data"]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![0, 2, 0]);
    assert_eq!(body["data"]["total"], "7.75");
}

async fn bad_queries_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.admin_token().await;
    for path in [
        "admin/invites?sort=password",
        "admin/invites?order=up",
        "admin/invites?from=2026-13-01",
        "admin/invites?from=2026-12-02&to=2026-12-01",
        "admin/commissions?sort=email",
        "admin/commissions?to=yesterday",
        "admin/commissions/periods?period=year",
        "admin/commissions/periods?from=2020-01-01&to=2026-01-01",
    ] {
        let (s, body) = app.get(path, Some(&token)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(body["ret"], 0);
    }
    for path in [
        "admin/invites?page=x",
        "admin/commissions?inviter=abc",
        "admin/invites/abc/invitees",
    ] {
        let (s, body) = app.get(path, Some(&token)).await;
        assert!(s.is_client_error(), "{path}: {s} {body}");
        assert_eq!(body["ret"], json!(0), "{path}");
    }
}

both_backends!(
    only_admins_see_invites,
    inviters_with_their_sign_ups_and_commissions,
    commissions_with_totals_and_periods,
    bad_queries_are_refused,
);

/// Not a test: seeds 100,000 users (a tenth of them invited by 1,000 inviters, every user with an
/// invite code) and 300,000 `payback` rows over a year on MariaDB, then prints how long the
/// oversight and mass-mail counting endpoints take (best of 3).
/// `cargo test --test admin_invites -- --ignored --nocapture scale`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn scale_100k_users() {
    let app = TestApp::spawn(Backend::MariaDb).await;
    let (_, token) = app.admin_token().await;
    let t0 = std::time::Instant::now();
    app.insert_users(UserSeed {
        prefix: "s",
        n: 100_000,
        class: 1,
        class_days: 20,
        ..UserSeed::default()
    })
    .await;
    app.exec("UPDATE user SET ref_by = 1 + (id % 1000) WHERE id > 1001 AND id % 10 = 0")
        .await;
    app.exec("INSERT INTO user_invite_code (code, user_id) SELECT CONCAT('c', id), id FROM user WHERE id > 1").await;
    let year_ago = chrono::Utc::now().timestamp() - 365 * 86_400;
    for chunk in 0..300 {
        let rows: Vec<String> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                format!(
                    "('{}.{:02}', {}, {}, '{}.{:02}', {})",
                    10 + n % 90,
                    n % 100,
                    1002 + n % 99_000,
                    2 + n % 1000,
                    2 + n % 18,
                    n % 100,
                    year_ago + (n as i64 * 105)
                )
            })
            .collect();
        app.exec(&format!(
            "INSERT INTO payback (total, userid, ref_by, ref_get, datetime) VALUES {}",
            rows.join(", ")
        ))
        .await;
    }
    println!("seeded in {:.1} s", t0.elapsed().as_secs_f64());
    let paths = [
        "admin/invites".to_string(),
        "admin/invites?sort=commission&from=2026-06-01".into(),
        "admin/invites?q=s5000%40".into(),
        "admin/invites/7/invitees".into(),
        "admin/commissions".into(),
        "admin/commissions?inviter=7&sort=ref_get".into(),
        "admin/commissions/periods?period=day&from=2025-12-03".into(),
        "admin/commissions/periods?period=month&from=2025-12-03".into(),
    ];
    for path in &paths {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let (s, body) = app.get(path, Some(&token)).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!("GET {path}: {best:.0} ms");
    }
    for segment in [
        json!({"segment": "all"}),
        json!({"segment": "expiring", "days": 30}),
        json!({"segment": "class", "class": 1}),
    ] {
        let mut body = segment.clone();
        body["subject"] = json!("s");
        body["body"] = json!("b");
        body["dry_run"] = json!(true);
        let t = std::time::Instant::now();
        let (s, r) = app.post("admin/mail", Some(&token), &body).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        println!(
            "POST admin/mail dry run {segment}: {} recipients, {:.0} ms",
            r["data"]["recipients"],
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let t = std::time::Instant::now();
    let (s, r) = app
        .post(
            "admin/mail",
            Some(&token),
            &json!({"segment": "all", "subject": "s", "body": "b"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let id = r["data"]["mailing"]["id"].as_i64().unwrap();
    loop {
        let (_, list) = app.get("admin/mail", Some(&token)).await;
        let m = &list["data"]["items"][0];
        if m["id"] == id && m["status"] == "queued" {
            println!(
                "mailing to {} users queued in {:.1} s",
                m["queued"],
                t.elapsed().as_secs_f64()
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
