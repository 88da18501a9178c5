//! SQL of the report roll-ups (`service::report_rollup`): their progress rows
//! (`spanel_report_state`), the per-user totals of the top-users windows (`spanel_traffic_top`),
//! the back-fill of SSPanel's `user_hourly_usage` history into `spanel_traffic_daily`, and the
//! per-day chart aggregates folded from `paylist`, `bought` and `user` by primary-key watermark
//! (`spanel_chart_daily`, `spanel_chart_payer`, `spanel_chart_pending`). Every read of SSPanel's
//! tables here is a primary-key range; none scans them.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::{execute, Backend, Db, DbMoney, Done, Int, Tx};
use crate::domain::node::COUNTER_CAP;
use crate::{on_db, on_tx};

/// The top-users windows kept as per-user totals: the UTC days from this many days before today
/// through today (the console's 1, 7 and 30-day ranges ask for exactly these).
pub const TOP_SPANS: [i64; 3] = [1, 7, 30];

/// A roll-up's progress: (`mark`, `target`, `pos`); each roll-up says what they mean.
pub type State = (i64, i64, i64);

async fn scalar(tx: &mut Tx, sql: &str, binds: &[i64]) -> sqlx::Result<Option<i64>> {
    let v: Option<Option<Int>> = on_tx!(tx, |c| {
        let mut q = sqlx::query_scalar(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_optional(c).await
    })?;
    Ok(v.flatten().map(|i| i.0))
}

/// The progress row `name`; `lock` takes its row lock (writers), else a plain (snapshot) read.
pub async fn state(tx: &mut Tx, name: &str, lock: bool) -> sqlx::Result<Option<State>> {
    let sql = format!(
        "SELECT `mark`, `target`, `pos` FROM `spanel_report_state` WHERE `name` = ?{}",
        if lock { tx.for_update() } else { "" }
    );
    let row: Option<(Int, Int, Int)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(name)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(|(m, t, p)| (m.0, t.0, p.0)))
}

/// Creates the progress row `name` as `initial` unless it exists.
pub async fn init_state(tx: &mut Tx, name: &str, initial: State, now: i64) -> sqlx::Result<()> {
    let sql = format!(
        "{} INTO `spanel_report_state` (`name`, `mark`, `target`, `pos`, `updated_at`) \
         VALUES (?, ?, ?, ?, ?)",
        tx.backend().insert_ignore()
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(name)
        .bind(initial.0)
        .bind(initial.1)
        .bind(initial.2)
        .bind(now)
        .execute(c)
        .await
        .map(Done::from))?;
    Ok(())
}

/// Moves `name` from `old` to `new` if nobody moved it since it was read (false: leave the
/// transaction's work undone).
pub async fn set_state(
    tx: &mut Tx,
    name: &str,
    old: State,
    new: State,
    now: i64,
) -> sqlx::Result<bool> {
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE `spanel_report_state` SET `mark` = ?, `target` = ?, `pos` = ?, `updated_at` = ? \
         WHERE `name` = ? AND `mark` = ? AND `target` = ? AND `pos` = ?"
    )
    .bind(new.0)
    .bind(new.1)
    .bind(new.2)
    .bind(now)
    .bind(name)
    .bind(old.0)
    .bind(old.1)
    .bind(old.2)
    .execute(c)
    .await
    .map(Done::from)
    })?;
    Ok(done.rows == 1)
}

/// Deletes the progress rows whose name starts with `prefix`.
pub async fn drop_states(tx: &mut Tx, prefix: &str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM `spanel_report_state` WHERE `name` LIKE ? ESCAPE '!'"
    )
    .bind(format!("{}%", prefix.replace('!', "!!").replace('_', "!_")))
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

// ---- Top-users windows ----------------------------------------------------------------------

/// The name of window `span`'s progress row.
pub fn top_state(span: i64) -> String {
    format!("top:{span}")
}

/// The windows that exist, with their progress rows locked: (span, state).
pub async fn top_windows(tx: &mut Tx) -> sqlx::Result<Vec<(i64, State)>> {
    let mut windows = Vec::new();
    for span in TOP_SPANS {
        if let Some(st) = state(tx, &top_state(span), true).await? {
            windows.push((span, st));
        }
    }
    Ok(windows)
}

