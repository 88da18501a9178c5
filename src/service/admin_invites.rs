//! Invite and commission oversight, read-only: invite codes and who used them, commissions per
//! inviter (`payback`), and commission totals per day, week or month (UTC).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::db::admin_invites::{self as sql, CommissionFilter, InviterFilter};
use crate::db::Money;
use crate::service::admin::{paging, Page};
use crate::service::error::{ServiceError, ServiceResult};

/// The longest period one request may cover, in days.
pub const MAX_DAYS: i64 = 1_100;

#[derive(Debug, Deserialize, IntoParams)]
pub struct InviterQuery {
    /// Part of the e-mail, the exact code or the exact user id (at most 200 matches, the lowest
    /// user ids); without it only inviters someone signed up with or who earned a commission in
    /// the period are listed.
    #[serde(default)]
    pub q: String,
    /// First day counted for commissions, `YYYY-MM-DD` (UTC); default: all time.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub from: Option<String>,
    /// Last day counted, `YYYY-MM-DD` (UTC, inclusive); default: today.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub to: Option<String>,
    /// `invited` (default), `commission`, `paybacks`, `user_id` or `invite_num`.
    #[param(value_type = Option<crate::service::doc::InviteSort>, inline)]
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    #[param(value_type = Option<crate::service::doc::SortOrder>, inline)]
    pub order: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// An inviter and what their code brought.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviterView {
    pub user_id: i64,
    pub email: String,
    pub code: String,
    /// Invitations left (`user.invite_num`).
    pub invite_num: i64,
    /// Users who signed up with this inviter.
    pub invited: i64,
    /// Commission payments in the period.
    pub paybacks: i64,
    #[schema(value_type = String)]
    pub commission: Money,
}

/// A user who signed up with an inviter.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteeView {
    pub id: i64,
    pub email: String,
    #[schema(value_type = String)]
    pub reg_date: chrono::NaiveDateTime,
    /// Commission the inviter got from this user, all time.
    #[schema(value_type = String)]
    pub commission: Money,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CommissionQuery {
    /// Paid to this user (0 or absent = anyone).
    pub inviter: Option<i64>,
    /// Paid for this user's payments (0 or absent = anyone).
    pub payer: Option<i64>,
    /// First day, `YYYY-MM-DD` (UTC); default: all time.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub from: Option<String>,
    /// Last day, inclusive; default: today.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub to: Option<String>,
    /// `id` (default), `datetime`, `ref_get` or `total`.
    #[param(value_type = Option<crate::service::doc::CommissionSort>, inline)]
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    #[param(value_type = Option<crate::service::doc::SortOrder>, inline)]
    pub order: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A commission (`payback` row).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommissionView {
    pub id: i64,
    /// What the payer paid.
    #[schema(value_type = String)]
    pub total: Money,
    pub payer: i64,
    pub payer_email: String,
    pub inviter: i64,
    pub inviter_email: String,
    /// What the inviter got.
    #[schema(value_type = String)]
    pub ref_get: Money,
    /// Unix seconds.
    pub datetime: i64,
}

/// A page of commissions with the totals of everything the filter matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommissionPage {
    pub items: Vec<CommissionView>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    #[schema(value_type = String)]
    pub sum_total: Money,
    #[schema(value_type = String)]
    pub sum_ref_get: Money,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// `day` (default), `week` (from Monday) or `month`.
    #[param(value_type = Option<crate::service::doc::Period>, inline)]
    pub period: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC); default: 29 days before `to`.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub from: Option<String>,
    /// Last day, inclusive; default: today. At most 1,100 days in all.
    #[param(value_type = Option<crate::service::doc::Day>, inline)]
    pub to: Option<String>,
}

/// Commissions in one period.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct PeriodTotal {
    /// The period's first day (`YYYY-MM-DD`).
    pub start: String,
    pub count: i64,
    #[schema(value_type = String)]
    pub total: Money,
    #[schema(value_type = String)]
    pub ref_get: Money,
}

/// Commission totals per period, every period of the range listed (zeros included).
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodReport {
    pub period: String,
    pub from: String,
    pub to: String,
    pub periods: Vec<PeriodTotal>,
    pub count: i64,
    #[schema(value_type = String)]
    pub total: Money,
    #[schema(value_type = String)]
    pub ref_get: Money,
}

