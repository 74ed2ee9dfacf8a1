//! Building and running the server: used by `main` and by the tests (which bind port 0).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::store::{MemoryStore, SqliteStore, Store};
use crate::surface::{self, AppState};
use crate::webhooks::dispatch;
use crate::world::urls::WebhookPolicy;
use crate::world::{KeyPolicy, World};

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// `None` keeps state only in memory (`--ephemeral`).
    pub data_dir: Option<PathBuf>,
    pub keys: KeyPolicy,
    pub webhook_policy: WebhookPolicy,
    /// How long a webhook receiver has to answer (Plaid: 10 s).
    pub webhook_timeout: Duration,
}

impl Config {
    /// Defaults for tests: port 0 on loopback, memory only, any keys.
    pub fn ephemeral() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            keys: KeyPolicy::Open,
            webhook_policy: WebhookPolicy::Local,
            webhook_timeout: Duration::from_secs(10),
        }
    }
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub world: Arc<World>,
    webhook_timeout: Duration,
}

impl Application {
    /// Opens the store, loads the world and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store: Box<dyn Store> = match &config.data_dir {
            Some(dir) => Box::new(SqliteStore::open(dir)?),
            None => Box::new(MemoryStore::default()),
        };
        let world = Arc::new(World::open(store, config.keys, config.webhook_policy)?);
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        let routes = axum::Router::new()
            .merge(crate::products::router())
            .merge(crate::control::router())
            .merge(crate::ui::router());
        let router = surface::app(
            routes,
            AppState {
                world: world.clone(),
            },
        );
        Ok(Self {
            listener,
            router,
            world,
            webhook_timeout: config.webhook_timeout,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests. Webhooks are
    /// delivered and clocks that run in real time have their due events run meanwhile.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Dropping `_stop` (on return, or when this future is dropped) ends the dispatcher.
        let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
        dispatch::start(self.world.clone(), self.webhook_timeout, stopped)?;
        let ticker = tokio::spawn(tick(self.world.clone()));
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        ticker.abort();
        served?;
        // Every answered write is already durable; this leaves the data dir as one file.
        if let Err(e) = self.world.close() {
            tracing::warn!(error = %e, "the store could not be tidied on shutdown");
        }
        Ok(())
    }
}

/// Runs what falls due on clocks that are not frozen, as (virtual) time passes.
async fn tick(world: Arc<World>) {
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        // Each tenant's schedule is ordered by time: looking costs one read per tenant.
        let due: Vec<(String, i64)> = world.read(|s| {
            s.tenants
                .values()
                .filter(|t| t.tenant.clock.frozen_at_ms.is_none())
                .filter_map(|t| {
                    let now = t.now_ms();
                    t.schedule
                        .next_due()
                        .filter(|due| *due <= now)
                        .map(|_| (t.tenant.client_id.clone(), now))
                })
                .collect()
        });
        for (client_id, now) in due {
            let ran = world
                .blocking_write(move |world| {
                    world
                        .run_until(&client_id, now, None)
                        .map_err(|e| (client_id, e))
                })
                .await;
            match ran {
                Ok(Ok(_)) => {}
                Ok(Err((client_id, e))) => {
                    tracing::error!(client_id, error = %e, "due events could not run");
                }
                Err(e) => tracing::error!(error = %e, "due events could not run"),
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
