//! Admin use cases. Every change runs in one transaction with its `spanel_admin_log` row, so the
//! log never misses a change and never records one that was rolled back. One file per area: nodes,
//! orders (top-ups, purchases, refunds), announcements, tickets; the users, settings, gateways,
//! mail, audit rules, invites and charts have their own `admin_*` modules.

mod announcements;
mod nodes;
mod orders;
mod tickets;

pub use announcements::*;
pub use nodes::*;
pub use orders::*;
pub use tickets::*;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::admin::{self as sql};
use crate::db::Tx;
use crate::domain::FieldError;
use crate::service::error::{ServiceError, ServiceResult};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) async fn log(
    tx: &mut Tx,
    admin: i64,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sql::log(tx, admin, action, target, &detail.to_string(), now()).await
}

pub(crate) fn require_reason(reason: &str) -> ServiceResult<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(ServiceError::invalid("reason", "A reason is required."));
    }
    if reason.chars().count() > 500 {
        return Err(ServiceError::invalid("reason", "At most 500 characters."));
    }
    Ok(r.to_string())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

pub fn paging(page: Option<i64>, per_page: Option<i64>) -> (i64, i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 200);
    let page = page.unwrap_or(1).max(1);
    (page, per_page, (page - 1).saturating_mul(per_page))
}

/// The largest node group (SSPanel's `node_group` columns are 32-bit).
pub(crate) const MAX_GROUP: i64 = i32::MAX as i64;

fn parse_time(field: &str, v: &str) -> Result<NaiveDateTime, FieldError> {
    NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
        .map_err(|_| FieldError::new(field, "Use YYYY-MM-DD HH:MM:SS."))
}

view! {
    /// One row of the admin audit log.
    pub struct AdminLogView from sql::AdminLogRow {
        id: i64,
        admin_id: i64,
        action: String,
        target: String,
        /// JSON text.
        detail: String,
        created_at: i64,
    }
}

/// The audit log, newest first, optionally about one target (`user:7`…).
/// The audit log, newest first; `before` > 0 pages on (rows with a smaller id).
pub async fn admin_logs(
    app: &App,
    target: &str,
    before: i64,
    limit: i64,
) -> ServiceResult<Vec<AdminLogView>> {
    let rows = sql::logs(&app.db, target, before.max(0), limit.clamp(1, 1000)).await?;
    Ok(rows.into_iter().map(AdminLogView::from).collect())
}
