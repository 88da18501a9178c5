//! WeChat Pay API v2 (the XML protocol): Native pay, whose unified order answers a `code_url` for a
//! QR code.
//!
//! Requests and notifies are flat XML documents (`<xml><key>value</key>…</xml>`), read and written
//! with quick-xml. Signature: every non-empty field but `sign`, sorted by name, joined as
//! `k=v&k=v`, then `&key=<API key>`; MD5 of that, or HMAC-SHA256 keyed with the API key, in
//! upper-case hex (`wechat_v2_sign_type`: `MD5`, the default, or `HMAC-SHA256`). A notify is paid
//! when `return_code` and `result_code` are `SUCCESS`, for our `appid` and `mch_id`; `total_fee` is
//! in fen. The answer is `<xml><return_code>SUCCESS|FAIL</return_code>…</xml>`.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::fields::{field, Field, FieldKind};
use super::{
    param, sorted_query, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction,
    Rejection, Verdict, VerifiedPayment, VerifyCtx,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &[
    "wechat_v2_appid",
    "wechat_v2_mchid",
    "wechat_v2_key",
    "wechat_v2_sign_type",
];

/// What WeChat Pay v2's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "wechat_v2_appid",
        ("App id", "AppID"),
        (
            "The AppID bound to the merchant account.",
            "与商户号绑定的 AppID。",
        ),
    )
    .required(),
    field(
        "wechat_v2_mchid",
        ("Merchant id", "商户号"),
        (
            "Your WeChat Pay merchant number (mch_id).",
            "微信支付商户号（mch_id）。",
        ),
    )
    .required(),
    field(
        "wechat_v2_key",
        ("API key", "API 密钥"),
        (
            "The 32-character API key (v2) set in the merchant platform.",
            "在商户平台设置的 32 位 API 密钥（v2）。",
        ),
    )
    .secret()
    .required(),
    field(
        "wechat_v2_sign_type",
        ("Signature type", "签名方式"),
        (
            "MD5 or HMAC-SHA256, as set for the merchant.",
            "MD5 或 HMAC-SHA256，与商户设置一致。",
        ),
    )
    .kind(FieldKind::Choice(&["MD5", "HMAC-SHA256"])),
];

pub struct WechatV2 {
    pub appid: String,
    pub mchid: String,
    /// The merchant's API key (API 密钥).
    pub key: String,
    /// `MD5` (also when empty) or `HMAC-SHA256`.
    pub sign_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignType {
    Md5,
    HmacSha256,
}

impl SignType {
    pub fn parse(s: &str) -> Option<SignType> {
        match s.trim().to_ascii_uppercase().as_str() {
            "" | "MD5" => Some(SignType::Md5),
            "HMAC-SHA256" => Some(SignType::HmacSha256),
            _ => None,
        }
    }
}

/// The signature of `params` (`sign` and empty values left out), upper-case hex.
pub fn sign(params: &[(String, String)], key: &str, sign_type: SignType) -> String {
    let text = format!("{}&key={key}", sorted_query(params, &["sign"]));
    match sign_type {
        SignType::Md5 => hex::encode_upper(Md5::digest(text.as_bytes())),
        SignType::HmacSha256 => {
            let mut mac =
                Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
            mac.update(text.as_bytes());
            hex::encode_upper(mac.finalize().into_bytes())
        }
    }
}

/// Reads a flat `<xml>` document into its fields; `None` if it is not one.
pub fn parse_xml(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let fields: BTreeMap<String, String> = quick_xml::de::from_str(text).ok()?;
    Some(fields.into_iter().collect())
}

/// Writes fields as a flat `<xml>` document, values escaped.
pub fn write_xml(params: &[(String, String)]) -> String {
    let fields: BTreeMap<&str, &str> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    quick_xml::se::to_string_with_root("xml", &fields).expect("a map of strings serialises")
}

/// An amount in fen; `None` unless it is whole fen.
pub fn fen(amount: Money) -> Option<i64> {
    let scaled = amount.0 * rust_decimal::Decimal::from(100);
    if scaled.fract() != rust_decimal::Decimal::ZERO {
        return None;
    }
    i64::try_from(scaled).ok()
}

impl WechatV2 {
    fn sign_type(&self) -> Result<SignType, Rejection> {
        SignType::parse(&self.sign_type)
            .ok_or_else(|| Rejection::new("wechat_v2_sign_type is neither MD5 nor HMAC-SHA256"))
    }

