//! The shop: listing plans, checking coupons, and buying a plan in one transaction.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::db::{shop as sql, Backend, Money, Tx};
use crate::domain::rebate::Trigger;
use crate::domain::shop::{
    self, apply_plan, check_coupon, effective_price, normalize_code, ApplyFlags, CouponRejection,
    PlanContent, Promo,
};
use crate::service::error::{ServiceError, ServiceResult};
use crate::settings::catalog;

/// A plan on sale.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i64,
    pub name: String,
    /// The list price.
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
    /// What a purchase costs now (the promo price inside its window).
    #[schema(value_type = String, example = "8.00")]
    pub effective_price: Money,
    pub promo: Option<Promo>,
    pub promo_active: bool,
    /// Days between automatic renewals; 0 = no auto-renew.
    pub auto_renew: i64,
    pub auto_reset_bandwidth: i64,
    pub status: i64,
    pub content: PlanContent,
}

pub fn plan_view(row: sql::ShopRow, now: i64) -> PlanView {
    let content = PlanContent::parse(&row.content, false).unwrap_or_default();
    PlanView {
        id: row.id,
        name: row.name,
        price: row.price,
        effective_price: effective_price(row.price, &content, now),
        promo_active: content.promo.as_ref().is_some_and(|p| p.active(now)),
        promo: content.promo.clone(),
        auto_renew: row.auto_renew,
        auto_reset_bandwidth: row.auto_reset_bandwidth,
        status: row.status,
        content,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub async fn plans_on_sale(app: &App) -> ServiceResult<Vec<PlanView>> {
    let now = now();
    Ok(sql::list_plans(&app.db, false)
        .await?
        .into_iter()
        .map(|r| plan_view(r, now))
        .collect())
}

fn rejection(r: CouponRejection) -> ServiceError {
    ServiceError::invalid("coupon", r.message())
}

/// The price after discount
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponQuote {
    pub shop_id: i64,
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
    #[schema(value_type = String, example = "8.50")]
    pub discounted: Money,
    /// Percent off.
    pub credit: i64,
}

pub async fn check_coupon_for(
    app: &App,
    user_id: i64,
    shop_id: i64,
    code: &str,
) -> ServiceResult<CouponQuote> {
    let plan = sql::find_plan(&app.db, shop_id)
        .await?
        .filter(|p| p.status == 1)
        .ok_or_else(|| ServiceError::not_found("No such plan on sale."))?;
    let content = PlanContent::parse(&plan.content, false).unwrap_or_default();
    let now = now();
    let price = effective_price(plan.price, &content, now);
    let code = normalize_code(code);
    let coupon = if code.is_empty() {
        None
    } else {
        sql::find_coupon(&app.db, &code).await?
    };
    let uses = sql::coupon_uses(&app.db, user_id, &code).await?;
    let discounted = check_coupon(
        coupon.as_ref().map(|c| c.to_domain()).as_ref(),
        shop_id,
        price,
        uses,
        now,
    )
    .map_err(rejection)?;
    Ok(CouponQuote {
        shop_id,
        price,
        discounted,
        credit: coupon.map(|c| c.credit).unwrap_or(0),
    })
}

pub struct BuyRequest<'a> {
    pub shop_id: i64,
    pub coupon: Option<&'a str>,
    pub autorenew: bool,
    pub disable_others: bool,
    /// Buy only at this price (a plan paid for in advance); `None`: at whatever it costs now.
    pub expect_price: Option<Money>,
}

/// The purchase made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Purchase {
    pub bought_id: i64,
    pub shop_id: i64,
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
    /// The balance left.
    #[schema(value_type = String, example = "0.00")]
    pub balance: Money,
    /// Unix time of the next automatic renewal; 0 = none.
    pub renew: i64,
}

