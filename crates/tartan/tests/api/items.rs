//! `/item/*` and the public token exchange.

use serde_json::json;

use crate::helpers::spawn_app;

fn is_uuid_token(token: &str, prefix: &str) -> bool {
    token
        .strip_prefix(prefix)
        .is_some_and(|rest| uuid::Uuid::parse_str(rest).is_ok())
}

#[tokio::test]
async fn tokens_and_ids_have_plaids_formats() {
    let app = spawn_app().await;
    let public = app.public_token("ins_109508", &["transactions"]).await;
    assert!(is_uuid_token(&public, "public-sandbox-"), "{public}");
    let exchanged = app.exchange(&public).await;
    let access = exchanged["access_token"].as_str().unwrap_or_default();
    assert!(is_uuid_token(access, "access-sandbox-"), "{access}");
    let item_id = exchanged["item_id"].as_str().unwrap_or_default();
    assert_eq!(item_id.len(), 37);
    assert!(item_id.chars().all(|c| c.is_ascii_alphanumeric()));
}

#[tokio::test]
async fn a_public_token_is_single_use() {
    let app = spawn_app().await;
    let public = app.public_token("ins_109508", &["transactions"]).await;
    app.exchange(&public).await;
    let err = app
        .post(
            "/item/public_token/exchange",
            json!({"public_token": public}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("could not find matching public token"))
    );
}

