//! PayPal, Orders v2 REST API, with SSPanel-UIM's settings (`paypal_mode`, `paypal_client_id`,
//! `paypal_client_secret`, `paypal_currency`, `paypal_locale`).
//!
//! Paying: an OAuth2 client-credentials token, `POST /v2/checkout/orders` (intent CAPTURE,
//! `reference_id` = our tradeno) and a redirect to the approve link. The PayPal order id is bound to
//! our order in `spanel_gateway_order`. After approval the panel's page calls the notify endpoint
//! with the PayPal order id (`order_id`, as SSPanel's page does, or `token`, as PayPal appends to
//! the return URL) and spanel captures the order (`POST /v2/checkout/orders/{id}/capture`). The
//! capture is our own authenticated call, so its answer needs no signature; it is credited only when
//! the capture is COMPLETED in the currency the order was created in (the amount is checked against
//! the order by the caller). Ids that were never bound are not captured at all.
//!
//! Webhooks (requests carrying `PAYPAL-TRANSMISSION-*` headers) are verified through PayPal's API
//! (`POST /v1/notifications/verify-webhook-signature` with `paypal_webhook_id`).
//! `CHECKOUT.ORDER.APPROVED` captures the order, so a buyer who closes the tab after approving is
//! still credited; `PAYMENT.CAPTURE.COMPLETED` reads the order back and judges it as above; other
//! events are acknowledged without crediting.

use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::fields::{field, Field, FieldKind};
use super::{
    param, Ack, CallbackRequest, CreateCtx, Gateway, OrderRef, PaymentAction, Rejection, Verdict,
    VerifiedPayment, VerifyCtx,
};
use crate::config::Config;
use crate::db::payment::{find_gateway_order, insert_gateway_order, GatewayOrder};
use crate::db::Money;

pub const SETTINGS: &[&str] = &[
    "paypal_mode",
    "paypal_client_id",
    "paypal_client_secret",
    "paypal_currency",
    "paypal_locale",
    "paypal_webhook_id",
];

/// What PayPal's settings mean.
pub const FIELDS: &[Field] = &[
    field(
        "paypal_mode",
        ("Environment", "环境"),
        ("sandbox for tests, live for real payments.", "sandbox 用于测试，live 用于真实收款。"),
    )
    .kind(FieldKind::Choice(&["sandbox", "live"])),
    field(
        "paypal_client_id",
        ("Client id", "Client ID"),
        ("Of a REST app under Developer Dashboard → Apps & Credentials.", "开发者后台“Apps & Credentials”中 REST 应用的 Client ID。"),
    )
    .required(),
    field(
        "paypal_client_secret",
        ("Client secret", "Client Secret"),
        ("The same app's secret.", "同一应用的 Secret。"),
    )
    .secret()
    .required(),
    field(
        "paypal_currency",
        ("Currency", "币种"),
        ("ISO 4217 code, e.g. USD.", "ISO 4217 代码，例如 USD。"),
    )
    .required(),
    field(
        "paypal_locale",
        ("Checkout language", "结账页语言"),
        ("e.g. en-US or zh-CN; empty lets PayPal decide.", "例如 en-US 或 zh-CN；留空由 PayPal 决定。"),
    ),
    field(
        "paypal_webhook_id",
        ("Webhook id", "Webhook ID"),
        (
            "Shown after adding the callback URL as a webhook (events CHECKOUT.ORDER.APPROVED and PAYMENT.CAPTURE.COMPLETED); without it webhooks are refused and only returning payers are credited.",
            "把回调地址添加为 Webhook（事件 CHECKOUT.ORDER.APPROVED 与 PAYMENT.CAPTURE.COMPLETED）后显示；不填则拒绝 Webhook，只有返回网站的付款人会入账。",
        ),
    ),
];

const NAME: &str = "paypal";
const LIVE_API: &str = "https://api-m.paypal.com";
const SANDBOX_API: &str = "https://api-m.sandbox.paypal.com";
/// Currencies PayPal counts in whole units.
const ZERO_DECIMAL: &[&str] = &["HUF", "JPY", "TWD"];

