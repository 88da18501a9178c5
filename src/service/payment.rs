//! Top-up orders and their crediting: exactly once, only when a gateway really says so.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::clock::now_naive;
use crate::db::payment::{self as sql, Order};
use crate::db::{rebate as balance, Money};
use crate::domain::rebate::Trigger;
use crate::gateways::{
    self, CallbackRequest, CreateCtx, Flow, Gateway, OrderRef, PaymentAction, Verdict, VerifyCtx,
};
use crate::random::random_token;
use crate::service::checkout;
use crate::service::error::{ServiceError, ServiceResult};
use crate::service::rebate::{pay_commission, Payer};
use crate::settings::catalog;

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub order_id: i64,
    pub tradeno: String,
    #[schema(value_type = String, example = "10.00")]
    pub amount: Money,
    pub gateway: String,
    pub action: PaymentAction,
}

/// What crediting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    Credited,
    AlreadyPaid,
}

/// What a payment is created with.
pub struct NewPayment<'a> {
    pub gateway: &'a str,
    /// One of the gateway's `methods`; its first when absent.
    pub method: Option<&'a str>,
    pub client_ip: &'a str,
}

/// The amount a top-up may have (`recharge_min` … `recharge_max`).
pub async fn recharge_bounds(app: &App) -> ServiceResult<(Money, Money)> {
    let min = Money::cents(app.settings.get_decimal(catalog::RECHARGE_MIN.item).await?);
    let max = Money::cents(app.settings.get_decimal(catalog::RECHARGE_MAX.item).await?);
    Ok((min, max))
}

pub async fn create(
    app: &App,
    user_id: i64,
    amount: &str,
    pay: NewPayment<'_>,
) -> ServiceResult<Created> {
    let amount = Money::parse_amount(amount).ok_or_else(|| {
        ServiceError::invalid("amount", "A decimal amount with at most 2 places.")
    })?;
    let (min, max) = recharge_bounds(app).await?;
    if amount < min || amount > max || amount.is_zero() || amount.is_negative() {
        return Err(ServiceError::invalid(
            "amount",
            format!("The amount must be between {min} and {max}."),
        ));
    }
    let (order, action) = open_order(app, user_id, amount, &pay, |_| async { Ok(()) }).await?;
    Ok(Created {
        order_id: order.id,
        tradeno: order.tradeno,
        amount,
        gateway: pay.gateway.to_string(),
        action,
    })
}

/// An enabled gateway by name; `None` for the debug pseudo-gateway in debug mode.
async fn enabled_gateway(app: &App, gateway: &str) -> ServiceResult<Option<Box<dyn Gateway>>> {
    if app.config.debug && gateway == gateways::DEBUG {
        return Ok(None);
    }
    let enabled = gateways::enabled(&app.settings.get(catalog::PAYMENT_GATEWAY.item).await?);
    if !enabled.iter().any(|g| g == gateway) {
        return Err(ServiceError::invalid(
            "gateway",
            "This gateway is not enabled.",
        ));
    }
    let gw = gateways::load(gateway, &app.settings)
        .await?
        .ok_or_else(|| ServiceError::invalid("gateway", "Unknown gateway."))?;
    Ok(Some(gw))
}

/// Inserts a top-up order of `amount`, lets `tie` record what it is for (before the gateway hears
/// of it, so no callback can find it untied), and creates its payment at the gateway.
pub async fn open_order<F, Fut>(
    app: &App,
    user_id: i64,
    amount: Money,
    pay: &NewPayment<'_>,
    tie: F,
) -> ServiceResult<(OrderRef, PaymentAction)>
where
    F: FnOnce(i64) -> Fut,
    Fut: std::future::Future<Output = ServiceResult<()>>,
{
    let gateway = pay.gateway;
    let gw = enabled_gateway(app, gateway).await?;
    let method = pay.method.map(str::trim).filter(|m| !m.is_empty());
    if let (Some(gw), Some(m)) = (&gw, method) {
        if !gw.methods().iter().any(|known| known == m) {
            return Err(ServiceError::invalid(
                "method",
                "Not a payment method of this gateway.",
            ));
        }
    }
    let tradeno = random_token(24);
    let now = chrono::Utc::now().timestamp();
    let id = sql::insert_order(&app.db, user_id, amount, &tradeno, now).await?;
    tie(id).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let ctx = CreateCtx {
        http: &app.http,
        config: &app.config,
        db: &app.db,
        notify_url: format!("{base}/app/api/v0/payment/notify/{gateway}"),
        return_url: format!("{base}/user/payment/return/{gateway}?tradeno={tradeno}"),
        client_ip: pay.client_ip.to_string(),
    };
    let order = OrderRef {
        id,
        tradeno,
        total: amount,
        method: method.map(str::to_string),
    };
    let action = match gw {
        None => PaymentAction::Debug,
        Some(gw) => gw.create(&order, &ctx).await.map_err(|e| {
            tracing::warn!(gateway, error = %e, "payment creation failed");
            ServiceError::Unavailable(
                "The payment gateway is unavailable, try again shortly.".into(),
            )
        })?,
    };
    Ok((order, action))
}

