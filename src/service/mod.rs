//! Use cases: each runs the domain rules inside the transactions they need.

/// Declares a view: a type the API answers with, holding the fields it copies from a database
/// record (records are never response types, so the public contract does not follow the tables).
macro_rules! view {
    ($(#[$meta:meta])* pub struct $view:ident from $row:path {
        $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $view {
            $($(#[$fmeta])* pub $field: $ty),*
        }

        impl From<$row> for $view {
            fn from(r: $row) -> Self {
                $view { $($field: r.$field),* }
            }
        }
    };
}

pub mod accounts;
pub mod admin;
pub mod admin_charts;
pub mod admin_detect;
pub mod admin_gateways;
pub mod admin_invites;
pub mod admin_mail;
pub mod admin_settings;
pub mod admin_shop;
pub mod admin_users;
pub mod checkout;
pub mod doc;
pub mod email_templates;
pub mod error;
pub mod hashing;
pub mod mail;
pub mod monitor;
pub mod node;
pub mod payment;
pub mod perks;
pub mod rebate;
pub mod renewal;
pub mod report_rollup;
pub mod reports;
pub mod security;
pub mod selfservice;
pub mod shop;
pub mod subscription;
pub mod tradeno_index;
pub mod traffic;
pub mod user_lists;
