//! Support tickets: users open and answer their own threads; administrators answer and close any.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::*;
use crate::app::App;
use crate::db::admin::{self as sql};
use crate::domain::FieldError;
use crate::service::error::{ServiceError, ServiceResult};

view! {
    /// One ticket message (a thread root has `rootid` 0).
    pub struct TicketView from sql::TicketRow {
        id: i64,
        title: String,
        content: String,
        rootid: i64,
        userid: i64,
        datetime: i64,
        status: i64,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Thread {
    pub root: TicketView,
    pub replies: Vec<TicketView>,
}

fn check_text(field: &str, v: &str, max: usize) -> Result<(), FieldError> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(FieldError::new(field, format!("1 to {max} characters.")));
    }
    Ok(())
}

/// Opens a thread for `user`.
pub async fn open_ticket(
    app: &App,
    user: i64,
    title: &str,
    content: &str,
) -> ServiceResult<Thread> {
    let errors: Vec<_> = [
        check_text("title", title, 200).err(),
        check_text("content", content, 20_000).err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        return Err(ServiceError::invalid_fields(errors));
    }
    let mut tx = app.db.begin().await?;
    if sql::lock_open_tickets(&mut tx, user).await? >= app.config.max_open_tickets {
        return Err(ServiceError::RateLimited(format!(
            "You have {} open tickets; wait for an answer or close one first.",
            app.config.max_open_tickets
        )));
    }
    let id = sql::insert_ticket(&mut tx, title.trim(), content, 0, user, now()).await?;
    tx.commit().await?;
    thread(app, id, None).await
}

/// A thread; `owner` Some = only if that user opened it (else 404, never 403).
pub async fn thread(app: &App, id: i64, owner: Option<i64>) -> ServiceResult<Thread> {
    let mut rows = sql::ticket_thread(&app.db, id).await?;
    if rows.is_empty() || rows[0].rootid != 0 || owner.is_some_and(|o| rows[0].userid != o) {
        return Err(ServiceError::not_found("No such ticket."));
    }
    let root = rows.remove(0).into();
    Ok(Thread {
        root,
        replies: rows.into_iter().map(TicketView::from).collect(),
    })
}

pub async fn list_tickets(app: &App, owner: Option<i64>) -> ServiceResult<Vec<TicketView>> {
    let rows = sql::ticket_roots(&app.db, owner).await?;
    Ok(rows.into_iter().map(TicketView::from).collect())
}

/// Adds a reply. A user may reply only to their own thread; an admin's reply is logged. A user's
/// reply reopens a closed thread.
pub async fn reply_ticket(
    app: &App,
    author: i64,
    as_admin: bool,
    id: i64,
    content: &str,
) -> ServiceResult<Thread> {
    check_text("content", content, 20_000).map_err(|e| ServiceError::invalid_fields(vec![e]))?;
    let mut tx = app.db.begin().await?;
    let root = sql::lock_ticket_root(&mut tx, id)
        .await?
        .filter(|r| as_admin || r.userid == author)
        .ok_or_else(|| ServiceError::not_found("No such ticket."))?;
    sql::insert_ticket(&mut tx, &root.title, content, id, author, now()).await?;
    if !as_admin && root.status == 0 {
        sql::set_ticket_status(&mut tx, id, 1).await?;
    }
    if as_admin {
        log(
            &mut tx,
            author,
            "ticket.reply",
            &format!("ticket:{id}"),
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    thread(app, id, if as_admin { None } else { Some(author) }).await
}

pub async fn close_ticket(app: &App, admin: i64, id: i64) -> ServiceResult<Thread> {
    let mut tx = app.db.begin().await?;
    sql::lock_ticket_root(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such ticket."))?;
    sql::set_ticket_status(&mut tx, id, 0).await?;
    log(
        &mut tx,
        admin,
        "ticket.close",
        &format!("ticket:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    thread(app, id, None).await
}
