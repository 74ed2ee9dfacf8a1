//! With a data dir, everything acknowledged survives a restart and a `kill -9`.

use std::process::{Child, Stdio};

use serde_json::{Value, json};
use tartan::world::KeyPolicy;

use crate::helpers::{TestApp, free_port, spawn_with, start_tartan, wait_ready};

#[tokio::test]
async fn state_survives_a_graceful_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let token = app.default_item().await;
    let broken = app.default_item().await;
    app.with_token("/sandbox/item/reset_login", &broken)
        .await
        .ok();
    let removed = app.default_item().await;
    app.with_token("/item/remove", &removed).await.ok();
    let public = app.public_token("ins_109508", &["auth"]).await;
    app.advance(json!({"days": 2})).await;
    let kid = app.get("/tartan/webhook_key").await.ok()["kid"].clone();
    let item_before = app.with_token("/item/get", &token).await.ok()["item"].clone();
    let accounts_before = app.with_token("/accounts/get", &token).await.ok()["accounts"].clone();
    app.stop().await;
    // A clean shutdown folds the WAL into the database file.
    let wal = std::fs::metadata(dir.path().join("tartan.sqlite3-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL is emptied on shutdown");

    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    assert_eq!(
        app.with_token("/item/get", &token).await.ok()["item"],
        item_before
    );
    assert_eq!(
        app.with_token("/accounts/get", &token).await.ok()["accounts"],
        accounts_before
    );
    app.with_token("/accounts/get", &broken)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    app.with_token("/item/get", &removed)
        .await
        .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    assert_eq!(app.get("/tartan/webhook_key").await.ok()["kid"], kid);
    // The clock kept its offset: the 30-minute public token has expired.
    app.post(
        "/item/public_token/exchange",
        json!({"public_token": public}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
    // The bound secret persisted too.
    app.as_tenant(&client_id, "other")
        .get("/tartan/clock")
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
}

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_binary(data_dir: &std::path::Path) -> Server {
    let port = free_port();
    let dir = data_dir.to_string_lossy().into_owned();
    let server = Server(
        start_tartan(port, &["--data-dir", &dir], "warn", Stdio::null()),
        port,
    );
    wait_ready(port).await;
    server
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start_binary(dir.path()).await;
    let app = TestApp::remote(server.1, "kill_tenant", "kill_secret");
    let token = app.default_item().await;
    app.post(
        "/item/webhook/update",
        json!({"access_token": token, "webhook": "http://127.0.0.1:9/after"}),
    )
    .await
    .ok();
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    // SIGKILL: no chance to flush anything that was not already committed.
    server.0.kill().expect("kill -9");
    let _ = server.0.wait();

    let server = start_binary(dir.path()).await;
    let app = TestApp::remote(server.1, "kill_tenant", "kill_secret");
    let item = app.with_token("/item/get", &token).await.ok();
    assert_eq!(item["item"]["webhook"], "http://127.0.0.1:9/after");
    assert_eq!(item["item"]["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
}

/// Copies the committed data dir that Tartan a68a8d3 wrote (before schema versions).
fn old_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/datadir-a68a8d3/tartan.sqlite3");
    std::fs::copy(&fixture, dir.path().join("tartan.sqlite3")).expect("copy fixture");
    dir
}

#[tokio::test]
async fn a_data_dir_from_before_schema_versions_opens_with_its_state() {
    let dir = old_data_dir();
    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant("fixture_client", "fixture_secret");
    // The README of the fixture lists what it holds.
    let broken = "access-sandbox-5bf348a1-cb24-4864-a761-7d8016c6cb98";
    let healthy = "access-sandbox-71941cb6-0f5a-44e9-aa87-d3a0bb6c8e09";
    let removed = "access-sandbox-e610c66c-d045-4f51-b49f-7d7e75a4b98e";
    let item = app.with_token("/item/get", broken).await.ok();
    assert_eq!(item["item"]["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
    assert_eq!(item["item"]["webhook"], "http://127.0.0.1:9/hook");
    assert_eq!(item["status"]["last_webhook"], Value::Null);
    let accounts = app.with_token("/accounts/get", healthy).await.ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(12));
    app.with_token("/item/get", removed)
        .await
        .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    let clock = app.get("/tartan/clock").await.ok();
    assert_eq!(clock["frozen"], true);
    assert_eq!(clock["now"], "2027-01-01T00:00:00Z");
    assert_eq!(
        app.get("/tartan/settings").await.ok()["item_login_expiry_days"],
        0
    );
    // The pending webhook is still pending, with its one failed attempt and its retry time.
    let log = app.get("/tartan/webhooks").await.ok();
    let pending = &log["deliveries"][0];
    assert_eq!(pending["state"], "pending", "{log}");
    assert_eq!(pending["webhook_code"], "ERROR");
    assert_eq!(pending["attempts"].as_array().map(Vec::len), Some(1));
    assert_eq!(pending["next_attempt_at"], "2027-01-01T00:00:30Z");
    let triggers = app.get("/tartan/triggers").await.ok();
    assert_eq!(triggers["triggers"][0]["action"], "outage");
    assert_eq!(triggers["triggers"][0]["state"], "pending");
    app.post(
        "/link/token/get",
        json!({"link_token": "link-sandbox-1bf9f107-4ad9-42f2-b458-fcdf9a035fd2"}),
    )
    .await
    .ok();
    // The old secret is still bound; the trigger still runs when its time comes (and the
    // Items, made with the Sandbox's 30-day expiry before it was turned off, expired).
    app.as_tenant("fixture_client", "other")
        .get("/tartan/clock")
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
    app.post("/tartan/clock/set", json!({"now": "2027-02-01T00:00:01Z"}))
        .await
        .ok();
    let triggers = app.get("/tartan/triggers").await.ok();
    assert_eq!(triggers["triggers"][0]["state"], "done", "{triggers}");
    app.with_token("/accounts/get", healthy)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    server.stop().await;

    let conn = rusqlite::Connection::open(dir.path().join("tartan.sqlite3")).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, tartan::store::SCHEMA_VERSION as i64);
}

#[tokio::test]
async fn a_data_dir_from_a_newer_tartan_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tartan.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .expect("future schema");
    }
    let before = std::fs::read(&path).expect("read");
    let config = tartan::Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..tartan::Config::ephemeral()
    };
    let refused = match tartan::Application::build(config).await {
        Ok(_) => panic!("a newer data dir was opened"),
        Err(e) => e.to_string(),
    };
    assert!(refused.contains("schema version 99"), "{refused}");
    assert!(
        refused.contains(&format!("up to {}", tartan::store::SCHEMA_VERSION)),
        "{refused}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "nothing changed"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        names,
        vec!["tartan.sqlite3".to_owned()],
        "no WAL or other file made"
    );
}

