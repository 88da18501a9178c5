//! Scheduled jobs, run by an in-process scheduler on exactly one instance at a time.
//!
//! Minute jobs change only rows that still match their condition, so a repeat is harmless; daily
//! jobs record their period in `spanel_job_run` inside the same transaction as their work, so an
//! interrupted run rolls back whole and a finished one never runs twice for the same day.

use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;

use crate::app::App;
use crate::clock::from_unix;
use crate::db::jobs as sql;
use crate::domain::account::{day_start, USAGE_DAYS_KEPT};
use crate::domain::GB;
use crate::settings::catalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Every minute: `class > 0` and `class_expire` past → class 0 (and traffic per
    /// `class_expire_reset_traffic`).
    ClassExpiry,
    /// Every minute: `expire_in` past → traffic zeroed once (`expire_notified`).
    AccountExpiry,
    /// Every minute: paying users newly low on traffic (`notify_limit_mode`) get one e-mail.
    TrafficNotice,
    /// Every minute: due automatic renewals are charged and applied, or the user is told once that
    /// the balance is too low.
    AutoRenew,
    /// Every minute: finished hours of traffic move into SSPanel's `user_hourly_usage`.
    HourlyUsage,
    /// Every minute: the report aggregates catch up in bounded batches (top-users windows,
    /// SSPanel's traffic history, the money/orders/users charts; `service::report_rollup`).
    ReportRollup,
    /// Daily: `last_day_t = u + d`.
    DailySnapshot,
    /// Daily: users whose periodic plan has a reset day today start over with its `reset_value` GB.
    PeriodicReset,
    /// Daily: users whose `auto_reset_day` is today start over with `auto_reset_bandwidth` GB
    /// (except holders of a running periodic plan, whose plan decides).
    AutoResetDay,
    /// Daily: nodes whose `bandwidthlimit_resetday` is today get `node_bandwidth = 0`.
    NodeBandwidthReset,
    /// Daily: old `alive_ip`, `node_info`, `node_online_log` and `spanel_traffic_daily` rows are
    /// deleted.
    Prune,
    /// Every minute: one down notice when a node goes silent past `node_offline_timeout`, one up
    /// notice when it reports again; and the nodes online sampled for the charts.
    NodeMonitor,
    /// Every minute: queued e-mails are sent over SMTP, with retries.
    EmailQueue,
    /// Every minute: new audit-rule hits are counted, users past `enable_auto_detect_ban`'s
    /// threshold are disabled for a time (`detect_ban_log`), and bans that ran out are lifted.
    DetectBan,
}

impl Job {
    pub const ALL: [Job; 14] = [
        Job::AutoRenew,
        Job::ClassExpiry,
        Job::AccountExpiry,
        Job::TrafficNotice,
        Job::HourlyUsage,
        Job::ReportRollup,
        Job::DailySnapshot,
        Job::PeriodicReset,
        Job::AutoResetDay,
        Job::NodeBandwidthReset,
        Job::Prune,
        Job::NodeMonitor,
        Job::EmailQueue,
        Job::DetectBan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::AutoRenew => "auto_renew",
            Job::ClassExpiry => "class_expiry",
            Job::AccountExpiry => "account_expiry",
            Job::TrafficNotice => "traffic_notice",
            Job::HourlyUsage => "hourly_usage",
            Job::ReportRollup => "report_rollup",
            Job::DailySnapshot => "daily_snapshot",
            Job::PeriodicReset => "periodic_reset",
            Job::AutoResetDay => "auto_reset_day",
            Job::NodeBandwidthReset => "node_bandwidth_reset",
            Job::Prune => "prune",
            Job::NodeMonitor => "node_monitor",
            Job::EmailQueue => "email_queue",
            Job::DetectBan => "detect_ban",
        }
    }

    pub fn parse(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.name() == name)
    }

    fn is_daily(self) -> bool {
        !matches!(
            self,
            Job::AutoRenew
                | Job::ClassExpiry
                | Job::AccountExpiry
                | Job::TrafficNotice
                | Job::HourlyUsage
                | Job::ReportRollup
                | Job::NodeMonitor
                | Job::EmailQueue
                | Job::DetectBan
        )
    }
}