    /// Whether `params` carry our valid signature.
    fn signed(&self, params: &[(String, String)], sign_type: SignType) -> bool {
        let given = param(params, "sign").unwrap_or("");
        let expected = sign(params, &self.key, sign_type);
        !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
    }

    /// Checks a notify: the XML, its signature, the merchant and the paid state.
    pub fn check(&self, body: &[u8]) -> Result<VerifiedPayment, Rejection> {
        if self.key.is_empty() {
            return Err(Rejection::new("WeChat Pay v2 is not configured"));
        }
        let sign_type = self.sign_type()?;
        let params = parse_xml(body).ok_or_else(|| Rejection::new("unreadable XML"))?;
        let tradeno = param(&params, "out_trade_no");
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno);
        // A notify may name its own sign type; it must be the merchant's.
        if let Some(given) = param(&params, "sign_type") {
            if SignType::parse(given) != Some(sign_type) {
                return Err(reject("unexpected sign_type"));
            }
        }
        if !self.signed(&params, sign_type) {
            return Err(reject("bad signature"));
        }
        if param(&params, "appid") != Some(self.appid.as_str())
            || param(&params, "mch_id") != Some(self.mchid.as_str())
        {
            return Err(reject("wrong appid or mch_id"));
        }
        if param(&params, "return_code") != Some("SUCCESS")
            || param(&params, "result_code") != Some("SUCCESS")
        {
            return Err(reject("not paid"));
        }
        if param(&params, "fee_type").is_some_and(|c| c != "CNY") {
            return Err(reject("not paid in CNY"));
        }
        let fen: i64 = param(&params, "total_fee")
            .and_then(|f| f.parse().ok())
            .filter(|f: &i64| *f > 0)
            .ok_or_else(|| reject("bad total_fee"))?;
        Ok(VerifiedPayment {
            tradeno: tradeno
                .ok_or_else(|| reject("no out_trade_no"))?
                .to_string(),
            amount: Money::from_cents(fen),
            currency: None,
        })
    }
}

