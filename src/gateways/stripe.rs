//! Stripe: Checkout Session to pay, `checkout.session.completed` webhook signed with
//! `Stripe-Signature: t=…,v1=…` (HMAC-SHA256 of `t.payload` with the endpoint secret).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::fields::{field, Field};
use super::{
    text_ack, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction, Rejection,
    Verdict, VerifiedPayment, VerifyCtx,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &["stripe_sk", "stripe_webhook_key", "stripe_currency"];

/// What Stripe's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "stripe_sk",
        ("Secret key", "密钥（Secret key）"),
        (
            "sk_live_… or sk_test_… from Developers → API keys.",
            "在“开发者 → API 密钥”中的 sk_live_… 或 sk_test_…。",
        ),
    )
    .secret()
    .required(),
    field(
        "stripe_webhook_key",
        ("Webhook signing secret", "Webhook 签名密钥"),
        (
            "whsec_… shown after adding the callback URL as a webhook endpoint (events checkout.session.completed and checkout.session.async_payment_succeeded).",
            "把回调地址添加为 Webhook 端点后显示的 whsec_…（事件 checkout.session.completed 与 checkout.session.async_payment_succeeded）。",
        ),
    )
    .secret()
    .required(),
    field(
        "stripe_currency",
        ("Currency", "币种"),
        ("ISO code of the shop's currency, e.g. usd, eur, cny.", "商店币种的 ISO 代码，例如 usd、eur、cny。"),
    )
    .required(),
];
/// The official libraries' default window.
pub const TOLERANCE_SECS: i64 = 300;

/// Currencies Stripe counts in whole units (its "zero-decimal" list).
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

pub struct Stripe {
    pub api_key: String,
    pub webhook_key: String,
    pub currency: String,
    pub tolerance_secs: i64,
}

/// Lower-case hex HMAC-SHA256 of `{t}.{payload}`.
pub fn signature(secret: &str, t: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

fn minor_units(currency: &str, amount: Money) -> i64 {
    let scale = if ZERO_DECIMAL.contains(&currency) {
        1
    } else {
        100
    };
    i64::try_from((amount.0 * rust_decimal::Decimal::from(scale)).trunc()).unwrap_or(0)
}

fn from_minor_units(currency: &str, units: i64) -> Money {
    if ZERO_DECIMAL.contains(&currency) {
        Money::cents(rust_decimal::Decimal::from(units))
    } else {
        Money::from_cents(units)
    }
}

/// The event types that carry a paid Checkout Session; every other type is acknowledged and ignored.
const PAID_EVENTS: &[&str] = &[
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
];

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    /// Read as a Session only for the types in `PAID_EVENTS`: other objects have other shapes.
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct Session {
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    payment_status: Option<String>,
    amount_total: Option<i64>,
    currency: Option<String>,
}

impl Stripe {
    fn currency(&self) -> String {
        self.currency.trim().to_ascii_lowercase()
    }

    /// Verifies at the given unix time (tests pin it).
    pub fn verify_at(&self, req: &CallbackRequest, now: i64) -> Result<VerifiedPayment, Rejection> {
        if self.webhook_key.is_empty() {
            return Err(Rejection::new("Stripe is not configured"));
        }
        let header = req
            .header("stripe-signature")
            .ok_or_else(|| Rejection::new("no Stripe-Signature header"))?;
        let mut t = None;
        let mut v1 = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => t = v.parse::<i64>().ok(),
                Some(("v1", v)) => v1.push(v),
                _ => {}
            }
        }
        let t = t.ok_or_else(|| Rejection::new("no timestamp in Stripe-Signature"))?;
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.webhook_key.as_bytes()).expect("any key length");
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(&req.body);
        let signed = v1.iter().any(|sig| {
            hex::decode(sig).is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok())
        });
        if !signed {
            return Err(Rejection::new("bad signature"));
        }
        if (now - t).abs() > self.tolerance_secs {
            return Err(Rejection::new("timestamp outside the tolerance"));
        }
        let event: Event =
            serde_json::from_slice(&req.body).map_err(|_| Rejection::new("unreadable event"))?;
        if !PAID_EVENTS.contains(&event.kind.as_str()) {
            return Err(Rejection::ignored(format!(
                "unhandled event type {}",
                event.kind
            )));
        }
        let s: Session = serde_json::from_value(event.data.object)
            .map_err(|_| Rejection::new("unreadable Checkout Session"))?;
        let tradeno = s
            .client_reference_id
            .clone()
            .or_else(|| s.metadata.get("tradeno").cloned());
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno.as_deref());
        if s.payment_status.as_deref() != Some("paid") {
            // Delayed methods complete unpaid; `async_payment_succeeded` follows when they settle.
            return Err(Rejection::ignored("not paid yet").with_tradeno(tradeno.as_deref()));
        }
        let currency = s.currency.unwrap_or_default().to_ascii_lowercase();
        if currency != self.currency() {
            return Err(reject("wrong currency"));
        }
        let amount = s.amount_total.ok_or_else(|| reject("no amount"))?;
        Ok(VerifiedPayment {
            tradeno: tradeno
                .clone()
                .ok_or_else(|| reject("no order reference"))?,
            amount: from_minor_units(&currency, amount),
            currency: Some(currency),
        })
    }
}

