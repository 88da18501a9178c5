//! Alipay open platform, face-to-face (当面付): `alipay.trade.precreate` for a QR code, and the
//! async notify verified with RSA2 (SHA256withRSA) over the sorted parameters.

use serde::Deserialize;

use super::fields::{field, Field, FieldKind};
use super::{
    param, rsa_private_key, rsa_public_key, rsa_sha256_sign, rsa_sha256_verify, text_ack, Ack,
    CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction, Rejection, Verdict,
    VerifiedPayment, VerifyCtx,
};
use crate::db::Money;

pub const SETTINGS: &[&str] = &[
    "f2f_pay_app_id",
    "f2f_pay_private_key",
    "f2f_pay_public_key",
];

/// What Alipay face-to-face's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "f2f_pay_app_id",
        ("App id", "应用 APPID"),
        (
            "The id of your app on Alipay's open platform.",
            "支付宝开放平台上应用的 APPID。",
        ),
    )
    .required(),
    field(
        "f2f_pay_private_key",
        ("App private key", "应用私钥"),
        (
            "Your app's RSA2 private key, as PEM or the bare base64 the key tool shows.",
            "应用的 RSA2 私钥，PEM 格式或密钥工具显示的 base64 均可。",
        ),
    )
    .kind(FieldKind::Multiline)
    .secret()
    .required(),
    field(
        "f2f_pay_public_key",
        ("Alipay public key", "支付宝公钥"),
        (
            "Alipay's public key (not your app's), from the app's interface signing settings.",
            "支付宝公钥（不是应用公钥），在应用的接口加签设置中。",
        ),
    )
    .kind(FieldKind::Multiline)
    .required(),
];

pub struct Alipay {
    pub app_id: String,
    /// The app's private key (signs requests).
    pub private_key: String,
    /// Alipay's public key (verifies notifies).
    pub public_key: String,
}

/// Sorted `k=v&…` of the parameters, leaving out `skip`, values empty after trim and values
/// starting with `@`, as Alipay's SDK does.
pub fn sign_content(params: &[(String, String)], skip: &[&str]) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.trim().is_empty() && !v.starts_with('@'))
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Deserialize)]
struct PrecreateEnvelope {
    alipay_trade_precreate_response: PrecreateResponse,
}

#[derive(Deserialize)]
struct PrecreateResponse {
    code: String,
    #[serde(default)]
    msg: String,
    qr_code: Option<String>,
}

#[async_trait::async_trait]
impl Gateway for Alipay {
    fn name(&self) -> &str {
        "alipay"
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        let key = rsa_private_key(&self.private_key)
            .ok_or_else(|| anyhow::anyhow!("Alipay private key is missing or unreadable"))?;
        let biz = serde_json::json!({
            "out_trade_no": order.tradeno,
            "total_amount": order.total.to_string(),
            "subject": format!("Top-up {}", order.total),
        });
        let mut params: Vec<(String, String)> = [
            ("app_id", self.app_id.clone()),
            ("method", "alipay.trade.precreate".to_string()),
            ("format", "JSON".to_string()),
            ("charset", "utf-8".to_string()),
            ("sign_type", "RSA2".to_string()),
            (
                "timestamp",
                chrono::Utc::now()
                    .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
            ("version", "1.0".to_string()),
            ("notify_url", ctx.notify_url.clone()),
            ("biz_content", biz.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let signature = rsa_sha256_sign(&key, sign_content(&params, &["sign"]).as_bytes());
        params.push(("sign".into(), signature));
        let base = ctx
            .config
            .gateway_base_url("alipay", "https://openapi.alipay.com");
        let resp: PrecreateEnvelope = ctx
            .http
            .post(format!("{}/gateway.do", base.trim_end_matches('/')))
            .form(&params)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let r = resp.alipay_trade_precreate_response;
        anyhow::ensure!(
            r.code == "10000",
            "Alipay precreate failed: {} {}",
            r.code,
            r.msg
        );
        Ok(PaymentAction::QrCode {
            content: r
                .qr_code
                .ok_or_else(|| anyhow::anyhow!("Alipay returned no qr_code"))?,
        })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        _ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        let params = req.params();
        let tradeno = param(&params, "out_trade_no");
        let reject = |r: &str| Rejection::new(r).with_tradeno(tradeno);
        let key = rsa_public_key(&self.public_key)
            .ok_or_else(|| reject("Alipay public key is missing or unreadable"))?;
        let content = sign_content(&params, &["sign", "sign_type"]);
        let sign = param(&params, "sign").unwrap_or("");
        if !rsa_sha256_verify(&key, content.as_bytes(), sign) {
            return Err(reject("bad signature"));
        }
        if !self.app_id.is_empty() && param(&params, "app_id") != Some(self.app_id.as_str()) {
            return Err(reject("wrong app_id"));
        }
        if !matches!(
            param(&params, "trade_status"),
            Some("TRADE_SUCCESS" | "TRADE_FINISHED")
        ) {
            return Err(reject("not paid"));
        }
        let amount = param(&params, "total_amount")
            .and_then(|m| m.parse::<Money>().ok())
            .ok_or_else(|| reject("bad amount"))?;
        Ok(VerifiedPayment {
            tradeno: tradeno
                .ok_or_else(|| reject("no out_trade_no"))?
                .to_string(),
            amount,
            currency: Some("cny".into()),
        })
    }

    fn ack(&self, verdict: Verdict, _reason: &str) -> Ack {
        text_ack(verdict.accepted(), "success", "failure")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_canonicalisation_example() {
        let query = "total_amount=2.00&buyer_id=2088102116773037&body=大乐透2.1&trade_no=2016071921001003030200089909&refund_fee=0.00&notify_time=2016-07-19 14:10:49&subject=大乐透2.1&sign_type=RSA2&charset=utf-8&notify_type=trade_status_sync&out_trade_no=0719141034-6418&gmt_close=2016-07-19 14:10:46&gmt_payment=2016-07-19 14:10:47&trade_status=TRADE_SUCCESS&version=1.0&sign=xyz&gmt_create=2016-07-19 14:10:44&app_id=2015102700040153&seller_id=2088102119685838&notify_id=4a91b7a78a503640467525113fb7d8bg8e";
        let params: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        assert_eq!(
            sign_content(&params, &["sign", "sign_type"]),
            "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46&gmt_create=2016-07-19 14:10:44&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0"
        );
    }
}
