//! SQL of mass e-mail: the users of a segment, batches into SSPanel's `email_queue`, and the
//! record of mailings (`spanel_mass_mail`).

use chrono::NaiveDateTime;

use super::{placeholders, Db, Done, Int, Tx};
use crate::{on_db, on_tx};

/// The users a mailing goes to. Only enabled accounts are ever mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    All,
    /// A paid class that has not expired at `now`.
    Paying {
        now: NaiveDateTime,
    },
    /// A paid class expiring between `now` and `until`.
    Expiring {
        now: NaiveDateTime,
        until: NaiveDateTime,
    },
    ClassAtLeast(i64),
    NodeGroup(i64),
}

enum Bind {
    Int(i64),
    Time(NaiveDateTime),
}

/// The `WHERE` condition of a segment (on `user`) and its values, in order.
fn filter(segment: Segment) -> (&'static str, Vec<Bind>) {
    match segment {
        Segment::All => ("`enable` = 1", vec![]),
        Segment::Paying { now } => (
            "`enable` = 1 AND `class` > 0 AND `class_expire` > ?",
            vec![Bind::Time(now)],
        ),
        Segment::Expiring { now, until } => (
            "`enable` = 1 AND `class` > 0 AND `class_expire` > ? AND `class_expire` <= ?",
            vec![Bind::Time(now), Bind::Time(until)],
        ),
        Segment::ClassAtLeast(class) => ("`enable` = 1 AND `class` >= ?", vec![Bind::Int(class)]),
        Segment::NodeGroup(group) => ("`enable` = 1 AND `node_group` = ?", vec![Bind::Int(group)]),
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// How many users the segment holds.
pub async fn count(db: &Db, segment: Segment) -> sqlx::Result<i64> {
    let (cond, binds) = filter(segment);
    let sql = format!("SELECT COUNT(*) FROM `user` WHERE {cond}");
    let n: Int = on_db!(db, |p| bind_all!(sqlx::query_scalar(&sql), &binds)
        .fetch_one(p)
        .await)?;
    Ok(n.0)
}

/// The first `limit` addresses of the segment (a preview of who gets the mail).
pub async fn sample(db: &Db, segment: Segment, limit: i64) -> sqlx::Result<Vec<String>> {
    let (cond, binds) = filter(segment);
    let sql = format!("SELECT `email` FROM `user` WHERE {cond} ORDER BY `id` LIMIT ?");
    on_db!(db, |p| bind_all!(sqlx::query_scalar(&sql), &binds)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// The next `limit` recipients after user id `after`: (id, email), by id.
pub async fn recipients_after(
    tx: &mut Tx,
    segment: Segment,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    let (cond, binds) = filter(segment);
    let sql =
        format!("SELECT `id`, `email` FROM `user` WHERE {cond} AND `id` > ? ORDER BY `id` LIMIT ?");
    let rows: Vec<(Int, String)> = on_tx!(tx, |c| bind_all!(sqlx::query_as(&sql), &binds)
        .bind(after)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    Ok(rows.into_iter().map(|(id, e)| (id.0, e)).collect())
}

/// Rows per `INSERT` into `email_queue`: each row carries the whole body, so statements stay well
/// under MariaDB's default 16 MB packet.
const ROWS_PER_INSERT: usize = 50;

/// Queues one plain-text message per address (spanel's queue shape: the body in `template`, `{}`).
pub async fn enqueue_many(
    tx: &mut Tx,
    to: &[String],
    subject: &str,
    body: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let mut queued = 0;
    for chunk in to.chunks(ROWS_PER_INSERT) {
        let rows = vec![format!("({})", placeholders(5)); chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO `email_queue` (`to_email`, `subject`, `template`, `array`, `time`) VALUES {rows}"
        );
        let done = on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for address in chunk {
                q = q
                    .bind(address)
                    .bind(subject)
                    .bind(body)
                    .bind("{}")
                    .bind(now);
            }
            q.execute(c).await.map(Done::from)
        })?;
        queued += done.rows;
    }
    Ok(queued)
}

/// A row of `spanel_mass_mail`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MassMailRow {
    pub id: i64,
    pub admin_id: i64,
    pub segment: String,
    pub segment_value: i64,
    pub subject: String,
    pub body: String,
    pub recipients: i64,
    pub queued: i64,
    pub cursor_id: i64,
    pub status: String,
    pub created_at: i64,
    pub finished_at: i64,
}

const COLUMNS: &str = "`id`, `admin_id`, `segment`, `segment_value`, `subject`, `body`, \
    `recipients`, `queued`, `cursor_id`, `status`, `created_at`, `finished_at`";

/// A new mailing, `queuing`; returns its id.
pub async fn insert(tx: &mut Tx, row: &MassMailRow) -> sqlx::Result<i64> {
    let done = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO `spanel_mass_mail` (`admin_id`, `segment`, `segment_value`, `subject`, \
         `body`, `recipients`, `queued`, `cursor_id`, `status`, `created_at`, `finished_at`) \
         VALUES (?, ?, ?, ?, ?, ?, 0, 0, 'queuing', ?, 0)"
    )
    .bind(row.admin_id)
    .bind(&row.segment)
    .bind(row.segment_value)
    .bind(&row.subject)
    .bind(&row.body)
    .bind(row.recipients)
    .bind(row.created_at)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(done.id)
}

/// When `admin` last started a mailing (0 = never). Locks the administrator's `user` row first, so
/// two requests of one administrator are judged one after the other.
pub async fn last_sent_by(tx: &mut Tx, admin: i64) -> sqlx::Result<i64> {
    let lock = format!("SELECT `id` FROM `user` WHERE `id` = ?{}", tx.for_update());
    on_tx!(tx, |c| sqlx::query(&lock)
        .bind(admin)
        .fetch_optional(c)
        .await
        .map(|row| row.is_some()))?;
    let at: Option<Int> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(`created_at`) FROM `spanel_mass_mail` WHERE `admin_id` = ?"
    )
    .bind(admin)
    .fetch_one(c)
    .await)?;
    Ok(at.map_or(0, |v| v.0))
}

