//! Test harness: a real spanel server on a loopback port, over SQLite or MariaDB, spoken to in HTTP.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use spanel::app::AppState;
use spanel::config::Config;
use spanel::db::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MariaDb,
}

pub const MU_KEY: &str = "test-mu-key";
pub const JWT_SECRET: &str = "test-jwt-secret-0123456789";

/// Runs a test function once per backend: `both_backends!(register_then_login);` makes
/// `register_then_login::sqlite` and `register_then_login::mariadb`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                super::$name($crate::common::Backend::MariaDb).await
            }
        }
    )*};
}

/// Server URL of the MariaDB used by tests, without a database name.
pub fn mysql_server_url() -> String {
    std::env::var("SPANEL_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://spanel:spanel@127.0.0.1:3306".to_string())
}

/// A fresh, empty MariaDB database; returns its URL.
pub async fn fresh_mysql_database() -> String {
    use sqlx::Connection;
    let server = mysql_server_url();
    let name = format!("spt_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::MySqlConnection::connect(&server)
        .await
        .expect("MariaDB must be running for the tests (scripts/test.sh starts it)");
    sqlx::raw_sql(&format!(
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    format!("{server}/{name}")
}

/// SSPanel's schema dump from the shared folder: `SPANEL_SHARED_DIR`, else `../shared` beside the
/// checkout, else `/work/shared` (a checkout made elsewhere on the development machine).
pub fn fixture() -> String {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<std::path::PathBuf> = std::env::var_os("SPANEL_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain([manifest.join("../shared"), "/work/shared".into()])
        .map(|dir| dir.join("fixtures/sspanel-classic-schema.sql"))
        .collect();
    candidates
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_else(|| panic!("SSPanel's schema dump is not at any of {candidates:?}"))
}

/// A database loaded from SSPanel's own schema dump.
pub async fn sspanel_database() -> String {
    use sqlx::Connection;
    let url = fresh_mysql_database().await;
    let mut conn = sqlx::MySqlConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&fixture()).execute(&mut conn).await.unwrap();
    url
}

pub fn fresh_sqlite_url() -> String {
    let path =
        std::env::temp_dir().join(format!("spanel-test-{}.db", uuid::Uuid::new_v4().simple()));
    format!("sqlite://{}", path.display())
}

pub fn test_config(backend: Backend, database_url: String) -> Config {
    let _ = backend;
    Config {
        database_url,
        database_max_connections: 16,
        mu_key: MU_KEY.into(),
        jwt_secret: JWT_SECRET.into(),
        // Fast hashing keeps the suite quick; every method has its own unit tests.
        password_method: "sha256".into(),
        password_salt: "test-salt".into(),
        debug: true,
        jobs_enabled: false,
        usage_stats_flush_secs: 0,
        login_ip_per_minute: 1000,
        login_ip_failures: 1000,
        register_ip_per_hour: 0,
        max_open_tickets: 1000,
        ..Config::default()
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub backend: Backend,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server on a new, empty database, after `tweak` adjusts the configuration.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let url = match backend {
            Backend::Sqlite => fresh_sqlite_url(),
            Backend::MariaDb => fresh_mysql_database().await,
        };
        let mut config = test_config(backend, url);
        tweak(&mut config);
        Self::start(backend, config).await
    }

    pub async fn start(backend: Backend, config: Config) -> TestApp {
        let state = AppState::build(config).await.expect("app builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = state.clone();
        tokio::spawn(async move { spanel::server::serve(served, listener).await });
        TestApp {
            base,
            state,
            // Fresh connections: a server may close one after refusing an oversized body, and a
            // pooled connection would then fail the next request at random.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            backend,
        }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/app/api/v0/{}", self.base, path)
        }
    }

    /// Sends a request; paths without a leading `/` are under `/app/api/v0/`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// Posts raw bytes with a JSON content type (for malformed-input tests).
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Registers an account and logs in; returns (user id, token).
    pub async fn register_and_login(&self, email: &str, password: &str) -> (i64, String) {
        let (status, body) = self
            .post(
                "auth/register",
                None,
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["data"]["user_id"].as_i64().unwrap();
        (id, self.login(email, password).await)
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "auth/login",
                None,
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["token"].as_str().unwrap().to_string()
    }

    /// Creates an administrator and logs in as them.
    pub async fn admin_token(&self) -> (i64, String) {
        let email = format!(
            "admin-{}@example.com",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let id = spanel::service::accounts::create_admin(&self.state, &email, "admin-password")
            .await
            .expect("admin created");
        (id, self.login(&email, "admin-password").await)
    }

    /// Runs a statement directly on the test database (fixtures, assertions).
    pub async fn exec(&self, sql: &str) {
        match self.db() {
            Db::MySql(p) => {
                sqlx::raw_sql(sql).execute(p).await.unwrap();
            }
            Db::Sqlite(p) => {
                sqlx::raw_sql(sql).execute(p).await.unwrap();
            }
        }
    }

    /// Reads one integer (or integer-valued expression) from the test database.
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        spanel::on_db!(self.db(), |p| sqlx::query_scalar::<_, spanel::db::Int>(sql)
            .fetch_one(p)
            .await)
        .unwrap()
        .0
    }

    /// Reads one text value (money columns come back as "12.34" on both backends).
    pub async fn scalar_text(&self, sql: &str) -> String {
        let wrapped = format!("SELECT CAST(({sql}) AS CHAR)");
        let wrapped = if self.backend == Backend::Sqlite {
            format!("SELECT CAST(({sql}) AS TEXT)")
        } else {
            wrapped
        };
        spanel::on_db!(self.db(), |p| sqlx::query_scalar::<_, String>(&wrapped)
            .fetch_one(p)
            .await)
        .unwrap()
    }
}

/// A gateway callback sent as GET `payment/notify/{gateway}?{query}`: (status, body text).
pub async fn notify_get(app: &TestApp, gateway: &str, query: &str) -> (StatusCode, String) {
    let resp = app
        .client
        .get(app.url(&format!("payment/notify/{gateway}?{query}")))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// A signed EPay notify of merchant `pid` paying `money` for `tradeno`, as a query string.
pub fn epay_notify_query(tradeno: &str, money: &str, pid: &str, key: &str) -> String {
    let mut params: Vec<(String, String)> = [
        ("pid", pid),
        ("trade_no", "2024010112000012345"),
        ("out_trade_no", tradeno),
        ("type", "alipay"),
        ("name", "Top-up"),
        ("money", money),
        ("trade_status", "TRADE_SUCCESS"),
        ("sign_type", "MD5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sign = spanel::gateways::epay::sign(&params, key);
    params.push(("sign".into(), sign));
    serde_urlencoded::to_string(&params).unwrap()
}

/// Users inserted straight into the database (many at once, no password hashing):
/// `{prefix}{i}@example.com` for `i` in `0..n`.
#[derive(Debug, Clone, Copy)]
pub struct UserSeed<'a> {
    pub prefix: &'a str,
    pub n: usize,
    pub class: i64,
    /// Days until `class_expire` (negative: already expired).
    pub class_days: i64,
    pub node_group: i64,
    pub enable: i64,
    pub ref_by: i64,
}

impl Default for UserSeed<'_> {
    fn default() -> Self {
        UserSeed {
            prefix: "seed",
            n: 1,
            class: 0,
            class_days: -1,
            node_group: 0,
            enable: 1,
            ref_by: 0,
        }
    }
}

impl TestApp {
    pub async fn insert_users(&self, s: UserSeed<'_>) {
        let now = chrono::Utc::now().naive_utc();
        let expire = (now + chrono::Duration::days(s.class_days)).format("%Y-%m-%d %H:%M:%S");
        let all: Vec<usize> = (0..s.n).collect();
        for chunk in all.chunks(200) {
            let rows: Vec<String> = chunk
                .iter()
                .map(|i| {
                    let id = uuid::Uuid::new_v4().simple().to_string();
                    format!(
                        "('{p}{i}', '{p}{i}@example.com', 'x', 'x', '{id}', {port}, \
                         '2026-01-01 00:00:00', 'default', '{id}', {}, '{expire}', {}, {}, {})",
                        s.class,
                        s.node_group,
                        s.enable,
                        s.ref_by,
                        p = s.prefix,
                        port = 20_000 + i,
                    )
                })
                .collect();
            self.exec(&format!(
                "INSERT INTO user (user_name, email, pass, passwd, uuid, port, reg_date, theme, \
                 ga_token, class, class_expire, node_group, enable, ref_by) VALUES {}",
                rows.join(", ")
            ))
            .await;
        }
    }
}
