//! Webhooks: signed as Plaid signs, delivered to loopback, retried on the tenant's clock,
//! every attempt logged.

use std::time::Duration;

use serde_json::{Value, json};
use tartan::Config;
use tartan::world::urls::WebhookPolicy;

use crate::helpers::{Receiver, TestApp, spawn_app, spawn_config};

/// Verifies a delivery the way a receiver should: ES256 JWT from the tenant's JWK, fresh iat,
/// and the body's SHA-256. Returns the claims.
async fn verify(app: &TestApp, hit: &crate::helpers::Hit) -> Result<Value, String> {
    let jwt = hit
        .headers
        .get("plaid-verification")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Plaid-Verification header")?;
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| e.to_string())?;
    if header.alg != jsonwebtoken::Algorithm::ES256 {
        return Err(format!("alg {:?}", header.alg));
    }
    let kid = header.kid.ok_or("no kid")?;
    let key = app
        .post("/webhook_verification_key/get", json!({"key_id": kid}))
        .await
        .ok()["key"]
        .clone();
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        key["x"].as_str().unwrap_or_default(),
        key["y"].as_str().unwrap_or_default(),
    )
    .map_err(|e| e.to_string())?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .map_err(|e| e.to_string())?
        .claims;
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if now - iat > 300 || iat - now > 60 {
        return Err(format!("iat {iat} is not fresh (now {now})"));
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, hit.body.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    if claims["request_body_sha256"] != hex {
        return Err("request_body_sha256 does not match the body".to_owned());
    }
    Ok(claims)
}

#[tokio::test]
async fn reset_login_announces_item_error_signed_as_plaid_signs() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;

    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.path, "/hook", "POSTed to the Item's webhook URL");
    verify(&app, hit).await.expect("the signature verifies");
    assert_eq!(
        hit.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert!(
        hit.body.starts_with("{\n  \""),
        "2-space indented: {}",
        hit.body
    );
    let body: Value = serde_json::from_str(&hit.body).expect("json");
    assert_eq!(body["webhook_type"], "ITEM");
    assert_eq!(body["webhook_code"], "ERROR");
    assert_eq!(body["item_id"], item_id.as_str());
    assert_eq!(body["environment"], "sandbox");
    assert_eq!(body["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
    assert_eq!(body["error"]["status"], 400);
    assert!(
        body["error"].get("request_id").is_none(),
        "no request_id inside webhooks"
    );

    let status = &app.with_token("/item/get", &token).await.ok()["status"];
    assert_eq!(status["last_webhook"]["code_sent"], "ERROR");
    assert!(status["last_webhook"]["sent_at"].is_string());

    let log = app.deliveries(&item_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"][0]["status"], 200);
    assert_eq!(log[0]["body"], hit.body.as_str());
}

#[tokio::test]
async fn a_tampered_body_fails_verification() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;
    let mut hit = receiver.hits().remove(0);
    verify(&app, &hit).await.expect("genuine");
    hit.body = hit
        .body
        .replace("ITEM_LOGIN_REQUIRED", "ITEM_LOGIN_REQUIRES");
    assert!(verify(&app, &hit).await.is_err());
}

#[tokio::test]
async fn webhook_update_is_acknowledged_at_the_new_url() {
    let app = spawn_app().await;
    let (old, new) = (Receiver::start().await, Receiver::start().await);
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], &old.url)
        .await;
    app.post(
        "/item/webhook/update",
        json!({"access_token": token, "webhook": new.url}),
    )
    .await
    .ok();
    app.flush().await;
    assert!(old.hits().is_empty());
    let bodies = new.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["webhook_code"], "WEBHOOK_UPDATE_ACKNOWLEDGED");
    assert_eq!(bodies[0]["new_webhook_url"], new.url.as_str());
    assert_eq!(bodies[0]["item_id"], item_id.as_str());
    verify(&app, &new.hits()[0]).await.expect("signed");
}

/// A receiver answering 500 is retried 30 s later on the tenant's clock, then 2 min, 8 min...
#[tokio::test]
async fn failed_deliveries_are_retried_on_the_virtual_clock() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let receiver = Receiver::answering(vec![500, 503], Duration::ZERO).await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;
    let log = app.deliveries(&item_id).await;
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["attempts"][0]["status"], 500);
    let first = log[0]["attempts"][0]["at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(log[0]["next_attempt_at"].is_string());

    app.advance(json!({"seconds": 29})).await;
    app.flush().await;
    assert_eq!(receiver.hits().len(), 1, "not yet due");

    app.advance(json!({"seconds": 1})).await;
    app.flush().await;
    assert_eq!(receiver.hits().len(), 2);
    let log = app.deliveries(&item_id).await;
    assert_eq!(log[0]["attempts"][1]["status"], 503);

    app.advance(json!({"minutes": 2})).await;
    app.flush().await;
    let log = app.deliveries(&item_id).await;
    assert_eq!(log[0]["state"], "delivered");
    assert_eq!(log[0]["attempts"].as_array().map(Vec::len), Some(3));
    assert_ne!(log[0]["attempts"][2]["at"], first.as_str());
    // The same body every time.
    let hits = receiver.hits();
    assert!(hits.iter().all(|h| h.body == hits[0].body));
}