/// What a run did: rows changed, or None when a daily job had already run for that day.
pub type RunOutcome = Option<u64>;

/// Runs one job as of `now` (the scheduler passes the real clock, tests a frozen one).
pub async fn run(app: &App, job: Job, now: DateTime<Utc>) -> anyhow::Result<RunOutcome> {
    let ts = now.timestamp();
    // These talk to the outside world or commit in batches, so they keep no transaction open.
    let outcome = match job {
        Job::NodeMonitor => {
            let notices = crate::service::monitor::check(app, ts).await?;
            crate::service::admin_charts::sample_nodes_online(app, ts).await?;
            Some(notices)
        }
        Job::EmailQueue => {
            // Mass mailings a stopped instance left half-queued go on first.
            crate::service::admin_mail::resume(app, ts).await?;
            Some(crate::service::mail::drain(app, ts).await?)
        }
        // One transaction per user.
        Job::DetectBan => Some(crate::service::admin_detect::run_ban_job(app, ts).await?),
        // Bounded batches, each its own commit, never one giant transaction.
        Job::Prune => return prune(app, now).await,
        // Bounded batches, each its own commit, within a time budget.
        Job::ReportRollup => Some(crate::service::report_rollup::run(app, ts).await?),
        // One transaction per renewal, so one bad row never holds back the others.
        Job::AutoRenew => Some(crate::service::renewal::renew_due(app, ts).await?),
        _ => return run_set_based(app, job, now).await,
    };
    Ok(outcome)
}

/// A job whose work is a few set-based statements in one transaction (with, for a daily job, the
/// claim of its day), followed by the e-mails it decided on.
async fn run_set_based(app: &App, job: Job, now: DateTime<Utc>) -> anyhow::Result<RunOutcome> {
    // Read before the write transaction: on SQLite a pool connection awaited while holding the
    // write lock can starve against writers waiting for that lock.
    let rules = &SetRules {
        reset_gb: app
            .settings
            .get_i64(catalog::CLASS_EXPIRE_RESET_TRAFFIC.item)
            .await?,
        low_traffic: low_traffic_rule(app).await?,
    };
    // The whole transaction runs again after a write conflict (on a Galera cluster, traffic
    // from other nodes touches the same user rows).
    let attempt = move || run_in_tx(app, job, now, rules);
    let Some((changed, notices)) = crate::db::retry("job", attempt).await? else {
        return Ok(None);
    };
    send_notices(app, notices).await?;
    // Idle minute jobs would fill the log with lines that say nothing: only work done is INFO.
    if changed > 0 {
        tracing::info!(job = job.name(), changed, "job ran");
    } else {
        tracing::debug!(job = job.name(), changed, "job ran");
    }
    Ok(Some(changed))
}

