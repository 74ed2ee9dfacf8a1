//! Transactions (issue 10): readiness on the clock, `/transactions/sync` as Plaid's contract,
//! `/transactions/get`, `/transactions/refresh`, webhooks, and balances that add up.

use serde_json::{Value, json};

use crate::helpers::{Receiver, TestApp, by_mask, fixed_day, spawn_app};

pub(crate) async fn sync(app: &TestApp, token: &str, cursor: Option<&str>, count: u32) -> Value {
    let mut body = json!({"access_token": token, "count": count});
    if let Some(c) = cursor {
        body["cursor"] = json!(c);
    }
    app.post("/transactions/sync", body).await.ok()
}

/// Pages from `cursor` until `has_more` is false: (added, modified, removed ids, next cursor).
pub(crate) async fn sync_all(
    app: &TestApp,
    token: &str,
    mut cursor: Option<String>,
    count: u32,
) -> (Vec<Value>, Vec<Value>, Vec<String>, String) {
    let (mut added, mut modified, mut removed) = (vec![], vec![], vec![]);
    loop {
        let page = sync(app, token, cursor.as_deref(), count).await;
        added.extend(page["added"].as_array().cloned().unwrap_or_default());
        modified.extend(page["modified"].as_array().cloned().unwrap_or_default());
        removed.extend(
            page["removed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["transaction_id"].as_str().map(str::to_owned)),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if page["has_more"] != true {
            break;
        }
    }
    (added, modified, removed, cursor.unwrap_or_default())
}

pub(crate) fn ids(txns: &[Value]) -> Vec<String> {
    txns.iter()
        .filter_map(|t| t["transaction_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn sync_is_not_ready_then_initial_then_historical_on_the_clock() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let first = sync(&app, &token, None, 100).await;
    assert_eq!(first["transactions_update_status"], "NOT_READY");
    // plaid/quickstart's Node server starts with `cursor: null`: the same as none.
    let null = app
        .post(
            "/transactions/sync",
            json!({"access_token": token, "cursor": null}),
        )
        .await
        .ok();
    assert_eq!(null["next_cursor"], "");
    assert_eq!(first["next_cursor"], "");
    assert_eq!(first["has_more"], false);
    assert_eq!(first["added"], json!([]));
    assert_eq!(first["removed"], json!([]));

    app.advance(json!({"seconds": 10})).await;
    let (initial, _, _, cursor) = sync_all(&app, &token, None, 500).await;
    let page = sync(&app, &token, Some(&cursor), 100).await;
    assert_eq!(
        page["transactions_update_status"],
        "INITIAL_UPDATE_COMPLETE"
    );
    assert!(!initial.is_empty());
    let oldest = initial
        .iter()
        .filter_map(|t| t["date"].as_str())
        .min()
        .unwrap_or_default()
        .to_owned();
    assert!(
        oldest.as_str() >= "2027-02-08",
        "only the last 30 days: {oldest}"
    );

    app.advance(json!({"seconds": 50})).await;
    let page = sync(&app, &token, Some(&cursor), 500).await;
    assert_eq!(
        page["transactions_update_status"],
        "HISTORICAL_UPDATE_COMPLETE"
    );
    let (older, _, _, _) = sync_all(&app, &token, Some(cursor), 500).await;
    assert!(
        older
            .iter()
            .all(|t| t["date"].as_str() < Some("2027-02-09")),
        "the historical update adds only what the first 30 days lacked"
    );
    let oldest = older.iter().filter_map(|t| t["date"].as_str()).min();
    assert!(
        oldest.is_some_and(|d| d < "2026-12-15"),
        "90 days: {oldest:?}"
    );
}

#[tokio::test]
async fn pages_add_up_to_one_fetch_and_the_final_cursor_waits_for_news() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (all, _, _, done) = sync_all(&app, &token, None, 500).await;
    let (paged, _, _, _) = sync_all(&app, &token, None, 7).await;
    assert_eq!(ids(&all), ids(&paged));
    let mut unique = ids(&all);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "ids are unique");
    assert!(
        all.len() > 100,
        "90 days of a user's activity: {}",
        all.len()
    );
    // Ascending by date.
    let dates: Vec<&str> = all.iter().filter_map(|t| t["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]));

    let again = sync(&app, &token, Some(&done), 100).await;
    assert_eq!(again["added"], json!([]));
    assert_eq!(again["next_cursor"], json!(done));
    // Accounts: only those with transactions, with Plaid's cached balances.
    let masks: Vec<&str> = again["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["mask"].as_str())
        .collect();
    assert!(
        masks.contains(&"0000") && !masks.contains(&"5555"),
        "{masks:?}"
    );
}

#[tokio::test]
async fn pending_transactions_post_in_a_later_update() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (all, _, _, cursor) = sync_all(&app, &token, None, 500).await;
    let pending: Vec<String> = all
        .iter()
        .filter(|t| t["pending"] == true)
        .filter_map(|t| t["transaction_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        !pending.is_empty(),
        "purchases of the last days are pending"
    );

    app.advance(json!({"days": 6})).await;
    let (added, _, removed, _) = sync_all(&app, &token, Some(cursor), 500).await;
    for id in &pending {
        assert!(
            removed.contains(id),
            "pending {id} is removed once it posts"
        );
    }
    let posted: Vec<&Value> = added
        .iter()
        .filter(|t| {
            t["pending_transaction_id"]
                .as_str()
                .is_some_and(|p| pending.iter().any(|x| x == p))
        })
        .collect();
    assert!(
        !posted.is_empty(),
        "the posted versions name their pending ids"
    );
    assert!(posted.iter().all(|t| t["pending"] == false));
}

#[tokio::test]
async fn a_change_while_paging_fails_the_next_page_until_restarted() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (_, _, _, start) = sync_all(&app, &token, None, 500).await;
    app.advance(json!({"days": 3})).await;
    let first = sync(&app, &token, Some(&start), 1).await;
    assert_eq!(first["has_more"], true);
    // An update changes the copy between two pages.
    app.advance(json!({"days": 1})).await;
    let body = json!({"access_token": token, "cursor": first["next_cursor"], "count": 1});
    let err = app.post("/transactions/sync", body).await.error(
        400,
        "TRANSACTIONS_ERROR",
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
    );
    assert_eq!(
        err["error_message"],
        "Underlying transaction data changed since last page was fetched. Please restart pagination from last update."
    );
    // Restarting from the update's first cursor works.
    let (added, _, _, _) = sync_all(&app, &token, Some(start), 50).await;
    assert!(!added.is_empty());
}

#[tokio::test]
async fn bad_sync_input_is_answered_in_plaids_envelope() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let other = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    for count in [0, 501] {
        app.post(
            "/transactions/sync",
            json!({"access_token": token, "count": count}),
        )
        .await
        .invalid_field("count");
    }
    let (_, _, _, theirs) = sync_all(&app, &other, None, 500).await;
    for cursor in [theirs.as_str(), "not-a-cursor", "dDEuZ"] {
        app.post(
            "/transactions/sync",
            json!({"access_token": token, "cursor": cursor}),
        )
        .await
        .invalid_field("cursor");
    }
    app.post(
        "/transactions/sync",
        json!({"access_token": token, "options": {"account_id": "nope"}}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCOUNT_ID");
    app.post(
        "/transactions/sync",
        json!({"access_token": token, "options": {"personal_finance_category_version": "v9"}}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn an_account_stream_has_only_that_accounts_transactions() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let card = by_mask(&accounts, "3333")["account_id"].clone();
    let page = app
        .post(
            "/transactions/sync",
            json!({"access_token": token, "count": 500, "options": {"account_id": card}}),
        )
        .await
        .ok();
    let added = page["added"].as_array().cloned().unwrap_or_default();
    assert!(!added.is_empty());
    assert!(added.iter().all(|t| t["account_id"] == card));
    // Its cursor belongs to that stream only.
    app.post(
        "/transactions/sync",
        json!({"access_token": token, "cursor": page["next_cursor"]}),
    )
    .await
    .invalid_field("cursor");
}

#[tokio::test]
async fn get_is_not_ready_then_newest_first_in_pages() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    let range =
        json!({"access_token": token, "start_date": "2026-01-01", "end_date": "2027-12-31"});
    app.post("/transactions/get", range.clone()).await.error(
        400,
        "ITEM_ERROR",
        "PRODUCT_NOT_READY",
    );
    app.advance(json!({"seconds": 61})).await;
    let all = app.post("/transactions/get", json!({"access_token": token, "start_date": "2026-01-01", "end_date": "2027-12-31", "options": {"count": 500}})).await.ok();
    let txns = all["transactions"].as_array().cloned().unwrap_or_default();
    let total = all["total_transactions"].as_u64().unwrap_or_default() as usize;
    assert_eq!(txns.len(), total.min(500));
    let dates: Vec<&str> = txns.iter().filter_map(|t| t["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let second = app.post("/transactions/get", json!({"access_token": token, "start_date": "2026-01-01", "end_date": "2027-12-31", "options": {"count": 10, "offset": 10}})).await.ok();
    assert_eq!(
        ids(second["transactions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()),
        ids(&txns[10..20])
    );
    let march = app.post("/transactions/get", json!({"access_token": token, "start_date": "2027-03-01", "end_date": "2027-03-05", "options": {"count": 500}})).await.ok();
    assert!(
        march["transactions"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|t| {
                let d = t["date"].as_str().unwrap_or_default();
                ("2027-03-01"..="2027-03-05").contains(&d)
            })
    );
    assert!(march["item"]["item_id"].is_string());
    for (start, end, field) in [
        ("2027-03-05", "2027-03-01", "start_date"),
        ("2027-13-01", "2027-03-01", "start_date"),
        ("2027-03-01", "yesterday", "end_date"),
    ] {
        app.post(
            "/transactions/get",
            json!({"access_token": token, "start_date": start, "end_date": end}),
        )
        .await
        .invalid_field(field);
    }
}

#[tokio::test]
async fn get_on_an_item_without_transactions_starts_the_pull() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["auth"]).await;
    let range =
        json!({"access_token": token, "start_date": "2026-01-01", "end_date": "2027-12-31"});
    app.post("/transactions/get", range.clone()).await.error(
        400,
        "ITEM_ERROR",
        "PRODUCT_NOT_READY",
    );
    let item = app.with_token("/item/get", &token).await.ok();
    assert!(
        item["item"]["products"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("transactions")))
    );
    app.advance(json!({"seconds": 61})).await;
    let got = app.post("/transactions/get", range).await.ok();
    assert!(got["total_transactions"].as_u64().is_some_and(|n| n > 0));
}

#[tokio::test]
async fn webhooks_announce_readiness_and_updates() {
    let app = fixed_day().await;
    let hook = Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], &hook.url)
        .await;
    // The first sync arms SYNC_UPDATES_AVAILABLE; the pull then announces both stages.
    sync(&app, &token, None, 100).await;
    app.advance(json!({"seconds": 61})).await;
    app.flush().await;
    let codes = |bodies: &[Value]| -> Vec<(String, Value)> {
        bodies
            .iter()
            .filter(|b| b["webhook_type"] == "TRANSACTIONS")
            .map(|b| {
                (
                    b["webhook_code"].as_str().unwrap_or_default().to_owned(),
                    b.clone(),
                )
            })
            .collect()
    };
    let got = codes(&hook.bodies());
    let sua: Vec<&Value> = got
        .iter()
        .filter(|(c, _)| c == "SYNC_UPDATES_AVAILABLE")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(sua.len(), 2, "{got:?}");
    assert_eq!(
        (
            &sua[0]["initial_update_complete"],
            &sua[0]["historical_update_complete"]
        ),
        (&json!(true), &json!(false))
    );
    assert_eq!(
        (
            &sua[1]["initial_update_complete"],
            &sua[1]["historical_update_complete"]
        ),
        (&json!(true), &json!(true))
    );
    assert!(sua.iter().all(|b| b["item_id"] == json!(item_id)));
    for code in ["INITIAL_UPDATE", "HISTORICAL_UPDATE"] {
        let b = got.iter().find(|(c, _)| c == code).map(|(_, b)| b);
        assert!(
            b.is_some_and(|b| b["new_transactions"].as_u64().is_some_and(|n| n > 0)),
            "{code}: {got:?}"
        );
    }
    // A later update that finds news sends DEFAULT_UPDATE and SYNC_UPDATES_AVAILABLE again.
    let before = hook.hits().len();
    app.advance(json!({"days": 2})).await;
    app.flush().await;
    let later = codes(&hook.bodies()[before..]);
    assert!(
        later
            .iter()
            .any(|(c, b)| c == "DEFAULT_UPDATE" && b["new_transactions"].as_u64() > Some(0)),
        "{later:?}"
    );
    assert!(later.iter().any(|(c, _)| c == "SYNC_UPDATES_AVAILABLE"));
    assert!(
        later.iter().any(|(c, b)| c == "TRANSACTIONS_REMOVED"
            && b["removed_transactions"]
                .as_array()
                .is_some_and(|r| !r.is_empty())),
        "pending ones posted: {later:?}"
    );
}

#[tokio::test]
async fn refresh_updates_now_and_fails_like_the_bank() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (_, _, _, cursor) = sync_all(&app, &token, None, 500).await;
    // Two days pass without a background update (the bank updates every 6 hours: the
    // interval is made longer so only the refresh brings the news).
    app.post(
        "/tartan/institutions/settings",
        json!({"institution_id": "ins_109508", "refresh_interval_minutes": 100_000}),
    )
    .await
    .ok();
    app.advance(json!({"days": 2})).await;
    let (nothing, _, _, _) = sync_all(&app, &token, Some(cursor.clone()), 500).await;
    assert!(nothing.is_empty(), "no update, no news");
    let r = app.with_token("/transactions/refresh", &token).await.ok();
    assert!(r["request_id"].is_string());
    let (news, _, _, _) = sync_all(&app, &token, Some(cursor), 500).await;
    assert!(!news.is_empty(), "the refresh read the bank");

    app.post("/sandbox/item/reset_login", json!({"access_token": token}))
        .await
        .ok();
    for path in ["/transactions/refresh", "/transactions/sync"] {
        app.with_token(path, &token)
            .await
            .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
    }
    app.post(
        "/transactions/get",
        json!({"access_token": token, "start_date": "2027-01-01", "end_date": "2027-03-01"}),
    )
    .await
    .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
}

#[tokio::test]
async fn balances_add_up_to_the_transactions() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (_, _, _, mut cursor) = sync_all(&app, &token, None, 500).await;
    let mut current = app.with_token("/accounts/balance/get", &token).await.ok();
    for _ in 0..20 {
        app.advance(json!({"days": 1})).await;
        let (added, _, removed, next) = sync_all(&app, &token, Some(cursor), 500).await;
        cursor = next;
        let now = app.with_token("/accounts/balance/get", &token).await.ok();
        for mask in ["0000", "1111", "3333"] {
            let id = by_mask(&now, mask)["account_id"].clone();
            let kind = by_mask(&now, mask)["type"].clone();
            let posted: f64 = added
                .iter()
                .filter(|t| t["account_id"] == id && t["pending"] == false)
                .filter_map(|t| t["amount"].as_f64())
                .sum();
            let change = by_mask(&now, mask)["balances"]["current"]
                .as_f64()
                .unwrap_or_default()
                - by_mask(&current, mask)["balances"]["current"]
                    .as_f64()
                    .unwrap_or_default();
            let expected = if kind == "credit" { posted } else { -posted };
            assert!(
                (change - expected).abs() < 0.005,
                "{mask}: balance moved {change}, posted transactions say {expected} (removed {removed:?})"
            );
        }
        current = now;
    }
}

#[tokio::test]
async fn the_same_seed_and_requests_give_the_same_transactions() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = spawn_app().await;
        let app = server.as_tenant("det-tenant", "secret");
        app.post("/tartan/settings", json!({"seed": 1234}))
            .await
            .ok();
        app.post("/tartan/clock/set", json!({"now": "2027-03-10T12:00:00Z"}))
            .await
            .ok();
        app.post("/tartan/clock/freeze", json!({})).await.ok();
        let token = app.item("ins_109508", &["transactions"]).await;
        app.advance(json!({"seconds": 61})).await;
        let (all, _, _, _) = sync_all(&app, &token, None, 500).await;
        runs.push(all);
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn categories_are_listed_without_credentials() {
    let app = spawn_app().await;
    // Plaid asks none (plaid-python sends none); credentials sent anyway are ignored.
    let plain = reqwest::Client::new()
        .post(app.url("/categories/get"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(plain.status(), 200);
    let cats: Value = plain.json().await.expect("json");
    assert!(cats["request_id"].is_string());
    let with_keys = app.post("/categories/get", json!({})).await.ok();
    assert_eq!(with_keys["categories"], cats["categories"]);
    let list = cats["categories"].as_array().cloned().unwrap_or_default();
    assert!(list.len() > 10);
    assert!(list.iter().all(|c| c["category_id"].is_string()
        && c["group"].is_string()
        && c["hierarchy"].as_array().is_some_and(|h| !h.is_empty())));
}

#[tokio::test]
async fn readiness_timing_is_a_setting_of_the_institution() {
    let app = fixed_day().await;
    let set = app
        .post(
            "/tartan/institutions/settings",
            json!({"institution_id": "ins_109508", "transactions_initial_seconds": 0,
                   "transactions_historical_seconds": 300}),
        )
        .await
        .ok();
    assert_eq!(set["transactions_historical_seconds"], 300);
    let token = app.item("ins_109508", &["transactions"]).await;
    let now = sync(&app, &token, None, 100).await;
    assert_eq!(now["transactions_update_status"], "INITIAL_UPDATE_COMPLETE");
    app.advance(json!({"seconds": 120})).await;
    let page = sync(&app, &token, None, 100).await;
    assert_eq!(
        page["transactions_update_status"],
        "INITIAL_UPDATE_COMPLETE"
    );
    app.advance(json!({"seconds": 180})).await;
    let page = sync(&app, &token, None, 100).await;
    assert_eq!(
        page["transactions_update_status"],
        "HISTORICAL_UPDATE_COMPLETE"
    );
    app.post(
        "/tartan/institutions/settings",
        json!({"institution_id": "ins_109508", "transactions_initial_seconds": -1}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn a_forced_sync_webhook_tells_the_items_real_state() {
    let app = fixed_day().await;
    let hook = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["transactions"], &hook.url)
        .await;
    let fire = json!({"access_token": token, "webhook_code": "SYNC_UPDATES_AVAILABLE"});
    app.post("/sandbox/item/fire_webhook", fire.clone())
        .await
        .ok();
    app.flush().await;
    let early = hook.bodies().last().cloned().unwrap_or_default();
    assert_eq!(early["initial_update_complete"], false);
    app.advance(json!({"seconds": 61})).await;
    app.post("/sandbox/item/fire_webhook", fire).await.ok();
    app.flush().await;
    let late = hook.bodies().last().cloned().unwrap_or_default();
    assert_eq!(
        (
            &late["initial_update_complete"],
            &late["historical_update_complete"]
        ),
        (&json!(true), &json!(true))
    );
}

#[tokio::test]
async fn a_long_clock_move_announces_its_updates_once() {
    let app = fixed_day().await;
    // Without the Sandbox's 30-day login expiry, which would stop the updates on day 30.
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let hook = Receiver::start().await;
    let (token, _) = app
        .item_with_webhook("ins_109508", &["transactions"], &hook.url)
        .await;
    app.advance(json!({"seconds": 61})).await;
    let (_, _, _, cursor) = sync_all(&app, &token, None, 500).await;
    app.flush().await;
    let before = hook.hits().len();
    // 30 days: 120 background updates, one announcement of what they brought.
    let moved = app.advance(json!({"days": 30})).await;
    assert!(
        moved["events_run"].as_u64().is_some_and(|n| n >= 120),
        "{moved}"
    );
    app.flush().await;
    let later: Vec<Value> = hook.bodies()[before..].to_vec();
    let count = |code: &str| later.iter().filter(|b| b["webhook_code"] == code).count();
    assert_eq!(count("DEFAULT_UPDATE"), 1, "{later:?}");
    assert_eq!(count("SYNC_UPDATES_AVAILABLE"), 1);
    let announced = later
        .iter()
        .find(|b| b["webhook_code"] == "DEFAULT_UPDATE")
        .and_then(|b| b["new_transactions"].as_u64())
        .unwrap_or_default();
    let (added, _, _, _) = sync_all(&app, &token, Some(cursor), 500).await;
    assert_eq!(
        announced as usize,
        added.len(),
        "the one webhook counts all that came"
    );
}

#[tokio::test]
async fn the_category_version_defaults_to_v2_and_is_a_tenant_setting() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let versions = |page: &Value| -> Vec<Value> {
        page["added"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| t["personal_finance_category"]["version"].clone())
            .collect()
    };
    let page = sync(&app, &token, None, 50).await;
    assert!(versions(&page).iter().all(|v| v == "v2"));
    let groceries = |page: &Value| -> Vec<Value> {
        page["added"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["category_id"] == "19047000")
            .map(|t| t["personal_finance_category"]["primary"].clone())
            .collect()
    };
    assert!(groceries(&page).iter().all(|p| p == "FOOD_RETAIL"));
    let set = app
        .post(
            "/tartan/settings",
            json!({"personal_finance_category_version": "v1"}),
        )
        .await
        .ok();
    assert_eq!(set["personal_finance_category_version"], "v1");
    let page = sync(&app, &token, None, 50).await;
    assert!(versions(&page).iter().all(|v| v == "v1"));
    assert!(groceries(&page).iter().all(|p| p == "FOOD_AND_DRINK"));
    // A request's own version wins.
    let v2 = app
        .post(
            "/transactions/sync",
            json!({"access_token": token, "count": 50,
                   "options": {"personal_finance_category_version": "v2"}}),
        )
        .await
        .ok();
    assert!(versions(&v2).iter().all(|v| v == "v2"));
    app.post(
        "/tartan/settings",
        json!({"personal_finance_category_version": "v3"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn a_trigger_changes_the_copy_between_two_pages() {
    let app = fixed_day().await;
    let (token, item_id) = app
        .item_with_webhook("ins_109508", &["transactions"], "http://127.0.0.1:9/hook")
        .await;
    app.advance(json!({"seconds": 61})).await;
    let first = sync(&app, &token, None, 10).await;
    assert_eq!(first["has_more"], true);
    let done = app
        .trigger(json!({"item_id": item_id, "action": "transactions_changed"}))
        .await
        .ok();
    assert_eq!(done["trigger"]["state"], "done", "{done}");
    let body = json!({"access_token": token, "cursor": first["next_cursor"], "count": 10});
    app.post("/transactions/sync", body).await.error(
        400,
        "TRANSACTIONS_ERROR",
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
    );
    // From the start again, every page reads.
    let (all, _, _, _) = sync_all(&app, &token, None, 100).await;
    assert!(all.len() > 10);
}

#[tokio::test]
async fn recurring_streams_are_found_in_the_history() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.with_token("/transactions/recurring/get", &token)
        .await
        .error(400, "ITEM_ERROR", "PRODUCT_NOT_READY");
    app.advance(json!({"seconds": 61})).await;
    let got = app
        .with_token("/transactions/recurring/get", &token)
        .await
        .ok();
    let streams = |side: &str| got[side].as_array().cloned().unwrap_or_default();
    let find = |side: &str, merchant: &str| {
        streams(side).into_iter().find(|s| {
            s["merchant_name"] == merchant
                || s["description"]
                    .as_str()
                    .is_some_and(|d| d.contains(merchant))
        })
    };
    let payroll = find("inflow_streams", "Gusto").expect("payroll is an inflow stream");
    assert_eq!(payroll["frequency"], "SEMI_MONTHLY");
    assert_eq!(payroll["status"], "MATURE");
    assert_eq!(payroll["last_amount"]["amount"], 2450.0);
    let netflix = find("outflow_streams", "Netflix").expect("Netflix is an outflow stream");
    assert_eq!(netflix["frequency"], "MONTHLY");
    assert_eq!(netflix["average_amount"]["amount"], 15.49);
    assert!(netflix["predicted_next_date"].as_str() > netflix["last_date"].as_str());
    assert!(
        netflix["transaction_ids"]
            .as_array()
            .is_some_and(|t| t.len() >= 3)
    );
    // Everyday spending is not a stream.
    assert!(find("outflow_streams", "Starbucks").is_none());
    assert!(got["updated_datetime"].is_string());
    app.post(
        "/transactions/recurring/get",
        json!({"access_token": token, "account_ids": ["nope"]}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCOUNT_ID");
}

#[tokio::test]
async fn an_outage_fails_refresh_but_not_reads_of_the_copy() {
    let app = fixed_day().await;
    let token = app.item("ins_109508", &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    app.trigger(json!({"institution_id": "ins_109508", "action": "outage",
                       "code": "INSTITUTION_DOWN"}))
        .await
        .ok();
    app.with_token("/transactions/refresh", &token).await.error(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_DOWN",
    );
    let page = sync(&app, &token, None, 10).await;
    assert_eq!(page["added"].as_array().map(Vec::len), Some(10));
    app.post(
        "/transactions/get",
        json!({"access_token": token, "start_date": "2027-01-01", "end_date": "2027-03-10"}),
    )
    .await
    .ok();
}
