//! `spawn_app()`: a real Tartan on 127.0.0.1 port 0, and a client that talks to it the way an
//! SDK does (JSON POST with credentials in headers).

use std::net::SocketAddr;
use std::path::Path;

use serde_json::{Value, json};
use tartan::world::KeyPolicy;
use tartan::{Application, Config};

pub struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub client_id: String,
    pub secret: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A response: status, body, and the `X-Request-Id` header.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub request_id_header: Option<String>,
}

impl Reply {
    /// The body, after asserting a 200.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status, 200,
            "expected 200, got {}: {}",
            self.status, self.body
        );
        self.body
    }

    /// Asserts a 400 INVALID_FIELD whose message names `field`; returns the body.
    #[track_caller]
    pub fn invalid_field(self, field: &str) -> Value {
        let body = self.error(400, "INVALID_REQUEST", "INVALID_FIELD");
        let message = body["error_message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "the message names {field}: {body}");
        body
    }

    /// Asserts Plaid's error envelope with this code and status; returns the body.
    #[track_caller]
    pub fn error(self, status: u16, error_type: &str, error_code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["error_type"], error_type, "body: {}", self.body);
        assert_eq!(self.body["error_code"], error_code, "body: {}", self.body);
        for field in [
            "error_message",
            "display_message",
            "request_id",
            "causes",
            "status",
            "documentation_url",
            "suggested_action",
        ] {
            assert!(
                self.body.get(field).is_some(),
                "envelope lacks {field}: {}",
                self.body
            );
        }
        assert_eq!(self.body["status"], status);
        self.body
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(None, KeyPolicy::Open).await
}

pub async fn spawn_with(data_dir: Option<&Path>, keys: KeyPolicy) -> TestApp {
    spawn_config(Config {
        data_dir: data_dir.map(Path::to_path_buf),
        keys,
        ..Config::ephemeral()
    })
    .await
}

pub async fn spawn_config(config: Config) -> TestApp {
    let app = Application::build(config).await.expect("build app");
    let addr = app.local_addr().expect("local addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = app
            .run_until(async {
                let _ = rx.await;
            })
            .await;
    });
    TestApp {
        addr,
        http: reqwest::Client::new(),
        client_id: format!("client_{}", uuid::Uuid::new_v4().simple()),
        secret: "secret_good".to_owned(),
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// The same server seen by another tenant.
    pub fn as_tenant(&self, client_id: &str, secret: &str) -> TestApp {
        TestApp {
            addr: self.addr,
            http: self.http.clone(),
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            shutdown: None,
            server: None,
        }
    }

    async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let request_id_header = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            request_id_header,
        }
    }

    /// POSTs JSON with the tenant's credentials in the PLAID-* headers.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        let resp = self
            .http
            .post(self.url(path))
            .header("PLAID-CLIENT-ID", &self.client_id)
            .header("PLAID-SECRET", &self.secret)
            .json(&body)
            .send()
            .await
            .expect("request");
        Self::reply(resp).await
    }

    /// POSTs raw bytes with the given content type and no credential headers.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let resp = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .expect("request");
        Self::reply(resp).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        let resp = self
            .http
            .get(self.url(path))
            .header("PLAID-CLIENT-ID", &self.client_id)
            .header("PLAID-SECRET", &self.secret)
            .send()
            .await
            .expect("request");
        Self::reply(resp).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        let resp = self
            .http
            .delete(self.url(path))
            .header("PLAID-CLIENT-ID", &self.client_id)
            .header("PLAID-SECRET", &self.secret)
            .send()
            .await
            .expect("request");
        Self::reply(resp).await
    }

    pub async fn public_token(&self, institution_id: &str, products: &[&str]) -> String {
        let body = self
            .post(
                "/sandbox/public_token/create",
                json!({"institution_id": institution_id, "initial_products": products}),
            )
            .await
            .ok();
        body["public_token"]
            .as_str()
            .expect("public_token")
            .to_owned()
    }

    pub async fn exchange(&self, public_token: &str) -> Value {
        self.post(
            "/item/public_token/exchange",
            json!({"public_token": public_token}),
        )
        .await
        .ok()
    }

    /// An Item at `institution_id` with `products`; returns its access token.
    pub async fn item(&self, institution_id: &str, products: &[&str]) -> String {
        let public = self.public_token(institution_id, products).await;
        self.exchange(&public).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A First Platypus Bank Item with Transactions and Auth.
    pub async fn default_item(&self) -> String {
        self.item("ins_109508", &["transactions", "auth"]).await
    }

    /// Calls an endpoint that takes just an access token.
    pub async fn with_token(&self, path: &str, access_token: &str) -> Reply {
        self.post(path, json!({"access_token": access_token})).await
    }

    pub async fn advance(&self, body: Value) -> Value {
        self.post("/tartan/clock/advance", body).await.ok()
    }
}

