//! Deterministic data: an Item's data derives from the tenant's seed and the Item's place in
//! the tenant's creation order.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// Everything about an Item that derives from the seed (no tokens, no request ids).
async fn data(app: &TestApp, token: &str) -> Value {
    let item = app.with_token("/item/get", token).await.ok();
    let accounts = app.with_token("/accounts/get", token).await.ok();
    let balance = app.with_token("/accounts/balance/get", token).await.ok();
    let auth = app.with_token("/auth/get", token).await.ok();
    let identity = app.with_token("/identity/get", token).await.ok();
    json!({
        "item_id": item["item"]["item_id"],
        "accounts": accounts["accounts"],
        "balances": balance["accounts"],
        "numbers": auth["numbers"],
        "owners": identity["accounts"],
    })
}

/// Makes two Items and moves the clock, the same way each time.
async fn script(app: &TestApp) -> Vec<Value> {
    app.post("/tartan/clock/set", json!({"now": "2031-03-01T12:00:00Z"}))
        .await
        .ok();
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let a = app.item("ins_109508", &["auth", "identity"]).await;
    let b = app.item("ins_109509", &["auth", "identity"]).await;
    app.advance(json!({"days": 5})).await;
    vec![data(app, &a).await, data(app, &b).await]
}

#[tokio::test]
async fn the_same_seed_and_requests_give_the_same_data() {
    let app = spawn_app().await;
    let one = app.as_tenant("seeded_one", "s1");
    let two = app.as_tenant("seeded_two", "s2");
    for t in [&one, &two] {
        let set = t.post("/tartan/settings", json!({"seed": 42})).await.ok();
        assert_eq!(set["seed"], 42);
        assert_eq!(set["seed_set"], true);
    }
    let first = script(&one).await;
    let second = script(&two).await;
    assert_eq!(first, second);
    // Two Items of one tenant differ from each other.
    assert_ne!(first[0]["item_id"], first[1]["item_id"]);
    assert_ne!(
        first[0]["accounts"][0]["account_id"],
        first[1]["accounts"][0]["account_id"]
    );

    let other = app.as_tenant("seeded_three", "s3");
    other
        .post("/tartan/settings", json!({"seed": 43}))
        .await
        .ok();
    let third = script(&other).await;
    assert_ne!(first[0]["item_id"], third[0]["item_id"]);
    assert_ne!(first[0]["balances"], third[0]["balances"]);
}

#[tokio::test]
async fn the_default_seed_derives_from_the_client_id() {
    let one = spawn_app().await;
    let two = spawn_app().await;
    let a = one.as_tenant("same_name", "x");
    let b = two.as_tenant("same_name", "y");
    assert_eq!(
        a.get("/tartan/settings").await.ok()["seed"],
        b.get("/tartan/settings").await.ok()["seed"]
    );
    assert_eq!(a.get("/tartan/settings").await.ok()["seed_set"], false);
    let from_a = script(&a).await;
    assert_eq!(from_a, script(&b).await);
    let c = one.as_tenant("another_name", "z");
    assert_ne!(script(&c).await[0]["item_id"], from_a[0]["item_id"]);
}

#[tokio::test]
async fn a_new_seed_applies_to_items_created_afterwards() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let before = app.default_item().await;
    let kept = data(&app, &before).await;
    let settings = app.post("/tartan/settings", json!({"seed": 9})).await.ok();
    assert_eq!(settings["items_created"], 1);
    assert_eq!(
        data(&app, &before).await,
        kept,
        "existing Items keep their data"
    );
    let after = app.default_item().await;
    assert_ne!(data(&app, &after).await["item_id"], kept["item_id"]);
    assert_eq!(app.get("/tartan/settings").await.ok()["items_created"], 2);
}

#[tokio::test]
async fn a_seed_must_be_a_whole_number() {
    let app = spawn_app().await;
    for bad in [json!(-1), json!("42"), json!(1.5)] {
        app.post("/tartan/settings", json!({"seed": bad}))
            .await
            .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    }
    assert_eq!(app.get("/tartan/settings").await.ok()["seed_set"], false);
}