#[derive(Deserialize)]
struct CreatedSession {
    url: Option<String>,
}

#[async_trait::async_trait]
impl Gateway for Stripe {
    fn name(&self) -> &str {
        "stripe"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(!self.api_key.is_empty(), "Stripe is not configured");
        let currency = self.currency();
        let base = ctx
            .config
            .gateway_base_url("stripe", "https://api.stripe.com");
        let form: Vec<(&str, String)> = vec![
            ("mode", "payment".into()),
            ("client_reference_id", order.tradeno.clone()),
            ("metadata[tradeno]", order.tradeno.clone()),
            ("success_url", ctx.return_url.clone()),
            ("cancel_url", ctx.return_url.clone()),
            ("line_items[0][quantity]", "1".into()),
            ("line_items[0][price_data][currency]", currency.clone()),
            (
                "line_items[0][price_data][unit_amount]",
                minor_units(&currency, order.total).to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]",
                format!("Top-up {}", order.tradeno),
            ),
        ];
        let resp = ctx
            .http
            .post(format!(
                "{}/v1/checkout/sessions",
                base.trim_end_matches('/')
            ))
            .bearer_auth(&self.api_key)
            .form(&form)
            .send()
            .await?
            .error_for_status()?;
        let session: CreatedSession = resp.json().await?;
        Ok(PaymentAction::Redirect {
            url: session
                .url
                .ok_or_else(|| anyhow::anyhow!("Stripe returned no session URL"))?,
        })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        _ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        self.verify_at(req, chrono::Utc::now().timestamp())
    }

    fn ack(&self, verdict: Verdict, _reason: &str) -> Ack {
        text_ack(verdict.accepted(), "ok", "rejected")
    }

    /// `GET /v1/balance`: harmless, and refused (401) for a wrong key.
    async fn test_connection(&self, ctx: &VerifyCtx<'_>) -> Option<Result<String, String>> {
        if self.api_key.is_empty() {
            return Some(Err("stripe_sk is empty.".into()));
        }
        let base = ctx
            .config
            .gateway_base_url("stripe", "https://api.stripe.com");
        let sent = ctx
            .http
            .get(format!("{}/v1/balance", base.trim_end_matches('/')))
            .bearer_auth(&self.api_key)
            .send()
            .await;
        let Ok(resp) = sent else {
            return Some(Err("Stripe could not be reached.".into()));
        };
        Some(match resp.status().as_u16() {
            200 => {
                let body: serde_json::Value = resp.json().await.unwrap_or_default();
                let mode = if body["livemode"].as_bool() == Some(true) {
                    "live"
                } else {
                    "test"
                };
                Ok(format!("Stripe accepted the key ({mode} mode)."))
            }
            401 => Err("Stripe refused the key (HTTP 401).".into()),
            status => Err(format!("Stripe answered HTTP {status}.")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateways::RejectionKind;

    #[test]
    fn self_computed_vectors() {
        let payload = br#"{"id":"evt_test","object":"event","type":"checkout.session.completed"}"#;
        assert_eq!(
            signature("whsec_test_secret", 1_700_000_000, payload),
            "9b19c30bb5f6198a9128346b4849a56c6c32857a47889eed5b47c5f30823e7dc"
        );
        let dummy = b"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";
        assert_eq!(
            signature("whsec_test_secret", 1_700_000_000, dummy),
            "4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150"
        );
    }

    fn gw() -> Stripe {
        Stripe {
            api_key: "sk_test".into(),
            webhook_key: "whsec_test_secret".into(),
            currency: "USD".into(),
            tolerance_secs: TOLERANCE_SECS,
        }
    }

    fn request(body: &str, t: i64, secret: &str) -> CallbackRequest {
        let mut headers = axum::http::HeaderMap::new();
        let sig = signature(secret, t, body.as_bytes());
        headers.insert(
            "stripe-signature",
            format!("t={t},v1={sig},v0=ignored").parse().unwrap(),
        );
        CallbackRequest {
            headers,
            body: body.to_string().into(),
            ..Default::default()
        }
    }

    fn event(currency: &str) -> String {
        format!(
            r#"{{"id":"evt_1","type":"checkout.session.completed","data":{{"object":{{"client_reference_id":"T1","payment_status":"paid","amount_total":1234,"currency":"{currency}"}}}}}}"#
        )
    }

    #[test]
    fn verifies_and_reads_the_session() {
        let v = gw()
            .verify_at(&request(&event("usd"), 1000, "whsec_test_secret"), 1100)
            .unwrap();
        assert_eq!(v.tradeno, "T1");
        assert_eq!(v.amount, Money::from_cents(1234));
    }

    #[test]
    fn rejects_old_wrong_key_and_wrong_currency() {
        let g = gw();
        let old = g.verify_at(&request(&event("usd"), 1000, "whsec_test_secret"), 1301);
        assert_eq!(old.unwrap_err().reason, "timestamp outside the tolerance");
        let bad = g.verify_at(&request(&event("usd"), 1000, "whsec_other"), 1000);
        assert_eq!(bad.unwrap_err().reason, "bad signature");
        let eur = g.verify_at(&request(&event("eur"), 1000, "whsec_test_secret"), 1000);
        assert_eq!(eur.unwrap_err().reason, "wrong currency");
    }

    #[test]
    fn other_event_types_and_unpaid_sessions_are_ignored() {
        let g = gw();
        let other = r#"{"id":"evt_2","type":"invoice.paid","data":{"object":{"id":"in_1","amount_paid":"not a session"}}}"#;
        let r = g
            .verify_at(&request(other, 1000, "whsec_test_secret"), 1000)
            .unwrap_err();
        assert_eq!(
            (r.kind, r.reason.as_str()),
            (RejectionKind::Ignored, "unhandled event type invoice.paid")
        );
        let unpaid = event("usd").replace(r#""paid""#, r#""unpaid""#);
        let r = g
            .verify_at(&request(&unpaid, 1000, "whsec_test_secret"), 1000)
            .unwrap_err();
        assert_eq!(
            (r.kind, r.tradeno.as_deref()),
            (RejectionKind::Ignored, Some("T1"))
        );
        // An unsigned event of any type is still refused.
        let r = g
            .verify_at(&request(other, 1000, "whsec_other"), 1000)
            .unwrap_err();
        assert_eq!(r.kind, RejectionKind::Refused);
    }

    #[test]
    fn zero_decimal_currencies() {
        assert_eq!(minor_units("jpy", Money::from_cents(50000)), 500);
        assert_eq!(minor_units("usd", Money::from_cents(1234)), 1234);
        assert_eq!(from_minor_units("jpy", 500), Money::from_cents(50000));
    }
}
