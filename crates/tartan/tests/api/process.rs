//! The `tartan` binary as a process: clean shutdown on signals, one log line per request.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{free_port, start_tartan, wait_ready};

/// Starts `tartan serve --ephemeral`, makes one request, sends `signal`, and returns the exit
/// status and everything the process logged.
async fn run_and_signal(signal: &str) -> (std::process::ExitStatus, String) {
    let port = free_port();
    let mut child = start_tartan(port, &["--ephemeral"], "info", Stdio::piped());
    wait_ready(port).await;
    let reply = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/item/get"))
        .header("PLAID-CLIENT-ID", "log_test")
        .header("PLAID-SECRET", "s")
        .json(&serde_json::json!({"access_token": "access-sandbox-unknown"}))
        .send()
        .await
        .expect("request");
    let request_id = reply
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("request id");
    let timing = reply
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("app;dur="))
        .and_then(|v| v.parse::<f64>().ok())
        .expect("a Server-Timing header with Tartan's own time");
    assert!((0.0..10_000.0).contains(&timing), "{timing}");
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after {signal}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let mut log = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut log);
    }
    assert!(
        log.lines()
            .any(|l| l.contains(&format!("request_id={request_id}"))
                && l.contains("path=/item/get")
                && l.contains("status=400")
                && l.contains("latency_us=")),
        "no log line for {request_id} in:\n{log}"
    );
    (status, log)
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly_after_logging_each_request() {
    let (status, log) = run_and_signal("-TERM").await;
    assert!(status.success(), "exit status {status:?}\n{log}");
    assert!(log.contains("ready"), "{log}");
    assert!(log.contains("shutting down"), "{log}");
}

#[tokio::test]
async fn sigint_shuts_down_cleanly() {
    let (status, log) = run_and_signal("-INT").await;
    assert!(status.success(), "exit status {status:?}\n{log}");
}

#[test]
fn a_bad_keys_file_is_refused_at_startup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("keys");
    std::fs::write(&keys, "just_one_field\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_tartan"))
        .args(["serve", "--ephemeral", "--addr", "127.0.0.1:0", "--keys"])
        .arg(&keys)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("keys file line 1"), "{stderr}");
}

/// `tartan webhooks` prints a running Tartan's delivery log for one client.
#[tokio::test]
async fn the_webhooks_command_prints_the_delivery_log() {
    let port = free_port();
    let mut child = start_tartan(port, &["--ephemeral"], "warn", Stdio::null());
    wait_ready(port).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("http://127.0.0.1:{port}{path}"))
            .header("PLAID-CLIENT-ID", "cli_client")
            .header("PLAID-SECRET", "cli_secret")
            .json(&body)
            .send()
    };
    let public: serde_json::Value = post(
        "/sandbox/public_token/create",
        serde_json::json!({"institution_id": "ins_109508", "initial_products": ["auth"],
                           "options": {"webhook": "http://127.0.0.1:9/hook"}}),
    )
    .await
    .expect("create")
    .json()
    .await
    .expect("json");
    let exchanged: serde_json::Value = post(
        "/item/public_token/exchange",
        serde_json::json!({"public_token": public["public_token"]}),
    )
    .await
    .expect("exchange")
    .json()
    .await
    .expect("json");
    post(
        "/sandbox/item/reset_login",
        serde_json::json!({"access_token": exchanged["access_token"]}),
    )
    .await
    .expect("reset");
    post("/tartan/webhooks/flush", serde_json::json!({}))
        .await
        .expect("flush");
    let out = Command::new(env!("CARGO_BIN_EXE_tartan"))
        .args([
            "webhooks",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--client-id",
            "cli_client",
            "--secret",
            "cli_secret",
        ])
        .output()
        .expect("run");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ITEM/ERROR") && stdout.contains("http://127.0.0.1:9/hook"),
        "{stdout}"
    );
    assert!(
        stdout.contains("connection failed") && stdout.contains("retry at"),
        "{stdout}"
    );

    let wrong = Command::new(env!("CARGO_BIN_EXE_tartan"))
        .args([
            "webhooks",
            "--url",
            "http://127.0.0.1:9",
            "--client-id",
            "a",
            "--secret",
            "b",
        ])
        .output()
        .expect("run");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("cannot reach Tartan"));
}
