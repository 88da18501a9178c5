//! Daily check-in and redeem codes, as PHP SSPanel applies them.

use chrono::{Duration, NaiveDateTime};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::GB;

/// One megabyte as SSPanel's `Tools::toMB` counts it.
pub const MB: i64 = 1024 * 1024;

/// The check-in range in MB from the operator's settings, made sane: both at least 0, min ≤ max.
pub fn checkin_range(min_mb: i64, max_mb: i64) -> (i64, i64) {
    let lo = min_mb.clamp(0, 1_048_576);
    let hi = max_mb.clamp(0, 1_048_576);
    (lo.min(hi), lo.max(hi))
}

/// What a `code` row's `type` means (SSPanel classic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// -1: `number` money to the balance.
    Balance,
    /// 10001: `number` GB of traffic.
    Traffic,
    /// 10002: `number` days of account time (`expire_in`).
    Days,
    /// 1–10000: this class for `number` days.
    Class(i64),
}

impl CodeKind {
    pub fn from_type(t: i64) -> Option<CodeKind> {
        match t {
            -1 => Some(CodeKind::Balance),
            10001 => Some(CodeKind::Traffic),
            10002 => Some(CodeKind::Days),
            1..=10000 => Some(CodeKind::Class(t)),
            _ => None,
        }
    }

    pub fn to_type(self) -> i64 {
        match self {
            CodeKind::Balance => -1,
            CodeKind::Traffic => 10001,
            CodeKind::Days => 10002,
            CodeKind::Class(c) => c,
        }
    }
}

/// The account fields a non-balance code changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grantable {
    pub transfer_enable: i64,
    pub class: i64,
    pub class_expire: NaiveDateTime,
    pub expire_in: NaiveDateTime,
}

/// Applies a traffic, days or class code of `number` (GB or days; fractions are cut as PHP's
/// integer arithmetic would leave them at whole bytes and seconds) at `now`.
pub fn grant(kind: CodeKind, number: Decimal, mut a: Grantable, now: NaiveDateTime) -> Grantable {
    let secs = |days: Decimal| (days * Decimal::from(86_400)).trunc().to_i64().unwrap_or(0);
    match kind {
        CodeKind::Balance => {}
        CodeKind::Traffic => {
            let bytes = (number * Decimal::from(GB)).trunc().to_i64().unwrap_or(0);
            a.transfer_enable = a.transfer_enable.saturating_add(bytes);
        }
        CodeKind::Days => {
            let from = if a.expire_in < now { now } else { a.expire_in };
            a.expire_in = from + Duration::seconds(secs(number));
        }
        CodeKind::Class(class) => {
            // A different class (or none) starts from now; the same class extends.
            if a.class == 0 || a.class != class || a.class_expire < now {
                a.class_expire = now;
            }
            a.class_expire += Duration::seconds(secs(number));
            a.class = class;
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn acct() -> Grantable {
        Grantable {
            transfer_enable: 5,
            class: 1,
            class_expire: at("2026-01-10 00:00:00"),
            expire_in: at("2026-01-20 00:00:00"),
        }
    }

    #[test]
    fn kinds_round_trip() {
        for t in [-1, 1, 7, 10000, 10001, 10002] {
            assert_eq!(CodeKind::from_type(t).unwrap().to_type(), t);
        }
        assert_eq!(CodeKind::from_type(0), None);
        assert_eq!(CodeKind::from_type(-2), None);
        assert_eq!(CodeKind::from_type(10003), None);
    }

    #[test]
    fn traffic_and_days() {
        let now = at("2026-01-01 00:00:00");
        let a = grant(CodeKind::Traffic, Decimal::new(15, 1), acct(), now);
        assert_eq!(a.transfer_enable, 5 + (GB as i64) * 3 / 2);
        let a = grant(CodeKind::Days, Decimal::from(2), acct(), now);
        assert_eq!(a.expire_in, at("2026-01-22 00:00:00"));
        // An expired account counts from now.
        let late = at("2026-02-01 00:00:00");
        let a = grant(CodeKind::Days, Decimal::from(2), acct(), late);
        assert_eq!(a.expire_in, at("2026-02-03 00:00:00"));
    }

    #[test]
    fn class_extends_or_restarts() {
        let now = at("2026-01-01 00:00:00");
        let same = grant(CodeKind::Class(1), Decimal::from(5), acct(), now);
        assert_eq!(same.class_expire, at("2026-01-15 00:00:00"));
        let other = grant(CodeKind::Class(2), Decimal::from(5), acct(), now);
        assert_eq!(
            (other.class, other.class_expire),
            (2, at("2026-01-06 00:00:00"))
        );
    }

    #[test]
    fn checkin_ranges() {
        assert_eq!(checkin_range(1, 50), (1, 50));
        assert_eq!(checkin_range(50, 1), (1, 50));
        assert_eq!(checkin_range(-5, 10), (0, 10));
    }
}