/// One attempt at a set-based job in its transaction (with, for a daily job, the claim of its
/// day): the rows changed and the e-mails to send, or None when the day was already claimed.
async fn run_in_tx(
    app: &App,
    job: Job,
    now: DateTime<Utc>,
    rules: &SetRules,
) -> anyhow::Result<Option<(u64, Notices)>> {
    let mut tx = app.db.begin().await?;
    if job.is_daily() {
        let period = now.format("%Y-%m-%d").to_string();
        if !sql::claim_period(&mut tx, job.name(), &period, now.timestamp()).await? {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let mut notices = Vec::new();
    let changed = set_based_work(&mut tx, job, now, rules, &mut notices).await?;
    tx.commit().await?;
    Ok(Some((changed, notices)))
}

/// The settings a set-based job follows, read before its transaction.
struct SetRules {
    /// `class_expire_reset_traffic`: GB a user starts over with when the class expires (< 0 = keep).
    reset_gb: i64,
    low_traffic: Option<sql::LowTraffic>,
}

/// E-mails to send once the work is committed: (addresses, e-mail template).
type Notices = Vec<(Vec<String>, &'static str)>;

/// The statements of one set-based job, inside its transaction; returns the rows changed.
async fn set_based_work(
    tx: &mut crate::db::Tx,
    job: Job,
    now: DateTime<Utc>,
    rules: &SetRules,
    notices: &mut Notices,
) -> anyhow::Result<u64> {
    let ts = now.timestamp();
    let naive = from_unix(ts);
    Ok(match job {
        Job::ClassExpiry => {
            notices.push((sql::class_expired_emails(tx, naive).await?, "class_expired"));
            let reset = (rules.reset_gb >= 0).then(|| rules.reset_gb.saturating_mul(GB as i64));
            sql::expire_classes(tx, naive, reset).await?
        }
        Job::AccountExpiry => {
            notices.push((
                sql::account_expired_emails(tx, naive).await?,
                "account_expired",
            ));
            sql::expire_accounts(tx, naive).await?
        }
        Job::TrafficNotice => match rules.low_traffic {
            Some(rule) => {
                let to = sql::flag_low_traffic(tx, rule).await?;
                let n = to.len() as u64;
                notices.push((to, "traffic_low"));
                n
            }
            None => 0,
        },
        Job::HourlyUsage => {
            crate::db::node::roll_up_hourly_usage(tx, ts - ts.rem_euclid(3600)).await?
        }
        Job::DailySnapshot => sql::snapshot_daily_usage(tx).await?,
        Job::PeriodicReset => crate::service::renewal::periodic_resets(tx, ts).await?,
        Job::AutoResetDay => auto_reset_day(tx, now).await?,
        Job::NodeBandwidthReset => sql::reset_node_bandwidth(tx, now.day() as i64).await?,
        Job::NodeMonitor
        | Job::EmailQueue
        | Job::AutoRenew
        | Job::Prune
        | Job::DetectBan
        | Job::ReportRollup => 0,
    })
}

/// Users whose `auto_reset_day` is today start over (holders of a running periodic plan excepted:
/// their plan decides).
async fn auto_reset_day(tx: &mut crate::db::Tx, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let periodic = crate::service::renewal::periodic_holders(tx, now.timestamp()).await?;
    let mut n = 0;
    for (id, gb) in sql::auto_reset_users(tx, now.day() as i64).await? {
        if periodic.contains(&id) {
            continue;
        }
        let bytes = (gb.0 * Decimal::from(GB)).trunc();
        let bytes = i64::try_from(bytes).unwrap_or(0);
        n += sql::reset_user_traffic(tx, id, bytes).await?;
    }
    Ok(n)
}

/// Queues the notices a job decided on, in the site's language.
async fn send_notices(app: &App, notices: Notices) -> anyhow::Result<()> {
    let lang = crate::service::mail::site_language(app).await?;
    for (addresses, template) in notices {
        for to in addresses {
            crate::service::mail::send_template(
                app,
                &to,
                template,
                lang,
                minijinja::Value::UNDEFINED,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{template} notice to a user: {e}"))?;
        }
    }
    Ok(())
}

/// Rows deleted per statement by the prune job.
const PRUNE_BATCH: i64 = 5_000;

/// Deletes old `alive_ip` (a day), `node_info` (7 days), `node_online_log` (30 days) and per-day
/// usage rows, in id ranges of `PRUNE_BATCH` rows, each its own commit: a fleet writes tens of
/// millions of `alive_ip` rows a day, and one giant transaction would hold locks for minutes (and
/// fail Galera's certification). The day is claimed first; an interrupted run leaves the rest to
/// the next day's.
async fn prune(app: &App, now: DateTime<Utc>) -> anyhow::Result<RunOutcome> {
    let ts = now.timestamp();
    let mut tx = app.db.begin().await?;
    let period = now.format("%Y-%m-%d").to_string();
    if !sql::claim_period(&mut tx, Job::Prune.name(), &period, ts).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    let day = 86_400;
    let [alive, info, online] = crate::db::node::TIME_ORDERED;
    let mut changed = 0;
    for (table, keep) in [(alive, day), (info, 7 * day), (online, 30 * day)] {
        changed += crate::db::node::prune_by_id(&app.db, table, ts - keep, PRUNE_BATCH).await?;
    }
    changed +=
        sql::prune_daily_usage(&app.db, day_start(ts) - USAGE_DAYS_KEPT * day, PRUNE_BATCH).await?;
    changed += crate::service::traffic::prune_receipts(&app.db, ts).await?;
    tracing::info!(job = Job::Prune.name(), changed, "job ran");
    Ok(Some(changed))
}

/// The low-traffic notice rule from `notify_limit_mode` and `notify_limit_value`; None when off.
async fn low_traffic_rule(app: &App) -> sqlx::Result<Option<sql::LowTraffic>> {
    let value = app
        .settings
        .get_i64(catalog::NOTIFY_LIMIT_VALUE.item)
        .await?
        .max(0);
    Ok(
        match app
            .settings
            .get(catalog::NOTIFY_LIMIT_MODE.item)
            .await?
            .as_str()
        {
            "per" => Some(sql::LowTraffic::Percent(value.min(100))),
            "mb" => Some(sql::LowTraffic::Bytes(value.saturating_mul(1024 * 1024))),
            _ => None,
        },
    )
}

/// How long the scheduler lease lasts unless renewed, and how often every instance looks at it:
/// when the leader dies its lease runs out within `LEASE_SECS` and another instance takes it at
/// its next look, so the jobs pause for under a minute.
pub const LEASE_SECS: i64 = 40;
const LOOK_EVERY: Duration = Duration::from_secs(15);
/// How often the leader runs the jobs.
const RUN_EVERY: Duration = Duration::from_secs(60);

/// Takes or renews the scheduler lease for `holder`: a row of `spanel_job_lease` changed by a
/// guarded `UPDATE`, which Galera certifies like any write (so one instance of the whole cluster
/// holds it), unlike `GET_LOCK`, which is local to one node.
pub async fn hold_lease(app: &App, holder: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let ts = now.timestamp();
    let token = crate::db::retry("lease", move || {
        sql::try_lease(&app.db, "scheduler", holder, ts, ts + LEASE_SECS)
    })
    .await?;
    Ok(token.is_some())
}

/// One scheduler pass: if this instance holds (or wins) the lease, run every job, renewing the
/// lease before each (a pass that outlives the lease stops; jobs are safe to repeat anyway).
/// Returns whether this instance was the leader.
pub async fn tick(app: &App, holder: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
    if !hold_lease(app, holder, now).await? {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    for job in Job::ALL {
        let at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        if !hold_lease(app, holder, at).await? {
            tracing::warn!(
                job = job.name(),
                "scheduler lease lost during a pass; stopping it"
            );
            break;
        }
        let result = run(app, job, now).await;
        crate::metrics::job_run(job.name(), result.is_ok());
        if let Err(e) = result {
            tracing::error!(job = job.name(), error = %e, "job failed; it will be retried");
        }
    }
    Ok(true)
}

/// Runs the scheduler until the process stops: every instance looks at the lease every
/// `LOOK_EVERY`; the holder renews it and runs the jobs every `RUN_EVERY`.
pub fn spawn_scheduler(state: crate::app::AppState) {
    let holder = format!("{}-{}", std::process::id(), crate::random::random_token(8));
    tokio::spawn(async move {
        let mut every = tokio::time::interval(LOOK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last_run: Option<tokio::time::Instant> = None;
        loop {
            every.tick().await;
            let due = last_run.is_none_or(|t| t.elapsed() >= RUN_EVERY);
            let outcome = if due {
                tick(&state, &holder, Utc::now()).await
            } else {
                hold_lease(&state, &holder, Utc::now()).await
            };
            match outcome {
                Ok(true) if due => {
                    if last_run.is_none() {
                        tracing::info!(holder = %holder, "this instance now runs the scheduled jobs");
                    }
                    last_run = Some(tokio::time::Instant::now());
                }
                Ok(true) => {}
                Ok(false) => last_run = None,
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
            }
        }
    });
}