fn day_of(field: &str, v: Option<&str>) -> ServiceResult<Option<NaiveDate>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ServiceError::invalid(field, "A date as YYYY-MM-DD.")),
    }
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
}

/// `[from, to)` in unix seconds from optional dates (`to` inclusive); `from` defaults to
/// `default_from_days` before `to` (or all time when `None`).
fn range(
    from: Option<&str>,
    to: Option<&str>,
    default_days: Option<i64>,
    now: i64,
) -> ServiceResult<(NaiveDate, NaiveDate)> {
    let today = chrono::DateTime::from_timestamp(now, 0)
        .expect("a valid time")
        .date_naive();
    let to = day_of("to", to)?.unwrap_or(today);
    let from = match (day_of("from", from)?, default_days) {
        (Some(f), _) => f,
        (None, Some(days)) => to - chrono::Duration::days(days - 1),
        (None, None) => NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"),
    };
    if from > to {
        return Err(ServiceError::invalid("from", "Must not be after `to`."));
    }
    Ok((from, to))
}

fn order(v: Option<&str>) -> ServiceResult<bool> {
    match v.unwrap_or("desc") {
        "desc" => Ok(true),
        "asc" => Ok(false),
        _ => Err(ServiceError::invalid("order", "asc or desc.")),
    }
}

