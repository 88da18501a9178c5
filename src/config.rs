//! Process configuration: a TOML file plus `SPANEL_*` environment variables (which win).
//!
//! Operator settings that SSPanel keeps in its `config` table are not here: see `settings`.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub const DEFAULT_MU_KEY: &str = "spanel-default-mu-key";
pub const DEFAULT_JWT_SECRET: &str = "spanel-default-jwt-secret-change-me";
/// Shortest node key production accepts (XrayR's `ApiKey`, SSPanel's `muKey`).
const MIN_PRODUCTION_MU_KEY: usize = 16;
/// Shortest JWT secret production accepts: 32 bytes, the HS256 key size.
const MIN_PRODUCTION_JWT_SECRET: usize = 32;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `development` (default) or `production`.
    pub mode: String,
    pub listen: String,
    pub database_url: String,
    pub database_max_connections: u32,
    pub redis_url: Option<String>,
    /// One or more node keys, comma separated.
    pub mu_key: String,
    pub jwt_secret: String,
    pub jwt_ttl_hours: i64,
    pub debug: bool,
    /// SSPanel's `pwdMethod`: bcrypt, argon2i, argon2id, sha256, sha3, md5.
    pub password_method: String,
    /// SSPanel's `salt`, used by the hex password methods.
    pub password_salt: String,
    /// Public URL of the panel, used in links and gateway return addresses.
    pub base_url: String,
    pub max_body_bytes: usize,
    pub min_port: i64,
    pub max_port: i64,
    /// Login attempts allowed per client IP per minute.
    pub login_ip_per_minute: i64,
    /// Failed logins allowed per account per 15 minutes.
    pub login_account_failures: i64,
    /// Failed logins allowed per client IP per 15 minutes, whatever accounts they tried.
    pub login_ip_failures: i64,
    /// Accounts that may be registered from one client IP per hour (0 = no limit).
    pub register_ip_per_hour: i64,
    /// Open (not closed) tickets one user may have at once.
    pub max_open_tickets: i64,
    /// Trust `X-Forwarded-For` / `X-Real-IP` for the client address (behind a reverse proxy).
    pub trust_proxy: bool,
    /// Gateway API base URLs can be overridden (tests point them at a local fake).
    pub gateway_base_urls: std::collections::BTreeMap<String, String>,
    /// `version` reported to nodes on `/mod_mu/nodes/{id}/info`.
    pub node_api_version: String,
    /// Check that `/mod_mu` callers come from a known node IP (or loopback).
    pub check_node_ip: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>` (Prometheus'
    /// `authorization` setting); unset, it is open, for a scrape over a private network.
    pub metrics_token: Option<String>,
    /// IANA time zone of SSPanel's DATETIME columns: PHP SSPanel's `timeZone` (often
    /// `Asia/Shanghai`), so both panels read `expire_in`, `class_expire`… the same way.
    pub timezone: String,
    /// Run the in-process job scheduler.
    pub jobs_enabled: bool,
    /// Merge concurrent traffic reports into one transaction (group commit). Off = one
    /// transaction and one `UPDATE` per row per report: the benchmark baseline.
    pub traffic_batching: bool,
    /// Seconds the per-hour usage statistics (not the users' counters, which every commit
    /// updates) gather in memory before they are written with the next traffic commit; 0 writes
    /// them with every commit. A crash loses at most this much of the statistics.
    pub usage_stats_flush_secs: u64,
    /// Seconds a node's serialized user list may be served from memory.
    pub node_list_cache_secs: u64,
    /// Log as JSON lines instead of text.
    pub log_json: bool,
    /// A directory whose e-mail templates (same file names as `templates/email/`) replace the
    /// built-in ones.
    pub email_templates_dir: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: "development".into(),
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://spanel.db".into(),
            database_max_connections: 32,
            redis_url: None,
            mu_key: DEFAULT_MU_KEY.into(),
            jwt_secret: DEFAULT_JWT_SECRET.into(),
            jwt_ttl_hours: 24 * 7,
            debug: false,
            password_method: "argon2id".into(),
            password_salt: String::new(),
            base_url: "http://127.0.0.1:8080".into(),
            max_body_bytes: 8 * 1024 * 1024,
            min_port: 10000,
            max_port: 65000,
            login_ip_per_minute: 30,
            login_account_failures: 10,
            login_ip_failures: 50,
            register_ip_per_hour: 10,
            max_open_tickets: 5,
            trust_proxy: false,
            gateway_base_urls: Default::default(),
            node_api_version: "2023.2".into(),
            check_node_ip: false,
            metrics_token: None,
            timezone: "UTC".into(),
            jobs_enabled: true,
            traffic_batching: true,
            usage_stats_flush_secs: 10,
            node_list_cache_secs: 5,
            log_json: false,
            email_templates_dir: None,
        }
    }
}

impl Config {
    /// Defaults, then the TOML file (if given), then `SPANEL_*` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            anyhow::ensure!(path.exists(), "config file {} not found", path.display());
            fig = fig.merge(Toml::file(path));
        }
        let config: Config = fig
            .merge(Env::prefixed("SPANEL_").ignore(&["config"]))
            .extract()?;
        Ok(config)
    }

    pub fn is_production(&self) -> bool {
        self.mode.trim().eq_ignore_ascii_case("production")
    }

    pub fn mu_keys(&self) -> impl Iterator<Item = &str> {
        self.mu_key
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }

    /// Problems that make this configuration unsafe or unusable; production refuses to start on any.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.mu_keys().next().is_none() {
            out.push("SPANEL_MU_KEY is empty".to_string());
        }
        if self.jwt_secret.len() < 16 {
            out.push("SPANEL_JWT_SECRET must be at least 16 characters".to_string());
        }
        if crate::domain::password::PasswordMethod::parse(&self.password_method).is_none() {
            out.push(format!(
                "SPANEL_PASSWORD_METHOD '{}' is not one of bcrypt, argon2i, argon2id, sha256, sha3, md5",
                self.password_method
            ));
        }
        if self.datetime_zone().is_none() {
            out.push(format!(
                "SPANEL_TIMEZONE '{}' is not an IANA time zone such as UTC or Asia/Shanghai",
                self.timezone
            ));
        }
        if self.min_port <= 0 || self.max_port > 65535 || self.min_port >= self.max_port {
            out.push("min_port..max_port must be a range inside 1..65535".to_string());
        }
        let mode = self.mode.trim().to_ascii_lowercase();
        if mode != "development" && mode != "production" {
            out.push(format!(
                "SPANEL_MODE '{}' is neither development nor production",
                self.mode
            ));
        }
        if self.is_production() {
            if let Some(short) = self.mu_keys().find(|k| k.len() < MIN_PRODUCTION_MU_KEY) {
                out.push(format!(
                    "production mode needs node keys of at least {MIN_PRODUCTION_MU_KEY} characters (one is {})",
                    short.len()
                ));
            }
            if self.jwt_secret.len() < MIN_PRODUCTION_JWT_SECRET {
                out.push(format!(
                    "production mode needs a SPANEL_JWT_SECRET of at least {MIN_PRODUCTION_JWT_SECRET} characters"
                ));
            }
            if self
                .metrics_token
                .as_ref()
                .is_some_and(|t| t.len() < MIN_PRODUCTION_MU_KEY)
            {
                out.push(format!(
                    "production mode needs a SPANEL_METRICS_TOKEN of at least {MIN_PRODUCTION_MU_KEY} characters"
                ));
            }
            if self.mu_keys().any(|k| k == DEFAULT_MU_KEY) {
                out.push(
                    "production mode refuses the default MU key: set SPANEL_MU_KEY to a secret of your own"
                        .to_string(),
                );
            }
            if self.jwt_secret == DEFAULT_JWT_SECRET {
                out.push(
                    "production mode refuses the default JWT secret: set SPANEL_JWT_SECRET to a long random value"
                        .to_string(),
                );
            }
            if self.debug {
                out.push("production mode refuses SPANEL_DEBUG=true (it enables the debug payment endpoint)".to_string());
            }
        }
        out
    }

    pub fn datetime_zone(&self) -> Option<chrono_tz::Tz> {
        self.timezone.trim().parse().ok()
    }

    pub fn gateway_base_url(&self, gateway: &str, default: &str) -> String {
        self.gateway_base_urls
            .get(gateway)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_default_secrets() {
        let c = Config {
            mode: "production".into(),
            ..Config::default()
        };
        let p = c.problems().join("\n");
        assert!(p.contains("default MU key"));
        assert!(p.contains("default JWT secret"));
    }

    #[test]
    fn production_refuses_short_secrets_and_unknown_modes_are_errors() {
        let c = Config {
            mode: "production".into(),
            mu_key: "x".into(),
            jwt_secret: "short-but-not-default".into(),
            ..Config::default()
        };
        let p = c.problems().join("\n");
        assert!(p.contains("node keys of at least 16"), "{p}");
        assert!(p.contains("JWT_SECRET of at least 32"), "{p}");
        let ok = Config {
            mode: "Production".into(),
            mu_key: "k".repeat(16),
            jwt_secret: "s".repeat(32),
            ..Config::default()
        };
        assert!(ok.problems().is_empty(), "{:?}", ok.problems());
        for typo in ["prod", "dev", ""] {
            let c = Config {
                mode: typo.into(),
                ..Config::default()
            };
            assert!(c
                .problems()
                .join("")
                .contains("neither development nor production"));
        }
    }

    #[test]
    fn development_accepts_defaults() {
        assert!(Config::default().problems().is_empty());
    }

    #[test]
    fn several_mu_keys() {
        let c = Config {
            mu_key: "a, b ,".into(),
            ..Config::default()
        };
        assert_eq!(c.mu_keys().collect::<Vec<_>>(), vec!["a", "b"]);
    }
}
