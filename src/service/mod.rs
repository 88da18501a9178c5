//! Use cases: each runs the domain rules inside the transactions they need.

pub mod accounts;
pub mod admin;
pub mod admin_gateways;
pub mod admin_invites;
pub mod admin_mail;
pub mod admin_shop;
pub mod checkout;
pub mod email_templates;
pub mod hashing;
pub mod mail;
pub mod monitor;
pub mod node;
pub mod payment;
pub mod perks;
pub mod rebate;
pub mod renewal;
pub mod reports;
pub mod security;
pub mod selfservice;
pub mod shop;
pub mod subscription;
pub mod tradeno_index;
pub mod traffic;
pub mod user_lists;
