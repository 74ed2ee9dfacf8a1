//! `user_custom` (issue 10): accounts, balances, numbers, identity, transactions, MFA and
//! login errors from a JSON configuration given as the password, through the Sandbox shortcut
//! and through Link.

use serde_json::{Value, json};

use tartan::world::KeyPolicy;

use crate::helpers::{TestApp, by_mask, fixed_day, spawn_with};
use crate::transactions::sync_all;

const PLATYPUS: &str = "ins_109508";

/// Two accounts of everything the configuration can say, on 2027-03-10 (`fixed_day`).
fn config() -> Value {
    json!({
        "seed": "tartan",
        "override_accounts": [
            {
                "type": "depository",
                "subtype": "checking",
                "starting_balance": 1500.25,
                "meta": {"name": "Everyday", "official_name": "Everyday Checking", "mask": "4321"},
                "numbers": {"account": "9900112233", "ach_routing": "322271627",
                            "ach_wire_routing": "322271628"},
                "identity": {
                    "names": ["Ada Lovelace"],
                    "emails": [{"data": "ada@example.com", "primary": true, "type": "primary"}],
                    "phone_numbers": [{"data": "5551234567", "primary": true, "type": "mobile"}],
                    "addresses": [{"primary": true, "data": {"street": "12 Analytical Way",
                        "city": "London", "region": null, "postal_code": "N1", "country": "GB"}}]
                },
                "transactions": [
                    {"date_transacted": "2027-03-01", "date_posted": "2027-03-02",
                     "amount": 42.5, "description": "Corner Bakery"},
                    {"date_transacted": "2027-03-05", "date_posted": "2027-03-05",
                     "amount": -2000, "description": "Payroll ACME Corp"},
                    {"date_transacted": "2027-03-09", "date_posted": "2027-03-12",
                     "amount": 19.99, "description": "Streaming Service", "currency": "USD"}
                ]
            },
            {
                "type": "credit",
                "subtype": "credit card",
                "starting_balance": 250,
                "currency": "EUR",
                "meta": {"limit": 1000},
                "transactions": [
                    {"date_transacted": "2027-03-08", "date_posted": "2027-03-08",
                     "amount": 30, "description": "Book Shop"}
                ]
            },
            {
                "type": "depository",
                "subtype": "savings",
                "force_available_balance": 5,
                "starting_balance": 800,
                "meta": {"mask": "77"}
            }
        ]
    })
}

async fn custom_item(app: &TestApp, config: &Value, products: &[&str]) -> (String, String) {
    let public = app
        .post(
            "/sandbox/public_token/create",
            json!({"institution_id": PLATYPUS, "initial_products": products,
                   "options": {"override_username": "user_custom",
                               "override_password": config.to_string()}}),
        )
        .await
        .ok();
    let exchanged = app
        .exchange(public["public_token"].as_str().unwrap_or_default())
        .await;
    let s = |k: &str| exchanged[k].as_str().unwrap_or_default().to_owned();
    (s("access_token"), s("item_id"))
}

#[tokio::test]
async fn a_custom_users_accounts_numbers_and_identity_are_its_configuration() {
    let app = fixed_day().await;
    let (token, _) = custom_item(&app, &config(), &["auth", "identity"]).await;
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(3));
    let checking = by_mask(&accounts, "4321");
    assert_eq!(checking["name"], "Everyday");
    assert_eq!(checking["official_name"], "Everyday Checking");
    assert_eq!(
        (&checking["type"], &checking["subtype"]),
        (&json!("depository"), &json!("checking"))
    );
    assert_eq!(checking["balances"]["current"], 1500.25);
    // The streaming charge is still pending on the day of linking.
    assert_eq!(checking["balances"]["available"], 1480.26);
    let card = by_mask(&accounts, "1111");
    assert_eq!(
        card["name"], "Plaid Credit Card",
        "a default name from the subtype"
    );
    assert_eq!(card["balances"]["iso_currency_code"], "EUR");
    assert_eq!(card["balances"]["limit"], 1000.0);
    assert_eq!(card["balances"]["available"], 750.0);
    let savings = by_mask(&accounts, "77");
    assert_eq!(savings["balances"]["available"], 5.0, "forced");
    assert_eq!(savings["balances"]["current"], 800.0);

    let auth = app.with_token("/auth/get", &token).await.ok();
    let ach = auth["numbers"]["ach"].as_array().expect("ach");
    let mine = ach
        .iter()
        .find(|n| n["account_id"] == checking["account_id"])
        .expect("checking numbers");
    assert_eq!(mine["account"], "9900112233");
    assert_eq!(mine["routing"], "322271627");
    assert_eq!(mine["wire_routing"], "322271628");
    assert_eq!(
        ach.len(),
        2,
        "checking and savings have numbers, the card none"
    );

    let identity = app.with_token("/identity/get", &token).await.ok();
    let owners = |mask: &str| by_mask(&identity, mask)["owners"][0].clone();
    assert_eq!(owners("4321")["names"], json!(["Ada Lovelace"]));
    assert_eq!(owners("4321")["emails"][0]["data"], "ada@example.com");
    assert_eq!(owners("4321")["addresses"][0]["data"]["city"], "London");
    assert_eq!(
        owners("77")["names"],
        json!(["Alberta Bobbeth Charleson"]),
        "an account without identity has the Sandbox's holder"
    );
}

