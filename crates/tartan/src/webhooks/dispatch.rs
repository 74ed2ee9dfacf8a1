//! The dispatcher: delivers due webhooks concurrently and records every attempt.
//!
//! A delivery is due when its `next_attempt_ms` has passed on its tenant's clock, so retries
//! follow virtual time: advancing the clock 30 s makes the first retry due. Each request is
//! signed as Plaid signs (`Plaid-Verification`: an ES256 JWT with `iat` and
//! `request_body_sha256`), times out after the configured limit (10 s by default), and its
//! outcome is written back in batches so that many deliveries cost few transactions. A slow or
//! dead receiver only ever holds its own task.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use parking_lot::Mutex;
use tokio::sync::{Semaphore, mpsc};

use crate::world::outbox::{Attempt, DeliveryState, describe, retry_delay_ms};
use crate::world::{Record, World, clock};

/// How many deliveries may be in flight at once.
const CONCURRENCY: usize = 256;
/// How much of a receiver's answer the log keeps.
const SNIPPET: usize = 200;

struct Job {
    client_id: String,
    seq: u64,
    url: String,
    body: String,
    kid: String,
    key: Option<Arc<EcdsaKeyPair>>,
}

struct Outcome {
    client_id: String,
    seq: u64,
    status: Option<u16>,
    latency_ms: u64,
    error: Option<String>,
    snippet: String,
}

/// `Plaid-Verification` for `body`: header {alg ES256, kid, typ JWT}, claims {iat,
/// request_body_sha256}. `iat` is wall-clock time, because receivers check it against theirs.
pub fn sign(key: &EcdsaKeyPair, kid: &str, body: &str) -> Result<String, String> {
    let hash = digest::digest(&digest::SHA256, body.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let header = serde_json::json!({"alg": "ES256", "kid": kid, "typ": "JWT"});
    let claims = serde_json::json!({
        "iat": clock::system_now_ms() / 1000,
        "request_body_sha256": hex,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .map_err(|_| "the ES256 signature failed".to_owned())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    ))
}

/// Starts the dispatcher on a thread of its own, at a lower scheduling priority than the
/// threads that serve requests: signing and sending are background work, and when the CPU is
/// short (a backlog draining, a busy laptop) API requests should win. Outcomes are recorded on
/// the caller's runtime. The dispatcher stops when `stop` resolves or its sender is dropped.
pub fn start(
    world: Arc<World>,
    timeout: Duration,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let (tx, rx) = mpsc::unbounded_channel::<Outcome>();
    let in_flight: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let recorder = tokio::spawn(record(world.clone(), rx, in_flight.clone()));
    std::thread::Builder::new()
        .name("tartan-webhooks".into())
        .spawn(move || {
            // Nice 10 for this thread only (a Linux thread id is a process id here); where
            // that is refused the dispatcher still runs, at normal priority.
            #[cfg(target_os = "linux")]
            if let Err(e) =
                rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10)
            {
                tracing::debug!(error = %e, "the webhook thread keeps its priority");
            }
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "the webhook runtime could not start; no webhooks will be sent");
                    return;
                }
            };
            runtime.block_on(async move {
                tokio::select! {
                    () = run(world, timeout, tx, in_flight) => {}
                    _ = stop => {}
                }
            });
            recorder.abort();
        })?;
    Ok(())
}