/// A gateway the client may pay with.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayView {
    /// What `/payment/create` and the notify path take.
    pub name: String,
    /// What to show the user.
    pub label: String,
    pub flow: Flow,
    /// Payment methods to choose among (`method` of `/payment/create`); empty = no choice.
    pub methods: Vec<String>,
}

/// The enabled gateways (`payment_gateway`, known names only, in its order), plus the debug
/// pseudo-gateway when debug is on.
pub async fn gateways(app: &App) -> ServiceResult<Vec<GatewayView>> {
    let mut list = Vec::new();
    for name in gateways::enabled(&app.settings.get(catalog::PAYMENT_GATEWAY.item).await?) {
        let Some(gw) = gateways::load(&name, &app.settings).await? else {
            continue;
        };
        // Operators' EPay providers send the user to their pages.
        let flow = gateways::flow(&name).unwrap_or(Flow::Redirect);
        list.push(GatewayView {
            label: gw.label(),
            methods: gw.methods(),
            name,
            flow,
        });
    }
    if app.config.debug {
        list.push(GatewayView {
            name: gateways::DEBUG.to_string(),
            label: gateways::DEBUG.to_string(),
            flow: Flow::Debug,
            methods: Vec::new(),
        });
    }
    Ok(list)
}

/// Credits a paid order exactly once: the `0 → 1` status change, the balance, the recharge
/// record, the referral commission and (for a gateway's callback, `audited`) its `credited` audit
/// row commit together or not at all.
pub async fn credit_order(
    app: &App,
    order: &Order,
    gateway: &str,
    paid_amount: Money,
    audited: bool,
) -> ServiceResult<Credit> {
    if paid_amount != order.total {
        return Err(ServiceError::conflict(
            "The paid amount differs from the order.",
        ));
    }
    // Read before the transaction, so it reads no settings table.
    let flags = checkout::flags(app).await?;
    // One whole transaction, run again after a write conflict (another node credited, bought or
    // counted traffic for the same user at the same moment): the `status = 0` guard then decides.
    let settled = crate::db::retry("credit_order", || {
        credit_once(app, order, gateway, flags, audited)
    })
    .await?;
    let Some(settled) = settled else {
        return Ok(Credit::AlreadyPaid);
    };
    if let checkout::Settled::Kept(note) = settled {
        checkout::tell_kept(app, order.userid, order.total, &note).await;
    }
    Ok(Credit::Credited)
}

/// One attempt at [`credit_order`]: None when the order was already paid.
async fn credit_once(
    app: &App,
    order: &Order,
    gateway: &str,
    flags: crate::domain::shop::ApplyFlags,
    audited: bool,
) -> ServiceResult<Option<checkout::Settled>> {
    let mut tx = app.db.begin().await?;
    // The guarded `0 → 1` transition is what makes the credit exactly-once, on every node: of two
    // transactions that both changed the row, Galera certifies one and aborts the other.
    if !sql::mark_paid(&mut tx, order.id).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let payer = balance::lock_balance(&mut tx, order.userid)
        .await?
        .ok_or_else(|| ServiceError::not_found("The order's user no longer exists."))?;
    balance::add_balance(&mut tx, order.userid, order.total).await?;
    sql::insert_recharge_record(&mut tx, order.userid, gateway, order.total, now_naive()).await?;
    let payer = Payer {
        id: order.userid,
        ref_by: payer.ref_by,
        registered: payer.reg_date,
    };
    pay_commission(
        &mut tx,
        &app.settings,
        &payer,
        order.total,
        Trigger::Recharge,
    )
    .await?;
    // A top-up made to pay for a plan buys it now, in this transaction, or leaves the money as
    // balance and says why.
    let settled = checkout::settle(app, &mut tx, order, flags).await?;
    if audited {
        let tradeno = order.tradeno.as_deref().unwrap_or_default();
        record_event(&mut tx, gateway, tradeno, Verdict::Credited, "").await?;
    }
    tx.commit().await?;
    Ok(Some(settled))
}