/// SQLite has one writer at a time anyway; queueing buyers here keeps them from holding every pooled
/// connection while they wait for the write lock (the lock holder may need one for settings).
static SQLITE_BUYERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The settings that shape what buying does.
pub async fn apply_flags(app: &App) -> ServiceResult<ApplyFlags> {
    Ok(ApplyFlags {
        reset_on_buy: app
            .settings
            .get_bool(catalog::ENABLE_BOUGHT_RESET.item)
            .await?,
        extend_same_class: app
            .settings
            .get_bool(catalog::ENABLE_BOUGHT_EXTEND.item)
            .await?,
    })
}

pub async fn buy(app: &App, user_id: i64, req: BuyRequest<'_>) -> ServiceResult<Purchase> {
    let flags = apply_flags(app).await?;
    let _queue = match app.db.backend() {
        Backend::Sqlite => Some(SQLITE_BUYERS.lock().await),
        Backend::MySql => None,
    };
    // Warm the settings cache so the commission step inside the transaction reads no table.
    app.settings.get(catalog::INVITATION_MODE.item).await?;
    let req = &req;
    let p = crate::db::retry("buy", move || async move {
        let mut tx = app.db.begin().await?;
        match buy_in(app, &mut tx, user_id, req, flags).await {
            Ok(p) => {
                tx.commit().await?;
                Ok(p)
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    })
    .await?;
    tracing::info!(user_id, shop_id = p.shop_id, price = %p.price, "plan bought");
    Ok(p)
}

/// Buys inside the caller's transaction. Every refusal (4xx) comes before anything is written, so
/// the caller may still commit its own changes after one.
pub(crate) async fn buy_in(
    app: &App,
    tx: &mut Tx,
    user_id: i64,
    req: &BuyRequest<'_>,
    flags: ApplyFlags,
) -> ServiceResult<Purchase> {
    let user = sql::lock_user(tx, user_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("User not found."))?;
    let plan = sql::find_plan(&mut *tx, req.shop_id)
        .await?
        .filter(|p| p.status == 1)
        .ok_or_else(|| ServiceError::not_found("No such plan on sale."))?;
    let content = PlanContent::parse(&plan.content, false).unwrap_or_default();
    let now = now();
    let (price, coupon_used) = priced(tx, user_id, &plan, &content, req.coupon, now).await?;
    if !shop::traffic_pack_allowed(&content, user.class) {
        return Err(ServiceError::conflict(
            "This traffic pack is not available for your class.",
        ));
    }
    let contents = with_bundle(tx, plan.id, content).await?;
    refuse_second_periodic(tx, user_id, &contents, now).await?;
    if let Some(expected) = req.expect_price.filter(|e| *e != price) {
        return Err(ServiceError::conflict(format!(
            "The plan's price changed from {expected} to {price}."
        )));
    }
    if user.money < price {
        return Err(ServiceError::conflict(format!(
            "Insufficient balance: the plan costs {price}, your balance is {}.",
            user.money
        )));
    }
    let balance = user.money - price;
    let renew = if req.autorenew && plan.auto_renew > 0 {
        now + plan.auto_renew * 86_400
    } else {
        0
    };
    let bought_id = sql::insert_bought(
        tx,
        &sql::NewBought {
            user_id,
            shop_id: plan.id,
            datetime: now,
            renew,
            coupon: &coupon_used,
            price,
        },
    )
    .await?;
    if req.disable_others {
        sql::disable_other_renewals(tx, user_id, bought_id).await?;
    }
    let mut state = user.plan_state();
    for c in &contents {
        apply_plan(&mut state, c, flags, crate::clock::from_unix(now));
    }
    // The guard, on whichever node: the price leaves the balance only if it is there.
    if !crate::db::rebate::take_balance(tx, user_id, price).await? {
        return Err(ServiceError::conflict("Insufficient balance."));
    }
    sql::write_user(tx, user_id, &state).await?;
    let payer = crate::service::rebate::Payer {
        id: user_id,
        ref_by: user.ref_by,
        registered: user.reg_date,
    };
    crate::service::rebate::pay_commission(tx, &app.settings, &payer, price, Trigger::Purchase)
        .await?;
    Ok(Purchase {
        bought_id,
        shop_id: plan.id,
        price,
        balance,
        renew,
    })
}

/// The price to pay for `plan` now, after the coupon (checked against its rules and the user's
/// earlier uses), and the coupon code as recorded with the purchase.
async fn priced(
    tx: &mut Tx,
    user_id: i64,
    plan: &sql::ShopRow,
    content: &PlanContent,
    coupon: Option<&str>,
    now: i64,
) -> ServiceResult<(Money, String)> {
    let price = effective_price(plan.price, content, now);
    let code = coupon.map(normalize_code).unwrap_or_default();
    if code.is_empty() {
        return Ok((price, String::new()));
    }
    let coupon = sql::find_coupon(&mut *tx, &code).await?;
    let uses = sql::coupon_uses(&mut *tx, user_id, &code).await?;
    let price = check_coupon(
        coupon.as_ref().map(|c| c.to_domain()).as_ref(),
        plan.id,
        price,
        uses,
        now,
    )
    .map_err(rejection)?;
    Ok((price, coupon.map(|c| c.code).unwrap_or_default()))
}

/// A periodic plan is refused while the user holds another one that is still running.
async fn refuse_second_periodic(
    tx: &mut Tx,
    user_id: i64,
    contents: &[PlanContent],
    now: i64,
) -> ServiceResult<()> {
    if !contents.iter().any(PlanContent::is_periodic) {
        return Ok(());
    }
    let held: Vec<(i64, PlanContent)> = sql::purchases_with_content(tx, user_id)
        .await?
        .into_iter()
        .map(|(at, c)| (at, PlanContent::parse(&c, false).unwrap_or_default()))
        .collect();
    if shop::holds_running_periodic(&held, now) {
        return Err(ServiceError::conflict(
            "You already hold a running periodic plan.",
        ));
    }
    Ok(())
}

/// A plan's content followed by the contents of the plans it bundles, in the order they apply.
pub async fn with_bundle(
    tx: &mut Tx,
    plan_id: i64,
    content: PlanContent,
) -> ServiceResult<Vec<PlanContent>> {
    let mut contents = vec![content];
    for id in contents[0].bundle.clone() {
        if id == plan_id {
            continue;
        }
        let part = sql::find_plan(&mut *tx, id).await?.ok_or_else(|| {
            ServiceError::conflict(format!("Bundled plan {id} no longer exists."))
        })?;
        contents.push(PlanContent::parse(&part.content, false).unwrap_or_default());
    }
    Ok(contents)
}

/// One of the user's purchases.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoughtView {
    pub id: i64,
    pub shop_id: i64,
    /// The plan's name; null if the plan was deleted.
    pub name: Option<String>,
    /// Unix time of the purchase.
    pub datetime: i64,
    /// Unix time of the next automatic renewal; 0 = none.
    pub renew: i64,
    pub coupon: String,
    #[schema(value_type = String, example = "10.00")]
    pub price: Money,
}

impl From<sql::BoughtRow> for BoughtView {
    fn from(b: sql::BoughtRow) -> Self {
        BoughtView {
            id: b.id,
            shop_id: b.shopid,
            name: b.name,
            datetime: b.datetime,
            renew: b.renew,
            coupon: b.coupon.unwrap_or_default(),
            price: b.price,
        }
    }
}

pub async fn bought(app: &App, user_id: i64) -> ServiceResult<Vec<BoughtView>> {
    Ok(sql::list_bought(&app.db, user_id)
        .await?
        .into_iter()
        .map(BoughtView::from)
        .collect())
}

/// Ends the automatic renewal of the user's own purchase `id`; another user's is a 404.
pub async fn stop_renewal(app: &App, user_id: i64, id: i64) -> ServiceResult<BoughtView> {
    if !sql::stop_renewal(&app.db, user_id, id).await? {
        return Err(ServiceError::not_found("No such purchase."));
    }
    sql::list_bought(&app.db, user_id)
        .await?
        .into_iter()
        .find(|b| b.id == id)
        .map(BoughtView::from)
        .ok_or_else(|| ServiceError::not_found("No such purchase."))
}
