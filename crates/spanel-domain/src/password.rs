//! Login passwords in every format SSPanel-UIM's `pwdMethod` can leave in `user.pass`.
//!
//! bcrypt and argon2 hashes carry their own parameters (PHC strings); the hex methods are
//! `hash(password ‖ salt)` with SSPanel's global `salt`, lowercase hex.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use md5::Md5;
use sha2::{Digest, Sha256};
use sha3::Sha3_256;
use subtle::ConstantTimeEq;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordMethod {
    Bcrypt,
    Argon2i,
    Argon2id,
    Sha256,
    Sha3,
    Md5,
}

impl PasswordMethod {
    pub fn parse(s: &str) -> Option<PasswordMethod> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "bcrypt" => PasswordMethod::Bcrypt,
            "argon2i" => PasswordMethod::Argon2i,
            "argon2id" => PasswordMethod::Argon2id,
            "sha256" => PasswordMethod::Sha256,
            "sha3" => PasswordMethod::Sha3,
            "md5" => PasswordMethod::Md5,
            _ => return None,
        })
    }
}

/// PHP's `password_hash` argon2 defaults (memory 64 MiB, 4 passes, 1 lane).
fn php_argon2(algorithm: Algorithm) -> Argon2<'static> {
    let params = Params::new(65536, 4, 1, None).expect("valid argon2 parameters");
    Argon2::new(algorithm, Version::V0x13, params)
}

fn salted_hex<D: Digest>(password: &str, salt: &str) -> String {
    let mut h = D::new();
    h.update(password.as_bytes());
    h.update(salt.as_bytes());
    hex::encode(h.finalize())
}

/// Hashes a new password with `method`. `salt` is SSPanel's configured salt (the hex methods);
/// `random` is 16 fresh random bytes from the caller, the per-hash salt of bcrypt and Argon2.
pub fn hash_password(
    password: &str,
    method: PasswordMethod,
    salt: &str,
    random: [u8; 16],
) -> anyhow::Result<String> {
    Ok(match method {
        PasswordMethod::Bcrypt => bcrypt::hash_with_salt(password, 10, random)?.to_string(),
        PasswordMethod::Argon2i | PasswordMethod::Argon2id => {
            let algorithm = if method == PasswordMethod::Argon2i {
                Algorithm::Argon2i
            } else {
                Algorithm::Argon2id
            };
            let salt =
                SaltString::encode_b64(&random).map_err(|e| anyhow::anyhow!("argon2 salt: {e}"))?;
            php_argon2(algorithm)
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
                .to_string()
        }
        PasswordMethod::Sha256 => salted_hex::<Sha256>(password, salt),
        PasswordMethod::Sha3 => salted_hex::<Sha3_256>(password, salt),
        PasswordMethod::Md5 => salted_hex::<Md5>(password, salt),
    })
}

/// Checks `password` against a stored hash of any supported format, whichever method made it.
pub fn verify_password(password: &str, stored: &str, salt: &str) -> bool {
    let stored = stored.trim();
    if stored.starts_with("$2") {
        // PHP writes `$2y$`; the bcrypt crate accepts it.
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    if stored.starts_with("$argon2") {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        return Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    }
    let is_hex = stored.bytes().all(|b| b.is_ascii_hexdigit());
    let stored = stored.to_ascii_lowercase();
    let candidates: Vec<String> = match (is_hex, stored.len()) {
        (true, 32) => vec![salted_hex::<Md5>(password, salt)],
        (true, 64) => vec![
            salted_hex::<Sha256>(password, salt),
            salted_hex::<Sha3_256>(password, salt),
        ],
        _ => return false,
    };
    candidates
        .iter()
        .any(|c| bool::from(c.as_bytes().ct_eq(stored.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_round_trips() {
        for m in ["bcrypt", "argon2i", "argon2id", "sha256", "sha3", "md5"] {
            let method = PasswordMethod::parse(m).unwrap();
            let h = hash_password("hunter22", method, "pepper", [7; 16]).unwrap();
            assert!(verify_password("hunter22", &h, "pepper"), "{m}");
            assert!(!verify_password("hunter23", &h, "pepper"), "{m}");
        }
    }

    #[test]
    fn hex_methods_match_php_hash_of_password_and_salt() {
        // php -r 'echo hash("sha256", "password" . "salt");'
        assert!(verify_password(
            "password",
            "7a37b85c8918eac19a9089c0fa5a2ab4dce3f90528dcdeec108b23ddf3607b99",
            "salt"
        ));
        // php -r 'echo md5("password" . "salt");'
        assert!(verify_password(
            "password",
            "b305cadbb3bce54f3aa59c64fec00dea",
            "salt"
        ));
        // The salt matters.
        assert!(!verify_password(
            "password",
            "b305cadbb3bce54f3aa59c64fec00dea",
            "other"
        ));
    }

    #[test]
    fn php_bcrypt_2y_prefix_verifies() {
        let h = bcrypt::hash("secret", 4)
            .unwrap()
            .replacen("$2b$", "$2y$", 1);
        assert!(verify_password("secret", &h, ""));
    }

    #[test]
    fn argon2_hash_uses_php_defaults() {
        let h = hash_password("x", PasswordMethod::Argon2id, "", [9; 16]).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=65536,t=4,p=1$"), "{h}");
    }

    #[test]
    fn garbage_never_verifies() {
        assert!(!verify_password("", "", ""));
        assert!(!verify_password("x", "not-a-hash", ""));
        assert!(!verify_password("x", "$argon2id$broken", ""));
    }
}