#[tokio::test]
async fn configured_transactions_are_posted_or_pending_and_post_on_the_clock() {
    let app = fixed_day().await;
    let (token, _) = custom_item(&app, &config(), &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (added, _, _, cursor) = sync_all(&app, &token, None, 100).await;
    let by_name = |txns: &[Value], name: &str| -> Value {
        txns.iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {txns:?}"))
    };
    assert_eq!(added.len(), 4, "{added:?}");
    let bakery = by_name(&added, "Corner Bakery");
    assert_eq!(
        (bakery["date"].as_str(), bakery["authorized_date"].as_str()),
        (Some("2027-03-02"), Some("2027-03-01"))
    );
    assert_eq!(bakery["amount"], 42.5);
    assert_eq!(bakery["pending"], false);
    assert_eq!(by_name(&added, "Payroll ACME Corp")["amount"], -2000.0);
    let streaming = by_name(&added, "Streaming Service");
    assert_eq!(streaming["pending"], true);
    assert_eq!(by_name(&added, "Book Shop")["iso_currency_code"], "EUR");

    // Two days on, the streaming charge posts: its pending version goes, the posted comes.
    app.advance(json!({"days": 2, "hours": 1})).await;
    app.with_token("/transactions/refresh", &token).await.ok();
    app.advance(json!({"seconds": 30})).await;
    let (added, _, removed, _) = sync_all(&app, &token, Some(cursor), 100).await;
    let posted = by_name(&added, "Streaming Service");
    assert_eq!(posted["pending"], false);
    assert_eq!(
        posted["pending_transaction_id"],
        streaming["transaction_id"]
    );
    assert_eq!(
        removed,
        vec![streaming["transaction_id"].as_str().unwrap_or("?")]
    );
    let balances = app.with_token("/accounts/balance/get", &token).await.ok();
    assert_eq!(by_mask(&balances, "4321")["balances"]["current"], 1480.26);
    assert_eq!(by_mask(&balances, "4321")["balances"]["available"], 1480.26);
}

#[tokio::test]
async fn bad_configurations_answer_invalid_credentials_naming_what_is_wrong() {
    let app = fixed_day().await;
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"type": "depository", "subtype": "checking"}))
        .collect();
    for (config, says) in [
        (json!("pass_good"), "not a JSON object"),
        (json!({"override_acounts": []}), "override_acounts"),
        (
            json!({"override_accounts": [{"type": "depository", "subtype": "checking",
                                           "meta": {"mask": "123456"}}]}),
            "override_accounts[0].meta.mask",
        ),
        (
            json!({"override_accounts": [{"type": "depository", "subtype": "checking",
                "force_available_balance": 1, "has_null_available_balance": true}]}),
            "exclude each other",
        ),
        (json!({"override_accounts": eleven}), "at most 10"),
        (json!({"force_error": "NOT_A_CODE"}), "force_error"),
    ] {
        let password = match &config {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let e = app
            .post(
                "/sandbox/public_token/create",
                json!({"institution_id": PLATYPUS, "initial_products": ["transactions"],
                       "options": {"override_username": "user_custom",
                                   "override_password": password}}),
            )
            .await
            .error(400, "ITEM_ERROR", "INVALID_CREDENTIALS");
        let message = e["error_message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{config}: {message}");
    }
    // An empty configuration is the standard user.
    let (token, _) = custom_item(&app, &json!({}), &["auth"]).await;
    let accounts = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(12));
}

#[tokio::test]
async fn force_error_fails_the_login_with_that_error() {
    let app = fixed_day().await;
    for (forced, status, kind, code) in [
        ("ITEM_LOCKED", 400, "ITEM_ERROR", "ITEM_LOCKED"),
        (
            "INSTITUTION_NOT_RESPONDING",
            400,
            "INSTITUTION_ERROR",
            "INSTITUTION_NOT_RESPONDING",
        ),
        ("PLAID_ERROR", 500, "API_ERROR", "INTERNAL_SERVER_ERROR"),
    ] {
        app.post(
            "/sandbox/public_token/create",
            json!({"institution_id": PLATYPUS, "initial_products": ["auth"],
                   "options": {"override_username": "user_custom",
                               "override_password": json!({"force_error": forced}).to_string()}}),
        )
        .await
        .error(status, kind, code);
    }
}

