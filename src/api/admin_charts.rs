//! `/admin/charts/{name}`: the admin console's charts as data points (the web UI draws them).

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::AdminUser;
use crate::error::{ok, ApiResult, Envelope};
use crate::service::admin_charts::{self as svc, Chart};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(chart))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChartQuery {
    /// UTC days back, today included: 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

/// One chart: `revenue` (paid top-ups and purchases, money per day), `orders` (how many of each
/// per day), `users` (new and paying users per day), `traffic` (bytes of all users per day),
/// `node-traffic` (raw bytes per node over the range) or `nodes-online` (nodes online per hour up
/// to 7 days, per day beyond). Another name answers 404.
#[utoipa::path(get, path = "/admin/charts/{name}", tag = "admin", security(("bearer" = [])),
    params(("name" = String, Path, description = "revenue, orders, users, traffic, node-traffic or nodes-online"), ChartQuery),
    responses((status = 200, body = Chart), (status = 400, description = "days out of range"),
        (status = 404, description = "no such chart")))]
async fn chart(
    State(app): State<AppState>,
    _a: AdminUser,
    Path(name): Path<String>,
    Query(q): Query<ChartQuery>,
) -> ApiResult<Json<Envelope<Chart>>> {
    let days = svc::days(q.days)?;
    Ok(ok(svc::chart_of(
        &app,
        &name,
        days,
        chrono::Utc::now().timestamp(),
    )
    .await?))
}
