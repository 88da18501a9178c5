//! SQL of invite and commission oversight: invite codes (`user_invite_code`), who signed up with
//! them (`user.ref_by`) and the commissions paid (`payback`). SSPanel's tables have no index on
//! `ref_by` or `payback.datetime` and may not get one, so every figure is one aggregate per
//! request (a scan the database does once), never a query per row.

use chrono::NaiveDateTime;

use super::{cents_sum, placeholders, Backend, Db, DbMoney, Int, Money};
use crate::on_db;

/// `expr DIV n` on whole numbers ≥ 0, in each dialect.
fn int_div(backend: Backend, expr: &str, n: i64) -> String {
    match backend {
        Backend::MySql => format!("(({expr}) DIV {n})"),
        Backend::Sqlite => format!("(({expr}) / {n})"),
    }
}

/// `%text%` for `LIKE … ESCAPE '!'`.
fn like(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('!', "!!")
            .replace('%', "!%")
            .replace('_', "!_")
    )
}

/// An inviter: their code, quota left, how many signed up with them, and commissions in the period.
#[derive(Debug, Clone)]
pub struct InviterRow {
    pub user_id: i64,
    pub email: String,
    pub code: String,
    pub invite_num: i64,
    pub invited: i64,
    pub paybacks: i64,
    pub commission: Money,
}

/// An inviter as selected: user id, e-mail, code, invitations left, sign-ups, payments, cents.
type InviterTuple = (Int, String, String, Int, Int, Int, Int);

fn inviter_row((uid, email, code, num, invited, k, cents): InviterTuple) -> InviterRow {
    InviterRow {
        user_id: uid.0,
        email,
        code,
        invite_num: num.0,
        invited: invited.0,
        paybacks: k.0,
        commission: Money::from_cents(cents.0),
    }
}

/// Sort keys of the inviter list and their expressions.
pub fn inviter_sort(key: &str) -> Option<&'static str> {
    match key {
        "invited" => Some("`invited`"),
        "commission" => Some("`cents`"),
        "paybacks" => Some("`paybacks`"),
        "user_id" => Some("`user_id`"),
        "invite_num" => Some("`invite_num`"),
        _ => None,
    }
}

/// What the inviter list shows: `q` (part of the e-mail, the exact code or user id), commissions
/// counted within `[from, to)` (unix seconds).
pub struct InviterFilter<'a> {
    pub q: &'a str,
    pub from: i64,
    pub to: i64,
}

const INVITER_WHERE: &str =
    "(? = '' OR u.`email` LIKE ? ESCAPE '!' OR c.`code` = ? OR c.`user_id` = ?)";

/// At most this many code owners match one search (an e-mail part can match many).
pub const MAX_MATCHES: i64 = 200;

