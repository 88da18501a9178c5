//! Payment gateways: one file per gateway, each with its real protocol and signature check.
//!
//! A gateway creates the payment for an order (what the client must do next) and verifies a
//! callback, returning what was paid. Crediting is not the gateway's job: `service::payment` does it
//! exactly once, whatever the gateway says how often.

pub mod alipay;
pub mod epay;
pub mod epusdt;
pub mod fields;
pub mod paypal;
pub mod stripe;
pub mod wechat;
pub mod wechat_v2;
pub mod yft;

use std::collections::HashMap;
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use bytes::Bytes;
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Config;
use crate::db::{Db, Money};
use crate::settings::Settings;

/// The names `payment_gateway` may list, in the order they are implemented.
/// EPay-compatible providers the operator adds (`epay_providers`) come on top, by their own names.
pub const NAMES: &[&str] = &[
    "epay",
    "stripe",
    "alipay",
    "wechat",
    "paypal",
    "wechat_v2",
    "yft",
    "epusdt",
];

/// What the client must do to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentAction {
    /// Open this URL.
    Redirect { url: String },
    /// Show this content as a QR code.
    QrCode { content: String },
    /// Hand this secret to the gateway's client library.
    ClientSecret { secret: String },
    /// Debug only: nothing to pay; `POST /payment/debug/confirm` credits the order.
    Debug,
}

/// The pseudo-gateway of debug mode, whose orders only `/payment/debug/confirm` pays.
pub const DEBUG: &str = "debug";

/// How the client completes a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The action is a URL to open.
    Redirect,
    /// The action is content to show as a QR code.
    Qr,
    /// The debug pseudo-gateway.
    Debug,
}

/// The flow of a gateway's payments; `None` for an unknown name.
pub fn flow(name: &str) -> Option<Flow> {
    match name {
        "epay" | "stripe" | "paypal" | "yft" | "epusdt" => Some(Flow::Redirect),
        "alipay" | "wechat" | "wechat_v2" => Some(Flow::Qr),
        _ => None,
    }
}

/// The order a payment is created for.
#[derive(Debug, Clone)]
pub struct OrderRef {
    pub id: i64,
    pub tradeno: String,
    pub total: Money,
    /// The payment method the user chose among the gateway's `methods` (EPay's `type`).
    pub method: Option<String>,
}

/// What `create` may use: the HTTP client, the database (for gateway-side order references) and
/// the panel's addresses.
pub struct CreateCtx<'a> {
    pub http: &'a reqwest::Client,
    pub config: &'a Config,
    pub db: &'a Db,
    /// Where the gateway sends its callback.
    pub notify_url: String,
    /// Where the user's browser returns to.
    pub return_url: String,
    /// The paying user's address (WeChat Pay v2 asks for it).
    pub client_ip: String,
}

/// What `verify` may use, for gateways that confirm a payment through their own API.
pub struct VerifyCtx<'a> {
    pub http: &'a reqwest::Client,
    pub config: &'a Config,
    pub db: &'a Db,
}

/// A callback exactly as it arrived.
#[derive(Debug, Clone, Default)]
pub struct CallbackRequest {
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The sender's address (for gateways that can only be trusted by where they call from).
    pub client_ip: String,
}

impl CallbackRequest {
    /// The query parameters, or the form-encoded body when the query is empty.
    pub fn params(&self) -> Vec<(String, String)> {
        let source: &[u8] = if self.query.is_empty() {
            &self.body
        } else {
            self.query.as_bytes()
        };
        serde_urlencoded::from_bytes(source).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A payment a gateway has vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayment {
    pub tradeno: String,
    pub amount: Money,
    pub currency: Option<String>,
}

/// Why a callback was not credited. `tradeno` is filled when it could be read, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: String,
    pub tradeno: Option<String>,
    pub kind: RejectionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Not genuine or not acceptable: refused.
    Refused,
    /// Genuine, but nothing to credit (an event type spanel does not handle): acknowledged so the
    /// gateway stops retrying.
    Ignored,
    /// Confirming the payment failed for now (the gateway's API or the database); may be retried.
    Failed,
}

impl Rejection {
    pub fn new(reason: impl Into<String>) -> Rejection {
        Rejection {
            reason: reason.into(),
            tradeno: None,
            kind: RejectionKind::Refused,
        }
    }

    pub fn ignored(reason: impl Into<String>) -> Rejection {
        Rejection {
            kind: RejectionKind::Ignored,
            ..Rejection::new(reason)
        }
    }

    pub fn failed(reason: impl Into<String>) -> Rejection {
        Rejection {
            kind: RejectionKind::Failed,
            ..Rejection::new(reason)
        }
    }

    pub fn with_tradeno(mut self, tradeno: Option<&str>) -> Rejection {
        self.tradeno = tradeno.map(str::to_string);
        self
    }
}

/// What became of a callback; recorded in `spanel_payment_event.verdict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Credited,
    Duplicate,
    Ignored,
    Rejected,
    Failed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Credited => "credited",
            Verdict::Duplicate => "duplicate",
            Verdict::Ignored => "ignored",
            Verdict::Rejected => "rejected",
            Verdict::Failed => "failed",
        }
    }

    /// Whether the gateway gets its success acknowledgement.
    pub fn accepted(self) -> bool {
        matches!(
            self,
            Verdict::Credited | Verdict::Duplicate | Verdict::Ignored
        )
    }
}

