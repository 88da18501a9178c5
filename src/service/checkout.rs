//! Paying for a plan in one step: a top-up order tied to the plan (`spanel_plan_checkout`); the
//! verified payment credits it and buys the plan in the same transaction, exactly once. If the plan
//! went off sale, its price changed, or it can no longer be bought for another reason, the money
//! stays as balance, the checkout says why (`kept`, `note`) and the user gets an e-mail.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::checkout::{self as sql, Checkout, NewCheckout};
use crate::db::payment::Order;
use crate::db::{shop as shop_sql, Money, Tx};
use crate::domain::shop::{effective_price, ApplyFlags, PlanContent};
use crate::gateways::PaymentAction;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::payment::{self, NewPayment};
use crate::service::shop::{self, BuyRequest};

pub struct CheckoutRequest<'a> {
    pub shop_id: i64,
    pub coupon: Option<&'a str>,
    pub autorenew: bool,
    pub disable_others: bool,
    /// Pay part of the price from the balance (as much of it as there is).
    pub use_balance: bool,
    pub pay: NewPayment<'a>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutCreated {
    /// The top-up order; `/shop/checkout/{order_id}` tells how it ended.
    pub order_id: i64,
    pub tradeno: String,
    pub shop_id: i64,
    /// The plan's price, after the coupon.
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
    /// The balance the purchase will use besides the payment.
    #[schema(value_type = String, example = "2.00")]
    pub balance_used: Money,
    /// What the gateway is asked for: the price less the balance used, at least `recharge_min`
    /// (what is paid beyond the price stays as balance).
    #[schema(value_type = String, example = "8.00")]
    pub amount: Money,
    pub gateway: String,
    pub action: PaymentAction,
}

/// The plan's price now, after the coupon; refusals as buying would give them.
async fn price_of(app: &App, user_id: i64, shop_id: i64, coupon: &str) -> ServiceResult<Money> {
    if !coupon.trim().is_empty() {
        return Ok(shop::check_coupon_for(app, user_id, shop_id, coupon)
            .await?
            .discounted);
    }
    let plan = shop_sql::find_plan(&app.db, shop_id)
        .await?
        .filter(|p| p.status == 1)
        .ok_or_else(|| ServiceError::not_found("No such plan on sale."))?;
    let content = PlanContent::parse(&plan.content, false).unwrap_or_default();
    Ok(effective_price(
        plan.price,
        &content,
        chrono::Utc::now().timestamp(),
    ))
}

pub async fn checkout(
    app: &App,
    user_id: i64,
    req: CheckoutRequest<'_>,
) -> ServiceResult<CheckoutCreated> {
    let coupon = req.coupon.map(str::trim).unwrap_or_default();
    let price = price_of(app, user_id, req.shop_id, coupon).await?;
    let (balance, _) = sql::user_money_and_email(&app.db, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    let none = Money::from_cents(0);
    let balance_used = if req.use_balance {
        balance.max(none).min(price)
    } else {
        none
    };
    let due = price - balance_used;
    if !due.0.is_sign_positive() || due.is_zero() {
        return Err(ServiceError::conflict(
            "Your balance covers this plan: buy it with the balance.",
        ));
    }
    let (min, max) = payment::recharge_bounds(app).await?;
    let amount = due.max(min);
    if amount > max {
        return Err(ServiceError::invalid(
            "shop_id",
            format!("The payment would be {amount}, above the largest top-up ({max})."),
        ));
    }
    let now = chrono::Utc::now().timestamp();
    let tie = |order_id: i64| async move {
        let row = NewCheckout {
            order_id,
            user_id,
            shop_id: req.shop_id,
            price,
            coupon,
            autorenew: req.autorenew,
            disable_others: req.disable_others,
            now,
        };
        sql::insert(&app.db, &row).await?;
        Ok(())
    };
    let (order, action) = payment::open_order(app, user_id, amount, &req.pay, tie).await?;
    Ok(CheckoutCreated {
        order_id: order.id,
        tradeno: order.tradeno,
        shop_id: req.shop_id,
        price,
        balance_used,
        amount,
        gateway: req.pay.gateway.to_string(),
        action,
    })
}

/// What settling a credited order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// No checkout: a plain top-up.
    TopUp,
    Bought,
    /// The plan was not bought; the money stays as balance, for this reason.
    Kept(String),
}

