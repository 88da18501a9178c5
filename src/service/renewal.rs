//! A purchase's life after the sale: automatic renewals (every minute) and the traffic resets of
//! periodic plans (daily), as SSPanel's UserJob and DailyJob do them.

use std::collections::{HashMap, HashSet};

use crate::app::App;
use crate::db::{shop as sql, Tx};
use crate::domain::shop::{
    apply_plan, periodic_reset_due, periodic_running, ApplyFlags, PlanContent,
};
use crate::settings::catalog;

/// Renewals handled per run; the rest wait for the next minute.
const RENEWALS_PER_RUN: i64 = 500;

/// What became of one due renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Charged and applied; the old purchase closed, a new one recorded.
    Renewed,
    /// Not enough balance; the user was told (once) and the renewal stays due.
    Unpaid { notify: bool },
    /// The plan is gone: the renewal ends.
    PlanGone,
    /// Another run got there first, or the user turned renewal off meanwhile.
    Skipped,
}

/// Renews every purchase whose `renew` time falls before `now + 60` (SSPanel's window): with
/// enough balance the full list price is charged and the plan applied as a renewal (traffic reset
/// only when the plan's `auto_reset_bandwidth` is 1); without, the user is told once. No referral
/// commission is paid on renewals. Returns how many renewals were charged.
pub async fn renew_due(app: &App, now: i64) -> anyhow::Result<u64> {
    let extend_same_class = app
        .settings
        .get_bool(catalog::ENABLE_BOUGHT_EXTEND.item)
        .await?;
    let mut renewed = 0;
    for (bought_id, user_id) in sql::due_renewals(&app.db, now + 60, RENEWALS_PER_RUN).await? {
        // Each renewal is its own transaction, run again after a write conflict.
        let attempt = crate::db::retry("auto_renew", move || async move {
            let mut tx = app.db.begin().await?;
            let done = renew_one(&mut tx, bought_id, user_id, now, extend_same_class).await?;
            let email = sql::user_email(&mut tx, user_id).await?;
            tx.commit().await?;
            anyhow::Ok((done, email))
        })
        .await;
        let ((outcome, plan_name), email) = match attempt {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(bought_id, error = %e, "renewal failed; retried next run");
                continue;
            }
        };
        tracing::info!(bought_id, user_id, ?outcome, "auto-renewal");
        let notice = match &outcome {
            Outcome::Renewed => {
                renewed += 1;
                Some("renewed")
            }
            Outcome::Unpaid { notify: true } => Some("unpaid"),
            Outcome::PlanGone => Some("gone"),
            Outcome::Unpaid { notify: false } | Outcome::Skipped => None,
        };
        if let (Some(outcome), Some(to)) = (notice, email) {
            let lang = crate::service::mail::site_language(app).await?;
            let vars = minijinja::context! { outcome, plan_name };
            crate::service::mail::send_template(app, &to, "plan_renewal", lang, vars)
                .await
                .map_err(|e| anyhow::anyhow!("renewal notice: {e}"))?;
        }
    }
    Ok(renewed)
}

/// One renewal inside `tx`: the user row is locked first (as a purchase does), then the purchase
/// row, whose `renew` is checked again so two racing runs renew it once.
async fn renew_one(
    tx: &mut Tx,
    bought_id: i64,
    user_id: i64,
    now: i64,
    extend_same_class: bool,
) -> anyhow::Result<(Outcome, String)> {
    let Some(user) = sql::lock_user(tx, user_id).await? else {
        return Ok((Outcome::Skipped, String::new()));
    };
    let Some(row) = sql::lock_bought(tx, bought_id).await? else {
        return Ok((Outcome::Skipped, String::new()));
    };
    if row.renew == 0 || row.renew >= now + 60 {
        return Ok((Outcome::Skipped, String::new()));
    }
    let Some(plan) = sql::find_plan(&mut *tx, row.shopid).await? else {
        sql::end_renewal(tx, bought_id, true).await?;
        return Ok((Outcome::PlanGone, String::new()));
    };
    if user.money < plan.price {
        if !row.is_notified {
            sql::mark_renewal_notified(tx, bought_id).await?;
        }
        return Ok((
            Outcome::Unpaid {
                notify: !row.is_notified,
            },
            plan.name,
        ));
    }
    let flags = ApplyFlags {
        reset_on_buy: plan.auto_reset_bandwidth == 1,
        extend_same_class,
    };
    let content = PlanContent::parse(&plan.content, false).unwrap_or_default();
    let contents = crate::service::shop::with_bundle(tx, plan.id, content)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut state = user.plan_state();
    for c in &contents {
        apply_plan(&mut state, c, flags, crate::clock::from_unix(now));
    }
    if !crate::db::rebate::take_balance(tx, user_id, plan.price).await? {
        return Ok((Outcome::Skipped, String::new()));
    }
    sql::write_user(tx, user_id, &state).await?;
    sql::end_renewal(tx, bought_id, true).await?;
    sql::insert_bought(
        tx,
        &sql::NewBought {
            user_id,
            shop_id: plan.id,
            datetime: now,
            renew: if plan.auto_renew > 0 {
                now + plan.auto_renew * 86_400
            } else {
                0
            },
            coupon: "",
            price: plan.price,
        },
    )
    .await?;
    Ok((Outcome::Renewed, plan.name))
}

/// Each user's latest purchase of a periodic plan (by purchase id): user → (bought at, content).
async fn latest_periodic(tx: &mut Tx) -> sqlx::Result<HashMap<i64, (i64, PlanContent)>> {
    let mut latest: HashMap<i64, (i64, i64, PlanContent)> = HashMap::new();
    for (id, user, at, content) in sql::periodic_purchases(tx).await? {
        let content = PlanContent::parse(&content, false).unwrap_or_default();
        if !content.is_periodic() {
            continue;
        }
        if latest.get(&user).is_none_or(|(seen, _, _)| id > *seen) {
            latest.insert(user, (id, at, content));
        }
    }
    Ok(latest
        .into_iter()
        .map(|(user, (_, at, content))| (user, (at, content)))
        .collect())
}

/// Resets the traffic of users whose running periodic plan has a reset day today. Returns the
/// accounts reset.
pub async fn periodic_resets(tx: &mut Tx, now: i64) -> sqlx::Result<u64> {
    let mut n = 0;
    for (user, (at, content)) in latest_periodic(tx).await? {
        if let Some(bytes) = periodic_reset_due(at, &content, now) {
            n += sql::reset_traffic(tx, user, bytes).await?;
        }
    }
    Ok(n)
}

/// Users whose periodic plan is still running: their traffic follows the plan, not
/// `auto_reset_day`.
pub async fn periodic_holders(tx: &mut Tx, now: i64) -> sqlx::Result<HashSet<i64>> {
    Ok(latest_periodic(tx)
        .await?
        .into_iter()
        .filter(|(_, (at, content))| periodic_running(*at, content, now))
        .map(|(user, _)| user)
        .collect())
}
