//! `spanel doctor`: will spanel work on this database? It compares the live schema with the SSPanel
//! classic schema spanel expects (`db::schema`), and checks the SQL mode, the time zone agreement
//! with PHP SSPanel, the `config` items spanel reads, the node keys, Redis, the e-mail queue, and
//! which optional indexes would help. It only reads: suggestions are printed, never applied.
//!
//! Exit code: 0 all fine, 1 warnings, 2 spanel will not work on this database.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{Config, DEFAULT_MU_KEY};
use crate::db::introspect::{self, LiveColumn};
use crate::db::schema::{self, Column};
use crate::db::{migrations, Backend, Db};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Database to check (default: the configured one).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Print JSON for scripts instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub area: &'static str,
    pub level: Level,
    pub message: String,
    /// What to do about it (an SQL statement to run yourself, a setting); never applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub database: String,
    pub exit_code: u8,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn worst(&self) -> Level {
        self.findings
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(Level::Ok)
    }

    /// Findings at `level`.
    pub fn at(&self, level: Level) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.level == level)
    }

    pub fn human(&self) -> String {
        let mut out = format!("spanel doctor: {}\n", self.database);
        let mut area = "";
        for f in &self.findings {
            if f.area != area {
                area = f.area;
                out.push_str(&format!("\n[{area}]\n"));
            }
            let tag = match f.level {
                Level::Ok => "  ok   ",
                Level::Info => "  info ",
                Level::Warning => "  WARN ",
                Level::Error => "  FAIL ",
            };
            out.push_str(&format!("{tag}{}\n", f.message));
            if let Some(fix) = &f.fix {
                out.push_str(&format!("         fix: {fix}\n"));
            }
        }
        let verdict = match self.exit_code {
            0 => "spanel will work on this database.",
            1 => "spanel will work on this database; read the warnings.",
            _ => "spanel will NOT work on this database as it is.",
        };
        out.push_str(&format!("\n{verdict}\n"));
        out
    }
}

struct Findings(Vec<Finding>);

impl Findings {
    fn push(&mut self, area: &'static str, level: Level, message: String, fix: Option<String>) {
        self.0.push(Finding {
            area,
            level,
            message,
            fix,
        });
    }
}

pub async fn main(args: Args, config: &Config) -> anyhow::Result<u8> {
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| config.database_url.clone());
    let report = check(&url, config).await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.human());
    }
    Ok(report.exit_code)
}

/// Connects to a database that must already exist (a missing SQLite file is not created).
pub async fn connect_existing(url: &str) -> anyhow::Result<Db> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        anyhow::ensure!(
            path == ":memory:" || std::path::Path::new(path).exists(),
            "there is no database file at {path}"
        );
    }
    Db::connect(url, 2).await
}

/// Runs every check on the database at `url`; never fails, never writes.
pub async fn check(url: &str, config: &Config) -> Report {
    let mut f = Findings(Vec::new());
    match connect_existing(url).await {
        Ok(db) => {
            if let Err(e) = checks(&db, config, &mut f).await {
                f.push(
                    "database",
                    Level::Error,
                    format!("a check could not run: {e}"),
                    None,
                );
            }
        }
        Err(e) => f.push(
            "database",
            Level::Error,
            format!("cannot connect: {e}"),
            None,
        ),
    }
    let mut report = Report {
        database: crate::cli::redact_url(url),
        exit_code: 0,
        findings: f.0,
    };
    report.exit_code = match report.worst() {
        Level::Error => 2,
        Level::Warning => 1,
        _ => 0,
    };
    report
}

async fn checks(db: &Db, config: &Config, f: &mut Findings) -> anyhow::Result<()> {
    f.push(
        "database",
        Level::Ok,
        format!("connected ({:?})", db.backend()),
        None,
    );
    let live = introspect::columns(db).await?;
    if !live.contains_key("user") {
        f.push(
            "schema",
            Level::Error,
            "no SSPanel schema here (the `user` table is missing): an empty database?".into(),
            Some("`spanel init-db` creates the schema on an empty database".into()),
        );
        node_keys(config, f);
        redis(config, f).await;
        return Ok(());
    }
    compare_schema(db.backend(), &live, f);
    spanel_tables(db, &live, f).await?;
    if db.backend() == Backend::MySql {
        sql_mode(db, &live, f).await?;
    }
    time_zone(db, config, &live, f).await?;
    if live.contains_key("config") {
        settings(db, f).await?;
    }
    node_keys(config, f);
    redis(config, f).await;
    if live.contains_key("email_queue") {
        email_queue(db, f).await?;
    }
    indexes(db, &live, f).await?;
    Ok(())
}