/// The condition "this hour (`time_col`) counts in the window row of its user": the window's
/// first day is `target` for users below the rebuild cursor `pos` and `mark` for the others.
/// Binds: pos, target, mark.
fn in_window(time_col: &str) -> String {
    format!("{time_col} >= CASE WHEN `user_id` < ? THEN ? ELSE ? END")
}

fn add_to_top_sql(b: Backend, source: &str) -> String {
    format!(
        "INSERT INTO `spanel_traffic_top` (`span`, `user_id`, `bytes`) {source}{}\
         `bytes` = {}(`spanel_traffic_top`.`bytes` + {}, {COUNTER_CAP})",
        b.upsert(&["span", "user_id"]),
        b.least(),
        b.proposed("bytes")
    )
}

/// Adds the finished hours (before `before_hour`) of `spanel_traffic_hourly` to the totals of
/// window `span` (state `st`), in the roll-up's transaction.
pub async fn add_hourly_to_top(
    tx: &mut Tx,
    span: i64,
    st: State,
    before_hour: i64,
) -> sqlx::Result<u64> {
    let source = format!(
        "SELECT ?, `user_id`, SUM(`u` + `d`) FROM `spanel_traffic_hourly` \
         WHERE `hour` < ? AND {} GROUP BY `user_id`",
        in_window("`hour`")
    );
    let sql = add_to_top_sql(tx.backend(), &source);
    execute(tx, &sql, &[span, before_hour, st.2, st.1, st.0]).await
}

/// Adds `user_hourly_usage` rows of ids in `(lo, hi]` and hours in `[since, before)` to the totals
/// of window `span` (state `st`).
pub async fn add_usage_to_top(
    tx: &mut Tx,
    span: i64,
    st: State,
    (lo, hi): (i64, i64),
    (since, before): (i64, i64),
) -> sqlx::Result<u64> {
    let source = format!(
        "SELECT ?, `user_id`, SUM(`hourly_usage`) FROM `user_hourly_usage` \
         WHERE `id` > ? AND `id` <= ? AND `datetime` >= ? AND `datetime` < ? AND {} \
         GROUP BY `user_id`",
        in_window("`datetime`")
    );
    let sql = add_to_top_sql(tx.backend(), &source);
    execute(tx, &sql, &[span, lo, hi, since, before, st.2, st.1, st.0]).await
}

/// Recomputes the totals of window `span` for users `[lo, hi)` from `spanel_traffic_daily` days
/// from `from_day` on.
pub async fn rebuild_top(
    tx: &mut Tx,
    span: i64,
    from_day: i64,
    (lo, hi): (i64, i64),
) -> sqlx::Result<u64> {
    execute(
        tx,
        "DELETE FROM `spanel_traffic_top` WHERE `span` = ? AND `user_id` >= ? AND `user_id` < ?",
        &[span, lo, hi],
    )
    .await?;
    let sql = format!(
        "INSERT INTO `spanel_traffic_top` (`span`, `user_id`, `bytes`) \
         SELECT ?, `user_id`, {}(SUM(`u` + `d`), {COUNTER_CAP}) FROM `spanel_traffic_daily` \
         WHERE `user_id` >= ? AND `user_id` < ? AND `day` >= ? GROUP BY `user_id`",
        tx.backend().least()
    );
    execute(tx, &sql, &[span, lo, hi, from_day]).await
}

/// Takes the days `[from_day, to_day)` out of the totals of window `span` for users `[lo, hi)`, as
/// the window's first day moves from `from_day` to `to_day`: per total, a primary-key range of
/// `spanel_traffic_daily` (cheaper than [`rebuild_top`], which reads every kept day of each user).
pub async fn shift_top(
    tx: &mut Tx,
    span: i64,
    (from_day, to_day): (i64, i64),
    (lo, hi): (i64, i64),
) -> sqlx::Result<u64> {
    let gone = "(SELECT COALESCE(SUM(d.`u` + d.`d`), 0) FROM `spanel_traffic_daily` d \
                WHERE d.`user_id` = `spanel_traffic_top`.`user_id` AND d.`day` >= ? AND d.`day` < ?)";
    let sql = format!(
        "UPDATE `spanel_traffic_top` SET `bytes` = CASE WHEN `bytes` > {gone} \
         THEN `bytes` - {gone} ELSE 0 END WHERE `span` = ? AND `user_id` >= ? AND `user_id` < ?"
    );
    let n = execute(
        tx,
        &sql,
        &[from_day, to_day, from_day, to_day, span, lo, hi],
    )
    .await?;
    execute(
        tx,
        "DELETE FROM `spanel_traffic_top` WHERE `span` = ? AND `user_id` >= ? AND `user_id` < ? \
         AND `bytes` = 0",
        &[span, lo, hi],
    )
    .await?;
    Ok(n)
}

