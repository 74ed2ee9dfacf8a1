//! The scale benchmark (issue 9): how Tartan behaves as a tenant grows to many Items and while
//! Items come and go for a long time, measured against a running Tartan from outside, over
//! loopback, with bounded loads (every phase has a count and a deadline, so the run stops).
//!
//! 1. create: Items made through the API (`/sandbox/public_token/create` at ins_109508 with
//!    Transactions, then `/item/public_token/exchange`) by CONCURRENCY clients, up to ITEMS:
//!    creates/s for the first 1,000, for each later 10,000 and overall; Tartan's RSS at 1,000
//!    Items and at the end.
//! 2. accounts: `/accounts/get` latency (4 clients paced at 400 requests/s in all, 3 rounds of
//!    5 s, each request with a random access token of the ones made) at 1,000 Items and at the
//!    end, once Tartan is quiet (under 2% of a core, under 32 MiB of unwritten file data in the
//!    kernel); p50 and p99 are the medians over the rounds.
//! 3. idle: after creation, 10 s of rest, then Tartan's CPU time (utime + stime) over 20 s.
//! 4. restart: SIGTERM, wait for the exit, start Tartan again on the same data dir; the time
//!    from the spawn to the first 200 from `GET /tartan/health`, and RSS after 5 s of rest.
//! 5. isolation: on another tenant with 1,000 Items, `POST /tartan/snapshots`,
//!    `POST /tartan/snapshots/{id}/restore` and `POST /tartan/tenants/fork`, 5 times each.
//! 6. soak: 4 clients loop create Item (webhook to this process) -> `/accounts/get` ->
//!    `/sandbox/item/fire_webhook` DEFAULT_UPDATE -> `/item/remove` of an older Item, keeping a
//!    few hundred Items live, for SOAK_SECONDS; RSS sampled every 10 s.
//!
//! Every measure prints one `RESULT name value unit` line; `TARGET` lines at the end say which
//! targets are met. Non-2xx answers are counted per endpoint and status, and the first bodies
//! of each are printed.
//!
//! `bench/scale.sh` builds, starts Tartan and runs this; by hand (without the restart phase
//! unless TARTAN_BIN, TARTAN_DATA_DIR and TARTAN_ADDR say how to start Tartan again):
//! `TARTAN_PID=<pid> cargo run --release --example bench_scale -- http://127.0.0.1:7878`
//!
//! Knobs (environment, defaults in parentheses):
//! - PHASES (create,accounts,idle,restart,isolation,soak)
//! - ITEMS (100000), CONCURRENCY (8), CREATE_TIMEOUT_S (1800), MAX_ERRORS (200: a phase
//!   stops after this many failed calls)
//! - ACCOUNTS_SECONDS (5), ACCOUNTS_ROUNDS (3), ACCOUNTS_CONCURRENCY (4), ACCOUNTS_RATE (400
//!   requests/s in all)
//! - IDLE_WAIT_S (10), IDLE_SECONDS (20)
//! - RESTART_IDLE_S (5), RESTART_TIMEOUT_S (60); TARTAN_BIN, TARTAN_DATA_DIR, TARTAN_ADDR,
//!   TARTAN_LOG (where the restarted Tartan's stderr goes), TARTAN_PID_FILE (the restarted
//!   Tartan's pid is written there, for the script's cleanup)
//! - ISOLATION_ITEMS (1000), ISOLATION_REPEATS (5)
//! - SOAK_SECONDS (600), SOAK_CLIENTS (4), SOAK_LIVE (300 Items live in all), SOAK_SAMPLE_S (10)
//! - ITEM_PRODUCTS (transactions; comma-separated), DAYS_REQUESTED (unset: Plaid's 90), e.g.
//!   `PHASES=create ITEMS=10000 ITEM_PRODUCTS=auth` against `... DAYS_REQUESTED=730` for the
//!   memory the history costs (it is generated, not stored)
//! - TARTAN_PID (Tartan's pid, for RSS and CPU from /proc), CLK_TCK (100)

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use common::{env_or, ms, pct, sorted};
use parking_lot::Mutex;
use serde_json::{Value, json};

// The same allocator as the `tartan` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SECRET: &str = "bench";

// ---------------------------------------------------------------------------------------------
// Settings.

