//! Transactions that change on request (issue 10): `user_transactions_dynamic`'s refreshes,
//! `/sandbox/transactions/create`, late merchant recognition (modified transactions) and
//! RECURRING_TRANSACTIONS_UPDATE.

use serde_json::{Value, json};

use crate::helpers::{Receiver, TestApp, by_mask, fixed_day};
use crate::transactions::{ids, sync_all};

/// A `user_transactions_dynamic` Item at First Platypus, its pull complete; returns
/// (access_token, item_id).
async fn dynamic_item(app: &TestApp, webhook: Option<&str>) -> (String, String) {
    let mut options = json!({"override_username": "user_transactions_dynamic",
                             "override_password": "any"});
    if let Some(url) = webhook {
        options["webhook"] = json!(url);
    }
    let public = app
        .post(
            "/sandbox/public_token/create",
            json!({"institution_id": "ins_109508", "initial_products": ["transactions"],
                   "options": options}),
        )
        .await
        .ok();
    let exchanged = app
        .exchange(public["public_token"].as_str().unwrap_or_default())
        .await;
    app.advance(json!({"seconds": 61})).await;
    let s = |k: &str| exchanged[k].as_str().unwrap_or_default().to_owned();
    (s("access_token"), s("item_id"))
}

fn by_id<'a>(txns: &'a [Value], id: &Value) -> Option<&'a Value> {
    txns.iter().find(|t| &t["transaction_id"] == id)
}

fn amount(t: &Value) -> f64 {
    t["amount"].as_f64().unwrap_or(f64::NAN)
}

