//! Operator settings kept in SSPanel's `config` table (`item`, `value`), so PHP SSPanel and spanel
//! agree. Read through a short-lived cache; a missing row falls back to the default listed here.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use tokio::sync::RwLock;

use crate::db::Db;

pub mod catalog;

/// A setting spanel knows: (item, default value, class, is_public, type, description).
pub struct KnownSetting {
    pub item: &'static str,
    pub default: &'static str,
    pub class: &'static str,
    pub kind: &'static str,
    pub mark: &'static str,
}

const fn s(
    item: &'static str,
    default: &'static str,
    class: &'static str,
    kind: &'static str,
    mark: &'static str,
) -> KnownSetting {
    KnownSetting {
        item,
        default,
        class,
        kind,
        mark,
    }
}

/// The settings spanel reads, with SSPanel's item names where SSPanel has them.
pub const KNOWN: &[KnownSetting] = &[
    s(
        "reg_mode",
        "open",
        "register",
        "string",
        "Registration: open, invite or close",
    ),
    s(
        "reg_email_verify",
        "0",
        "register",
        "bool",
        "Sign-up needs a code sent by e-mail",
    ),
    s(
        "email_verify_ttl",
        "3600",
        "register",
        "int",
        "Seconds a sign-up e-mail code works",
    ),
    s(
        "email_verify_ip_limit",
        "5",
        "register",
        "int",
        "Open sign-up e-mail codes allowed per client address",
    ),
    s(
        "enable_checkin",
        "1",
        "feature",
        "bool",
        "Users may check in daily for traffic",
    ),
    s(
        "checkin_min",
        "1",
        "feature",
        "int",
        "Least traffic of a daily check-in (MB)",
    ),
    s(
        "checkin_max",
        "50",
        "feature",
        "int",
        "Most traffic of a daily check-in (MB)",
    ),
    s(
        "login_alert",
        "1",
        "feature",
        "bool",
        "E-mail users when their account logs in from a new address",
    ),
    s(
        "enable_kill",
        "0",
        "feature",
        "bool",
        "Users may delete their own account",
    ),
    s(
        "user_methods",
        crate::domain::proxy::DEFAULT_METHODS,
        "feature",
        "string",
        "Shadowsocks methods users may choose (comma separated)",
    ),
    s(
        "user_protocols",
        crate::domain::proxy::DEFAULT_PROTOCOLS,
        "feature",
        "string",
        "ShadowsocksR protocols users may choose",
    ),
    s(
        "user_obfs",
        crate::domain::proxy::DEFAULT_OBFS,
        "feature",
        "string",
        "ShadowsocksR obfuscations users may choose",
    ),
    s(
        "sign_up_for_free_traffic",
        "20",
        "register",
        "int",
        "Traffic given at sign-up (GB)",
    ),
    s(
        "sign_up_for_free_time",
        "7",
        "register",
        "int",
        "Account days given at sign-up",
    ),
    s(
        "sign_up_for_class",
        "0",
        "register",
        "int",
        "Class given at sign-up",
    ),
    s(
        "sign_up_for_class_time",
        "7",
        "register",
        "int",
        "Days of the sign-up class",
    ),
    s(
        "sign_up_for_method",
        "aes-128-gcm",
        "register",
        "string",
        "Default SS method",
    ),
    s(
        "sign_up_for_protocol",
        "origin",
        "register",
        "string",
        "Default SSR protocol",
    ),
    s(
        "sign_up_for_protocol_param",
        "",
        "register",
        "string",
        "Default protocol parameter",
    ),
    s(
        "sign_up_for_obfs",
        "plain",
        "register",
        "string",
        "Default SSR obfs",
    ),
    s(
        "sign_up_for_obfs_param",
        "",
        "register",
        "string",
        "Default obfs parameter",
    ),
    s(
        "sign_up_for_daily_report",
        "0",
        "register",
        "bool",
        "Daily usage mail by default",
    ),
    s(
        "sign_up_for_invitation_codes",
        "10",
        "register",
        "int",
        "Invitations a new user may give",
    ),
    s(
        "connection_device_limit",
        "0",
        "register",
        "int",
        "Device limit of new users (0 = none)",
    ),
    s(
        "connection_rate_limit",
        "0",
        "register",
        "int",
        "Speed limit of new users in Mbps (0 = none)",
    ),
    s(
        "invitation_to_register_balance_reward",
        "1",
        "invite",
        "int",
        "Inviter's money reward per sign-up",
    ),
    s(
        "invitation_to_register_traffic_reward",
        "10",
        "invite",
        "int",
        "Inviter's traffic reward per sign-up (GB)",
    ),
    s(
        "invitation_mode",
        "after_recharge",
        "invite",
        "string",
        "Commission: after_recharge, after_purchase or none",
    ),
    s(
        "invite_rebate_mode",
        "continued",
        "invite",
        "string",
        "continued, limit_frequency, limit_amount, limit_time_range",
    ),
    s(
        "rebate_ratio",
        "0.2",
        "invite",
        "string",
        "Commission ratio",
    ),
    s(
        "rebate_frequency_limit",
        "3",
        "invite",
        "string",
        "Commission count limit per payer",
    ),
    s(
        "rebate_amount_limit",
        "100",
        "invite",
        "int",
        "Commission amount limit per payer",
    ),
    s(
        "rebate_time_range_limit",
        "180",
        "invite",
        "int",
        "Commission window after the payer's sign-up (days)",
    ),
    s(
        "rebate_levels",
        "",
        "invite",
        "string",
        "Multi-level ratios, e.g. 0.2,0.05 (empty = rebate_ratio only)",
    ),
    s(
        "enable_bought_reset",
        "1",
        "shop",
        "bool",
        "Buying a plan resets used traffic",
    ),
    s(
        "enable_bought_extend",
        "1",
        "shop",
        "bool",
        "Buying the same class extends its expiry",
    ),
    s(
        "class_expire_reset_traffic",
        "0",
        "shop",
        "int",
        "Traffic (GB) left when a class expires; -1 keeps it",
    ),
    s(
        "notify_limit_mode",
        "false",
        "notify",
        "string",
        "Low-traffic e-mail for paying users: false (off), per (percent left) or mb (MB left)",
    ),
    s(
        "notify_limit_value",
        "20",
        "notify",
        "int",
        "The low-traffic threshold: percent or MB left, per notify_limit_mode",
    ),
    s(
        "keep_connect",
        "0",
        "node",
        "bool",
        "Keep over-quota users listed at 1 Mbps",
    ),
    s(
        "enable_hourly_usage",
        "1",
        "node",
        "bool",
        "Record hourly usage rows",
    ),
    s(
        "node_offline_timeout",
        "300",
        "node",
        "int",
        "Seconds without heartbeat before a node is offline",
    ),
    s(
        "payment_gateway",
        "[]",
        "pay",
        "array",
        "Enabled gateways (JSON list)",
    ),
    s("recharge_min", "1", "pay", "int", "Smallest top-up"),
    s(
        "app_name",
        "spanel",
        "site",
        "string",
        "Site name (subscription file names)",
    ),
    s(
        "sub_clash_template",
        "",
        "subscribe",
        "string",
        "Clash YAML template: proxy-groups and rules; {{proxies}} expands to every proxy name (empty = built-in)",
    ),
    s(
        "subscribe_rate_limit_per_hour",
        "60",
        "subscribe",
        "int",
        "Subscription fetches per token per hour (0 = unlimited)",
    ),
    s("recharge_max", "10000", "pay", "int", "Largest top-up"),
    s("epay_url", "", "pay", "string", "EPay gateway URL"),
    s("epay_pid", "", "pay", "string", "EPay merchant id"),
    s("epay_key", "", "pay", "string", "EPay merchant key"),
    s(
        "stripe_sk",
        "",
        "pay",
        "string",
        "Stripe secret API key",
    ),
    s(
        "stripe_webhook_key",
        "",
        "pay",
        "string",
        "Stripe webhook endpoint secret (whsec_…)",
    ),
    s("stripe_currency", "usd", "pay", "string", "Stripe currency"),
    s("f2f_pay_app_id", "", "pay", "string", "Alipay F2F app id"),
    s(
        "f2f_pay_private_key",
        "",
        "pay",
        "string",
        "Alipay F2F app private key (PEM or base64)",
    ),
    s(
        "f2f_pay_public_key",
        "",
        "pay",
        "string",
        "Alipay public key (PEM or base64)",
    ),
    s("wechat_appid", "", "pay", "string", "WeChat Pay app id"),
    s(
        "wechat_mchid",
        "",
        "pay",
        "string",
        "WeChat Pay merchant id",
    ),
    s(
        "wechat_serial_no",
        "",
        "pay",
        "string",
        "WeChat Pay merchant certificate serial",
    ),
    s(
        "wechat_private_key",
        "",
        "pay",
        "string",
        "WeChat Pay merchant private key (PEM)",
    ),
    s(
        "wechat_platform_public_key",
        "",
        "pay",
        "string",
        "WeChat Pay platform public key (PEM)",
    ),
    s(
        "wechat_apiv3_key",
        "",
        "pay",
        "string",
        "WeChat Pay APIv3 key (32 characters)",
    ),
    s(
        "paypal_mode",
        "sandbox",
        "pay",
        "string",
        "PayPal environment: sandbox or live",
    ),
    s("paypal_client_id", "", "pay", "string", "PayPal REST app client id"),
    s(
        "paypal_client_secret",
        "",
        "pay",
        "string",
        "PayPal REST app secret",
    ),
    s(
        "paypal_currency",
        "USD",
        "pay",
        "string",
        "PayPal currency (ISO 4217, e.g. USD)",
    ),
    s(
        "paypal_webhook_id",
        "",
        "pay",
        "string",
        "PayPal webhook id (developer dashboard); webhooks are verified through PayPal's API with it",
    ),
    s(
        "paypal_locale",
        "",
        "pay",
        "string",
        "PayPal checkout language, e.g. en-US (empty = PayPal decides)",
    ),
    s("wechat_v2_appid", "", "pay", "string", "WeChat Pay v2 (XML) app id"),
    s("wechat_v2_mchid", "", "pay", "string", "WeChat Pay v2 (XML) merchant id"),
    s("wechat_v2_key", "", "pay", "string", "WeChat Pay v2 API key"),
    s(
        "wechat_v2_sign_type",
        "MD5",
        "pay",
        "string",
        "WeChat Pay v2 signature: MD5 or HMAC-SHA256",
    ),
    s(
        "yft_url",
        "",
        "pay",
        "string",
        "Yft order page (empty = https://payment.pi.do/pay/subOrder/zfb)",
    ),
    s("yft_secret", "", "pay", "string", "Yft merchant secret"),
    s(
        "yft_notify_ips",
        "",
        "pay",
        "string",
        "Addresses Yft notifies from, comma separated (Yft's signature has no secret; none = every notify refused)",
    ),
    s("epusdt_url", "", "pay", "string", "epusdt server URL"),
    s("epusdt_token", "", "pay", "string", "epusdt API token"),
    s(
        "epay_providers",
        "[]",
        "pay",
        "array",
        "EPay-compatible providers: [{\"name\", \"label\", \"url\", \"pid\", \"key\", \"types\": [..]}]; enable each by name in payment_gateway",
    ),
    s(
        "smtp_host",
        "",
        "email",
        "string",
        "SMTP server (empty = no e-mail)",
    ),
    s("smtp_port", "465", "email", "int", "SMTP port"),
    s(
        "smtp_username",
        "",
        "email",
        "string",
        "SMTP login (empty = no AUTH)",
    ),
    s("smtp_password", "", "email", "string", "SMTP password"),
    s(
        "smtp_name",
        "spanel",
        "email",
        "string",
        "Sender display name",
    ),
    s("smtp_sender", "", "email", "string", "Sender address"),
    s(
        "smtp_ssl",
        "1",
        "email",
        "string",
        "1/ssl = implicit TLS, starttls, 0/none = plain",
    ),
    s(
        "email_language",
        "en",
        "email",
        "string",
        "Language of scheduled e-mails (expiry, traffic, renewal notices): en or zh-CN",
    ),
    s(
        "email_max_attempts",
        "5",
        "email",
        "int",
        "Sending attempts before a queued mail is given up",
    ),
    s(
        "email_per_minute",
        "50",
        "email",
        "int",
        "Queued e-mails sent per minute at most (1 to 1000)",
    ),
    s(
        "monitor_webhook_url",
        "",
        "monitor",
        "string",
        "URL receiving node down/up notices as JSON (empty = off)",
    ),
    s(
        "monitor_telegram_token",
        "",
        "monitor",
        "string",
        "Telegram bot token for node notices (empty = off)",
    ),
    s(
        "monitor_telegram_chat_id",
        "",
        "monitor",
        "string",
        "Telegram chat id for node notices",
    ),
    s(
        "monitor_email",
        "",
        "monitor",
        "string",
        "Address receiving node notices by e-mail (empty = off)",
    ),
    // SSPanel's automatic audit ban (its config.php names), read by the `detect_ban` job.
    s(
        "enable_auto_detect_ban",
        "0",
        "detect",
        "bool",
        "Disable users who keep hitting audit rules, for a time",
    ),
    s(
        "auto_detect_ban_type",
        "1",
        "detect",
        "int",
        "1 = ban every auto_detect_ban_number hits; 2 = the auto_detect_ban ladder",
    ),
    s(
        "auto_detect_ban_number",
        "30",
        "detect",
        "int",
        "Mode 1: hits since the last ban that trigger a ban",
    ),
    s(
        "auto_detect_ban_time",
        "60",
        "detect",
        "int",
        "Mode 1: minutes a ban lasts",
    ),
    s(
        "auto_detect_ban",
        r#"{"100":{"type":"time","time":120},"300":{"type":"time","time":720},"600":{"type":"time","time":4320},"1000":{"type":"kill"}}"#,
        "detect",
        "string",
        "Mode 2: total hits → ban minutes (kill = disabled until an operator enables)",
    ),
    s(
        "auto_detect_ban_allow_admin",
        "1",
        "detect",
        "bool",
        "Administrators are never banned automatically",
    ),
    s(
        "auto_detect_ban_allow_users",
        "",
        "detect",
        "string",
        "User ids never banned automatically, e.g. 1,2,3",
    ),
];

