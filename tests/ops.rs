//! Operator commands on real databases: `doctor` against SSPanel's own schema, a drifted copy and an
//! empty database; versioned upgrades of spanel's tables; no account added to someone else's
//! database; `backup`. SQLite and MariaDB.

mod common;

use std::process::Command;

use common::{
    fresh_mysql_database, fresh_sqlite_url, sspanel_database, test_config, Backend, TestApp,
};
use spanel::config::Config;
use spanel::db::migrations::{self, Migration, MIGRATIONS};
use spanel::db::Db;
use spanel::ops::doctor::{self, Level, Report};
use spanel::ops::FirstAdmin;

/// A database whose SSPanel schema spanel did not create (PHP SSPanel's dump on MariaDB; the same
/// tables made by hand on SQLite), holding one ordinary user.
async fn foreign_database(backend: Backend) -> String {
    let url = match backend {
        Backend::MariaDb => sspanel_database().await,
        Backend::Sqlite => {
            let url = fresh_sqlite_url();
            let db = Db::connect(&url, 1).await.unwrap();
            for ddl in spanel::db::schema::sqlite_ddl() {
                spanel::on_db!(&db, |p| sqlx::raw_sql(&ddl).execute(p).await.map(|_| ())).unwrap();
            }
            url
        }
    };
    exec(
        &url,
        "INSERT INTO `user` (`user_name`, `email`, `pass`, `passwd`, `uuid`, `port`, `reg_date`, \
         `theme`, `ga_token`, `money`) VALUES ('php', 'php-user@example.com', 'x', 'p', 'uuid-1', \
         10001, '2024-01-01 00:00:00', 'material', 'ga-1', '3.50')",
    )
    .await;
    url
}

async fn exec(url: &str, sql: &str) {
    let db = Db::connect(url, 1).await.unwrap();
    spanel::on_db!(&db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
}

async fn count(url: &str, sql: &str) -> i64 {
    let db = Db::connect(url, 1).await.unwrap();
    spanel::on_db!(&db, |p| sqlx::query_scalar::<_, spanel::db::Int>(sql)
        .fetch_one(p)
        .await)
    .unwrap()
    .0
}

fn doctor_config() -> Config {
    test_config(Backend::Sqlite, String::new())
}

fn messages(report: &Report, level: Level) -> String {
    report
        .at(level)
        .map(|f| format!("[{}] {}", f.area, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- 6. never add accounts to someone else's database ----

async fn no_account_is_added_to_a_foreign_database(backend: Backend) {
    let url = foreign_database(backend).await;
    let app = TestApp::start(backend, test_config(backend, url.clone())).await;
    for _ in 0..2 {
        assert_eq!(
            spanel::ops::first_admin(&app.state).await.unwrap(),
            FirstAdmin::Missing
        );
    }
    assert_eq!(count(&url, "SELECT COUNT(*) FROM `user`").await, 1);
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM `user` WHERE `is_admin` = 1").await,
        0
    );
}

async fn first_admin_only_in_a_database_spanel_created(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let FirstAdmin::Created { email, password } =
        spanel::ops::first_admin(&app.state).await.unwrap()
    else {
        panic!("spanel created this database: the first administrator is made");
    };
    let token = app.login(&email, &password).await;
    let (status, me) = app.get("user/me", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        spanel::ops::first_admin(&app.state).await.unwrap(),
        FirstAdmin::Exists
    );
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM `user`").await, 1);
}

/// The real binary on a foreign SQLite database: no account, the start-up message says how, and
/// the log (a file here) has no colour codes.
#[tokio::test]
async fn start_up_message_points_at_create_admin() {
    use std::io::{BufRead, BufReader};
    let url = foreign_database(Backend::Sqlite).await;
    let log_path = std::env::temp_dir().join(format!(
        "spanel-test-log-{}.txt",
        uuid::Uuid::new_v4().simple()
    ));
    let mut child = Command::new(env!("CARGO_BIN_EXE_spanel"))
        .arg("serve")
        .env("SPANEL_DATABASE_URL", &url)
        .env("SPANEL_LISTEN", "127.0.0.1:0")
        .env("SPANEL_JOBS_ENABLED", "false")
        .env("SPANEL_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("spanel listening") {
            break;
        }
    }
    // The log line follows the printed one: give it a moment under load.
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&log_path).unwrap();
        if log.contains("listening") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(said.contains("spanel create-admin --email"), "{said}");
    // Logs go to stderr, without colour codes when it is not a terminal.
    std::fs::remove_file(&log_path).unwrap();
    assert!(log.contains("listening"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI codes in a file: {log:?}");
    assert!(!said.contains("First administrator created"), "{said}");
    assert_eq!(count(&url, "SELECT COUNT(*) FROM `user`").await, 1);
}

// ---- 7. quiet logs; 5. check-config ----

/// An idle job logs at DEBUG only; a job that changed rows at INFO.
#[tokio::test]
async fn idle_jobs_log_at_debug() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = app.state.config.database_url.clone();
    let job = |level: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_spanel"))
            .args(["job", "run", "class_expiry"])
            .env("SPANEL_DATABASE_URL", &url)
            .env("SPANEL_LOG", level)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    assert!(!job("info").contains("job ran"));
    assert!(job("spanel=debug").contains("job ran"));
    app.register_and_login("expired@example.com", "password-1")
        .await;
    app.exec("UPDATE `user` SET `class` = 1, `class_expire` = '2000-01-01 00:00:00'")
        .await;
    assert!(job("info").contains("changed=1"));
}

/// `spanel check-config` prints the effective configuration with secrets masked.
#[test]
fn check_config_masks_secrets() {
    let dir = std::env::temp_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_spanel"))
        .arg("check-config")
        .current_dir(&dir)
        .env(
            "SPANEL_DATABASE_URL",
            format!(
                "sqlite://{}",
                dir.join(format!("spanel-test-{}.db", uuid::Uuid::new_v4().simple()))
                    .display()
            ),
        )
        .env("SPANEL_JWT_SECRET", "jwt-secret-that-must-not-show")
        .env("SPANEL_MU_KEY", "node-key-that-must-not-show")
        .env("SPANEL_TIMEZONE", "Asia/Shanghai")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("timezone = \"Asia/Shanghai\""),
        "{printed}"
    );
    assert!(
        printed.contains("jwt_secret = \"(set, 29 characters)\""),
        "{printed}"
    );
    assert!(!printed.contains("must-not-show"), "{printed}");
}

// ---- 4. versioned upgrades of spanel's tables ----

/// This release's migrations plus the next release's: a new column and index on a spanel table.
fn next_release() -> Vec<Migration> {
    let mut all: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|m| Migration {
            version: m.version,
            name: m.name,
            mysql: m.mysql,
            sqlite: m.sqlite,
        })
        .collect();
    all.push(Migration {
        version: migrations::latest(MIGRATIONS) + 1,
        name: "admin log keeps the admin's IP",
        mysql: &["ALTER TABLE `spanel_admin_log` ADD COLUMN `ip` varchar(64) NOT NULL DEFAULT ''"],
        sqlite: &["ALTER TABLE spanel_admin_log ADD COLUMN ip TEXT NOT NULL DEFAULT ''"],
    });
    all
}

