//! `spanel check-config`: the effective configuration (defaults, file, then `SPANEL_*`), printed
//! as TOML with every secret masked.

use crate::config::{Config, DEFAULT_JWT_SECRET, DEFAULT_MU_KEY};

/// A secret shown only as whether it is set (and whether it is the public default).
fn mask(value: &str, public_default: Option<&str>) -> String {
    if value.is_empty() {
        "(empty)".to_string()
    } else if Some(value) == public_default {
        "(the public default: set your own)".to_string()
    } else {
        format!("(set, {} characters)", value.chars().count())
    }
}

/// The configuration as TOML, secrets masked, URLs without passwords.
pub fn render(config: &Config) -> anyhow::Result<String> {
    let mut shown = config.clone();
    let keys: Vec<String> = config
        .mu_keys()
        .map(|k| mask(k, Some(DEFAULT_MU_KEY)))
        .collect();
    shown.mu_key = if keys.is_empty() {
        "(empty)".to_string()
    } else {
        keys.join(", ")
    };
    shown.jwt_secret = mask(&config.jwt_secret, Some(DEFAULT_JWT_SECRET));
    shown.password_salt = mask(&config.password_salt, None);
    shown.metrics_token = config.metrics_token.as_deref().map(|t| mask(t, None));
    shown.database_url = crate::cli::redact_url(&config.database_url);
    shown.redis_url = config.redis_url.as_deref().map(crate::cli::redact_url);
    Ok(format!(
        "# effective configuration (secrets masked)\n{}",
        toml::to_string(&shown)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_appear() {
        let config = Config {
            mu_key: "node-key-one,node-key-two".into(),
            jwt_secret: "a-very-secret-jwt-value".into(),
            password_salt: "pepper-value".into(),
            metrics_token: Some("scrape-token".into()),
            database_url: "mysql://sspanel:db-password@127.0.0.1:3306/sspanel".into(),
            redis_url: Some("redis://:redis-password@127.0.0.1:6379/".into()),
            ..Config::default()
        };
        let out = render(&config).unwrap();
        for secret in [
            "node-key-one",
            "node-key-two",
            "a-very-secret-jwt-value",
            "pepper-value",
            "scrape-token",
            "db-password",
            "redis-password",
        ] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
        assert!(out.contains("mu_key = \"(set, 12 characters), (set, 12 characters)\""));
        assert!(out.contains("listen = \"127.0.0.1:8080\""));
        assert!(out.contains("mysql://sspanel:***@127.0.0.1:3306/sspanel"));
        // The printout is TOML that loads back.
        let parsed: toml::Value = toml::from_str(&out).unwrap();
        assert_eq!(parsed["timezone"].as_str(), Some("UTC"));
    }

    #[test]
    fn defaults_are_called_out() {
        let out = render(&Config::default()).unwrap();
        assert!(out.contains("jwt_secret = \"(the public default: set your own)\""));
    }
}
