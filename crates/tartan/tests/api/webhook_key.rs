//! `/webhook_verification_key/get`.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_tenants_key_is_served_as_an_es256_jwk() {
    let app = spawn_app().await;
    let kid = app.get("/tartan/webhook_key").await.ok()["kid"]
        .as_str()
        .map(str::to_owned)
        .expect("kid");
    let body = app
        .post("/webhook_verification_key/get", json!({"key_id": kid}))
        .await
        .ok();
    let key = &body["key"];
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], kid.as_str());
    assert!(key["x"].as_str().is_some_and(|x| x.len() == 43));
    assert!(key["y"].as_str().is_some_and(|y| y.len() == 43));
    assert!(
        key["created_at"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000)
    );
    assert!(key["expired_at"].is_null());

    // The public key is a valid P-256 point: jsonwebtoken accepts it as a verification key.
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(json!({
        "kty": "EC", "crv": "P-256", "x": key["x"], "y": key["y"], "alg": "ES256", "kid": kid
    }))
    .expect("jwk");
    assert!(jsonwebtoken::DecodingKey::from_jwk(&jwk).is_ok());
}

#[tokio::test]
async fn tenants_have_different_keys_and_unknown_ids_are_refused() {
    let app = spawn_app().await;
    let other = app.as_tenant("other_tenant", "s");
    let mine = app.get("/tartan/webhook_key").await.ok()["kid"].clone();
    let theirs = other.get("/tartan/webhook_key").await.ok()["kid"].clone();
    assert_ne!(mine, theirs);
    app.post("/webhook_verification_key/get", json!({"key_id": theirs}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID");
    app.post("/webhook_verification_key/get", json!({}))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
}

/// Plaid's SDK suites ask for one fixed Sandbox key id; Tartan serves it to every tenant.
#[tokio::test]
async fn the_key_id_plaids_sdk_suites_request_is_served() {
    let app = spawn_app().await;
    let body = app
        .post(
            "/webhook_verification_key/get",
            json!({"key_id": "6c5516e1-92dc-479e-a8ff-5a51992e0001"}),
        )
        .await
        .ok();
    assert_eq!(body["key"]["kid"], "6c5516e1-92dc-479e-a8ff-5a51992e0001");
    assert_eq!(body["key"]["alg"], "ES256");
    assert_eq!(body["key"]["created_at"], 1_560_466_143);
    assert!(body["key"]["x"].is_string() && body["key"]["y"].is_string());
    let own = app.get("/tartan/webhook_key").await.ok()["kid"].clone();
    assert_ne!(
        own, body["key"]["kid"],
        "Tartan signs with the tenant's own key"
    );
}