/// A type's family: values of one family convert into another of the same without loss of kind.
fn family(column_type: &str) -> &'static str {
    let t = column_type.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.starts_with("decimal") || t.starts_with("numeric") {
        "decimal"
    } else if t.starts_with("float") || t.starts_with("double") || t.starts_with("real") {
        "float"
    } else if t.starts_with("datetime") || t.starts_with("timestamp") || t.starts_with("date") {
        "datetime"
    } else {
        "text"
    }
}

/// `int(11) unsigned` → `int unsigned`: MySQL 8 no longer reports display widths.
fn without_width(column_type: &str) -> String {
    let t = column_type.to_ascii_lowercase();
    if family(&t) != "integer" {
        return t;
    }
    let mut out = String::new();
    let mut skip = false;
    for c in t.chars() {
        match c {
            '(' => skip = true,
            ')' => skip = false,
            _ if !skip => out.push(c),
            _ => {}
        }
    }
    out
}

/// A default as a comparable value: quotes, `NULL` and `()` spellings, and numeric forms unified.
fn normal_default(d: Option<&str>) -> Option<String> {
    let d = d?.trim();
    if d.eq_ignore_ascii_case("null") {
        return None;
    }
    let d = d.to_ascii_lowercase().replace("()", "");
    let unquoted = if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
        d[1..d.len() - 1].replace("''", "'")
    } else {
        d
    };
    if let Ok(n) = unquoted.parse::<rust_decimal::Decimal>() {
        return Some(n.normalize().to_string());
    }
    Some(unquoted)
}

fn expected_sqlite_type(c: &Column) -> &'static str {
    if c.auto_increment || family(c.mysql_type) == "integer" {
        "INTEGER"
    } else if c.mysql_type == "float" {
        "REAL"
    } else {
        "TEXT"
    }
}

/// Compares one live column with spanel's expectation; returns (level, message, fix).
fn compare_column(
    backend: Backend,
    table: &str,
    want: &Column,
    got: &LiveColumn,
) -> Vec<(Level, String, Option<String>)> {
    let mut out = Vec::new();
    let name = format!("`{table}`.`{}`", want.name);
    let declared = |c: &Column| {
        let mut s = format!(
            "{} {}",
            c.mysql_type,
            if c.nullable { "NULL" } else { "NOT NULL" }
        );
        if let Some(d) = c.default {
            s.push_str(&format!(" DEFAULT {d}"));
        }
        s
    };
    match backend {
        Backend::MySql => {
            let (w, g) = (want.mysql_type, got.column_type.as_str());
            if without_width(w) != without_width(g) {
                let level = if family(w) != family(g) {
                    Level::Error
                } else {
                    Level::Warning
                };
                out.push((
                    level,
                    format!("{name} is {g}; spanel expects {w}"),
                    Some(format!(
                        "ALTER TABLE `{table}` MODIFY `{}` {} (after a backup, and only if PHP SSPanel agrees)",
                        want.name,
                        declared(want)
                    )),
                ));
            }
            let on_update = got.extra.to_ascii_lowercase().contains("on update");
            if on_update && !want.on_update_now {
                out.push((
                    Level::Warning,
                    format!(
                        "{name} has ON UPDATE CURRENT_TIMESTAMP (old MySQL installs gave it to the first \
                         TIMESTAMP column): every update of a row, each traffic report included, \
                         overwrites it"
                    ),
                    Some(format!(
                        "ALTER TABLE `{table}` MODIFY `{}` {}",
                        want.name,
                        declared(want)
                    )),
                ));
            }
            if normal_default(got.default.as_deref()) != normal_default(want.default)
                && !want.auto_increment
            {
                // A NOT NULL column without a default only matters when spanel leaves it out of
                // an INSERT; report every difference as a warning.
                out.push((
                    Level::Warning,
                    format!(
                        "{name} defaults to {}; spanel expects {}",
                        got.default.as_deref().unwrap_or("nothing"),
                        want.default.unwrap_or("nothing")
                    ),
                    None,
                ));
            }
        }
        Backend::Sqlite => {
            let w = expected_sqlite_type(want);
            if !got.column_type.eq_ignore_ascii_case(w) {
                let level = if family(&got.column_type) == family(w)
                    || (w == "TEXT" && family(&got.column_type) != "integer")
                {
                    Level::Warning
                } else {
                    Level::Error
                };
                out.push((
                    level,
                    format!("{name} is {}; spanel expects {w}", got.column_type),
                    None,
                ));
            }
        }
    }
    if got.nullable != (want.nullable && !want.auto_increment) && !got.primary {
        out.push((
            Level::Warning,
            format!(
                "{name} is {}; spanel expects {}",
                if got.nullable { "NULL" } else { "NOT NULL" },
                if want.nullable { "NULL" } else { "NOT NULL" }
            ),
            None,
        ));
    }
    out
}