fn env_str(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

struct Settings {
    phases: Vec<String>,
    items: usize,
    concurrency: usize,
    create_timeout: Duration,
    max_errors: usize,
    accounts_seconds: f64,
    accounts_rounds: usize,
    accounts_concurrency: usize,
    accounts_rate: f64,
    idle_wait: Duration,
    idle_seconds: f64,
    restart_idle: Duration,
    restart_timeout: Duration,
    tartan_bin: Option<String>,
    data_dir: Option<String>,
    addr: Option<String>,
    log_file: Option<String>,
    pid_file: Option<String>,
    isolation_items: usize,
    isolation_repeats: usize,
    soak_seconds: f64,
    soak_clients: usize,
    soak_live: usize,
    soak_sample: Duration,
    clk_tck: f64,
}

impl Settings {
    fn from_env() -> Self {
        Self {
            phases: std::env::var("PHASES")
                .unwrap_or_else(|_| "create,accounts,idle,restart,isolation,soak".to_owned())
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            items: env_or("ITEMS", 100_000usize).max(1),
            concurrency: env_or("CONCURRENCY", 8usize).max(1),
            create_timeout: Duration::from_secs(env_or("CREATE_TIMEOUT_S", 1800u64)),
            max_errors: env_or("MAX_ERRORS", 200usize).max(1),
            accounts_seconds: env_or("ACCOUNTS_SECONDS", 5.0f64).max(0.1),
            accounts_rounds: env_or("ACCOUNTS_ROUNDS", 3usize).max(1),
            accounts_concurrency: env_or("ACCOUNTS_CONCURRENCY", 4usize).max(1),
            accounts_rate: env_or("ACCOUNTS_RATE", 400.0f64).max(1.0),
            idle_wait: Duration::from_secs_f64(env_or("IDLE_WAIT_S", 10.0f64).max(0.0)),
            idle_seconds: env_or("IDLE_SECONDS", 20.0f64).max(1.0),
            restart_idle: Duration::from_secs_f64(env_or("RESTART_IDLE_S", 5.0f64).max(0.0)),
            restart_timeout: Duration::from_secs(env_or("RESTART_TIMEOUT_S", 60u64).max(1)),
            tartan_bin: env_str("TARTAN_BIN"),
            data_dir: env_str("TARTAN_DATA_DIR"),
            addr: env_str("TARTAN_ADDR"),
            log_file: env_str("TARTAN_LOG"),
            pid_file: env_str("TARTAN_PID_FILE"),
            isolation_items: env_or("ISOLATION_ITEMS", 1000usize).max(1),
            isolation_repeats: env_or("ISOLATION_REPEATS", 5usize).max(1),
            soak_seconds: env_or("SOAK_SECONDS", 600.0f64).max(1.0),
            soak_clients: env_or("SOAK_CLIENTS", 4usize).max(1),
            soak_live: env_or("SOAK_LIVE", 300usize).max(1),
            soak_sample: Duration::from_secs_f64(env_or("SOAK_SAMPLE_S", 10.0f64).max(0.5)),
            clk_tck: env_or("CLK_TCK", 100.0f64),
        }
    }

    fn runs(&self, phase: &str) -> bool {
        self.phases.iter().any(|p| p == phase)
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers.

/// A small deterministic generator (xorshift64*), enough to pick random tokens.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as usize % n.max(1)
    }
}

// ---------------------------------------------------------------------------------------------
// The process under test, from /proc.

/// Tartan's pid: it changes when the restart phase starts Tartan again.
static TARTAN_PID: AtomicU32 = AtomicU32::new(0);

fn tartan_pid() -> Option<u32> {
    match TARTAN_PID.load(Ordering::SeqCst) {
        0 => None,
        p => Some(p),
    }
}

/// VmRSS of a process in MiB.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn tartan_rss() -> Option<f64> {
    rss_mib(tartan_pid()?)
}

/// The state letter and CPU seconds (user + system) of a process, from /proc/<pid>/stat.
fn proc_stat(pid: u32, clk_tck: f64) -> Option<(char, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((state, (utime + stime) / clk_tck))
}

/// Whether the process has exited (gone, or a zombie not yet reaped by its parent).
fn exited(pid: u32) -> bool {
    proc_stat(pid, 100.0).is_none_or(|(state, _)| state == 'Z' || state == 'X')
}

/// CPU used by Tartan and by this process over a stretch of time.
struct CpuMeter {
    clk_tck: f64,
    tartan: Option<(u32, f64)>,
    me: Option<f64>,
    started: Instant,
}

impl CpuMeter {
    fn start(clk_tck: f64) -> Self {
        let tartan = tartan_pid().and_then(|p| Some((p, proc_stat(p, clk_tck)?.1)));
        Self {
            clk_tck,
            tartan,
            me: proc_stat(std::process::id(), clk_tck).map(|(_, c)| c),
            started: Instant::now(),
        }
    }

    /// Tartan's CPU seconds since the start.
    fn tartan_seconds(&self) -> Option<f64> {
        self.tartan
            .and_then(|(p, a)| Some(proc_stat(p, self.clk_tck)?.1 - a))
    }

    /// "cpu: tartan N% of a core, bench M%".
    fn report(&self) -> String {
        let wall = self.started.elapsed().as_secs_f64();
        let tartan = self
            .tartan_seconds()
            .map_or("?".to_owned(), |d| format!("{:.0}%", 100.0 * d / wall));
        let me = self
            .me
            .zip(proc_stat(std::process::id(), self.clk_tck))
            .map_or("?".to_owned(), |(a, (_, b))| {
                format!("{:.0}%", 100.0 * (b - a) / wall)
            });
        format!("cpu: tartan {tartan} of a core, bench {me}")
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Results.

#[derive(Default)]
struct Results {
    lines: Mutex<Vec<(String, f64, String)>>,
}

impl Results {
    fn put(&self, name: &str, value: f64, unit: &str) {
        let shown = if value.is_finite() {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                format!("{value:.3}")
            }
        } else {
            "NA".to_owned()
        };
        println!("RESULT {name} {shown} {unit}");
        self.lines
            .lock()
            .push((name.to_owned(), value, unit.to_owned()));
    }

    fn get(&self, name: &str) -> Option<f64> {
        self.lines
            .lock()
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, _)| *v)
            .filter(|v| v.is_finite())
    }
}

/// Non-2xx answers and transport errors, per endpoint and status, with the first bodies.
#[derive(Default)]
struct Failures {
    by_key: Mutex<BTreeMap<String, (usize, Vec<String>)>>,
    total: AtomicUsize,
}

