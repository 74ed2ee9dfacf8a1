//! The living sandbox: background updates, the failure modes of seeds 000 and 001, incidents
//! and scheduled triggers, all on the tenant's clock.

use serde_json::{Value, json};

use crate::helpers::{Receiver, TestApp, by_mask, fixed_day, spawn_app, unix};

async fn frozen() -> TestApp {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    app
}

fn status_of(item: &Value, product: &str, field: &str) -> Value {
    item["status"][product][field].clone()
}

/// Items with Transactions are updated several times a day: the cached copy follows the bank.
#[tokio::test]
async fn transactions_items_are_updated_in_the_background() {
    // A fixed seed and day, so the day's activity is known: the card posts purchases.
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let created = app.with_token("/item/get", &token).await.ok();
    let before = app.with_token("/accounts/get", &token).await.ok();

    let moved = app.advance(json!({"hours": 25})).await;
    assert!(
        moved["events_run"].as_u64().is_some_and(|n| n >= 4),
        "{moved}"
    );
    let item = app.with_token("/item/get", &token).await.ok();
    let last = status_of(&item, "transactions", "last_successful_update");
    // Every 6 hours at First Platypus: the fourth update was 24 hours after creation.
    assert_eq!(
        unix(&last) - unix(&created["item"]["created_at"]),
        24 * 3600
    );
    let after = app.with_token("/accounts/get", &token).await.ok();
    assert_ne!(
        by_mask(&after, "3333")["balances"]["current"],
        by_mask(&before, "3333")["balances"]["current"],
        "a day of activity reached Plaid's copy"
    );
    // The real-time call and the fresh copy agree, up to the last update.
    let live = app.with_token("/accounts/balance/get", &token).await.ok();
    assert_eq!(
        by_mask(&live, "3333")["balances"]["current"],
        by_mask(&after, "3333")["balances"]["current"]
    );
}

/// Seed 001: Auth-only Items hardly ever refresh (about every 30 days).
#[tokio::test]
async fn auth_only_items_refresh_only_about_monthly() {
    let app = frozen().await;
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let token = app.item("ins_109508", &["auth"]).await;
    let before = app.with_token("/accounts/get", &token).await.ok();
    app.advance(json!({"days": 29})).await;
    let stale = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(
        by_mask(&stale, "0000")["balances"],
        by_mask(&before, "0000")["balances"]
    );
    let live = app.with_token("/accounts/balance/get", &token).await.ok();
    assert_ne!(
        by_mask(&live, "0000")["balances"]["current"],
        by_mask(&stale, "0000")["balances"]["current"]
    );

    let other = app.item("ins_109508", &["auth"]).await;
    let other_before = app.with_token("/accounts/get", &other).await.ok();
    app.advance(json!({"days": 31})).await;
    let refreshed = app.with_token("/accounts/get", &other).await.ok();
    assert_ne!(
        by_mask(&refreshed, "0000")["balances"]["current"],
        by_mask(&other_before, "0000")["balances"]["current"],
        "the monthly update brought the bank's month into Plaid's copy"
    );
}

