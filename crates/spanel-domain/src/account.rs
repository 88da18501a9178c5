//! Accounts: input validation, sign-up defaults and the "me" view.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::money::Money;
use super::GB;
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegMode {
    Open,
    Invite,
    Close,
}

impl RegMode {
    pub fn parse(s: &str) -> RegMode {
        match s.trim() {
            "invite" => RegMode::Invite,
            "close" => RegMode::Close,
            _ => RegMode::Open,
        }
    }
}

/// Sign-up settings from the `config` table.
#[derive(Debug, Clone, Default)]
pub struct SignUpDefaults {
    pub free_traffic_gb: i64,
    pub free_days: i64,
    pub class: i64,
    pub class_days: i64,
    pub method: String,
    pub protocol: String,
    pub protocol_param: String,
    pub obfs: String,
    pub obfs_param: String,
    pub daily_report: bool,
    pub invitation_codes: i64,
    pub device_limit: i64,
    pub rate_limit: i64,
}

/// Every column a new `user` row needs (the NOT NULL ones without defaults included).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user_name: String,
    pub email: String,
    pub pass: String,
    pub passwd: String,
    pub uuid: String,
    pub port: i64,
    pub transfer_enable: u64,
    pub invite_num: i64,
    pub ref_by: i64,
    pub method: String,
    pub protocol: String,
    pub protocol_param: String,
    pub obfs: String,
    pub obfs_param: String,
    pub reg_ip: String,
    pub reg_date: NaiveDateTime,
    pub class: i64,
    pub class_expire: NaiveDateTime,
    pub expire_in: NaiveDateTime,
    pub node_speedlimit: Money,
    pub node_connector: i64,
    pub send_daily_mail: bool,
    pub ga_token: String,
    pub is_admin: bool,
}

/// Normalises and checks an e-mail address (SSPanel's column holds 32 characters).
pub fn normalize_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let bad = |msg: &str| Err(FieldError::new("email", msg));
    if email.is_empty() {
        return bad("E-mail is required.");
    }
    if email.chars().count() > 32 {
        return bad("E-mail must be at most 32 characters.");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("E-mail address is not valid.");
    };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
        || domain.contains('@')
    {
        return bad("E-mail address is not valid.");
    }
    Ok(email)
}

pub fn check_password(raw: &str) -> Result<(), FieldError> {
    let n = raw.chars().count();
    if n < 8 {
        return Err(FieldError::new(
            "password",
            "Password must be at least 8 characters.",
        ));
    }
    if n > 128 {
        return Err(FieldError::new(
            "password",
            "Password must be at most 128 characters.",
        ));
    }
    Ok(())
}

pub fn check_user_name(raw: &str) -> Result<(), FieldError> {
    if raw.chars().count() > 128 || raw.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            "user_name",
            "User name must be at most 128 printable characters.",
        ));
    }
    Ok(())
}

/// The random values of a new account, drawn by the caller.
pub struct AccountSecrets {
    /// The proxy password (`passwd`), 16 letters and digits.
    pub passwd: String,
    /// A v4 UUID.
    pub uuid: String,
    /// The TOTP seed column (`ga_token`), 32 letters and digits.
    pub ga_token: String,
}

/// The row for a new account, from the sign-up settings. `pass` is the already-hashed password.
#[allow(clippy::too_many_arguments)]
pub fn new_user(
    email: &str,
    user_name: Option<&str>,
    pass: String,
    secrets: AccountSecrets,
    port: i64,
    ref_by: i64,
    reg_ip: &str,
    defaults: &SignUpDefaults,
    now: NaiveDateTime,
) -> NewUser {
    let user_name = user_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
    NewUser {
        user_name,
        email: email.to_string(),
        pass,
        passwd: secrets.passwd,
        uuid: secrets.uuid,
        port,
        transfer_enable: defaults.free_traffic_gb.max(0) as u64 * GB,
        invite_num: defaults.invitation_codes,
        ref_by,
        method: defaults.method.clone(),
        protocol: defaults.protocol.clone(),
        protocol_param: defaults.protocol_param.clone(),
        obfs: defaults.obfs.clone(),
        obfs_param: defaults.obfs_param.clone(),
        reg_ip: reg_ip.chars().take(182).collect(),
        reg_date: now,
        class: defaults.class,
        class_expire: now + Duration::days(defaults.class_days),
        expire_in: now + Duration::days(defaults.free_days),
        node_speedlimit: Money::from_cents(defaults.rate_limit.max(0) * 100),
        node_connector: defaults.device_limit.max(0),
        send_daily_mail: defaults.daily_report,
        ga_token: secrets.ga_token,
        is_admin: false,
    }
}

/// What the inviter gets when someone signs up with their code.
pub fn invite_allowed(invite_num: i64) -> bool {
    // SSPanel: 0 = no invitations left; a negative count means unlimited.
    invite_num != 0
}

/// Traffic of an account, in bytes.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub struct TrafficView {
    pub upload: u64,
    pub download: u64,
    pub used: u64,
    pub total: u64,
    pub left: u64,
    /// Used since the last daily snapshot (`last_day_t`).
    pub today: u64,
}

pub fn traffic_view(u: u64, d: u64, transfer_enable: u64, last_day_t: u64) -> TrafficView {
    let used = u.saturating_add(d);
    TrafficView {
        upload: u,
        download: d,
        used,
        total: transfer_enable,
        left: transfer_enable.saturating_sub(used),
        today: used.saturating_sub(last_day_t),
    }
}

/// The longest usage history (`/user/usage?days=`) a user can ask for.
pub const USAGE_DAYS_MAX: i64 = 90;
/// Days of per-day traffic the prune job keeps: the longest history plus a margin.
pub const USAGE_DAYS_KEPT: i64 = USAGE_DAYS_MAX + 2;