/// Deletes a user's window totals (through the `(span, user_id)` key).
pub async fn forget_user(tx: &mut Tx, user_id: i64) -> sqlx::Result<()> {
    for span in TOP_SPANS {
        execute(
            tx,
            "DELETE FROM `spanel_traffic_top` WHERE `span` = ? AND `user_id` = ?",
            &[span, user_id],
        )
        .await?;
    }
    Ok(())
}

/// The highest user id with per-day traffic (0 when none).
pub async fn max_daily_user(tx: &mut Tx) -> sqlx::Result<i64> {
    Ok(
        scalar(tx, "SELECT MAX(`user_id`) FROM `spanel_traffic_daily`", &[])
            .await?
            .unwrap_or(0),
    )
}

/// A page of window `span`'s totals, most bytes first (ties: the higher user id first), read in
/// order from the `(span, bytes, user_id)` key: (user id, e-mail, bytes).
pub async fn top_page(
    tx: &mut Tx,
    span: i64,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let rows: Vec<(Int, String, Int)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT t.`user_id`, COALESCE(u.`email`, ''), t.`bytes` FROM ( \
         SELECT `user_id`, `bytes` FROM `spanel_traffic_top` WHERE `span` = ? AND `bytes` > 0 \
         ORDER BY `bytes` DESC, `user_id` DESC LIMIT ? OFFSET ?) t \
         JOIN `user` u ON u.`id` = t.`user_id` ORDER BY t.`bytes` DESC, t.`user_id` DESC"
    )
    .bind(span)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(u, e, b)| (u.0, e, b.0)).collect())
}

// ---- Back-fill of SSPanel's hourly history ----------------------------------------------------

/// The first hour spanel itself accounted: the oldest per-day or not-yet-rolled-up row of its own
/// (None when it has none yet).
pub async fn first_own_hour(tx: &mut Tx) -> sqlx::Result<Option<i64>> {
    let daily = scalar(tx, "SELECT MIN(`day`) FROM `spanel_traffic_daily`", &[]).await?;
    let hourly = scalar(tx, "SELECT MIN(`hour`) FROM `spanel_traffic_hourly`", &[]).await?;
    Ok(match (daily, hourly) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The highest id of `table` (0 when empty).
pub async fn max_id(tx: &mut Tx, table: &str) -> sqlx::Result<i64> {
    Ok(scalar(tx, &format!("SELECT MAX(`id`) FROM `{table}`"), &[])
        .await?
        .unwrap_or(0))
}

/// Adds `user_hourly_usage` rows of ids in `(lo, hi]` and hours in `[since, before)` to
/// `spanel_traffic_daily` (as download: SSPanel's rows do not split upload from download).
pub async fn backfill_daily(
    tx: &mut Tx,
    (lo, hi): (i64, i64),
    (since, before): (i64, i64),
) -> sqlx::Result<u64> {
    let b = tx.backend();
    let sql = format!(
        "INSERT INTO `spanel_traffic_daily` (`user_id`, `day`, `u`, `d`) \
         SELECT `user_id`, `datetime` - `datetime` % 86400 AS `day`, 0, SUM(`hourly_usage`) \
         FROM `user_hourly_usage` WHERE `id` > ? AND `id` <= ? AND `datetime` >= ? \
         AND `datetime` < ? GROUP BY `user_id`, `day`{}\
         `d` = {}(`spanel_traffic_daily`.`d` + {}, {COUNTER_CAP})",
        b.upsert(&["user_id", "day"]),
        b.least(),
        b.proposed("d")
    );
    execute(tx, &sql, &[lo, hi, since, before]).await
}

// ---- Chart aggregates -------------------------------------------------------------------------

/// A `paylist` row: (id, user, total in cents, status, created).
pub type PayRow = (i64, i64, i64, i64, i64);

/// `paylist` rows as read: (id, user, total, status, created).
type PayRecord = (Int, Int, DbMoney, Int, Int);

fn pay_rows(rows: Vec<PayRecord>) -> Vec<PayRow> {
    rows.into_iter()
        .map(|(i, u, t, s, d)| (i.0, u.0, t.0.to_cents(), s.0, d.0))
        .collect()
}

/// Up to `limit` `paylist` rows after id `after`, in id order.
pub async fn paylist_after(tx: &mut Tx, after: i64, limit: i64) -> sqlx::Result<Vec<PayRow>> {
    let rows: Vec<PayRecord> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT `id`, `userid`, `total`, `status`, `datetime` FROM `paylist` \
         WHERE `id` > ? ORDER BY `id` LIMIT ?"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    Ok(pay_rows(rows))
}

/// Up to `limit` `bought` rows after id `after`, in id order: (id, price in cents, created).
pub async fn bought_after(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let rows: Vec<(Int, DbMoney, Int)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT `id`, `price`, `datetime` FROM `bought` WHERE `id` > ? ORDER BY `id` LIMIT ?"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(i, p, d)| (i.0, p.0.to_cents(), d.0))
        .collect())
}

/// Up to `limit` users after id `after`, in id order: (id, `reg_date`; None when it is no date).
pub async fn users_after(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, Option<NaiveDateTime>)>> {
    let sql = format!(
        "SELECT `id`, CAST(`reg_date` AS {}) FROM `user` WHERE `id` > ? ORDER BY `id` LIMIT ?",
        tx.backend().text()
    );
    let rows: Vec<(Int, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(i, d)| {
            let at = d.and_then(|d| {
                let d = d.trim();
                let whole = d.get(..19).unwrap_or(d);
                NaiveDateTime::parse_from_str(whole, "%Y-%m-%d %H:%M:%S")
                    .or_else(|_| NaiveDateTime::parse_from_str(whole, "%Y-%m-%dT%H:%M:%S"))
                    .ok()
                    .or_else(|| {
                        let date = NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()?;
                        Some(date.and_time(chrono::NaiveTime::MIN))
                    })
            });
            (i.0, at)
        })
        .collect())
}

