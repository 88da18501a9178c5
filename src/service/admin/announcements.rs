//! Announcements: published, edited and deleted by the operator, read by every user.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::*;
use crate::app::App;
use crate::db::admin::{self as sql};
use crate::service::error::{ServiceError, ServiceResult};

/// An announcement as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Announcement {
    pub id: i64,
    #[schema(value_type = String)]
    pub date: NaiveDateTime,
    pub content: String,
    pub markdown: String,
}

impl From<sql::AnnouncementRow> for Announcement {
    fn from(r: sql::AnnouncementRow) -> Announcement {
        Announcement {
            id: r.id,
            date: r.date,
            content: r.content,
            markdown: r.markdown,
        }
    }
}

/// Every announcement, newest first.
pub async fn announcements(app: &App) -> ServiceResult<Vec<Announcement>> {
    let rows = sql::announcements(&app.db).await?;
    Ok(rows.into_iter().map(Announcement::from).collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementInput {
    /// HTML shown to users; may be blank when `markdown` is not.
    pub content: String,
    #[serde(default)]
    pub markdown: String,
    /// "YYYY-MM-DD HH:MM:SS" UTC; now when absent.
    #[schema(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
    )]
    pub date: Option<String>,
}

pub async fn save_announcement(
    app: &App,
    admin: i64,
    id: Option<i64>,
    input: AnnouncementInput,
) -> ServiceResult<Announcement> {
    if input.content.trim().is_empty() && input.markdown.trim().is_empty() {
        return Err(ServiceError::invalid("content", "Must not be empty."));
    }
    let date = match input.date.as_deref() {
        Some(d) => parse_time("date", d).map_err(|e| ServiceError::invalid_fields(vec![e]))?,
        None => crate::clock::now_naive(),
    };
    let mut tx = app.db.begin().await?;
    let saved = sql::save_announcement(&mut tx, id, date, &input.content, &input.markdown)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such announcement."))?;
    let action = if id.is_some() {
        "announcement.update"
    } else {
        "announcement.create"
    };
    log(
        &mut tx,
        admin,
        action,
        &format!("announcement:{saved}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    sql::announcement(&app.db, saved)
        .await?
        .map(Announcement::from)
        .ok_or_else(|| ServiceError::not_found("No such announcement."))
}

pub async fn delete_announcement(app: &App, admin: i64, id: i64) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    if sql::delete_announcement(&mut tx, id).await? == 0 {
        return Err(ServiceError::not_found("No such announcement."));
    }
    log(
        &mut tx,
        admin,
        "announcement.delete",
        &format!("announcement:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