/// Drives a Link session for `user_custom` with `config`; returns the session after the
/// credentials.
async fn link_login(app: &TestApp, config: &Value) -> (String, String, Value) {
    let token = app
        .post(
            "/link/token/create",
            json!({"client_name": "Tartan Test App", "language": "en", "country_codes": ["US"],
                   "user": {"client_user_id": "user-1"}, "products": ["transactions"]}),
        )
        .await
        .ok()["link_token"]
        .as_str()
        .expect("link_token")
        .to_owned();
    let s = app
        .post("/tartan/link/sessions", json!({"link_token": token}))
        .await
        .ok();
    let id = s["link_session_id"].as_str().expect("id").to_owned();
    let step = |name: &str, body: Value| {
        let mut body = body;
        body["link_token"] = json!(token);
        let path = format!("/tartan/link/sessions/{id}/{name}");
        async move { app.post(&path, body).await.ok() }
    };
    step("consent", json!({})).await;
    step("institution", json!({"institution_id": PLATYPUS})).await;
    let at = step(
        "credentials",
        json!({"username": "user_custom", "password": config.to_string()}),
    )
    .await;
    (token, id, at)
}

#[tokio::test]
async fn link_asks_the_configured_mfa_and_offers_the_configured_accounts() {
    let app = fixed_day().await;
    let mut config = config();
    config["mfa"] = json!({"type": "questions", "question_rounds": 2, "questions_per_round": 1});
    let (token, id, at) = link_login(&app, &config).await;
    assert_eq!(at["view"], "MFA", "{at}");
    let path = format!("/tartan/link/sessions/{id}/mfa");
    for round in 0..2 {
        let answer = format!("answer_{round}_0");
        let after = app
            .post(&path, json!({"link_token": token, "answers": [answer]}))
            .await
            .ok();
        if round == 0 {
            assert_eq!(after["view"], "MFA");
        } else {
            assert_eq!(after["view"], "SELECT_ACCOUNT", "{after}");
            let names: Vec<&str> = after["accounts"]
                .as_array()
                .expect("accounts")
                .iter()
                .filter_map(|a| a["name"].as_str())
                .collect();
            assert_eq!(names, ["Everyday", "Plaid Credit Card", "Plaid Savings"]);
            let ids: Vec<Value> = after["accounts"]
                .as_array()
                .expect("accounts")
                .iter()
                .take(2)
                .map(|a| a["id"].clone())
                .collect();
            let done = app
                .post(
                    &format!("/tartan/link/sessions/{id}/accounts"),
                    json!({"link_token": token, "account_ids": ids}),
                )
                .await
                .ok();
            let public = &done["result"]["on_success"]["public_token"];
            let access = app.exchange(public.as_str().expect("public token")).await;
            let accounts = app
                .with_token(
                    "/accounts/get",
                    access["access_token"].as_str().unwrap_or(""),
                )
                .await
                .ok();
            assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(2));
            assert_eq!(by_mask(&accounts, "4321")["name"], "Everyday");
        }
    }

    // A configuration that does not parse fails the login in Link as in the shortcut.
    let (_, _, at) = link_login(&app, &json!({"override_accounts": 7})).await;
    assert_eq!(at["error"]["error_code"], "INVALID_CREDENTIALS", "{at}");
    assert!(
        at["error"]["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("override_accounts"),
        "{at}"
    );
}

#[tokio::test]
async fn a_custom_item_keeps_its_configuration_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    let (token, _) = custom_item(&app, &config(), &["auth"]).await;
    let before = app.with_token("/accounts/get", &token).await.ok();
    app.stop().await;
    let server = spawn_with(Some(dir.path()), KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    let after = app.with_token("/accounts/get", &token).await.ok();
    assert_eq!(before["accounts"], after["accounts"]);
    assert_eq!(by_mask(&after, "4321")["name"], "Everyday");
}

#[tokio::test]
async fn roll_dates_forward_moves_the_history_to_the_day_of_linking() {
    let app = fixed_day().await;
    let config = json!({
        "roll_dates_forward": true,
        // Counts as Plaid's SDKs send them (JSON numbers with a fraction part of zero).
        "mfa": {"type": "questions", "question_rounds": 2.0, "questions_per_round": 1.0},
        "override_accounts": [{
            "type": "depository", "subtype": "checking", "starting_balance": 100,
            "transactions": [
                {"date_transacted": "2020-01-01", "date_posted": "2020-01-01",
                 "amount": 5, "description": "Older"},
                {"date_transacted": "2020-01-11", "date_posted": "2020-01-13",
                 "amount": 7, "description": "Newest"}
            ]
        }]
    });
    let (token, _) = custom_item(&app, &config, &["transactions"]).await;
    app.advance(json!({"seconds": 61})).await;
    let (added, _, _, _) = sync_all(&app, &token, None, 100).await;
    let dated: Vec<(&str, &str, bool)> = added
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or(""),
                t["authorized_date"].as_str().unwrap_or(""),
                t["pending"] == true,
            )
        })
        .collect();
    assert_eq!(
        dated,
        [
            ("Older", "2027-02-28", false),
            ("Newest", "2027-03-10", true)
        ],
        "the newest falls on the day of linking, ten days after the older; still pending"
    );
}