fn compare_schema(backend: Backend, live: &BTreeMap<String, Vec<LiveColumn>>, f: &mut Findings) {
    let mut clean = 0;
    for table in schema::TABLES {
        let Some(columns) = live.get(table.name) else {
            f.push(
                "schema",
                Level::Error,
                format!("table `{}` is missing", table.name),
                None,
            );
            continue;
        };
        let mut problems = 0;
        for want in table.columns {
            match columns.iter().find(|c| c.name == want.name) {
                None => {
                    problems += 1;
                    f.push(
                        "schema",
                        Level::Error,
                        format!("column `{}`.`{}` is missing", table.name, want.name),
                        None,
                    );
                }
                Some(got) => {
                    for (level, message, fix) in compare_column(backend, table.name, want, got) {
                        problems += 1;
                        f.push("schema", level, message, fix);
                    }
                }
            }
        }
        for extra in columns
            .iter()
            .filter(|c| !table.columns.iter().any(|w| w.name == c.name))
        {
            problems += 1;
            let required = !extra.nullable
                && extra.default.is_none()
                && !extra.extra.contains("auto_increment")
                && !extra.primary;
            if required {
                f.push(
                    "schema",
                    Level::Warning,
                    format!(
                        "column `{}`.`{}` (not in the classic schema) is NOT NULL without a default: \
                         rows spanel inserts into `{}` will be refused",
                        table.name, extra.name, table.name
                    ),
                    Some(format!(
                        "give `{}`.`{}` a default, or keep the PHP version that added it",
                        table.name, extra.name
                    )),
                );
            } else {
                f.push(
                    "schema",
                    Level::Info,
                    format!(
                        "column `{}`.`{}` is not in the classic schema; spanel leaves it alone",
                        table.name, extra.name
                    ),
                    None,
                );
            }
        }
        if problems == 0 {
            clean += 1;
        }
    }
    f.push(
        "schema",
        Level::Ok,
        format!(
            "{clean} of {} SSPanel tables exactly as spanel expects",
            schema::TABLES.len()
        ),
        None,
    );
    let others: Vec<&str> = live
        .keys()
        .map(String::as_str)
        .filter(|t| !t.starts_with("spanel_") && !schema::TABLES.iter().any(|s| s.name == *t))
        .collect();
    if !others.is_empty() {
        f.push(
            "schema",
            Level::Info,
            format!(
                "{} other tables (newer SSPanel features), left alone: {}",
                others.len(),
                others.join(", ")
            ),
            None,
        );
    }
}

async fn spanel_tables(
    db: &Db,
    live: &BTreeMap<String, Vec<LiveColumn>>,
    f: &mut Findings,
) -> anyhow::Result<()> {
    let known = migrations::latest(migrations::MIGRATIONS);
    if !live.contains_key("spanel_schema_version") {
        f.push(
            "spanel tables",
            Level::Info,
            format!(
                "spanel has not run here yet: its own tables (spanel_*) are created at the first \
                 start (version {known}); SSPanel's tables are not altered"
            ),
            None,
        );
        return Ok(());
    }
    let current = migrations::current_version(db).await?;
    if current > known {
        f.push(
            "spanel tables",
            Level::Error,
            format!("spanel's tables are at version {current}, newer than this spanel ({known})"),
            Some("run the newer spanel that upgraded them".into()),
        );
    } else if current < known {
        f.push(
            "spanel tables",
            Level::Info,
            format!(
                "spanel's tables are at version {current}; the next start upgrades them to {known}"
            ),
            None,
        );
    } else {
        f.push(
            "spanel tables",
            Level::Ok,
            format!("spanel's tables are at version {current}"),
            None,
        );
    }
    Ok(())
}

