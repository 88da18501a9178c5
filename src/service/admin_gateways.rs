//! Payment gateways for administrators: each gateway's settings named and explained, secrets
//! write-only, enabling refused while a required setting is empty, a connection test, and the
//! operator's EPay-compatible providers (`epay_providers`) edited entry by entry.
//!
//! Settings stay SSPanel's `config` items; every change is written with its `spanel_admin_log` row
//! in one transaction.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::app::App;
use crate::domain::FieldError;
use crate::gateways::fields::{self, Field};
use crate::gateways::{self, epay, Flow, VerifyCtx};
use crate::service::admin::log;
use crate::service::error::{ServiceError, ServiceResult};
use crate::settings::catalog;

/// A text in the UI's languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct LangText {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh: String,
}

impl From<fields::Text> for LangText {
    fn from(t: fields::Text) -> LangText {
        LangText {
            en: t.en.into(),
            zh: t.zh.into(),
        }
    }
}

/// One setting of a gateway as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    /// The `config` item (for a provider: its entry's key in `epay_providers`).
    pub item: String,
    pub label: LangText,
    pub help: LangText,
    /// Write-only: `value` is always null; `set` says whether one is stored.
    pub secret: bool,
    /// The gateway cannot be enabled while this is empty.
    pub required: bool,
    /// `text`, `multiline`, `url` or `choice`.
    pub kind: String,
    pub choices: Vec<String>,
    pub value: Option<String>,
    pub set: bool,
}

/// A payment gateway with its settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayView {
    pub name: String,
    pub label: LangText,
    /// `builtin`, or `epay_provider` for an entry of `epay_providers`.
    pub kind: String,
    pub flow: Flow,
    /// Listed in `payment_gateway`.
    pub enabled: bool,
    /// `POST /admin/gateways/{name}/test` checks the saved settings against the provider.
    pub test_connection: bool,
    /// Where the gateway sends its notifications: paste it into the gateway's dashboard.
    pub callback_url: String,
    pub fields: Vec<FieldView>,
    /// Required settings that are empty (the gateway cannot be enabled until they are set).
    pub missing: Vec<String>,
}

/// What a connection test found.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

fn field_view(f: &Field, value: &str) -> FieldView {
    FieldView {
        item: f.item.into(),
        label: f.label.into(),
        help: f.help.into(),
        secret: f.secret,
        required: f.required,
        kind: f.kind.as_str().into(),
        choices: f.kind.choices().iter().map(|c| c.to_string()).collect(),
        value: (!f.secret).then(|| value.to_string()),
        set: !value.is_empty(),
    }
}

fn callback_url(app: &App, name: &str) -> String {
    let base = app.config.base_url.trim_end_matches('/');
    format!("{base}/app/api/v0/payment/notify/{name}")
}

fn view(
    app: &App,
    name: &str,
    label: LangText,
    specs: &[Field],
    values: &BTreeMap<String, String>,
    enabled: &[String],
) -> GatewayView {
    let get = |item: &str| values.get(item).cloned().unwrap_or_default();
    let provider = !gateways::NAMES.contains(&name);
    GatewayView {
        name: name.into(),
        label,
        kind: if provider { "epay_provider" } else { "builtin" }.into(),
        flow: gateways::flow(name).unwrap_or(Flow::Redirect),
        enabled: enabled.iter().any(|e| e == name),
        test_connection: provider || gateways::TESTABLE.contains(&name),
        callback_url: callback_url(app, name),
        fields: specs.iter().map(|f| field_view(f, &get(f.item))).collect(),
        missing: fields::missing(specs, get)
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}

async fn builtin_values(app: &App, name: &str) -> sqlx::Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    for f in gateways::fields_of(name) {
        values.insert(f.item.to_string(), app.settings.get(f.item).await?);
    }
    Ok(values)
}

async fn enabled_list(app: &App) -> sqlx::Result<Vec<String>> {
    Ok(gateways::enabled(
        &app.settings.get(catalog::PAYMENT_GATEWAY.item).await?,
    ))
}

