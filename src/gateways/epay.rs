//! EPay (易支付, the "submit.php" API): MD5 over the sorted parameters with the merchant key appended.
//!
//! Besides the built-in `epay` gateway (`epay_url`, `epay_pid`, `epay_key`, paying by `alipay`), an
//! operator may add any number of EPay-compatible providers (many aggregators, USDT ones included,
//! clone this protocol) in the `config` item `epay_providers`, a JSON list:
//!
//! ```json
//! [{"name": "usdtpay", "label": "USDT (TRC20)", "url": "https://pay.example.com/",
//!   "pid": "1001", "key": "secret", "types": ["usdt"]}]
//! ```
//!
//! `name` (`[a-z0-9_]`, 1–32 characters, not a built-in gateway's name) is the gateway's name: it
//! goes into `payment_gateway` to enable the provider, names its notify path
//! `/app/api/v0/payment/notify/{name}` and its recharge records. `label` is what users see (the
//! name when absent); `types` are the EPay `type` values the user may choose among (`alipay`,
//! `wxpay`, `qqpay`, `usdt`…; the first is the default, `["alipay"]` when absent). Entries that do
//! not meet these rules are left out (and logged), never half-used.

use md5::{Digest, Md5};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::fields::{field, Field, FieldKind};
use super::{
    param, sorted_query, text_ack, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef,
    PaymentAction, Rejection, Verdict, VerifiedPayment, VerifyCtx, NAMES,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &["epay_url", "epay_pid", "epay_key"];

/// What the built-in EPay gateway's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "epay_url",
        ("EPay address", "易支付网关地址"),
        (
            "The provider's site, e.g. https://pay.example.com/ (spanel sends payers to its submit.php).",
            "服务商的网址，例如 https://pay.example.com/（付款人会被带到其 submit.php）。",
        ),
    )
    .kind(FieldKind::Url)
    .required(),
    field(
        "epay_pid",
        ("Merchant id (pid)", "商户 ID（pid）"),
        ("Your merchant number at the provider.", "您在服务商处的商户号。"),
    )
    .required(),
    field(
        "epay_key",
        ("Merchant key", "商户密钥"),
        (
            "The MD5 key from the provider's merchant page; signs orders and checks notifications.",
            "服务商商户后台的 MD5 密钥，用于订单签名和校验回调。",
        ),
    )
    .secret()
    .required(),
];

/// The keys of one `epay_providers` entry (its `name` is the gateway's name); `types` is edited as
/// a comma-separated list.
pub const PROVIDER_FIELDS: &[Field] = &[
    field(
        "label",
        ("Name shown to users", "向用户显示的名称"),
        ("e.g. USDT (TRC20); empty = the gateway's name.", "例如 USDT (TRC20)；留空则显示网关名。"),
    ),
    field(
        "url",
        ("Provider address", "服务商地址"),
        ("The provider's site; payers go to its submit.php.", "服务商网址；付款人会被带到其 submit.php。"),
    )
    .kind(FieldKind::Url)
    .required(),
    field(
        "pid",
        ("Merchant id (pid)", "商户 ID（pid）"),
        ("Your merchant number at the provider.", "您在服务商处的商户号。"),
    )
    .required(),
    field(
        "key",
        ("Merchant key", "商户密钥"),
        ("The provider's MD5 merchant key.", "服务商的 MD5 商户密钥。"),
    )
    .secret()
    .required(),
    field(
        "types",
        ("Payment types", "支付方式"),
        (
            "EPay type values users choose among, comma separated (alipay, wxpay, qqpay, usdt…); the first is the default.",
            "用户可选的易支付 type 值，用逗号分隔（alipay、wxpay、qqpay、usdt…）；第一个为默认。",
        ),
    ),
];

/// The `config` item listing the operator's EPay-compatible providers.
pub const PROVIDERS: &str = "epay_providers";

#[derive(Debug, Clone, Deserialize)]
pub struct Epay {
    pub name: String,
    #[serde(default)]
    pub label: String,
    pub url: String,
    #[serde(default)]
    pub pid: String,
    pub key: String,
    #[serde(default)]
    pub types: Vec<String>,
}

