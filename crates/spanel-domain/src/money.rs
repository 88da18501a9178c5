//! Money: SSPanel's `DECIMAL(12,2)`, exact. The database codecs live in `db::types`.

use std::fmt;
use std::ops::{Add, Mul, Sub};
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An amount of money: `DECIMAL(12,2)` in SSPanel, always exact, serialized as a string ("10.00").
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(#[serde(with = "rust_decimal::serde::str")] pub Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds half-up (away from zero) to cents, as money columns store it.
    pub fn cents(value: Decimal) -> Money {
        let mut d = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        d.rescale(2);
        Money(d)
    }

    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, 2))
    }

    /// Whole cents (the inverse of `from_cents`; amounts have two decimals and fit, saturating
    /// beyond `i64`).
    pub fn to_cents(self) -> i64 {
        (self.0 * Decimal::from(100))
            .round()
            .to_i64()
            .unwrap_or(if self.is_negative() {
                i64::MIN
            } else {
                i64::MAX
            })
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Parses a user-supplied amount: a plain decimal with at most two places.
    pub fn parse_amount(s: &str) -> Option<Money> {
        let d = Decimal::from_str(s.trim()).ok()?;
        if d.scale() > 2 {
            return None;
        }
        Some(Money::cents(d))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Money::cents(Decimal::from_str(s.trim())?))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money::cents(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money::cents(self.0 - rhs.0)
    }
}

impl Mul<Decimal> for Money {
    type Output = Money;
    fn mul(self, rhs: Decimal) -> Money {
        Money::cents(self.0 * rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn cents_round_trip() {
        for c in [0, 1, -1, 1050, 99_999_999_999] {
            assert_eq!(Money::from_cents(c).to_cents(), c);
        }
        assert_eq!("10.5".parse::<Money>().unwrap().to_cents(), 1050);
    }
}
