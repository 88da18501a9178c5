//! Top-ups and purchases as the operator sees them, and refunds to the balance (once each).

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::*;
use crate::app::App;
use crate::db::admin::{self as sql};
use crate::db::Money;
use crate::service::error::{ServiceError, ServiceResult};

view! {
    /// A top-up order (`paylist`) as the admin API shows it.
    pub struct PaylistView from sql::PaylistRow {
        id: i64,
        userid: i64,
        #[schema(value_type = String)]
        total: Money,
        status: i64,
        tradeno: Option<String>,
        datetime: i64,
    }
}

view! {
    /// A purchase (`bought`) as the admin API shows it.
    pub struct PurchaseView from sql::BoughtRow {
        id: i64,
        userid: i64,
        shopid: i64,
        datetime: i64,
        renew: i64,
        coupon: String,
        #[schema(value_type = String)]
        price: Money,
    }
}

/// Top-up orders, newest first, optionally of one user and in one state.
pub async fn paylist(
    app: &App,
    user_id: Option<i64>,
    status: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Vec<PaylistView>> {
    let (_, per_page, offset) = paging(page, per_page);
    let rows = sql::paylist(&app.db, user_id, status, per_page, offset).await?;
    Ok(rows.into_iter().map(PaylistView::from).collect())
}

/// Purchases, newest first, optionally of one user.
pub async fn purchases(
    app: &App,
    user_id: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ServiceResult<Vec<PurchaseView>> {
    let (_, per_page, offset) = paging(page, per_page);
    let rows = sql::bought(&app.db, user_id, per_page, offset).await?;
    Ok(rows.into_iter().map(PurchaseView::from).collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refund {
    pub bought_id: i64,
    pub user_id: i64,
    #[schema(value_type = String)]
    pub amount: Money,
    #[schema(value_type = String)]
    pub balance: Money,
}

/// Returns a purchase's price (or `amount`, at most the price) to the buyer's balance, once.
pub async fn refund_bought(
    app: &App,
    admin: i64,
    id: i64,
    amount: Option<&str>,
    reason: &str,
) -> ServiceResult<Refund> {
    let reason = require_reason(reason)?;
    let reason = reason.as_str();
    // The balance is credited in place and the buyer's row written, so a second refund of the
    // same purchase on another node conflicts, runs again and finds this one logged.
    crate::db::retry("refund", move || {
        refund_once(app, admin, id, amount, reason)
    })
    .await
}

async fn refund_once(
    app: &App,
    admin: i64,
    id: i64,
    amount: Option<&str>,
    reason: &str,
) -> ServiceResult<Refund> {
    let mut tx = app.db.begin().await?;
    let bought = sql::lock_bought(&mut tx, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such purchase."))?;
    let amount = match amount {
        None => bought.price,
        Some(a) => match Money::parse_amount(a) {
            Some(m) if !m.is_negative() && !m.is_zero() && m <= bought.price => m,
            _ => {
                return Err(ServiceError::invalid(
                    "amount",
                    "A positive amount with at most two decimals, not above the price.",
                ))
            }
        },
    };
    let target = format!("bought:{id}");
    if sql::refund_logged(&mut tx, &target).await? {
        return Err(ServiceError::conflict(
            "This purchase was already refunded.",
        ));
    }
    let buyer = crate::db::rebate::lock_balance(&mut tx, bought.userid)
        .await?
        .ok_or_else(|| ServiceError::not_found("The buyer no longer exists."))?;
    let new_balance = buyer.money + amount;
    crate::db::rebate::add_balance(&mut tx, bought.userid, amount).await?;
    sql::stop_renew(&mut tx, id).await?;
    log(
        &mut tx,
        admin,
        "bought.refund",
        &target,
        json!({"reason": reason, "user_id": bought.userid, "amount": amount,
               "balance_before": buyer.money, "balance_after": new_balance}),
    )
    .await?;
    tx.commit().await?;
    Ok(Refund {
        bought_id: id,
        user_id: bought.userid,
        amount,
        balance: new_balance,
    })
}