impl Failures {
    fn record(&self, key: String, body: String) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut map = self.by_key.lock();
        let entry = map.entry(key).or_default();
        entry.0 += 1;
        if entry.1.len() < 3 && !entry.1.contains(&body) {
            entry.1.push(body);
        }
    }

    fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    fn print(&self, indent: &str) {
        let map = self.by_key.lock();
        for (key, (count, bodies)) in map.iter() {
            println!("{indent}{count} x {key}");
            for b in bodies {
                println!("{indent}    {b}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Talking to Tartan.

#[derive(Clone)]
struct Tartan {
    http: reqwest::Client,
    base: String,
    failures: Arc<Failures>,
}

impl Tartan {
    fn new(base: &str, failures: Arc<Failures>) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(256)
                .timeout(Duration::from_secs(30))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            failures,
        })
    }

    async fn call(&self, client_id: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call_timed(client_id, path, body, Duration::from_secs(30))
            .await
            .map(|(v, _)| v)
    }

    /// A call and Tartan's own time for it in ms (its Server-Timing header). A non-2xx answer
    /// is an error, recorded with its body under the path (ids in it replaced by `{id}`).
    async fn call_timed(
        &self,
        client_id: &str,
        path: &str,
        body: &Value,
        timeout: Duration,
    ) -> anyhow::Result<(Value, f64)> {
        let key_path = path
            .split('/')
            .map(|s| if s.starts_with("snap-") { "{id}" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let resp = match self
            .http
            .post(format!("{}{path}", self.base))
            .header("PLAID-CLIENT-ID", client_id)
            .header("PLAID-SECRET", SECRET)
            .timeout(timeout)
            .json(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                self.failures.record(
                    format!("POST {key_path}: transport error"),
                    format!("{e:#}"),
                );
                return Err(e).with_context(|| format!("POST {path}"));
            }
        };
        let status = resp.status();
        let server_ms = resp
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("app;dur="))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                self.failures.record(
                    format!("POST {key_path}: reading the body"),
                    format!("{e:#}"),
                );
                return Err(e).with_context(|| format!("POST {path}"));
            }
        };
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(600)])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            self.failures
                .record(format!("POST {key_path}: {status}"), text.clone());
            bail!("POST {path}: {status}: {text}");
        }
        Ok((serde_json::from_slice(&bytes)?, server_ms))
    }

    async fn health(&self, timeout: Duration) -> bool {
        matches!(
            self.http
                .get(format!("{}/tartan/health", self.base))
                .timeout(timeout)
                .send()
                .await,
            Ok(r) if r.status() == StatusCode::OK
        )
    }

    /// Creates a Transactions Item at ins_109508 (with a webhook URL when given); its
    /// (access_token, item_id).
    async fn create_item(
        &self,
        client_id: &str,
        webhook: Option<&str>,
    ) -> anyhow::Result<(String, String)> {
        common::create_item(
            |path, body| async move { self.call(client_id, path, &body).await },
            webhook,
        )
        .await
    }

    /// Creates `n` Items from `concurrency` clients at once, appending their access tokens to
    /// `tokens`. Stops early at the deadline or after `max_errors` failed creations; returns
    /// how many were made.
    async fn create_items(
        &self,
        client_id: &str,
        n: usize,
        concurrency: usize,
        deadline: Instant,
        max_errors: usize,
        tokens: &mut Vec<String>,
    ) -> usize {
        // A slot is claimed before a creation and given back when it fails.
        let claimed = Arc::new(AtomicUsize::new(0));
        let errors = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..concurrency.min(n) {
            let (t, claimed, errors) = (self.clone(), claimed.clone(), errors.clone());
            let client_id = client_id.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut made = Vec::new();
                while Instant::now() < deadline && errors.load(Ordering::Relaxed) < max_errors {
                    if claimed.fetch_add(1, Ordering::Relaxed) >= n {
                        break;
                    }
                    match t.create_item(&client_id, None).await {
                        Ok((token, _)) => made.push(token),
                        Err(_) => {
                            claimed.fetch_sub(1, Ordering::Relaxed);
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                made
            }));
        }
        let before = tokens.len();
        for task in tasks {
            if let Ok(made) = task.await {
                tokens.extend(made);
            }
        }
        tokens.len() - before
    }
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver: answers 200 to everything, and counts.

#[derive(Default)]
struct Receiver {
    received: AtomicU64,
}

// ---------------------------------------------------------------------------------------------
// Phases.

struct Ctx {
    tartan: Tartan,
    settings: Settings,
    results: Results,
    hook_url: String,
    receiver: Arc<Receiver>,
    run_id: String,
}

impl Ctx {
    fn tenant(&self, name: &str) -> String {
        format!("bench-scale-{name}-{}", self.run_id)
    }

    fn rss(&self, name: &str) -> Option<f64> {
        let rss = tartan_rss();
        match rss {
            Some(v) => self.results.put(name, v, "MiB"),
            None => println!("   ({name}: no TARTAN_PID, or /proc/<pid>/status unreadable)"),
        }
        rss
    }
}

struct Latencies {
    ok: usize,
    errors: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

/// `/accounts/get` from ACCOUNTS_CONCURRENCY clients for `secs`, paced to ACCOUNTS_RATE
/// requests/s in all, each request with a random token of `tokens`. The clients run on a
/// thread and runtime of their own, with their own connections.
async fn measure_accounts(
    c: &Ctx,
    tenant: &str,
    tokens: Arc<Vec<String>>,
    secs: f64,
    seed: u64,
) -> Latencies {
    let s = &c.settings;
    let (concurrency, rate) = (s.accounts_concurrency, s.accounts_rate);
    let t = match Tartan::new(&c.tartan.base, c.tartan.failures.clone()) {
        Ok(t) => t,
        Err(_) => {
            return Latencies {
                ok: 0,
                errors: 1,
                p50: f64::NAN,
                p99: f64::NAN,
                max: f64::NAN,
            };
        }
    };
    let tenant = tenant.to_owned();
    let measuring = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the measuring clients");
        runtime.block_on(async move {
            let end = Instant::now() + Duration::from_secs_f64(secs);
            let period = Duration::from_secs_f64(concurrency as f64 / rate);
            let mut tasks = Vec::new();
            for k in 0..concurrency {
                let (t, tenant, tokens) = (t.clone(), tenant.clone(), tokens.clone());
                tasks.push(tokio::spawn(async move {
                    let mut rng = Rng::new(seed ^ ((k as u64 + 1) * 0x9E37_79B9_7F4A_7C15));
                    let (mut lat, mut errors) = (Vec::new(), 0usize);
                    // Spread the clients' starts over one period.
                    let offset = period.mul_f64(k as f64 / concurrency as f64);
                    let mut ticker =
                        tokio::time::interval_at((Instant::now() + offset).into(), period);
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        ticker.tick().await;
                        if Instant::now() >= end {
                            break;
                        }
                        let token = &tokens[rng.below(tokens.len())];
                        let body = json!({"access_token": token});
                        let sent = Instant::now();
                        match t
                            .call_timed(&tenant, "/accounts/get", &body, Duration::from_secs(5))
                            .await
                        {
                            Ok((v, _)) if v["accounts"].is_array() => lat.push(ms(sent.elapsed())),
                            _ => errors += 1,
                        }
                    }
                    (lat, errors)
                }));
            }
            let (mut all, mut errors) = (Vec::new(), 0);
            for task in tasks {
                if let Ok((lat, e)) = task.await {
                    all.extend(lat);
                    errors += e;
                }
            }
            (all, errors)
        })
    });
    let (all, errors) = tokio::task::spawn_blocking(move || measuring.join())
        .await
        .expect("the measuring thread is joined")
        .expect("the measuring thread finished");
    let all = sorted(all);
    Latencies {
        ok: all.len(),
        errors,
        p50: pct(&all, 50.0),
        p99: pct(&all, 99.0),
        max: all.last().copied().unwrap_or(f64::NAN),
    }
}