/// Writes a callback's audit row in `tx`, the trade number and reason cut to their columns.
async fn record_event(
    tx: &mut crate::db::Tx,
    gateway: &str,
    tradeno: &str,
    verdict: Verdict,
    reason: &str,
) -> sqlx::Result<()> {
    let tradeno: String = tradeno.chars().take(128).collect();
    let reason: String = reason.chars().take(250).collect();
    let now = chrono::Utc::now().timestamp();
    sql::insert_event(tx, gateway, &tradeno, verdict.as_str(), &reason, now).await
}

/// How a callback was answered: the gateway (whose acknowledgement format to use), the verdict and
/// its reason.
pub struct Notified {
    pub gateway: Box<dyn Gateway>,
    pub verdict: Verdict,
    pub reason: String,
}

/// Handles one gateway callback: verify, match the order and amount, credit, audit. `None` for an
/// unknown gateway.
pub async fn notify(
    app: &App,
    gateway: &str,
    req: &CallbackRequest,
) -> ServiceResult<Option<Notified>> {
    let Some(gw) = gateways::load(gateway, &app.settings).await? else {
        return Ok(None);
    };
    let ctx = VerifyCtx {
        http: &app.http,
        config: &app.config,
        db: &app.db,
    };
    let (tradeno, verdict, reason) = match gw.verify(req, &ctx).await {
        Err(r) => (
            r.tradeno.unwrap_or_default(),
            Verdict::from(r.kind),
            r.reason,
        ),
        Ok(paid) => match app.orders.find(&app.db, &paid.tradeno).await? {
            None => (paid.tradeno, Verdict::Rejected, "unknown order".to_string()),
            Some(order) if order.total != paid.amount => (
                paid.tradeno,
                Verdict::Rejected,
                format!(
                    "amount {} differs from the order's {}",
                    paid.amount, order.total
                ),
            ),
            Some(order) => match credit_order(app, &order, gateway, paid.amount, true).await? {
                Credit::Credited => (paid.tradeno, Verdict::Credited, String::new()),
                Credit::AlreadyPaid => {
                    (paid.tradeno, Verdict::Duplicate, "already paid".to_string())
                }
            },
        },
    };
    let tradeno: String = tradeno.chars().take(128).collect();
    let reason: String = reason.chars().take(250).collect();
    // A credit wrote its own audit row with the credit.
    if verdict != Verdict::Credited {
        let (t, r) = (tradeno.as_str(), reason.as_str());
        crate::db::retry("payment_event", move || async move {
            let mut tx = app.db.begin().await?;
            record_event(&mut tx, gateway, t, verdict, r).await?;
            tx.commit().await
        })
        .await?;
    }
    crate::metrics::payment(gateway, verdict.as_str());
    match verdict {
        Verdict::Rejected | Verdict::Failed => {
            tracing::warn!(gateway, tradeno = %tradeno, verdict = verdict.as_str(), reason = %reason, "payment callback not credited");
        }
        Verdict::Ignored => {
            tracing::info!(gateway, tradeno = %tradeno, reason = %reason, "payment callback ignored");
        }
        Verdict::Credited | Verdict::Duplicate => {}
    }
    Ok(Some(Notified {
        gateway: gw,
        verdict,
        reason,
    }))
}

/// Debug only: credits an order as if its gateway had confirmed it.
pub async fn debug_confirm(app: &App, order_id: i64) -> ServiceResult<Credit> {
    let order = sql::find_order(&app.db, order_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such order."))?;
    credit_order(app, &order, "debug", order.total, false).await
}

view! {
    /// A top-up order of the caller's.
    pub struct OrderView from crate::db::payment::Order {
        id: i64,
        #[schema(value_type = String, example = "10.00")]
        total: Money,
        /// 0 waiting, 1 paid.
        status: i64,
        tradeno: Option<String>,
        /// Unix seconds.
        datetime: i64,
    }
}

pub async fn own_order(app: &App, user_id: i64, order_id: i64) -> ServiceResult<OrderView> {
    match sql::find_order(&app.db, order_id).await? {
        Some(o) if o.userid == user_id => Ok(o.into()),
        _ => Err(ServiceError::not_found("No such order.")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub orders: Vec<OrderView>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

pub async fn orders(app: &App, user_id: i64, page: i64, per_page: i64) -> ServiceResult<OrderPage> {
    let page = page.max(1);
    let per_page = per_page.clamp(1, 100);
    let (orders, total) = sql::list_orders(
        &app.db,
        user_id,
        per_page,
        (page - 1).saturating_mul(per_page),
    )
    .await?;
    Ok(OrderPage {
        orders: orders.into_iter().map(OrderView::from).collect(),
        page,
        per_page,
        total,
    })
}