fn current(balances: &Value, mask: &str) -> f64 {
    by_mask(balances, mask)["balances"]["current"]
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// Webhook codes of the TRANSACTIONS type among `bodies`, with their bodies.
fn transactions_hooks(bodies: &[Value]) -> Vec<(String, Value)> {
    bodies
        .iter()
        .filter(|b| b["webhook_type"] == "TRANSACTIONS")
        .map(|b| {
            (
                b["webhook_code"].as_str().unwrap_or("").to_owned(),
                b.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_dynamic_user_starts_with_fifty_and_each_refresh_moves_them_on() {
    let app = fixed_day().await;
    let hook = Receiver::start().await;
    let (token, item_id) = dynamic_item(&app, Some(&hook.url)).await;
    let (first, modified, removed, cursor) = sync_all(&app, &token, None, 500).await;
    assert_eq!(first.len(), 50, "Plaid's dynamic user starts with 50");
    assert!(modified.is_empty() && removed.is_empty());
    let pending: Vec<&Value> = first.iter().filter(|t| t["pending"] == true).collect();
    assert!(!pending.is_empty(), "some start pending");
    assert!(first.iter().any(|t| t["pending"] == false));

    // The days alone bring nothing: the dynamic user's bank moves only on refresh.
    app.advance(json!({"days": 3})).await;
    let (idle, _, _, cursor) = sync_all(&app, &token, Some(cursor), 500).await;
    assert!(idle.is_empty(), "{idle:?}");

    let before = app.with_token("/accounts/balance/get", &token).await.ok();
    app.flush().await;
    let hooks_before = hook.hits().len();
    app.with_token("/transactions/refresh", &token).await.ok();
    let (added, modified, removed, cursor) = sync_all(&app, &token, Some(cursor), 500).await;

    // Every pending one posted: its pending id removed, the posted one names it.
    let mut was_pending = ids(&pending.iter().copied().cloned().collect::<Vec<_>>());
    let mut gone = removed.clone();
    was_pending.sort();
    gone.sort();
    assert_eq!(gone, was_pending);
    for p in &pending {
        assert!(
            added.iter().any(
                |t| t["pending"] == false && t["pending_transaction_id"] == p["transaction_id"]
            ),
            "{} did not post",
            p["transaction_id"]
        );
    }
    // New pending purchases, and $1.00 more on exactly one earlier transaction.
    let new_pending: Vec<&Value> = added.iter().filter(|t| t["pending"] == true).collect();
    assert!((1..=3).contains(&new_pending.len()), "{new_pending:?}");
    assert_eq!(modified.len(), 1, "{modified:?}");
    let old = by_id(&first, &modified[0]["transaction_id"]).expect("modified an earlier one");
    assert!((amount(&modified[0]) - amount(old) - 1.0).abs() < 1e-9);

    // The balances moved by what posted (and the correction).
    let after = app.with_token("/accounts/balance/get", &token).await.ok();
    for mask in ["0000", "3333"] {
        let id = by_mask(&after, mask)["account_id"].clone();
        let posted: f64 = added
            .iter()
            .filter(|t| t["account_id"] == id && t["pending"] == false)
            .map(amount)
            .sum::<f64>()
            + modified
                .iter()
                .filter(|t| t["account_id"] == id)
                .map(|_| 1.0)
                .sum::<f64>();
        let expected = if mask == "3333" { posted } else { -posted };
        let moved = current(&after, mask) - current(&before, mask);
        assert!(
            (moved - expected).abs() < 0.005,
            "{mask}: {moved} vs {expected}"
        );
    }

    // The webhooks of a refresh that found news.
    app.flush().await;
    let got = transactions_hooks(&hook.bodies()[hooks_before..]);
    let code = |c: &str| got.iter().find(|(k, _)| k == c).map(|(_, b)| b.clone());
    assert_eq!(
        code("DEFAULT_UPDATE").map(|b| b["new_transactions"].clone()),
        Some(json!(added.len())),
        "{got:?}"
    );
    let mut hook_removed: Vec<String> = code("TRANSACTIONS_REMOVED")
        .and_then(|b| b["removed_transactions"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    hook_removed.sort();
    assert_eq!(hook_removed, was_pending);
    assert!(got.iter().all(|(_, b)| b["item_id"] == json!(item_id)));

    // The next refresh posts what this one left pending.
    app.with_token("/transactions/refresh", &token).await.ok();
    let (again, _, removed2, _) = sync_all(&app, &token, Some(cursor), 500).await;
    for p in &new_pending {
        assert!(removed2.contains(&p["transaction_id"].as_str().unwrap_or("").to_owned()));
        assert!(
            again
                .iter()
                .any(|t| t["pending_transaction_id"] == p["transaction_id"])
        );
    }
}

#[tokio::test]
async fn created_transactions_reach_the_copy_like_a_refresh() {
    let app = fixed_day().await;
    let hook = Receiver::start().await;
    let (token, _) = dynamic_item(&app, Some(&hook.url)).await;
    let (_, _, _, cursor) = sync_all(&app, &token, None, 500).await;
    let before = app.with_token("/accounts/balance/get", &token).await.ok();
    app.flush().await;
    let hooks_before = hook.hits().len();
    app.post(
        "/sandbox/transactions/create",
        json!({"access_token": token, "transactions": [
            {"date_transacted": "2027-03-08", "date_posted": "2027-03-09", "amount": 12.34,
             "description": "Starbucks coffee with a client"},
            {"date_transacted": "2027-03-10", "date_posted": "2027-03-10", "amount": -500.0,
             "description": "Refund from the landlord", "iso_currency_code": "usd"},
        ]}),
    )
    .await
    .ok();
    let (added, _, _, _) = sync_all(&app, &token, Some(cursor), 500).await;
    let after = app.with_token("/accounts/balance/get", &token).await.ok();
    let checking = by_mask(&after, "0000")["account_id"].clone();
    let made: Vec<&Value> = added
        .iter()
        .filter(|t| {
            t["name"] == "Starbucks coffee with a client" || t["name"] == "Refund from the landlord"
        })
        .collect();
    assert_eq!(made.len(), 2, "{added:?}");
    assert!(
        made.iter()
            .all(|t| t["account_id"] == checking && t["pending"] == false)
    );
    let coffee = made.iter().find(|t| t["amount"] == 12.34).expect("coffee");
    assert_eq!(coffee["date"], "2027-03-09");
    assert_eq!(coffee["authorized_date"], "2027-03-08");
    assert_eq!(
        coffee["merchant_name"], "Starbucks",
        "Plaid recognizes the merchant"
    );
    let refund = made.iter().find(|t| t["amount"] == -500.0).expect("refund");
    assert_eq!(refund["iso_currency_code"], "USD");
    assert!(refund["merchant_name"].is_null());
    // Money moved on checking: 12.34 out, 500 in.
    let moved = current(&after, "0000") - current(&before, "0000");
    assert!((moved - (500.0 - 12.34)).abs() < 0.005, "{moved}");
    app.flush().await;
    let got = transactions_hooks(&hook.bodies()[hooks_before..]);
    assert!(
        got.iter()
            .any(|(c, b)| c == "DEFAULT_UPDATE" && b["new_transactions"].as_u64() >= Some(2)),
        "{got:?}"
    );
    assert!(got.iter().any(|(c, _)| c == "SYNC_UPDATES_AVAILABLE"));
}

#[tokio::test]
async fn bad_created_transactions_get_plaids_messages() {
    let app = fixed_day().await;
    let (token, _) = dynamic_item(&app, None).await;
    let txn = |transacted: &str, posted: &str| {
        json!({"date_transacted": transacted, "date_posted": posted, "amount": 1.0,
               "description": "Coffee"})
    };
    let create = |txns: Vec<Value>| {
        app.post(
            "/sandbox/transactions/create",
            json!({"access_token": token, "transactions": txns}),
        )
    };
    let eleven = (0..11).map(|_| txn("2027-03-09", "2027-03-09")).collect();
    let e = create(eleven)
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert_eq!(
        e["error_message"],
        "The request contains too many transactions."
    );
    let dates = "Transaction and posted dates must be within the last 14 days. The posted date cannot be before the transaction date.";
    for (transacted, posted) in [
        ("2027-02-20", "2027-02-21"), // too old
        ("2027-03-09", "2027-03-08"), // posted before made
        ("2027-03-10", "2027-03-11"), // in the future
    ] {
        let e = create(vec![txn(transacted, posted)]).await.error(
            400,
            "INVALID_REQUEST",
            "INVALID_FIELD",
        );
        assert_eq!(e["error_message"], dates, "{transacted} {posted}");
    }
    create(vec![txn("2027-03-09", "March 9")])
        .await
        .invalid_field("transactions[0].date_posted");
    create(vec![
        json!({"date_transacted": "2027-03-09", "date_posted": "2027-03-09",
                       "amount": 1.0, "description": "  "}),
    ])
    .await
    .invalid_field("transactions[0].description");
    create(vec![]).await.invalid_field("transactions");
    // Only the dynamic user's Items take created transactions.
    let good = app.item("ins_109508", &["transactions"]).await;
    app.post(
        "/sandbox/transactions/create",
        json!({"access_token": good, "transactions": [txn("2027-03-09", "2027-03-09")]}),
    )
    .await
    .invalid_field("access_token");
    // Nothing was stored by the refused calls.
    let (all, _, _, _) = sync_all(&app, &token, None, 500).await;
    assert_eq!(all.len(), 50);
    // A broken login fails the call as it fails a refresh.
    app.post("/sandbox/item/reset_login", json!({"access_token": token}))
        .await
        .ok();
    create(vec![txn("2027-03-09", "2027-03-09")]).await.error(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
    );
}

#[tokio::test]
async fn some_purchases_are_recognized_days_after_they_post() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (mut seen, _, _, mut cursor) = sync_all(&app, &token, None, 500).await;
    let mut recognized = Vec::new();
    // 25 days: within the Sandbox's 30-day login expiry.
    for _ in 0..25 {
        app.advance(json!({"days": 1})).await;
        let (added, modified, _, next) = sync_all(&app, &token, Some(cursor), 500).await;
        cursor = next;
        seen.extend(added);
        recognized.extend(modified);
    }
    assert!(
        !recognized.is_empty(),
        "a month of purchases has late recognitions"
    );
    for m in &recognized {
        let first = seen
            .iter()
            .find(|t| t["transaction_id"] == m["transaction_id"])
            .expect("a modified transaction was added first");
        assert!(first["merchant_name"].is_null(), "{first}");
        assert!(
            first["counterparties"]
                .as_array()
                .is_some_and(|c| c.is_empty())
        );
        assert!(m["merchant_name"].is_string(), "{m}");
        assert_eq!(m["amount"], first["amount"]);
        assert_eq!(m["pending"], false);
    }
}

#[tokio::test]
async fn recurring_updates_are_announced_once_recurring_get_was_called() {
    let app = fixed_day().await;
    let hook = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["transactions"], &hook.url)
        .await;
    app.advance(json!({"seconds": 61})).await;
    // Payroll on the 15th: a stream gets a new transaction, but nobody asked for streams.
    app.advance(json!({"days": 6})).await;
    app.flush().await;
    let recurring = |bodies: &[Value]| -> Vec<Value> {
        transactions_hooks(bodies)
            .into_iter()
            .filter(|(c, _)| c == "RECURRING_TRANSACTIONS_UPDATE")
            .map(|(_, b)| b)
            .collect()
    };
    assert!(recurring(&hook.bodies()).is_empty());
    app.with_token("/transactions/recurring/get", &token)
        .await
        .ok();
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&accounts, "0000")["account_id"].clone();
    // The 1st brings the mortgage payment and payroll to checking.
    app.advance(json!({"days": 17})).await;
    app.flush().await;
    let got = recurring(&hook.bodies());
    assert!(!got.is_empty(), "armed by /transactions/recurring/get");
    assert!(
        got.iter().any(|b| b["account_ids"]
            .as_array()
            .is_some_and(|a| a.contains(&checking))),
        "{got:?}"
    );
}
