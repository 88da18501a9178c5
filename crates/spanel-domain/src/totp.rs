//! Two-factor codes as SSPanel's Google Authenticator (vectorface/googleauthenticator) checks
//! them: RFC 6238 TOTP, HMAC-SHA1, 6 digits, 30-second steps, one step of clock drift either
//! way; the secret is base32 in `user.ga_token`. The arithmetic is totp-rs's.

use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: i64 = 30;
/// Steps of drift accepted on each side (the PHP library's default discrepancy).
const DRIFT: i64 = 1;

/// A base32 secret from 20 random bytes (160 bits, RFC 4226's recommendation; SSPanel's PHP
/// makes 80-bit ones, which are accepted as well).
pub fn encode_secret(random: [u8; 20]) -> String {
    match Secret::Raw(random.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded returns an encoded secret"),
    }
}

fn totp(secret: &str) -> Option<TOTP> {
    let cleaned: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = Secret::Encoded(cleaned).to_bytes().ok()?;
    // SSPanel's secrets are 80 bits, below totp-rs's 128-bit minimum for `new`.
    (!bytes.is_empty()).then(|| TOTP::new_unchecked(Algorithm::SHA1, 6, 0, STEP_SECS as u64, bytes))
}

/// The time step whose code `code` is, within the drift around `now`; None if it matches none
/// (or the secret is not base32, or the code is not six digits).
pub fn matching_step(secret: &str, code: &str, now: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret)?;
    let current = now.max(0) / STEP_SECS;
    (current - DRIFT..=current + DRIFT)
        .filter(|s| *s >= 0)
        .find(|s| totp.check(code, (*s * STEP_SECS) as u64))
}

/// The code of a secret at a time (tests and the set-up check).
pub fn code_at(secret: &str, now: i64) -> Option<String> {
    Some(totp(secret)?.generate(now.max(0) as u64))
}

/// The `otpauth://` URI authenticator apps scan: label "issuer (account)" as SSPanel writes it,
/// plus the `issuer` parameter newer apps show.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let label = format!("{issuer} ({account})");
    format!(
        "otpauth://totp/{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        utf8_percent_encode(&label, NON_ALPHANUMERIC),
        utf8_percent_encode(issuer, NON_ALPHANUMERIC)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1, secret "12345678901234567890" (8 digits there; the last 6 here).
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_6238_vectors() {
        assert_eq!(code_at(RFC_SECRET, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn drift_of_one_step_either_way() {
        let now = 1_700_000_000;
        let step = now / STEP_SECS;
        let code = code_at(RFC_SECRET, now).unwrap();
        assert_eq!(matching_step(RFC_SECRET, &code, now), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now + 30), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now - 30), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, now + 60), None);
    }

    #[test]
    fn sspanel_80_bit_lowercase_secrets_work() {
        // A PHP-made 16-character secret, as stored in ga_token.
        let php = "JBSWY3DPEHPK3PXP";
        let code = code_at(php, 1_000_000).unwrap();
        assert_eq!(
            matching_step(&php.to_lowercase(), &code, 1_000_000),
            Some(1_000_000 / 30)
        );
    }

    #[test]
    fn bad_input_matches_nothing() {
        assert_eq!(matching_step(RFC_SECRET, "12345", 59), None);
        assert_eq!(matching_step(RFC_SECRET, "abcdef", 59), None);
        assert_eq!(matching_step("not base32 !!", "287082", 59), None);
        assert_eq!(matching_step("", "287082", 59), None);
    }

    #[test]
    fn secrets_and_uris() {
        let s = encode_secret([7; 20]);
        assert_eq!(s.len(), 32);
        assert!(code_at(&s, 0).is_some());
        let uri = otpauth_uri("My Panel", "a@b.c", &s);
        assert!(uri.starts_with("otpauth://totp/My%20Panel%20%28a%40b%2Ec%29?secret="));
        assert!(uri.contains("&issuer=My%20Panel"));
    }
}
