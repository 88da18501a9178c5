//! Yft (易付通), as SSPanel-UIM integrated it (`src/Services/Gateway/YftPay.php`, `YftPayUtil.php`
//! and `YftPayConfig.php`, added 2019-10, removed with the old gateways).
//!
//! Create: the browser is sent to Yft's order page (SSPanel: `https://payment.pi.do/pay/subOrder/zfb`,
//! spanel: `yft_url`) with `total_fee` (yuan), `notify_url`, `return_url`, `secret` (the merchant's
//! `yft_secret`, which this protocol really hands to the browser), `out_trade_no`, then `sign` and an
//! unsigned `subject`. `sign` = lower-case hex `md5("total_fee=…&notify_url=…&return_url=…&secret=…
//! &out_trade_no=…")`: the parameters in that order (not sorted), values raw, empty ones left out.
//!
//! Notify: GET or POST form `total_fee`, `trade_no` (Yft's id), `out_trade_no`, `subject`,
//! `trade_status` (`TRADE_SUCCESS` is paid) and `sign` = lower-case hex
//! `md5(floatval(total_fee) . out_trade_no . trade_no . trade_status . "yft")`, where
//! `floatval(total_fee)` prints as PHP prints a float (`10.00` → `10`, `10.50` → `10.5`). Answer
//! `success` or `fail`.
//!
//! That notify signature involves no secret at all: anyone who knows an order's number and amount —
//! its buyer does — can compute it. SSPanel credited on it alone. spanel checks it too, but only
//! believes a notify that comes from an address the operator lists in `yft_notify_ips` (comma
//! separated; Yft's servers); with none listed every notify is refused. Then as for every gateway
//! the amount must equal the order's and an order is credited once.

use std::net::IpAddr;

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::fields::{field, Field, FieldKind};
use super::{
    exact_money, param, text_ack, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef,
    PaymentAction, Rejection, Verdict, VerifiedPayment, VerifyCtx,
};

pub const SETTINGS: &[&str] = &["yft_url", "yft_secret", "yft_notify_ips"];

/// What Yft's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "yft_url",
        ("Order page", "下单地址"),
        ("Empty = https://payment.pi.do/pay/subOrder/zfb (SSPanel's).", "留空即 https://payment.pi.do/pay/subOrder/zfb（与 SSPanel 相同）。"),
    )
    .kind(FieldKind::Url),
    field(
        "yft_secret",
        ("Merchant secret", "商户密钥"),
        ("The secret Yft gave you.", "Yft 提供的商户密钥。"),
    )
    .secret()
    .required(),
    field(
        "yft_notify_ips",
        ("Notifying addresses", "回调来源地址"),
        (
            "The IP addresses Yft calls from, comma separated. Yft's notifications carry no secret, so without them every notification is refused.",
            "Yft 发出回调的 IP 地址，用逗号分隔。Yft 的回调不含密钥，不填则所有回调都会被拒绝。",
        ),
    )
    .required(),
];
pub const DEFAULT_URL: &str = "https://payment.pi.do/pay/subOrder/zfb";

pub struct Yft {
    /// Yft's order page; SSPanel's when empty.
    pub url: String,
    pub secret: String,
    /// The addresses Yft notifies from, comma separated.
    pub notify_ips: String,
}

/// md5 of `k=v&…` in the given order, empty values left out: the create signature.
pub fn create_sign(params: &[(String, String)]) -> String {
    let text = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    hex::encode(Md5::digest(text.as_bytes()))
}

/// The notify signature over an amount as PHP's `floatval` prints it.
pub fn notify_sign(total_fee: &str, out_trade_no: &str, trade_no: &str, status: &str) -> String {
    let fee = total_fee
        .trim()
        .parse::<rust_decimal::Decimal>()
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|_| "0".into());
    let text = format!("{fee}{out_trade_no}{trade_no}{status}yft");
    hex::encode(Md5::digest(text.as_bytes()))
}

impl Yft {
    fn is_yft_address(&self, ip: &str) -> bool {
        let Ok(ip) = ip.parse::<IpAddr>() else {
            return false;
        };
        self.notify_ips
            .split(',')
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .any(|a| a == ip)
    }