#[tokio::test]
async fn a_public_token_expires_after_30_minutes_of_virtual_time() {
    let app = spawn_app().await;
    let fresh = app.public_token("ins_109508", &["transactions"]).await;
    let stale = app.public_token("ins_109508", &["transactions"]).await;
    app.advance(json!({"minutes": 29})).await;
    app.exchange(&fresh).await;
    app.advance(json!({"minutes": 1})).await;
    app.post(
        "/item/public_token/exchange",
        json!({"public_token": stale}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
}

#[tokio::test]
async fn malformed_and_unknown_public_tokens_are_invalid() {
    let app = spawn_app().await;
    for token in [
        "",
        "garbage",
        "public-sandbox-00000000-0000-0000-0000-000000000000",
    ] {
        app.post(
            "/item/public_token/exchange",
            json!({"public_token": token}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
    }
    let access = app.default_item().await;
    let err = app
        .post(
            "/item/public_token/exchange",
            json!({"public_token": access}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
    assert_eq!(
        err["error_message"],
        "provided token is the wrong type. expected \"public\", got \"access\""
    );
}

#[tokio::test]
async fn a_token_of_the_wrong_type_is_named() {
    let app = spawn_app().await;
    let public = app.public_token("ins_109508", &["transactions"]).await;
    let err = app.with_token("/accounts/get", &public).await.error(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
    );
    assert_eq!(
        err["error_message"],
        "provided token is the wrong type. expected \"access\", got \"public\""
    );
    app.with_token(
        "/item/get",
        "access-sandbox-00000000-0000-0000-0000-000000000000",
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
}

#[tokio::test]
async fn item_get_has_every_field_the_schema_requires() {
    let app = spawn_app().await;
    let public = app
        .post(
            "/sandbox/public_token/create",
            json!({
                "institution_id": "ins_109508",
                "initial_products": ["transactions", "investments"],
                "options": {"webhook": "http://127.0.0.1:9/hook"}
            }),
        )
        .await
        .ok()["public_token"]
        .as_str()
        .map(str::to_owned)
        .expect("public token");
    let token = app.exchange(&public).await["access_token"]
        .as_str()
        .map(str::to_owned)
        .expect("token");
    let body = app.with_token("/item/get", &token).await.ok();
    let item = &body["item"];
    for field in [
        "item_id",
        "institution_id",
        "institution_name",
        "webhook",
        "error",
        "available_products",
        "billed_products",
        "products",
        "consented_products",
        "consent_expiration_time",
        "update_type",
        "created_at",
    ] {
        assert!(item.get(field).is_some(), "item lacks {field}: {item}");
    }
    assert_eq!(item["institution_id"], "ins_109508");
    assert_eq!(item["institution_name"], "First Platypus Bank");
    assert_eq!(item["webhook"], "http://127.0.0.1:9/hook");
    assert!(item["error"].is_null());
    assert_eq!(
        item["billed_products"],
        json!(["transactions", "investments"])
    );
    assert_eq!(item["update_type"], "background");
    let available = item["available_products"].as_array().expect("available");
    assert!(available.contains(&json!("balance")) && !available.contains(&json!("transactions")));
    let status = &body["status"];
    assert_eq!(
        status["transactions"]["last_successful_update"],
        item["created_at"]
    );
    assert!(status["transactions"]["last_failed_update"].is_null());
    assert_eq!(
        status["investments"]["last_successful_update"],
        item["created_at"]
    );
    assert!(
        status["last_webhook"].is_null(),
        "no webhook has been sent yet"
    );

    // An Item without Investments still shows the block, with nulls.
    let auth_only = app.item("ins_109508", &["auth"]).await;
    let status = &app.with_token("/item/get", &auth_only).await.ok()["status"];
    assert!(status["investments"]["last_successful_update"].is_null());
    assert!(status["transactions"]["last_successful_update"].is_null());
}

#[tokio::test]
async fn webhook_update_sets_and_clears_the_url() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let body = app
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": "http://127.0.0.1:9/plaid"}),
        )
        .await
        .ok();
    assert_eq!(body["item"]["webhook"], "http://127.0.0.1:9/plaid");
    assert_eq!(
        app.with_token("/item/get", &token).await.ok()["item"]["webhook"],
        "http://127.0.0.1:9/plaid"
    );
    let body = app
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": null}),
        )
        .await
        .ok();
    assert!(body["item"]["webhook"].is_null());
    let err = app
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": "not a url"}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("webhook "))
    );
}

#[tokio::test]
async fn invalidating_an_access_token_rotates_it() {
    let app = spawn_app().await;
    let old = app.default_item().await;
    let body = app
        .with_token("/item/access_token/invalidate", &old)
        .await
        .ok();
    let new = body["new_access_token"].as_str().expect("new token");
    assert!(new.starts_with("access-sandbox-") && new != old);
    app.with_token("/item/get", new).await.ok();
    app.with_token("/item/get", &old)
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
}

/// Rows 22 and 23 of the postconditions: after removal, every endpoint answers the token with
/// ITEM_NOT_FOUND, including a second removal (which callers treat as success).
#[tokio::test]
async fn a_removed_items_token_is_item_not_found_everywhere() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let body = app.with_token("/item/remove", &token).await.ok();
    assert!(body["request_id"].is_string());
    for path in [
        "/item/get",
        "/item/remove",
        "/accounts/get",
        "/accounts/balance/get",
        "/auth/get",
        "/identity/get",
        "/sandbox/item/reset_login",
        "/item/access_token/invalidate",
    ] {
        app.with_token(path, &token)
            .await
            .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    }
    app.post(
        "/item/webhook/update",
        json!({"access_token": token, "webhook": "http://127.0.0.1:9/"}),
    )
    .await
    .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
    app.post(
        "/link/token/create",
        json!({"client_name": "App", "language": "en", "country_codes": ["US"],
               "user": {"client_user_id": "u1"}, "access_token": token}),
    )
    .await
    .error(400, "ITEM_ERROR", "ITEM_NOT_FOUND");
}

#[tokio::test]
async fn remove_validates_its_reason() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    app.post(
        "/item/remove",
        json!({"access_token": token, "reason_code": "BORED"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/item/remove",
        json!({"access_token": token, "reason_code": "OTHER", "reason_note": "done"}),
    )
    .await
    .ok();
}

/// Calling a product adds it to the Item (and the bill) but not to what the user consented
/// to: consent is given in Link (Data Transparency Messaging), not by an API call.
#[tokio::test]
async fn a_product_call_adds_the_product_but_not_the_users_consent() {
    let app = spawn_app().await;
    let token = app.item("ins_109508", &["auth"]).await;
    let before = app.with_token("/item/get", &token).await.ok()["item"].clone();
    assert_eq!(before["consented_products"], json!(["auth"]));
    app.with_token("/identity/get", &token).await.ok();
    let after = app.with_token("/item/get", &token).await.ok()["item"].clone();
    assert_eq!(after["products"], json!(["auth", "identity"]));
    assert_eq!(after["billed_products"], json!(["auth", "identity"]));
    assert_eq!(after["consented_products"], json!(["auth"]));
}