/// Runs until stopped.
async fn run(
    world: Arc<World>,
    timeout: Duration,
    tx: mpsc::UnboundedSender<Outcome>,
    in_flight: Arc<Mutex<HashSet<u64>>>,
) {
    // Built on the first due webhook: its TLS roots cost memory a Tartan without webhooks
    // never needs.
    let mut http: Option<reqwest::Client> = None;
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut keys: HashMap<String, Option<Arc<EcdsaKeyPair>>> = HashMap::new();
    loop {
        let due = due_jobs(&world, &in_flight, &mut keys);
        if due.is_empty() {
            tokio::select! {
                () = world.wake_dispatcher.notified() => {}
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            continue;
        }
        let client = match &http {
            Some(c) => c.clone(),
            None => match reqwest::Client::builder().timeout(timeout).build() {
                Ok(c) => http.insert(c).clone(),
                Err(e) => {
                    tracing::error!(error = %e, "webhook client could not be built; no webhooks will be sent");
                    return;
                }
            },
        };
        for job in due {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (http, tx) = (client.clone(), tx.clone());
            tokio::spawn(async move {
                let outcome = send(&http, job).await;
                let _ = tx.send(outcome);
                drop(permit);
            });
        }
    }
}

/// The deliveries due now that are not already being sent: for each tenant, only the front
/// of its queue (ordered by due time) is read.
fn due_jobs(
    world: &World,
    in_flight: &Mutex<HashSet<u64>>,
    keys: &mut HashMap<String, Option<Arc<EcdsaKeyPair>>>,
) -> Vec<Job> {
    type Ready = (String, u64, String, String, String, String);
    let ready: Vec<Ready> = world.read(|s| {
        let busy = in_flight.lock();
        let mut ready = Vec::new();
        for ts in s.tenants.values() {
            let now = ts.now_ms();
            let key = &ts.tenant.webhook_key;
            for &(_, seq) in ts.pending.iter().take_while(|(due, _)| *due <= now) {
                if ready.len() >= CONCURRENCY {
                    return ready;
                }
                if busy.contains(&seq) {
                    continue;
                }
                if let Some(d) = ts.deliveries.get(&seq) {
                    ready.push((
                        ts.tenant.client_id.clone(),
                        seq,
                        d.url.clone(),
                        d.body.clone(),
                        key.kid.clone(),
                        key.pkcs8.clone(),
                    ));
                }
            }
        }
        ready
    });
    let mut busy = in_flight.lock();
    ready
        .into_iter()
        .map(|(client_id, seq, url, body, kid, pkcs8)| {
            busy.insert(seq);
            // Parsing the key is as costly as signing: do it once per key.
            let key = keys
                .entry(kid.clone())
                .or_insert_with(|| {
                    let der = STANDARD.decode(pkcs8).ok()?;
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                        .ok()
                        .map(Arc::new)
                })
                .clone();
            Job {
                client_id,
                seq,
                url,
                body,
                kid,
                key,
            }
        })
        .collect()
}

async fn send(http: &reqwest::Client, job: Job) -> Outcome {
    let started = Instant::now();
    let signed = match &job.key {
        Some(key) => sign(key, &job.kid, &job.body),
        None => Err("the tenant's signing key is unreadable".to_owned()),
    };
    let jwt = match signed {
        Ok(jwt) => jwt,
        Err(e) => {
            return Outcome {
                client_id: job.client_id,
                seq: job.seq,
                status: None,
                latency_ms: 0,
                error: Some(format!("could not sign: {e}")),
                snippet: String::new(),
            };
        }
    };
    let result = http
        .post(&job.url)
        .header("Content-Type", "application/json")
        .header("Plaid-Verification", jwt)
        .body(job.body)
        .send()
        .await;
    let (status, error, snippet) = match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (Some(status), None, text.chars().take(SNIPPET).collect())
        }
        Err(e) if e.is_timeout() => (None, Some("timed out".to_owned()), String::new()),
        Err(e) if e.is_connect() => (None, Some(format!("connection failed: {e}")), String::new()),
        Err(e) => (None, Some(e.to_string()), String::new()),
    };
    Outcome {
        client_id: job.client_id,
        seq: job.seq,
        status,
        latency_ms: started.elapsed().as_millis() as u64,
        error,
        snippet,
    }
}

/// Writes outcomes back, a batch per transaction, and schedules retries.
async fn record(
    world: Arc<World>,
    mut rx: mpsc::UnboundedReceiver<Outcome>,
    in_flight: Arc<Mutex<HashSet<u64>>>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        // Small batches keep each hold of the state's write lock short for readers.
        while batch.len() < 128 {
            match rx.try_recv() {
                Ok(o) => batch.push(o),
                Err(_) => break,
            }
        }
        let sent: Vec<u64> = batch.iter().map(|o| o.seq).collect();
        let recorded = world
            .blocking_write(move |world| write_outcomes(world, &batch))
            .await;
        {
            let mut busy = in_flight.lock();
            for seq in &sent {
                busy.remove(seq);
            }
        }
        let lines = match recorded {
            Ok(lines) => lines,
            Err(e) => {
                tracing::error!(error = %e, "webhook outcomes could not be recorded");
                continue;
            }
        };
        match lines {
            Ok(lines) => {
                for (ok, line) in lines {
                    if ok {
                        tracing::debug!(target: "webhook", "{line}");
                    } else {
                        tracing::warn!(target: "webhook", "{line}");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "webhook attempts could not be recorded"),
        }
        // Retries that are already due (a clock moved past them) go out at once.
        world.wake_dispatcher.notify_one();
    }
}

/// Records a batch of outcomes in one transaction: each delivery gets its attempt and is
/// delivered, rescheduled on Plaid's retry schedule, or given up.
fn write_outcomes(
    world: &World,
    batch: &[Outcome],
) -> Result<Vec<(bool, String)>, tartan_types::PlaidError> {
    world.write(|state, changes| {
        let mut lines = Vec::with_capacity(batch.len());
        for (k, o) in batch.iter().enumerate() {
            let Some(mut d) = state
                .tenants
                .get(&o.client_id)
                .and_then(|ts| ts.deliveries.get(&o.seq))
                .cloned()
            else {
                continue;
            };
            let now = state.now_ms(&d.client_id);
            d.attempts.push(Attempt {
                at_ms: now,
                status: o.status,
                latency_ms: o.latency_ms,
                error: o.error.clone(),
                response_snippet: o.snippet.clone(),
            });
            let ok = o.status.is_some_and(|s| (200..300).contains(&s));
            (d.state, d.next_attempt_ms) = if ok {
                (DeliveryState::Delivered, None)
            } else {
                match retry_delay_ms(d.attempts.len()) {
                    Some(delay) => (DeliveryState::Pending, Some(now + delay)),
                    None => (DeliveryState::Failed, None),
                }
            };
            d.log_seq = state.log_seq + k as u64 + 1;
            lines.push((ok, describe(&d)));
            changes.push(Record::Delivery(Box::new(d)));
        }
        Ok(lines)
    })
}
