//! Operator commands: `doctor`, `migrate`, `backup`, `check-config`'s printout, the container
//! health check, and the first administrator at start-up.

pub mod backup;
pub mod doctor;
pub mod effective_config;
pub mod migrate;

use crate::app::AppState;
use crate::db::migrations;

/// What start-up did about administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAdmin {
    /// spanel created this database and it had no administrator: one was made (shown once).
    Created { email: String, password: String },
    /// There is an administrator already.
    Exists,
    /// Someone else's database (PHP SSPanel's, or one spanel did not create) without an
    /// administrator: nothing was added; the operator runs `spanel create-admin`.
    Missing,
}

pub const FIRST_ADMIN_EMAIL: &str = "admin@spanel.local";

/// Creates the first administrator only in a database whose schema spanel created itself; never
/// adds an account to someone else's database.
pub async fn first_admin(state: &AppState) -> anyhow::Result<FirstAdmin> {
    if crate::db::users::admin_count(&state.db).await? > 0 {
        return Ok(FirstAdmin::Exists);
    }
    if migrations::meta(&state.db, migrations::CREATED_SCHEMA)
        .await?
        .is_none()
    {
        return Ok(FirstAdmin::Missing);
    }
    let password = crate::random::random_token(16);
    match crate::service::accounts::create_admin(state, FIRST_ADMIN_EMAIL, &password).await {
        Ok(_) => Ok(FirstAdmin::Created {
            email: FIRST_ADMIN_EMAIL.to_string(),
            password,
        }),
        Err(e) => {
            // Another instance starting at the same moment made it first. On a Galera cluster
            // its row may reach this node a moment after the conflict did.
            for _ in 0..20 {
                if crate::db::users::admin_count(&state.db).await? > 0 {
                    return Ok(FirstAdmin::Exists);
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            anyhow::bail!("creating the first administrator: {e}")
        }
    }
}

/// `spanel healthcheck`: exits 0 when `/healthz` answers 2xx (the container HEALTHCHECK; the
/// runtime image has no curl).
pub async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let resp = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()?
        .get(url)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "{url} answered {}",
        resp.status()
    );
    Ok(())
}

/// The URL of `/healthz` on the configured listen address (0.0.0.0 is reached on loopback).
pub fn healthz_url(listen: &str) -> String {
    let addr = listen
        .replacen("0.0.0.0:", "127.0.0.1:", 1)
        .replacen("[::]:", "[::1]:", 1);
    format!("http://{addr}/healthz")
}
