//! With a data dir, everything acknowledged survives a restart and a `kill -9`.

use std::process::{Child, Stdio};

use serde_json::json;
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