impl From<RejectionKind> for Verdict {
    fn from(kind: RejectionKind) -> Verdict {
        match kind {
            RejectionKind::Refused => Verdict::Rejected,
            RejectionKind::Ignored => Verdict::Ignored,
            RejectionKind::Failed => Verdict::Failed,
        }
    }
}

#[async_trait::async_trait]
pub trait Gateway: Send + Sync {
    fn name(&self) -> &str;
    /// The name shown to users.
    fn label(&self) -> String {
        self.name().to_string()
    }
    /// Payment methods the user may choose among (EPay's `type`); empty when there is no choice.
    fn methods(&self) -> Vec<String> {
        Vec::new()
    }
    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction>;
    async fn verify(
        &self,
        req: &CallbackRequest,
        ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection>;
    /// The answer the gateway expects to the callback; `reason` explains a refusal.
    fn ack(&self, verdict: Verdict, reason: &str) -> Ack;
    /// Checks the configured credentials (or that the configured server answers) without paying
    /// anything: `Ok` with what was found, `Err` with why not. `None` when the gateway offers no
    /// such check (listed in [`TESTABLE`] otherwise).
    async fn test_connection(&self, _ctx: &VerifyCtx<'_>) -> Option<Result<String, String>> {
        None
    }
}

/// Whether the server at `url` answers HTTP at all (any status): the check of gateways whose API
/// has no call that is harmless without an order.
pub async fn reachable(http: &reqwest::Client, url: &str) -> Result<String, String> {
    if !is_web_url(url) {
        return Err("The address is not an http(s) address.".into());
    }
    match http.get(url).send().await {
        Ok(resp) => Ok(format!(
            "The server answered (HTTP {}).",
            resp.status().as_u16()
        )),
        Err(e) if e.is_timeout() => Err("The server did not answer in time.".into()),
        Err(_) => Err("The server could not be reached.".into()),
    }
}

/// The `config` items each gateway reads.
pub fn settings_of(name: &str) -> &'static [&'static str] {
    match name {
        "epay" => epay::SETTINGS,
        "stripe" => stripe::SETTINGS,
        "alipay" => alipay::SETTINGS,
        "wechat" => wechat::SETTINGS,
        "paypal" => paypal::SETTINGS,
        "wechat_v2" => wechat_v2::SETTINGS,
        "yft" => yft::SETTINGS,
        "epusdt" => epusdt::SETTINGS,
        _ => &[],
    }
}

/// What each `config` item of a built-in gateway means; empty for an unknown name.
pub fn fields_of(name: &str) -> &'static [fields::Field] {
    match name {
        "epay" => epay::FIELDS,
        "stripe" => stripe::FIELDS,
        "alipay" => alipay::FIELDS,
        "wechat" => wechat::FIELDS,
        "paypal" => paypal::FIELDS,
        "wechat_v2" => wechat_v2::FIELDS,
        "yft" => yft::FIELDS,
        "epusdt" => epusdt::FIELDS,
        _ => &[],
    }
}

/// The gateways that answer [`Gateway::test_connection`] (EPay-compatible providers do too).
pub const TESTABLE: &[&str] = &["epay", "stripe", "paypal", "epusdt"];

/// Builds a gateway from its current settings; `None` for an unknown name.
pub async fn load(name: &str, settings: &Settings) -> sqlx::Result<Option<Box<dyn Gateway>>> {
    let mut values = HashMap::new();
    for item in settings_of(name) {
        values.insert(*item, settings.get(item).await?);
    }
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let gateway: Box<dyn Gateway> = match name {
        "epay" => Box::new(epay::Epay::builtin(
            get("epay_url"),
            get("epay_pid"),
            get("epay_key"),
        )),
        "stripe" => Box::new(stripe::Stripe {
            api_key: get("stripe_sk"),
            webhook_key: get("stripe_webhook_key"),
            currency: get("stripe_currency"),
            tolerance_secs: stripe::TOLERANCE_SECS,
        }),
        "alipay" => Box::new(alipay::Alipay {
            app_id: get("f2f_pay_app_id"),
            private_key: get("f2f_pay_private_key"),
            public_key: get("f2f_pay_public_key"),
        }),
        "wechat" => Box::new(wechat::Wechat {
            appid: get("wechat_appid"),
            mchid: get("wechat_mchid"),
            serial_no: get("wechat_serial_no"),
            private_key: get("wechat_private_key"),
            platform_public_key: get("wechat_platform_public_key"),
            apiv3_key: get("wechat_apiv3_key"),
        }),
        "paypal" => Box::new(paypal::Paypal {
            mode: get("paypal_mode"),
            client_id: get("paypal_client_id"),
            client_secret: get("paypal_client_secret"),
            currency: get("paypal_currency"),
            locale: get("paypal_locale"),
            webhook_id: get("paypal_webhook_id"),
        }),
        "wechat_v2" => Box::new(wechat_v2::WechatV2 {
            appid: get("wechat_v2_appid"),
            mchid: get("wechat_v2_mchid"),
            key: get("wechat_v2_key"),
            sign_type: get("wechat_v2_sign_type"),
        }),
        "yft" => Box::new(yft::Yft {
            url: get("yft_url"),
            secret: get("yft_secret"),
            notify_ips: get("yft_notify_ips"),
        }),
        "epusdt" => Box::new(epusdt::Epusdt {
            url: get("epusdt_url"),
            token: get("epusdt_token"),
        }),
        _ => {
            let providers = epay::providers(&settings.get(epay::PROVIDERS).await?);
            return Ok(providers
                .into_iter()
                .find(|p| p.name == name)
                .map(|p| Box::new(p) as Box<dyn Gateway>));
        }
    };
    Ok(Some(gateway))
}