/// Advancing runs everything due in order, deterministically: the same world advanced 10 days
/// in one step or in ten steps ends in the same state.
#[tokio::test]
async fn advancing_is_deterministic_however_it_is_split() {
    use tartan::world::KeyPolicy;
    let one_step = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_with(Some(one_step.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let token = app
        .item("ins_109508", &["transactions", "investments"])
        .await;
    app.stop().await;
    let ten_steps = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(one_step.path())
        .expect("read dir")
        .flatten()
    {
        std::fs::copy(entry.path(), ten_steps.path().join(entry.file_name())).expect("copy");
    }

    let server = crate::helpers::spawn_with(Some(one_step.path()), KeyPolicy::Open).await;
    let a = server.as_tenant(&client_id, &secret);
    let ran_once = a.advance(json!({"days": 10})).await["events_run"]
        .as_u64()
        .unwrap_or_default();
    let (accounts_a, item_a) = (
        a.with_token("/accounts/get", &token).await.ok()["accounts"].clone(),
        a.with_token("/item/get", &token).await.ok(),
    );

    let server = crate::helpers::spawn_with(Some(ten_steps.path()), KeyPolicy::Open).await;
    let b = server.as_tenant(&client_id, &secret);
    let mut ran_in_steps = 0;
    for _ in 0..10 {
        ran_in_steps += b.advance(json!({"days": 1})).await["events_run"]
            .as_u64()
            .unwrap_or_default();
    }
    let (accounts_b, item_b) = (
        b.with_token("/accounts/get", &token).await.ok()["accounts"].clone(),
        b.with_token("/item/get", &token).await.ok(),
    );
    assert!(ran_once >= 40, "four updates a day: {ran_once}");
    assert_eq!(ran_once, ran_in_steps);
    assert_eq!(accounts_a, accounts_b);
    assert_eq!(item_a["status"], item_b["status"]);
}

/// Seed 000: a real-time balance call soon after creation can break the login.
#[tokio::test]
async fn an_early_balance_call_breaks_the_login_at_a_fragile_bank() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109511", &["transactions"], &receiver.url)
        .await;
    app.with_token("/accounts/balance/get", &token).await.error(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
    );
    assert_eq!(app.item_error_code(&token).await, "ITEM_LOGIN_REQUIRED");
    app.with_token("/accounts/get", &token)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    app.flush().await;
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["webhook_code"], "ERROR");
    assert_eq!(bodies[0]["item_id"], item_id.as_str());

    // After the fragile window the same bank answers.
    let later = app.item("ins_109511", &["transactions"]).await;
    app.advance(json!({"minutes": 16})).await;
    app.with_token("/accounts/balance/get", &later).await.ok();

    // The default bank never does it.
    let safe = app.item("ins_109508", &["transactions"]).await;
    for _ in 0..5 {
        app.with_token("/accounts/balance/get", &safe).await.ok();
    }
}

