//! `/accounts/get` (cached), `/accounts/balance/get` (live), `/auth/get`, `/identity/get`.

use serde_json::{Value, json};

use crate::helpers::{by_mask, spawn_app};

#[tokio::test]
async fn user_good_has_the_sandbox_account_set() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let body = app.with_token("/accounts/get", &token).await.ok();
    let expected = [
        (
            "0000",
            "Plaid Checking",
            "depository",
            "checking",
            json!(100.0),
            json!(110.0),
        ),
        (
            "1111",
            "Plaid Saving",
            "depository",
            "savings",
            json!(200.0),
            json!(210.0),
        ),
        (
            "2222",
            "Plaid CD",
            "depository",
            "cd",
            Value::Null,
            json!(1000.0),
        ),
        (
            "3333",
            "Plaid Credit Card",
            "credit",
            "credit card",
            Value::Null,
            json!(410.0),
        ),
        (
            "4444",
            "Plaid Money Market",
            "depository",
            "money market",
            json!(43200.0),
            json!(43200.0),
        ),
        (
            "5555",
            "Plaid IRA",
            "investment",
            "ira",
            Value::Null,
            json!(320.76),
        ),
        (
            "6666",
            "Plaid 401k",
            "investment",
            "401k",
            Value::Null,
            json!(23631.9805),
        ),
        (
            "7777",
            "Plaid Student Loan",
            "loan",
            "student",
            Value::Null,
            json!(65262.0),
        ),
        (
            "8888",
            "Plaid Mortgage",
            "loan",
            "mortgage",
            Value::Null,
            json!(56302.06),
        ),
    ];
    for (mask, name, kind, subtype, available, current) in expected {
        let a = by_mask(&body, mask);
        assert_eq!(a["name"], name);
        assert_eq!(a["type"], kind);
        assert_eq!(a["subtype"], subtype);
        assert_eq!(a["balances"]["available"], available, "{mask}");
        assert_eq!(a["balances"]["current"], current, "{mask}");
        assert_eq!(a["balances"]["iso_currency_code"], "USD");
        let id = a["account_id"].as_str().unwrap_or_default();
        assert_eq!(id.len(), 37);
    }
    assert_eq!(by_mask(&body, "3333")["balances"]["limit"], 2000.0);
    assert_eq!(body["item"]["institution_id"], "ins_109508");
}

#[tokio::test]
async fn account_ids_select_and_unknown_ids_are_invalid_account_id() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let all = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&all, "0000")["account_id"].clone();
    for path in [
        "/accounts/get",
        "/accounts/balance/get",
        "/auth/get",
        "/identity/get",
    ] {
        let one = app
            .post(
                path,
                json!({"access_token": token, "options": {"account_ids": [checking]}}),
            )
            .await
            .ok();
        assert_eq!(one["accounts"].as_array().map(Vec::len), Some(1), "{path}");
        assert_eq!(one["accounts"][0]["account_id"], checking);
        app.post(
            path,
            json!({"access_token": token, "options": {"account_ids": ["nope"]}}),
        )
        .await
        .error(400, "INVALID_INPUT", "INVALID_ACCOUNT_ID");
    }
}

/// Seed 001: /accounts/get returns Plaid's cached copy; /accounts/balance/get asks the bank.
#[tokio::test]
async fn cached_balances_go_stale_while_the_real_time_call_sees_the_bank() {
    let app = spawn_app().await;
    let token = app.item("ins_109508", &["auth"]).await;
    let before = app.with_token("/accounts/get", &token).await.ok();
    let live_now = app.with_token("/accounts/balance/get", &token).await.ok();
    assert_eq!(
        by_mask(&before, "0000")["balances"]["current"],
        by_mask(&live_now, "0000")["balances"]["current"],
        "right after creation the copy is fresh"
    );

    app.advance(json!({"days": 3})).await;
    let cached = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(
        by_mask(&cached, "0000")["balances"],
        by_mask(&before, "0000")["balances"],
        "the cache does not move by itself"
    );

    let live = app.with_token("/accounts/balance/get", &token).await.ok();
    let (old, new) = (
        by_mask(&cached, "0000")["balances"]["current"].as_f64(),
        by_mask(&live, "0000")["balances"]["current"].as_f64(),
    );
    assert_ne!(old, new, "three days of activity at the bank");
    // Plaid dates a balance only at Capital One: at the Sandbox's banks staleness shows
    // through /item/get's status instead (seed 001).
    for body in [&cached, &live] {
        assert!(by_mask(body, "0000")["balances"]["last_updated_datetime"].is_null());
    }

    // The real-time call refreshed Plaid's copy.
    let refreshed = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(
        by_mask(&refreshed, "0000")["balances"],
        by_mask(&live, "0000")["balances"]
    );
}