/// A tenant with a fixed seed on a fixed, frozen day (2027-03-10 12:00 UTC), so the bank's
/// activity is the same on every run.
pub async fn fixed_day() -> TestApp {
    let app = spawn_app().await;
    app.post("/tartan/settings", json!({"seed": 42})).await.ok();
    app.post("/tartan/clock/set", json!({"now": "2027-03-10T12:00:00Z"}))
        .await
        .ok();
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    app
}

/// An account of a `/accounts/*` response, by mask.
#[track_caller]
pub fn by_mask<'a>(body: &'a Value, mask: &str) -> &'a Value {
    body["accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["mask"] == mask))
        .unwrap_or_else(|| panic!("no account with mask {mask} in {body}"))
}

impl TestApp {
    /// A client for a Tartan started elsewhere (e.g. the real binary) on this port.
    pub fn remote(port: u16, client_id: &str, secret: &str) -> TestApp {
        TestApp {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            http: reqwest::Client::new(),
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            shutdown: None,
            server: None,
        }
    }
}

/// A webhook receiver on 127.0.0.1: records every request and answers with the next queued
/// status (200 once the queue is empty), after an optional delay.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    hits: std::sync::Arc<parking_lot::Mutex<Vec<Hit>>>,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Self::answering(Vec::new(), std::time::Duration::ZERO).await
    }

    pub async fn answering(statuses: Vec<u16>, delay: std::time::Duration) -> Receiver {
        use std::sync::Arc;
        let hits: Arc<parking_lot::Mutex<Vec<Hit>>> = Arc::default();
        let queue = Arc::new(parking_lot::Mutex::new(
            statuses
                .into_iter()
                .collect::<std::collections::VecDeque<u16>>(),
        ));
        let recorded = hits.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
                let (recorded, queue) = (recorded.clone(), queue.clone());
                async move {
                    recorded.lock().push(Hit {
                        path: uri.path().to_owned(),
                        headers,
                        body,
                    });
                    let status = queue.lock().pop_front().unwrap_or(200);
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            hits,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().clone()
    }

    /// The parsed bodies received, in order.
    pub fn bodies(&self) -> Vec<Value> {
        self.hits()
            .iter()
            .map(|h| serde_json::from_str(&h.body).unwrap_or(Value::Null))
            .collect()
    }
}

impl TestApp {
    /// An Item whose webhook goes to `url`; returns (access_token, item_id).
    pub async fn item_with_webhook(
        &self,
        institution_id: &str,
        products: &[&str],
        url: &str,
    ) -> (String, String) {
        let public = self
            .post(
                "/sandbox/public_token/create",
                json!({"institution_id": institution_id, "initial_products": products,
                       "options": {"webhook": url}}),
            )
            .await
            .ok()["public_token"]
            .as_str()
            .map(str::to_owned)
            .expect("public_token");
        let exchanged = self.exchange(&public).await;
        (
            exchanged["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            exchanged["item_id"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// Waits until every due webhook of this tenant has been attempted.
    pub async fn flush(&self) {
        let body = self.post("/tartan/webhooks/flush", json!({})).await.ok();
        assert_eq!(body["due"], 0, "deliveries still due after flush: {body}");
    }

    /// The delivery log for one Item.
    pub async fn deliveries(&self, item_id: &str) -> Vec<Value> {
        self.get(&format!("/tartan/webhooks?item_id={item_id}"))
            .await
            .ok()["deliveries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn trigger(&self, body: Value) -> Reply {
        self.post("/tartan/triggers", body).await
    }

    pub async fn item_error_code(&self, access_token: &str) -> Value {
        self.with_token("/item/get", access_token).await.ok()["item"]["error"]["error_code"].clone()
    }
}

/// Unix seconds of an RFC 3339 timestamp in a JSON value (0 when it is not one).
pub fn unix(v: &Value) -> i64 {
    time::OffsetDateTime::parse(
        v.as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .unwrap_or_default()
}

/// A free loopback port for a process the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits (bounded) until a Tartan on `port` answers its health check.
pub async fn wait_ready(port: u16) {
    let http = reqwest::Client::new();
    for _ in 0..200 {
        let ready = http
            .get(format!("http://127.0.0.1:{port}/tartan/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("tartan did not become ready on port {port}");
}

/// Starts the real `tartan serve` binary on `port` with extra arguments.
pub fn start_tartan(
    port: u16,
    args: &[&str],
    log: &str,
    stderr: std::process::Stdio,
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_tartan"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(args)
        .env("RUST_LOG", log)
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn tartan")
}