    pub fn check(&self, req: &CallbackRequest) -> Result<VerifiedPayment, Rejection> {
        let params = req.params();
        let tradeno = param(&params, "out_trade_no");
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno);
        if !self.is_yft_address(&req.client_ip) {
            return Err(reject("not from an address in yft_notify_ips"));
        }
        let get = |k: &str| param(&params, k).unwrap_or("");
        let expected = notify_sign(
            get("total_fee"),
            get("out_trade_no"),
            get("trade_no"),
            get("trade_status"),
        );
        if !bool::from(get("sign").as_bytes().ct_eq(expected.as_bytes())) {
            return Err(reject("bad signature"));
        }
        if get("trade_status") != "TRADE_SUCCESS" {
            return Err(reject("not paid"));
        }
        let amount = exact_money(get("total_fee")).ok_or_else(|| reject("bad amount"))?;
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
impl Gateway for Yft {
    fn name(&self) -> &str {
        "yft"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(!self.secret.is_empty(), "Yft is not configured");
        let mut params: Vec<(String, String)> = [
            ("total_fee", order.total.to_string()),
            ("notify_url", ctx.notify_url.clone()),
            ("return_url", ctx.return_url.clone()),
            ("secret", self.secret.clone()),
            ("out_trade_no", order.tradeno.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let signature = create_sign(&params);
        params.push(("sign".into(), signature));
        params.push(("subject".into(), format!("Top-up {}", order.total)));
        let base = if self.url.is_empty() {
            DEFAULT_URL
        } else {
            self.url.as_str()
        };
        anyhow::ensure!(super::is_web_url(base), "yft_url is not a web address");
        Ok(PaymentAction::Redirect {
            url: format!("{base}?{}", serde_urlencoded::to_string(&params)?),
        })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        _ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        self.check(req)
    }

    fn ack(&self, verdict: Verdict, _reason: &str) -> Ack {
        text_ack(verdict.accepted(), "success", "fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Money;

    fn gw() -> Yft {
        Yft {
            url: String::new(),
            secret: "s3cret".into(),
            notify_ips: "203.0.113.7, 2001:db8::1".into(),
        }
    }

    fn req(ip: &str, fee: &str, sign_fee: &str) -> CallbackRequest {
        let sign = notify_sign(sign_fee, "yft20240101", "Y42", "TRADE_SUCCESS");
        CallbackRequest {
            query: serde_urlencoded::to_string([
                ("total_fee", fee),
                ("trade_no", "Y42"),
                ("out_trade_no", "yft20240101"),
                ("subject", "Top-up"),
                ("trade_status", "TRADE_SUCCESS"),
                ("sign", sign.as_str()),
            ])
            .unwrap(),
            client_ip: ip.into(),
            ..Default::default()
        }
    }

    #[test]
    fn php_float_formatting() {
        // md5("10yft20240101Y42TRADE_SUCCESSyft")
        let expected = hex::encode(Md5::digest(b"10yft20240101Y42TRADE_SUCCESSyft"));
        assert_eq!(
            notify_sign("10.00", "yft20240101", "Y42", "TRADE_SUCCESS"),
            expected
        );
        assert_eq!(
            notify_sign("10.50", "a", "b", "c"),
            hex::encode(Md5::digest(b"10.5abcyft"))
        );
    }

    #[test]
    fn notify_needs_a_listed_address_and_the_signature() {
        let v = gw().check(&req("203.0.113.7", "10.50", "10.50")).unwrap();
        assert_eq!(
            (v.tradeno.as_str(), v.amount),
            ("yft20240101", Money::from_cents(1050))
        );
        assert!(gw().check(&req("2001:db8::1", "10.50", "10.5")).is_ok());
        let forged = gw()
            .check(&req("198.51.100.1", "10.50", "10.50"))
            .unwrap_err();
        assert_eq!(forged.reason, "not from an address in yft_notify_ips");
        let tampered = gw()
            .check(&req("203.0.113.7", "100.50", "10.50"))
            .unwrap_err();
        assert_eq!(tampered.reason, "bad signature");
        let unlisted = Yft {
            notify_ips: String::new(),
            ..gw()
        };
        assert!(unlisted
            .check(&req("203.0.113.7", "10.50", "10.50"))
            .is_err());
    }

    #[test]
    fn create_signature_keeps_sspanel_order() {
        let params: Vec<(String, String)> = [
            ("total_fee", "10.00"),
            ("notify_url", "https://p/n"),
            ("return_url", ""),
            ("secret", "s"),
            ("out_trade_no", "T1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            create_sign(&params),
            hex::encode(Md5::digest(
                b"total_fee=10.00&notify_url=https://p/n&secret=s&out_trade_no=T1"
            ))
        );
    }
}