/// Every built-in gateway, then the operator's providers.
pub async fn list(app: &App) -> ServiceResult<Vec<GatewayView>> {
    let enabled = enabled_list(app).await?;
    let mut out = Vec::new();
    for name in gateways::NAMES {
        let values = builtin_values(app, name).await?;
        out.push(view(
            app,
            name,
            fields::title(name).into(),
            gateways::fields_of(name),
            &values,
            &enabled,
        ));
    }
    for entry in provider_entries(&app.settings.get(epay::PROVIDERS).await?) {
        let values = provider_values(&entry);
        let name = values.get("name").cloned().unwrap_or_default();
        if !epay::valid_provider_name(&name) {
            continue;
        }
        out.push(provider_view(app, &name, &values, &enabled));
    }
    Ok(out)
}

/// One gateway. A free provider name answers the blank form of a new EPay-compatible provider
/// (nothing stored, `missing` lists what saving it needs); any other unknown name is a 404.
pub async fn get(app: &App, name: &str) -> ServiceResult<GatewayView> {
    if let Some(found) = list(app).await?.into_iter().find(|g| g.name == name) {
        return Ok(found);
    }
    if !epay::valid_provider_name(name) {
        return Err(ServiceError::not_found("No such gateway."));
    }
    let enabled = enabled_list(app).await?;
    Ok(provider_view(app, name, &BTreeMap::new(), &enabled))
}

fn provider_view(
    app: &App,
    name: &str,
    values: &BTreeMap<String, String>,
    enabled: &[String],
) -> GatewayView {
    let shown = values
        .get("label")
        .filter(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| name.to_string());
    let label = LangText {
        en: shown.clone(),
        zh: shown,
    };
    view(app, name, label, epay::PROVIDER_FIELDS, values, enabled)
}

