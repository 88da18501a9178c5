//! Mass e-mail: an administrator writes to a segment of users (all, paying, expiring within N
//! days, class ≥ N, a node group). A dry run answers the count and a preview; a real one is
//! recorded (`spanel_mass_mail`, with its admin-log row in the same transaction) and its messages
//! go into SSPanel's `email_queue` in bounded batches, each batch its own transaction with the
//! cursor, so an interrupted mailing continues where it stopped (the `email_queue` job resumes it)
//! and never queues a message twice. One administrator may start one mailing per
//! [`MIN_INTERVAL_SECS`].

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::app::{App, AppState};
use crate::db::admin_mail::{self as sql, MassMailRow, Segment};
use crate::domain::FieldError;
use crate::service::admin::{log, paging, Page};
use crate::service::error::{ServiceError, ServiceResult};

/// Seconds an administrator waits between two mailings.
pub const MIN_INTERVAL_SECS: i64 = 300;
/// Recipients queued per transaction.
pub const BATCH: i64 = 500;
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;
/// A mailing left `queuing` this long is taken up by the `email_queue` job.
const RESUME_AFTER_SECS: i64 = 60;

/// A mailing as the administrator writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MailRequest {
    /// `all`, `paying` (a paid class not expired), `expiring` (a paid class expiring within
    /// `days`), `class` (class ≥ `class`) or `node_group` (`node_group` = `node_group`). Only
    /// enabled accounts are mailed.
    #[schema(value_type = crate::service::doc::MailSegment, inline)]
    pub segment: String,
    /// For `expiring`: 1–365.
    pub days: Option<i64>,
    /// For `class`: 0–10000.
    pub class: Option<i64>,
    /// For `node_group`: 0–10000.
    pub node_group: Option<i64>,
    /// One line, 1–200 characters.
    #[schema(max_length = 200, pattern = r"^[^\r\n]*\S[^\r\n]*$")]
    pub subject: String,
    /// Plain text, 1–20,000 characters.
    #[schema(max_length = 20000, pattern = r"[^\s\x85]")]
    pub body: String,
    /// Count and preview only; nothing is sent or recorded.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a mailing does (dry run) or did (sent).
#[derive(Debug, Serialize, ToSchema)]
pub struct MailOutcome {
    pub dry_run: bool,
    /// Recipients in the segment now.
    pub recipients: i64,
    /// The first few addresses, for a look before sending.
    pub sample: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The recorded mailing (absent for a dry run).
    pub mailing: Option<MailingView>,
}

/// A recorded mailing.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingView {
    pub id: i64,
    pub admin_id: i64,
    pub segment: String,
    /// The segment's number (days, class or group; 0 when it has none).
    pub segment_value: i64,
    pub subject: String,
    pub body: String,
    /// Recipients counted when it was sent.
    pub recipients: i64,
    /// Messages put in the e-mail queue so far.
    pub queued: i64,
    /// `queuing` or `queued`.
    pub status: String,
    pub created_at: i64,
    pub finished_at: i64,
}

impl From<MassMailRow> for MailingView {
    fn from(r: MassMailRow) -> MailingView {
        MailingView {
            id: r.id,
            admin_id: r.admin_id,
            segment: r.segment,
            segment_value: r.segment_value,
            subject: r.subject,
            body: r.body,
            recipients: r.recipients,
            queued: r.queued,
            status: r.status,
            created_at: r.created_at,
            finished_at: r.finished_at,
        }
    }
}