/// What a batch adds to one day of `spanel_chart_daily`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayDelta {
    pub top_up_cents: i64,
    pub top_ups: i64,
    pub purchase_cents: i64,
    pub purchases: i64,
    pub new_users: i64,
}

/// Adds `deltas` (by day) to generation `gen`.
pub async fn add_days(tx: &mut Tx, gen: i64, deltas: &BTreeMap<i64, DayDelta>) -> sqlx::Result<()> {
    let b = tx.backend();
    let add = |c: &str| format!("`{c}` = `spanel_chart_daily`.`{c}` + {}", b.proposed(c));
    let sql = format!(
        "INSERT INTO `spanel_chart_daily` (`gen`, `day`, `top_up_cents`, `top_ups`, \
         `purchase_cents`, `purchases`, `new_users`) VALUES (?, ?, ?, ?, ?, ?, ?){}{}, {}, {}, {}, {}",
        b.upsert(&["gen", "day"]),
        add("top_up_cents"),
        add("top_ups"),
        add("purchase_cents"),
        add("purchases"),
        add("new_users")
    );
    for (day, d) in deltas {
        execute(
            tx,
            &sql,
            &[
                gen,
                *day,
                d.top_up_cents,
                d.top_ups,
                d.purchase_cents,
                d.purchases,
                d.new_users,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Records paying users per day of generation `gen` and recounts `payers` of those days.
pub async fn add_payers(tx: &mut Tx, gen: i64, pairs: &[(i64, i64)]) -> sqlx::Result<()> {
    insert_gen_pairs(
        tx,
        "`spanel_chart_payer` (`gen`, `day`, `user_id`)",
        gen,
        pairs,
    )
    .await?;
    let mut days: Vec<i64> = pairs.iter().map(|(d, _)| *d).collect();
    days.sort_unstable();
    days.dedup();
    for day in days {
        // The day's row exists: the paid top-ups that named these payers were added to it.
        execute(
            tx,
            "UPDATE `spanel_chart_daily` SET `payers` = (SELECT COUNT(*) FROM `spanel_chart_payer` \
             WHERE `gen` = ? AND `day` = ?) WHERE `gen` = ? AND `day` = ?",
            &[gen, day, gen, day],
        )
        .await?;
    }
    Ok(())
}

/// Remembers unpaid orders the watermark of generation `gen` passed: (order id, created).
pub async fn add_pending(tx: &mut Tx, gen: i64, orders: &[(i64, i64)]) -> sqlx::Result<()> {
    insert_gen_pairs(
        tx,
        "`spanel_chart_pending` (`gen`, `order_id`, `created`)",
        gen,
        orders,
    )
    .await
}

/// Inserts (`gen`, a, b) rows into `into` (a table and its three columns), skipping rows already
/// there, 300 a statement.
async fn insert_gen_pairs(
    tx: &mut Tx,
    into: &str,
    gen: i64,
    pairs: &[(i64, i64)],
) -> sqlx::Result<()> {
    let ignore = tx.backend().insert_ignore();
    for chunk in pairs.chunks(300) {
        let sql = format!(
            "{ignore} INTO {into} VALUES {}",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        let binds: Vec<i64> = chunk.iter().flat_map(|(a, b)| [gen, *a, *b]).collect();
        execute(tx, &sql, &binds).await?;
    }
    Ok(())
}

/// Remembered orders of generation `gen` that are paid now (at most `limit`).
pub async fn paid_pending(tx: &mut Tx, gen: i64, limit: i64) -> sqlx::Result<Vec<PayRow>> {
    let sql = "SELECT p.`id`, p.`userid`, p.`total`, p.`status`, p.`datetime` \
         FROM `spanel_chart_pending` x JOIN `paylist` p ON p.`id` = x.`order_id` \
         WHERE x.`gen` = ? AND p.`status` = 1 ORDER BY x.`order_id` LIMIT ?";
    let rows: Vec<PayRecord> = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(gen)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    Ok(pay_rows(rows))
}

/// Forgets one remembered order of generation `gen`: whether it was still remembered.
pub async fn take_pending(tx: &mut Tx, gen: i64, id: i64) -> sqlx::Result<bool> {
    let n = execute(
        tx,
        "DELETE FROM `spanel_chart_pending` WHERE `gen` = ? AND `order_id` = ?",
        &[gen, id],
    )
    .await?;
    Ok(n == 1)
}

/// Forgets remembered orders created before `before` (the next generation counts them if they
/// are ever paid) and every row of generations other than `keep` (at most `limit` rows of each
/// table per statement). Returns the rows deleted.
pub async fn prune_chart(db: &Db, keep: &[i64], before: i64, limit: i64) -> sqlx::Result<u64> {
    let mut deleted = 0;
    let keep_sql = super::placeholders(keep.len());
    // SQLite has no `DELETE … LIMIT` by default: delete by key ranges found first.
    for table in [
        "spanel_chart_pending",
        "spanel_chart_payer",
        "spanel_chart_daily",
    ] {
        let distinct =
            format!("SELECT DISTINCT `gen` FROM `{table}` WHERE `gen` NOT IN ({keep_sql})");
        let gens: Vec<Int> = on_db!(db, |p| {
            let mut q = sqlx::query_scalar(&distinct);
            for k in keep {
                q = q.bind(*k);
            }
            q.fetch_all(p).await
        })?;
        for Int(gen) in gens {
            loop {
                let key = if table == "spanel_chart_pending" {
                    "order_id"
                } else {
                    "day"
                };
                let upto: Option<Int> = on_db!(db, |p| sqlx::query_scalar(&format!(
                    "SELECT MAX(`{key}`) FROM (SELECT `{key}` FROM `{table}` WHERE `gen` = ? \
                     ORDER BY `{key}` LIMIT ?) x"
                ))
                .bind(gen)
                .bind(limit)
                .fetch_one(p)
                .await)?;
                let Some(Int(upto)) = upto else { break };
                let done = on_db!(db, |p| sqlx::query(&format!(
                    "DELETE FROM `{table}` WHERE `gen` = ? AND `{key}` <= ?"
                ))
                .bind(gen)
                .bind(upto)
                .execute(p)
                .await
                .map(Done::from))?;
                deleted += done.rows;
            }
        }
    }
    let done = on_db!(db, |p| sqlx::query(
        "DELETE FROM `spanel_chart_pending` WHERE `created` < ?"
    )
    .bind(before)
    .execute(p)
    .await
    .map(Done::from))?;
    Ok(deleted + done.rows)
}

/// One day of `spanel_chart_daily` (or of the rows past its watermarks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChartDay {
    pub top_up_cents: i64,
    pub top_ups: i64,
    pub payers: i64,
    pub purchase_cents: i64,
    pub purchases: i64,
    pub new_users: i64,
}

/// The days of generation `gen` from `from_day` on.
pub async fn chart_days(
    tx: &mut Tx,
    gen: i64,
    from_day: i64,
) -> sqlx::Result<BTreeMap<i64, ChartDay>> {
    type Row = (Int, Int, Int, Int, Int, Int, Int);
    let rows: Vec<Row> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT `day`, `top_up_cents`, `top_ups`, `payers`, `purchase_cents`, `purchases`, \
         `new_users` FROM `spanel_chart_daily` WHERE `gen` = ? AND `day` >= ? ORDER BY `day`"
    )
    .bind(gen)
    .bind(from_day)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(d, tc, t, p, pc, pn, n)| {
            (
                d.0,
                ChartDay {
                    top_up_cents: tc.0,
                    top_ups: t.0,
                    payers: p.0,
                    purchase_cents: pc.0,
                    purchases: pn.0,
                    new_users: n.0,
                },
            )
        })
        .collect())
}

/// Paid top-ups not folded into generation `gen`, created from `from` on, per UTC day: those past
/// the watermark `after` and the remembered orders paid since; (day, cents, how many, paying
/// users not yet counted for that day).
pub async fn paylist_tail(
    tx: &mut Tx,
    gen: i64,
    after: i64,
    from: i64,
) -> sqlx::Result<Vec<(i64, i64, i64, i64)>> {
    let sql = format!(
        "SELECT t.`day`, {}, COUNT(*), COUNT(DISTINCT CASE WHEN NOT EXISTS ( \
         SELECT 1 FROM `spanel_chart_payer` x WHERE x.`gen` = ? AND x.`day` = t.`day` \
         AND x.`user_id` = t.`userid`) THEN t.`userid` END) FROM ( \
         SELECT `datetime` - `datetime` % 86400 AS `day`, `userid`, `total` FROM `paylist` \
         WHERE `id` > ? AND `status` = 1 AND `datetime` >= ? \
         UNION ALL SELECT p.`datetime` - p.`datetime` % 86400, p.`userid`, p.`total` \
         FROM `spanel_chart_pending` x JOIN `paylist` p ON p.`id` = x.`order_id` \
         WHERE x.`gen` = ? AND p.`status` = 1 AND p.`datetime` >= ?) t \
         GROUP BY t.`day` ORDER BY t.`day`",
        super::cents_sum(tx.backend(), "t.`total`")
    );
    let rows: Vec<(Int, Int, Int, Int)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(gen)
        .bind(after)
        .bind(from)
        .bind(gen)
        .bind(from)
        .fetch_all(c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(d, c, n, u)| (d.0, c.0, n.0, u.0))
        .collect())
}