async fn spanel_tables_upgrade_once_in_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = app.db().clone();
    let latest = migrations::latest(MIGRATIONS);
    assert_eq!(migrations::current_version(&db).await.unwrap(), latest);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM spanel_schema_version")
            .await,
        MIGRATIONS.len() as i64
    );

    // A database from the release before versioning (no version table) opens with this one.
    app.exec("DROP TABLE spanel_schema_version").await;
    if backend == Backend::Sqlite {
        app.exec("DROP INDEX spanel_admin_log_target").await;
    }
    assert!(!db.ensure_schema().await.unwrap());
    assert_eq!(migrations::current_version(&db).await.unwrap(), latest);
    if backend == Backend::Sqlite {
        assert_eq!(
            app.scalar_i64(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' \
                 AND name = 'spanel_admin_log_target'"
            )
            .await,
            1
        );
    }

    // The next release opens this database: two instances start at once, one upgrades.
    let next = next_release();
    let (a, b) = tokio::join!(
        migrations::apply(&db, &next, 1),
        migrations::apply(&db, &next, 2)
    );
    let mut applied = [a.unwrap(), b.unwrap()];
    applied.sort();
    assert_eq!(applied, [vec![], vec![latest + 1]]);
    assert_eq!(migrations::current_version(&db).await.unwrap(), latest + 1);
    app.exec(
        "INSERT INTO spanel_admin_log (admin_id, action, target, detail, created_at, ip) \
         VALUES (1, 'x', 'y', '', 0, '127.0.0.1')",
    )
    .await;
    // Started again, nothing is applied twice.
    assert!(migrations::apply(&db, &next, 3).await.unwrap().is_empty());

    // This release refuses the database the next one upgraded, rather than run on it.
    let err = db.ensure_schema().await.unwrap_err().to_string();
    assert!(err.contains("newer than this spanel"), "{err}");
}

// ---- 2. doctor ----

#[tokio::test]
async fn doctor_passes_php_sspanels_own_database() {
    let url = sspanel_database().await;
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 0, "{}", report.human());
    assert!(report.findings.iter().any(|f| f.area == "indexes"));
    // Read-only: spanel's own tables were not created by the check.
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME LIKE 'spanel%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn doctor_names_the_drift_of_old_installs() {
    let url = sspanel_database().await;
    exec(
        &url,
        "ALTER TABLE `user` MODIFY `reg_date` timestamp NOT NULL DEFAULT current_timestamp() \
         ON UPDATE current_timestamp()",
    )
    .await;
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 1, "{}", report.human());
    let drift = report
        .at(Level::Warning)
        .find(|f| f.message.contains("`user`.`reg_date` has ON UPDATE"))
        .unwrap_or_else(|| panic!("{}", report.human()));
    assert_eq!(
        drift.fix.as_deref(),
        Some("ALTER TABLE `user` MODIFY `reg_date` datetime NOT NULL")
    );
    // Suggested, not applied.
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'user' AND COLUMN_NAME = 'reg_date' AND EXTRA LIKE '%on update%'"
        )
        .await,
        1
    );

    // A missing column spanel reads: will not work.
    exec(&url, "ALTER TABLE `node` DROP COLUMN `gfw_block`").await;
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 2, "{}", report.human());
    assert!(
        messages(&report, Level::Error).contains("column `node`.`gfw_block` is missing"),
        "{}",
        report.human()
    );
}

