//! Liabilities (issue 11): `/liabilities/get`, consistent with the accounts' transactions.

use serde_json::{Value, json};

use crate::helpers::{TestApp, by_mask, fixed_day};

const PLATYPUS: &str = "ins_109508";
const HOUNDSTOOTH: &str = "ins_109512";

fn liability<'a>(body: &'a Value, kind: &str, account_id: &Value) -> &'a Value {
    body["liabilities"][kind]
        .as_array()
        .and_then(|l| l.iter().find(|x| &x["account_id"] == account_id))
        .unwrap_or_else(|| panic!("{kind} liability of {account_id} in {body}"))
}

/// The transactions of `account_id` named `name` between two dates, from `/transactions/get`.
async fn named(
    app: &TestApp,
    token: &str,
    account_id: &Value,
    name: &str,
    from: &str,
    to: &str,
) -> Vec<Value> {
    let got = app
        .post(
            "/transactions/get",
            json!({"access_token": token, "start_date": from, "end_date": to,
                   "options": {"account_ids": [account_id], "count": 500}}),
        )
        .await
        .ok();
    got["transactions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t["name"] == name)
        .collect()
}

#[tokio::test]
async fn liabilities_agree_with_the_transactions() {
    let app = fixed_day().await;
    let token = app.item(PLATYPUS, &["liabilities", "transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let body = app.with_token("/liabilities/get", &token).await.ok();
    let id = |mask: &str| by_mask(&body, mask)["account_id"].clone();
    assert_eq!(
        body["liabilities"]["credit"].as_array().map(Vec::len),
        Some(2)
    );

    // The card's last statement closed on February 28th and was paid on the 25th before.
    let card = liability(&body, "credit", &id("3333"));
    assert_eq!(card["last_statement_issue_date"], "2027-02-28");
    assert_eq!(card["last_payment_date"], "2027-02-25");
    assert_eq!(card["next_payment_due_date"], "2027-03-25");
    assert_eq!(card["is_overdue"], false);
    assert_eq!(card["aprs"][0]["apr_type"], "purchase_apr");
    assert_eq!(card["aprs"][0]["apr_percentage"], 12.5);
    let payments = named(
        &app,
        &token,
        &id("3333"),
        "PAYMENT - THANK YOU",
        "2027-02-25",
        "2027-02-25",
    )
    .await;
    let paid: f64 = payments
        .iter()
        .map(|t| -t["amount"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(
        card["last_payment_amount"].as_f64(),
        Some(paid),
        "{payments:?}"
    );
    let minimum = card["minimum_payment_amount"].as_f64().unwrap_or(-1.0);
    let statement = card["last_statement_balance"].as_f64().unwrap_or(-1.0);
    assert!(minimum <= statement && minimum >= 0.0, "{card}");

    // The loans: paid on their days; this year's interest is what was charged.
    let student = liability(&body, "student", &id("7777"));
    assert_eq!(student["last_payment_date"], "2027-03-05");
    assert_eq!(student["next_payment_due_date"], "2027-04-05");
    assert_eq!(student["last_payment_amount"], 345.0);
    assert_eq!(student["repayment_plan"]["type"], "standard");
    let mortgage = liability(&body, "mortgage", &id("8888"));
    assert_eq!(mortgage["last_payment_date"], "2027-03-01");
    assert_eq!(mortgage["next_payment_due_date"], "2027-04-01");
    assert_eq!(
        mortgage["interest_rate"],
        json!({"percentage": 3.5, "type": "fixed"})
    );
    assert_eq!(student["interest_rate_percentage"], 5.0);
    assert_eq!(mortgage["property_address"]["city"], "Malakoff");
    for (loan, mask) in [(student, "7777"), (mortgage, "8888")] {
        let charged = named(
            &app,
            &token,
            &id(mask),
            "INTEREST CHARGED",
            "2027-01-01",
            "2027-03-10",
        )
        .await;
        assert_eq!(charged.len(), 2, "January and February 28th: {charged:?}");
        let sum: f64 = charged
            .iter()
            .map(|t| t["amount"].as_f64().unwrap_or(0.0))
            .sum();
        let ytd = loan["ytd_interest_paid"].as_f64().unwrap_or(-1.0);
        assert!(
            (sum - ytd).abs() < 0.005,
            "{mask}: charged {sum}, ytd {ytd}"
        );
    }
}

#[tokio::test]
async fn liabilities_move_on_with_the_clock() {
    let app = fixed_day().await;
    app.post("/tartan/settings", json!({"item_login_expiry_days": 0}))
        .await
        .ok();
    let token = app.item(PLATYPUS, &["liabilities"]).await;
    app.advance(json!({"days": 30})).await;
    app.with_token("/accounts/balance/get", &token).await.ok();
    let body = app.with_token("/liabilities/get", &token).await.ok();
    let card = liability(&body, "credit", &by_mask(&body, "3333")["account_id"]);
    assert_eq!(card["last_payment_date"], "2027-03-25");
    assert_eq!(card["next_payment_due_date"], "2027-04-25");
    assert_eq!(card["last_statement_issue_date"], "2027-03-31");
    let mortgage = liability(&body, "mortgage", &by_mask(&body, "8888")["account_id"]);
    assert_eq!(mortgage["last_payment_date"], "2027-04-01");
}

#[tokio::test]
async fn liabilities_errors_are_plaids() {
    let app = fixed_day().await;
    let token = app.item(PLATYPUS, &["liabilities"]).await;
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    let checking = by_mask(&accounts, "0000")["account_id"].clone();
    let e = app
        .post(
            "/liabilities/get",
            json!({"access_token": token, "options": {"account_ids": [checking]}}),
        )
        .await
        .error(400, "ITEM_ERROR", "NO_LIABILITY_ACCOUNTS");
    assert!(
        e["error_message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("There are no valid liability account(s) associated with this Item."),
        "{e}"
    );
    // Houndstooth Bank has no Liabilities.
    let other = app.item(HOUNDSTOOTH, &["auth"]).await;
    app.with_token("/liabilities/get", &other).await.error(
        400,
        "ITEM_ERROR",
        "PRODUCTS_NOT_SUPPORTED",
    );
    app.with_token("/sandbox/item/reset_login", &token)
        .await
        .ok();
    app.with_token("/liabilities/get", &token).await.error(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
    );
}
