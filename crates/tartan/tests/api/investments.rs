//! Investments (issue 11): `/investments/holdings/get`. Holdings are positions valued at the
//! market's close prices, and an investment account's balance is their value.

use serde_json::{Value, json};

use crate::helpers::{TestApp, by_mask, fixed_day};

const PLATYPUS: &str = "ins_109508";

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Checks that each investment account's balance is its holdings' value, and that every
/// holding's security is listed; returns the holdings by account id.
#[track_caller]
fn check_agrees(body: &Value) {
    let holdings = body["holdings"].as_array().expect("holdings");
    let securities = body["securities"].as_array().expect("securities");
    let accounts = body["accounts"].as_array().expect("accounts");
    assert!(!accounts.is_empty());
    for a in accounts {
        assert_eq!(a["type"], "investment", "{a}");
        let mine: Vec<&Value> = holdings
            .iter()
            .filter(|h| h["account_id"] == a["account_id"])
            .collect();
        assert!(mine.len() >= 2, "positions and cash in {}", a["mask"]);
        let sum: f64 = mine.iter().map(|h| num(&h["institution_value"])).sum();
        let current = num(&a["balances"]["current"]);
        assert!(
            (sum - current).abs() < 1e-3,
            "{}: holdings {sum} vs balance {current}",
            a["mask"]
        );
        for h in mine {
            let s = securities
                .iter()
                .find(|s| s["security_id"] == h["security_id"])
                .unwrap_or_else(|| panic!("security of {h}"));
            let value = num(&h["quantity"]) * num(&h["institution_price"]);
            assert!((value - num(&h["institution_value"])).abs() < 1e-3, "{h}");
            assert_eq!(h["institution_price"], s["close_price"], "{h} / {s}");
        }
    }
    let cash = securities
        .iter()
        .find(|s| s["ticker_symbol"] == "CUR:USD")
        .expect("cash");
    assert_eq!(
        (&cash["type"], &cash["is_cash_equivalent"]),
        (&json!("cash"), &json!(true))
    );
    let aapl = securities.iter().find(|s| s["ticker_symbol"] == "AAPL");
    if let Some(aapl) = aapl {
        assert_eq!(aapl["isin"], "US0378331005");
        assert_eq!(aapl["cusip"], "037833100");
        assert_eq!(aapl["market_identifier_code"], "XNAS");
    }
}

async fn investments_item(app: &TestApp) -> String {
    app.item(PLATYPUS, &["investments"]).await
}

#[tokio::test]
async fn holdings_are_worth_the_investment_accounts_balances() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    let body = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    check_agrees(&body);
    let masks: Vec<&str> = body["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["mask"].as_str())
        .collect();
    assert_eq!(masks, ["5555", "6666"]);
    // On the day of linking, the Sandbox's figures.
    assert_eq!(by_mask(&body, "5555")["balances"]["current"], 320.76);
    assert_eq!(by_mask(&body, "6666")["balances"]["current"], 23631.9805);
    let types: Vec<&str> = body["securities"]
        .as_array()
        .expect("securities")
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    for kind in [
        "cash",
        "equity",
        "etf",
        "mutual fund",
        "fixed income",
        "cryptocurrency",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }
}

#[tokio::test]
async fn prices_move_on_the_clock_and_the_balance_moves_with_them() {
    let app = fixed_day().await;
    // The Sandbox's 30-day login expiry would break the Item on the last day.
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let token = investments_item(&app).await;
    let before = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    app.advance(json!({"days": 30})).await;
    // Contacting the bank refreshes Plaid's copy: balances and holdings as of today.
    app.with_token("/accounts/balance/get", &token).await.ok();
    let after = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    check_agrees(&after);
    assert_ne!(
        by_mask(&before, "6666")["balances"]["current"],
        by_mask(&after, "6666")["balances"]["current"]
    );
    let quantities = |b: &Value| -> Vec<Value> {
        b["holdings"]
            .as_array()
            .expect("holdings")
            .iter()
            .map(|h| h["quantity"].clone())
            .collect()
    };
    assert_eq!(
        quantities(&before),
        quantities(&after),
        "no trades: same positions"
    );
    // 2027-04-09 is a Friday: every price is that day's close.
    for s in after["securities"].as_array().expect("securities") {
        if s["type"] != "cash" {
            assert_eq!(s["close_price_as_of"], "2027-04-09", "{s}");
        }
    }
}

