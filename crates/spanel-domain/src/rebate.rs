//! Referral commission (`payback`): how much each inviter up the chain gets for a payment.

use std::str::FromStr;

use chrono::{Duration, NaiveDateTime};
use rust_decimal::Decimal;

use super::money::Money;

/// When commission is paid (`invitation_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Recharge,
    Purchase,
}

impl Trigger {
    /// Whether the `invitation_mode` setting pays commission on this event.
    pub fn enabled_by(self, invitation_mode: &str) -> bool {
        matches!(
            (self, invitation_mode.trim()),
            (Trigger::Recharge, "after_recharge") | (Trigger::Purchase, "after_purchase")
        )
    }
}

/// `invite_rebate_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebateMode {
    Continued,
    LimitFrequency,
    LimitAmount,
    LimitTimeRange,
}

impl RebateMode {
    pub fn parse(s: &str) -> RebateMode {
        match s.trim() {
            "limit_frequency" => RebateMode::LimitFrequency,
            "limit_amount" => RebateMode::LimitAmount,
            "limit_time_range" => RebateMode::LimitTimeRange,
            _ => RebateMode::Continued,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RebateRules {
    pub mode: RebateMode,
    /// Ratio per level: the inviter first, then the inviter's inviter…
    pub levels: Vec<Decimal>,
    pub frequency_limit: i64,
    pub amount_limit: Money,
    pub time_range_days: i64,
}

/// Ratios from `rebate_levels` ("0.2,0.05"), or the single `rebate_ratio` when that is empty.
/// Ratios outside 0..=1 are ignored.
pub fn parse_levels(rebate_levels: &str, rebate_ratio: Decimal) -> Vec<Decimal> {
    let valid = |d: &Decimal| *d >= Decimal::ZERO && *d <= Decimal::ONE;
    let levels: Vec<Decimal> = rebate_levels
        .split(',')
        .filter_map(|s| Decimal::from_str(s.trim()).ok())
        .filter(valid)
        .collect();
    if levels.is_empty() {
        vec![rebate_ratio].into_iter().filter(valid).collect()
    } else {
        levels
    }
}

/// What a beneficiary has already received from this payer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaidSoFar {
    pub count: i64,
    pub total: Money,
}

/// The commission for one level, after the mode's limits; zero when nothing is due.
pub fn commission(
    rules: &RebateRules,
    ratio: Decimal,
    amount: Money,
    paid: PaidSoFar,
    payer_registered: NaiveDateTime,
    now: NaiveDateTime,
) -> Money {
    let full = amount * ratio;
    if full.is_negative() || full.is_zero() {
        return Money::ZERO;
    }
    match rules.mode {
        RebateMode::Continued => full,
        RebateMode::LimitFrequency if paid.count >= rules.frequency_limit => Money::ZERO,
        RebateMode::LimitFrequency => full,
        RebateMode::LimitAmount => {
            let left = rules.amount_limit - paid.total;
            if left.is_negative() || left.is_zero() {
                Money::ZERO
            } else {
                full.min(left)
            }
        }
        RebateMode::LimitTimeRange
            if now > payer_registered + Duration::days(rules.time_range_days) =>
        {
            Money::ZERO
        }
        RebateMode::LimitTimeRange => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(mode: RebateMode) -> RebateRules {
        RebateRules {
            mode,
            levels: vec![Decimal::new(2, 1)],
            frequency_limit: 3,
            amount_limit: Money::from_cents(1000),
            time_range_days: 180,
        }
    }

    fn t(days: i64) -> NaiveDateTime {
        crate::from_unix_in(chrono_tz::UTC, 1_700_000_000) + Duration::days(days)
    }

    fn money(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn continued_pays_the_ratio_rounded_to_cents() {
        let r = rules(RebateMode::Continued);
        let c = commission(
            &r,
            Decimal::new(2, 1),
            money("10.05"),
            PaidSoFar::default(),
            t(0),
            t(1),
        );
        assert_eq!(c, money("2.01"));
    }

    #[test]
    fn limit_frequency_stops_after_the_limit() {
        let r = rules(RebateMode::LimitFrequency);
        let paid = |count| PaidSoFar {
            count,
            total: Money::ZERO,
        };
        assert_eq!(
            commission(&r, Decimal::new(2, 1), money("10"), paid(2), t(0), t(1)),
            money("2")
        );
        assert_eq!(
            commission(&r, Decimal::new(2, 1), money("10"), paid(3), t(0), t(1)),
            Money::ZERO
        );
    }

    #[test]
    fn limit_amount_pays_only_the_remainder() {
        let r = rules(RebateMode::LimitAmount);
        let paid = |total: &str| PaidSoFar {
            count: 5,
            total: money(total),
        };
        assert_eq!(
            commission(
                &r,
                Decimal::new(2, 1),
                money("100"),
                paid("9.00"),
                t(0),
                t(1)
            ),
            money("1.00")
        );
        assert_eq!(
            commission(
                &r,
                Decimal::new(2, 1),
                money("100"),
                paid("10.00"),
                t(0),
                t(1)
            ),
            Money::ZERO
        );
        assert_eq!(
            commission(&r, Decimal::new(2, 1), money("5"), paid("0"), t(0), t(1)),
            money("1.00")
        );
    }

    #[test]
    fn limit_time_range_counts_from_the_payers_registration() {
        let r = rules(RebateMode::LimitTimeRange);
        let c = |now| {
            commission(
                &r,
                Decimal::new(2, 1),
                money("10"),
                PaidSoFar::default(),
                t(0),
                now,
            )
        };
        assert_eq!(c(t(180)), money("2"));
        assert_eq!(c(t(181)), Money::ZERO);
    }

    #[test]
    fn levels_parse_with_fallback() {
        assert_eq!(
            parse_levels("0.2, 0.05", Decimal::ONE),
            vec![Decimal::new(2, 1), Decimal::new(5, 2)]
        );
        assert_eq!(
            parse_levels("", Decimal::new(3, 1)),
            vec![Decimal::new(3, 1)]
        );
        assert_eq!(
            parse_levels("x,2", Decimal::new(3, 1)),
            vec![Decimal::new(3, 1)]
        );
    }

    #[test]
    fn triggers_follow_invitation_mode() {
        assert!(Trigger::Recharge.enabled_by("after_recharge"));
        assert!(!Trigger::Recharge.enabled_by("after_purchase"));
        assert!(Trigger::Purchase.enabled_by("after_purchase"));
        assert!(!Trigger::Purchase.enabled_by("none"));
    }
}
