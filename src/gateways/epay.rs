//! EPay (易支付, the "submit.php" API): MD5 over the sorted parameters with the merchant key appended.

use axum::response::Response;
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::{
    param, sorted_query, text_ack, CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction,
    Rejection, Verdict, VerifiedPayment, VerifyCtx,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &["epay_url", "epay_pid", "epay_key"];

pub struct Epay {
    pub url: String,
    pub pid: String,
    pub key: String,
}

/// `md5(sorted k=v&… + key)`, lower-case hex; `sign`, `sign_type` and empty values excluded.
pub fn sign(params: &[(String, String)], key: &str) -> String {
    let mut text = sorted_query(params, &["sign", "sign_type"]);
    text.push_str(key);
    hex::encode(Md5::digest(text.as_bytes()))
}

impl Epay {
    /// Checks the signature, merchant and status of a notify.
    pub fn check(&self, req: &CallbackRequest) -> Result<VerifiedPayment, Rejection> {
        let params = req.params();
        let tradeno = param(&params, "out_trade_no");
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno);
        if self.key.is_empty() {
            return Err(reject("EPay is not configured"));
        }
        let given = param(&params, "sign").unwrap_or("");
        let expected = sign(&params, &self.key);
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(reject("bad signature"));
        }
        if !self.pid.is_empty() && param(&params, "pid") != Some(self.pid.as_str()) {
            return Err(reject("wrong merchant id"));
        }
        if param(&params, "trade_status") != Some("TRADE_SUCCESS") {
            return Err(reject("not paid"));
        }
        let amount = param(&params, "money")
            .and_then(|m| m.parse::<Money>().ok())
            .ok_or_else(|| reject("bad amount"))?;
        Ok(VerifiedPayment {
            tradeno: tradeno
                .ok_or_else(|| reject("no out_trade_no"))?
                .to_string(),
            amount,
            currency: None,
        })
    }
}

#[async_trait::async_trait]
impl Gateway for Epay {
    fn name(&self) -> &'static str {
        "epay"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(
            !self.url.is_empty() && !self.key.is_empty(),
            "EPay is not configured"
        );
        let mut params: Vec<(String, String)> = [
            ("pid", self.pid.clone()),
            ("type", "alipay".to_string()),
            ("out_trade_no", order.tradeno.clone()),
            ("notify_url", ctx.notify_url.clone()),
            ("return_url", ctx.return_url.clone()),
            ("name", format!("Top-up {}", order.total)),
            ("money", order.total.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let signature = sign(&params, &self.key);
        params.push(("sign".into(), signature));
        params.push(("sign_type".into(), "MD5".into()));
        let base = self.url.trim_end_matches('/');
        Ok(PaymentAction::Redirect {
            url: format!(
                "{base}/submit.php?{}",
                serde_urlencoded::to_string(&params)?
            ),
        })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        _ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        self.check(req)
    }

    fn ack(&self, verdict: Verdict, _reason: &str) -> Response {
        text_ack(verdict.accepted(), "success", "fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn published_vector() {
        let params = p(&[("uid", "1000"), ("timestamp", "1548047628")]);
        assert_eq!(
            sign(&params, "58b31d465652be856d7ed80977aa4ce4"),
            "15540d3398e5ed2a37533e3fc032e1a0"
        );
    }

    fn notify() -> Vec<(String, String)> {
        p(&[
            ("pid", "1001"),
            ("trade_no", "2024010112000012345"),
            ("out_trade_no", "20240101ABCD"),
            ("type", "alipay"),
            ("name", "VIP"),
            ("money", "10.00"),
            ("trade_status", "TRADE_SUCCESS"),
            ("sign_type", "MD5"),
        ])
    }

    const KEY: &str = "89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i";

    #[test]
    fn notify_vector_verifies() {
        let mut params = notify();
        assert_eq!(sign(&params, KEY), "1ae25ca2d1103eeee9036371a5380ec3");
        params.push(("sign".into(), sign(&params, KEY)));
        let gw = Epay {
            url: "https://pay.example.com/".into(),
            pid: "1001".into(),
            key: KEY.into(),
        };
        let req = CallbackRequest {
            query: serde_urlencoded::to_string(&params).unwrap(),
            ..Default::default()
        };
        let v = gw.check(&req).unwrap();
        assert_eq!(v.tradeno, "20240101ABCD");
        assert_eq!(v.amount, Money::from_cents(1000));

        let tampered = CallbackRequest {
            query: req.query.replace("money=10.00", "money=100.00"),
            ..Default::default()
        };
        assert_eq!(gw.check(&tampered).unwrap_err().reason, "bad signature");
        let wrong_key = Epay {
            key: "other".into(),
            ..gw
        };
        assert!(wrong_key.check(&req).is_err());
    }

    #[test]
    fn submit_vector() {
        let params = p(&[
            ("pid", "1001"),
            ("type", "alipay"),
            ("out_trade_no", "20240101ABCD"),
            (
                "notify_url",
                "https://panel.example.com/payment/notify/epay",
            ),
            (
                "return_url",
                "https://panel.example.com/user/payment/return/epay",
            ),
            ("name", "VIP"),
            ("money", "10.00"),
            ("sitename", ""),
        ]);
        assert_eq!(sign(&params, KEY), "ee6fefd501d022f413e402da78d96af0");
    }
}
