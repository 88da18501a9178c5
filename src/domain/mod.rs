//! Pure business rules: no I/O, unit-tested exhaustively.

pub mod account;
pub mod node;
pub mod ops;
pub mod password;
pub mod rebate;
pub mod shop;
pub mod subscription;

/// One gigabyte of traffic as SSPanel counts it.
pub const GB: u64 = 1024 * 1024 * 1024;

/// The current time as stored in DATETIME columns (UTC, whole seconds).
pub fn now_naive() -> chrono::NaiveDateTime {
    from_unix(chrono::Utc::now().timestamp())
}

/// A unix time as a DATETIME value (UTC).
pub fn from_unix(secs: i64) -> chrono::NaiveDateTime {
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