const DAY: i64 = 86_400;

/// Unix time of the UTC midnight that starts the day containing `t`.
pub fn day_start(t: i64) -> i64 {
    t - t.rem_euclid(DAY)
}

/// One UTC day of a user's traffic, in bytes.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DayUsage {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub upload: u64,
    pub download: u64,
}

/// The `days` UTC days ending with the one containing `now`, oldest first and zero-filled, each
/// with the traffic of the `rows` (unix time, upload, download) that fall in it. Rows outside the
/// window are ignored.
pub fn daily_usage(now: i64, days: i64, rows: &[(i64, u64, u64)]) -> Vec<DayUsage> {
    let days = days.max(0);
    let first = day_start(now) - (days - 1) * DAY;
    let mut totals = vec![(0u64, 0u64); days as usize];
    for &(t, u, d) in rows {
        let index = (t - first).div_euclid(DAY);
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| totals.get_mut(i)) {
            slot.0 = slot.0.saturating_add(u);
            slot.1 = slot.1.saturating_add(d);
        }
    }
    totals
        .into_iter()
        .enumerate()
        .map(|(i, (upload, download))| DayUsage {
            date: super::utc_datetime(first + i as i64 * DAY)
                .format("%Y-%m-%d")
                .to_string(),
            upload,
            download,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> SignUpDefaults {
        SignUpDefaults {
            free_traffic_gb: 20,
            free_days: 7,
            class: 1,
            class_days: 3,
            method: "aes-128-gcm".into(),
            invitation_codes: 5,
            device_limit: 2,
            rate_limit: 100,
            ..Default::default()
        }
    }

    #[test]
    fn email_is_normalised_and_bounded() {
        assert_eq!(
            normalize_email("  A@Example.COM ").unwrap(),
            "a@example.com"
        );
        assert!(normalize_email("no-at-sign").is_err());
        assert!(normalize_email("a@b").is_err());
        assert!(normalize_email("a b@example.com").is_err());
        assert!(normalize_email(&format!("{}@example.com", "x".repeat(30))).is_err());
    }

    #[test]
    fn password_length() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn new_user_gets_sign_up_defaults() {
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let u = new_user(
            "bob@example.com",
            None,
            "h".into(),
            AccountSecrets {
                passwd: "p".repeat(16),
                uuid: "0b7e0c5e-3d5f-4a53-9c1e-2f7f1d9d2a10".into(),
                ga_token: "g".repeat(32),
            },
            12345,
            7,
            "1.2.3.4",
            &defaults(),
            now,
        );
        assert_eq!(u.user_name, "bob");
        assert_eq!(u.transfer_enable, 20 * GB);
        assert_eq!(u.expire_in, now + Duration::days(7));
        assert_eq!(u.class, 1);
        assert_eq!(u.class_expire, now + Duration::days(3));
        assert_eq!(u.invite_num, 5);
        assert_eq!(u.ref_by, 7);
        assert_eq!(u.node_connector, 2);
        assert_eq!(u.node_speedlimit.to_string(), "100.00");
        assert_eq!(u.passwd, "p".repeat(16));
        assert_eq!(u.ga_token, "g".repeat(32));
    }

    #[test]
    fn traffic_left_never_underflows() {
        let t = traffic_view(10, 20, 25, 5);
        assert_eq!((t.used, t.left, t.today), (30, 0, 25));
    }

    #[test]
    fn invitations_zero_means_exhausted() {
        assert!(!invite_allowed(0));
        assert!(invite_allowed(3));
        assert!(invite_allowed(-1));
    }

    #[test]
    fn daily_usage_is_zero_filled_oldest_first_ending_today() {
        // 2026-03-02 13:00 UTC
        let now = 1_772_456_400;
        let days = daily_usage(now, 3, &[]);
        let dates: Vec<&str> = days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-02-28", "2026-03-01", "2026-03-02"]);
        assert!(days.iter().all(|d| d.upload == 0 && d.download == 0));
    }

    #[test]
    fn daily_usage_buckets_by_utc_day_and_ignores_rows_outside() {
        let today = day_start(1_772_456_400);
        let rows = [
            (today, 1, 2),                  // today's first second
            (today + 86_399, 10, 20),       // today's last second
            (today - 1, 100, 200),          // yesterday's last second
            (today - 86_400, 1_000, 2_000), // yesterday's first second
            (today - 2 * 86_400, 7, 7),     // before the window
            (today + 86_400, 9, 9),         // tomorrow (clock skew)
        ];
        let days = daily_usage(today + 3_600, 2, &rows);
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].upload, days[0].download), (1_100, 2_200));
        assert_eq!((days[1].upload, days[1].download), (11, 22));
    }

    #[test]
    fn daily_usage_spans_ninety_days_and_month_ends() {
        let now = 1_772_456_400;
        let days = daily_usage(now, USAGE_DAYS_MAX, &[(now - 89 * 86_400, 5, 6)]);
        assert_eq!(days.len(), 90);
        assert_eq!(days[0].date, "2025-12-03");
        assert_eq!((days[0].upload, days[0].download), (5, 6));
        assert_eq!(days[89].date, "2026-03-02");
        assert!(daily_usage(now, 0, &[(now, 1, 1)]).is_empty());
    }

    #[test]
    fn day_start_is_utc_midnight_also_before_1970() {
        assert_eq!(day_start(86_400 + 5), 86_400);
        assert_eq!(day_start(86_400), 86_400);
        assert_eq!(day_start(-1), -86_400);
    }
}
