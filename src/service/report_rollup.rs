//! The report roll-ups: what keeps the top-users report and the money, orders and users charts
//! fast on large databases, run by the `report_rollup` job every minute in bounded batches, each
//! its own transaction (Galera certifies a transaction whole), each resumable from its progress
//! row in `spanel_report_state`. One part failing is logged and the others go on.
//!
//! **Top-users windows.** For each span N of [`rr::TOP_SPANS`] (the console's ranges: the UTC days
//! from N days before today through today), `spanel_traffic_top` holds every user's bytes of
//! `spanel_traffic_daily` from the window's first day on; the report reads the page in key order.
//! The hourly roll-up adds each finished hour to every window in its own transaction. When the day
//! changes, the window's first day moves, `USER_BATCH` users at a time: the days that left are
//! taken out of each total (or, for a first build or a jump of more than `SHIFT_DAYS`, the totals
//! are recomputed from `spanel_traffic_daily`). State `top:N`: `mark` = the first day the whole
//! window counts from, -1 when unknown (before its first build); `target` = the first day it is
//! moving to; `pos` = the next user id to move, users below it already count from `target` (the
//! roll-up adds an hour to a user's total by that rule). Until `mark` = `target` again (a few
//! minutes after midnight UTC) and for any other range, the report sums `spanel_traffic_daily`
//! directly, whose cost grows with users × days (ranges are at most 366 days, and per-day rows are
//! kept 92 days).
//!
//! **History.** SSPanel's `user_hourly_usage` rows from before spanel accounted traffic itself
//! (hours before the first of its own per-day or hourly rows, within the 92 days kept) are added
//! once to `spanel_traffic_daily` (as download: SSPanel does not split them) and to the windows,
//! `BACKFILL_IDS` ids at a time (state `traffic_backfill`: `mark` = the last id done, `target` = the
//! first hour spanel accounted, `pos` = the last id to look at).
//!
//! **Charts.** `paylist`, `bought` and `user` are folded per UTC day into `spanel_chart_daily` of a
//! generation by primary-key watermark (state `chart:G:SOURCE`, `mark` = the last id folded): a
//! batch reads `BATCH` rows after the watermark (a primary-key range), adds them, and records the
//! new watermark in the same transaction. A chart reads, in one snapshot, the generation's days
//! plus the rows past its watermarks (`id > ?`) and the remembered orders paid since, so it equals
//! the sums over SSPanel's tables whoever writes them (PHP SSPanel included). Rows can still change
//! after they are written, so the watermark stops before:
//! - any row younger than `SETTLE` seconds: ids are taken at insert but rows become visible at
//!   commit, so a smaller id may appear after a larger one;
//! - an unpaid order younger than `LOOKBACK`: orders are paid (status 0 → 1) after they are made;
//!   recent ones stay past the watermark, where a chart reads them as they are now.
//!
//! Older unpaid orders the watermark passes are remembered (`spanel_chart_pending`, for
//! `PENDING_DAYS`) and folded when paid; charts count them as soon as they are paid. Changes no
//! watermark can see (a row deleted or edited after it was folded, an order paid more than
//! `PENDING_DAYS` days after it was made) are caught by the daily regeneration: once a day a new
//! generation is folded from id 0 in the background, and replaces the current one (state `chart`:
//! `mark` = the generation charts read, `target` = the one being built, `pos` = the day it began)
//! when its watermarks have caught up. Back-fill of history is the first generation's fold.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::clock::from_unix;
use crate::db::report_rollup::{self as rr, ChartDay, DayDelta};
use crate::domain::account::{day_start, USAGE_DAYS_KEPT};

const DAY: i64 = 86_400;
/// Rows of `paylist`, `bought` or `user` folded per transaction.
const BATCH: i64 = 5_000;
/// Users whose window totals are recomputed per transaction.
const USER_BATCH: i64 = 5_000;
/// A window moved by at most this many days takes them out instead of being rebuilt.
const SHIFT_DAYS: i64 = 7;
/// `user_hourly_usage` ids back-filled per transaction.
const BACKFILL_IDS: i64 = 20_000;
/// Seconds a new row stays past the watermark (rows become visible in commit order, not id order).
pub const SETTLE: i64 = 120;
/// Unpaid orders younger than this stay past the watermark.
pub const LOOKBACK: i64 = DAY;
/// Days an unpaid order the watermark passed is remembered.
pub const PENDING_DAYS: i64 = 35;
/// How long one run may keep starting batches; the rest waits for the next minute.
const BUDGET: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Paylist,
    Bought,
    User,
}

const SOURCES: [Source; 3] = [Source::Paylist, Source::Bought, Source::User];

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Paylist => "paylist",
            Source::Bought => "bought",
            Source::User => "user",
        }
    }
}