pub struct Paypal {
    /// `live`, or anything else for the sandbox (SSPanel's values are `sandbox` and `live`).
    pub mode: String,
    pub client_id: String,
    pub client_secret: String,
    pub currency: String,
    pub locale: String,
    pub webhook_id: String,
}

/// The transmission headers of a PayPal webhook, as `verify-webhook-signature` wants them.
const WEBHOOK_HEADERS: [(&str, &str); 5] = [
    ("paypal-auth-algo", "auth_algo"),
    ("paypal-cert-url", "cert_url"),
    ("paypal-transmission-id", "transmission_id"),
    ("paypal-transmission-sig", "transmission_sig"),
    ("paypal-transmission-time", "transmission_time"),
];

/// The body of a `verify-webhook-signature` call for this webhook, or why it cannot be one.
pub fn webhook_verification(req: &CallbackRequest, webhook_id: &str) -> Result<Value, Rejection> {
    let mut body = serde_json::Map::new();
    for (header, field) in WEBHOOK_HEADERS {
        let value = req
            .header(header)
            .ok_or_else(|| Rejection::new(format!("webhook without {header}")))?;
        body.insert(field.into(), Value::String(value.into()));
    }
    body.insert("webhook_id".into(), Value::String(webhook_id.into()));
    let event: Value = serde_json::from_slice(&req.body)
        .map_err(|_| Rejection::new("webhook body is not JSON"))?;
    body.insert("webhook_event".into(), event);
    Ok(Value::Object(body))
}

/// The PayPal order a verified webhook event is about, for the events that can pay one: the order
/// itself for `CHECKOUT.ORDER.APPROVED` / `CHECKOUT.ORDER.COMPLETED`, the capture's order for
/// `PAYMENT.CAPTURE.COMPLETED`. `None` for every other event.
pub fn webhook_order_id(event: &Value) -> Option<String> {
    let resource = &event["resource"];
    let id = match event["event_type"].as_str()? {
        "CHECKOUT.ORDER.APPROVED" | "CHECKOUT.ORDER.COMPLETED" => resource["id"].as_str(),
        "PAYMENT.CAPTURE.COMPLETED" => {
            resource["supplementary_data"]["related_ids"]["order_id"].as_str()
        }
        _ => None,
    }?;
    Some(id.to_string())
}

#[derive(Deserialize)]
struct WebhookVerdict {
    verification_status: String,
}