#[tokio::test]
async fn retries_stop_within_24_hours() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let receiver = Receiver::answering(vec![500; 20], Duration::ZERO).await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;
    for _ in 0..12 {
        app.advance(json!({"hours": 4})).await;
        app.flush().await;
    }
    let log = app.deliveries(&item_id).await;
    assert_eq!(log[0]["state"], "failed");
    assert_eq!(
        log[0]["attempts"].as_array().map(Vec::len),
        Some(7),
        "1 + 6 retries"
    );
    assert_eq!(receiver.hits().len(), 7);
}

/// A dead receiver and a slow one get logged attempts and never hold up the others.
#[tokio::test]
async fn dead_and_slow_receivers_do_not_stall_other_deliveries() {
    let app = spawn_config(Config {
        webhook_timeout: Duration::from_millis(300),
        ..Config::ephemeral()
    })
    .await;
    let fast = Receiver::start().await;
    let slow = Receiver::answering(vec![], Duration::from_secs(5)).await;
    let (dead_token, dead_item) = app
        .item_with_webhook("ins_109508", &["auth"], "http://127.0.0.1:9/hook")
        .await;
    let (slow_token, slow_item) = app
        .item_with_webhook("ins_109508", &["auth"], &slow.url)
        .await;
    let (fast_token, fast_item) = app
        .item_with_webhook("ins_109508", &["auth"], &fast.url)
        .await;
    for token in [&dead_token, &slow_token, &fast_token] {
        app.with_token("/sandbox/item/reset_login", token)
            .await
            .ok();
    }
    // Requests are not held up either.
    app.with_token("/item/get", &fast_token).await.ok();
    app.flush().await;
    assert_eq!(app.deliveries(&fast_item).await[0]["state"], "delivered");
    let dead = &app.deliveries(&dead_item).await[0];
    assert_eq!(dead["state"], "pending");
    assert!(
        dead["attempts"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("connection")),
        "{dead}"
    );
    let slow_log = &app.deliveries(&slow_item).await[0];
    assert_eq!(slow_log["attempts"][0]["error"], "timed out");
    assert!(
        slow_log["summary"]
            .as_str()
            .is_some_and(|s| s.contains("timed out"))
    );
}

#[tokio::test]
async fn fire_webhook_sends_every_listed_code() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook(
            "ins_109508",
            &[
                "transactions",
                "auth",
                "identity",
                "investments",
                "liabilities",
                "assets",
            ],
            &receiver.url,
        )
        .await;
    let cases = [
        (None, "DEFAULT_UPDATE", "TRANSACTIONS", "new_transactions"),
        (
            Some("AUTH"),
            "DEFAULT_UPDATE",
            "AUTH",
            "account_ids_with_new_auth",
        ),
        (
            Some("IDENTITY"),
            "DEFAULT_UPDATE",
            "IDENTITY",
            "account_ids_with_updated_identity",
        ),
        (
            Some("HOLDINGS"),
            "DEFAULT_UPDATE",
            "HOLDINGS",
            "new_holdings",
        ),
        (
            Some("INVESTMENTS_TRANSACTIONS"),
            "DEFAULT_UPDATE",
            "INVESTMENTS_TRANSACTIONS",
            "new_investments_transactions",
        ),
        (
            Some("LIABILITIES"),
            "DEFAULT_UPDATE",
            "LIABILITIES",
            "account_ids_with_new_liabilities",
        ),
        (None, "NEW_ACCOUNTS_AVAILABLE", "ITEM", "error"),
        (None, "SMS_MICRODEPOSITS_VERIFICATION", "AUTH", "status"),
        (None, "AUTHORIZATION_GRANTED", "ITEM", "item_id"),
        (None, "USER_PERMISSION_REVOKED", "ITEM", "error"),
        (None, "USER_ACCOUNT_REVOKED", "ITEM", "account_id"),
        (None, "PENDING_DISCONNECT", "ITEM", "disconnect_time"),
        (
            None,
            "RECURRING_TRANSACTIONS_UPDATE",
            "TRANSACTIONS",
            "account_ids",
        ),
        (None, "LOGIN_REPAIRED", "ITEM", "item_id"),
        (
            None,
            "SYNC_UPDATES_AVAILABLE",
            "TRANSACTIONS",
            "historical_update_complete",
        ),
        (None, "PRODUCT_READY", "ASSETS", "asset_report_id"),
        (None, "ERROR", "ASSETS", "error"),
    ];
    for (kind, code, _, _) in &cases {
        let mut body = json!({"access_token": token, "webhook_code": code});
        if let Some(kind) = kind {
            body["webhook_type"] = json!(kind);
        }
        assert_eq!(
            app.post("/sandbox/item/fire_webhook", body).await.ok()["webhook_fired"],
            true
        );
    }
    app.flush().await;
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), cases.len());
    // Deliveries run concurrently, so they may arrive in any order: each case exactly once.
    for (_, code, kind, field) in cases {
        let matching: Vec<&Value> = bodies
            .iter()
            .filter(|b| b["webhook_code"] == code && b["webhook_type"] == kind)
            .collect();
        assert_eq!(matching.len(), 1, "{code}/{kind}: {bodies:?}");
        let body = matching[0];
        assert_eq!(body["item_id"], item_id.as_str());
        assert_eq!(body["environment"], "sandbox");
        assert!(
            body.get(field).is_some(),
            "{code}/{kind} lacks {field}: {body}"
        );
    }
    // Firing a webhook changes nothing else about the Item.
    assert!(app.with_token("/item/get", &token).await.ok()["item"]["error"].is_null());
}

