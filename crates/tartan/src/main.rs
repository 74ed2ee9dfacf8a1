//! The `tartan` command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use tartan::startup::shutdown_signal;
use tartan::world::KeyPolicy;
use tartan::world::urls::WebhookPolicy;
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
    /// Show a running Tartan's webhook deliveries for one client; --follow keeps watching.
    Webhooks(WebhooksArgs),
}

#[derive(clap::Args)]
struct WebhooksArgs {
    /// The running Tartan.
    #[arg(long, env = "TARTAN_URL", default_value = "http://127.0.0.1:7878")]
    url: String,
    #[arg(long, env = "PLAID_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "PLAID_SECRET")]
    secret: String,
    /// Only this Item's webhooks.
    #[arg(long)]
    item_id: Option<String>,
    /// Keep printing new deliveries and attempts as they happen (Ctrl-C to stop).
    #[arg(long, short)]
    follow: bool,
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
    /// Which webhook URLs are accepted: `local` allows http:// (a local sandbox), `strict`
    /// applies Plaid's https-only rule.
    #[arg(
        long,
        env = "TARTAN_WEBHOOK_POLICY",
        value_enum,
        default_value = "local"
    )]
    webhook_policy: WebhookPolicy,
    /// How long a webhook receiver has to answer, in milliseconds (Plaid: 10 s).
    #[arg(long, env = "TARTAN_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    webhook_timeout_ms: u64,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    let _log_guard = telemetry::init("info");
    match cli.command {
        Command::Serve(args) => serve(args, started),
        Command::Webhooks(args) => webhooks(args),
    }
}

/// Prints the delivery log of a running Tartan, and with --follow keeps polling it.
fn webhooks(args: WebhooksArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let http = reqwest::Client::new();
        let mut since: Option<u64> = None;
        loop {
            let mut request = http
                .get(format!(
                    "{}/tartan/webhooks",
                    args.url.trim_end_matches('/')
                ))
                .header("PLAID-CLIENT-ID", &args.client_id)
                .header("PLAID-SECRET", &args.secret);
            if let Some(s) = since {
                request = request.query(&[("since", s.to_string())]);
            }
            if let Some(item) = &args.item_id {
                request = request.query(&[("item_id", item)]);
            }
            let body: serde_json::Value = request
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("cannot reach Tartan at {}: {e}", args.url))?
                .json()
                .await?;
            if let Some(message) = body["error_message"].as_str() {
                anyhow::bail!(
                    "{}: {message}",
                    body["error_code"].as_str().unwrap_or("error")
                );
            }
            for d in body["deliveries"].as_array().into_iter().flatten() {
                println!("{}", d["summary"].as_str().unwrap_or_default());
            }
            if !args.follow {
                return Ok(());
            }
            since = body["cursor"].as_u64().or(since);
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
            }
        }
    })
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
        webhook_policy: args.webhook_policy,
        webhook_timeout: std::time::Duration::from_millis(args.webhook_timeout_ms),
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
            webhook_policy = ?config.webhook_policy,
            ready_ms = started.elapsed().as_secs_f64() * 1000.0,
            "tartan {} ready",
            env!("CARGO_PKG_VERSION")
        );
        app.run_until(shutdown_signal()).await
    })
}
