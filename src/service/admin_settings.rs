//! Operator settings for the admin console: every known `config` item with its catalogue entry
//! (task, type, labels and help in both languages), secrets masked; changes checked by type and
//! written with their admin-log row in one transaction.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::service::admin::log;
use crate::service::error::{ServiceError, ServiceResult};
use crate::settings::catalog::{self, SettingMeta};
use crate::settings::{KnownSetting, KNOWN};

/// What the API shows in place of a secret that is set.
pub const MASK: &str = "********";

/// Items kept secret even before they are catalogued (the catalogue decides for the others).
const SECRET_NAMES: &[&str] = &["password", "secret", "token", "_key", "_sk"];

/// A setting with its current value and its catalogue entry (`item`, `group`, `type`…).
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingView {
    /// The stored text; a secret that is set shows as `********`, one that is not as "".
    pub value: String,
    pub default: String,
    /// SSPanel's `class` and `type` columns, as stored.
    pub class: String,
    pub kind: String,
    /// SSPanel's `mark` column (an English note).
    pub mark: String,
    /// For secrets: whether a value is stored.
    pub is_set: bool,
    /// For lists: the names offered as checkboxes (`payment_gateway`: the known gateways).
    pub choices: Vec<String>,
    #[serde(flatten)]
    pub meta: SettingMeta,
}

fn meta_of(k: &KnownSetting) -> SettingMeta {
    catalog::find(k.item).copied().unwrap_or_else(|| {
        let secret = SECRET_NAMES.iter().any(|s| k.item.contains(s));
        catalog::fallback(k.item, secret)
    })
}

fn known(item: &str) -> ServiceResult<&'static KnownSetting> {
    KNOWN
        .iter()
        .find(|k| k.item == item)
        .ok_or_else(|| ServiceError::not_found(format!("No such setting: {item}.")))
}

/// The names a list setting offers beside its stored items.
async fn choices(app: &App, meta: &SettingMeta) -> ServiceResult<Vec<String>> {
    use crate::domain::proxy::{list, DEFAULT_METHODS, DEFAULT_OBFS, DEFAULT_PROTOCOLS};
    Ok(match meta.item {
        "payment_gateway" => {
            let providers = app.settings.get(catalog::EPAY_PROVIDERS.item).await?;
            let mut names: Vec<String> = crate::gateways::NAMES
                .iter()
                .map(|n| n.to_string())
                .collect();
            names.extend(
                crate::gateways::epay::providers(&providers)
                    .into_iter()
                    .map(|p| p.name),
            );
            names
        }
        "user_methods" => list(DEFAULT_METHODS),
        "user_protocols" => list(DEFAULT_PROTOCOLS),
        "user_obfs" => list(DEFAULT_OBFS),
        _ => Vec::new(),
    })
}

async fn view(app: &App, k: &KnownSetting, stored: String) -> ServiceResult<SettingView> {
    let meta = meta_of(k);
    let is_set = !stored.is_empty();
    let value = match (meta.is_secret(), is_set) {
        (true, true) => MASK.to_string(),
        (true, false) => String::new(),
        (false, _) => stored,
    };
    Ok(SettingView {
        value,
        default: if meta.is_secret() {
            String::new()
        } else {
            k.default.into()
        },
        class: k.class.into(),
        kind: k.kind.into(),
        mark: k.mark.into(),
        is_set,
        choices: choices(app, &meta).await?,
        meta,
    })
}

/// Every known setting, in the catalogue's page order (uncatalogued ones last).
pub async fn settings(app: &App) -> ServiceResult<Vec<SettingView>> {
    let mut ordered: Vec<&KnownSetting> = KNOWN.iter().collect();
    let rank = |item: &str| {
        catalog::CATALOG
            .iter()
            .position(|m| m.item == item)
            .unwrap_or(usize::MAX)
    };
    ordered.sort_by_key(|k| rank(k.item));
    let mut out = Vec::with_capacity(ordered.len());
    for k in ordered {
        let stored = app.settings.get(k.item).await?;
        out.push(view(app, k, stored).await?);
    }
    Ok(out)
}

/// Checks `value` against the setting's type and stores it as SSPanel does, with an admin-log row.
/// A secret sent back as its mask is left as it is.
pub async fn update_setting(
    app: &App,
    admin: i64,
    item: &str,
    value: &str,
) -> ServiceResult<SettingView> {
    let k = known(item)?;
    let meta = meta_of(k);
    let before = app.settings.get(item).await?;
    if meta.is_secret() && value == MASK {
        return view(app, k, before).await;
    }
    let value = catalog::normalize(&meta, value)
        .map_err(|why| ServiceError::invalid(item, format!("{} ({item}) {why}.", meta.label_en)))?;
    if item == catalog::PAYMENT_GATEWAY.item {
        // A gateway is enabled only with its required fields filled in.
        crate::service::admin_gateways::check_enabled_list(app, &value).await?;
    }
    let mut tx = app.db.begin().await?;
    crate::settings::set_in_tx(&mut tx, item, &value).await?;
    let detail = if meta.is_secret() {
        json!({"changed": true})
    } else {
        json!({"from": before, "to": value})
    };
    log(
        &mut tx,
        admin,
        "setting.update",
        &format!("setting:{item}"),
        detail,
    )
    .await?;
    tx.commit().await?;
    app.settings.invalidate().await;
    view(app, k, value).await
}
