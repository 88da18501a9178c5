//! The application's clock and the time zone of SSPanel's DATETIME columns.
//!
//! PHP writes `expire_in`, `class_expire`… in its own time zone, so spanel reads and writes them in
//! the same one to run beside it. The zone is set once at start-up from the configuration (UTC
//! until then). The domain crate never reads the clock or this zone: callers pass both in.

use std::sync::RwLock;

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::domain::{from_unix_in, to_unix_in};

static DATETIME_ZONE: RwLock<Tz> = RwLock::new(chrono_tz::UTC);

pub fn set_datetime_zone(zone: Tz) {
    *DATETIME_ZONE.write().unwrap_or_else(|e| e.into_inner()) = zone;
}

/// The zone DATETIME columns are written in.
pub fn datetime_zone() -> Tz {
    *DATETIME_ZONE.read().unwrap_or_else(|e| e.into_inner())
}

/// The current unix time.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The current time as stored in DATETIME columns (whole seconds, in the DATETIME zone).
pub fn now_naive() -> NaiveDateTime {
    from_unix(now_unix())
}

/// A unix time as a DATETIME value (in the DATETIME zone).
pub fn from_unix(secs: i64) -> NaiveDateTime {
    from_unix_in(datetime_zone(), secs)
}

/// A DATETIME value (in the DATETIME zone) as a unix time.
pub fn to_unix(at: NaiveDateTime) -> i64 {
    to_unix_in(datetime_zone(), at)
}

/// The unix time of the start of `now`'s calendar day in the DATETIME zone (PHP's `date('Ymd')`
/// day, when SPANEL_TIMEZONE is PHP's `timeZone`).
pub fn local_day_start(now: i64) -> i64 {
    crate::domain::local_day_start_in(datetime_zone(), now)
}
