//! Fresh random values for tokens, codes, salts and identifiers (the domain crate takes them as
//! arguments and never draws them itself).

use rand::distributions::Alphanumeric;
use rand::{Rng, RngCore};

/// A random string of ASCII letters and digits, for tokens and codes.
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `N` random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The random values a new account gets.
pub fn account_secrets() -> crate::domain::account::AccountSecrets {
    crate::domain::account::AccountSecrets {
        passwd: random_token(16),
        uuid: uuid::Uuid::new_v4().to_string(),
        ga_token: random_token(32),
    }
}