/// Purchases past the watermark `after` created from `from` on, per UTC day: (day, cents, how
/// many).
pub async fn bought_tail(tx: &mut Tx, after: i64, from: i64) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    let sql = format!(
        "SELECT `datetime` - `datetime` % 86400 AS `p`, {}, COUNT(*) FROM `bought` \
         WHERE `id` > ? AND `datetime` >= ? GROUP BY `p` ORDER BY `p`",
        super::cents_sum(tx.backend(), "`price`")
    );
    let rows: Vec<(Int, Int, Int)> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(after)
        .bind(from)
        .fetch_all(c)
        .await)?;
    Ok(rows.into_iter().map(|(d, c, n)| (d.0, c.0, n.0)).collect())
}

/// Users past the watermark `after` registered from `from` on, per calendar day of `reg_date`.
pub async fn users_tail(
    tx: &mut Tx,
    after: i64,
    from: NaiveDateTime,
) -> sqlx::Result<Vec<(NaiveDate, i64)>> {
    let rows: Vec<(NaiveDate, Int)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT DATE(`reg_date`) AS `p`, COUNT(*) FROM `user` WHERE `id` > ? AND `reg_date` >= ? \
         GROUP BY DATE(`reg_date`) ORDER BY `p`"
    )
    .bind(after)
    .bind(from)
    .fetch_all(c)
    .await
    })?;
    Ok(rows.into_iter().map(|(d, n)| (d, n.0)).collect())
}
