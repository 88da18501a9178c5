//! The application state shared by every handler, and server start-up.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::kv::Kv;
use crate::service::hashing::HashPool;
use crate::service::node::ListCache;
use crate::service::tradeno_index::TradenoIndex;
use crate::service::traffic::TrafficRecorder;
use crate::settings::Settings;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub settings: Settings,
    pub kv: Kv,
    pub jwt: JwtKeys,
    pub traffic: TrafficRecorder,
    pub node_lists: ListCache,
    /// Top-up orders by trade number, for gateway callbacks.
    pub orders: TradenoIndex,
    /// Outgoing HTTP (gateway APIs, webhooks, Telegram), with timeouts.
    pub http: reqwest::Client,
    /// Password hashing, a few at a time.
    pub hashing: HashPool,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Connects to the database and Redis and creates the schema if the database is empty.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        let zone = config.datetime_zone().ok_or_else(|| {
            anyhow::anyhow!(
                "SPANEL_TIMEZONE '{}' is not an IANA time zone",
                config.timezone
            )
        })?;
        crate::clock::set_datetime_zone(zone);
        let db = Db::connect(&config.database_url, config.database_max_connections).await?;
        let created = db.ensure_schema().await?;
        let settings = Settings::new(db.clone());
        if created {
            settings.insert_missing_defaults().await?;
            tracing::info!("created the SSPanel classic schema");
        }
        let kv = Kv::new(config.redis_url.as_deref()).await?;
        let jwt = JwtKeys::new(&config.jwt_secret, config.jwt_ttl_hours);
        let traffic = TrafficRecorder::start(
            db.clone(),
            settings.clone(),
            config.traffic_batching,
            Duration::from_secs(config.usage_stats_flush_secs),
        );
        Ok(AppState(Arc::new(App {
            config,
            db,
            settings,
            kv,
            jwt,
            traffic,
            node_lists: ListCache::default(),
            orders: TradenoIndex::default(),
            http: crate::gateways::http_client(),
            hashing: HashPool::for_this_machine(),
        })))
    }
}

/// Serves the API on an already-bound listener until the process is stopped.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let router = crate::api::router(state.clone());
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    state.traffic.write_usage_stats().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
