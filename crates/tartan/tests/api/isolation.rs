//! Per-test isolation: `/tartan/reset`, snapshots, and forks of a tenant.

use serde_json::{Value, json};
use tartan::world::KeyPolicy;

use crate::helpers::{Receiver, TestApp, spawn_app, spawn_with};

/// An Item's state as a client sees it, without what changes by itself (request ids).
async fn item_state(app: &TestApp, token: &str) -> (Value, Value) {
    let item = app.with_token("/item/get", token).await.ok()["item"].clone();
    let accounts = app.with_token("/accounts/get", token).await.ok()["accounts"].clone();
    (item, accounts)
}

#[tokio::test]
async fn reset_empties_the_tenant_and_puts_its_clock_back() {
    let app = spawn_app().await;
    let other = app.as_tenant("bystander", "bystander_secret");
    let theirs = other.default_item().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.trigger(
        json!({"institution_id": "ins_109508", "action": "outage", "at": "2099-01-01T00:00:00Z"}),
    )
    .await
    .ok();
    app.post(
        "/tartan/settings",
        json!({"seed": 7, "item_login_expiry_days": 3}),
    )
    .await
    .ok();
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    app.advance(json!({"days": 40})).await;
    app.flush().await;
    assert!(!app.deliveries(&item_id).await.is_empty());

    let reset = app.post("/tartan/reset", json!({})).await.ok();
    assert_eq!(reset["reset"], true);

    app.with_token("/item/get", &token)
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    assert_eq!(
        app.get("/tartan/webhooks").await.ok()["deliveries"],
        json!([])
    );
    assert_eq!(
        app.get("/tartan/triggers").await.ok()["triggers"],
        json!([])
    );
    let clock = app.get("/tartan/clock").await.ok();
    assert_eq!(clock["frozen"], false);
    let wall = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let now_ms = clock["now_ms"].as_i64().unwrap_or_default();
    assert!(
        (now_ms - wall).abs() < 60_000,
        "clock back to real time: {clock}"
    );
    let settings = app.get("/tartan/settings").await.ok();
    assert_eq!(settings["item_login_expiry_days"], 30);
    assert_eq!(settings["seed_set"], false);
    assert_eq!(settings["items_created"], 0);
    // Same credentials, same signing key; a new Item works; the bystander saw nothing.
    app.default_item().await;
    other.with_token("/accounts/get", &theirs).await.ok();
}

#[tokio::test]
async fn a_snapshot_restores_the_tenant_as_it_was() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let kept = app.default_item().await;
    let before = item_state(&app, &kept).await;
    let clock_before = app.get("/tartan/clock").await.ok()["now_ms"].clone();

    let snap = app.post("/tartan/snapshots", json!({})).await.ok();
    let id = snap["snapshot_id"]
        .as_str()
        .expect("snapshot_id")
        .to_owned();
    assert_eq!(snap["items"], 1);
    assert!(snap["created_at"].is_string());

    let later = app.default_item().await;
    app.with_token("/item/remove", &kept).await.ok();
    app.advance(json!({"days": 3})).await;

    let listed = app.get("/tartan/snapshots").await.ok();
    assert_eq!(listed["snapshots"][0]["snapshot_id"], id.as_str());

    let restored = app
        .post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .ok();
    assert_eq!(restored["restored"]["snapshot_id"], id.as_str());
    assert_eq!(item_state(&app, &kept).await, before);
    app.with_token("/item/get", &later)
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    assert_eq!(app.get("/tartan/clock").await.ok()["now_ms"], clock_before);
    // A snapshot can be restored again and again.
    app.with_token("/item/remove", &kept).await.ok();
    app.post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .ok();
    app.with_token("/item/get", &kept).await.ok();

    app.delete(&format!("/tartan/snapshots/{id}")).await.ok();
    assert_eq!(
        app.get("/tartan/snapshots").await.ok()["snapshots"],
        json!([])
    );
    app.post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .error(404, "INVALID_REQUEST", "SNAPSHOT_NOT_FOUND");
    let gone = app.delete(&format!("/tartan/snapshots/{id}")).await.error(
        404,
        "INVALID_REQUEST",
        "SNAPSHOT_NOT_FOUND",
    );
    assert!(
        gone["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains(&id),
        "{gone}"
    );
}

#[tokio::test]
async fn snapshots_are_the_tenants_own() {
    let app = spawn_app().await;
    let snap = app.post("/tartan/snapshots", json!({})).await.ok();
    let id = snap["snapshot_id"]
        .as_str()
        .expect("snapshot_id")
        .to_owned();
    let other = app.as_tenant("someone_else", "their_secret");
    other
        .post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .error(404, "INVALID_REQUEST", "SNAPSHOT_NOT_FOUND");
    other
        .delete(&format!("/tartan/snapshots/{id}"))
        .await
        .error(404, "INVALID_REQUEST", "SNAPSHOT_NOT_FOUND");
    assert_eq!(
        other.get("/tartan/snapshots").await.ok()["snapshots"],
        json!([])
    );
    app.as_tenant(&app.client_id, "wrong")
        .post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
}

