//! The request conventions every endpoint shares.

use serde_json::{Value, json};
use tartan::world::KeyPolicy;

use crate::helpers::{spawn_app, spawn_with};

#[tokio::test]
async fn health_answers_with_the_version() {
    let app = spawn_app().await;
    let body = app.get("/tartan/health").await.ok();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_invalid_body() {
    let app = spawn_app().await;
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/json", "[1, 2]"),
        ("application/json", ""),
        ("application/x-www-form-urlencoded", "client_id=a&secret=b"),
        ("text/plain", "{}"),
    ] {
        let reply = app.post_raw("/item/get", content_type, body).await;
        let err = reply.error(400, "INVALID_REQUEST", "INVALID_BODY");
        assert!(
            err["error_message"]
                .as_str()
                .is_some_and(|m| m.starts_with("body could not be parsed as JSON")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn missing_credentials_are_named() {
    let app = spawn_app().await;
    let err = app
        .post_raw("/item/get", "application/json", r#"{"access_token": "x"}"#)
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    assert_eq!(
        err["error_message"],
        "the following required fields are missing: client_id, secret"
    );
    let err = app
        .post_raw(
            "/item/get",
            "application/json",
            r#"{"client_id": "a", "access_token": "x"}"#,
        )
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    assert_eq!(
        err["error_message"],
        "the following required fields are missing: secret"
    );
}

#[tokio::test]
async fn malformed_credentials_are_invalid_field() {
    let app = spawn_app().await;
    let err = app
        .post_raw(
            "/item/get",
            "application/json",
            r#"{"client_id": 42, "secret": "s", "access_token": "x"}"#,
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(
        err["error_message"],
        "client_id must be a properly formatted, non-empty string"
    );
}

#[tokio::test]
async fn credentials_in_the_body_work_like_headers() {
    let app = spawn_app().await;
    let body = format!(
        r#"{{"client_id": "{}", "secret": "{}", "count": 2, "offset": 0, "country_codes": ["US"]}}"#,
        app.client_id, app.secret
    );
    let reply = app
        .post_raw("/institutions/get", "application/json", &body)
        .await;
    assert_eq!(reply.ok()["institutions"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_first_secret_binds_the_client_id() {
    let app = spawn_app().await;
    app.post(
        "/institutions/get",
        json!({"count": 1, "offset": 0, "country_codes": ["US"]}),
    )
    .await
    .ok();
    let imposter = app.as_tenant(&app.client_id, "another_secret");
    let err = imposter
        .post(
            "/institutions/get",
            json!({"count": 1, "offset": 0, "country_codes": ["US"]}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
    assert_eq!(err["error_message"], "invalid client_id or secret provided");
}

#[tokio::test]
async fn a_keys_file_admits_only_listed_pairs() {
    let keys = KeyPolicy::from_file_contents("team_a secret_a\n").expect("keys");
    let app = spawn_with(None, keys).await;
    let body = json!({"count": 1, "offset": 0, "country_codes": ["US"]});
    app.as_tenant("team_a", "secret_a")
        .post("/institutions/get", body.clone())
        .await
        .ok();
    app.as_tenant("team_a", "wrong")
        .post("/institutions/get", body.clone())
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
    app.as_tenant("stranger", "whatever")
        .post("/institutions/get", body)
        .await
        .error(400, "INVALID_INPUT", "INVALID_API_KEYS");
}

#[tokio::test]
async fn unknown_fields_are_all_named_with_their_paths() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let err = app
        .post(
            "/accounts/get",
            json!({"access_token": token, "bogus": 1, "options": {"account_ids": [], "extra": true}}),
        )
        .await
        .error(400, "INVALID_REQUEST", "UNKNOWN_FIELDS");
    let message = err["error_message"].as_str().unwrap_or_default();
    assert!(message.starts_with("the following fields are not recognized by this endpoint:"));
    assert!(
        message.contains("bogus") && message.contains("options.extra"),
        "{message}"
    );
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let app = spawn_app().await;
    let err =
        app.post("/item/get", json!({}))
            .await
            .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    assert_eq!(
        err["error_message"],
        "the following required fields are missing: access_token"
    );
    let err = app
        .post("/item/get", json!({"access_token": 12}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(
        err["error_message"],
        "access_token must be a string (got integer `12`)"
    );
    let err = app
        .post(
            "/institutions/get",
            json!({"count": 1, "offset": 0, "country_codes": ["XX"]}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("country_codes[0] must be one of")),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_paths_are_not_found_and_other_methods_not_allowed() {
    let app = spawn_app().await;
    let err =
        app.post("/no/such/endpoint", json!({}))
            .await
            .error(404, "INVALID_REQUEST", "NOT_FOUND");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("/no/such/endpoint"))
    );
    let err = app
        .get("/item/get")
        .await
        .error(405, "INVALID_REQUEST", "METHOD_NOT_ALLOWED");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("only POST"))
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_matching_the_header() {
    let app = spawn_app().await;
    let ok = app
        .post(
            "/institutions/get",
            json!({"count": 1, "offset": 0, "country_codes": ["US"]}),
        )
        .await;
    let err = app
        .post("/item/get", json!({"access_token": "access-sandbox-nope"}))
        .await;
    for reply in [ok, err] {
        let id = reply.body["request_id"]
            .as_str()
            .expect("request_id")
            .to_owned();
        assert_eq!(id.len(), 15);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(reply.request_id_header.as_deref(), Some(id.as_str()));
    }
}

#[tokio::test]
async fn tenants_cannot_see_each_others_items_or_tokens() {
    let app = spawn_app().await;
    let public = app.public_token("ins_109508", &["transactions"]).await;
    let other = app.as_tenant("someone_else", "their_secret");
    other
        .post(
            "/item/public_token/exchange",
            json!({"public_token": public}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN");
    let token = app.exchange(&public).await["access_token"]
        .as_str()
        .map(str::to_owned)
        .expect("token");
    for path in [
        "/item/get",
        "/accounts/get",
        "/sandbox/item/reset_login",
        "/item/remove",
    ] {
        other
            .with_token(path, &token)
            .await
            .error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN");
    }
    // The owner still sees a healthy Item.
    let item = app.with_token("/item/get", &token).await.ok();
    assert!(item["item"]["error"].is_null());
}

#[tokio::test]
async fn an_oversized_body_is_invalid_body_not_a_bare_413() {
    let app = spawn_app().await;
    let big = format!(r#"{{"access_token": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let err = app
        .post_raw("/item/get", "application/json", &big)
        .await
        .error(400, "INVALID_REQUEST", "INVALID_BODY");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("length limit")),
        "{err}"
    );
}

/// Serde alone would take `null` for any optional field and an array in place of an object;
/// Plaid's schema allows neither, and the message names the field.
#[tokio::test]
async fn null_and_arrays_are_refused_where_plaid_does_not_allow_them() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    for (body, message) in [
        (
            json!({"access_token": token, "options": null}),
            "options must not be null",
        ),
        (
            json!({"access_token": token, "options": {"account_ids": null}}),
            "options.account_ids must not be null",
        ),
        (
            json!({"access_token": token, "options": [null]}),
            "options must be an object",
        ),
        (
            json!({"access_token": token, "options": [[]]}),
            "options must be an object",
        ),
        (
            json!({"access_token": token, "options": {"account_ids": ["a", 1]}}),
            "options.account_ids[1] must be a string (got integer `1`)",
        ),
    ] {
        let err =
            app.post("/accounts/get", body)
                .await
                .error(400, "INVALID_REQUEST", "INVALID_FIELD");
        assert_eq!(err["error_message"], message);
    }
    let err = app
        .post_raw(
            "/item/get",
            "application/json",
            &format!(r#"{{"client_id": null, "secret": "s", "access_token": "{token}"}}"#),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(
        err["error_message"],
        "client_id must be a properly formatted, non-empty string"
    );
    // Where Plaid allows null, it means "none".
    let body = app
        .post(
            "/item/webhook/update",
            json!({"access_token": token, "webhook": null}),
        )
        .await
        .ok();
    assert!(body["item"]["webhook"].is_null());
    let err = app
        .post("/link/token/create", json!({"client_name": "a", "language": "en", "country_codes": ["US"],
            "user": ["u1", null, null, null, null, null, null, null, null, null, null], "products": ["auth"]}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(err["error_message"], "user must be an object");
    let err = app
        .post(
            "/institutions/get",
            json!({"count": 1.5, "offset": 0, "country_codes": ["US"]}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(
        err["error_message"],
        "count must be an integer (got floating point `1.5`)"
    );
}

#[tokio::test]
async fn an_empty_account_ids_list_selects_every_account() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let all = app.with_token("/auth/get", &token).await.ok();
    let empty = app
        .post(
            "/auth/get",
            json!({"access_token": token, "options": {"account_ids": []}}),
        )
        .await
        .ok();
    assert_eq!(all["accounts"], empty["accounts"]);
}

/// Garbage of every kind the framework could refuse on its own (methods, paths that are not
/// UTF-8, bodies that are not JSON, not objects, not UTF-8 or too large) is answered in
/// Plaid's envelope, with the request's id in the body and the header alike.
#[tokio::test]
async fn garbage_is_always_answered_in_the_envelope() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let paths = [
        "/accounts/get",
        "/item/get",
        "/tartan/webhooks/flush",
        "/tartan/clock/advance",
        "/tartan/snapshots/%ff/restore",
        "/tartan/link/sessions/%ff%fe/consent",
        "/tartan/link/oauth/%c3%28",
        "/tartan/webhooks?limit=abc",
        "/nowhere",
    ];
    let big = "{".repeat(3 * 1024 * 1024);
    let bodies: [&[u8]; 6] = [
        b"",
        b"[]",
        b"null",
        b"\xff\xfe{",
        b"{\"access_token\": 12}",
        big.as_bytes(),
    ];
    let methods = [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ];
    let mut answered = 0;
    for path in paths {
        for method in &methods {
            for body in bodies {
                let resp = app
                    .http
                    .request(method.clone(), app.url(path))
                    .header("PLAID-CLIENT-ID", &app.client_id)
                    .header("PLAID-SECRET", &app.secret)
                    .header("content-type", "application/json")
                    .body(body.to_vec())
                    .send()
                    .await
                    .expect("request");
                let status = resp.status().as_u16();
                let header = resp
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let text = resp.text().await.expect("body");
                if (200..300).contains(&status) {
                    continue;
                }
                let json: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{method} {path}: {status} not JSON: {text}"));
                assert!(json["error_code"].is_string(), "{method} {path}: {json}");
                assert_eq!(json["status"], status, "{method} {path}: {json}");
                assert_eq!(
                    json["request_id"].as_str(),
                    header.as_deref(),
                    "{method} {path}"
                );
                answered += 1;
            }
        }
    }
    assert!(answered > 200, "only {answered} refusals");
    // And nothing of it changed the Item.
    app.with_token("/accounts/get", &token).await.ok();
}