fn source_state(gen: i64, source: Source) -> String {
    format!("chart:{gen}:{}", source.name())
}

const CHART: &str = "chart";
const BACKFILL: &str = "traffic_backfill";

/// One run of the job: rows changed. Every part runs even if another failed; the first error is
/// returned after all of them.
pub async fn run(app: &App, now: i64) -> anyhow::Result<u64> {
    let deadline = Instant::now() + BUDGET;
    let mut changed = 0;
    let mut failed = None;
    for (part, result) in [
        ("top windows", top_windows(app, now, deadline).await),
        ("traffic back-fill", backfill(app, now, deadline).await),
        ("charts", charts(app, now, deadline).await),
    ] {
        match result {
            Ok(n) => changed += n,
            Err(e) => {
                tracing::error!(part, error = %e, "report roll-up failed; it will be retried");
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(changed),
    }
}

/// Runs `step` (one transaction, retried on write conflicts) until it reports nothing left
/// (None) or the deadline passes; returns the rows it changed.
async fn batches<F, Fut>(deadline: Instant, mut step: F) -> anyhow::Result<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<u64>>>,
{
    let mut n = 0;
    while Instant::now() < deadline {
        match crate::db::retry("report_rollup", &mut step).await? {
            Some(k) => n += k,
            None => break,
        }
    }
    Ok(n)
}

// ---- Top-users windows ----------------------------------------------------------------------

async fn top_windows(app: &App, now: i64, deadline: Instant) -> anyhow::Result<u64> {
    let mut n = 0;
    for span in rr::TOP_SPANS {
        let want = day_start(now) - span * DAY;
        n += batches(deadline, || top_step(app, span, want, now)).await?;
    }
    Ok(n)
}

/// One step (one transaction) of window `span` toward first day `want`: a new target, or the next
/// `USER_BATCH` users moved; None when it is built. The job runs steps until None.
pub async fn top_step(app: &App, span: i64, want: i64, now: i64) -> anyhow::Result<Option<u64>> {
    let name = rr::top_state(span);
    let mut tx = app.db.begin().await?;
    rr::init_state(&mut tx, &name, (-1, want, 0), now).await?;
    let Some(st @ (mark, target, pos)) = rr::state(&mut tx, &name, true).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    if target != want {
        // A new day: every user moves, from the first. A move cut short by the next day leaves
        // users at two different first days: those are rebuilt whole (`mark` -1).
        let from = if mark == target { mark } else { -1 };
        rr::set_state(&mut tx, &name, st, (from, want, 0), now).await?;
        tx.commit().await?;
        return Ok(Some(0));
    }
    if mark == target {
        tx.rollback().await?;
        return Ok(None);
    }
    let max = rr::max_daily_user(&mut tx).await?;
    let last = pos + USER_BATCH > max;
    let hi = if last { i64::MAX } else { pos + USER_BATCH };
    // Moving a built window by a few days takes those days out; anything else is rebuilt.
    let n = if mark >= 0 && mark < target && target - mark <= SHIFT_DAYS * DAY {
        rr::shift_top(&mut tx, span, (mark, target), (pos, hi)).await?
    } else {
        rr::rebuild_top(&mut tx, span, target, (pos, hi)).await?
    };
    let next = if last {
        (target, target, 0)
    } else {
        (mark, target, hi)
    };
    if !rr::set_state(&mut tx, &name, st, next, now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(n))
}

/// The first day window `span` counts from, if it is built and its rows can be read now; read
/// inside the caller's snapshot.
pub async fn top_window_ready(tx: &mut crate::db::Tx, span: i64) -> sqlx::Result<Option<i64>> {
    Ok(rr::state(tx, &rr::top_state(span), false)
        .await?
        .and_then(|(mark, target, _)| (mark == target && mark >= 0).then_some(mark)))
}

// ---- History of user_hourly_usage ---------------------------------------------------------------

async fn backfill(app: &App, now: i64, deadline: Instant) -> anyhow::Result<u64> {
    let horizon = day_start(now) - USAGE_DAYS_KEPT * DAY;
    let first = {
        let mut tx = app.db.begin_read().await?;
        let st = rr::state(&mut tx, BACKFILL, false).await?;
        tx.rollback().await?;
        match st {
            Some((mark, _, end)) if mark >= end => return Ok(0),
            Some(_) => None,
            // Bisected on the primary key before the first batch (outside any transaction).
            None => Some(
                crate::db::node::first_id_since(
                    &app.db,
                    ("user_hourly_usage", "datetime"),
                    horizon,
                )
                .await?
                .0,
            ),
        }
    };
    batches(deadline, || backfill_step(app, now, horizon, first)).await
}

async fn backfill_step(
    app: &App,
    now: i64,
    horizon: i64,
    first: Option<i64>,
) -> anyhow::Result<Option<u64>> {
    let mut tx = app.db.begin().await?;
    if let Some(first) = first {
        let hour = now - now.rem_euclid(3600);
        let cutoff = rr::first_own_hour(&mut tx).await?.unwrap_or(hour).min(hour);
        let end = rr::max_id(&mut tx, "user_hourly_usage").await?;
        rr::init_state(&mut tx, BACKFILL, (first - 1, cutoff, end), now).await?;
    }
    let Some(st @ (mark, cutoff, end)) = rr::state(&mut tx, BACKFILL, true).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    if mark >= end {
        tx.rollback().await?;
        return Ok(None);
    }
    let hi = (mark + BACKFILL_IDS).min(end);
    let n = rr::backfill_daily(&mut tx, (mark, hi), (horizon, cutoff)).await?;
    for (span, w) in rr::top_windows(&mut tx).await? {
        rr::add_usage_to_top(&mut tx, span, w, (mark, hi), (horizon, cutoff)).await?;
    }
    if !rr::set_state(&mut tx, BACKFILL, st, (hi, cutoff, end), now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(n.max(1)))
}

// ---- Charts ---------------------------------------------------------------------------------

async fn charts(app: &App, now: i64, deadline: Instant) -> anyhow::Result<u64> {
    let (active, building) = crate::db::retry("report_rollup", || generations(app, now)).await?;
    let mut n = fold_generation(app, active, now, deadline).await?;
    if building != active {
        n += fold_generation(app, building, now, deadline).await?;
        let caught_up = {
            let mut tx = app.db.begin_read().await?;
            let mut all = true;
            for s in SOURCES {
                let a = mark_of(&mut tx, active, s).await?;
                let b = mark_of(&mut tx, building, s).await?;
                all &= b >= a;
            }
            tx.rollback().await?;
            all
        };
        if caught_up {
            crate::db::retry("report_rollup", || {
                switch_generation(app, active, building, now)
            })
            .await?;
            tracing::info!(generation = building, "chart aggregates regenerated");
        }
    }
    let (active, building) = crate::db::retry("report_rollup", || generations(app, now)).await?;
    n += rr::prune_chart(
        &app.db,
        &[active, building],
        now - PENDING_DAYS * DAY,
        BATCH,
    )
    .await?;
    Ok(n)
}

/// (the generation charts read, the one being built); starts a new one once a day.
async fn generations(app: &App, now: i64) -> anyhow::Result<(i64, i64)> {
    let today = day_start(now);
    let mut tx = app.db.begin().await?;
    rr::init_state(&mut tx, CHART, (1, 1, today), now).await?;
    let Some(st @ (active, building, began)) = rr::state(&mut tx, CHART, true).await? else {
        tx.rollback().await?;
        anyhow::bail!("no chart state");
    };
    if active == building && began < today {
        rr::set_state(&mut tx, CHART, st, (active, active + 1, today), now).await?;
        tx.commit().await?;
        return Ok((active, active + 1));
    }
    tx.commit().await?;
    Ok((active, building))
}

async fn switch_generation(app: &App, from: i64, to: i64, now: i64) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    if let Some(st @ (active, building, began)) = rr::state(&mut tx, CHART, true).await? {
        if active == from && building == to {
            rr::set_state(&mut tx, CHART, st, (to, to, began), now).await?;
            rr::drop_states(&mut tx, &format!("chart:{from}:")).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn mark_of(tx: &mut crate::db::Tx, gen: i64, source: Source) -> sqlx::Result<i64> {
    Ok(rr::state(tx, &source_state(gen, source), false)
        .await?
        .map_or(0, |s| s.0))
}

async fn fold_generation(app: &App, gen: i64, now: i64, deadline: Instant) -> anyhow::Result<u64> {
    let mut n = batches(deadline, || fold_paid_pending(app, gen)).await?;
    for source in SOURCES {
        n += batches(deadline, || fold_step(app, gen, source, now)).await?;
    }
    Ok(n)
}

fn utc_day(at: i64) -> i64 {
    at - at.rem_euclid(DAY)
}

/// The UTC midnight starting the calendar day of a `reg_date`.
fn date_day(d: chrono::NaiveDate) -> i64 {
    d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

/// Folds one batch of `source` after generation `gen`'s watermark; None when nothing is ready.
async fn fold_step(app: &App, gen: i64, source: Source, now: i64) -> anyhow::Result<Option<u64>> {
    let name = source_state(gen, source);
    let mut tx = app.db.begin().await?;
    rr::init_state(&mut tx, &name, (0, 0, 0), now).await?;
    let Some(st @ (after, _, _)) = rr::state(&mut tx, &name, true).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    let mut deltas: BTreeMap<i64, DayDelta> = BTreeMap::new();
    let mut last = after;
    let mut folded = 0u64;
    match source {
        Source::Paylist => {
            let mut payers = Vec::new();
            let mut pending = Vec::new();
            for (id, user, cents, status, created) in
                rr::paylist_after(&mut tx, after, BATCH).await?
            {
                if created > now - SETTLE || (status == 0 && created > now - LOOKBACK) {
                    break;
                }
                if status == 1 {
                    let day = utc_day(created);
                    let d = deltas.entry(day).or_default();
                    d.top_up_cents += cents;
                    d.top_ups += 1;
                    payers.push((day, user));
                } else if status == 0 && created > now - PENDING_DAYS * DAY {
                    pending.push((id, created));
                }
                last = id;
                folded += 1;
            }
            rr::add_days(&mut tx, gen, &deltas).await?;
            rr::add_payers(&mut tx, gen, &payers).await?;
            rr::add_pending(&mut tx, gen, &pending).await?;
        }
        Source::Bought => {
            for (id, cents, created) in rr::bought_after(&mut tx, after, BATCH).await? {
                if created > now - SETTLE {
                    break;
                }
                let d = deltas.entry(utc_day(created)).or_default();
                d.purchase_cents += cents;
                d.purchases += 1;
                last = id;
                folded += 1;
            }
            rr::add_days(&mut tx, gen, &deltas).await?;
        }
        Source::User => {
            let settled = from_unix(now - SETTLE);
            for (id, reg) in rr::users_after(&mut tx, after, BATCH).await? {
                if reg.is_some_and(|r| r > settled) {
                    break;
                }
                if let Some(r) = reg {
                    deltas.entry(date_day(r.date())).or_default().new_users += 1;
                }
                last = id;
                folded += 1;
            }
            rr::add_days(&mut tx, gen, &deltas).await?;
        }
    }
    if last == after || !rr::set_state(&mut tx, &name, st, (last, 0, 0), now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(folded))
}

/// Folds remembered orders of generation `gen` that were paid since; None when there are none.
async fn fold_paid_pending(app: &App, gen: i64) -> anyhow::Result<Option<u64>> {
    let mut tx = app.db.begin().await?;
    let rows = rr::paid_pending(&mut tx, gen, 1_000).await?;
    let mut deltas: BTreeMap<i64, DayDelta> = BTreeMap::new();
    let mut payers = Vec::new();
    for &(id, user, cents, _, created) in &rows {
        // Taken once: a concurrent run that took it first folded it.
        if rr::take_pending(&mut tx, gen, id).await? {
            let day = utc_day(created);
            let d = deltas.entry(day).or_default();
            d.top_up_cents += cents;
            d.top_ups += 1;
            payers.push((day, user));
        }
    }
    if payers.is_empty() {
        tx.rollback().await?;
        return Ok(None);
    }
    rr::add_days(&mut tx, gen, &deltas).await?;
    rr::add_payers(&mut tx, gen, &payers).await?;
    tx.commit().await?;
    Ok(Some(payers.len() as u64))
}

/// Per UTC day from `from_day` on: the generation charts read plus, in the same snapshot, the
/// rows not folded into it yet, so the figures equal sums over SSPanel's tables.
pub async fn chart_days(app: &App, from_day: i64) -> sqlx::Result<BTreeMap<i64, ChartDay>> {
    let mut tx = app.db.begin_read().await?;
    let gen = rr::state(&mut tx, CHART, false).await?.map_or(0, |s| s.0);
    let mut days = rr::chart_days(&mut tx, gen, from_day).await?;
    let pay_mark = mark_of(&mut tx, gen, Source::Paylist).await?;
    for (day, cents, n, payers) in rr::paylist_tail(&mut tx, gen, pay_mark, from_day).await? {
        let d = days.entry(day).or_default();
        d.top_up_cents += cents;
        d.top_ups += n;
        d.payers += payers;
    }
    let bought_mark = mark_of(&mut tx, gen, Source::Bought).await?;
    for (day, cents, n) in rr::bought_tail(&mut tx, bought_mark, from_day).await? {
        let d = days.entry(day).or_default();
        d.purchase_cents += cents;
        d.purchases += n;
    }
    let user_mark = mark_of(&mut tx, gen, Source::User).await?;
    let midnight = chrono::DateTime::from_timestamp(from_day, 0)
        .unwrap_or_default()
        .naive_utc();
    for (date, n) in rr::users_tail(&mut tx, user_mark, midnight).await? {
        let day = date_day(date);
        if day >= from_day {
            days.entry(day).or_default().new_users += n;
        }
    }
    tx.rollback().await?;
    Ok(days)
}