async fn sql_mode(
    db: &Db,
    live: &BTreeMap<String, Vec<LiveColumn>>,
    f: &mut Findings,
) -> anyhow::Result<()> {
    let mode = introspect::sql_mode(db).await?.unwrap_or_default();
    let strict = mode.contains("STRICT_TRANS_TABLES") || mode.contains("STRICT_ALL_TABLES");
    f.push(
        "sql mode",
        if strict { Level::Ok } else { Level::Info },
        format!(
            "global sql_mode = '{mode}'{}",
            if strict {
                ""
            } else {
                " (not strict: the server clips bad values silently; spanel bounds what it writes)"
            }
        ),
        None,
    );
    // Zero dates ('0000-00-00') are accepted by lax SQL modes but are not dates: spanel cannot
    // read those rows.
    let datetimes: Vec<&str> = live["user"]
        .iter()
        .filter(|c| family(&c.column_type) == "datetime")
        .map(|c| c.name.as_str())
        .collect();
    for column in datetimes {
        let n = introspect::count_text_prefix(db, "user", column, "0000-00-00").await?;
        if n > 0 {
            f.push(
                "sql mode",
                Level::Warning,
                format!("{n} users have a zero date in `user`.`{column}`; spanel cannot read those users"),
                Some(format!(
                    "UPDATE `user` SET `{column}` = '1989-06-04 00:05:00' WHERE `{column}` = '0000-00-00 00:00:00'"
                )),
            );
        }
    }
    Ok(())
}

fn offset_text(minutes: i64) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    format!(
        "UTC{sign}{:02}:{:02}",
        minutes.abs() / 60,
        minutes.abs() % 60
    )
}

async fn time_zone(
    db: &Db,
    config: &Config,
    live: &BTreeMap<String, Vec<LiveColumn>>,
    f: &mut Findings,
) -> anyhow::Result<()> {
    use chrono::Offset;
    let Some(zone) = config.datetime_zone() else {
        f.push(
            "time zone",
            Level::Error,
            format!(
                "SPANEL_TIMEZONE '{}' is not an IANA time zone",
                config.timezone
            ),
            Some("e.g. SPANEL_TIMEZONE=Asia/Shanghai".into()),
        );
        return Ok(());
    };
    let now = chrono::Utc::now();
    let ours = i64::from(now.with_timezone(&zone).offset().fix().local_minus_utc() / 60);
    f.push(
        "time zone",
        Level::Ok,
        format!(
            "spanel reads DATETIME columns as {zone} ({})",
            offset_text(ours)
        ),
        None,
    );
    if let Some((global, system, offset)) = introspect::server_time_zone(db).await? {
        match offset {
            // PHP writes in its own `timeZone`, whatever the server's: a difference is a hint,
            // not a fault. Rows written in the future (below) are the evidence.
            Some(server) if server != ours => f.push(
                "time zone",
                Level::Info,
                format!(
                    "MariaDB runs at {} (time_zone {global}, system {system}) but SPANEL_TIMEZONE is \
                     {zone} ({}): PHP SSPanel writes DATETIME columns in its own `timeZone`, usually \
                     the server's",
                    offset_text(server),
                    offset_text(ours)
                ),
                Some(
                    "set SPANEL_TIMEZONE to PHP SSPanel's `timeZone` (config/.config.php), or expiry \
                     runs hours early or late"
                        .into(),
                ),
            ),
            Some(_) => f.push(
                "time zone",
                Level::Ok,
                format!("MariaDB's time zone ({global}, system {system}) agrees"),
                None,
            ),
            None => f.push(
                "time zone",
                Level::Info,
                format!("MariaDB's time zone is {global} (system {system}); its offset is unknown"),
                None,
            ),
        }
    }
    // Times PHP wrote "in the future" by spanel's clock betray a zone ahead of SPANEL_TIMEZONE.
    let soon = crate::domain::from_unix_in(zone, now.timestamp() + 600);
    for (table, column) in [("user", "reg_date"), ("user_subscribe_log", "request_time")] {
        if !live
            .get(table)
            .is_some_and(|c| c.iter().any(|c| c.name == column))
        {
            continue;
        }
        let ahead = introspect::count_later_than(db, table, column, soon).await?;
        if ahead > 0 {
            f.push(
                "time zone",
                Level::Warning,
                format!(
                    "{ahead} rows of `{table}` have a `{column}` in the future by {zone}'s clock: the \
                     panel that wrote them runs in a zone ahead of SPANEL_TIMEZONE"
                ),
                Some("set SPANEL_TIMEZONE to PHP SSPanel's `timeZone`".into()),
            );
        }
    }
    Ok(())
}

