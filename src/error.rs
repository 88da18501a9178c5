//! The one error type of the HTTP layer and the JSON envelope it renders.
//!
//! When to use which:
//! - `BadRequest`: the request can't be parsed (malformed JSON, wrong content).
//! - `Validation`: it parses but a field's value is not acceptable (422, with field errors).
//! - `Unauthorized`: no or invalid credentials. `Forbidden`: valid credentials, not allowed.
//! - `NotFound`, `Conflict` (duplicate, insufficient balance, state clash), `RateLimited`.
//! - `Unavailable`: a dependency (database) is down. `BadGateway`: an upstream API (a payment
//!   gateway) answered with an error. `Internal`: a bug; logged, never detailed.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::db::retry::Conflict;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub msg: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, msg: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            msg: msg.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{msg}")]
    Validation {
        msg: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    BadGateway(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        ApiError::NotFound(msg.into())
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        ApiError::Conflict(msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ApiError::Forbidden(msg.into())
    }
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        ApiError::Unauthorized(msg.into())
    }
    /// A 422 about one field.
    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        let msg = msg.into();
        ApiError::Validation {
            msg: msg.clone(),
            errors: vec![FieldError::new(field, msg)],
        }
    }
    /// A 422 from collected field errors.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let msg = errors
            .first()
            .map(|e| format!("{}: {}", e.field, e.msg))
            .unwrap_or_else(|| "Invalid input.".into());
        ApiError::Validation { msg, errors }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            // Still conflicting after every retry: nothing was written; the client may try again.
            ApiError::Internal(e) if e.is_conflict() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %err, "database unavailable");
                ApiError::Unavailable("Database unavailable, try again shortly.".into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl Conflict for ApiError {
    fn is_conflict(&self) -> bool {
        matches!(self, ApiError::Internal(e) if e.is_conflict())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Internal(err) if err.is_conflict() => {
                tracing::warn!(error = %err, "write conflict after every retry; nothing written");
                json!({"ret": 0, "msg": "A conflicting change was being saved; nothing was written. Try again.", "data": null})
            }
            ApiError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                json!({"ret": 0, "msg": "Internal server error.", "data": null})
            }
            ApiError::Validation { msg, errors } => {
                json!({"ret": 0, "msg": msg, "data": null, "errors": errors})
            }
            other => json!({"ret": 0, "msg": other.to_string(), "data": null}),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Busy or briefly without its database: worth another try in a moment.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        response
    }
}

/// The success envelope `{"ret":1,"msg":"ok","data":…}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// 1 on success.
    pub ret: i32,
    pub msg: &'static str,
    pub data: T,
}

pub fn ok<T: Serialize>(data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        ret: 1,
        msg: "ok",
        data,
    })
}