#[tokio::test]
async fn delivered_webhooks_are_read_from_the_store_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let receiver = crate::helpers::Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    for _ in 0..3 {
        app.post(
            "/sandbox/item/fire_webhook",
            json!({"access_token": token, "webhook_code": "DEFAULT_UPDATE"}),
        )
        .await
        .ok();
    }
    app.flush().await;
    let before = app.deliveries(&item_id).await;
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|d| d["state"] == "delivered"));
    let last = app.with_token("/item/get", &token).await.ok()["status"]["last_webhook"].clone();
    assert_eq!(last["code_sent"], "DEFAULT_UPDATE");
    app.stop().await;

    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    assert_eq!(app.deliveries(&item_id).await, before);
    assert_eq!(
        app.with_token("/item/get", &token).await.ok()["status"]["last_webhook"],
        last
    );
}

/// An exchanged public token is history: out of memory, but the store still tells a second
/// exchange why it fails, after a restart too.
#[tokio::test]
async fn a_second_exchange_is_told_the_token_was_exchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let public = app.public_token("ins_109508", &["auth"]).await;
    app.exchange(&public).await;
    let again = |app: TestApp, public: String| async move {
        let body = app
            .post(
                "/item/public_token/exchange",
                json!({"public_token": public}),
            )
            .await
            .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
        assert!(
            body["error_message"]
                .as_str()
                .unwrap_or_default()
                .contains("already been exchanged"),
            "{body}"
        );
        app
    };
    let app = again(app, public.clone()).await;
    app.stop().await;
    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    again(server.as_tenant(&client_id, &secret), public).await;
}