type Snapshot = Option<(Instant, Arc<HashMap<String, String>>)>;

#[derive(Clone)]
pub struct Settings {
    db: Db,
    cache: Arc<RwLock<Snapshot>>,
    refreshing: Arc<AtomicBool>,
    ttl: Duration,
}

impl Settings {
    pub fn new(db: Db) -> Settings {
        Settings {
            db,
            cache: Arc::new(RwLock::new(None)),
            refreshing: Arc::new(AtomicBool::new(false)),
            ttl: Duration::from_secs(5),
        }
    }

    async fn load(&self) -> sqlx::Result<Arc<HashMap<String, String>>> {
        let rows = crate::db::config::all_items(&self.db).await?;
        let map = Arc::new(rows.into_iter().collect::<HashMap<_, _>>());
        *self.cache.write().await = Some((Instant::now(), map.clone()));
        Ok(map)
    }

    /// The settings, at most `ttl` stale. Only the very first read waits for the database: later
    /// refreshes happen in the background, so a read inside a write transaction never needs a
    /// second pool connection (on SQLite that could wait on a writer that waits on this one).
    async fn snapshot(&self) -> sqlx::Result<Arc<HashMap<String, String>>> {
        let current = self.cache.read().await.clone();
        match current {
            Some((at, map)) => {
                if at.elapsed() >= self.ttl && !self.refreshing.swap(true, Ordering::AcqRel) {
                    let this = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = this.load().await {
                            tracing::warn!(error = %e, "settings refresh failed; keeping the last ones");
                        }
                        this.refreshing.store(false, Ordering::Release);
                    });
                }
                Ok(map)
            }
            None => self.load().await,
        }
    }

    /// Reloads the settings now (after a change, outside any transaction).
    pub async fn invalidate(&self) {
        if let Err(e) = self.load().await {
            tracing::warn!(error = %e, "settings reload failed");
            *self.cache.write().await = None;
        }
    }

    /// The raw value, or the known default, or "".
    pub async fn get(&self, item: &str) -> sqlx::Result<String> {
        let map = self.snapshot().await?;
        Ok(match map.get(item) {
            Some(v) => v.clone(),
            None => default_of(item).to_string(),
        })
    }

    pub async fn get_i64(&self, item: &str) -> sqlx::Result<i64> {
        let v = self.get(item).await?;
        Ok(parse_i64(&v).unwrap_or_else(|| parse_i64(default_of(item)).unwrap_or(0)))
    }

    pub async fn get_decimal(&self, item: &str) -> sqlx::Result<Decimal> {
        let v = self.get(item).await?;
        Ok(Decimal::from_str(v.trim())
            .ok()
            .or_else(|| Decimal::from_str(default_of(item)).ok())
            .unwrap_or_default())
    }

    pub async fn get_bool(&self, item: &str) -> sqlx::Result<bool> {
        let v = self.get(item).await?;
        Ok(matches!(v.trim(), "1" | "true" | "on" | "yes"))
    }

    /// Writes a setting, inserting its row (with SSPanel's columns filled) if missing.
    pub async fn set(&self, item: &str, value: &str) -> sqlx::Result<()> {
        let mut tx = self.db.begin().await?;
        set_in_tx(&mut tx, item, value).await?;
        tx.commit().await?;
        self.invalidate().await;
        Ok(())
    }

    /// Inserts the rows of known settings that are missing (used when spanel creates the schema).
    pub async fn insert_missing_defaults(&self) -> sqlx::Result<()> {
        let map = self.snapshot().await?;
        for k in KNOWN.iter().filter(|k| !map.contains_key(k.item)) {
            self.set(k.item, k.default).await?;
        }
        Ok(())
    }
}

