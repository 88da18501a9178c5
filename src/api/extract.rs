//! Request extractors whose failures become envelope errors instead of axum's plain-text ones.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::{ApiError, FieldError};

/// A JSON body. Malformed JSON is a 400; a well-formed body with a missing or mistyped field is a
/// 422 naming the field; an oversized body is a 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("Request body is too large.".into())
            } else {
                ApiError::bad_request("Could not read the request body.")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("Request body must be a JSON object."));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." {
                    "body".to_string()
                } else {
                    path
                };
                let msg = clean_serde_message(&inner.to_string());
                ApiError::invalid_fields(vec![FieldError::new(field, msg)])
            }
            _ => ApiError::bad_request(format!(
                "Malformed JSON: {}",
                clean_serde_message(&inner.to_string())
            )),
        }
    })
}

/// serde's messages end with " at line 1 column 9"; the field name says more to a client.
fn clean_serde_message(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Query parameters. A missing or mistyped parameter is a 422 envelope instead of axum's
/// plain-text 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::invalid("query", e.body_text()))
    }
}

/// The client's address: the socket peer, or the proxy headers when `trust_proxy` is on.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config.trust_proxy {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .or_else(|| parts.headers.get("x-real-ip").and_then(|v| v.to_str().ok()))
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip.to_string()));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into());
        Ok(ClientIp(peer))
    }
}

/// The request's `Idempotency-Key` header, if any (a value that is not text is passed on as an
/// empty key, which the service refuses).
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IdempotencyKey(parts.headers.get("idempotency-key").map(
            |v| v.to_str().map(str::to_string).unwrap_or_default(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        a: i64,
    }

    #[test]
    fn syntax_errors_are_400_and_type_errors_422() {
        assert_eq!(parse_json::<Body>(b"{").unwrap_err().status(), 400);
        assert_eq!(parse_json::<Body>(b"").unwrap_err().status(), 400);
        let e = parse_json::<Body>(br#"{"a":"x"}"#).unwrap_err();
        assert_eq!(e.status(), 422);
        match e {
            ApiError::Service(crate::service::error::ServiceError::Validation {
                errors, ..
            }) => assert_eq!(errors[0].field, "a"),
            other => panic!("{other:?}"),
        }
        let e = parse_json::<Body>(b"{}").unwrap_err();
        assert_eq!(e.status(), 422);
    }
}