/// PayPal order ids match `^[A-Z0-9]+$` with at most 36 characters; nothing else goes into a URL.
pub fn valid_order_id(id: &str) -> bool {
    (1..=36).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The amount as PayPal writes it: two decimals, or whole units for zero-decimal currencies
/// (`None` when the amount has cents there).
pub fn format_amount(currency: &str, amount: Money) -> Option<String> {
    if ZERO_DECIMAL.contains(&currency) {
        amount
            .0
            .fract()
            .is_zero()
            .then(|| amount.0.trunc().to_string())
    } else {
        Some(amount.to_string())
    }
}

/// The create-order request body.
pub fn order_request(
    tradeno: &str,
    currency: &str,
    value: &str,
    locale: &str,
    return_url: &str,
) -> Value {
    let mut experience = json!({
        "return_url": return_url,
        "cancel_url": return_url,
        "user_action": "PAY_NOW",
        "shipping_preference": "NO_SHIPPING",
    });
    // SSPanel's setting may be written `en_US`; PayPal wants BCP 47 (`en-US`).
    let locale = locale.trim().replace('_', "-");
    if !locale.is_empty() {
        experience["locale"] = json!(locale);
    }
    json!({
        "intent": "CAPTURE",
        "purchase_units": [{
            "reference_id": tradeno,
            "custom_id": tradeno,
            "description": "Top-up",
            "amount": {"currency_code": currency, "value": value},
        }],
        "payment_source": {"paypal": {"experience_context": experience}},
    })
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
    /// Seconds the token lives (PayPal issues them for hours).
    #[serde(default)]
    expires_in: u64,
}

/// Access tokens by credentials (API base, client id, secret), with when to stop using them:
/// PayPal asks clients to reuse a token until it expires instead of requesting one per call.
type TokenCache = std::collections::HashMap<(String, String, String), (String, Instant)>;
static TOKENS: std::sync::LazyLock<std::sync::Mutex<TokenCache>> =
    std::sync::LazyLock::new(Default::default);

#[derive(Deserialize)]
struct Link {
    href: String,
    rel: String,
}

#[derive(Deserialize)]
struct CreatedOrder {
    id: String,
    #[serde(default)]
    links: Vec<Link>,
}

/// Where the buyer approves: `payer-action` when the request names a payment source, `approve`
/// otherwise.
fn approve_link(links: &[Link]) -> Option<&str> {
    links
        .iter()
        .find(|l| l.rel == "payer-action" || l.rel == "approve")
        .map(|l| l.href.as_str())
}

/// An order as the capture (or a later GET) returns it.
#[derive(Debug, Deserialize)]
pub struct OrderState {
    #[serde(default)]
    status: String,
    #[serde(default)]
    purchase_units: Vec<PurchaseUnit>,
}

#[derive(Debug, Deserialize)]
struct PurchaseUnit {
    reference_id: Option<String>,
    payments: Option<Payments>,
}

#[derive(Debug, Deserialize)]
struct Payments {
    #[serde(default)]
    captures: Vec<Capture>,
}

#[derive(Debug, Deserialize)]
struct Capture {
    #[serde(default)]
    status: String,
    amount: Option<Amount>,
}

#[derive(Debug, Deserialize)]
struct Amount {
    currency_code: String,
    value: String,
}

/// What a captured order pays for `bound`: the capture must be COMPLETED, for our reference, in
/// the currency the order was created in.
pub fn check_capture(
    order: &OrderState,
    bound: &GatewayOrder,
) -> Result<VerifiedPayment, Rejection> {
    let reject = |r: String| Rejection::new(r).with_tradeno(Some(&bound.tradeno));
    if order.status != "COMPLETED" {
        return Err(reject(format!("PayPal order status is {}", order.status)));
    }
    let unit = order
        .purchase_units
        .iter()
        .find(|u| u.reference_id.as_deref() == Some(bound.tradeno.as_str()))
        .ok_or_else(|| reject("the PayPal order is for another reference".into()))?;
    let capture = unit
        .payments
        .as_ref()
        .and_then(|p| p.captures.first())
        .ok_or_else(|| reject("the PayPal order has no capture".into()))?;
    if capture.status != "COMPLETED" {
        return Err(reject(format!(
            "PayPal capture status is {}",
            capture.status
        )));
    }
    let amount = capture
        .amount
        .as_ref()
        .ok_or_else(|| reject("the PayPal capture has no amount".into()))?;
    if amount.currency_code != bound.currency {
        return Err(reject(format!(
            "captured in {}, the order is in {}",
            amount.currency_code, bound.currency
        )));
    }
    let paid = Money::parse_amount(&amount.value)
        .ok_or_else(|| reject("unreadable captured amount".into()))?;
    Ok(VerifiedPayment {
        tradeno: bound.tradeno.clone(),
        amount: paid,
        currency: Some(amount.currency_code.clone()),
    })
}

/// A failed PayPal API call, described with nothing secret in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// `None` when PayPal could not be reached or its answer could not be read.
    pub status: Option<u16>,
    /// PayPal's error `name` (or OAuth `error`).
    pub name: String,
    /// The first `details[].issue`, e.g. `ORDER_ALREADY_CAPTURED`.
    pub issue: Option<String>,
    pub debug_id: Option<String>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status} {}", self.name)?,
            None => write!(f, "{}", self.name)?,
        }
        if let Some(issue) = &self.issue {
            write!(f, " ({issue})")?;
        }
        if let Some(id) = &self.debug_id {
            write!(f, ", debug id {id}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiFailure {}

impl ApiFailure {
    fn unreachable() -> ApiFailure {
        ApiFailure {
            status: None,
            name: "unreachable".into(),
            issue: None,
            debug_id: None,
        }
    }
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    name: Option<String>,
    /// OAuth errors use `error` instead of `name`.
    error: Option<String>,
    debug_id: Option<String>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    issue: Option<String>,
}

/// Reads a PayPal error answer (REST `name`/`details[].issue`/`debug_id`, or OAuth `error`).
pub fn describe_error(status: u16, body: &[u8]) -> ApiFailure {
    let e: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    ApiFailure {
        status: Some(status),
        name: e.name.or(e.error).unwrap_or_else(|| "error".into()),
        issue: e.details.into_iter().find_map(|d| d.issue),
        debug_id: e.debug_id,
    }
}

async fn send<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, ApiFailure> {
    let resp = req.send().await.map_err(|e| {
        tracing::warn!(error = %e, "PayPal API unreachable");
        ApiFailure::unreachable()
    })?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|_| ApiFailure::unreachable())?;
    if !(200..300).contains(&status) {
        return Err(describe_error(status, &body));
    }
    serde_json::from_slice(&body).map_err(|_| ApiFailure {
        status: Some(status),
        name: "unreadable answer".into(),
        issue: None,
        debug_id: None,
    })
}

/// The order id a notify names: `order_id` (SSPanel's page) or `token` (PayPal's return URL), in
/// the query, a form body or a JSON body.
fn order_id_of(req: &CallbackRequest) -> Option<String> {
    let params = req.params();
    if let Some(id) = param(&params, "order_id").or_else(|| param(&params, "token")) {
        return Some(id.to_string());
    }
    let body: Value = serde_json::from_slice(&req.body).ok()?;
    ["order_id", "token"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

impl Paypal {
    fn api(&self, config: &Config) -> String {
        let default = if self.mode.trim().eq_ignore_ascii_case("live") {
            LIVE_API
        } else {
            SANDBOX_API
        };
        config
            .gateway_base_url(NAME, default)
            .trim_end_matches('/')
            .to_string()
    }

    fn currency(&self) -> String {
        self.currency.trim().to_ascii_uppercase()
    }

    fn configured(&self) -> bool {
        !self.client_id.is_empty() && !self.client_secret.is_empty()
    }

    fn token_key(&self, api: &str) -> (String, String, String) {
        (
            api.to_string(),
            self.client_id.clone(),
            self.client_secret.clone(),
        )
    }

    /// An access token: the cached one while it lives, else a new one (client credentials).
    async fn token(&self, http: &reqwest::Client, api: &str) -> Result<String, ApiFailure> {
        let key = self.token_key(api);
        if let Some((token, until)) = TOKENS.lock().expect("token cache").get(&key) {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let token: Token = send(
            http.post(format!("{api}/v1/oauth2/token"))
                .basic_auth(&self.client_id, Some(&self.client_secret))
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&[("grant_type", "client_credentials")]),
        )
        .await?;
        // Renewed five minutes early, so a token never expires on its way to PayPal.
        let lives = Duration::from_secs(token.expires_in.saturating_sub(300));
        TOKENS
            .lock()
            .expect("token cache")
            .insert(key, (token.access_token.clone(), Instant::now() + lives));
        Ok(token.access_token)
    }

    /// An authenticated API call; when PayPal no longer accepts the cached token (401), once more
    /// with a new one.
    async fn call<T: DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        api: &str,
        request: impl Fn(&str) -> reqwest::RequestBuilder + Send + Sync,
    ) -> Result<T, ApiFailure> {
        let token = self.token(http, api).await?;
        match send(request(&token)).await {
            Err(f) if f.status == Some(401) => {
                TOKENS
                    .lock()
                    .expect("token cache")
                    .remove(&self.token_key(api));
                let token = self.token(http, api).await?;
                send(request(&token)).await
            }
            other => other,
        }
    }

    /// Checks a webhook with PayPal and returns the order it is about; events that pay nothing are
    /// `ignored` (acknowledged, so PayPal stops sending them).
    async fn verified_webhook_order(
        &self,
        req: &CallbackRequest,
        ctx: &VerifyCtx<'_>,
    ) -> Result<String, Rejection> {
        if self.webhook_id.trim().is_empty() || !self.configured() {
            return Err(Rejection::new("PayPal webhooks are not configured"));
        }
        let body = webhook_verification(req, self.webhook_id.trim())?;
        let api = self.api(ctx.config);
        let url = format!("{api}/v1/notifications/verify-webhook-signature");
        let verdict: WebhookVerdict = self
            .call(ctx.http, &api, |token| {
                ctx.http.post(&url).bearer_auth(token).json(&body)
            })
            .await
            .map_err(|f| Rejection::failed(format!("PayPal API error: {f}")))?;
        if verdict.verification_status != "SUCCESS" {
            return Err(Rejection::new(format!(
                "webhook signature {}",
                verdict.verification_status
            )));
        }
        webhook_order_id(&body["webhook_event"]).ok_or_else(|| {
            Rejection::ignored(format!(
                "PayPal event {} pays nothing",
                body["webhook_event"]["event_type"].as_str().unwrap_or("?")
            ))
        })
    }

    /// Captures the order; one that is already captured (a repeated or parallel notify, or a
    /// crash after capturing) is read back instead, so it is judged the same way.
    async fn capture(
        &self,
        http: &reqwest::Client,
        api: &str,
        id: &str,
    ) -> Result<OrderState, ApiFailure> {
        let url = format!("{api}/v2/checkout/orders/{id}");
        let capture_url = format!("{url}/capture");
        let captured = self
            .call(http, api, |token| {
                http.post(&capture_url)
                    .bearer_auth(token)
                    .header("Prefer", "return=representation")
                    .json(&json!({}))
            })
            .await;
        match captured {
            Err(f) if f.issue.as_deref() == Some("ORDER_ALREADY_CAPTURED") => {
                self.call(http, api, |token| http.get(&url).bearer_auth(token))
                    .await
            }
            other => other,
        }
    }
}

#[async_trait::async_trait]
impl Gateway for Paypal {
    fn name(&self) -> &str {
        NAME
    }

    async fn create(&self, order: &OrderRef, ctx: &CreateCtx<'_>) -> anyhow::Result<PaymentAction> {
        anyhow::ensure!(self.configured(), "PayPal is not configured");
        let currency = self.currency();
        let value = format_amount(&currency, order.total)
            .ok_or_else(|| anyhow::anyhow!("{} cannot be paid in {currency}", order.total))?;
        let api = self.api(ctx.config);
        let body = order_request(
            &order.tradeno,
            &currency,
            &value,
            &self.locale,
            &ctx.return_url,
        );
        let url = format!("{api}/v2/checkout/orders");
        let created: CreatedOrder = self
            .call(ctx.http, &api, |token| {
                ctx.http.post(&url).bearer_auth(token).json(&body)
            })
            .await?;
        anyhow::ensure!(
            valid_order_id(&created.id),
            "PayPal answered with a malformed order id"
        );
        let url = approve_link(&created.links)
            .ok_or_else(|| anyhow::anyhow!("PayPal answered without an approve link"))?
            .to_string();
        let bound = GatewayOrder {
            tradeno: order.tradeno.clone(),
            currency,
        };
        let now = chrono::Utc::now().timestamp();
        insert_gateway_order(ctx.db, NAME, &created.id, &bound, now).await?;
        Ok(PaymentAction::Redirect { url })
    }

    async fn verify(
        &self,
        req: &CallbackRequest,
        ctx: &VerifyCtx<'_>,
    ) -> Result<VerifiedPayment, Rejection> {
        let webhook = req.header("paypal-transmission-id").is_some();
        let id = if webhook {
            self.verified_webhook_order(req, ctx).await?
        } else {
            order_id_of(req).ok_or_else(|| Rejection::new("no PayPal order id"))?
        };
        if !valid_order_id(&id) {
            return Err(Rejection::new("malformed PayPal order id"));
        }
        let bound = find_gateway_order(ctx.db, NAME, &id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "PayPal order lookup failed");
                Rejection::failed("Database unavailable, try again shortly.")
            })?
            // A webhook about someone else's order (the PayPal account may serve other shops)
            // is acknowledged, or PayPal would resend it for days.
            .ok_or_else(|| match webhook {
                true => Rejection::ignored("not an order of this panel"),
                false => Rejection::new("unknown order"),
            })?;
        if !self.configured() {
            return Err(
                Rejection::new("PayPal is not configured").with_tradeno(Some(&bound.tradeno))
            );
        }
        let order = self
            .capture(ctx.http, &self.api(ctx.config), &id)
            .await
            .map_err(|f| {
                Rejection::failed(format!("PayPal API error: {f}"))
                    .with_tradeno(Some(&bound.tradeno))
            })?;
        check_capture(&order, &bound)
    }

    /// The notify is called by the panel's page, so it answers with the API envelope.
    /// The API envelope, as the rest of spanel answers.
    fn ack(&self, verdict: Verdict, reason: &str) -> Ack {
        match verdict {
            Verdict::Credited | Verdict::Duplicate | Verdict::Ignored => Ack::json(
                200,
                &json!({"ret": 1, "msg": "ok", "data": {"result": verdict.as_str()}}),
            ),
            Verdict::Rejected => Ack::json(400, &json!({"ret": 0, "msg": reason, "data": null})),
            Verdict::Failed => Ack::json(502, &json!({"ret": 0, "msg": reason, "data": null})),
        }
    }

    /// An OAuth2 token for the client id and secret, from the configured environment.
    async fn test_connection(&self, ctx: &VerifyCtx<'_>) -> Option<Result<String, String>> {
        if !self.configured() {
            return Some(Err(
                "paypal_client_id or paypal_client_secret is empty.".into()
            ));
        }
        let api = self.api(ctx.config);
        Some(match self.token(ctx.http, &api).await {
            Ok(_) => Ok(format!("PayPal issued an access token ({api}).")),
            Err(e) => Err(format!("PayPal refused: {e}.")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound() -> GatewayOrder {
        GatewayOrder {
            tradeno: "T1".into(),
            currency: "USD".into(),
        }
    }

    fn state(
        status: &str,
        reference: &str,
        capture: &str,
        currency: &str,
        value: &str,
    ) -> OrderState {
        serde_json::from_value(json!({
            "id": "5O190127TN364715T",
            "status": status,
            "purchase_units": [{
                "reference_id": reference,
                "payments": {"captures": [{
                    "id": "3C679366HH908993F",
                    "status": capture,
                    "amount": {"currency_code": currency, "value": value},
                }]},
            }],
        }))
        .unwrap()
    }

    #[test]
    fn webhook_events_name_their_order() {
        let approved = json!({"event_type": "CHECKOUT.ORDER.APPROVED",
            "resource": {"id": "5O190127TN364715T", "status": "APPROVED"}});
        assert_eq!(
            webhook_order_id(&approved).as_deref(),
            Some("5O190127TN364715T")
        );
        let captured = json!({"event_type": "PAYMENT.CAPTURE.COMPLETED",
            "resource": {"id": "7TK53561YB803214S", "status": "COMPLETED",
                "supplementary_data": {"related_ids": {"order_id": "5O190127TN364715T"}}}});
        assert_eq!(
            webhook_order_id(&captured).as_deref(),
            Some("5O190127TN364715T")
        );
        let refund = json!({"event_type": "PAYMENT.CAPTURE.REFUNDED", "resource": {"id": "X"}});
        assert_eq!(webhook_order_id(&refund), None);
        assert_eq!(webhook_order_id(&json!({"resource": {}})), None);
    }

    #[test]
    fn webhook_verification_needs_every_transmission_header() {
        let mut req = CallbackRequest {
            body: br#"{"id":"WH-1","event_type":"CHECKOUT.ORDER.APPROVED"}"#
                .to_vec()
                .into(),
            ..Default::default()
        };
        for (header, _) in WEBHOOK_HEADERS {
            assert!(webhook_verification(&req, "WH").is_err());
            req.headers
                .insert(header, format!("v-{header}").parse().unwrap());
        }
        let body = webhook_verification(&req, "WH-ID").unwrap();
        assert_eq!(body["webhook_id"], "WH-ID");
        assert_eq!(body["auth_algo"], "v-paypal-auth-algo");
        assert_eq!(body["transmission_sig"], "v-paypal-transmission-sig");
        assert_eq!(body["webhook_event"]["id"], "WH-1");
        req.body = b"not json".to_vec().into();
        assert!(webhook_verification(&req, "WH-ID").is_err());
    }

    #[test]
    fn order_ids() {
        assert!(valid_order_id("5O190127TN364715T"));
        assert!(!valid_order_id(""));
        assert!(!valid_order_id("../../v1/identity"));
        assert!(!valid_order_id("5o190127tn364715t"));
        assert!(!valid_order_id(&"A".repeat(37)));
    }

    #[test]
    fn amounts() {
        assert_eq!(
            format_amount("USD", Money::from_cents(1005)).as_deref(),
            Some("10.05")
        );
        assert_eq!(
            format_amount("JPY", Money::from_cents(50000)).as_deref(),
            Some("500")
        );
        assert_eq!(format_amount("JPY", Money::from_cents(50001)), None);
    }

    #[test]
    fn request_body() {
        let b = order_request("T1", "USD", "10.00", "en_US", "https://panel/return");
        assert_eq!(b["intent"], "CAPTURE");
        assert_eq!(b["purchase_units"][0]["reference_id"], "T1");
        assert_eq!(
            b["purchase_units"][0]["amount"],
            json!({"currency_code": "USD", "value": "10.00"})
        );
        let ctx = &b["payment_source"]["paypal"]["experience_context"];
        assert_eq!(ctx["locale"], "en-US");
        assert_eq!(ctx["return_url"], "https://panel/return");
        let no_locale = order_request("T1", "USD", "10.00", " ", "https://panel/return");
        assert!(no_locale["payment_source"]["paypal"]["experience_context"]
            .get("locale")
            .is_none());
    }

    #[test]
    fn completed_capture_pays() {
        let v = check_capture(
            &state("COMPLETED", "T1", "COMPLETED", "USD", "10.05"),
            &bound(),
        )
        .unwrap();
        assert_eq!(v.tradeno, "T1");
        assert_eq!(v.amount, Money::from_cents(1005));
        assert_eq!(v.currency.as_deref(), Some("USD"));
    }

    #[test]
    fn other_captures_are_refused() {
        let cases = [
            (
                state("APPROVED", "T1", "COMPLETED", "USD", "1.00"),
                "PayPal order status is APPROVED",
            ),
            (
                state("COMPLETED", "T2", "COMPLETED", "USD", "1.00"),
                "the PayPal order is for another reference",
            ),
            (
                state("COMPLETED", "T1", "PENDING", "USD", "1.00"),
                "PayPal capture status is PENDING",
            ),
            (
                state("COMPLETED", "T1", "COMPLETED", "EUR", "1.00"),
                "captured in EUR, the order is in USD",
            ),
            (
                state("COMPLETED", "T1", "COMPLETED", "USD", "1.001"),
                "unreadable captured amount",
            ),
        ];
        for (s, reason) in cases {
            let r = check_capture(&s, &bound()).unwrap_err();
            assert_eq!(r.reason, reason);
            assert_eq!(r.tradeno.as_deref(), Some("T1"));
        }
    }

    #[test]
    fn errors_are_described() {
        let rest = br#"{"name":"UNPROCESSABLE_ENTITY","details":[{"issue":"ORDER_ALREADY_CAPTURED","description":"Order already captured."}],"message":"The requested action could not be performed.","debug_id":"f1a2b3"}"#;
        let f = describe_error(422, rest);
        assert_eq!(f.issue.as_deref(), Some("ORDER_ALREADY_CAPTURED"));
        assert_eq!(
            f.to_string(),
            "HTTP 422 UNPROCESSABLE_ENTITY (ORDER_ALREADY_CAPTURED), debug id f1a2b3"
        );
        let oauth =
            br#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#;
        assert_eq!(
            describe_error(401, oauth).to_string(),
            "HTTP 401 invalid_client"
        );
        assert_eq!(describe_error(500, b"<html>").to_string(), "HTTP 500 error");
    }

    #[test]
    fn order_id_from_query_form_or_json() {
        let q = CallbackRequest {
            query: "token=ABC123&PayerID=X".into(),
            ..Default::default()
        };
        assert_eq!(order_id_of(&q).as_deref(), Some("ABC123"));
        let j = CallbackRequest {
            body: br#"{"order_id":"ABC124"}"#.to_vec().into(),
            ..Default::default()
        };
        assert_eq!(order_id_of(&j).as_deref(), Some("ABC124"));
        assert_eq!(order_id_of(&CallbackRequest::default()), None);
    }
}
