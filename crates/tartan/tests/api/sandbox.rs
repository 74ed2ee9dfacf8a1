//! `/sandbox/public_token/create` and `/sandbox/item/reset_login`.

use serde_json::json;

use crate::helpers::spawn_app;

async fn create(app: &crate::helpers::TestApp, body: serde_json::Value) -> crate::helpers::Reply {
    app.post("/sandbox/public_token/create", body).await
}

#[tokio::test]
async fn unknown_institutions_and_products_are_refused() {
    let app = spawn_app().await;
    create(
        &app,
        json!({"institution_id": "ins_nope", "initial_products": ["auth"]}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_INSTITUTION");
    create(
        &app,
        json!({"institution_id": "ins_109508", "initial_products": []}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    create(
        &app,
        json!({"institution_id": "ins_109508", "initial_products": ["teleportation"]}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    create(&app, json!({"institution_id": "ins_109508"}))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
}

#[tokio::test]
async fn products_the_institution_lacks_are_products_not_supported() {
    let app = spawn_app().await;
    let err = create(
        &app,
        json!({"institution_id": "ins_109512", "initial_products": ["investments"]}),
    )
    .await
    .error(400, "ITEM_ERROR", "PRODUCTS_NOT_SUPPORTED");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("investments"))
    );
    // Houndstooth does support Auth.
    app.item("ins_109512", &["auth"]).await;
}

#[tokio::test]
async fn credentials_decide_whether_the_login_works() {
    let app = spawn_app().await;
    let with = |password: &str| {
        json!({"institution_id": "ins_109508", "initial_products": ["transactions"],
               "options": {"override_username": "user_good", "override_password": password}})
    };
    create(&app, with("wrong"))
        .await
        .error(400, "ITEM_ERROR", "INVALID_CREDENTIALS");
    create(&app, with("error_ITEM_LOCKED"))
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOCKED");
    create(&app, with("error_INSTITUTION_DOWN")).await.error(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_DOWN",
    );
    create(&app, with("mfa_device")).await.ok();
    create(&app, with("pass_good")).await.ok();
    create(
        &app,
        json!({"institution_id": "ins_109508", "initial_products": ["transactions"],
               "options": {"override_username": "user_transactions_dynamic", "override_password": "x"}}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn the_unsupported_institution_cannot_make_items() {
    let app = spawn_app().await;
    create(
        &app,
        json!({"institution_id": "ins_133402", "initial_products": ["auth"]}),
    )
    .await
    .error(400, "INSTITUTION_ERROR", "INSTITUTION_NO_LONGER_SUPPORTED");
}

#[tokio::test]
async fn a_bad_webhook_option_is_invalid_field() {
    let app = spawn_app().await;
    let err = create(
        &app,
        json!({"institution_id": "ins_109508", "initial_products": ["auth"], "options": {"webhook": "nope"}}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("options.webhook"))
    );
}

/// Item 7: reset_login breaks the Item until it is repaired; /item/get tells why.
#[tokio::test]
async fn reset_login_puts_the_item_in_item_login_required() {
    let app = spawn_app().await;
    let token = app
        .item("ins_109508", &["transactions", "auth", "identity"])
        .await;
    let body = app
        .with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    assert_eq!(body["reset_login"], true);
    let item = app.with_token("/item/get", &token).await.ok();
    let error = &item["item"]["error"];
    assert_eq!(error["error_type"], "ITEM_ERROR");
    assert_eq!(error["error_code"], "ITEM_LOGIN_REQUIRED");
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("update mode"))
    );
    for path in [
        "/accounts/get",
        "/accounts/balance/get",
        "/auth/get",
        "/identity/get",
    ] {
        app.with_token(path, &token)
            .await
            .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    }
}
