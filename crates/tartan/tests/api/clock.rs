//! The per-tenant virtual clock under `/tartan/clock`.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_clock_freezes_advances_and_sets_forward_only() {
    let app = spawn_app().await;
    let frozen = app.post("/tartan/clock/freeze", json!({})).await.ok();
    assert_eq!(frozen["frozen"], true);
    let t0 = frozen["now_ms"].as_i64().expect("now_ms");
    assert_eq!(
        app.get("/tartan/clock").await.ok()["now_ms"],
        t0,
        "frozen time stands still"
    );

    let moved = app
        .advance(json!({"days": 1, "hours": 2, "minutes": 3, "seconds": 4}))
        .await;
    assert_eq!(moved["now_ms"], t0 + ((24 + 2) * 3600 + 3 * 60 + 4) * 1000);

    let set = app
        .post("/tartan/clock/set", json!({"now": "2999-01-01T00:00:00Z"}))
        .await
        .ok();
    assert_eq!(set["now"], "2999-01-01T00:00:00Z");

    let err = app
        .post("/tartan/clock/set", json!({"now": "2000-01-01T00:00:00Z"}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("never moves backwards"))
    );
    app.post("/tartan/clock/advance", json!({"seconds": -1}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/tartan/clock/advance", json!({})).await.error(
        400,
        "INVALID_REQUEST",
        "MISSING_FIELDS",
    );
    app.post("/tartan/clock/advance", json!({"weeks": 1}))
        .await
        .error(400, "INVALID_REQUEST", "UNKNOWN_FIELDS");
    app.post("/tartan/clock/rewind", json!({}))
        .await
        .error(404, "INVALID_REQUEST", "NOT_FOUND");
    assert_eq!(
        app.get("/tartan/clock").await.ok()["now"],
        "2999-01-01T00:00:00Z",
        "refused commands change nothing"
    );

    let resumed = app.post("/tartan/clock/resume", json!({})).await.ok();
    assert_eq!(resumed["frozen"], false);
}

#[tokio::test]
async fn each_tenant_has_its_own_clock() {
    let app = spawn_app().await;
    let other = app.as_tenant("tenant_two", "s");
    other.get("/tartan/clock").await.ok();
    app.advance(json!({"days": 400})).await;
    let mine = app.get("/tartan/clock").await.ok()["now_ms"]
        .as_i64()
        .unwrap_or_default();
    let theirs = other.get("/tartan/clock").await.ok()["now_ms"]
        .as_i64()
        .unwrap_or_default();
    assert!(mine - theirs > 399 * 86_400_000);
}

#[tokio::test]
async fn the_clock_needs_credentials() {
    let app = spawn_app().await;
    let reply = app
        .http
        .get(app.url("/tartan/clock"))
        .send()
        .await
        .expect("request");
    assert_eq!(reply.status().as_u16(), 400);
}