/// The entries of `epay_providers` as they are stored (unknown keys kept when rewritten).
fn provider_entries(json: &str) -> Vec<serde_json::Map<String, Value>> {
    serde_json::from_str::<Vec<Value>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// A provider entry's fields as text (`types` joined with commas).
fn provider_values(entry: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    entry
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// Checks the submitted values against the fields: unknown items, malformed values. Returns the
/// values to write (secrets left empty are dropped: "keep").
fn checked_changes(
    specs: &[Field],
    submitted: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut changes = BTreeMap::new();
    for (item, raw) in submitted {
        let Some(spec) = specs.iter().find(|f| f.item == item) else {
            errors.push(FieldError::new(item, "Not a setting of this gateway."));
            continue;
        };
        let value = raw.trim();
        if spec.secret && value.is_empty() {
            continue;
        }
        match fields::problem(spec, value) {
            Some(msg) => errors.push(FieldError::new(item, msg)),
            None => {
                changes.insert(item.clone(), value.to_string());
            }
        }
    }
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

/// The 422 of enabling a gateway whose required settings are empty, naming them.
fn refuse_missing(name: &str, missing: &[&str]) -> ServiceError {
    ServiceError::Validation {
        msg: format!(
            "{name} cannot be enabled while these settings are empty: {}.",
            missing.join(", ")
        ),
        errors: missing
            .iter()
            .map(|m| FieldError::new(*m, "Required to enable this gateway."))
            .collect(),
    }
}

/// `payment_gateway` after enabling or disabling `name`; `None` when unchanged.
fn toggled(list: &[String], name: &str, enable: Option<bool>) -> Option<Vec<String>> {
    let has = list.iter().any(|n| n == name);
    match enable {
        Some(true) if !has => Some(list.iter().cloned().chain([name.to_string()]).collect()),
        Some(false) if has => Some(list.iter().filter(|n| *n != name).cloned().collect()),
        _ => None,
    }
}

/// What an update writes: settings (item → value) and the audit detail.
struct Plan {
    writes: Vec<(String, String)>,
    detail: Value,
}

/// Builds the writes of an update of gateway `name` whose current values are `current`.
fn plan_update(
    name: &str,
    specs: &[Field],
    current: &BTreeMap<String, String>,
    changes: &BTreeMap<String, String>,
    enabled: (&[String], Option<bool>),
) -> ServiceResult<Plan> {
    let after = |item: &str| {
        changes
            .get(item)
            .or_else(|| current.get(item))
            .cloned()
            .unwrap_or_default()
    };
    let (list, enable) = enabled;
    let will_be_enabled = enable.unwrap_or_else(|| list.iter().any(|n| n == name));
    if will_be_enabled {
        let missing = fields::missing(specs, after);
        if !missing.is_empty() {
            return Err(refuse_missing(name, &missing));
        }
    }
    let mut changed = serde_json::Map::new();
    for (item, value) in changes {
        if current.get(item) == Some(value) {
            continue;
        }
        let secret = specs.iter().any(|f| f.item == item && f.secret);
        let shown = if secret {
            json!("(secret changed)")
        } else {
            json!({"from": current.get(item).cloned().unwrap_or_default(), "to": value})
        };
        changed.insert(item.clone(), shown);
    }
    let mut detail = json!({ "changed": changed });
    let mut writes: Vec<(String, String)> = Vec::new();
    if let Some(new_list) = toggled(list, name, enable) {
        detail["enabled"] = json!(enable);
        writes.push((
            "payment_gateway".into(),
            serde_json::to_string(&new_list).expect("a list of strings"),
        ));
    }
    Ok(Plan { writes, detail })
}

/// Updates a gateway's settings and/or whether it is enabled. Unknown items, malformed values and
/// enabling with a required setting empty are refused with nothing changed.
pub async fn update(
    app: &App,
    admin: i64,
    name: &str,
    enable: Option<bool>,
    submitted: BTreeMap<String, String>,
) -> ServiceResult<GatewayView> {
    if !gateways::NAMES.contains(&name) {
        return update_provider(app, admin, name, enable, submitted).await;
    }
    let specs = gateways::fields_of(name);
    let changes = checked_changes(specs, &submitted).map_err(ServiceError::invalid_fields)?;
    let current = builtin_values(app, name).await?;
    let list = enabled_list(app).await?;
    let mut plan = plan_update(name, specs, &current, &changes, (&list, enable))?;
    for (item, value) in &changes {
        if current.get(item) != Some(value) {
            plan.writes.push((item.clone(), value.clone()));
        }
    }
    commit(app, admin, name, plan).await?;
    get(app, name).await
}

async fn commit(app: &App, admin: i64, name: &str, plan: Plan) -> ServiceResult<()> {
    if plan.writes.is_empty() {
        return Ok(());
    }
    let mut tx = app.db.begin().await?;
    for (item, value) in &plan.writes {
        crate::settings::set_in_tx(&mut tx, item, value).await?;
    }
    log(
        &mut tx,
        admin,
        "gateway.update",
        &format!("gateway:{name}"),
        plan.detail,
    )
    .await?;
    tx.commit().await?;
    app.settings.invalidate().await;
    Ok(())
}

/// Creates or updates the `epay_providers` entry `name`.
async fn update_provider(
    app: &App,
    admin: i64,
    name: &str,
    enable: Option<bool>,
    submitted: BTreeMap<String, String>,
) -> ServiceResult<GatewayView> {
    if !epay::valid_provider_name(name) {
        return Err(ServiceError::invalid(
            "name",
            "A provider's name is 1–32 of a-z, 0-9 and _, and not a built-in gateway's name.",
        ));
    }
    let specs = epay::PROVIDER_FIELDS;
    let changes = checked_changes(specs, &submitted).map_err(ServiceError::invalid_fields)?;
    let mut entries = provider_entries(&app.settings.get(epay::PROVIDERS).await?);
    let at = entries
        .iter()
        .position(|e| e.get("name").and_then(Value::as_str) == Some(name));
    let current = at.map(|i| provider_values(&entries[i])).unwrap_or_default();
    // A provider is only ever stored whole: its required keys are needed whether enabled or not.
    let missing = fields::missing(specs, |item| {
        changes
            .get(item)
            .or_else(|| current.get(item))
            .cloned()
            .unwrap_or_default()
    });
    if !missing.is_empty() {
        return Err(refuse_missing(name, &missing));
    }
    let list = enabled_list(app).await?;
    let mut plan = plan_update(name, specs, &current, &changes, (&list, enable))?;
    if plan.detail["changed"]
        .as_object()
        .is_some_and(|c| !c.is_empty())
    {
        let entry = provider_entry(name, at.map(|i| entries[i].clone()), &changes);
        match at {
            Some(i) => entries[i] = entry,
            None => entries.push(entry),
        }
        plan.writes.push((
            epay::PROVIDERS.into(),
            Value::Array(entries.into_iter().map(Value::Object).collect()).to_string(),
        ));
    }
    commit(app, admin, name, plan).await?;
    get(app, name).await
}

/// The stored entry after `changes` (`types` as a JSON list).
fn provider_entry(
    name: &str,
    existing: Option<serde_json::Map<String, Value>>,
    changes: &BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut entry = existing.unwrap_or_default();
    entry.insert("name".into(), json!(name));
    for (item, value) in changes {
        let v = if item == "types" {
            json!(value
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>())
        } else {
            json!(value)
        };
        entry.insert(item.clone(), v);
    }
    entry
}

/// Removes provider `name` (built-in gateways are disabled, never removed).
pub async fn remove_provider(app: &App, admin: i64, name: &str) -> ServiceResult<()> {
    if gateways::NAMES.contains(&name) {
        return Err(ServiceError::conflict(
            "A built-in gateway cannot be removed; disable it instead.",
        ));
    }
    let mut entries = provider_entries(&app.settings.get(epay::PROVIDERS).await?);
    let before = entries.len();
    entries.retain(|e| e.get("name").and_then(Value::as_str) != Some(name));
    if entries.len() == before {
        return Err(ServiceError::not_found("No such gateway."));
    }
    let list = enabled_list(app).await?;
    let mut writes = vec![(
        epay::PROVIDERS.to_string(),
        Value::Array(entries.into_iter().map(Value::Object).collect()).to_string(),
    )];
    if let Some(new_list) = toggled(&list, name, Some(false)) {
        writes.push((
            "payment_gateway".into(),
            serde_json::to_string(&new_list).expect("a list of strings"),
        ));
    }
    let detail = json!({"removed": name});
    commit(app, admin, name, Plan { writes, detail }).await
}

/// Checks the saved settings of `name` against its provider.
pub async fn test(app: &App, name: &str) -> ServiceResult<TestResult> {
    let gateway = gateways::load(name, &app.settings)
        .await?
        .ok_or_else(|| ServiceError::not_found("No such gateway."))?;
    let ctx = VerifyCtx {
        http: &app.http,
        config: &app.config,
        db: &app.db,
    };
    match gateway.test_connection(&ctx).await {
        None => Err(ServiceError::conflict(
            "This gateway offers no connection test.",
        )),
        Some(Ok(message)) => Ok(TestResult { ok: true, message }),
        Some(Err(message)) => Ok(TestResult { ok: false, message }),
    }
}

/// Refuses a `payment_gateway` value (set as a raw setting) that enables a built-in gateway whose
/// required settings are empty.
/// Gateways enabled already are let be, so an operator can still edit the list around one.
pub async fn check_enabled_list(app: &App, payment_gateway: &str) -> ServiceResult<()> {
    let before = enabled_list(app).await?;
    for name in gateways::enabled(payment_gateway) {
        if !gateways::NAMES.contains(&name.as_str()) || before.contains(&name) {
            continue;
        }
        let values = builtin_values(app, &name).await?;
        let missing = fields::missing(gateways::fields_of(&name), |item| {
            values.get(item).cloned().unwrap_or_default()
        });
        if !missing.is_empty() {
            return Err(refuse_missing(&name, &missing));
        }
    }
    Ok(())
}