/// Seed 000: adding a product contacts the bank and can require a login too.
#[tokio::test]
async fn adding_a_product_soon_after_creation_can_require_login() {
    let app = frozen().await;
    let token = app.item("ins_109511", &["transactions"]).await;
    app.with_token("/identity/get", &token)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    let item = app.with_token("/item/get", &token).await.ok();
    assert_eq!(item["item"]["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
    assert!(
        !item["item"]["products"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("identity")))
    );
}

#[tokio::test]
async fn login_risk_is_a_setting_of_the_institution() {
    let app = frozen().await;
    let view = app
        .post("/tartan/institutions/settings", json!({"institution_id": "ins_109508", "login_risk": {"probability": 1.0, "window_minutes": 5}}))
        .await
        .ok();
    assert_eq!(view["login_risk"]["probability"], 1.0);
    let token = app.item("ins_109508", &["transactions"]).await;
    app.with_token("/accounts/balance/get", &token).await.error(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
    );
    let view = app
        .post(
            "/tartan/institutions/settings",
            json!({"institution_id": "ins_109511", "login_risk": null}),
        )
        .await
        .ok();
    assert!(view["login_risk"].is_null());
    let token = app.item("ins_109511", &["transactions"]).await;
    app.with_token("/accounts/balance/get", &token).await.ok();
    app.post(
        "/tartan/institutions/settings",
        json!({"institution_id": "ins_0", "login_risk": null}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_INSTITUTION");
    app.post("/tartan/institutions/settings", json!({"institution_id": "ins_109508", "login_risk": {"probability": 2.0, "window_minutes": 5}}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

/// Seed 001: an institution needing user action stops the Item updating; /item/get says why.
#[tokio::test]
async fn user_setup_required_stops_updates() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.trigger(json!({"item_id": item_id, "action": "user_setup_required"}))
        .await
        .ok();
    let before = app.with_token("/item/get", &token).await.ok();
    assert_eq!(before["item"]["error"]["error_code"], "USER_SETUP_REQUIRED");
    app.with_token("/accounts/get", &token)
        .await
        .error(400, "ITEM_ERROR", "USER_SETUP_REQUIRED");
    app.advance(json!({"days": 2})).await;
    let after = app.with_token("/item/get", &token).await.ok();
    assert_eq!(
        status_of(&after, "transactions", "last_successful_update"),
        status_of(&before, "transactions", "last_successful_update")
    );
    app.flush().await;
    assert_eq!(
        receiver.bodies()[0]["error"]["error_code"],
        "USER_SETUP_REQUIRED"
    );
}

/// Seed 001: the bank asks for new MFA: every Item there needs a login.
#[tokio::test]
async fn new_mfa_at_an_institution_requires_login_on_its_items() {
    let app = frozen().await;
    let a = app.item("ins_109509", &["transactions"]).await;
    let b = app.item("ins_109509", &["auth"]).await;
    let elsewhere = app.item("ins_109508", &["auth"]).await;
    let reply = app
        .trigger(json!({"institution_id": "ins_109509", "action": "new_mfa"}))
        .await
        .ok();
    assert_eq!(reply["trigger"]["state"], "done");
    assert_eq!(reply["trigger"]["outcome"], "2 Items at ins_109509");
    assert_eq!(app.item_error_code(&a).await, "ITEM_LOGIN_REQUIRED");
    assert_eq!(app.item_error_code(&b).await, "ITEM_LOGIN_REQUIRED");
    assert!(app.item_error_code(&elsewhere).await.is_null());
}

/// An outage: live calls fail, background updates fail, the status tool shows it.
#[tokio::test]
async fn an_outage_fails_live_calls_and_updates_until_recovery() {
    // A fixed seed and day, so the day's activity is known: the card posts purchases.
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let created = app.with_token("/item/get", &token).await.ok();
    app.trigger(json!({"institution_id": "ins_109508", "action": "outage", "code": "INSTITUTION_NOT_RESPONDING"}))
        .await
        .ok();
    app.with_token("/accounts/balance/get", &token).await.error(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_NOT_RESPONDING",
    );
    app.with_token("/identity/get", &token).await.error(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_NOT_RESPONDING",
    );
    app.with_token("/accounts/get", &token).await.ok();
    app.post(
        "/sandbox/public_token/create",
        json!({"institution_id": "ins_109508", "initial_products": ["auth"]}),
    )
    .await
    .error(400, "INSTITUTION_ERROR", "INSTITUTION_NOT_RESPONDING");
    let status = app
        .post("/institutions/get_by_id", json!({"institution_id": "ins_109508", "country_codes": ["US"], "options": {"include_status": true}}))
        .await
        .ok();
    assert_eq!(
        status["institution"]["status"]["item_logins"]["status"],
        "DOWN"
    );
    assert_eq!(
        status["institution"]["status"]["transactions_updates"]["status"],
        "DOWN"
    );

    app.advance(json!({"hours": 7})).await;
    let item = app.with_token("/item/get", &token).await.ok();
    assert!(status_of(&item, "transactions", "last_failed_update").is_string());
    assert_eq!(
        status_of(&item, "transactions", "last_successful_update"),
        status_of(&created, "transactions", "last_successful_update")
    );
    assert!(
        item["item"]["error"].is_null(),
        "an outage is not the Item's fault"
    );

    app.trigger(json!({"institution_id": "ins_109508", "action": "recover"}))
        .await
        .ok();
    app.with_token("/accounts/balance/get", &token).await.ok();
    let status = app
        .post("/institutions/get_by_id", json!({"institution_id": "ins_109508", "country_codes": ["US"], "options": {"include_status": true}}))
        .await
        .ok();
    assert_eq!(
        status["institution"]["status"]["item_logins"]["status"],
        "HEALTHY"
    );
    // Another tenant never saw the outage.
    let other = app.as_tenant("outage_bystander", "s");
    other.item("ins_109508", &["auth"]).await;
}

/// Sandbox Items fall into ITEM_LOGIN_REQUIRED 30 days after creation (configurable).
#[tokio::test]
async fn sandbox_items_expire_after_30_days() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.advance(json!({"days": 29, "hours": 23})).await;
    assert!(app.item_error_code(&token).await.is_null());
    app.advance(json!({"hours": 1})).await;
    assert_eq!(app.item_error_code(&token).await, "ITEM_LOGIN_REQUIRED");
    app.flush().await;
    assert_eq!(
        receiver.bodies().last().map(|b| b["webhook_code"].clone()),
        Some(json!("ERROR"))
    );

    app.post("/tartan/settings", json!({"item_login_expiry_days": 5}))
        .await
        .ok();
    let short = app.item("ins_109508", &["auth"]).await;
    app.advance(json!({"days": 5})).await;
    assert_eq!(app.item_error_code(&short).await, "ITEM_LOGIN_REQUIRED");
    app.post("/tartan/settings", json!({"item_login_expiry_days": -1}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

/// OAuth Items: consent_expiration_time, a warning 7 days before, login at expiry. A US bank's
/// warning is PENDING_DISCONNECT: Plaid sends PENDING_EXPIRATION only in the UK and Europe.
#[tokio::test]
async fn oauth_consent_expires_with_a_warning_a_week_before() {
    let app = frozen().await;
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_127287", &["transactions"], &receiver.url)
        .await;
    let item = app.with_token("/item/get", &token).await.ok();
    let expires = item["item"]["consent_expiration_time"]
        .as_str()
        .map(str::to_owned)
        .expect("consent expiry");
    let created = item["item"]["created_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(unix(&json!(expires)) - unix(&json!(created)), 90 * 86_400);

    app.advance(json!({"days": 82})).await;
    app.flush().await;
    assert!(
        !receiver
            .bodies()
            .iter()
            .any(|b| b["webhook_code"] == "PENDING_DISCONNECT")
    );
    app.advance(json!({"days": 1})).await;
    app.flush().await;
    let warning = receiver
        .bodies()
        .into_iter()
        .find(|b| b["webhook_code"] == "PENDING_DISCONNECT")
        .expect("warned");
    assert_eq!(warning["disconnect_time"], expires.as_str());
    assert_eq!(warning["reason"], "INSTITUTION_TOKEN_EXPIRATION");
    assert_eq!(warning["item_id"], item_id.as_str());
    assert!(app.item_error_code(&token).await.is_null());

    app.advance(json!({"days": 7})).await;
    assert_eq!(app.item_error_code(&token).await, "ITEM_LOGIN_REQUIRED");
    app.flush().await;
    assert!(
        !receiver
            .bodies()
            .iter()
            .any(|b| b["webhook_code"] == "PENDING_EXPIRATION"),
        "a US Item never gets PENDING_EXPIRATION"
    );
}

/// A UK OAuth Item (180 days of consent) is warned with PENDING_EXPIRATION.
#[tokio::test]
async fn uk_consent_is_warned_with_pending_expiration() {
    let app = frozen().await;
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let receiver = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_117650", &["transactions"], &receiver.url)
        .await;
    let item = app.with_token("/item/get", &token).await.ok();
    let expires = item["item"]["consent_expiration_time"].clone();
    app.advance(json!({"days": 173})).await;
    app.flush().await;
    let warning = receiver
        .bodies()
        .into_iter()
        .find(|b| b["webhook_code"] == "PENDING_EXPIRATION")
        .expect("warned");
    assert_eq!(warning["consent_expiration_time"], expires);
    assert!(
        !receiver
            .bodies()
            .iter()
            .any(|b| b["webhook_code"] == "PENDING_DISCONNECT")
    );
}

#[tokio::test]
async fn new_accounts_at_the_bank_are_announced_not_shared() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &receiver.url)
        .await;
    app.trigger(json!({"item_id": item_id, "action": "new_accounts"}))
        .await
        .ok();
    app.flush().await;
    let body = &receiver.bodies()[0];
    assert_eq!(body["webhook_code"], "NEW_ACCOUNTS_AVAILABLE");
    assert!(body["error"].is_null());
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(
        accounts["accounts"].as_array().map(Vec::len),
        Some(12),
        "not shared until the user adds it"
    );
}

#[tokio::test]
async fn pending_disconnect_warns_then_disconnects() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    app.trigger(json!({"item_id": item_id, "action": "pending_disconnect"}))
        .await
        .ok();
    app.flush().await;
    let body = &receiver.bodies()[0];
    assert_eq!(body["webhook_code"], "PENDING_DISCONNECT");
    assert_eq!(body["reason"], "INSTITUTION_TOKEN_EXPIRATION");
    assert!(app.item_error_code(&token).await.is_null());
    app.advance(json!({"days": 7})).await;
    assert_eq!(app.item_error_code(&token).await, "ITEM_LOGIN_REQUIRED");
}

#[tokio::test]
async fn revoked_permission_and_repair_are_announced() {
    let app = frozen().await;
    let receiver = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], &receiver.url)
        .await;
    app.trigger(json!({"item_id": item_id, "action": "permission_revoked"}))
        .await
        .ok();
    assert_eq!(app.item_error_code(&token).await, "USER_PERMISSION_REVOKED");
    app.trigger(json!({"item_id": item_id, "action": "repair"}))
        .await
        .ok();
    assert!(app.item_error_code(&token).await.is_null());
    app.flush().await;
    let codes: Vec<Value> = receiver
        .bodies()
        .iter()
        .map(|b| b["webhook_code"].clone())
        .collect();
    assert_eq!(
        codes,
        vec![json!("USER_PERMISSION_REVOKED"), json!("LOGIN_REPAIRED")]
    );
    app.with_token("/accounts/get", &token).await.ok();
}

/// Triggers can be scheduled at a future clock time; they run when the clock gets there.
#[tokio::test]
async fn triggers_run_when_the_clock_reaches_them() {
    let app = frozen().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["auth"], "http://127.0.0.1:9/hook")
        .await;
    let now = app.get("/tartan/clock").await.ok()["now_ms"]
        .as_i64()
        .unwrap_or_default();
    let at = time::OffsetDateTime::from_unix_timestamp(now / 1000 + 7200)
        .map(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let scheduled = app
        .trigger(json!({"item_id": item_id, "action": "new_mfa", "at": at}))
        .await
        .ok();
    assert_eq!(scheduled["trigger"]["state"], "pending");
    app.advance(json!({"hours": 1})).await;
    assert!(app.item_error_code(&token).await.is_null());
    app.advance(json!({"hours": 1})).await;
    assert_eq!(app.item_error_code(&token).await, "ITEM_LOGIN_REQUIRED");
    let list = app.get("/tartan/triggers").await.ok();
    assert_eq!(list["triggers"][0]["state"], "done");
    assert!(list["triggers"][0]["ran_at"].is_string());
}

/// Bad control-plane input gets a clear error and changes nothing.
#[tokio::test]
async fn bad_triggers_are_refused_without_changing_anything() {
    let app = frozen().await;
    let token = app.default_item().await;
    let item_id = app.with_token("/item/get", &token).await.ok()["item"]["item_id"].clone();
    let other = app.as_tenant("someone_else", "s");
    for (who, body, kind, code) in [
        (
            &app,
            json!({"item_id": "nope", "action": "new_mfa"}),
            "ITEM_ERROR",
            "ITEM_NOT_FOUND",
        ),
        (
            &other,
            json!({"item_id": item_id, "action": "new_mfa"}),
            "ITEM_ERROR",
            "ITEM_NOT_FOUND",
        ),
        (
            &app,
            json!({"institution_id": "ins_0", "action": "outage"}),
            "INVALID_INPUT",
            "INVALID_INSTITUTION",
        ),
        (
            &app,
            json!({"item_id": item_id, "action": "outage"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"item_id": item_id, "action": "explode"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"action": "new_mfa"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"item_id": item_id, "institution_id": "ins_109508", "action": "new_mfa"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"item_id": item_id, "action": "new_mfa", "at": "2001-01-01T00:00:00Z"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"institution_id": "ins_109508", "action": "outage", "code": "ITEM_LOCKED"}),
            "INVALID_REQUEST",
            "INVALID_FIELD",
        ),
        (
            &app,
            json!({"item_id": item_id}),
            "INVALID_REQUEST",
            "MISSING_FIELDS",
        ),
    ] {
        who.trigger(body).await.error(400, kind, code);
    }
    assert_eq!(
        app.get("/tartan/triggers").await.ok()["triggers"],
        json!([])
    );
    assert!(app.item_error_code(&token).await.is_null());
}

#[tokio::test]
async fn refresh_cadence_and_health_are_settings_of_the_institution() {
    let app = frozen().await;
    let view = app
        .post(
            "/tartan/institutions/settings",
            json!({"institution_id": "ins_109508", "refresh_interval_minutes": 60}),
        )
        .await
        .ok();
    assert_eq!(view["refresh_interval_minutes"], 60);
    let token = app.item("ins_109508", &["transactions"]).await;
    let created = app.with_token("/item/get", &token).await.ok()["item"]["created_at"].clone();
    app.advance(json!({"minutes": 150})).await;
    let last = app.with_token("/item/get", &token).await.ok()["status"]["transactions"]["last_successful_update"].clone();
    assert_eq!(unix(&last) - unix(&created), 2 * 3600, "hourly updates");

    app.trigger(json!({"institution_id": "ins_109508", "action": "degraded"}))
        .await
        .ok();
    let status = app
        .post("/institutions/get_by_id", json!({"institution_id": "ins_109508", "country_codes": ["US"], "options": {"include_status": true}}))
        .await
        .ok();
    assert_eq!(
        status["institution"]["status"]["item_logins"]["status"],
        "DEGRADED"
    );
    // Degraded is slower, not broken.
    app.with_token("/accounts/balance/get", &token).await.ok();
}
