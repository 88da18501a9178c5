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

/// Sort keys of the audit rules.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RuleSort {
    Id,
    Name,
    Type,
}

/// Sort keys of the user list.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum UserSort {
    Id,
    Email,
    UserName,
    RegDate,
    Class,
    ClassExpire,
    ExpireIn,
    Money,
    Traffic,
    TransferEnable,
    Port,
    LastUsed,
}

/// Sort keys of the invite codes.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum InviteSort {
    Invited,
    Commission,
    Paybacks,
    UserId,
    InviteNum,
}

/// Sort keys of the commissions.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CommissionSort {
    Id,
    Datetime,
    RefGet,
    Total,
}

/// Sort keys of the mass e-mails.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum MailSort {
    Id,
    CreatedAt,
    Recipients,
    Subject,
}

/// A day, `YYYY-MM-DD` (UTC) with a real month day (29 February passes; the date parser refuses it
/// outside leap years), or empty for the default.
#[derive(ToSchema)]
#[schema(
    pattern = r"^$|^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$"
)]
pub struct Day(#[allow(dead_code)] String);