/// Inviters with their code, quota, sign-ups and commissions in the period: those with sign-ups
/// or commissions, or, with `q`, every code owner matching it.
pub async fn inviters(app: &App, q: &InviterQuery, now: i64) -> ServiceResult<Page<InviterView>> {
    let sort = sql::inviter_sort(q.sort.as_deref().unwrap_or("invited")).ok_or_else(|| {
        ServiceError::invalid(
            "sort",
            "One of invited, commission, paybacks, user_id, invite_num.",
        )
    })?;
    let descending = order(q.order.as_deref())?;
    if q.q.chars().count() > 128 {
        return Err(ServiceError::invalid("q", "At most 128 characters."));
    }
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), None, now)?;
    let (page, per_page, offset) = paging(q.page, q.per_page);
    let filter = InviterFilter {
        q: q.q.trim(),
        from: midnight(from),
        to: midnight(to) + 86_400,
    };
    // Without a search only inviters someone signed up with (or who earned in the period) are
    // listed: a large panel has a code for every user, and most are never used.
    let (rows, total) = if filter.q.is_empty() {
        let period = (filter.from, filter.to);
        sql::active_inviters(&app.db, period, (sort, descending), per_page, offset).await?
    } else {
        sql::inviters(&app.db, &filter, (sort, descending), per_page, offset).await?
    };
    let items = rows
        .into_iter()
        .map(|r| InviterView {
            user_id: r.user_id,
            email: r.email,
            code: r.code,
            invite_num: r.invite_num,
            invited: r.invited,
            paybacks: r.paybacks,
            commission: r.commission,
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The users `inviter` brought, newest first.
pub async fn invitees(
    app: &App,
    inviter: i64,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Page<InviteeView>> {
    let (page, per_page, offset) = paging(page, per_page);
    let (rows, total) = sql::invitees(&app.db, inviter, per_page, offset).await?;
    let items = rows
        .into_iter()
        .map(|r| InviteeView {
            id: r.id,
            email: r.email,
            reg_date: r.reg_date,
            commission: r.commission,
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Commission payments matching the filter, with their totals.
pub async fn commissions(
    app: &App,
    q: &CommissionQuery,
    now: i64,
) -> ServiceResult<CommissionPage> {
    let sort = sql::commission_sort(q.sort.as_deref().unwrap_or("id"))
        .ok_or_else(|| ServiceError::invalid("sort", "One of id, datetime, ref_get, total."))?;
    let descending = order(q.order.as_deref())?;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), None, now)?;
    let filter = CommissionFilter {
        inviter: q.inviter.unwrap_or(0).max(0),
        payer: q.payer.unwrap_or(0).max(0),
        from: midnight(from),
        to: midnight(to) + 86_400,
    };
    let (page, per_page, offset) = paging(q.page, q.per_page);
    let (total, sum_total, sum_ref_get) = sql::commission_totals(&app.db, &filter).await?;
    let rows = sql::commissions(&app.db, &filter, (sort, descending), per_page, offset).await?;
    let items = rows
        .into_iter()
        .map(|r| CommissionView {
            id: r.id,
            total: r.total,
            payer: r.payer,
            payer_email: r.payer_email,
            inviter: r.inviter,
            inviter_email: r.inviter_email,
            ref_get: r.ref_get,
            datetime: r.datetime,
        })
        .collect();
    Ok(CommissionPage {
        items,
        total,
        page,
        per_page,
        sum_total,
        sum_ref_get,
    })
}

/// The first day of the period `day` falls in.
fn period_start(period: &str, day: NaiveDate) -> NaiveDate {
    match period {
        "week" => day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday())),
        "month" => day.with_day(1).expect("day 1 exists"),
        _ => day,
    }
}

/// Rolls per-day sums `(day offset from `from`, count, total cents, ref_get cents)` up into every
/// period from `from` to `to`, empty periods included.
fn roll_up(
    period: &str,
    from: NaiveDate,
    to: NaiveDate,
    days: &[(i64, i64, i64, i64)],
) -> Vec<PeriodTotal> {
    let mut out: Vec<(NaiveDate, i64, i64, i64)> = Vec::new();
    let mut day = from;
    while day <= to {
        let start = period_start(period, day);
        if out.last().map(|p| p.0) != Some(start) {
            out.push((start, 0, 0, 0));
        }
        day += chrono::Duration::days(1);
    }
    for &(offset, n, total, got) in days {
        let start = period_start(period, from + chrono::Duration::days(offset));
        if let Some(p) = out.iter_mut().find(|p| p.0 == start) {
            p.1 += n;
            p.2 += total;
            p.3 += got;
        }
    }
    out.into_iter()
        .map(|(start, count, total, got)| PeriodTotal {
            start: start.format("%Y-%m-%d").to_string(),
            count,
            total: Money::from_cents(total),
            ref_get: Money::from_cents(got),
        })
        .collect()
}

/// Commission totals per day, week or month over a range of at most [`MAX_DAYS`].
pub async fn per_period(app: &App, q: &PeriodQuery, now: i64) -> ServiceResult<PeriodReport> {
    let period = q.period.as_deref().unwrap_or("day");
    if !matches!(period, "day" | "week" | "month") {
        return Err(ServiceError::invalid("period", "day, week or month."));
    }
    let (from, to) = range(q.from.as_deref(), q.to.as_deref(), Some(30), now)?;
    if (to - from).num_days() + 1 > MAX_DAYS {
        return Err(ServiceError::invalid("from", "At most 1,100 days at once."));
    }
    let days = sql::commissions_per_day(&app.db, midnight(from), midnight(to) + 86_400).await?;
    let periods = roll_up(period, from, to, &days);
    let sum = |f: fn(&PeriodTotal) -> Money| {
        periods
            .iter()
            .map(f)
            .fold(Money::from_cents(0), |a, b| a + b)
    };
    Ok(PeriodReport {
        period: period.into(),
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        count: periods.iter().map(|p| p.count).sum(),
        total: sum(|p| p.total),
        ref_get: sum(|p| p.ref_get),
        periods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        assert_eq!(period_start("week", d("2026-12-02")), d("2026-11-30"));
        assert_eq!(period_start("week", d("2026-11-30")), d("2026-11-30"));
        assert_eq!(period_start("month", d("2026-12-31")), d("2026-12-01"));
        assert_eq!(period_start("day", d("2026-12-31")), d("2026-12-31"));
    }

    #[test]
    fn roll_up_lists_every_period_and_sums_days_into_them() {
        // Days 0 (Nov 28, a Saturday), 2 (Nov 30, Monday) and 4 (Dec 2).
        let days = [(0, 1, 1000, 200), (2, 2, 500, 100), (4, 1, 100, 20)];
        let weeks = roll_up("week", d("2026-11-28"), d("2026-12-06"), &days);
        assert_eq!(
            weeks
                .iter()
                .map(|p| (p.start.as_str(), p.count))
                .collect::<Vec<_>>(),
            vec![("2026-11-23", 1), ("2026-11-30", 3)]
        );
        assert_eq!(weeks[1].ref_get, Money::from_cents(120));
        let months = roll_up("month", d("2026-11-28"), d("2026-12-06"), &days);
        assert_eq!(months.len(), 2);
        // November holds days 0 and 2, December day 4.
        assert_eq!(months[0].total, Money::from_cents(1500));
        assert_eq!(months[1].total, Money::from_cents(100));
        let each = roll_up("day", d("2026-11-28"), d("2026-12-02"), &days);
        assert_eq!(each.len(), 5);
        assert_eq!(each[1].count, 0);
    }
}