/// Writes a setting inside the caller's transaction (e.g. with its audit row); the caller
/// invalidates the cache after committing.
pub async fn set_in_tx(tx: &mut crate::db::Tx, item: &str, value: &str) -> sqlx::Result<()> {
    let known = KNOWN.iter().find(|k| k.item == item);
    let new = crate::db::config::NewItem {
        class: known.map_or("spanel", |k| k.class),
        kind: known.map_or("string", |k| k.kind),
        default: known.map_or("", |k| k.default),
        mark: known.map_or("", |k| k.mark),
    };
    crate::db::config::set_item(tx, item, value, new).await
}

pub fn default_of(item: &str) -> &'static str {
    KNOWN
        .iter()
        .find(|k| k.item == item)
        .map_or("", |k| k.default)
}

fn parse_i64(v: &str) -> Option<i64> {
    let v = v.trim();
    v.parse::<i64>().ok().or_else(|| {
        Decimal::from_str(v)
            .ok()
            .and_then(|d| i64::try_from(d.trunc()).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_tolerate_decimal_text() {
        assert_eq!(parse_i64(" 20 "), Some(20));
        assert_eq!(parse_i64("9.0"), Some(9));
        assert_eq!(parse_i64("x"), None);
    }

    #[test]
    fn known_items_are_unique() {
        let mut names: Vec<_> = KNOWN.iter().map(|k| k.item).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KNOWN.len());
    }
}