/// Snapshots taken under schema 2 (bodies kept beside their descriptions) are restored after
/// the upgrade that moved bodies to their own table.
#[tokio::test]
async fn a_snapshot_from_schema_2_restores_after_the_upgrade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let token = app.default_item().await;
    let snapshot = app.post("/tartan/snapshots", json!({})).await.ok();
    let id = snapshot["snapshot_id"].as_str().expect("id").to_owned();
    let item = app.with_token("/item/get", &token).await.ok()["item"].clone();
    app.with_token("/item/remove", &token).await.ok();
    app.stop().await;

    // Put the store back to schema 2's shape, as a Tartan from before the upgrade left it.
    {
        let conn = rusqlite::Connection::open(dir.path().join("tartan.sqlite3")).expect("open");
        conn.execute_batch(
            "CREATE TABLE old_snapshots (
                 client_id TEXT NOT NULL, snapshot_id TEXT NOT NULL,
                 created_at_ms INTEGER NOT NULL, items INTEGER NOT NULL, body BLOB NOT NULL,
                 PRIMARY KEY (client_id, snapshot_id)) WITHOUT ROWID;
             INSERT INTO old_snapshots
                 SELECT s.client_id, s.snapshot_id, s.created_at_ms, s.items, b.body
                 FROM snapshots s JOIN snapshot_bodies b USING (client_id, snapshot_id);
             DROP TABLE snapshots; DROP TABLE snapshot_bodies;
             ALTER TABLE old_snapshots RENAME TO snapshots;
             PRAGMA user_version = 2;",
        )
        .expect("schema 2");
    }

    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    let listed = app.get("/tartan/snapshots").await.ok();
    assert_eq!(
        listed["snapshots"][0]["snapshot_id"],
        id.as_str(),
        "{listed}"
    );
    app.post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .ok();
    assert_eq!(app.with_token("/item/get", &token).await.ok()["item"], item);
    app.delete(&format!("/tartan/snapshots/{id}")).await.ok();
    assert_eq!(
        app.get("/tartan/snapshots").await.ok()["snapshots"],
        json!([])
    );
}

/// A removed Item's token answers ITEM_NOT_FOUND and a rotated one INVALID_ACCESS_TOKEN, after
/// a restart too, with no record kept per removed Item (the token says which Item it was for).
#[tokio::test]
async fn removed_and_rotated_tokens_keep_their_answers_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let removed = app.default_item().await;
    app.with_token("/item/remove", &removed).await.ok();
    let rotated = app.default_item().await;
    let fresh = app
        .with_token("/item/access_token/invalidate", &rotated)
        .await
        .ok()["new_access_token"]
        .as_str()
        .expect("new token")
        .to_owned();
    app.stop().await;

    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    app.with_token("/item/get", &removed)
        .await
        .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    app.with_token("/item/remove", &removed)
        .await
        .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    app.with_token("/item/get", &rotated)
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    app.with_token("/item/get", &fresh).await.ok();
    // Another tenant does not know these tokens at all.
    let stranger = server.as_tenant("stranger", "stranger_secret");
    stranger.with_token("/item/get", &removed).await.error(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
    );
    // A well-formed token nobody issued is invalid, not a removed Item's.
    app.with_token(
        "/item/get",
        "access-sandbox-3f0c2a4e-9b1d-4c6e-8f7a-2b5d1e9c0a41",
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    server.stop().await;
}