fn bounded(
    field: &str,
    v: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> ServiceResult<i64> {
    match v {
        Some(n) if range.contains(&n) => Ok(n),
        _ => Err(ServiceError::invalid(
            field,
            format!(
                "Required for this segment: {}–{}.",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// The segment of a stored or requested mailing as of `now` (unix seconds).
fn segment_of(kind: &str, value: i64, now: i64) -> Option<Segment> {
    let at = crate::clock::from_unix(now);
    Some(match kind {
        "all" => Segment::All,
        "paying" => Segment::Paying { now: at },
        "expiring" => Segment::Expiring {
            now: at,
            until: crate::clock::from_unix(now + value * 86_400),
        },
        "class" => Segment::ClassAtLeast(value),
        "node_group" => Segment::NodeGroup(value),
        _ => return None,
    })
}

/// The checked request: (segment kind, its number, subject, body).
fn checked(req: &MailRequest) -> ServiceResult<(String, i64, String, String)> {
    let kind = req.segment.trim();
    let value = match kind {
        "all" | "paying" => 0,
        "expiring" => bounded("days", req.days, 1..=365)?,
        "class" => bounded("class", req.class, 0..=10_000)?,
        "node_group" => bounded("node_group", req.node_group, 0..=10_000)?,
        _ => {
            return Err(ServiceError::invalid(
                "segment",
                "One of all, paying, expiring, class, node_group.",
            ))
        }
    };
    let subject = req.subject.trim();
    let mut errors = Vec::new();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT || subject.contains(['\r', '\n'])
    {
        errors.push(FieldError::new("subject", "One line of 1–200 characters."));
    }
    let body = req.body.trim_end();
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        errors.push(FieldError::new("body", "1–20,000 characters."));
    }
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    Ok((kind.into(), value, subject.into(), body.into()))
}

/// Counts and previews a mailing (`dry_run`) or records it and starts queueing it.
pub async fn send(
    app: &AppState,
    admin: i64,
    req: MailRequest,
    now: i64,
) -> ServiceResult<MailOutcome> {
    let (kind, value, subject, body) = checked(&req)?;
    let segment = segment_of(&kind, value, now).expect("checked kind");
    let recipients = sql::count(&app.db, segment).await?;
    let sample = sql::sample(&app.db, segment, 5).await?;
    let mut outcome = MailOutcome {
        dry_run: req.dry_run,
        recipients,
        sample,
        subject: subject.clone(),
        body: body.clone(),
        mailing: None,
    };
    if req.dry_run {
        return Ok(outcome);
    }
    if recipients == 0 {
        return Err(ServiceError::invalid(
            "segment",
            "No user is in this segment.",
        ));
    }
    let row = MassMailRow {
        id: 0,
        admin_id: admin,
        segment: kind,
        segment_value: value,
        subject,
        body,
        recipients,
        queued: 0,
        cursor_id: 0,
        status: "queuing".into(),
        created_at: now,
        finished_at: 0,
    };
    let id = record(app, &row, now).await?;
    outcome.mailing = Some(MailingView::from(MassMailRow { id, ..row }));
    let worker = app.clone();
    tokio::spawn(async move { finish(&worker, id).await });
    Ok(outcome)
}

/// Records the mailing with its admin-log row, unless this administrator sent one too recently.
async fn record(app: &App, row: &MassMailRow, now: i64) -> ServiceResult<i64> {
    let mut tx = app.db.begin().await?;
    let last = sql::last_sent_by(&mut tx, row.admin_id).await?;
    let wait = last + MIN_INTERVAL_SECS - now;
    if last > 0 && wait > 0 {
        tx.rollback().await?;
        return Err(ServiceError::RateLimited(format!(
            "One mailing per {} minutes: try again in {wait} s.",
            MIN_INTERVAL_SECS / 60
        )));
    }
    let id = sql::insert(&mut tx, row).await?;
    log(
        &mut tx,
        row.admin_id,
        "mail.send",
        &format!("mail:{id}"),
        json!({"segment": row.segment, "segment_value": row.segment_value,
               "subject": row.subject, "recipients": row.recipients}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Queues the next batch of mailing `id`; returns whether more remain.
pub async fn queue_batch(app: &App, id: i64, now: i64) -> anyhow::Result<bool> {
    let mut tx = app.db.begin().await?;
    let Some(m) = sql::lock(&mut tx, id).await? else {
        return Ok(false);
    };
    if m.status != "queuing" {
        return Ok(false);
    }
    let segment = segment_of(&m.segment, m.segment_value, m.created_at)
        .ok_or_else(|| anyhow::anyhow!("mailing {id} has an unknown segment {}", m.segment))?;
    let batch = sql::recipients_after(&mut tx, segment, m.cursor_id, BATCH).await?;
    let cursor = batch.last().map_or(m.cursor_id, |(uid, _)| *uid);
    let to: Vec<String> = batch.iter().map(|(_, e)| e.clone()).collect();
    let queued = sql::enqueue_many(&mut tx, &to, &m.subject, &m.body, now).await?;
    let done = (batch.len() as i64) < BATCH;
    sql::advance(&mut tx, id, queued, cursor, done.then_some(now.max(1))).await?;
    tx.commit().await?;
    Ok(!done)
}

/// Queues mailing `id` to the end, batch after batch, pausing between batches so a large mailing
/// never hogs the database.
async fn finish(app: &App, id: i64) {
    loop {
        let now = chrono::Utc::now().timestamp();
        match queue_batch(app, id, now).await {
            Ok(true) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            Ok(false) => return,
            Err(e) => {
                // The `email_queue` job takes it up again later.
                tracing::warn!(mailing = id, error = %e, "queueing a mailing failed");
                return;
            }
        }
    }
}

/// Continues mailings a stopped instance left half-queued (run by the `email_queue` job); a
/// bounded number of batches per run.
pub async fn resume(app: &App, now: i64) -> anyhow::Result<u64> {
    let mut batches = 0;
    for id in sql::unfinished(&app.db, now - RESUME_AFTER_SECS).await? {
        for _ in 0..20 {
            batches += 1;
            if !queue_batch(app, id, now).await? {
                break;
            }
        }
    }
    Ok(batches)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MailListQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// `id` (default), `created_at`, `recipients` or `subject`.
    #[param(value_type = Option<crate::service::doc::MailSort>, inline)]
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    #[param(value_type = Option<crate::service::doc::SortOrder>, inline)]
    pub order: Option<String>,
}

/// The record of mailings, newest first by default.
pub async fn list(app: &App, q: &MailListQuery) -> ServiceResult<Page<MailingView>> {
    let column = sql::sort_column(q.sort.as_deref().unwrap_or("id")).ok_or_else(|| {
        ServiceError::invalid("sort", "One of id, created_at, recipients, subject.")
    })?;
    let descending = match q.order.as_deref().unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => return Err(ServiceError::invalid("order", "asc or desc.")),
    };
    let (page, per_page, offset) = paging(q.page, q.per_page);
    let (rows, total) = sql::page(&app.db, column, descending, per_page, offset).await?;
    Ok(Page {
        items: rows.into_iter().map(MailingView::from).collect(),
        total,
        page,
        per_page,
    })
}
