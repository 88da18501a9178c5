//! `/admin/settings`: operator settings with their catalogue (task, type, labels, help).

use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiError, ApiResult, Envelope};
use crate::service::admin_settings::{self as svc, SettingView};

type Env<T> = ApiResult<axum::Json<Envelope<T>>>;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_settings))
        .routes(routes!(update_setting))
}

/// Every known setting with its current value (secrets masked: `********` when set, never the
/// value), its task (`group`), its type (`type`: switch, number, decimal, choice, list, text,
/// secret, with unit, bounds and options) and its label and help in English and Chinese.
#[utoipa::path(get, path = "/admin/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = Vec<SettingView>),
        (status = 403, description = "Not an administrator")))]
async fn list_settings(State(app): State<AppState>, _a: AdminUser) -> Env<Vec<SettingView>> {
    Ok(ok(svc::settings(&app).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SettingBody {
    /// The value as text, checked against the setting's type. JSON numbers, booleans, lists and
    /// objects are accepted too; `null` is not. A secret sent as `********` is left unchanged.
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
}

/// Updates one known setting; a value that does not fit its type is refused (422 naming the
/// setting) and nothing changes.
#[utoipa::path(put, path = "/admin/settings/{item}", tag = "admin", security(("bearer" = [])),
    params(("item" = String, Path, description = "The `config` item")),
    request_body = SettingBody, responses((status = 200, description = "The setting", body = SettingView),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such setting"),
        (status = 422, description = "Value does not fit the setting's type")))]
async fn update_setting(
    State(app): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(item): Path<String>,
    ApiJson(body): ApiJson<SettingBody>,
) -> Env<SettingView> {
    let value = match body.value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Bool(b) => if b { "1" } else { "0" }.to_string(),
        serde_json::Value::Null => {
            return Err(ApiError::invalid(
                &item,
                format!("{item}: a value is required."),
            ))
        }
        other => other.to_string(),
    };
    Ok(ok(svc::update_setting(&app, admin.id, &item, &value).await?))
}
