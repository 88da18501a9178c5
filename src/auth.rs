//! Who is calling: user JWTs (HS256, `sub` = user id) and node MU keys, as axum extractors so a
//! handler's signature states what it requires.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::ApiError;
use crate::on_db;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &str, ttl_hours: i64) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            ttl_secs: ttl_hours.max(1) * 3600,
        }
    }

    pub fn issue(&self, user_id: i64) -> anyhow::Result<(String, i64)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.ttl_secs,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims.exp))
    }

    /// The user id of a valid, unexpired token.
    pub fn verify(&self, token: &str) -> Option<i64> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        data.claims.sub.parse().ok()
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
        let id = state
            .jwt
            .verify(token)
            .ok_or_else(|| ApiError::unauthorized("Invalid or expired token."))?;
        // A token outlives nothing: a disabled or deleted account is refused at once.
        let row: Option<(i64, i64)> = on_db!(&state.db, |p| sqlx::query_as(
            "SELECT `enable`, `is_admin` FROM `user` WHERE `id` = ?"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        match row {
            Some((1, is_admin)) => Ok(CurrentUser {
                id,
                is_admin: is_admin == 1,
            }),
            Some(_) => Err(ApiError::unauthorized("This account is disabled.")),
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
        let (token, _) = keys.issue(42).unwrap();
        assert_eq!(keys.verify(&token), Some(42));
        let other = JwtKeys::new("another-secret-0123456", 1);
        assert_eq!(other.verify(&token), None);
        assert_eq!(keys.verify("garbage"), None);
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