#[tokio::test]
async fn the_same_seed_holds_the_same_positions() {
    let a = fixed_day().await;
    let b = fixed_day().await;
    let (ta, tb) = (investments_item(&a).await, investments_item(&b).await);
    let ha = a.with_token("/investments/holdings/get", &ta).await.ok();
    let hb = b.with_token("/investments/holdings/get", &tb).await.ok();
    assert_eq!(ha["holdings"], hb["holdings"]);
    assert_eq!(ha["securities"], hb["securities"]);
}

#[tokio::test]
async fn holdings_errors_are_plaids() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&accounts, "0000")["account_id"].clone();
    let e = app
        .post(
            "/investments/holdings/get",
            json!({"access_token": token, "options": {"account_ids": [checking]}}),
        )
        .await
        .error(400, "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS");
    assert!(
        e["error_message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("There are no valid investment account(s) associated with this Item."),
        "{e}"
    );
    app.post(
        "/investments/holdings/get",
        json!({"access_token": token, "options": {"account_ids": ["nope"]}}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_ACCOUNT_ID");
    let e = app
        .post("/investments/holdings/get", json!({}))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    assert!(
        e["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("access_token")
    );
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.with_token("/investments/holdings/get", &token)
        .await
        .error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED");
}

async fn investment_transactions(
    app: &TestApp,
    token: &str,
    extra: Value,
) -> crate::helpers::Reply {
    let mut body = json!({"access_token": token, "start_date": "2025-03-01",
                          "end_date": "2027-03-10"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    app.post("/investments/transactions/get", body).await
}

#[tokio::test]
async fn investment_transactions_explain_the_holdings() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    let holdings = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    let first = investment_transactions(&app, &token, json!({"options": {"count": 500}}))
        .await
        .ok();
    let txns = first["investment_transactions"]
        .as_array()
        .expect("transactions");
    assert_eq!(first["total_investment_transactions"], txns.len());
    assert!(txns.len() > 10, "{}", txns.len());
    // Newest first.
    let dates: Vec<&str> = txns.iter().filter_map(|t| t["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert!(
        dates.iter().all(|d| *d < "2027-03-10"),
        "all before linking"
    );
    // Units bought less units sold are the positions held.
    for h in holdings["holdings"].as_array().expect("holdings") {
        let security = &h["security_id"];
        let cash = holdings["securities"]
            .as_array()
            .expect("securities")
            .iter()
            .any(|s| &s["security_id"] == security && s["type"] == "cash");
        if cash {
            continue;
        }
        let units: f64 = txns
            .iter()
            .filter(|t| &t["security_id"] == security && t["account_id"] == h["account_id"])
            .map(|t| num(&t["quantity"]))
            .sum();
        assert!((units - num(&h["quantity"])).abs() < 1e-3, "{h}: {units}");
        assert!(
            first["securities"]
                .as_array()
                .expect("securities")
                .iter()
                .any(|s| &s["security_id"] == security),
            "the securities of the transactions are listed"
        );
    }
    let kinds: Vec<(&str, &str)> = txns
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap_or(""),
                t["subtype"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for kind in [
        ("buy", "buy"),
        ("cash", "contribution"),
        ("cash", "dividend"),
        ("fee", "management fee"),
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    // Purchases are positive amounts, sales and dividends negative.
    for t in txns {
        match t["type"].as_str() {
            Some("buy") => assert!(num(&t["amount"]) > 0.0 && num(&t["quantity"]) > 0.0, "{t}"),
            Some("sell") => assert!(num(&t["amount"]) < 0.0 && num(&t["quantity"]) < 0.0, "{t}"),
            _ => {}
        }
    }

    // Pages of any size put together are the whole list.
    let mut paged = Vec::new();
    for offset in (0..txns.len()).step_by(7) {
        let page = investment_transactions(
            &app,
            &token,
            json!({"options": {"count": 7, "offset": offset}}),
        )
        .await
        .ok();
        paged.extend(
            page["investment_transactions"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    assert_eq!(&paged, txns);

    // A narrower range holds only its days.
    let recent = investment_transactions(
        &app,
        &token,
        json!({"start_date": "2026-12-01", "end_date": "2027-01-31", "options": {"count": 500}}),
    )
    .await
    .ok();
    let in_range = txns
        .iter()
        .filter(|t| ("2026-12-01".."2027-02-01").contains(&t["date"].as_str().unwrap_or("")))
        .count();
    assert_eq!(recent["total_investment_transactions"], in_range);
}

#[tokio::test]
async fn investment_transactions_refuse_bad_input() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    investment_transactions(
        &app,
        &token,
        json!({"start_date": "2027-03-10", "end_date": "2027-03-01"}),
    )
    .await
    .invalid_field("start_date");
    investment_transactions(&app, &token, json!({"end_date": "March 1"}))
        .await
        .invalid_field("end_date");
    for count in [0, 501] {
        investment_transactions(&app, &token, json!({"options": {"count": count}}))
            .await
            .invalid_field("options.count");
    }
    investment_transactions(&app, &token, json!({"options": {"offset": -1}}))
        .await
        .invalid_field("options.offset");
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&accounts, "0000")["account_id"].clone();
    investment_transactions(
        &app,
        &token,
        json!({"options": {"account_ids": [checking]}}),
    )
    .await
    .error(400, "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS");
    app.post(
        "/investments/transactions/get",
        json!({"access_token": token}),
    )
    .await
    .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
}

/// HOLDINGS webhooks among `bodies`.
fn holdings_hooks(bodies: &[Value]) -> Vec<Value> {
    bodies
        .iter()
        .filter(|b| b["webhook_type"] == "HOLDINGS")
        .cloned()
        .collect()
}

#[tokio::test]
async fn prices_that_move_announce_updated_holdings_once_per_clock_move() {
    let app = fixed_day().await;
    let hook = crate::helpers::Receiver::start().await;
    let (token, item_id) = app
        .item_with_webhook(PLATYPUS, &["investments"], &hook.url)
        .await;
    // Wednesday to Friday: two trading days, 24 background updates, one webhook.
    app.advance(json!({"days": 2})).await;
    app.flush().await;
    let sent = holdings_hooks(&hook.bodies());
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["webhook_code"], "DEFAULT_UPDATE");
    assert_eq!(sent[0]["item_id"], item_id.as_str());
    assert_eq!(sent[0]["new_holdings"], 0);
    let holdings = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    let priced = holdings["holdings"]
        .as_array()
        .expect("holdings")
        .iter()
        .filter(|h| h["institution_price"] != 1.0)
        .count();
    assert_eq!(
        sent[0]["updated_holdings"], priced,
        "every held security but cash moved"
    );

    // Over the weekend only Bitcoin trades: one holding is updated.
    app.advance(json!({"days": 2})).await;
    app.flush().await;
    let sent = holdings_hooks(&hook.bodies());
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["updated_holdings"], 1, "{}", sent[1]);

    // A refresh right after finds nothing new: no webhook.
    app.with_token("/investments/refresh", &token).await.ok();
    app.flush().await;
    assert_eq!(holdings_hooks(&hook.bodies()).len(), 2);
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.with_token("/investments/refresh", &token).await.error(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
    );
}

#[tokio::test]
async fn investments_added_by_a_first_call_are_read_then() {
    let app = fixed_day().await;
    let token = app.item(PLATYPUS, &["auth"]).await;
    let before = app.with_token("/item/get", &token).await.ok();
    assert!(
        before["status"]["investments"]["last_successful_update"].is_null(),
        "{}",
        before["status"]
    );
    app.with_token("/investments/holdings/get", &token)
        .await
        .ok();
    let after = app.with_token("/item/get", &token).await.ok();
    assert!(
        after["status"]["investments"]["last_successful_update"].is_string(),
        "{}",
        after["status"]
    );
    assert!(
        after["item"]["billed_products"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("investments")))
    );
}

#[tokio::test]
async fn async_update_waits_for_the_pull_when_investments_came_after_link() {
    let app = fixed_day().await;
    let hook = crate::helpers::Receiver::start().await;
    let (token, _) = app.item_with_webhook(PLATYPUS, &["auth"], &hook.url).await;
    let asking = json!({"options": {"async_update": true, "count": 500}});
    for _ in 0..2 {
        investment_transactions(&app, &token, asking.clone())
            .await
            .error(400, "ITEM_ERROR", "PRODUCT_NOT_READY");
    }
    app.advance(json!({"seconds": 61})).await;
    app.flush().await;
    let ready: Vec<Value> = hook
        .bodies()
        .into_iter()
        .filter(|b| b["webhook_type"] == "INVESTMENTS_TRANSACTIONS")
        .collect();
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0]["webhook_code"], "HISTORICAL_UPDATE");
    let got = investment_transactions(&app, &token, asking).await.ok();
    assert_eq!(
        ready[0]["new_investments_transactions"],
        got["total_investment_transactions"]
    );
    assert_eq!(ready[0]["cancelled_investments_transactions"], 0);

    // Linked with Investments, or asked without async_update: at once.
    let linked = investments_item(&app).await;
    investment_transactions(&app, &linked, json!({"options": {"async_update": true}}))
        .await
        .ok();
    let other = app.item(PLATYPUS, &["auth"]).await;
    investment_transactions(&app, &other, json!({})).await.ok();
}

#[tokio::test]
async fn an_outage_fails_the_refresh_but_not_reads_of_the_copy() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    let before = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    app.trigger(json!({"institution_id": PLATYPUS, "action": "outage",
                       "code": "INSTITUTION_NOT_RESPONDING"}))
        .await
        .ok();
    app.with_token("/investments/refresh", &token).await.error(
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_NOT_RESPONDING",
    );
    // Plaid's copy still reads, unchanged.
    let after = app
        .with_token("/investments/holdings/get", &token)
        .await
        .ok();
    assert_eq!(before["holdings"], after["holdings"]);
    investment_transactions(&app, &token, json!({})).await.ok();
}

#[tokio::test]
async fn investments_auth_gives_the_transfer_numbers_owners_and_holdings() {
    let app = fixed_day().await;
    let token = investments_item(&app).await;
    let body = app.with_token("/investments/auth/get", &token).await.ok();
    check_agrees(&body);
    let acats = body["numbers"]["acats"].as_array().expect("acats");
    assert_eq!(acats.len(), 2);
    assert!(
        acats.iter().all(|n| n["dtc_numbers"] == json!(["0226"])),
        "{acats:?}"
    );
    let k401 = by_mask(&body, "6666")["account_id"].clone();
    assert_eq!(body["numbers"]["retirement_401k"][0]["account_id"], k401);
    assert_eq!(
        body["owners"][0]["names"],
        json!(["Alberta Bobbeth Charleson"])
    );
    assert_eq!(body["data_sources"]["numbers"], "INSTITUTION");

    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&accounts, "0000")["account_id"].clone();
    app.post(
        "/investments/auth/get",
        json!({"access_token": token, "options": {"account_ids": [checking]}}),
    )
    .await
    .error(400, "ITEM_ERROR", "NO_INVESTMENT_AUTH_ACCOUNTS");
    let other = app.item("ins_109512", &["auth"]).await;
    app.with_token("/investments/auth/get", &other).await.error(
        400,
        "ITEM_ERROR",
        "PRODUCTS_NOT_SUPPORTED",
    );
}