/// The mailing `id`, locked for this transaction.
pub async fn lock(tx: &mut Tx, id: i64) -> sqlx::Result<Option<MassMailRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM `spanel_mass_mail` WHERE `id` = ?{}",
        tx.for_update()
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Records a batch: `queued` more, the cursor moved, and `done` when the segment is exhausted.
pub async fn advance(
    tx: &mut Tx,
    id: i64,
    queued: u64,
    cursor: i64,
    finished_at: Option<i64>,
) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE `spanel_mass_mail` SET `queued` = `queued` + ?, `cursor_id` = ?, \
         `status` = CASE WHEN ? > 0 THEN 'queued' ELSE `status` END, \
         `finished_at` = CASE WHEN ? > 0 THEN ? ELSE `finished_at` END WHERE `id` = ?"
    )
    .bind(queued as i64)
    .bind(cursor)
    .bind(finished_at.unwrap_or(0))
    .bind(finished_at.unwrap_or(0))
    .bind(finished_at.unwrap_or(0))
    .bind(id)
    .execute(c)
    .await
    .map(Done::from))?;
    Ok(())
}

/// Mailings still being queued that started before `before` (left by a stopped instance).
pub async fn unfinished(db: &Db, before: i64) -> sqlx::Result<Vec<i64>> {
    let ids: Vec<Int> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT `id` FROM `spanel_mass_mail` WHERE `status` = 'queuing' AND `created_at` < ? \
         ORDER BY `id` LIMIT 10"
    )
    .bind(before)
    .fetch_all(p)
    .await)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// Orders of the mailing list: the column behind each sort key the API accepts.
pub fn sort_column(key: &str) -> Option<&'static str> {
    match key {
        "id" | "created_at" => Some("`id`"),
        "recipients" => Some("`recipients`"),
        "subject" => Some("`subject`"),
        _ => None,
    }
}

/// A page of mailings ordered by `column` (from [`sort_column`]) and the total.
pub async fn page(
    db: &Db,
    column: &'static str,
    descending: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<MassMailRow>, i64)> {
    let dir = if descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM `spanel_mass_mail` ORDER BY {column} {dir}, `id` {dir} LIMIT ? OFFSET ?"
    );
    let rows = on_db!(db, |p| sqlx::query_as(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let total: Int = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM `spanel_mass_mail`"
    )
    .fetch_one(p)
    .await)?;
    Ok((rows, total.0))
}