/// `min_last_updated_datetime` must be a date-time; its value matters only at Capital One,
/// and Plaid ignores it elsewhere.
#[tokio::test]
async fn min_last_updated_datetime_is_validated() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let err = app
        .post(
            "/accounts/balance/get",
            json!({"access_token": token, "options": {"min_last_updated_datetime": "yesterday"}}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        err["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("options.min_last_updated_datetime"))
    );
    app.post(
        "/accounts/balance/get",
        json!({"access_token": token, "options": {"min_last_updated_datetime": "2020-01-01T00:00:00Z"}}),
    )
    .await
    .ok();
    let far = app
        .post(
            "/accounts/balance/get",
            json!({"access_token": token, "options": {"min_last_updated_datetime": "2999-01-01T00:00:00Z"}}),
        )
        .await
        .ok();
    assert!(far["accounts"][0]["balances"]["last_updated_datetime"].is_null());
}

#[tokio::test]
async fn auth_returns_ach_numbers_for_us_depository_accounts() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let body = app.with_token("/auth/get", &token).await.ok();
    let ach = body["numbers"]["ach"].as_array().expect("ach");
    let checking = by_mask(&body, "0000")["account_id"].clone();
    let entry = ach
        .iter()
        .find(|n| n["account_id"] == checking)
        .expect("checking numbers");
    assert_eq!(entry["account"], "1111222233330000");
    assert_eq!(entry["routing"], "110000000");
    assert_eq!(entry["wire_routing"], "021000021");
    for key in ["eft", "international", "bacs"] {
        assert_eq!(body["numbers"][key], json!([]), "{key}");
    }
    // Only accounts that move money carry numbers.
    assert!(
        body["accounts"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x["type"] == "depository"))
    );
}

/// Plaid's Auth covers depository accounts with routable numbers: checking, savings and cash
/// management. An Item holding all of user_good's accounts gets numbers for those three only
/// (not the CD, the money market account or the HSA).
#[tokio::test]
async fn auth_numbers_only_checking_savings_and_cash_management() {
    let app = spawn_app().await;
    let token = app.default_item().await;
    let all = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(all["accounts"].as_array().map(Vec::len), Some(12));
    let body = app.with_token("/auth/get", &token).await.ok();
    let mut subtypes: Vec<&str> = body["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["subtype"].as_str())
        .collect();
    subtypes.sort_unstable();
    assert_eq!(subtypes, ["cash management", "checking", "savings"]);
    let ids: Vec<&Value> = body["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| &a["account_id"])
        .collect();
    let numbered: Vec<&Value> = body["numbers"]["ach"]
        .as_array()
        .expect("ach")
        .iter()
        .map(|n| &n["account_id"])
        .collect();
    assert_eq!(
        numbered, ids,
        "one ACH entry per account returned, in order"
    );
    // Asking for the money market account alone finds no Auth account.
    let mm = by_mask(&all, "4444")["account_id"].clone();
    app.post(
        "/auth/get",
        json!({"access_token": token, "options": {"account_ids": [mm]}}),
    )
    .await
    .error(400, "ITEM_ERROR", "NO_AUTH_ACCOUNTS");
}

#[tokio::test]
async fn auth_uses_eft_in_canada_and_bacs_with_iban_in_the_uk() {
    let app = spawn_app().await;
    let ca = app.item("ins_43", &["auth"]).await;
    let body = app.with_token("/auth/get", &ca).await.ok();
    assert!(
        body["numbers"]["eft"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert_eq!(body["numbers"]["ach"], json!([]));
    assert_eq!(
        by_mask(&body, "0000")["balances"]["iso_currency_code"],
        "CAD"
    );

    let uk = app.item("ins_117650", &["auth"]).await;
    let body = app.with_token("/auth/get", &uk).await.ok();
    let bacs = body["numbers"]["bacs"].as_array().expect("bacs");
    assert!(!bacs.is_empty() && bacs[0]["sort_code"].as_str().is_some_and(|s| s.len() == 6));
    assert!(
        body["numbers"]["international"][0]["iban"]
            .as_str()
            .is_some_and(|s| s.starts_with("GB"))
    );
}

#[tokio::test]
async fn calling_a_product_the_item_lacks_adds_it() {
    let app = spawn_app().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let body = app.with_token("/identity/get", &token).await.ok();
    let owners = &by_mask(&body, "0000")["owners"][0];
    assert_eq!(owners["names"], json!(["Alberta Bobbeth Charleson"]));
    assert_eq!(owners["emails"][0]["data"], "accountholder0@example.com");
    assert_eq!(owners["addresses"][0]["data"]["city"], "Malakoff");
    app.with_token("/auth/get", &token).await.ok();
    let item = app.with_token("/item/get", &token).await.ok();
    assert_eq!(
        item["item"]["billed_products"],
        json!(["transactions", "identity", "auth"])
    );
}