async fn settings(db: &Db, f: &mut Findings) -> anyhow::Result<()> {
    let items = introspect::config_items(db).await?;
    let present: BTreeMap<&str, (i64, Option<&str>)> = items
        .iter()
        .map(|(i, n, v)| (i.as_str(), (*n, v.as_deref())))
        .collect();
    let mut missing = Vec::new();
    for known in crate::settings::KNOWN {
        match present.get(known.item) {
            None => missing.push(known.item),
            Some((n, value)) => {
                if *n > 1 {
                    f.push(
                        "settings",
                        Level::Warning,
                        format!("`config` holds {n} rows for `{}`", known.item),
                        Some(format!(
                            "keep one: DELETE FROM `config` WHERE `item` = '{}' AND `id` <> (the id to keep)",
                            known.item
                        )),
                    );
                }
                let value = value.unwrap_or("").trim();
                let bad = match known.kind {
                    "int" => !value.is_empty() && value.parse::<rust_decimal::Decimal>().is_err(),
                    "bool" => !matches!(
                        value.to_ascii_lowercase().as_str(),
                        "" | "0" | "1" | "true" | "false"
                    ),
                    _ => false,
                };
                if bad {
                    f.push(
                        "settings",
                        Level::Warning,
                        format!(
                            "`{}` = '{value}' is not a {}; spanel uses its default '{}'",
                            known.item, known.kind, known.default
                        ),
                        None,
                    );
                }
            }
        }
    }
    f.push(
        "settings",
        Level::Ok,
        format!(
            "{} of the {} `config` items spanel reads are present",
            crate::settings::KNOWN.len() - missing.len(),
            crate::settings::KNOWN.len()
        ),
        None,
    );
    if !missing.is_empty() {
        f.push(
            "settings",
            Level::Info,
            format!(
                "not in `config`, so spanel uses its defaults (the admin console can set them): {}",
                missing.join(", ")
            ),
            None,
        );
    }
    Ok(())
}

fn node_keys(config: &Config, f: &mut Findings) {
    let keys: Vec<&str> = config.mu_keys().collect();
    if keys.is_empty() {
        f.push(
            "node keys",
            Level::Error,
            "SPANEL_MU_KEY is empty: no node can report".into(),
            Some("set SPANEL_MU_KEY to PHP SSPanel's `muKey`".into()),
        );
    } else if keys.contains(&DEFAULT_MU_KEY) {
        f.push(
            "node keys",
            Level::Warning,
            "SPANEL_MU_KEY is the public default: nodes set up with PHP SSPanel's `muKey` are refused, \
             and anyone can pose as a node"
                .into(),
            Some("set SPANEL_MU_KEY to PHP SSPanel's `muKey` (comma separated for several)".into()),
        );
    } else {
        f.push(
            "node keys",
            Level::Ok,
            format!("{} node key(s) configured", keys.len()),
            None,
        );
    }
}

async fn redis(config: &Config, f: &mut Findings) {
    let url = config
        .redis_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let Some(url) = url else {
        f.push(
            "redis",
            Level::Info,
            "no Redis configured: node online state is kept in this process (fine for one instance)"
                .into(),
            None,
        );
        return;
    };
    let state = match crate::kv::Kv::new(Some(url)).await {
        Ok(kv) => kv.ping().await,
        Err(e) => {
            f.push(
                "redis",
                Level::Error,
                format!("SPANEL_REDIS_URL is not usable: {e}"),
                None,
            );
            return;
        }
    };
    if state == crate::kv::KvState::Ok {
        f.push(
            "redis",
            Level::Ok,
            format!("{} answers", crate::cli::redact_url(url)),
            None,
        );
    } else {
        f.push(
            "redis",
            Level::Warning,
            format!(
                "{} does not answer: spanel falls back to in-process state",
                crate::cli::redact_url(url)
            ),
            None,
        );
    }
}

async fn email_queue(db: &Db, f: &mut Findings) -> anyhow::Result<()> {
    let hour_ago = chrono::Utc::now().timestamp() - 3600;
    let (php, stale) = crate::db::ops::php_email_backlog(db, hour_ago).await?;
    if stale > 0 {
        f.push(
            "e-mail queue",
            Level::Warning,
            format!(
                "{stale} of {php} e-mails queued by PHP SSPanel (templates) wait for over an hour: \
                 spanel leaves them to PHP's mail job"
            ),
            Some(
                "switch off the PHP job that queues these templates, or let PHP's `xcat Job SendMail` \
                 send them while spanel's jobs are off (docs/beside-php.md)"
                    .into(),
            ),
        );
    } else if php > 0 {
        f.push(
            "e-mail queue",
            Level::Info,
            format!("{php} e-mails queued by PHP SSPanel; spanel leaves them to PHP"),
            None,
        );
    }
    Ok(())
}