#[tokio::test]
async fn fire_webhook_needs_a_webhook_and_the_product() {
    let app = spawn_app().await;
    let no_hook = app.item("ins_109508", &["transactions"]).await;
    app.post(
        "/sandbox/item/fire_webhook",
        json!({"access_token": no_hook, "webhook_code": "DEFAULT_UPDATE"}),
    )
    .await
    .error(400, "SANDBOX_ERROR", "SANDBOX_WEBHOOK_INVALID");
    let receiver = Receiver::start().await;
    let (auth_only, _) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    let err = app
        .post(
            "/sandbox/item/fire_webhook",
            json!({"access_token": auth_only, "webhook_code": "DEFAULT_UPDATE"}),
        )
        .await
        .error(400, "SANDBOX_ERROR", "SANDBOX_PRODUCT_NOT_ENABLED");
    assert_eq!(
        err["error_message"],
        "The transactions product is not enabled on this item"
    );
    app.post(
        "/sandbox/item/fire_webhook",
        json!({"access_token": auth_only, "webhook_code": "BOGUS"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/sandbox/item/fire_webhook", json!({"access_token": auth_only, "webhook_code": "LOGIN_REPAIRED", "webhook_type": "AUTH"}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/sandbox/item/fire_webhook", json!({"access_token": auth_only, "webhook_code": "DEFAULT_UPDATE", "webhook_type": "AUTH"}))
        .await
        .ok();
    app.flush().await;
    assert_eq!(receiver.bodies().len(), 1);
}

#[tokio::test]
async fn strict_policy_applies_plaids_https_rule() {
    let app = spawn_config(Config {
        webhook_policy: WebhookPolicy::Strict,
        ..Config::ephemeral()
    })
    .await;
    let token = app.default_item().await;
    let err = app
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": "http://127.0.0.1:9/hook"}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("https"))
    );
    app.post(
        "/item/webhook/update",
        json!({"access_token": token, "webhook": "https://127.0.0.1:9/hook"}),
    )
    .await
    .ok();
    // The default, local policy takes http on loopback.
    let local = spawn_app().await;
    let token = local.default_item().await;
    local
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": "http://127.0.0.1:9/hook"}),
        )
        .await
        .ok();
}

/// The outbox is written with the change it announces: a webhook not yet delivered when the
/// process stops is still there, and still pending, after a restart.
#[tokio::test]
async fn the_outbox_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], "http://127.0.0.1:9/hook")
        .await;
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;
    app.stop().await;

    let server = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    let log = app.deliveries(&item_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["webhook_code"], "ERROR");
    assert_eq!(log[0]["state"], "pending");
    assert_eq!(log[0]["attempts"].as_array().map(Vec::len), Some(1));
    // status.last_webhook is rebuilt from the stored deliveries.
    let status = &app.with_token("/item/get", &token).await.ok()["status"];
    assert_eq!(status["last_webhook"]["code_sent"], "ERROR");
}

#[tokio::test]
async fn the_log_follows_changes_with_a_cursor() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    let start = app.get("/tartan/webhooks").await.ok()["cursor"]
        .as_u64()
        .unwrap_or_default();
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.flush().await;
    let page = app
        .get(&format!("/tartan/webhooks?since={start}"))
        .await
        .ok();
    let deliveries = page["deliveries"].as_array().cloned().unwrap_or_default();
    assert_eq!(deliveries.len(), 1);
    assert!(
        deliveries[0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("ITEM/ERROR") && s.contains("200"))
    );
    let cursor = page["cursor"].as_u64().unwrap_or_default();
    let empty = app
        .get(&format!("/tartan/webhooks?since={cursor}"))
        .await
        .ok();
    assert_eq!(empty["deliveries"], json!([]));
    app.get("/tartan/webhooks?since=abc")
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}