/// Dirty and under-writeback memory of the whole machine, in MiB (from /proc/meminfo).
fn unwritten_mib() -> Option<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib = |name: &str| -> Option<f64> {
        let line = meminfo.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((kib("Dirty:")? + kib("Writeback:")?) / 1024.0)
}

/// Waits (up to 60 s) until Tartan has used under 2% of a core over half a second and the
/// kernel holds under 32 MiB of unwritten file data: work left from the phase before (the
/// store's background checkpoint of what creation wrote, the kernel writing it out) is not
/// what a latency measure at a size is about. Returns how long it waited.
async fn quiesce(clk_tck: f64) -> Duration {
    let started = Instant::now();
    let Some(pid) = tartan_pid() else {
        return Duration::ZERO;
    };
    while started.elapsed() < Duration::from_secs(60) {
        let Some((_, before)) = proc_stat(pid, clk_tck) else {
            break;
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Some((_, after)) = proc_stat(pid, clk_tck) else {
            break;
        };
        if after - before < 0.01 && unwritten_mib().is_none_or(|m| m < 32.0) {
            break;
        }
    }
    started.elapsed()
}

/// Phase 2 at one size: once Tartan is quiet, a short warm-up, then ACCOUNTS_ROUNDS measured
/// runs; the p50 and p99 reported are the medians over the rounds (one noisy round on a shared
/// machine does not decide the result).
async fn accounts_at(c: &Ctx, tenant: &str, tokens: &[String], label: &str) {
    let s = &c.settings;
    println!(
        "\n== accounts: /accounts/get at {} Items, {} clients paced at {:.0} requests/s, {} rounds of {:.1} s, random tokens",
        tokens.len(),
        s.accounts_concurrency,
        s.accounts_rate,
        s.accounts_rounds,
        s.accounts_seconds
    );
    if tokens.is_empty() {
        println!("   no Items to read");
        return;
    }
    let waited = quiesce(s.clk_tck).await;
    println!(
        "   waited {:.1} s for Tartan to be quiet",
        waited.as_secs_f64()
    );
    let tokens = Arc::new(tokens.to_vec());
    measure_accounts(c, tenant, tokens.clone(), 0.5, 1).await; // warm-up
    let (mut p50s, mut p99s) = (Vec::new(), Vec::new());
    for round in 0..s.accounts_rounds {
        let l = measure_accounts(
            c,
            tenant,
            tokens.clone(),
            s.accounts_seconds,
            2 + round as u64 + tokens_seed(label),
        )
        .await;
        println!(
            "   round {}: {} requests ({} errors): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            round + 1,
            l.ok,
            l.errors,
            l.p50,
            l.p99,
            l.max
        );
        p50s.push(l.p50);
        p99s.push(l.p99);
    }
    let (p50, p99) = (pct(&sorted(p50s), 50.0), pct(&sorted(p99s), 50.0));
    println!("   median over the rounds: p50 {p50:.3} ms, p99 {p99:.3} ms");
    c.results
        .put(&format!("accounts_get_p50_at_{label}"), p50, "ms");
    c.results
        .put(&format!("accounts_get_p99_at_{label}"), p99, "ms");
}

fn tokens_seed(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Phases 1 and 2: creation in blocks (1,000, then 10,000 at a time), RSS and `/accounts/get`
/// at 1,000 Items and at the end.
async fn phase_create(c: &Ctx) -> anyhow::Result<(String, Vec<String>)> {
    let s = &c.settings;
    let (create, accounts) = (s.runs("create"), s.runs("accounts"));
    let tenant = c.tenant("main");
    println!(
        "\n== create: {} Items through the API from {} concurrent clients (tenant {tenant})",
        s.items, s.concurrency
    );
    c.tartan
        .call(&tenant, "/tartan/settings", &json!({}))
        .await
        .context("opening the tenant")?;
    let deadline = Instant::now() + s.create_timeout;
    let mut tokens = Vec::with_capacity(s.items);
    let mut spent = Duration::ZERO;
    let mut first = true;
    let mut block_rates = Vec::new();
    let mut block_cpu = Vec::new();
    while tokens.len() < s.items && Instant::now() < deadline {
        let from = tokens.len();
        let n = if first { 1000 } else { 10_000 }.min(s.items - from);
        let errors_before = c.tartan.failures.total();
        let cpu = CpuMeter::start(s.clk_tck);
        let started = Instant::now();
        let made = c
            .tartan
            .create_items(
                &tenant,
                n,
                s.concurrency,
                deadline,
                s.max_errors,
                &mut tokens,
            )
            .await;
        let took = started.elapsed();
        spent += took;
        let rate = made as f64 / took.as_secs_f64();
        // Tartan's CPU per Item: what creation costs, whatever else the machine is doing.
        let cpu_per_item = cpu
            .tartan_seconds()
            .filter(|_| made > 0)
            .map(|s| 1e6 * s / made as f64);
        let errors = c.tartan.failures.total() - errors_before;
        println!(
            "   Items {from}..{}: {made} in {:.2} s, {rate:.0} creates/s; {}{}",
            tokens.len(),
            took.as_secs_f64(),
            cpu.report(),
            if errors > 0 {
                format!(" ({errors} failed calls)")
            } else {
                String::new()
            }
        );
        if create {
            c.results.put(
                &format!("create_rate_items_{from}_{}", tokens.len()),
                rate,
                "creates/s",
            );
            if let Some(us) = cpu_per_item {
                c.results.put(
                    &format!("create_cpu_items_{from}_{}", tokens.len()),
                    us,
                    "us/Item",
                );
            }
        }
        if made < n {
            println!("   creation stopped early: {made} of {n} (deadline or MAX_ERRORS)");
            c.tartan.failures.print("     ");
            break;
        }
        if first {
            if create {
                c.rss("rss_at_1000_items");
            }
            if accounts {
                accounts_at(c, &tenant, &tokens, "1000_items").await;
            }
        } else {
            block_rates.push(rate);
            block_cpu.extend(cpu_per_item);
        }
        first = false;
    }
    let overall = tokens.len() as f64 / spent.as_secs_f64();
    println!(
        "   {} Items in {:.2} s of creation: {overall:.0} creates/s",
        tokens.len(),
        spent.as_secs_f64()
    );
    if create {
        c.results.put("create_rate_overall", overall, "creates/s");
        if let (Some(first), Some(last)) = (block_rates.first(), block_rates.last()) {
            let min = block_rates.iter().copied().fold(f64::INFINITY, f64::min);
            // The last block may be short: the slow-down is judged on full blocks.
            println!("   later blocks: first {first:.0}/s, last {last:.0}/s, slowest {min:.0}/s");
        }
        c.rss(&format!("rss_at_end_{}_items", tokens.len()));
    }
    if accounts && tokens.len() > 1000 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        accounts_at(c, &tenant, &tokens, "end").await;
    }
    Ok((tenant, tokens))
}

/// Phase 3: idle CPU.
async fn phase_idle(c: &Ctx) -> anyhow::Result<()> {
    let s = &c.settings;
    println!(
        "\n== idle: {:.0} s of rest, then Tartan's CPU time over {:.0} s",
        s.idle_wait.as_secs_f64(),
        s.idle_seconds
    );
    let pid = tartan_pid().context("the idle phase needs TARTAN_PID")?;
    tokio::time::sleep(s.idle_wait).await;
    let (_, before) = proc_stat(pid, s.clk_tck).context("reading /proc/<pid>/stat")?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(s.idle_seconds)).await;
    let (_, after) = proc_stat(pid, s.clk_tck).context("reading /proc/<pid>/stat")?;
    let wall = started.elapsed().as_secs_f64();
    let percent = 100.0 * (after - before) / wall;
    println!(
        "   {:.3} s of CPU over {wall:.2} s ({} ms resolution)",
        after - before,
        1000.0 / s.clk_tck
    );
    c.results.put("idle_cpu", percent, "%core");
    Ok(())
}

