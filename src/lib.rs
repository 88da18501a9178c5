//! spanel: an SSPanel-UIM compatible panel backend in one binary.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub use spanel_domain as domain;
pub mod error;
pub mod gateways;
pub mod jobs;
pub mod kv;
pub mod metrics;
pub mod ops;
pub mod random;
pub mod service;
pub mod settings;
pub mod web;
