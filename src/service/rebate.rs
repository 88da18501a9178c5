//! Pays referral commission inside the caller's transaction (a top-up credit or a purchase).

use crate::clock::now_naive;
use crate::db::{rebate as sql, Money, Tx};
use crate::domain::rebate::{self, PaidSoFar, RebateMode, RebateRules, Trigger};
use crate::settings::catalog;
use crate::settings::Settings;

/// Who pays: their id, inviter (`ref_by`, 0 for none) and sign-up time, read with their locked row.
#[derive(Debug, Clone, Copy)]
pub struct Payer {
    pub id: i64,
    pub ref_by: i64,
    pub registered: chrono::NaiveDateTime,
}

pub async fn rules(settings: &Settings) -> sqlx::Result<RebateRules> {
    Ok(RebateRules {
        mode: RebateMode::parse(&settings.get(catalog::INVITE_REBATE_MODE.item).await?),
        levels: rebate::parse_levels(
            &settings.get(catalog::REBATE_LEVELS.item).await?,
            settings.get_decimal(catalog::REBATE_RATIO.item).await?,
        ),
        frequency_limit: settings
            .get_i64(catalog::REBATE_FREQUENCY_LIMIT.item)
            .await?,
        amount_limit: Money::cents(
            settings
                .get_decimal(catalog::REBATE_AMOUNT_LIMIT.item)
                .await?,
        ),
        time_range_days: settings
            .get_i64(catalog::REBATE_TIME_RANGE_LIMIT.item)
            .await?,
    })
}

/// Pays each inviter up the payer's chain their commission on `amount`, if `invitation_mode`
/// rewards this `trigger`: one `payback` row and one balance credit per paid level.
/// Returns (beneficiary, amount) for each payment made.
///
/// Locks go from the payer up to the inviters; since invitations never form a cycle, two such
/// transactions always lock in the same (descendant → ancestor) order and cannot deadlock.
pub async fn pay_commission(
    tx: &mut Tx,
    settings: &Settings,
    payer: &Payer,
    amount: Money,
    trigger: Trigger,
) -> sqlx::Result<Vec<(i64, Money)>> {
    if !trigger.enabled_by(&settings.get(catalog::INVITATION_MODE.item).await?) {
        return Ok(Vec::new());
    }
    let rules = rules(settings).await?;
    let mut beneficiary = payer.ref_by;
    let now = now_naive();
    let mut paid = Vec::new();
    for ratio in &rules.levels {
        if beneficiary == 0 || beneficiary == payer.id {
            break;
        }
        let Some(locked) = sql::lock_balance(tx, beneficiary).await? else {
            break;
        };
        if locked.enable == 1 {
            let (count, total) = sql::paid_so_far(tx, payer.id, beneficiary).await?;
            let due = rebate::commission(
                &rules,
                *ratio,
                amount,
                PaidSoFar { count, total },
                payer.registered,
                now,
            );
            if !due.is_zero() {
                sql::insert_payback(
                    tx,
                    payer.id,
                    beneficiary,
                    amount,
                    due,
                    crate::clock::to_unix(now),
                )
                .await?;
                sql::add_balance(tx, beneficiary, due).await?;
                paid.push((beneficiary, due));
            }
        }
        beneficiary = locked.ref_by;
    }
    Ok(paid)
}
