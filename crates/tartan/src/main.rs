//! The `tartan` command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use tartan::startup::shutdown_signal;
use tartan::world::KeyPolicy;
use tartan::{Application, Config, telemetry};

// Many small allocations per request (wire structs, JSON); mimalloc handles them far better
// than the system allocator (measured with bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tartan",
    version,
    about = "A local, stateful emulator of Plaid's API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Plaid's API (and Tartan's control plane under /tartan/*).
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TARTAN_ADDR", default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// Directory for the embedded SQLite store.
    #[arg(long, env = "TARTAN_DATA_DIR", default_value = "./.tartan")]
    data_dir: PathBuf,
    /// Keep state in memory only; nothing is written to disk.
    #[arg(long, env = "TARTAN_EPHEMERAL")]
    ephemeral: bool,
    /// Admit only the client_id/secret pairs in this file (one `client_id secret` per line).
    #[arg(long, env = "TARTAN_KEYS")]
    keys: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    let _log_guard = telemetry::init("info");
    match cli.command {
        Command::Serve(args) => serve(args, started),
    }
}

fn serve(args: ServeArgs, started: Instant) -> anyhow::Result<()> {
    let keys = match &args.keys {
        Some(path) => {
            let contents = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read keys file {}: {e}", path.display()))?;
            KeyPolicy::from_file_contents(&contents)?
        }
        None => KeyPolicy::Open,
    };
    let config = Config {
        addr: args.addr,
        data_dir: (!args.ephemeral).then(|| args.data_dir.clone()),
        keys,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = Application::build(config.clone()).await?;
        let store = match &config.data_dir {
            Some(dir) => format!("sqlite in {}", dir.display()),
            None => "memory only (--ephemeral)".to_owned(),
        };
        let keys = match &config.keys {
            KeyPolicy::Open => "any client_id/secret opens a tenant",
            KeyPolicy::Listed(_) => "only the listed keys",
        };
        tracing::info!(
            addr = %app.local_addr()?,
            store = %store,
            keys,
            ready_ms = started.elapsed().as_secs_f64() * 1000.0,
            "tartan {} ready",
            env!("CARGO_PKG_VERSION")
        );
        app.run_until(shutdown_signal()).await
    })
}