/// The enabled gateways: the `payment_gateway` setting, a JSON list of names.
pub fn enabled(payment_gateway: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(payment_gateway).unwrap_or_default()
}

/// An HTTP client for gateway APIs, with timeouts.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .build()
        .expect("HTTP client builds")
}

/// The answer a gateway expects to its callback, as data: the HTTP layer sends it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Ack {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Ack {
        Ack {
            status,
            content_type,
            body: body.into(),
        }
    }

    /// A JSON body.
    pub fn json(status: u16, body: &serde_json::Value) -> Ack {
        Ack::new(status, "application/json", body.to_string())
    }
}

/// A plain-text acknowledgement: `yes` with 200, or `no` with 400.
pub fn text_ack(ok: bool, yes: &'static str, no: &'static str) -> Ack {
    if ok {
        Ack::new(200, "text/plain; charset=utf-8", yes)
    } else {
        Ack::new(400, "text/plain; charset=utf-8", no)
    }
}

/// Parameters sorted by name, empty values and `skip` names left out, joined as `k=v&k=v`.
pub fn sorted_query(params: &[(String, String)], skip: &[&str]) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !skip.contains(&k.as_str()))
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether an operator-configured address is a web address (it ends up in users' browsers).
pub fn is_web_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// An amount a gateway states, exactly: at most two decimal places once trailing zeros are dropped
/// (`"10.050"` is 10.05, `"10.004"` is refused, never rounded to the order's amount).
pub fn exact_money(s: &str) -> Option<Money> {
    let d = s.trim().parse::<rust_decimal::Decimal>().ok()?.normalize();
    (d.scale() <= 2 && !d.is_sign_negative()).then(|| Money::cents(d))
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An RSA key given as PEM or as the bare base64 body (as Alipay's console shows it).
pub fn pem_body(key: &str) -> Vec<u8> {
    let body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap_or_default()
}

pub fn rsa_public_key(key: &str) -> Option<rsa::RsaPublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let der = pem_body(key);
    rsa::RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(&der))
        .ok()
}

pub fn rsa_private_key(key: &str) -> Option<rsa::RsaPrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let der = pem_body(key);
    rsa::RsaPrivateKey::from_pkcs8_der(&der)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_der(&der))
        .ok()
}

/// SHA256withRSA (PKCS#1 v1.5) signature, base64.
pub fn rsa_sha256_sign(key: &rsa::RsaPrivateKey, message: &[u8]) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    let sig = signer.sign(message);
    base64::engine::general_purpose::STANDARD.encode(sig.to_bytes())
}

/// Checks a base64 SHA256withRSA (PKCS#1 v1.5) signature.
pub fn rsa_sha256_verify(key: &rsa::RsaPublicKey, message: &[u8], signature_b64: &str) -> bool {
    use rsa::signature::Verifier;
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig.as_slice()) else {
        return false;
    };
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone())
        .verify(message, &sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gateway_has_a_flow() {
        for name in NAMES {
            assert!(
                flow(name).is_some(),
                "{name} has no payment flow for the UI"
            );
        }
        assert_eq!(flow("paypal"), Some(Flow::Redirect));
        assert_eq!(flow("nope"), None);
    }

    #[test]
    fn sorted_query_skips_empty_and_named() {
        let p = vec![
            ("b".to_string(), "2".to_string()),
            ("sign".to_string(), "x".to_string()),
            ("a".to_string(), "1".to_string()),
            ("c".to_string(), String::new()),
        ];
        assert_eq!(sorted_query(&p, &["sign"]), "a=1&b=2");
    }

    #[test]
    fn every_setting_is_described() {
        for name in NAMES {
            let described: Vec<&str> = fields_of(name).iter().map(|f| f.item).collect();
            assert_eq!(described, settings_of(name), "{name}");
            for f in fields_of(name) {
                assert!(
                    !f.label.en.is_empty() && !f.label.zh.is_empty(),
                    "{}",
                    f.item
                );
                assert!(!f.help.en.is_empty() && !f.help.zh.is_empty(), "{}", f.item);
            }
        }
    }

    #[test]
    fn enabled_reads_a_json_list() {
        assert_eq!(enabled(r#"["epay","stripe"]"#), vec!["epay", "stripe"]);
        assert!(enabled("garbage").is_empty());
    }
}
