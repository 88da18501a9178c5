//! Use cases: each runs the domain rules inside the transactions they need.

pub mod accounts;
pub mod payment;
pub mod rebate;