/// A page of the code owners matching `f.q` (at most [`MAX_MATCHES`], by user id), ordered by
/// `sort` (from [`inviter_sort`]), and how many match. The matches are found first, so the
/// aggregates only count their rows.
pub async fn inviters(
    db: &Db,
    f: &InviterFilter<'_>,
    (sort, descending): (&'static str, bool),
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<InviterRow>, i64)> {
    let pattern = like(f.q);
    let id = f.q.trim().parse::<i64>().unwrap_or(-1);
    let match_sql = format!(
        "SELECT c.`user_id` FROM `user_invite_code` c JOIN `user` u ON u.`id` = c.`user_id` \
         WHERE {INVITER_WHERE} ORDER BY c.`user_id` LIMIT ?"
    );
    let ids: Vec<Int> = on_db!(db, |p| sqlx::query_scalar(&match_sql)
        .bind(f.q)
        .bind(&pattern)
        .bind(f.q)
        .bind(id)
        .bind(MAX_MATCHES)
        .fetch_all(p)
        .await)?;
    if ids.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let list = placeholders(ids.len());
    let dir = if descending { "DESC" } else { "ASC" };
    let cents = cents_sum(db.backend(), "`ref_get`");
    let sql = format!(
        "SELECT c.`user_id` AS `user_id`, u.`email`, c.`code`, u.`invite_num` AS `invite_num`, \
         COALESCE(i.`n`, 0) AS `invited`, COALESCE(p.`k`, 0) AS `paybacks`, \
         COALESCE(p.`cents`, 0) AS `cents` \
         FROM `user_invite_code` c JOIN `user` u ON u.`id` = c.`user_id` \
         LEFT JOIN (SELECT `ref_by`, COUNT(*) AS `n` FROM `user` WHERE `ref_by` IN ({list}) \
                    GROUP BY `ref_by`) i ON i.`ref_by` = c.`user_id` \
         LEFT JOIN (SELECT `ref_by`, COUNT(*) AS `k`, {cents} AS `cents` FROM `payback` \
                    WHERE `ref_by` IN ({list}) AND `datetime` >= ? AND `datetime` < ? \
                    GROUP BY `ref_by`) p ON p.`ref_by` = c.`user_id` \
         WHERE c.`user_id` IN ({list}) ORDER BY {sort} {dir}, c.`user_id` {dir} LIMIT ? OFFSET ?"
    );
    let rows: Vec<InviterTuple> = on_db!(db, |p| {
        let mut q = sqlx::query_as(&sql);
        // The user subquery's ids, the payback subquery's ids and days, the outer ids.
        for i in ids.iter().chain(&ids) {
            q = q.bind(i.0);
        }
        q = q.bind(f.from).bind(f.to);
        for i in &ids {
            q = q.bind(i.0);
        }
        q.bind(limit).bind(offset).fetch_all(p).await
    })?;
    Ok((
        rows.into_iter().map(inviter_row).collect(),
        ids.len() as i64,
    ))
}

/// A page of *active* inviters (someone signed up with them, or they earned a commission in the
/// period) ordered by `sort`, and how many there are. Grouped from `user.ref_by` and `payback`
/// first (a few thousand groups at most), then joined by primary and unique keys: it never joins
/// every code of a large panel.
pub async fn active_inviters(
    db: &Db,
    (from, to): (i64, i64),
    (sort, descending): (&'static str, bool),
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<InviterRow>, i64)> {
    let dir = if descending { "DESC" } else { "ASC" };
    let cents = cents_sum(db.backend(), "`ref_get`");
    let sql = format!(
        "SELECT x.`uid` AS `user_id`, COALESCE(u.`email`, ''), COALESCE(c.`code`, ''), \
         COALESCE(u.`invite_num`, 0) AS `invite_num`, x.`invited`, x.`paybacks`, x.`cents`, \
         COUNT(*) OVER () \
         FROM (SELECT `uid`, SUM(`n`) AS `invited`, SUM(`k`) AS `paybacks`, SUM(`s`) AS `cents` \
               FROM (SELECT `ref_by` AS `uid`, COUNT(*) AS `n`, 0 AS `k`, 0 AS `s` FROM `user` \
                     WHERE `ref_by` > 0 GROUP BY `ref_by` \
                     UNION ALL \
                     SELECT `ref_by`, 0, COUNT(*), {cents} FROM `payback` \
                     WHERE `datetime` >= ? AND `datetime` < ? GROUP BY `ref_by`) a \
               GROUP BY `uid`) x \
         LEFT JOIN `user` u ON u.`id` = x.`uid` \
         LEFT JOIN `user_invite_code` c ON c.`user_id` = x.`uid` \
         ORDER BY {sort} {dir}, x.`uid` {dir} LIMIT ? OFFSET ?"
    );
    type WithTotal = (Int, String, String, Int, Int, Int, Int, Int);
    let rows: Vec<WithTotal> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let total = rows.first().map_or(0, |r| r.7 .0);
    let rows = rows
        .into_iter()
        .map(|(a, b, c, d, e, f, g, _)| inviter_row((a, b, c, d, e, f, g)))
        .collect();
    let total = if total == 0 && offset > 0 {
        // Past the last page the window has no row to count on.
        active_count(db, from, to).await?
    } else {
        total
    };
    Ok((rows, total))
}

async fn active_count(db: &Db, from: i64, to: i64) -> sqlx::Result<i64> {
    let n: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT `ref_by` FROM `user` WHERE `ref_by` > 0 \
         UNION SELECT `ref_by` FROM `payback` WHERE `datetime` >= ? AND `datetime` < ?) a"
    )
    .bind(from)
    .bind(to)
    .fetch_one(p)
    .await)?;
    Ok(n.0)
}

/// A user who signed up with an inviter's code.
#[derive(Debug, Clone)]
pub struct InviteeRow {
    pub id: i64,
    pub email: String,
    pub reg_date: NaiveDateTime,
    /// Commission the inviter got from this user.
    pub commission: Money,
}

/// A page of the users `inviter` invited, newest first, and how many there are.
pub async fn invitees(
    db: &Db,
    inviter: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<InviteeRow>, i64)> {
    let rows: Vec<(Int, String, NaiveDateTime)> = on_db!(db, |p| sqlx::query_as(
        "SELECT `id`, `email`, `reg_date` FROM `user` WHERE `ref_by` = ? \
         ORDER BY `id` DESC LIMIT ? OFFSET ?"
    )
    .bind(inviter)
    .bind(limit)
    .bind(offset)
    .fetch_all(p)
    .await)?;
    let total: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `user` WHERE `ref_by` = ?"
    )
    .bind(inviter)
    .fetch_one(p)
    .await)?;
    // One pass over `payback` for the whole page (it has no index on `userid` either).
    let sql = format!(
        "SELECT `userid`, {} FROM `payback` WHERE `ref_by` = ? GROUP BY `userid`",
        cents_sum(db.backend(), "`ref_get`")
    );
    let paid: Vec<(Int, Int)> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(inviter)
        .fetch_all(p)
        .await)?;
    let rows = rows
        .into_iter()
        .map(|(id, email, reg_date)| InviteeRow {
            id: id.0,
            email,
            reg_date,
            commission: Money::from_cents(
                paid.iter()
                    .find(|(u, _)| u.0 == id.0)
                    .map_or(0, |(_, c)| c.0),
            ),
        })
        .collect();
    Ok((rows, total.0))
}

