//! `/healthz`: is the database reachable, is Redis.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::kv::KvState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// "ok" or "down".
    pub database: &'static str,
    /// "ok", "down" or "disabled" (no Redis configured).
    #[schema(value_type = String)]
    pub redis: KvState,
    pub version: &'static str,
}

/// Liveness and dependencies, answered within a second. 200 when the database answers, 503
/// otherwise; Redis being down
/// degrades node state to in-process and is reported but not fatal.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(State(app): State<AppState>) -> (StatusCode, Json<Health>) {
    // Both checks at once, each bounded, so the answer comes within a second whatever is down.
    let (db_ok, redis) = tokio::join!(
        app.db.ping(std::time::Duration::from_millis(800)),
        app.kv.ping()
    );
    let health = Health {
        database: if db_ok { "ok" } else { "down" },
        redis,
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}