async fn doctor_refuses_an_empty_database(backend: Backend) {
    let url = match backend {
        Backend::MariaDb => fresh_mysql_database().await,
        Backend::Sqlite => {
            let url = fresh_sqlite_url();
            Db::connect(&url, 1).await.unwrap();
            url
        }
    };
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 2, "{}", report.human());
    assert!(messages(&report, Level::Error).contains("no SSPanel schema"));
}

async fn doctor_passes_a_database_spanel_made_and_sees_its_drift(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.state.config.database_url.clone();
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 0, "{}", report.human());
    assert!(report
        .at(Level::Ok)
        .any(|f| f.message.contains("spanel's tables are at version")));
    app.exec("ALTER TABLE `node` DROP COLUMN `gfw_block`").await;
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 2, "{}", report.human());
}

/// PHP writing DATETIMEs in Asia/Shanghai while spanel reads them as UTC: rows from the future.
async fn doctor_sees_a_time_zone_ahead_of_spanels(backend: Backend) {
    let url = foreign_database(backend).await;
    let shanghai_now =
        (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S");
    exec(
        &url,
        &format!(
            "INSERT INTO `user` (`user_name`, `email`, `pass`, `passwd`, `uuid`, `port`, `reg_date`, \
             `theme`, `ga_token`) VALUES ('new', 'new@example.com', 'x', 'p', 'uuid-2', 10002, \
             '{shanghai_now}', 'material', 'ga-2')"
        ),
    )
    .await;
    let report = doctor::check(&url, &doctor_config()).await;
    assert_eq!(report.exit_code, 1, "{}", report.human());
    assert!(
        messages(&report, Level::Warning)
            .contains("1 rows of `user` have a `reg_date` in the future"),
        "{}",
        report.human()
    );
    let config = Config {
        timezone: "Asia/Shanghai".into(),
        ..doctor_config()
    };
    let report = doctor::check(&url, &config).await;
    assert_eq!(report.exit_code, 0, "{}", report.human());
}

/// The binary: `--json` for scripts, exit 1 on warnings (the public default node key) and 2 when
/// spanel will not work (no database file).
#[tokio::test]
async fn doctor_command_speaks_json_and_exit_codes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let run = |url: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_spanel"))
            .args(["doctor", "--json", "--database-url", url])
            .env_remove("SPANEL_MU_KEY")
            .env_remove("SPANEL_CONFIG")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        (out.status.code(), json)
    };
    let (code, json) = run(&app.state.config.database_url);
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["exit_code"], 1);
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["area"] == "node keys" && f["level"] == "warning"));
    let (code, json) = run("sqlite:///nonexistent/spanel.db");
    assert_eq!(code, Some(2), "{json}");
    assert!(!std::path::Path::new("/nonexistent/spanel.db").exists());
}

// ---- 5. backup ----

#[tokio::test]
async fn backup_copies_the_sqlite_database_while_it_runs() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.register_and_login("kept@example.com", "password-1")
        .await;
    let to = std::env::temp_dir().join(format!(
        "spanel-test-backup-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let bytes = spanel::ops::backup::backup(app.db(), &to).await.unwrap();
    assert!(bytes > 0);
    let url = format!("sqlite://{}", to.display());
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) FROM `user` WHERE `email` = 'kept@example.com'"
        )
        .await,
        1
    );
    // Never overwrites.
    let err = spanel::ops::backup::backup(app.db(), &to)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists"), "{err}");
    std::fs::remove_file(&to).unwrap();
}

#[tokio::test]
async fn backup_points_mariadb_at_its_dump_tool() {
    let app = TestApp::spawn(Backend::MariaDb).await;
    let to = std::env::temp_dir().join("spanel-test-never-written.db");
    let err = spanel::ops::backup::backup(app.db(), &to)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("mariadb-dump --single-transaction"), "{err}");
    assert!(!to.exists());
}

both_backends!(
    no_account_is_added_to_a_foreign_database,
    first_admin_only_in_a_database_spanel_created,
    spanel_tables_upgrade_once_in_order,
    doctor_refuses_an_empty_database,
    doctor_passes_a_database_spanel_made_and_sees_its_drift,
    doctor_sees_a_time_zone_ahead_of_spanels,
);