impl Epay {
    /// The built-in `epay` gateway, configured as before providers existed.
    pub fn builtin(url: String, pid: String, key: String) -> Epay {
        Epay {
            name: "epay".into(),
            label: "epay".into(),
            url,
            pid,
            key,
            types: vec!["alipay".into()],
        }
    }
}

/// Whether `name` may name an operator's provider.
pub fn valid_provider_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !NAMES.contains(&name)
        && name != super::DEBUG
}

/// The operator's providers from `epay_providers`; invalid entries and repeated names are left out.
pub fn providers(json: &str) -> Vec<Epay> {
    if json.trim().is_empty() {
        return Vec::new();
    }
    let Ok(list) = serde_json::from_str::<Vec<serde_json::Value>>(json) else {
        tracing::warn!("{PROVIDERS} is not a JSON list; no EPay providers loaded");
        return Vec::new();
    };
    let mut out: Vec<Epay> = Vec::new();
    for item in list {
        let Ok(mut p) = serde_json::from_value::<Epay>(item) else {
            tracing::warn!("an entry of {PROVIDERS} lacks name, url or key; left out");
            continue;
        };
        p.types.retain(|t| {
            !t.is_empty()
                && t.len() <= 32
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if !valid_provider_name(&p.name)
            || !super::is_web_url(&p.url)
            || p.key.is_empty()
            || out.iter().any(|o| o.name == p.name)
        {
            tracing::warn!(name = %p.name, "an entry of {PROVIDERS} is invalid or repeated; left out");
            continue;
        }
        if p.label.trim().is_empty() {
            p.label = p.name.clone();
        }
        p.label = p.label.chars().take(64).collect();
        if p.types.is_empty() {
            p.types.push("alipay".into());
        }
        out.push(p);
    }
    out
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
    fn name(&self) -> &str {
        &self.name
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn methods(&self) -> Vec<String> {
        self.types.clone()
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(
            super::is_web_url(&self.url) && !self.key.is_empty(),
            "EPay is not configured"
        );
        let kind = order
            .method
            .as_ref()
            .filter(|m| self.types.contains(m))
            .or(self.types.first())
            .cloned()
            .unwrap_or_else(|| "alipay".to_string());
        let mut params: Vec<(String, String)> = [
            ("pid", self.pid.clone()),
            ("type", kind),
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

    fn ack(&self, verdict: Verdict, _reason: &str) -> Ack {
        text_ack(verdict.accepted(), "success", "fail")
    }

    async fn test_connection(&self, ctx: &VerifyCtx<'_>) -> Option<Result<String, String>> {
        Some(super::reachable(ctx.http, &self.url).await)
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
        let gw = Epay::builtin("https://pay.example.com/".into(), "1001".into(), KEY.into());
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
    fn providers_are_read_and_checked() {
        let json = r#"[
            {"name": "usdtpay", "label": "USDT", "url": "https://u.example/", "pid": "7", "key": "k", "types": ["usdt", "bad type"]},
            {"name": "usdtpay", "url": "https://again.example/", "key": "k"},
            {"name": "epay", "url": "https://x.example/", "key": "k"},
            {"name": "Bad-Name", "url": "https://x.example/", "key": "k"},
            {"name": "nokey", "url": "https://x.example/", "key": ""},
            {"name": "script", "url": "javascript:alert(1)", "key": "k"},
            {"url": "https://x.example/", "key": "k"},
            {"name": "plain", "url": "https://p.example/", "key": "k2"}
        ]"#;
        let list = providers(json);
        let names: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["usdtpay", "plain"]);
        assert_eq!(list[0].types, ["usdt"]);
        assert_eq!(list[0].label, "USDT");
        assert_eq!(
            (list[1].label.as_str(), list[1].types.as_slice()),
            ("plain", &["alipay".to_string()][..])
        );
        assert!(providers("not json").is_empty());
        assert!(providers("").is_empty());
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