/// A `payback` row with both parties' addresses.
#[derive(Debug, Clone)]
pub struct CommissionRow {
    pub id: i64,
    pub total: Money,
    pub payer: i64,
    pub payer_email: String,
    pub inviter: i64,
    pub inviter_email: String,
    pub ref_get: Money,
    pub datetime: i64,
}

/// Which commissions: paid to `inviter` / by `payer` (0 = anyone), within `[from, to)`.
pub struct CommissionFilter {
    pub inviter: i64,
    pub payer: i64,
    pub from: i64,
    pub to: i64,
}

const COMMISSION_WHERE: &str = "(? = 0 OR p.`ref_by` = ?) AND (? = 0 OR p.`userid` = ?) \
     AND p.`datetime` >= ? AND p.`datetime` < ?";

/// Sort keys of the commission list.
pub fn commission_sort(key: &str) -> Option<&'static str> {
    match key {
        "id" => Some("p.`id`"),
        "datetime" => Some("p.`datetime`"),
        // `+ 0`: SQLite keeps money as text, which would sort "10.00" before "9.00".
        "ref_get" => Some("(p.`ref_get` + 0)"),
        "total" => Some("(p.`total` + 0)"),
        _ => None,
    }
}

/// Totals of the matching commissions: (rows, sum of `total`, sum of `ref_get`).
pub async fn commission_totals(db: &Db, f: &CommissionFilter) -> sqlx::Result<(i64, Money, Money)> {
    let b = db.backend();
    let sql = format!(
        "SELECT COUNT(*), {}, {} FROM `payback` p WHERE {COMMISSION_WHERE}",
        cents_sum(b, "p.`total`"),
        cents_sum(b, "p.`ref_get`")
    );
    let (n, total, got): (Int, Int, Int) = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(f.inviter)
        .bind(f.inviter)
        .bind(f.payer)
        .bind(f.payer)
        .bind(f.from)
        .bind(f.to)
        .fetch_one(p)
        .await)?;
    Ok((n.0, Money::from_cents(total.0), Money::from_cents(got.0)))
}

/// A page of matching commissions ordered by `sort` (from [`commission_sort`]).
pub async fn commissions(
    db: &Db,
    f: &CommissionFilter,
    (sort, descending): (&'static str, bool),
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<CommissionRow>> {
    let dir = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT p.`id`, p.`total`, p.`userid`, COALESCE(a.`email`, ''), p.`ref_by`, \
         COALESCE(b.`email`, ''), p.`ref_get`, p.`datetime` FROM `payback` p \
         LEFT JOIN `user` a ON a.`id` = p.`userid` LEFT JOIN `user` b ON b.`id` = p.`ref_by` \
         WHERE {COMMISSION_WHERE} ORDER BY {sort} {dir}, p.`id` {dir} LIMIT ? OFFSET ?"
    );
    type Row = (Int, DbMoney, Int, String, Int, String, DbMoney, Int);
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(f.inviter)
        .bind(f.inviter)
        .bind(f.payer)
        .bind(f.payer)
        .bind(f.from)
        .bind(f.to)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, total, payer, pe, inviter, ie, got, at)| CommissionRow {
                id: id.0,
                total: total.0,
                payer: payer.0,
                payer_email: pe,
                inviter: inviter.0,
                inviter_email: ie,
                ref_get: got.0,
                datetime: at.0,
            },
        )
        .collect())
}

/// Commissions per UTC day from `from` (a midnight) to `to`: (day index from `from`, rows, sum of
/// `total` in cents, sum of `ref_get` in cents), only days that have any.
pub async fn commissions_per_day(
    db: &Db,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<(i64, i64, i64, i64)>> {
    let b = db.backend();
    let day = int_div(b, "`datetime` - ?", 86_400);
    let sql = format!(
        "SELECT {day} AS `d`, COUNT(*), {}, {} FROM `payback` \
         WHERE `datetime` >= ? AND `datetime` < ? GROUP BY `d` ORDER BY `d`",
        cents_sum(b, "`total`"),
        cents_sum(b, "`ref_get`")
    );
    let rows: Vec<(Int, Int, Int, Int)> = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(from)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(d, n, t, g)| (d.0, n.0, t.0, g.0))
        .collect())
}