/// Phase 4: SIGTERM, start again on the same data dir, time to healthy, RSS after.
async fn phase_restart(c: &Ctx, tenant: &str, tokens: &[String]) -> anyhow::Result<()> {
    let s = &c.settings;
    println!("\n== restart: SIGTERM, then start again on the same data dir");
    let (Some(bin), Some(dir), Some(addr)) = (&s.tartan_bin, &s.data_dir, &s.addr) else {
        bail!("the restart phase needs TARTAN_BIN, TARTAN_DATA_DIR and TARTAN_ADDR");
    };
    let pid = tartan_pid().context("the restart phase needs TARTAN_PID")?;
    let before = c.rss("rss_before_restart");
    let raw = rustix::process::Pid::from_raw(pid as i32).context("a pid")?;
    let signalled = Instant::now();
    rustix::process::kill_process(raw, rustix::process::Signal::TERM).context("sending SIGTERM")?;
    let stop_deadline = signalled + Duration::from_secs(30);
    while !exited(pid) {
        if Instant::now() >= stop_deadline {
            bail!("Tartan (pid {pid}) did not exit within 30 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let stopped = signalled.elapsed();
    println!("   exited {:.1} ms after SIGTERM", ms(stopped));
    c.results.put("shutdown_time", ms(stopped), "ms");

    let stderr = match &s.log_file {
        Some(path) => std::process::Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {path}"))?,
        ),
        None => std::process::Stdio::null(),
    };
    // Polls on a client of its own, so no pooled connection to the old process is tried.
    let poller = Tartan::new(&c.tartan.base, c.tartan.failures.clone())?;
    let spawned = Instant::now();
    let child = std::process::Command::new(bin)
        .args(["serve", "--data-dir", dir, "--addr", addr])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("starting {bin}"))?;
    let new_pid = child.id();
    TARTAN_PID.store(new_pid, Ordering::SeqCst);
    if let Some(path) = &s.pid_file {
        std::fs::write(path, format!("{new_pid}\n")).with_context(|| format!("writing {path}"))?;
    }
    // The child is not waited for here: the script stops it (by the pid file) at the end.
    std::mem::forget(child);
    let health_deadline = spawned + s.restart_timeout;
    loop {
        if poller.health(Duration::from_millis(500)).await {
            break;
        }
        if exited(new_pid) {
            bail!("the restarted Tartan exited; see its log");
        }
        if Instant::now() >= health_deadline {
            bail!(
                "the restarted Tartan was not healthy within {} s",
                s.restart_timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let ready = spawned.elapsed();
    println!(
        "   healthy {:.1} ms after the spawn (RSS then {:.1} MiB)",
        ms(ready),
        tartan_rss().unwrap_or(f64::NAN)
    );
    c.results.put("restart_to_healthy", ms(ready), "ms");
    // State came back: a few random Items read.
    let mut rng = Rng::new(7);
    let mut read = 0;
    for _ in 0..tokens.len().min(5) {
        let token = &tokens[rng.below(tokens.len())];
        c.tartan
            .call(tenant, "/accounts/get", &json!({"access_token": token}))
            .await
            .context("an Item made before the restart")?;
        read += 1;
    }
    let first_read = spawned.elapsed();
    println!(
        "   {read} Items made before the restart read back ({:.1} ms after the spawn)",
        ms(first_read)
    );
    tokio::time::sleep(s.restart_idle).await;
    let after = c.rss("rss_after_restart");
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "   RSS {b:.1} MiB before, {a:.1} MiB after ({:+.1} MiB)",
            a - b
        );
    }
    Ok(())
}

/// Phase 5: snapshot, restore and fork on a tenant with ISOLATION_ITEMS Items.
async fn phase_isolation(c: &Ctx) -> anyhow::Result<()> {
    let s = &c.settings;
    let tenant = c.tenant("iso");
    println!(
        "\n== isolation: snapshot, restore and fork of a tenant with {} Items, {} times each",
        s.isolation_items, s.isolation_repeats
    );
    c.tartan
        .call(&tenant, "/tartan/settings", &json!({}))
        .await?;
    let mut tokens = Vec::new();
    let made = c
        .tartan
        .create_items(
            &tenant,
            s.isolation_items,
            s.concurrency,
            Instant::now() + Duration::from_secs(300),
            s.max_errors,
            &mut tokens,
        )
        .await;
    if made < s.isolation_items {
        bail!("made only {made} of {} Items", s.isolation_items);
    }
    let limit = Duration::from_secs(60);
    let report = |name: &str, wall: Vec<f64>, server: Vec<f64>| {
        let (wall, server) = (sorted(wall), sorted(server));
        println!(
            "   {name:<8} wall p50 {:.2} ms, max {:.2} ms; Tartan's time (Server-Timing) p50 {:.2} ms, max {:.2} ms",
            pct(&wall, 50.0),
            wall.last().copied().unwrap_or(f64::NAN),
            pct(&server, 50.0),
            server.last().copied().unwrap_or(f64::NAN)
        );
        c.results
            .put(&format!("isolation_{name}_p50"), pct(&wall, 50.0), "ms");
        c.results.put(
            &format!("isolation_{name}_max"),
            wall.last().copied().unwrap_or(f64::NAN),
            "ms",
        );
    };
    let mut snapshot_ids = Vec::new();
    let (mut wall, mut server) = (Vec::new(), Vec::new());
    for _ in 0..s.isolation_repeats {
        let started = Instant::now();
        let (v, st) = c
            .tartan
            .call_timed(&tenant, "/tartan/snapshots", &json!({}), limit)
            .await?;
        wall.push(ms(started.elapsed()));
        server.push(st);
        if v["items"].as_u64() != Some(s.isolation_items as u64) {
            bail!("a snapshot answered {v}");
        }
        snapshot_ids.push(v["snapshot_id"].as_str().context("snapshot_id")?.to_owned());
    }
    report("snapshot", wall, server);
    let (mut wall, mut server) = (Vec::new(), Vec::new());
    for id in &snapshot_ids {
        let started = Instant::now();
        let (v, st) = c
            .tartan
            .call_timed(
                &tenant,
                &format!("/tartan/snapshots/{id}/restore"),
                &json!({}),
                limit,
            )
            .await?;
        wall.push(ms(started.elapsed()));
        server.push(st);
        if v["restored"]["items"].as_u64() != Some(s.isolation_items as u64) {
            bail!("a restore answered {v}");
        }
    }
    report("restore", wall, server);
    let (mut wall, mut server) = (Vec::new(), Vec::new());
    for k in 0..s.isolation_repeats {
        let to = format!("{tenant}-fork-{k}");
        let started = Instant::now();
        let (v, st) = c
            .tartan
            .call_timed(
                &tenant,
                "/tartan/tenants/fork",
                &json!({"to_client_id": to}),
                limit,
            )
            .await?;
        wall.push(ms(started.elapsed()));
        server.push(st);
        if v["items"].as_u64() != Some(s.isolation_items as u64) {
            bail!("a fork answered {v}");
        }
    }
    report("fork", wall, server);
    Ok(())
}

/// Phase 6: the churn soak.
async fn phase_soak(c: &Ctx) -> anyhow::Result<()> {
    let s = &c.settings;
    let tenant = c.tenant("soak");
    let per_client = s.soak_live.div_ceil(s.soak_clients).max(1);
    println!(
        "\n== soak: {} clients loop create -> /accounts/get -> fire_webhook -> /item/remove for {:.0} s, {} Items live each; RSS every {:.0} s",
        s.soak_clients,
        s.soak_seconds,
        per_client,
        s.soak_sample.as_secs_f64()
    );
    c.tartan
        .call(&tenant, "/tartan/settings", &json!({}))
        .await?;
    let cpu = CpuMeter::start(s.clk_tck);
    let received_before = c.receiver.received.load(Ordering::Relaxed);
    let failures_before = c.tartan.failures.total();
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(s.soak_seconds);
    let loops = Arc::new(AtomicUsize::new(0));
    let fired = Arc::new(AtomicUsize::new(0));
    let removed = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..s.soak_clients {
        let (t, tenant, hook) = (c.tartan.clone(), tenant.clone(), c.hook_url.clone());
        let (loops, fired, removed, errors) = (
            loops.clone(),
            fired.clone(),
            removed.clone(),
            errors.clone(),
        );
        let max_errors = s.max_errors;
        tasks.push(tokio::spawn(async move {
            let mut live: VecDeque<String> = VecDeque::with_capacity(per_client + 1);
            let step = async |live: &mut VecDeque<String>| -> anyhow::Result<()> {
                let (token, _) = t.create_item(&tenant, Some(&hook)).await?;
                live.push_back(token.clone());
                t.call(&tenant, "/accounts/get", &json!({"access_token": token}))
                    .await?;
                let v = t
                    .call(
                        &tenant,
                        "/sandbox/item/fire_webhook",
                        &json!({"access_token": token, "webhook_code": "DEFAULT_UPDATE"}),
                    )
                    .await?;
                if v["webhook_fired"] != Value::Bool(true) {
                    bail!("fire_webhook answered {v}");
                }
                fired.fetch_add(1, Ordering::Relaxed);
                if live.len() > per_client {
                    let old = live.pop_front().expect("a live Item");
                    t.call(&tenant, "/item/remove", &json!({"access_token": old}))
                        .await?;
                    removed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            };
            while Instant::now() < end {
                match step(&mut live).await {
                    Ok(()) => {
                        loops.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        if errors.fetch_add(1, Ordering::Relaxed) + 1 >= max_errors {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            live.len()
        }));
    }
    // RSS every SOAK_SAMPLE_S from the start (t = 0) to the end.
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut k = 0u32;
    loop {
        let at = started + s.soak_sample * k;
        if at > end + Duration::from_millis(500) {
            break;
        }
        tokio::time::sleep_until(at.into()).await;
        let t = (at - started).as_secs_f64();
        let rss = tartan_rss().unwrap_or(f64::NAN);
        println!(
            "   t={t:>5.0} s  RSS {rss:>7.1} MiB  loops {:>8}  errors {}",
            loops.load(Ordering::Relaxed),
            errors.load(Ordering::Relaxed)
        );
        samples.push((t, rss));
        k += 1;
    }
    let mut live = 0;
    for task in tasks {
        live += task.await.unwrap_or(0);
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu.report();
    let n = loops.load(Ordering::Relaxed);
    // Every delivery attempted (bounded by Tartan: 30 s), then the receiver's count.
    let flushed = c
        .tartan
        .call_timed(
            &tenant,
            "/tartan/webhooks/flush",
            &json!({}),
            Duration::from_secs(40),
        )
        .await
        .map(|(v, _)| v.to_string())
        .unwrap_or_else(|e| format!("failed: {e:#}"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let received = c.receiver.received.load(Ordering::Relaxed) - received_before;
    println!(
        "   {n} loops in {secs:.1} s ({:.0}/s: {:.0} API calls/s), {} webhooks fired, {} Items removed, {live} live at the end, {} errors",
        n as f64 / secs,
        5.0 * n as f64 / secs,
        fired.load(Ordering::Relaxed),
        removed.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed)
    );
    println!("   {cpu}");
    println!("   receiver got {received} webhooks (all kinds); flush: {flushed}");
    if c.tartan.failures.total() > failures_before {
        c.tartan.failures.print("   ");
    }
    c.results
        .put("soak_loops_per_s", n as f64 / secs, "loops/s");
    // After the first minute (or the first half of a run shorter than two minutes).
    let warm = if s.soak_seconds >= 120.0 {
        60.0
    } else {
        (s.soak_seconds / 2.0 / s.soak_sample.as_secs_f64()).floor() * s.soak_sample.as_secs_f64()
    };
    let at_warm = samples
        .iter()
        .find(|(t, _)| *t >= warm - 0.001)
        .map_or(f64::NAN, |(_, r)| *r);
    let after: Vec<f64> = samples
        .iter()
        .filter(|(t, r)| *t >= warm - 0.001 && r.is_finite())
        .map(|(_, r)| *r)
        .collect();
    let (lo, hi) = after
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
            (lo.min(r), hi.max(r))
        });
    c.results
        .put(&format!("soak_rss_at_{warm:.0}s"), at_warm, "MiB");
    c.results.put(
        &format!("soak_rss_range_after_{warm:.0}s"),
        if after.is_empty() { f64::NAN } else { hi - lo },
        "MiB",
    );
    c.results.put(
        "soak_rss_end",
        samples.last().map_or(f64::NAN, |(_, r)| *r),
        "MiB",
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Targets.

fn targets(c: &Ctx) {
    let r = &c.results;
    println!("\ntargets:");
    let line = |name: &str, verdict: Option<bool>, what: String| {
        let v = match verdict {
            Some(true) => "MET",
            Some(false) => "MISSED",
            None => "NOT MEASURED",
        };
        println!("TARGET {name} {v}: {what}");
    };
    let lines = r.lines.lock().clone();
    let find = |prefix: &str| -> Vec<(String, f64)> {
        lines
            .iter()
            .filter(|(n, v, _)| n.starts_with(prefix) && v.is_finite())
            .map(|(n, v, _)| (n.clone(), *v))
            .collect()
    };
    if c.settings.runs("create") {
        let overall = r.get("create_rate_overall");
        line(
            "create_rate",
            overall.map(|v| v >= 5000.0),
            format!(
                "overall {:.0} creates/s, target >= 5000",
                overall.unwrap_or(f64::NAN)
            ),
        );
        // Full 10,000-Item blocks of a per-block measure.
        let blocks = |prefix: &str| -> Vec<f64> {
            find(prefix)
                .into_iter()
                .filter(|(n, _)| {
                    let mut parts = n.trim_start_matches(prefix).split('_');
                    let a: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    let b: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    b.saturating_sub(a) == 10_000
                })
                .map(|(_, v)| v)
                .collect()
        };
        let list = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{x:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // No slow-down: every full later block at least 90% of the first 10,000's rate.
        let rates = blocks("create_rate_items_");
        line(
            "create_no_slowdown",
            (rates.len() >= 2).then(|| rates.iter().all(|v| *v >= 0.9 * rates[0])),
            format!(
                "full 10,000 blocks {} creates/s (target: none below 90% of the first)",
                list(&rates)
            ),
        );
        // The same, as Tartan's CPU per Item, which the machine's other load does not move:
        // no block costs more than the first by over 1/0.9.
        let cost = blocks("create_cpu_items_");
        line(
            "create_cost_flat",
            (cost.len() >= 2).then(|| cost.iter().all(|v| *v * 0.9 <= cost[0])),
            format!(
                "Tartan CPU per Item in full 10,000 blocks {} us (target: none above the first by over 11%)",
                list(&cost)
            ),
        );
        let end = find("rss_at_end_").pop();
        line(
            "rss_at_end",
            end.as_ref().map(|(n, v)| {
                // 250 MB at 100,000 Items (MB = 10^6 bytes); scaled down for smaller runs.
                let items: f64 = n
                    .trim_start_matches("rss_at_end_")
                    .trim_end_matches("_items")
                    .parse()
                    .unwrap_or(100_000.0);
                *v * 1.048_576 <= 250.0 * (items / 100_000.0).max(1.0)
            }),
            format!(
                "{} = {:.1} MiB ({:.1} MB), target <= 250 MB at 100,000 Items",
                end.as_ref().map_or("-", |(n, _)| n.as_str()),
                end.as_ref().map_or(f64::NAN, |(_, v)| *v),
                end.as_ref().map_or(f64::NAN, |(_, v)| *v * 1.048_576)
            ),
        );
    }
    if c.settings.runs("accounts") {
        let (a, b) = (
            r.get("accounts_get_p99_at_1000_items"),
            r.get("accounts_get_p99_at_end"),
        );
        line(
            "accounts_p99_flat",
            a.zip(b).map(|(a, b)| b <= 1.10 * a),
            format!(
                "p99 {:.3} ms at 1,000 Items, {:.3} ms at the end, target within 10%",
                a.unwrap_or(f64::NAN),
                b.unwrap_or(f64::NAN)
            ),
        );
    }
    if c.settings.runs("idle") {
        let v = r.get("idle_cpu");
        line(
            "idle_cpu",
            v.map(|v| v <= 1.0),
            format!("{:.3}% of one core, target <= 1%", v.unwrap_or(f64::NAN)),
        );
    }
    if c.settings.runs("restart") {
        let t = r.get("restart_to_healthy");
        line(
            "restart_time",
            t.map(|t| t <= 1000.0),
            format!("{:.1} ms to healthy, target <= 1000", t.unwrap_or(f64::NAN)),
        );
        let (b, a) = (r.get("rss_before_restart"), r.get("rss_after_restart"));
        line(
            "restart_rss",
            b.zip(a).map(|(b, a)| a <= b),
            format!(
                "{:.1} MiB after vs {:.1} MiB before, target not higher",
                a.unwrap_or(f64::NAN),
                b.unwrap_or(f64::NAN)
            ),
        );
    }
    if c.settings.runs("isolation") {
        for op in ["snapshot", "restore", "fork"] {
            let v = r.get(&format!("isolation_{op}_max"));
            line(
                &format!("isolation_{op}"),
                v.map(|v| v <= 50.0),
                format!("max {:.2} ms, target <= 50", v.unwrap_or(f64::NAN)),
            );
        }
    }
    if c.settings.runs("soak") {
        let v = find("soak_rss_range_after_").pop();
        line(
            "soak_rss_flat",
            v.as_ref().map(|(_, v)| *v <= 20.0 / 1.048_576),
            format!(
                "{} = {:.1} MiB, target within 20 MB",
                v.as_ref().map_or("-", |(n, _)| n.as_str()),
                v.as_ref().map_or(f64::NAN, |(_, v)| *v)
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------

fn main() -> anyhow::Result<()> {
    let base = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TARTAN_URL").ok())
        .context("usage: bench_scale <tartan base url, e.g. http://127.0.0.1:7878>")?;
    let settings = Settings::from_env();
    if let Some(pid) = env_str("TARTAN_PID").and_then(|p| p.trim().parse().ok()) {
        TARTAN_PID.store(pid, Ordering::SeqCst);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let receiver = Arc::new(Receiver::default());
        let app = Router::new()
            .route(
                "/hook",
                post(
                    |axum::extract::State(rx): axum::extract::State<Arc<Receiver>>| async move {
                        rx.received.fetch_add(1, Ordering::Relaxed);
                        (StatusCode::OK, "ok")
                    },
                ),
            )
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let hook_url = format!("http://{}/hook", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });

        let failures = Arc::new(Failures::default());
        let tartan = Tartan::new(&base, failures.clone())?;
        anyhow::ensure!(
            tartan.health(Duration::from_secs(5)).await,
            "Tartan is not answering /tartan/health at {base}"
        );
        let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let c = Ctx {
            tartan,
            settings,
            results: Results::default(),
            hook_url,
            receiver,
            run_id,
        };
        let s = &c.settings;
        println!(
            "bench_scale against {base} (Tartan pid {}); phases {}; ITEMS {} CONCURRENCY {} SOAK_SECONDS {}; {} cores",
            tartan_pid().map_or("unknown".to_owned(), |p| p.to_string()),
            s.phases.join(","),
            s.items,
            s.concurrency,
            s.soak_seconds,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!("load average {}", loadavg());
        c.rss("rss_at_start");
        let mut failed = Vec::new();
        let (mut tenant, mut tokens) = (String::new(), Vec::new());
        if s.runs("create") || s.runs("accounts") {
            match phase_create(&c).await {
                Ok((t, k)) => (tenant, tokens) = (t, k),
                Err(e) => {
                    println!("   create phase failed: {e:#}");
                    failed.push("create");
                }
            }
        }
        for phase in ["idle", "restart", "isolation", "soak"] {
            if !s.runs(phase) {
                continue;
            }
            let result = match phase {
                "idle" => phase_idle(&c).await,
                "restart" => phase_restart(&c, &tenant, &tokens).await,
                "isolation" => phase_isolation(&c).await,
                _ => phase_soak(&c).await,
            };
            if let Err(e) = result {
                println!("   {phase} phase failed: {e:#}");
                failed.push(phase);
            }
        }
        if c.tartan.failures.total() > 0 {
            println!("\nfailed calls during the run (endpoint: status, first bodies):");
            c.tartan.failures.print("   ");
        } else {
            println!("\nno failed calls during the run");
        }
        println!("\nload average {}", loadavg());
        targets(&c);
        if !failed.is_empty() {
            bail!("phases failed: {}", failed.join(", "));
        }
        Ok(())
    })
}
