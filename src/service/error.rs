//! The one error type of the use cases. It says what went wrong in the terms of the use case; the
//! HTTP layer (`crate::error::ApiError`) decides the status and the envelope.

use crate::domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An input's value is not acceptable (with the fields at fault).
    #[error("{msg}")]
    Validation {
        msg: String,
        errors: Vec<FieldError>,
    },
    /// No or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials, not allowed.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// A duplicate, an insufficient balance, a state clash.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    /// A dependency (the database, the hashing pool) is briefly unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// An upstream API (a payment gateway) answered with an error.
    #[error("{0}")]
    BadGateway(String),
    /// A bug or an unexpected failure: logged, never detailed to the caller.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn not_found(msg: impl Into<String>) -> Self {
        ServiceError::NotFound(msg.into())
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        ServiceError::Conflict(msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ServiceError::Forbidden(msg.into())
    }
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        ServiceError::Unauthorized(msg.into())
    }
    /// A broken rule about one field.
    pub fn invalid(field: &str, msg: impl Into<String>) -> Self {
        let msg = msg.into();
        ServiceError::Validation {
            msg: msg.clone(),
            errors: vec![FieldError::new(field, msg)],
        }
    }
    /// Whether the use case refused the request (bad input, not allowed, a state clash…), as
    /// opposed to failing.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            ServiceError::Unavailable(_) | ServiceError::BadGateway(_) | ServiceError::Internal(_)
        )
    }

    /// Broken rules about several fields.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let msg = errors
            .first()
            .map(|e| format!("{}: {}", e.field, e.msg))
            .unwrap_or_else(|| "Invalid input.".into());
        ServiceError::Validation { msg, errors }
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %err, "database unavailable");
                ServiceError::Unavailable("Database unavailable, try again shortly.".into())
            }
            other => ServiceError::Internal(other.into()),
        }
    }
}

impl crate::db::retry::Conflict for ServiceError {
    fn is_conflict(&self) -> bool {
        matches!(self, ServiceError::Internal(e) if crate::db::retry::Conflict::is_conflict(e))
    }
}
