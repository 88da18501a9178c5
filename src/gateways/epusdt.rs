//! USDT (TRC20) through epusdt, the self-hosted gateway (github.com/assimon/epusdt).
//!
//! Create: `POST {epusdt_url}/api/v1/order/create-transaction` with JSON `order_id` (our trade
//! number), `amount` (the order's amount, a number, in the shop's currency), `notify_url`,
//! `redirect_url` and `signature`; the answer `{"status_code": 200, "data": {"trade_id",
//! "order_id", "amount", "actual_amount", "token", "expiration_time", "payment_url"}}` sends the
//! user to `payment_url`, epusdt's cashier, which shows the USDT amount and the wallet.
//!
//! Notify: epusdt POSTs JSON `trade_id`, `order_id`, `amount` (the order's amount, in its currency),
//! `actual_amount` (the USDT paid, i.e. `amount` converted at epusdt's rate), `token` (wallet),
//! `block_transaction_id`, `status` (1 waiting, 2 paid, 3 expired) and `signature`; it expects the
//! body `ok`.
//!
//! Signature (both ways): every top-level field but `signature` (and nulls) as `k=v`, numbers
//! formatted the shortest way that reads back (Go's `FormatFloat(f, 'f', -1, 64)`), the pairs
//! sorted and joined with `&`, then `md5(joined + epusdt_token)` in lower-case hex.
//!
//! Checks: the signature, `status == 2`, `amount` equal to the order's amount (the caller checks),
//! and a positive `actual_amount`; the rate the notify states (`amount / actual_amount`) is logged
//! with the payment.

use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::fields::{field, Field, FieldKind};
use super::{
    exact_money, text_ack, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction,
    Rejection, Verdict, VerifiedPayment, VerifyCtx,
};

pub const SETTINGS: &[&str] = &["epusdt_url", "epusdt_token"];

/// What epusdt's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "epusdt_url",
        ("epusdt server", "epusdt 服务地址"),
        (
            "Where your epusdt runs, e.g. https://usdt.example.com.",
            "您的 epusdt 服务地址，例如 https://usdt.example.com。",
        ),
    )
    .kind(FieldKind::Url)
    .required(),
    field(
        "epusdt_token",
        ("API token", "API 令牌"),
        (
            "The api_auth_token of epusdt's configuration.",
            "epusdt 配置中的 api_auth_token。",
        ),
    )
    .secret()
    .required(),
];

pub struct Epusdt {
    pub url: String,
    pub token: String,
}

/// A JSON value as epusdt signs it; `None` for what it cannot sign (objects, arrays, booleans).
fn sign_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Some(i.to_string()),
            (_, Some(u)) => Some(u.to_string()),
            // Rust prints the shortest digits that read back, never in exponent form: Go's 'f', -1.
            _ => n.as_f64().map(|f| f.to_string()),
        },
        _ => None,
    }
}

/// The signature of a JSON object's fields; `None` if a field cannot be signed.
pub fn sign(fields: &Map<String, Value>, token: &str) -> Option<String> {
    let mut pairs = Vec::with_capacity(fields.len());
    for (k, v) in fields {
        if k == "signature" || v.is_null() {
            continue;
        }
        pairs.push(format!("{k}={}", sign_value(v)?));
    }
    pairs.sort();
    let text = pairs.join("&") + token;
    Some(hex::encode(Md5::digest(text.as_bytes())))
}

#[derive(Deserialize)]
struct CreateAnswer {
    status_code: i64,
    #[serde(default)]
    message: String,
    data: Option<CreateData>,
}

#[derive(Deserialize)]
struct CreateData {
    order_id: String,
    payment_url: String,
}

impl Epusdt {
    pub fn check(&self, body: &[u8]) -> Result<VerifiedPayment, Rejection> {
        if self.token.is_empty() {
            return Err(Rejection::new("epusdt is not configured"));
        }
        let fields: Map<String, Value> =
            serde_json::from_slice(body).map_err(|_| Rejection::new("unreadable notify"))?;
        let text = |k: &str| fields.get(k).and_then(sign_value);
        let tradeno = text("order_id");
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno.as_deref());
        let given = fields
            .get("signature")
            .and_then(Value::as_str)
            .unwrap_or("");
        let expected = sign(&fields, &self.token).ok_or_else(|| reject("unsignable field"))?;
        if given.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(reject("bad signature"));
        }
        if text("status").as_deref() != Some("2") {
            return Err(reject("not paid"));
        }
        let amount = text("amount")
            .and_then(|a| exact_money(&a))
            .filter(|a| !a.is_zero())
            .ok_or_else(|| reject("bad amount"))?;
        let usdt = text("actual_amount")
            .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
            .filter(|u| u.is_sign_positive() && !u.is_zero())
            .ok_or_else(|| reject("no USDT paid"))?;
        let rate = (amount.0 / usdt).round_dp(4);
        tracing::info!(tradeno = ?tradeno, %amount, usdt = %usdt, %rate, "epusdt payment");
        Ok(VerifiedPayment {
            tradeno: tradeno.clone().ok_or_else(|| reject("no order_id"))?,
            amount,
            currency: None,
        })
    }
}

