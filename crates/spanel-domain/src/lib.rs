//! spanel's pure business rules: no I/O, no clock, no randomness, no global state. Callers pass in
//! the current time, the time zone of SSPanel's DATETIME columns and any random values; this crate
//! depends on no database, HTTP or error type of the application, so the compiler keeps it pure.

pub mod account;
pub mod detect;
pub mod field_error;
pub mod money;
pub mod node;
pub mod ops;
pub mod password;
pub mod perks;
pub mod proxy;
pub mod queued_mail;
pub mod rebate;
pub mod shop;
pub mod subscription;
pub mod totp;

/// One gigabyte of traffic as SSPanel counts it.
pub const GB: u64 = 1024 * 1024 * 1024;

pub use field_error::FieldError;

/// A unix time as a DATETIME value in `zone`.
pub fn from_unix_in(zone: chrono_tz::Tz, secs: i64) -> chrono::NaiveDateTime {
    use chrono::TimeZone;
    zone.timestamp_opt(secs, 0)
        .single()
        .map(|t| t.naive_local())
        .unwrap_or_default()
}

/// A local time skipped by a daylight-saving change counts as the hour after; a repeated one as
/// its first occurrence.
pub fn to_unix_in(zone: chrono_tz::Tz, at: chrono::NaiveDateTime) -> i64 {
    use chrono::TimeZone;
    zone.from_local_datetime(&at)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(at + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp())
        .unwrap_or_else(|| at.and_utc().timestamp())
}

/// The unix time of the start of `now`'s calendar day in `zone`.
pub fn local_day_start_in(zone: chrono_tz::Tz, now: i64) -> i64 {
    let day = from_unix_in(zone, now)
        .date()
        .and_time(chrono::NaiveTime::MIN);
    to_unix_in(zone, day)
}

/// A unix time as a UTC date-time, for labels of UTC periods (reports, usage days).
pub fn utc_datetime(secs: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn datetime_columns_follow_the_configured_zone() {
        let t = 1_767_225_600; // 2026-01-01 00:00:00 UTC
        assert_eq!(from_unix_in(chrono_tz::UTC, t), at("2026-01-01 00:00:00"));
        let shanghai = chrono_tz::Asia::Shanghai;
        assert_eq!(from_unix_in(shanghai, t), at("2026-01-01 08:00:00"));
        assert_eq!(to_unix_in(shanghai, at("2026-01-01 08:00:00")), t);
        let ny = chrono_tz::America::New_York;
        assert_eq!(from_unix_in(ny, t), at("2025-12-31 19:00:00"));
        for secs in [0, t, t + 3_600 * 24 * 180 + 17] {
            assert_eq!(to_unix_in(ny, from_unix_in(ny, secs)), secs);
        }
        // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 → 03:00).
        assert_eq!(
            to_unix_in(ny, at("2026-03-08 02:30:00")),
            to_unix_in(ny, at("2026-03-08 03:30:00"))
        );
    }
}
