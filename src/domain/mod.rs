//! Pure business rules: no I/O, unit-tested exhaustively.

pub mod account;
pub mod detect;
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

/// The time zone of SSPanel's DATETIME columns (`expire_in`, `class_expire`…): PHP writes them in
/// its own time zone, so spanel must read and write them in the same one to run beside it. Set
/// once at start-up from the configuration; UTC until then.
static DATETIME_ZONE: std::sync::RwLock<chrono_tz::Tz> = std::sync::RwLock::new(chrono_tz::UTC);

pub fn set_datetime_zone(zone: chrono_tz::Tz) {
    *DATETIME_ZONE.write().unwrap_or_else(|e| e.into_inner()) = zone;
}

fn datetime_zone() -> chrono_tz::Tz {
    *DATETIME_ZONE.read().unwrap_or_else(|e| e.into_inner())
}

/// The current time as stored in DATETIME columns (whole seconds, in the DATETIME zone).
pub fn now_naive() -> chrono::NaiveDateTime {
    from_unix(chrono::Utc::now().timestamp())
}

/// A unix time as a DATETIME value (in the DATETIME zone).
pub fn from_unix(secs: i64) -> chrono::NaiveDateTime {
    from_unix_in(datetime_zone(), secs)
}

/// The unix time of the start of `now`'s calendar day in the DATETIME zone (PHP's `date('Ymd')`
/// day, when SPANEL_TIMEZONE is PHP's `timeZone`).
pub fn local_day_start(now: i64) -> i64 {
    let day = from_unix(now).date().and_time(chrono::NaiveTime::MIN);
    to_unix(day)
}

/// A DATETIME value (in the DATETIME zone) as a unix time.
pub fn to_unix(at: chrono::NaiveDateTime) -> i64 {
    to_unix_in(datetime_zone(), at)
}

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

/// A unix time as a UTC date-time, for labels of UTC periods (reports, usage days).
pub fn utc_datetime(secs: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// A random string of ASCII letters and digits, for tokens and codes.
pub fn random_token(len: usize) -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
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
