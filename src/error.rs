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
pub use crate::domain::FieldError;
use crate::service::error::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request can't be parsed (malformed JSON, wrong content).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// What a use case refused or failed with.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        ServiceError::not_found(msg).into()
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        ServiceError::conflict(msg).into()
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ServiceError::forbidden(msg).into()
    }
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        ServiceError::unauthorized(msg).into()
    }
    pub fn unavailable(msg: impl Into<String>) -> Self {
        ServiceError::Unavailable(msg.into()).into()
    }
    /// A 422 about one field.
    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        ServiceError::invalid(field, msg).into()
    }
    /// A 422 from collected field errors.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        ServiceError::invalid_fields(errors).into()
    }

    pub fn status(&self) -> StatusCode {
        let service = match self {
            ApiError::BadRequest(_) => return StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => return StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Service(e) => e,
        };
        match service {
            ServiceError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::Conflict(_) => StatusCode::CONFLICT,
            ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // Still conflicting after every retry: nothing was written; the client may try again.
            ServiceError::Internal(e) if e.is_conflict() => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        ServiceError::Internal(err).into()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ServiceError::from(err).into()
    }
}

impl Conflict for ApiError {
    fn is_conflict(&self) -> bool {
        matches!(self, ApiError::Service(e) if e.is_conflict())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Service(ServiceError::Internal(err)) if err.is_conflict() => {
                tracing::warn!(error = %err, "write conflict after every retry; nothing written");
                json!({"ret": 0, "msg": "A conflicting change was being saved; nothing was written. Try again.", "data": null})
            }
            ApiError::Service(ServiceError::Internal(err)) => {
                tracing::error!(error = ?err, "internal error");
                json!({"ret": 0, "msg": "Internal server error.", "data": null})
            }
            ApiError::Service(ServiceError::Validation { msg, errors }) => {
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
