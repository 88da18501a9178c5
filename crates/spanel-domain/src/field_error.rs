//! A rule broken by one input field: which field, and why (shown to the user).

use serde::Serialize;
use utoipa::ToSchema;

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
