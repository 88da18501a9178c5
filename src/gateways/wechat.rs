//! WeChat Pay API v3: Native pay (`code_url` for a QR code); callbacks signed with the platform
//! public key over `timestamp\nnonce\nbody\n`, with the transaction encrypted in AES-256-GCM.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use serde::Deserialize;

use super::fields::{field, Field, FieldKind};
use super::{
    rsa_private_key, rsa_public_key, rsa_sha256_sign, rsa_sha256_verify, Ack, CallbackRequest,
    CreateCtx, Gateway, OrderRef, PaymentAction, Rejection, Verdict, VerifiedPayment, VerifyCtx,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &[
    "wechat_appid",
    "wechat_mchid",
    "wechat_serial_no",
    "wechat_private_key",
    "wechat_platform_public_key",
    "wechat_apiv3_key",
];

/// What WeChat Pay v3's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "wechat_appid",
        ("App id", "AppID"),
        (
            "The AppID bound to the merchant account.",
            "与商户号绑定的 AppID。",
        ),
    )
    .required(),
    field(
        "wechat_mchid",
        ("Merchant id", "商户号"),
        (
            "Your WeChat Pay merchant number (mchid).",
            "微信支付商户号（mchid）。",
        ),
    )
    .required(),
    field(
        "wechat_serial_no",
        ("Certificate serial number", "商户证书序列号"),
        (
            "Serial number of the merchant API certificate.",
            "商户 API 证书的序列号。",
        ),
    )
    .required(),
    field(
        "wechat_private_key",
        ("Merchant private key", "商户私钥"),
        (
            "apiclient_key.pem, the merchant API certificate's private key.",
            "apiclient_key.pem，商户 API 证书的私钥。",
        ),
    )
    .kind(FieldKind::Multiline)
    .secret()
    .required(),
    field(
        "wechat_platform_public_key",
        ("Platform public key", "平台公钥"),
        (
            "WeChat Pay's platform public key (PEM), to check notifications.",
            "微信支付平台公钥（PEM），用于校验回调。",
        ),
    )
    .kind(FieldKind::Multiline)
    .required(),
    field(
        "wechat_apiv3_key",
        ("APIv3 key", "APIv3 密钥"),
        (
            "The 32-character APIv3 key set in the merchant platform.",
            "在商户平台设置的 32 位 APIv3 密钥。",
        ),
    )
    .secret()
    .required(),
];
pub const TOLERANCE_SECS: i64 = 300;

pub struct Wechat {
    pub appid: String,
    pub mchid: String,
    /// Serial number of the merchant certificate (names the key requests are signed with).
    pub serial_no: String,
    pub private_key: String,
    pub platform_public_key: String,
    pub apiv3_key: String,
}

#[derive(Deserialize)]
struct Notification {
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    ciphertext: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(default)]
    mchid: String,
    out_trade_no: String,
    trade_state: String,
    amount: Amount,
}

#[derive(Deserialize)]
struct Amount {
    total: i64,
    #[serde(default)]
    currency: Option<String>,
}

/// Decrypts a v3 `resource`: the ciphertext ends with the 16-byte GCM tag.
pub fn decrypt(
    key: &str,
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Option<Vec<u8>> {
    if key.len() != 32 || nonce.len() != 12 {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).ok()?;
    let data = base64::engine::general_purpose::STANDARD
        .decode(ciphertext_b64)
        .ok()?;
    cipher
        .decrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: &data,
                aad: associated_data.as_bytes(),
            },
        )
        .ok()
}