/// Indexes SSPanel lacks that spanel's queries would use: (table, column, why).
pub const SUGGESTED_INDEXES: &[(&str, &str, &str)] = &[
    (
        "user",
        "expire_in",
        "the minute job finding expired accounts",
    ),
    (
        "user",
        "class_expire",
        "the minute job finding expired classes",
    ),
    ("user", "ref_by", "referral lists"),
    ("bought", "userid", "a user's purchases"),
    ("bought", "renew", "the minute job finding due renewals"),
    ("payback", "ref_by", "commission lists"),
    ("ticket", "userid", "a user's tickets"),
    ("alive_ip", "datetime", "online IPs and their pruning"),
    ("node_info", "log_time", "pruning node load reports"),
    ("node_online_log", "log_time", "pruning online counts"),
    ("user_hourly_usage", "datetime", "usage reports by period"),
];

async fn indexes(
    db: &Db,
    live: &BTreeMap<String, Vec<LiveColumn>>,
    f: &mut Findings,
) -> anyhow::Result<()> {
    let leads = introspect::index_leads(db).await?;
    let mut suggested = 0;
    for (table, column, why) in SUGGESTED_INDEXES {
        let exists = live
            .get(*table)
            .is_some_and(|cols| cols.iter().any(|c| c.name == *column));
        if !exists || leads.contains(&(table.to_string(), column.to_string())) {
            continue;
        }
        suggested += 1;
        let rows = introspect::row_count(db, table).await?;
        let q = |s: &str| introspect::quote(db.backend(), s);
        f.push(
            "indexes",
            Level::Info,
            format!("`{table}`.`{column}` has no index ({rows} rows); one would speed up {why}"),
            Some(format!(
                "CREATE INDEX {} ON {} ({}) -- optional; spanel never creates it",
                q(&format!("spanel_{table}_{column}")),
                q(table),
                q(column)
            )),
        );
    }
    if suggested == 0 {
        f.push(
            "indexes",
            Level::Ok,
            "every index spanel's queries use is there".into(),
            None,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_defaults_compare_loosely() {
        assert_eq!(without_width("int(11)"), "int");
        assert_eq!(without_width("bigint(20) unsigned"), "bigint unsigned");
        assert_eq!(without_width("varchar(32)"), "varchar(32)");
        assert_eq!(normal_default(Some("'rc4-md5'")), Some("rc4-md5".into()));
        assert_eq!(normal_default(Some("0.00")), normal_default(Some("0")));
        assert_eq!(normal_default(Some("NULL")), None);
        assert_eq!(
            normal_default(Some("current_timestamp()")),
            normal_default(Some("CURRENT_TIMESTAMP"))
        );
        assert_ne!(normal_default(Some("'1'")), normal_default(Some("'2'")));
    }

    /// What `compare_column` finds for a live `user` column of the given type, default and extra.
    fn compare_user(
        column: &str,
        column_type: &str,
        default: &str,
        extra: &str,
    ) -> Vec<(Level, String, Option<String>)> {
        let want = schema::TABLES[0]
            .columns
            .iter()
            .find(|c| c.name == column)
            .unwrap();
        let got = LiveColumn {
            name: column.into(),
            column_type: column_type.into(),
            nullable: false,
            default: Some(default.into()),
            extra: extra.into(),
            primary: false,
        };
        compare_column(Backend::MySql, "user", want, &got)
    }

    #[test]
    fn on_update_drift_is_a_warning_with_a_fix() {
        let found = compare_user(
            "reg_date",
            "timestamp",
            "current_timestamp()",
            "on update current_timestamp()",
        );
        assert!(
            found.iter().all(|(l, _, _)| *l == Level::Warning),
            "{found:?}"
        );
        let drift = found
            .iter()
            .find(|(_, m, _)| m.contains("ON UPDATE"))
            .expect("the drift is named");
        assert_eq!(
            drift.2.as_deref(),
            Some("ALTER TABLE `user` MODIFY `reg_date` datetime NOT NULL")
        );
    }

    #[test]
    fn a_different_kind_of_type_is_an_error() {
        let found = compare_user("money", "varchar(20)", "0.00", "");
        assert_eq!(found[0].0, Level::Error);
    }
}