#[tokio::test]
async fn snapshots_survive_a_restart_with_a_data_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let token = app.default_item().await;
    let before = item_state(&app, &token).await;
    let id = app.post("/tartan/snapshots", json!({})).await.ok()["snapshot_id"]
        .as_str()
        .expect("snapshot_id")
        .to_owned();
    app.with_token("/item/remove", &token).await.ok();
    app.stop().await;

    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    app.with_token("/item/get", &token)
        .await
        .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    app.post(&format!("/tartan/snapshots/{id}/restore"), json!({}))
        .await
        .ok();
    assert_eq!(item_state(&app, &token).await.0, before.0);
    server.stop().await;

    // The restore itself was written to the store.
    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    assert_eq!(item_state(&app, &token).await.0, before.0);
}

#[tokio::test]
async fn a_fork_is_a_copy_under_another_client_id() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    app.post("/tartan/settings", json!({"item_login_expiry_days": 9}))
        .await
        .ok();
    let token = app.default_item().await;
    let broken = app.default_item().await;
    app.with_token("/sandbox/item/reset_login", &broken)
        .await
        .ok();
    let source_state = item_state(&app, &token).await;

    let forked = app
        .post("/tartan/tenants/fork", json!({"to_client_id": "fork_a"}))
        .await
        .ok();
    assert_eq!(forked["client_id"], "fork_a");
    assert_eq!(forked["items"], 2);

    // The same tokens work under the fork's client_id (and its secret, the source's here).
    let fork = app.as_tenant("fork_a", &app.secret);
    assert_eq!(item_state(&fork, &token).await, source_state);
    fork.with_token("/accounts/get", &broken)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    assert_eq!(
        fork.get("/tartan/clock").await.ok()["now_ms"],
        app.get("/tartan/clock").await.ok()["now_ms"]
    );
    assert_eq!(
        fork.get("/tartan/settings").await.ok()["item_login_expiry_days"],
        9
    );
    // The fork signs webhooks with its own key.
    assert_ne!(
        fork.get("/tartan/webhook_key").await.ok()["kid"],
        app.get("/tartan/webhook_key").await.ok()["kid"]
    );

    // What the fork does stays in the fork.
    fork.with_token("/item/remove", &token).await.ok();
    app.with_token("/item/get", &token).await.ok();
    fork.advance(json!({"days": 2})).await;
    assert_ne!(
        fork.get("/tartan/clock").await.ok()["now_ms"],
        app.get("/tartan/clock").await.ok()["now_ms"]
    );
    // Tokens do not cross to unrelated tenants.
    app.as_tenant("stranger", "stranger_secret")
        .with_token("/item/get", &broken)
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");

    // A fork with its own secret; forking onto a taken client_id is refused.
    app.post(
        "/tartan/tenants/fork",
        json!({"to_client_id": "fork_b", "to_secret": "b_secret"}),
    )
    .await
    .ok();
    app.as_tenant("fork_b", "b_secret")
        .with_token("/item/get", &token)
        .await
        .ok();
    let taken = app
        .post("/tartan/tenants/fork", json!({"to_client_id": "fork_b"}))
        .await
        .error(409, "INVALID_REQUEST", "TENANT_EXISTS");
    assert!(
        taken["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("fork_b"),
        "{taken}"
    );
    app.post("/tartan/tenants/fork", json!({})).await.error(
        400,
        "INVALID_REQUEST",
        "MISSING_FIELDS",
    );
    app.post("/tartan/tenants/fork", json!({"to_client_id": " "}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn with_listed_keys_a_fork_takes_the_listed_secret() {
    let keys = KeyPolicy::from_file_contents("src_client src_secret\ndst_client dst_secret\n")
        .expect("keys");
    let server = spawn_with(None, keys).await;
    let app = server.as_tenant("src_client", "src_secret");
    let token = app.default_item().await;
    app.post("/tartan/tenants/fork", json!({"to_client_id": "unlisted"}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/tartan/tenants/fork",
        json!({"to_client_id": "dst_client", "to_secret": "guess"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/tartan/tenants/fork",
        json!({"to_client_id": "dst_client"}),
    )
    .await
    .ok();
    server
        .as_tenant("dst_client", "dst_secret")
        .with_token("/item/get", &token)
        .await
        .ok();
}

#[tokio::test]
async fn path_parameters_that_are_not_utf8_get_the_envelope() {
    let app = spawn_app().await;
    for path in [
        "/tartan/link/oauth/%ff%fe",
        "/tartan/link/sessions/%ff/consent",
        "/tartan/snapshots/%ff%fe/restore",
    ] {
        let reply = app.post(path, json!({})).await;
        let rid = reply.request_id_header.clone();
        assert!(rid.is_some());
        let body = reply.error(400, "INVALID_REQUEST", "INVALID_FIELD");
        assert_eq!(body["request_id"].as_str(), rid.as_deref(), "{path}");
    }
    let reply = app.get("/tartan/link/oauth/%ff").await;
    reply.error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn unreadable_bodies_on_every_route_get_the_envelope() {
    let app = spawn_app().await;
    let huge = "x".repeat(3 * 1024 * 1024);
    for path in [
        "/tartan/webhooks/flush",
        "/accounts/get",
        "/tartan/link/sessions",
    ] {
        let reply = app.post_raw(path, "application/json", &huge).await;
        let rid = reply.request_id_header.clone();
        let body = reply.error(400, "INVALID_REQUEST", "INVALID_BODY");
        assert_eq!(body["request_id"].as_str(), rid.as_deref(), "{path}");
    }
}
