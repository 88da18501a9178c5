//! Who is calling: user JWTs (HS256, `sub` = user id) and node MU keys, as axum extractors so a
//! handler's signature states what it requires.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::ApiError;

/// A session token's claims. `gen` and `pwd` tie it to the account's state when it was issued, so
/// tokens are revoked without a token list: `gen` is the account's session generation
/// (`spanel_user_session`, raised by "log out everywhere"), `pwd` a keyed fingerprint of the
/// password hash (`user.pass`), so any password change — here, by an administrator, by a reset
/// link, or in PHP SSPanel on the same database — ends every earlier session.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub r#gen: i64,
    pub pwd: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    fingerprint_key: Vec<u8>,
    ttl_secs: i64,
}

/// What a token must still match to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub generation: i64,
    pub pwd: String,
}

impl JwtKeys {
    pub fn new(secret: &str, ttl_hours: i64) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            fingerprint_key: [b"spanel-password-fingerprint:", secret.as_bytes()].concat(),
            ttl_secs: ttl_hours.max(1) * 3600,
        }
    }

    /// A short keyed fingerprint of a password hash: it changes whenever the hash does, and
    /// tells nothing about the password to whoever reads the (unencrypted) token.
    pub fn password_fingerprint(&self, pass_hash: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.fingerprint_key)
            .expect("HMAC takes any key length");
        mac.update(pass_hash.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..12])
    }

    /// A token for `user_id` whose password hash is `pass_hash` and session generation
    /// `generation`; returns it with its expiry (unix seconds).
    pub fn issue(
        &self,
        user_id: i64,
        generation: i64,
        pass_hash: &str,
    ) -> anyhow::Result<(String, i64)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.ttl_secs,
            r#gen: generation,
            pwd: self.password_fingerprint(pass_hash),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims.exp))
    }

    /// The session of a well-signed, unexpired token (no leeway past `exp`); the caller checks
    /// it against the account.
    pub fn verify(&self, token: &str) -> Option<Session> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        Some(Session {
            user_id: data.claims.sub.parse().ok()?,
            generation: data.claims.r#gen,
            pwd: data.claims.pwd,
        })
    }
}

/// A logged-in, enabled user.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser {
    pub id: i64,
    pub is_admin: bool,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::unauthorized("Log in first: a Bearer token is required."))?;
        let session = state
            .jwt
            .verify(token)
            .ok_or_else(|| ApiError::unauthorized("Invalid or expired token."))?;
        let id = session.user_id;
        // A token outlives nothing: a disabled or deleted account, a changed password or a
        // "log out everywhere" refuse it at once (one indexed read per request).
        let row = crate::db::security::session_state(&state.db, id).await?;
        match row {
            Some(s) if s.enable != 1 => Err(ApiError::unauthorized("This account is disabled.")),
            Some(s)
                if s.generation == session.generation
                    && bool::from(
                        state
                            .jwt
                            .password_fingerprint(&s.pass)
                            .as_bytes()
                            .ct_eq(session.pwd.as_bytes()),
                    ) =>
            {
                Ok(CurrentUser {
                    id,
                    is_admin: s.is_admin == 1,
                })
            }
            Some(_) => Err(ApiError::unauthorized(
                "This session has ended (password changed or logged out everywhere); log in again.",
            )),
            None => Err(ApiError::unauthorized("Invalid or expired token.")),
        }
    }
}

/// A logged-in user with `user.is_admin = 1`.
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub CurrentUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !user.is_admin {
            return Err(ApiError::forbidden("Administrators only."));
        }
        Ok(AdminUser(user))
    }
}

/// Constant-time comparison of a presented secret against the configured ones.
pub fn secret_matches<'a>(presented: &str, accepted: impl IntoIterator<Item = &'a str>) -> bool {
    let mut found = false;
    for key in accepted {
        // Evaluate every key so timing does not tell which one (or whether any) matched.
        found |= bool::from(presented.as_bytes().ct_eq(key.as_bytes()));
    }
    found
}

/// A caller holding a valid MU (node) key: header `Key`, or query `key` / `muKey`.
#[derive(Debug, Clone, Copy)]
pub struct NodeKey;

impl FromRequestParts<AppState> for NodeKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get("key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let query = parts
            .uri
            .query()
            .and_then(|q| url_query_value(q, "key").or_else(|| url_query_value(q, "muKey")));
        let presented = header.or(query).unwrap_or_default();
        if !presented.is_empty() && secret_matches(&presented, state.config.mu_keys()) {
            Ok(NodeKey)
        } else {
            Err(ApiError::unauthorized("Invalid request."))
        }
    }
}

fn url_query_value(query: &str, name: &str) -> Option<String> {
    serde_urlencoded_pairs(query)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_round_trip_and_tamper() {
        let keys = JwtKeys::new("0123456789abcdef0123", 1);
        let (token, _) = keys.issue(42, 3, "$2y$10$hash").unwrap();
        let session = keys.verify(&token).unwrap();
        assert_eq!((session.user_id, session.generation), (42, 3));
        assert_eq!(session.pwd, keys.password_fingerprint("$2y$10$hash"));
        assert_ne!(session.pwd, keys.password_fingerprint("$2y$10$other"));
        let other = JwtKeys::new("another-secret-0123456", 1);
        assert_eq!(other.verify(&token), None);
        assert_eq!(keys.verify("garbage"), None);
        // The fingerprint is keyed: another secret gives another one.
        assert_ne!(
            other.password_fingerprint("$2y$10$hash"),
            keys.password_fingerprint("$2y$10$hash")
        );
    }

    #[test]
    fn expired_tokens_get_no_leeway() {
        let keys = JwtKeys::new("0123456789abcdef0123", 1);
        let claims = Claims {
            sub: "7".into(),
            iat: chrono::Utc::now().timestamp() - 100,
            exp: chrono::Utc::now().timestamp() - 2,
            r#gen: 0,
            pwd: keys.password_fingerprint("x"),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&token), None);
    }

    #[test]
    fn secret_matching() {
        assert!(secret_matches("b", ["a", "b"]));
        assert!(!secret_matches("c", ["a", "b"]));
        assert!(!secret_matches("", ["a"]));
    }

    #[test]
    fn query_values() {
        assert_eq!(
            url_query_value("node_id=1&key=a%20b", "key").as_deref(),
            Some("a b")
        );
        assert_eq!(url_query_value("muKey=x", "key"), None);
    }
}
