//! Enumerations the OpenAPI document states for text parameters the services read as strings.

#![allow(dead_code)] // Only their schemas are used.

use utoipa::ToSchema;

/// A sort direction.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// A period of totals.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

/// The users a mass e-mail goes to.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum MailSegment {
    All,
    Paying,
    Expiring,
    Class,
    NodeGroup,
}
