//! Building and running the server: used by `main` and by the tests (which bind port 0).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::store::{MemoryStore, SqliteStore, Store};
use crate::surface::{self, AppState};
use crate::world::{KeyPolicy, World};

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// `None` keeps state only in memory (`--ephemeral`).
    pub data_dir: Option<PathBuf>,
    pub keys: KeyPolicy,
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub world: Arc<World>,
}

impl Application {
    /// Opens the store, loads the world and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store: Box<dyn Store> = match &config.data_dir {
            Some(dir) => Box::new(SqliteStore::open(dir)?),
            None => Box::new(MemoryStore),
        };
        let world = Arc::new(World::open(store, config.keys)?);
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
        let router = surface::router(AppState {
            world: world.clone(),
        });
        Ok(Self {
            listener,
            router,
            world,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
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