#[async_trait::async_trait]
impl Gateway for Epusdt {
    fn name(&self) -> &str {
        "epusdt"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(
            super::is_web_url(&self.url) && !self.token.is_empty(),
            "epusdt is not configured"
        );
        let amount: f64 = order.total.0.to_string().parse()?;
        let mut body = Map::new();
        body.insert("order_id".into(), order.tradeno.clone().into());
        body.insert("amount".into(), amount.into());
        body.insert("notify_url".into(), ctx.notify_url.clone().into());
        body.insert("redirect_url".into(), ctx.return_url.clone().into());
        let signature = sign(&body, &self.token).expect("strings and a number sign");
        body.insert("signature".into(), signature.into());
        let answer: CreateAnswer = ctx
            .http
            .post(format!(
                "{}/api/v1/order/create-transaction",
                self.url.trim_end_matches('/')
            ))
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        anyhow::ensure!(
            answer.status_code == 200,
            "epusdt refused the order: {} {}",
            answer.status_code,
            answer.message
        );
        let data = answer
            .data
            .ok_or_else(|| anyhow::anyhow!("no data in epusdt's answer"))?;
        anyhow::ensure!(
            data.order_id == order.tradeno,
            "epusdt answered for another order"
        );
        anyhow::ensure!(
            super::is_web_url(&data.payment_url),
            "epusdt's payment_url is not a web address"
        );
        Ok(PaymentAction::Redirect {
            url: data.payment_url,
        })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        _ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        self.check(&req.body)
    }

    fn ack(&self, verdict: Verdict, _reason: &str) -> Ack {
        text_ack(verdict.accepted(), "ok", "fail")
    }

    async fn test_connection(&self, ctx: &VerifyCtx<'_>) -> Option<Result<String, String>> {
        Some(super::reachable(ctx.http, &self.url).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Money;

    const TOKEN: &str = "epusdt_password_xasddawqe";

    fn notify(amount: &str, status: i64) -> String {
        let mut fields: Map<String, Value> = serde_json::from_str(&format!(
            r#"{{"trade_id":"202203271648380592218340","order_id":"20240101ABCD","amount":{amount},
               "actual_amount":1.5873,"token":"TNEns8t9jbWENbStkQdVQtHMGpbsYsQjZK",
               "block_transaction_id":"123","status":{status}}}"#
        ))
        .unwrap();
        let s = sign(&fields, TOKEN).unwrap();
        fields.insert("signature".into(), s.into());
        serde_json::to_string(&fields).unwrap()
    }

    #[test]
    fn signature_string_matches_epusdt() {
        let fields: Map<String, Value> = serde_json::from_str(
            r#"{"order_id":"A1","amount":10.5,"notify_url":"https://x/n","status":2,"n":null,"signature":"x"}"#,
        )
        .unwrap();
        // amount=10.5&notify_url=https://x/n&order_id=A1&status=2 + token
        let expected = hex::encode(Md5::digest(
            format!("amount=10.5&notify_url=https://x/n&order_id=A1&status=2{TOKEN}").as_bytes(),
        ));
        assert_eq!(sign(&fields, TOKEN).unwrap(), expected);
        let nested: Map<String, Value> = serde_json::from_str(r#"{"a":{"b":1}}"#).unwrap();
        assert!(sign(&nested, TOKEN).is_none());
    }

    #[test]
    fn notify_checks() {
        let gw = Epusdt {
            url: "http://127.0.0.1:1".into(),
            token: TOKEN.into(),
        };
        let v = gw.check(notify("10", 2).as_bytes()).unwrap();
        assert_eq!(
            (v.tradeno.as_str(), v.amount),
            ("20240101ABCD", Money::from_cents(1000))
        );
        assert_eq!(
            gw.check(notify("10", 1).as_bytes()).unwrap_err().reason,
            "not paid"
        );
        assert_eq!(
            gw.check(notify("10.004", 2).as_bytes()).unwrap_err().reason,
            "bad amount"
        );
        let tampered = notify("10", 2).replace("\"amount\":10", "\"amount\":100");
        assert_eq!(
            gw.check(tampered.as_bytes()).unwrap_err().reason,
            "bad signature"
        );
        let other = Epusdt {
            token: "other".into(),
            ..gw
        };
        assert!(other.check(notify("10", 2).as_bytes()).is_err());
    }
}