impl Wechat {
    pub fn verify_at(&self, req: &CallbackRequest, now: i64) -> Result<VerifiedPayment, Rejection> {
        let key = rsa_public_key(&self.platform_public_key)
            .ok_or_else(|| Rejection::new("WeChat platform public key is missing or unreadable"))?;
        let (Some(ts), Some(nonce), Some(sig)) = (
            req.header("wechatpay-timestamp"),
            req.header("wechatpay-nonce"),
            req.header("wechatpay-signature"),
        ) else {
            return Err(Rejection::new("missing Wechatpay headers"));
        };
        let mut message = Vec::with_capacity(req.body.len() + 64);
        message.extend_from_slice(format!("{ts}\n{nonce}\n").as_bytes());
        message.extend_from_slice(&req.body);
        message.push(b'\n');
        if !rsa_sha256_verify(&key, &message, sig) {
            return Err(Rejection::new("bad signature"));
        }
        let ts: i64 = ts.parse().map_err(|_| Rejection::new("bad timestamp"))?;
        if (now - ts).abs() > TOLERANCE_SECS {
            return Err(Rejection::new("timestamp outside the tolerance"));
        }
        let n: Notification = serde_json::from_slice(&req.body)
            .map_err(|_| Rejection::new("unreadable notification"))?;
        let plain = decrypt(
            &self.apiv3_key,
            &n.resource.nonce,
            &n.resource.associated_data,
            &n.resource.ciphertext,
        )
        .ok_or_else(|| Rejection::new("resource does not decrypt"))?;
        let t: Transaction =
            serde_json::from_slice(&plain).map_err(|_| Rejection::new("unreadable transaction"))?;
        let reject = |r: &str| Rejection::new(r).with_tradeno(Some(t.out_trade_no.as_str()));
        if !self.mchid.is_empty() && t.mchid != self.mchid {
            return Err(reject("wrong mchid"));
        }
        if t.trade_state != "SUCCESS" {
            return Err(reject("not paid"));
        }
        Ok(VerifiedPayment {
            tradeno: t.out_trade_no.clone(),
            amount: Money::from_cents(t.amount.total),
            currency: t.amount.currency.map(|c| c.to_ascii_lowercase()),
        })
    }
}

#[derive(Deserialize)]
struct NativeResponse {
    code_url: String,
}

#[async_trait::async_trait]
impl Gateway for Wechat {
    fn name(&self) -> &str {
        "wechat"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        let key = rsa_private_key(&self.private_key).ok_or_else(|| {
            anyhow::anyhow!("WeChat merchant private key is missing or unreadable")
        })?;
        let path = "/v3/pay/transactions/native";
        let fen = i64::try_from((order.total.0 * rust_decimal::Decimal::from(100)).trunc())?;
        let body = serde_json::json!({
            "appid": self.appid,
            "mchid": self.mchid,
            "description": format!("Top-up {}", order.total),
            "out_trade_no": order.tradeno,
            "notify_url": ctx.notify_url,
            "amount": {"total": fen, "currency": "CNY"},
        })
        .to_string();
        let ts = chrono::Utc::now().timestamp();
        let nonce = crate::random::random_token(32);
        let signature = rsa_sha256_sign(
            &key,
            format!("POST\n{path}\n{ts}\n{nonce}\n{body}\n").as_bytes(),
        );
        let auth = format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{ts}\",serial_no=\"{}\"",
            self.mchid, self.serial_no
        );
        let base = ctx
            .config
            .gateway_base_url("wechat", "https://api.mch.weixin.qq.com");
        let resp: NativeResponse = ctx
            .http
            .post(format!("{}{path}", base.trim_end_matches('/')))
            .header("Authorization", auth)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(PaymentAction::QrCode {
            content: resp.code_url,
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
        if verdict.accepted() {
            Ack::new(204, "text/plain; charset=utf-8", "")
        } else {
            Ack::json(
                400,
                &serde_json::json!({"code": "FAIL", "message": "rejected"}),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decrypts_the_fixture() {
        let plain = decrypt(
            "0123456789abcdef0123456789abcdef",
            "abcdefghijkl",
            "transaction",
            "Eu6k3KOMCfFZPsMoOqloD2wBiy6brE00a8ph6KA9qo8zps/eFHbAk3hOoJE+osaf3RGemJkqBJq6mhA+2Mz8IO7Jq56vsyUIVgohRAsJiVKPm59WkuQFfb4lEb4DhUsFgb/fmJrdOHzFoQvmWIpC7EXj3iNWuI6xHfN2U+EmI5pOPzwTLA==",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            r#"{"mchid":"1900000001","out_trade_no":"20240101ABCD","trade_state":"SUCCESS","amount":{"total":1000,"currency":"CNY"}}"#
        );
        assert!(decrypt(
            "0123456789abcdef0123456789abcdef",
            "abcdefghijkl",
            "other",
            "AAAA"
        )
        .is_none());
    }
}
