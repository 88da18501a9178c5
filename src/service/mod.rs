//! Use cases: each runs the domain rules inside the transactions they need.

pub mod accounts;
pub mod node;
pub mod rebate;
pub mod traffic;
pub mod admin;
pub mod mail;
pub mod monitor;
pub mod reports;