pub async fn flags(app: &App) -> ServiceResult<ApplyFlags> {
    shop::apply_flags(app).await
}

/// Inside the transaction that credits `order`: buys the plan it was paid for, at the price the
/// checkout saw. A refusal leaves the credit alone and is recorded on the checkout; anything else
/// (the database) fails the whole transaction.
pub async fn settle(
    app: &App,
    tx: &mut Tx,
    order: &Order,
    flags: ApplyFlags,
) -> ServiceResult<Settled> {
    let Some(c) = sql::pending_tx(tx, order.id).await? else {
        return Ok(Settled::TopUp);
    };
    let req = BuyRequest {
        shop_id: c.shop_id,
        coupon: Some(c.coupon.as_str()).filter(|s| !s.is_empty()),
        autorenew: c.autorenew != 0,
        disable_others: c.disable_others != 0,
        expect_price: Some(c.price),
    };
    let now = chrono::Utc::now().timestamp();
    match shop::buy_in(app, tx, order.userid, &req, flags).await {
        Ok(p) => {
            sql::finish(tx, order.id, "bought", p.bought_id, "", now).await?;
            Ok(Settled::Bought)
        }
        Err(e) if e.is_refusal() => {
            let note: String = e.to_string().chars().take(250).collect();
            sql::finish(tx, order.id, "kept", 0, &note, now).await?;
            Ok(Settled::Kept(note))
        }
        Err(e) => Err(e),
    }
}

/// Tells the user, once the credit is committed, that their payment stayed as balance.
pub async fn tell_kept(app: &App, user_id: i64, amount: Money, note: &str) {
    let email = match sql::user_money_and_email(&app.db, user_id).await {
        Ok(Some((_, email))) if !email.is_empty() => email,
        _ => return,
    };
    let body = format!(
        "Your payment of {amount} was received, but the plan could not be bought: {note}\n\
         The money is in your balance; you can buy a plan with it from the shop."
    );
    if let Err(e) =
        crate::service::mail::enqueue(app, &email, "Your payment is in your balance", &body).await
    {
        tracing::warn!(user_id, error = %e, "could not queue the checkout e-mail");
    }
}

/// A checkout as its buyer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutView {
    pub order_id: i64,
    pub shop_id: i64,
    /// The plan's price (after the coupon) when the checkout was made; the purchase happens only at
    /// this price.
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
    pub coupon: String,
    pub autorenew: i64,
    pub disable_others: i64,
    /// `pending` (not paid yet), `bought`, or `kept` (paid, but the plan could not be bought: the
    /// money stayed as balance; `note` says why).
    pub status: String,
    /// The purchase (`bought.id`) once bought, else 0.
    pub bought_id: i64,
    pub note: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the payment; 0 while pending.
    pub settled_at: i64,
}

impl From<Checkout> for CheckoutView {
    fn from(c: Checkout) -> CheckoutView {
        CheckoutView {
            order_id: c.order_id,
            shop_id: c.shop_id,
            price: c.price,
            coupon: c.coupon,
            autorenew: c.autorenew,
            disable_others: c.disable_others,
            status: c.status,
            bought_id: c.bought_id,
            note: c.note,
            created_at: c.created_at,
            settled_at: c.settled_at,
        }
    }
}

pub async fn status(app: &App, user_id: i64, order_id: i64) -> ServiceResult<CheckoutView> {
    match sql::find(&app.db, order_id).await? {
        Some(c) if c.user_id == user_id => Ok(c.into()),
        _ => Err(ServiceError::not_found("No such checkout.")),
    }
}