fn pairs(items: &[(&str, String)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[async_trait::async_trait]
impl Gateway for WechatV2 {
    fn name(&self) -> &str {
        "wechat_v2"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(
            !self.key.is_empty() && !self.appid.is_empty() && !self.mchid.is_empty(),
            "WeChat Pay v2 is not configured"
        );
        let sign_type = self.sign_type().map_err(|r| anyhow::anyhow!(r.reason))?;
        let total_fee =
            fen(order.total).ok_or_else(|| anyhow::anyhow!("amount is not whole fen"))?;
        let mut params = pairs(&[
            ("appid", self.appid.clone()),
            ("mch_id", self.mchid.clone()),
            ("nonce_str", crate::random::random_token(32)),
            ("body", format!("Top-up {}", order.total)),
            ("out_trade_no", order.tradeno.clone()),
            ("total_fee", total_fee.to_string()),
            ("spbill_create_ip", ctx.client_ip.clone()),
            ("notify_url", ctx.notify_url.clone()),
            ("trade_type", "NATIVE".into()),
            ("product_id", order.id.to_string()),
        ]);
        if sign_type == SignType::HmacSha256 {
            params.push(("sign_type".into(), "HMAC-SHA256".into()));
        }
        let signature = sign(&params, &self.key, sign_type);
        params.push(("sign".into(), signature));
        let base = ctx
            .config
            .gateway_base_url("wechat_v2", "https://api.mch.weixin.qq.com");
        let answer = ctx
            .http
            .post(format!("{}/pay/unifiedorder", base.trim_end_matches('/')))
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(write_xml(&params))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let reply = parse_xml(&answer).ok_or_else(|| anyhow::anyhow!("unreadable answer"))?;
        let field = |k: &str| param(&reply, k).unwrap_or("");
        anyhow::ensure!(
            field("return_code") == "SUCCESS",
            "unified order refused: {}",
            field("return_msg")
        );
        anyhow::ensure!(self.signed(&reply, sign_type), "answer badly signed");
        anyhow::ensure!(
            field("result_code") == "SUCCESS",
            "unified order failed: {} {}",
            field("err_code"),
            field("err_code_des")
        );
        let code_url = field("code_url");
        anyhow::ensure!(!code_url.is_empty(), "no code_url in the answer");
        Ok(PaymentAction::QrCode {
            content: code_url.to_string(),
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
        let (status, code, msg) = if verdict.accepted() {
            (200, "SUCCESS", "OK")
        } else {
            (400, "FAIL", "rejected")
        };
        let body = write_xml(&pairs(&[
            ("return_code", code.into()),
            ("return_msg", msg.into()),
        ]));
        Ack::new(status, "text/xml; charset=utf-8", body)
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

    /// The published example of WeChat Pay v2's signature rules (安全规范).
    #[test]
    fn published_vector() {
        let params = p(&[
            ("appid", "wxd930ea5d5a258f4f"),
            ("mch_id", "10000100"),
            ("device_info", "1000"),
            ("body", "test"),
            ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ]);
        let key = "192006250b4c09247ec02edce69f6a2d";
        assert_eq!(
            sign(&params, key, SignType::Md5),
            "9A0A8659F005D6984697E2CA0A9CF3B7"
        );
        assert_eq!(
            sign(&params, key, SignType::HmacSha256),
            "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
        );
    }

    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

    fn gateway(sign_type: &str) -> WechatV2 {
        WechatV2 {
            appid: "wxd930ea5d5a258f4f".into(),
            mchid: "10000100".into(),
            key: KEY.into(),
            sign_type: sign_type.into(),
        }
    }

    fn notify(sign_type: SignType, fee: &str) -> String {
        let mut params = p(&[
            ("appid", "wxd930ea5d5a258f4f"),
            ("mch_id", "10000100"),
            ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
            ("out_trade_no", "20240101ABCD"),
            ("result_code", "SUCCESS"),
            ("return_code", "SUCCESS"),
            ("total_fee", fee),
            ("fee_type", "CNY"),
            ("transaction_id", "1004400740201409030005092168"),
            ("attach", "a <b> & \"c\""),
        ]);
        params.push(("sign".into(), sign(&params, KEY, sign_type)));
        write_xml(&params)
    }

    #[test]
    fn notifies_verify_with_either_sign_type() {
        for (name, t) in [
            ("MD5", SignType::Md5),
            ("HMAC-SHA256", SignType::HmacSha256),
        ] {
            let gw = gateway(name);
            let v = gw.check(notify(t, "1005").as_bytes()).unwrap();
            assert_eq!(
                (v.tradeno.as_str(), v.amount),
                ("20240101ABCD", Money::from_cents(1005))
            );
            let tampered = notify(t, "1005").replace(">1005<", ">100500<");
            assert_eq!(
                gw.check(tampered.as_bytes()).unwrap_err().reason,
                "bad signature"
            );
        }
        // Signed with the other scheme: refused.
        assert!(gateway("MD5")
            .check(notify(SignType::HmacSha256, "1").as_bytes())
            .is_err());
    }

    #[test]
    fn cdata_and_plain_text_read_alike() {
        let doc = "<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee><e></e></xml>";
        assert_eq!(
            parse_xml(doc.as_bytes()).unwrap(),
            p(&[("e", ""), ("return_code", "SUCCESS"), ("total_fee", "1")])
        );
        assert!(parse_xml(b"<xml><a><b>1</b></a></xml>").is_none());
        assert!(parse_xml(b"not xml").is_none());
        // No external (or any declared) entities are expanded.
        let xxe =
            br#"<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>"#;
        assert!(parse_xml(xxe).is_none());
        let written = write_xml(&p(&[("a", "x<&>y")]));
        assert_eq!(parse_xml(written.as_bytes()).unwrap(), p(&[("a", "x<&>y")]));
    }

    #[test]
    fn amounts_in_fen() {
        assert_eq!(fen(Money::from_cents(1005)), Some(1005));
        assert_eq!(fen(Money("0.015".parse().unwrap())), None);
    }
}
