//! `/link/token/create` and `/link/token/get`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn base() -> Value {
    json!({
        "client_name": "Tartan Test App",
        "language": "en",
        "country_codes": ["US"],
        "user": {"client_user_id": "user-1"},
        "products": ["transactions"]
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.remove(key);
    }
    body
}

async fn clock_ms(app: &TestApp) -> i64 {
    app.get("/tartan/clock").await.ok()["now_ms"]
        .as_i64()
        .expect("now_ms")
}

fn expiration_ms(body: &Value) -> i64 {
    let s = body["expiration"].as_str().expect("expiration");
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[tokio::test]
async fn a_link_token_lives_four_hours_and_update_mode_thirty_minutes() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let now = clock_ms(&app).await;
    let body = app.post("/link/token/create", base()).await.ok();
    let token = body["link_token"].as_str().expect("link_token");
    assert!(token.starts_with("link-sandbox-"));
    assert!((expiration_ms(&body) - now - 4 * 3_600_000).abs() < 1000);

    let access = app.default_item().await;
    let update = with(without(base(), "products"), "access_token", json!(access));
    let body = app.post("/link/token/create", update).await.ok();
    assert!((expiration_ms(&body) - now - 30 * 60_000).abs() < 1000);
}

#[tokio::test]
async fn required_fields_and_products_are_enforced() {
    let app = spawn_app().await;
    for field in ["client_name", "language", "country_codes"] {
        let err = app
            .post("/link/token/create", without(base(), field))
            .await
            .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
        assert!(
            err["error_message"]
                .as_str()
                .is_some_and(|m| m.ends_with(field)),
            "{err}"
        );
    }
    app.post("/link/token/create", without(base(), "user"))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    app.post("/link/token/create", without(base(), "products"))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    app.post("/link/token/create", with(base(), "products", json!([])))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/link/token/create",
        with(base(), "user", json!({"client_user_id": ""})),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/link/token/create",
        with(base(), "language", json!("klingon")),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/link/token/create",
        with(base(), "country_codes", json!([])),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/link/token/create", with(base(), "webhook", json!("nope")))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/link/token/create",
        with(
            base(),
            "redirect_uri",
            json!("https://app.example.com/oauth?x=1"),
        ),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn balance_is_not_a_link_product() {
    let app = spawn_app().await;
    let err = app
        .post(
            "/link/token/create",
            with(base(), "products", json!(["auth", "balance"])),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_PRODUCT");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("balance"))
    );
}

#[tokio::test]
async fn update_mode_takes_no_products_and_a_live_token() {
    let app = spawn_app().await;
    let access = app.default_item().await;
    let err = app
        .post(
            "/link/token/create",
            with(base(), "access_token", json!(access)),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("products must be empty in update mode"))
    );
    app.post(
        "/link/token/create",
        with(
            without(base(), "products"),
            "access_token",
            json!("access-sandbox-nope"),
        ),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    // account_filters in update mode need account selection.
    let filters = json!({"depository": {"account_subtypes": ["checking"]}});
    let update = with(
        with(without(base(), "products"), "access_token", json!(access)),
        "account_filters",
        filters,
    );
    app.post("/link/token/create", update.clone()).await.error(
        400,
        "INVALID_REQUEST",
        "INVALID_FIELD",
    );
    let selecting = with(update, "update", json!({"account_selection_enabled": true}));
    app.post(
        "/link/token/create",
        with(
            selecting,
            "link_customization_name",
            json!("account_selection_v2"),
        ),
    )
    .await
    .ok();
}

#[tokio::test]
async fn account_filters_are_checked_per_type() {
    let app = spawn_app().await;
    let ok = with(
        base(),
        "account_filters",
        json!({"depository": {"account_subtypes": ["checking", "savings"]}, "credit": {"account_subtypes": ["all"]}}),
    );
    app.post("/link/token/create", ok).await.ok();
    let err = app
        .post(
            "/link/token/create",
            with(
                base(),
                "account_filters",
                json!({"credit": {"account_subtypes": ["checking"]}}),
            ),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("account_filters.credit.account_subtypes"))
    );
}

#[tokio::test]
async fn additional_consented_products_must_be_new() {
    let app = spawn_app().await;
    app.post(
        "/link/token/create",
        with(base(), "additional_consented_products", json!(["identity"])),
    )
    .await
    .ok();
    app.post(
        "/link/token/create",
        with(
            base(),
            "additional_consented_products",
            json!(["transactions"]),
        ),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn payment_profile_update_mode_needs_no_products() {
    let app = spawn_app().await;
    let profile =
        app.post("/payment_profile/create", json!({})).await.ok()["payment_profile_token"].clone();
    let body = with(
        without(base(), "products"),
        "transfer",
        json!({"payment_profile_token": profile}),
    );
    app.post("/link/token/create", body).await.ok();
}

#[tokio::test]
async fn link_token_get_returns_the_configuration() {
    let app = spawn_app().await;
    let body = json!({
        "client_name": "Tartan Test App",
        "language": "fr",
        "country_codes": ["US", "CA"],
        "user": {"client_user_id": "user-2"},
        "products": ["auth", "transactions"],
        "webhook": "http://127.0.0.1:9/hook",
        "redirect_uri": "https://example.com/oauth",
        "account_filters": {"depository": {"account_subtypes": ["checking"]}},
        "link_customization_name": "default",
        "update": {"account_selection_enabled": false},
        "additional_consented_products": ["identity"]
    });
    let created = app.post("/link/token/create", body).await.ok();
    let token = created["link_token"].as_str().expect("token");
    let got = app
        .post("/link/token/get", json!({"link_token": token}))
        .await
        .ok();
    assert_eq!(got["link_token"], token);
    assert_eq!(got["expiration"], created["expiration"]);
    assert!(got["created_at"].is_string());
    assert_eq!(got["link_sessions"], json!([]));
    let m = &got["metadata"];
    assert_eq!(m["initial_products"], json!(["auth", "transactions"]));
    assert_eq!(m["webhook"], "http://127.0.0.1:9/hook");
    assert_eq!(m["country_codes"], json!(["US", "CA"]));
    assert_eq!(m["language"], "fr");
    assert_eq!(m["redirect_uri"], "https://example.com/oauth");
    assert_eq!(m["client_name"], "Tartan Test App");
    assert_eq!(
        m["account_filters"]["depository"]["account_subtypes"],
        json!(["checking"])
    );

    app.post(
        "/link/token/get",
        json!({"link_token": "link-sandbox-00000000-0000-0000-0000-000000000000"}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
    let access = app.default_item().await;
    app.post("/link/token/get", json!({"link_token": access}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}
