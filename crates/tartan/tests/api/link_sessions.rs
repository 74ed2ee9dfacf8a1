//! Headless Link: `/tartan/link/sessions` drives the same flows as the Link UI.

use serde_json::{Value, json};

use crate::helpers::{Receiver, TestApp, spawn_app};

const PLATYPUS: &str = "ins_109508";
const OAUTH_BANK: &str = "ins_127287";

async fn link_token(app: &TestApp, extra: Value) -> String {
    let mut body = json!({
        "client_name": "Tartan Test App",
        "language": "en",
        "country_codes": ["US"],
        "user": {"client_user_id": "user-1"},
        "products": ["transactions"],
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            body.as_object_mut().map(|m| m.remove(&k));
        } else {
            body[k] = v;
        }
    }
    app.post("/link/token/create", body).await.ok()["link_token"]
        .as_str()
        .expect("link_token")
        .to_owned()
}

async fn update_token(app: &TestApp, access_token: &str, extra: Value) -> String {
    let mut e = json!({"products": null, "access_token": access_token});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        e[k] = v;
    }
    link_token(app, e).await
}

/// A session being driven: the link token and the session's id.
struct Session<'a> {
    app: &'a TestApp,
    token: String,
    id: String,
}

impl<'a> Session<'a> {
    async fn start(app: &'a TestApp, token: &str) -> (Session<'a>, Value) {
        let s = app
            .post("/tartan/link/sessions", json!({"link_token": token}))
            .await
            .ok();
        let id = s["link_session_id"].as_str().expect("id").to_owned();
        (
            Session {
                app,
                token: token.to_owned(),
                id,
            },
            s,
        )
    }

    async fn step(&self, step: &str, mut body: Value) -> crate::helpers::Reply {
        body["link_token"] = json!(self.token);
        self.app
            .post(&format!("/tartan/link/sessions/{}/{step}", self.id), body)
            .await
    }

    async fn ok(&self, step: &str, body: Value) -> Value {
        self.step(step, body).await.ok()
    }

    /// Consent, institution, user_good: lands on account selection.
    async fn login(&self, institution_id: &str, password: &str) -> Value {
        self.ok("consent", json!({})).await;
        self.ok("institution", json!({"institution_id": institution_id}))
            .await;
        self.ok(
            "credentials",
            json!({"username": "user_good", "password": password}),
        )
        .await
    }

    async fn select_all(&self, session: &Value) -> Value {
        let ids: Vec<Value> = session["accounts"]
            .as_array()
            .expect("accounts offered")
            .iter()
            .filter(|a| a["selected"] == true)
            .map(|a| a["id"].clone())
            .collect();
        self.ok("accounts", json!({"account_ids": ids})).await
    }
}

fn event_names(session: &Value) -> Vec<String> {
    session["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["event_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn views(session: &Value) -> Vec<String> {
    session["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event_name"] == "TRANSITION_VIEW")
        .map(|e| {
            e["metadata"]["view_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn exchange(app: &TestApp, public_token: &Value) -> Value {
    app.post(
        "/item/public_token/exchange",
        json!({"public_token": public_token}),
    )
    .await
    .ok()
}

#[tokio::test]
async fn a_new_item_through_headless_link() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, opened) = Session::start(&app, &token).await;
    assert_eq!(opened["view"], "CONSENT");
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["client_name"], "Tartan Test App");
    assert_eq!(event_names(&opened), ["OPEN"]);
    let meta = &opened["events"][0]["metadata"];
    assert_eq!(meta["view_name"], "CONSENT");
    assert_eq!(meta["is_update_mode"], "no");
    assert_eq!(meta["link_session_id"], json!(s.id));
    assert!(meta.get("error_code").is_some_and(Value::is_null));

    assert_eq!(
        s.ok("consent", json!({})).await["view"],
        "SELECT_INSTITUTION"
    );
    let found = s.ok("search", json!({"query": "platypus"})).await;
    let names: Vec<&str> = found["institutions"]
        .as_array()
        .expect("institutions")
        .iter()
        .filter_map(|i| i["institution_id"].as_str())
        .collect();
    assert!(names.contains(&PLATYPUS), "{found}");
    s.ok("institution", json!({"institution_id": PLATYPUS}))
        .await;
    let chosen = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(chosen["view"], "SELECT_ACCOUNT");
    assert_eq!(chosen["institution"]["name"], "First Platypus Bank");
    assert_eq!(chosen["accounts"].as_array().map(Vec::len), Some(12));

    let done = s.select_all(&chosen).await;
    assert_eq!(done["view"], "CONNECTED");
    assert_eq!(done["status"], "succeeded");
    let success = &done["result"]["on_success"];
    let public = &success["public_token"];
    assert!(
        public
            .as_str()
            .is_some_and(|t| t.starts_with("public-sandbox-"))
    );
    assert_eq!(
        success["metadata"]["institution"]["institution_id"],
        PLATYPUS
    );
    assert_eq!(success["metadata"]["link_session_id"], json!(s.id));
    let first = &success["metadata"]["accounts"][0];
    for key in [
        "id",
        "name",
        "mask",
        "type",
        "subtype",
        "verification_status",
    ] {
        assert!(first.get(key).is_some(), "account lacks {key}: {first}");
    }
    assert_eq!(
        views(&done),
        [
            "SELECT_INSTITUTION",
            "CREDENTIAL",
            "LOADING",
            "SELECT_ACCOUNT",
            "CONNECTED"
        ]
    );
    let names = event_names(&done);
    for name in [
        "OPEN",
        "SEARCH_INSTITUTION",
        "SELECT_INSTITUTION",
        "SUBMIT_CREDENTIALS",
        "HANDOFF",
    ] {
        assert!(
            names.contains(&name.to_owned()),
            "{name} missing: {names:?}"
        );
    }

    // Only Plaid's event names, each with every key of Plaid's event metadata.
    const PLAID_EVENTS: &[&str] = &[
        "OPEN",
        "EXIT",
        "HANDOFF",
        "SELECT_INSTITUTION",
        "ERROR",
        "CLOSE_OAUTH",
        "FAIL_OAUTH",
        "OPEN_OAUTH",
        "SEARCH_INSTITUTION",
        "SELECT_DEGRADED_INSTITUTION",
        "SELECT_DOWN_INSTITUTION",
        "SUBMIT_CREDENTIALS",
        "SUBMIT_MFA",
        "TRANSITION_VIEW",
    ];
    for e in done["events"].as_array().expect("events") {
        let name = e["event_name"].as_str().unwrap_or_default();
        assert!(PLAID_EVENTS.contains(&name), "not a Plaid event: {e}");
        for key in [
            "account_number_mask",
            "error_type",
            "error_code",
            "error_message",
            "exit_status",
            "institution_id",
            "institution_name",
            "institution_search_query",
            "is_update_mode",
            "match_reason",
            "mfa_type",
            "routing_number",
            "view_name",
            "request_id",
            "link_session_id",
            "timestamp",
            "selection",
        ] {
            assert!(e["metadata"].get(key).is_some(), "{name} lacks {key}: {e}");
        }
    }

    // The public token is a real one: it exchanges, and the Item has the shared accounts.
    let exchanged = exchange(&app, public).await;
    let access = exchanged["access_token"].as_str().expect("access_token");
    let accounts = app.with_token("/accounts/get", access).await.ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(12));
    assert_eq!(accounts["accounts"][0]["account_id"], first["id"]);

    // /link/token/get reports the session and its result.
    let got = app
        .post("/link/token/get", json!({"link_token": token}))
        .await
        .ok();
    let session = &got["link_sessions"][0];
    assert_eq!(session["link_session_id"], json!(s.id));
    assert!(session["finished_at"].is_string());
    assert_eq!(session["on_success"]["public_token"], *public);
    assert_eq!(
        session["results"]["item_add_results"][0]["public_token"],
        *public
    );
    assert!(session["events"][0]["event_id"].is_string());
    assert_eq!(session["events"][0]["event_name"], "OPEN");

    // A link token is single use: a second session is refused.
    app.post("/tartan/link/sessions", json!({"link_token": token}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}

#[tokio::test]
async fn deselected_accounts_are_not_shared() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    let first = chosen["accounts"][0]["id"].clone();
    let done = s.ok("accounts", json!({"account_ids": [first]})).await;
    let public = &done["result"]["on_success"]["public_token"];
    assert_eq!(
        done["result"]["on_success"]["metadata"]["accounts"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let access = exchange(&app, public).await["access_token"].clone();
    let accounts = app
        .with_token("/accounts/get", access.as_str().unwrap_or_default())
        .await
        .ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(accounts["accounts"][0]["account_id"], first);
}

#[tokio::test]
async fn link_customizations_choose_one_account_or_several() {
    let app = spawn_app().await;
    // Customizations as Plaid's Dashboard holds them; bad ones are refused by field.
    app.post(
        "/tartan/link/customizations",
        json!({"name": "single", "account_select": "two"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/tartan/link/customizations",
        json!({"name": " ", "account_select": "one"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    for (name, mode) in [("single", "one"), ("several", "multiple")] {
        app.post(
            "/tartan/link/customizations",
            json!({"name": name, "account_select": mode}),
        )
        .await
        .ok();
    }
    let listed = app.get("/tartan/link/customizations").await.ok();
    assert_eq!(
        listed["link_customizations"],
        json!([{"name": "several", "account_select": "multiple"},
               {"name": "single", "account_select": "one"}])
    );

    // One account: nothing preselected, two refused, one accepted and the only one shared.
    let token = link_token(&app, json!({"link_customization_name": "single"})).await;
    let (s, _) = Session::start(&app, &token).await;
    let pane = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(pane["account_select"], "one");
    let offered = pane["accounts"].as_array().expect("accounts").clone();
    assert!(offered.len() > 1, "{offered:?}");
    assert!(
        offered.iter().all(|a| a["selected"] == false),
        "{offered:?}"
    );
    let two = json!([offered[0]["id"], offered[1]["id"]]);
    let refused = s.step("accounts", json!({"account_ids": two})).await.error(
        400,
        "INVALID_REQUEST",
        "INVALID_FIELD",
    );
    assert!(
        refused["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("account_ids") && m.contains("exactly one")),
        "{refused}"
    );
    let done = s
        .ok("accounts", json!({"account_ids": [offered[1]["id"]]}))
        .await;
    let access = exchange(&app, &done["result"]["on_success"]["public_token"]).await;
    let accounts = app
        .with_token(
            "/accounts/get",
            access["access_token"].as_str().unwrap_or_default(),
        )
        .await
        .ok();
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(accounts["accounts"][0]["account_id"], offered[1]["id"]);

    // Several: nothing preselected, any number from one up.
    let token = link_token(&app, json!({"link_customization_name": "several"})).await;
    let (s, _) = Session::start(&app, &token).await;
    let pane = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(pane["account_select"], "multiple");
    let offered = pane["accounts"].as_array().expect("accounts").clone();
    assert!(
        offered.iter().all(|a| a["selected"] == false),
        "{offered:?}"
    );
    let done = s
        .ok(
            "accounts",
            json!({"account_ids": [offered[0]["id"], offered[1]["id"]]}),
        )
        .await;
    assert_eq!(
        done["result"]["on_success"]["metadata"]["accounts"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // A name with no customization behind it, or none at all: every account preselected.
    for extra in [json!({"link_customization_name": "elsewhere"}), json!({})] {
        let token = link_token(&app, extra).await;
        let (s, _) = Session::start(&app, &token).await;
        let pane = s.login(PLATYPUS, "pass_good").await;
        assert_eq!(pane["account_select"], "all");
        let offered = pane["accounts"].as_array().expect("accounts");
        assert!(offered.iter().all(|a| a["selected"] == true), "{offered:?}");
    }
}

#[tokio::test]
async fn account_filters_and_auth_limit_the_accounts_offered() {
    let app = spawn_app().await;
    let filters = json!({"depository": {"account_subtypes": ["checking"]}});
    let token = link_token(&app, json!({"account_filters": filters})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    let offered = chosen["accounts"].as_array().expect("accounts");
    assert!(!offered.is_empty());
    assert!(
        offered.iter().all(|a| a["subtype"] == "checking"),
        "{offered:?}"
    );

    let token = link_token(&app, json!({"products": ["auth"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    let offered = chosen["accounts"].as_array().expect("accounts");
    assert!(
        offered.iter().all(|a| a["type"] == "depository"),
        "{offered:?}"
    );

    // A filter nothing passes ends in NO_ACCOUNTS.
    let none = json!({"loan": {"account_subtypes": ["auto"]}});
    let token = link_token(&app, json!({"account_filters": none})).await;
    let (s, _) = Session::start(&app, &token).await;
    let ended = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(ended["view"], "ERROR");
    assert_eq!(ended["error"]["error_code"], "NO_ACCOUNTS");
}

/// Plaid's Auth filter: with `auth` in products, Link offers only depository accounts with
/// routable numbers: checking, savings and cash management (not CDs, money market or HSAs).
#[tokio::test]
async fn auth_offers_only_checking_savings_and_cash_management() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({"products": ["auth"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    let offered: Vec<(String, String)> = chosen["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["subtype"].as_str().unwrap_or_default().to_owned(),
                a["mask"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("checking", "0000"),
        ("savings", "1111"),
        ("cash management", "9002"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(offered, expected);

    // With Auth among other products the filter still applies; without Auth it does not.
    let token = link_token(&app, json!({"products": ["auth", "transactions"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(chosen["accounts"].as_array().map(Vec::len), Some(3));
    let token = link_token(&app, json!({"products": ["transactions"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(chosen["accounts"].as_array().map(Vec::len), Some(12));

    // The Item made shares them, and /auth/get numbers all three.
    let done = s.select_all(&chosen).await;
    assert_eq!(done["status"], "succeeded");
    let token = link_token(&app, json!({"products": ["auth"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    let done = s.select_all(&chosen).await;
    let access = exchange(&app, &done["result"]["on_success"]["public_token"]).await;
    let auth = app
        .with_token(
            "/auth/get",
            access["access_token"].as_str().unwrap_or_default(),
        )
        .await
        .ok();
    let mut masks: Vec<&str> = auth["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["mask"].as_str())
        .collect();
    masks.sort_unstable();
    assert_eq!(masks, ["0000", "1111", "9002"]);
    assert_eq!(auth["numbers"]["ach"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn every_sandbox_mfa_flow() {
    let app = spawn_app().await;
    let cases: &[(&str, &[&[&str]])] = &[
        ("mfa_device", &[&["1234"]]),
        ("mfa_selections", &[&["Yes"]]),
        (
            "mfa_questions_2_2",
            &[&["answer_0_0", "answer_0_1"], &["answer_1_0", "answer_1_1"]],
        ),
        ("mfa_selections_1_2_3", &[&["answer_1_1_0", "answer_1_2_0"]]),
    ];
    for (password, rounds) in cases {
        let token = link_token(&app, json!({})).await;
        let (s, _) = Session::start(&app, &token).await;
        let mut at = s.login(PLATYPUS, password).await;
        for (n, answers) in rounds.iter().enumerate() {
            assert_eq!(at["view"], "MFA", "{password}: {at}");
            assert_eq!(at["mfa"]["round"], n + 1);
            let questions = at["mfa"]["questions"].as_array().expect("questions");
            assert_eq!(questions.len(), answers.len(), "{password}");
            if let Some(options) = questions[0]["options"].as_array() {
                assert!(
                    options.iter().any(|o| o == answers[0]),
                    "{password}: {options:?}"
                );
            }
            // A wrong answer stays on the pane with INVALID_MFA.
            let wrong: Vec<&str> = answers.iter().map(|_| "wrong").collect();
            let again = s.ok("mfa", json!({"answers": wrong})).await;
            assert_eq!(again["view"], "MFA");
            assert_eq!(again["error"]["error_code"], "INVALID_MFA");
            at = s.ok("mfa", json!({"answers": answers})).await;
        }
        assert_eq!(at["view"], "SELECT_ACCOUNT", "{password}: {at}");
        assert!(at["error"].is_null());
        let names = event_names(&at);
        assert!(names.contains(&"SUBMIT_MFA".to_owned()));
        let mfa_view = at["events"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["metadata"]["view_name"] == "MFA")
            .expect("TRANSITION_VIEW to MFA");
        assert!(mfa_view["metadata"]["mfa_type"].is_string());
    }
}

#[tokio::test]
async fn a_wrong_password_then_the_right_one() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let wrong = s.login(PLATYPUS, "not_the_password").await;
    assert_eq!(wrong["view"], "CREDENTIAL");
    assert_eq!(wrong["error"]["error_code"], "INVALID_CREDENTIALS");
    assert_eq!(wrong["error"]["error_type"], "ITEM_ERROR");
    assert!(event_names(&wrong).contains(&"ERROR".to_owned()));
    let right = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(right["view"], "SELECT_ACCOUNT");
    assert!(right["error"].is_null());
}

#[tokio::test]
async fn too_many_wrong_passwords_invalidate_the_link_token() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let mut last = s.login(PLATYPUS, "nope").await;
    for _ in 0..4 {
        last = s
            .ok(
                "credentials",
                json!({"username": "user_good", "password": "nope"}),
            )
            .await;
    }
    assert_eq!(last["view"], "ERROR");
    assert_eq!(last["error"]["error_code"], "INVALID_LINK_TOKEN");
    let exited = s.ok("exit", json!({})).await;
    assert_eq!(
        exited["result"]["on_exit"]["error"]["error_code"],
        "INVALID_LINK_TOKEN"
    );
    app.post("/tartan/link/sessions", json!({"link_token": token}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}

#[tokio::test]
async fn an_error_password_ends_in_on_exit_with_that_error() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let failed = s.login(PLATYPUS, "error_ITEM_LOCKED").await;
    assert_eq!(failed["view"], "ERROR");
    assert_eq!(failed["error"]["error_code"], "ITEM_LOCKED");
    // Nothing but exit moves an ended flow.
    let stuck = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(stuck["view"], "ERROR");
    let exited = s.ok("exit", json!({})).await;
    assert_eq!(exited["status"], "exited");
    let on_exit = &exited["result"]["on_exit"];
    assert_eq!(on_exit["error"]["error_code"], "ITEM_LOCKED");
    assert_eq!(on_exit["error"]["error_type"], "ITEM_ERROR");
    assert!(on_exit["error"]["display_message"].is_string());
    assert_eq!(
        on_exit["metadata"]["institution"]["institution_id"],
        PLATYPUS
    );
    assert_eq!(on_exit["metadata"]["link_session_id"], json!(s.id));
    assert!(on_exit["metadata"]["request_id"].is_string());
    let exit_event = exited["events"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(exit_event["event_name"], "EXIT");
    assert_eq!(exit_event["metadata"]["error_code"], "ITEM_LOCKED");
    // An ended session takes no more steps.
    s.step("exit", json!({}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn closing_link_reports_the_status_of_the_pane_left() {
    let app = spawn_app().await;
    let cases: &[(&str, &str)] = &[
        ("", "requires_credentials"),
        ("institution", "requires_credentials"),
        ("mfa", "requires_code"),
        ("accounts", "requires_account_selection"),
    ];
    for (upto, status) in cases {
        let token = link_token(&app, json!({})).await;
        let (s, _) = Session::start(&app, &token).await;
        if !upto.is_empty() {
            s.ok("consent", json!({})).await;
            s.ok("institution", json!({"institution_id": PLATYPUS}))
                .await;
        }
        if *upto == "mfa" || *upto == "accounts" {
            let password = if *upto == "mfa" {
                "mfa_device"
            } else {
                "pass_good"
            };
            s.ok(
                "credentials",
                json!({"username": "user_good", "password": password}),
            )
            .await;
        }
        let exited = s.ok("exit", json!({})).await;
        let on_exit = &exited["result"]["on_exit"];
        assert!(on_exit["error"].is_null(), "{on_exit}");
        assert_eq!(on_exit["metadata"]["status"], *status, "after {upto:?}");
    }
}

#[tokio::test]
async fn steps_out_of_order_and_bad_input_are_refused_without_change() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let refused = s
        .step(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    assert!(
        refused["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("CONSENT")),
        "{refused}"
    );
    s.step("consent", json!({"extra": 1}))
        .await
        .error(400, "INVALID_REQUEST", "UNKNOWN_FIELDS");
    s.ok("consent", json!({})).await;
    s.step("institution", json!({}))
        .await
        .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
    s.step("institution", json!({"institution_id": "ins_nope"}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    let now = app
        .get(&format!(
            "/tartan/link/sessions/{}?link_token={token}",
            s.id
        ))
        .await
        .ok();
    assert_eq!(now["view"], "SELECT_INSTITUTION");
    // Another token cannot drive this session; unknown tokens are refused.
    let other = link_token(&app, json!({})).await;
    app.post(
        &format!("/tartan/link/sessions/{}/consent", s.id),
        json!({"link_token": other}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/tartan/link/sessions",
        json!({"link_token": "link-sandbox-nope"}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
    app.post(
        "/tartan/link/sessions",
        json!({"link_token": "access-sandbox-x"}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}

#[tokio::test]
async fn expired_tokens_and_idle_sessions_end_with_invalid_link_token() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    app.advance(json!({"minutes": 31})).await;
    let ended = s.ok("consent", json!({})).await;
    assert_eq!(ended["view"], "ERROR");
    assert_eq!(ended["error"]["error_code"], "INVALID_LINK_TOKEN");
    let exited = s.ok("exit", json!({})).await;
    assert_eq!(
        exited["result"]["on_exit"]["error"]["error_code"],
        "INVALID_LINK_TOKEN"
    );

    let token = link_token(&app, json!({})).await;
    app.advance(json!({"hours": 5})).await;
    app.post("/tartan/link/sessions", json!({"link_token": token}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}

#[tokio::test]
async fn an_oauth_bank_goes_through_the_bank_and_the_redirect() {
    let app = spawn_app().await;
    let token = link_token(
        &app,
        json!({"redirect_uri": "https://app.example.com/oauth-return"}),
    )
    .await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let at = s
        .ok("institution", json!({"institution_id": OAUTH_BANK}))
        .await;
    assert_eq!(at["view"], "OAUTH");
    assert!(event_names(&at).contains(&"OPEN_OAUTH".to_owned()));
    let state_id = at["oauth"]["oauth_state_id"]
        .as_str()
        .expect("state")
        .to_owned();
    assert_eq!(
        at["oauth"]["redirect_uri"],
        "https://app.example.com/oauth-return"
    );
    let page = app
        .get(&format!("/tartan/link/oauth/{state_id}"))
        .await
        .ok();
    assert_eq!(page["client_name"], "Tartan Test App");
    assert_eq!(page["institution"]["institution_id"], OAUTH_BANK);

    // A bad oauth_state_id on the way back is refused; the session waits.
    app.post(
        "/tartan/link/sessions/resume",
        json!({"link_token": token, "received_redirect_uri": "https://app.example.com/oauth-return?oauth_state_id=forged"}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/tartan/link/oauth/forged", json!({"grant": true}))
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");

    let decided = app
        .post(
            &format!("/tartan/link/oauth/{state_id}"),
            json!({"grant": true}),
        )
        .await
        .ok();
    assert_eq!(
        decided["redirect_to"],
        format!("https://app.example.com/oauth-return?oauth_state_id={state_id}")
    );
    let resumed = app
        .post(
            "/tartan/link/sessions/resume",
            json!({"link_token": token, "received_redirect_uri": decided["redirect_to"]}),
        )
        .await
        .ok();
    assert_eq!(resumed["view"], "SELECT_ACCOUNT");
    // The resuming page reports only what happened after the redirect to the bank.
    let names = event_names(&resumed);
    let before = resumed["events_before_redirect"]
        .as_u64()
        .expect("events_before_redirect") as usize;
    assert_eq!(names[before - 1], "OPEN_OAUTH", "{names:?}");
    assert!(
        names[before..]
            .iter()
            .all(|n| n != "OPEN" && n != "OPEN_OAUTH"),
        "{names:?}"
    );
    assert!(before < names.len(), "{names:?}");
    let done = s.select_all(&resumed).await;
    assert_eq!(
        done["result"]["on_success"]["metadata"]["institution"]["institution_id"],
        OAUTH_BANK
    );
    // The Item carries its OAuth consent expiry.
    let access = exchange(&app, &done["result"]["on_success"]["public_token"]).await;
    let item = app
        .with_token(
            "/item/get",
            access["access_token"].as_str().unwrap_or_default(),
        )
        .await
        .ok();
    assert!(
        item["item"]["consent_expiration_time"].is_string(),
        "{item}"
    );
}

/// Plaid: a user who denies at the bank leaves Link with onExit status `requires_oauth` and
/// the error INSUFFICIENT_CREDENTIALS.
#[tokio::test]
async fn denying_at_the_oauth_bank_ends_the_flow() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    s.ok("institution", json!({"institution_id": OAUTH_BANK}))
        .await;
    let denied = s.ok("oauth", json!({"grant": false})).await;
    assert_eq!(denied["view"], "ERROR");
    assert_eq!(denied["error"]["error_type"], "ITEM_ERROR");
    assert_eq!(denied["error"]["error_code"], "INSUFFICIENT_CREDENTIALS");
    assert!(event_names(&denied).contains(&"CLOSE_OAUTH".to_owned()));
    let exited = s.ok("exit", json!({})).await;
    let on_exit = &exited["result"]["on_exit"];
    assert_eq!(on_exit["metadata"]["status"], "requires_oauth", "{on_exit}");
    assert_eq!(on_exit["error"]["error_code"], "INSUFFICIENT_CREDENTIALS");
    assert_eq!(
        on_exit["metadata"]["institution"]["institution_id"],
        OAUTH_BANK
    );
    let exit = exited["events"]
        .as_array()
        .and_then(|e| e.last())
        .expect("EXIT");
    assert_eq!(exit["event_name"], "EXIT");
    assert_eq!(exit["metadata"]["exit_status"], "requires_oauth");
    assert_eq!(exit["metadata"]["error_code"], "INSUFFICIENT_CREDENTIALS");

    // The bank's page, the way the browser denies: the same ending, and /link/token/get too.
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let at = s
        .ok("institution", json!({"institution_id": OAUTH_BANK}))
        .await;
    let state_id = at["oauth"]["oauth_state_id"].as_str().expect("state");
    let decided = app
        .post(
            &format!("/tartan/link/oauth/{state_id}"),
            json!({"grant": false}),
        )
        .await
        .ok();
    assert_eq!(
        decided["session"]["error"]["error_code"],
        "INSUFFICIENT_CREDENTIALS"
    );
    let exited = s.ok("exit", json!({})).await;
    assert_eq!(
        exited["result"]["on_exit"]["metadata"]["status"],
        "requires_oauth"
    );
    let got = app
        .post("/link/token/get", json!({"link_token": token}))
        .await
        .ok();
    let listed = got["link_sessions"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["link_session_id"] == s.id.as_str()))
        .expect("session listed");
    assert_eq!(listed["exit"]["metadata"]["status"], "requires_oauth");
    assert_eq!(
        listed["exit"]["error"]["error_code"],
        "INSUFFICIENT_CREDENTIALS"
    );
}

/// Unsupported Platypus Bank `ins_133402` is listed in Link's search, as in Plaid's Sandbox;
/// choosing it ends the flow: onExit status `institution_not_supported`.
#[tokio::test]
async fn unsupported_platypus_bank_ends_in_institution_not_supported() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let found = s.ok("search", json!({"query": "Unsupported"})).await;
    let listed: Vec<&Value> = found["institutions"]
        .as_array()
        .expect("institutions")
        .iter()
        .map(|i| &i["institution_id"])
        .collect();
    assert_eq!(listed, [&json!("ins_133402")], "{found}");
    assert_eq!(
        found["institutions"][0]["name"],
        "Unsupported Platypus Bank - Institution Not Supported"
    );
    let at = s
        .ok("institution", json!({"institution_id": "ins_133402"}))
        .await;
    assert_eq!(at["view"], "ERROR");
    assert_eq!(at["error"]["error_type"], "INSTITUTION_ERROR");
    assert_eq!(at["error"]["error_code"], "INSTITUTION_NO_LONGER_SUPPORTED");
    let names = event_names(&at);
    assert_eq!(
        names[names.len() - 3..],
        ["SELECT_INSTITUTION", "ERROR", "TRANSITION_VIEW"],
        "{names:?}"
    );
    // No login is possible there.
    s.step(
        "credentials",
        json!({"username": "user_good", "password": "pass_good"}),
    )
    .await
    .ok();
    let exited = s.ok("exit", json!({})).await;
    let on_exit = &exited["result"]["on_exit"];
    assert_eq!(
        on_exit["metadata"]["status"], "institution_not_supported",
        "{on_exit}"
    );
    assert_eq!(
        on_exit["metadata"]["institution"],
        json!({"name": "Unsupported Platypus Bank - Institution Not Supported", "institution_id": "ins_133402"})
    );
    assert_eq!(
        on_exit["error"]["error_code"],
        "INSTITUTION_NO_LONGER_SUPPORTED"
    );
    assert!(exited["result"]["on_success"].is_null());
    let exit = exited["events"]
        .as_array()
        .and_then(|e| e.last())
        .expect("EXIT");
    assert_eq!(exit["metadata"]["exit_status"], "institution_not_supported");
    assert_eq!(exit["metadata"]["institution_id"], "ins_133402");
}

/// Flexible Platypus Open Banking `ins_117181` (OAuth QR code) is an OAuth bank in Link for a
/// European link token.
#[tokio::test]
async fn flexible_platypus_qr_goes_through_oauth() {
    let app = spawn_app().await;
    let token = link_token(&app, json!({"country_codes": ["GB"]})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let found = s.ok("search", json!({"query": "ins_117181"})).await;
    assert_eq!(found["institutions"][0]["oauth"], true, "{found}");
    let at = s
        .ok("institution", json!({"institution_id": "ins_117181"}))
        .await;
    assert_eq!(at["view"], "OAUTH");
    let chosen = s.ok("oauth", json!({"grant": true})).await;
    let done = s.select_all(&chosen).await;
    assert_eq!(
        done["result"]["on_success"]["metadata"]["institution"]["institution_id"],
        "ins_117181"
    );
    // A US link token does not find it.
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let found = s.ok("search", json!({"query": "Flexible"})).await;
    assert_eq!(found["institutions"], json!([]));
}

#[tokio::test]
async fn an_institution_outage_shows_in_link() {
    let app = spawn_app().await;
    app.trigger(
        json!({"institution_id": PLATYPUS, "action": "outage", "code": "INSTITUTION_DOWN"}),
    )
    .await
    .ok();
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let found = s.ok("search", json!({"query": "First Platypus"})).await;
    assert_eq!(found["institutions"][0]["status"], "DOWN");
    let at = s
        .ok("institution", json!({"institution_id": PLATYPUS}))
        .await;
    assert!(event_names(&at).contains(&"SELECT_DOWN_INSTITUTION".to_owned()));
    assert_eq!(at["view"], "ERROR");
    assert_eq!(at["error"]["error_code"], "INSTITUTION_DOWN");
}

#[tokio::test]
async fn update_mode_repairs_a_broken_login() {
    let app = spawn_app().await;
    let hook = Receiver::start().await;
    let (access, item_id) = app
        .item_with_webhook(PLATYPUS, &["transactions"], &hook.url)
        .await;
    app.post("/sandbox/item/reset_login", json!({"access_token": access}))
        .await
        .ok();
    assert_eq!(app.item_error_code(&access).await, "ITEM_LOGIN_REQUIRED");

    let token = update_token(&app, &access, json!({})).await;
    let (s, opened) = Session::start(&app, &token).await;
    assert_eq!(opened["is_update_mode"], true);
    assert_eq!(opened["institution"]["institution_id"], PLATYPUS);
    assert_eq!(opened["events"][0]["metadata"]["is_update_mode"], "yes");
    let at = s.ok("consent", json!({})).await;
    // Straight to the Item's institution: no institution search.
    assert_eq!(at["view"], "CREDENTIAL");
    let done = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(done["view"], "CONNECTED", "{done}");
    assert!(!views(&done).contains(&"SELECT_INSTITUTION".to_owned()));
    assert!(done["result"]["on_success"]["public_token"].is_string());

    // Repaired, same access token. No LOGIN_REPAIRED: Plaid sends it only when the login is
    // fixed *without* the app's update mode (the app knows it just ran Link).
    let item = app.with_token("/item/get", &access).await.ok();
    assert!(item["item"]["error"].is_null(), "{item}");
    app.flush().await;
    let codes: Vec<Value> = app
        .deliveries(&item_id)
        .await
        .iter()
        .map(|d| d["webhook_code"].clone())
        .collect();
    assert!(codes.contains(&json!("ERROR")), "{codes:?}");
    assert!(!codes.contains(&json!("LOGIN_REPAIRED")), "{codes:?}");
    app.with_token("/accounts/get", &access).await.ok();
}

/// While the login is broken Plaid's copy goes stale; the repair in Link brings the next update
/// forward to the moment of the repair, instead of waiting for the regular cadence.
#[tokio::test]
async fn a_repair_in_link_catches_up_what_was_missed() {
    let app = spawn_app().await;
    app.post("/tartan/clock/freeze", json!({})).await.ok();
    let access = app.item(PLATYPUS, &["transactions"]).await;
    let status = |item: &Value, field: &str| item["status"]["transactions"][field].clone();
    let cached = app.with_token("/accounts/get", &access).await.ok();
    app.post("/sandbox/item/reset_login", json!({"access_token": access}))
        .await
        .ok();
    let broken = app.with_token("/item/get", &access).await.ok();
    assert!(
        status(&broken, "last_successful_update").is_string(),
        "{broken}"
    );
    app.advance(json!({"days": 3})).await;
    let stale = app.with_token("/item/get", &access).await.ok();
    assert_eq!(
        status(&stale, "last_successful_update"),
        status(&broken, "last_successful_update"),
        "no successful update while the login is broken"
    );

    let token = update_token(&app, &access, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    s.ok(
        "credentials",
        json!({"username": "user_good", "password": "pass_good"}),
    )
    .await;
    let repaired_at = app.get("/tartan/clock").await.ok()["now"].clone();
    // A minute later (First Platypus updates every 6 hours), the missed days are in.
    app.advance(json!({"minutes": 1})).await;
    let item = app.with_token("/item/get", &access).await.ok();
    assert!(item["item"]["error"].is_null(), "{item}");
    assert_eq!(
        status(&item, "last_successful_update"),
        repaired_at,
        "{item}"
    );
    let fresh = app.with_token("/accounts/get", &access).await.ok();
    assert_ne!(
        fresh["accounts"][0]["balances"]["current"], cached["accounts"][0]["balances"]["current"],
        "three days of activity reached Plaid's copy"
    );
}

#[tokio::test]
async fn update_mode_checks_the_username() {
    let app = spawn_app().await;
    let access = app.item(PLATYPUS, &["transactions"]).await;
    app.post("/sandbox/item/reset_login", json!({"access_token": access}))
        .await
        .ok();
    let token = update_token(&app, &access, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let failed = s
        .ok(
            "credentials",
            json!({"username": "user_transactions_dynamic", "password": "x"}),
        )
        .await;
    assert_eq!(failed["view"], "ERROR");
    assert_eq!(failed["error"]["error_code"], "INVALID_UPDATED_USERNAME");
    assert_eq!(app.item_error_code(&access).await, "ITEM_LOGIN_REQUIRED");
}

#[tokio::test]
async fn update_mode_account_selection_shares_new_accounts_and_drops_deselected_ones() {
    let app = spawn_app().await;
    let hook = Receiver::start().await;
    let (access, item_id) = app
        .item_with_webhook(PLATYPUS, &["transactions"], &hook.url)
        .await;
    app.trigger(json!({"item_id": item_id, "action": "new_accounts"}))
        .await
        .ok();
    let before = app.with_token("/accounts/get", &access).await.ok();
    let before_ids: Vec<Value> = before["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].clone())
        .collect();

    let token = update_token(
        &app,
        &access,
        json!({"update": {"account_selection_enabled": true},
               "link_customization_name": "account_selection_v2_customization"}),
    )
    .await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let at = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(at["view"], "SELECT_ACCOUNT");
    let offered = at["accounts"].as_array().expect("accounts");
    let new: Vec<&Value> = offered.iter().filter(|a| a["new"] == true).collect();
    assert_eq!(new.len(), 1, "{offered:?}");
    assert_eq!(new[0]["selected"], false);
    // Keep all but the first old account, and add the new one.
    let mut chosen: Vec<Value> = before_ids[1..].to_vec();
    chosen.push(new[0]["id"].clone());
    let done = s.ok("accounts", json!({"account_ids": chosen})).await;
    assert_eq!(done["status"], "succeeded");

    let after = app.with_token("/accounts/get", &access).await.ok();
    let after_ids: Vec<Value> = after["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].clone())
        .collect();
    assert!(after_ids.contains(&new[0]["id"]), "new account not shared");
    assert!(
        !after_ids.contains(&before_ids[0]),
        "deselected account still shared"
    );
    app.with_token("/auth/get", &access).await.ok()["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .for_each(|a| assert_ne!(a["account_id"], before_ids[0]));
}

#[tokio::test]
async fn update_mode_asks_consent_for_additional_products() {
    let app = spawn_app().await;
    let access = app.item(PLATYPUS, &["transactions"]).await;
    let token = update_token(
        &app,
        &access,
        json!({"additional_consented_products": ["identity"]}),
    )
    .await;
    let (s, opened) = Session::start(&app, &token).await;
    assert!(
        opened["products"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("identity"))),
        "{opened}"
    );
    s.ok("consent", json!({})).await;
    let done = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(done["status"], "succeeded");
    let item = app.with_token("/item/get", &access).await.ok();
    let consented = item["item"]["consented_products"]
        .as_array()
        .expect("consented");
    assert!(consented.contains(&json!("identity")), "{consented:?}");
}

#[tokio::test]
async fn an_oauth_item_reenters_the_oauth_flow_in_update_mode() {
    let app = spawn_app().await;
    let access = app.item(OAUTH_BANK, &["transactions"]).await;
    app.post("/sandbox/item/reset_login", json!({"access_token": access}))
        .await
        .ok();
    let token = update_token(&app, &access, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let at = s.ok("consent", json!({})).await;
    assert_eq!(at["view"], "OAUTH");
    let done = s.ok("oauth", json!({"grant": true})).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let item = app.with_token("/item/get", &access).await.ok();
    assert!(item["item"]["error"].is_null());
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    s.ok("consent", json!({})).await;
    let id = s.id.clone();
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    app.stop().await;
    let server = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    let now = app
        .get(&format!("/tartan/link/sessions/{id}?link_token={token}"))
        .await
        .ok();
    assert_eq!(now["view"], "SELECT_INSTITUTION");
}

#[tokio::test]
async fn the_link_script_ui_and_bank_page_are_served() {
    let app = spawn_app().await;
    for (path, kind, needle) in [
        ("/link/v2/stable/link-initialize.js", "javascript", "Plaid"),
        ("/link/ui?token=link-sandbox-x", "text/html", "link.js"),
        ("/link/ui/link.js", "javascript", "/tartan/link/sessions"),
        ("/link/ui/link.css", "text/css", "{"),
        (
            "/tartan/link/oauth?oauth_state_id=x",
            "text/html",
            "approve",
        ),
    ] {
        let resp = app.http.get(app.url(path)).send().await.expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        let ct = resp.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(ct.contains(kind), "{path}: {ct}");
        let body = resp.text().await.unwrap_or_default();
        assert!(body.contains(needle), "{path} lacks {needle}");
    }
}

#[tokio::test]
async fn a_payment_profile_is_linked_then_repaired_in_update_mode() {
    let app = spawn_app().await;
    let profile =
        app.post("/payment_profile/create", json!({})).await.ok()["payment_profile_token"].clone();
    let body = json!({"payment_profile_token": profile});
    assert_eq!(
        app.post("/payment_profile/get", body.clone()).await.ok()["status"],
        "PENDING"
    );
    // Only a linked profile has a login to reset.
    app.post("/sandbox/payment_profile/reset_login", body.clone())
        .await
        .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post(
        "/link/token/create",
        json!({"client_name": "x", "language": "en", "country_codes": ["US"],
               "user": {"client_user_id": "u"}, "transfer": {"payment_profile_token": "payment-profile-sandbox-nope"}}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");

    // First Link: the profile gets its bank login.
    let transfer = json!({"products": null, "transfer": {"payment_profile_token": profile}});
    let token = link_token(&app, transfer.clone()).await;
    let (s, _) = Session::start(&app, &token).await;
    let chosen = s.login(PLATYPUS, "pass_good").await;
    assert_eq!(chosen["view"], "SELECT_ACCOUNT");
    s.select_all(&chosen).await;
    assert_eq!(
        app.post("/payment_profile/get", body.clone()).await.ok()["status"],
        "READY"
    );

    // The login breaks; Payment Profile update mode re-authenticates at the same bank.
    let reset = app
        .post("/sandbox/payment_profile/reset_login", body.clone())
        .await
        .ok();
    assert_eq!(reset["reset_login"], true);
    let token = link_token(&app, transfer).await;
    let (s, opened) = Session::start(&app, &token).await;
    assert_eq!(opened["is_update_mode"], true);
    assert_eq!(opened["institution"]["institution_id"], PLATYPUS);
    assert_eq!(s.ok("consent", json!({})).await["view"], "CREDENTIAL");
    let done = s
        .ok(
            "credentials",
            json!({"username": "user_good", "password": "pass_good"}),
        )
        .await;
    assert_eq!(done["status"], "succeeded");

    app.post("/payment_profile/remove", body.clone()).await.ok();
    let got = app.post("/payment_profile/get", body).await.ok();
    assert_eq!(got["status"], "REMOVED");
    assert!(got["deleted_at"].is_string());
}

/// The account ids offered on account selection are the ones the new Item gets (both derive
/// from the tenant's seed and the Item's place in the creation order).
#[tokio::test]
async fn link_offers_the_account_ids_the_item_gets() {
    let app = spawn_app().await;
    app.post("/tartan/settings", json!({"seed": 5})).await.ok();
    let token = link_token(&app, json!({})).await;
    let (session, _) = Session::start(&app, &token).await;
    let picked = session.login(PLATYPUS, "pass_good").await;
    let mut offered: Vec<Value> = picked["accounts"]
        .as_array()
        .expect("accounts offered")
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let done = session.select_all(&picked).await;
    let public = done["result"]["on_success"]["public_token"]
        .as_str()
        .expect("public_token")
        .to_owned();
    let access = app.exchange(&public).await["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let accounts = app.with_token("/accounts/get", &access).await.ok();
    let mut got: Vec<Value> = accounts["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].clone())
        .collect();
    offered.sort_by_key(Value::to_string);
    got.sort_by_key(Value::to_string);
    assert_eq!(got, offered);
}

/// A finished session is history: after a restart it is read from the store, for the session
/// itself and for `/link/token/get`, and its used link token still cannot open Link again.
#[tokio::test]
async fn finished_sessions_are_read_from_the_store_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let token = link_token(&app, json!({})).await;
    let (s, _) = Session::start(&app, &token).await;
    let picked = s.login(PLATYPUS, "pass_good").await;
    let done = s.select_all(&picked).await;
    assert_eq!(done["view"], "CONNECTED");
    let id = s.id.clone();
    let path = format!("/tartan/link/sessions/{id}?link_token={token}");
    let before = app.get(&path).await.ok();
    let listed = app
        .post("/link/token/get", json!({"link_token": token}))
        .await
        .ok()["link_sessions"]
        .clone();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let (client_id, secret) = (app.client_id.clone(), app.secret.clone());
    app.stop().await;

    let server = crate::helpers::spawn_with(Some(dir.path()), tartan::world::KeyPolicy::Open).await;
    let app = server.as_tenant(&client_id, &secret);
    let after = app.get(&path).await.ok();
    assert_eq!(after["result"], before["result"]);
    assert_eq!(after["view"], "CONNECTED");
    assert_eq!(
        app.post("/link/token/get", json!({"link_token": token}))
            .await
            .ok()["link_sessions"],
        listed
    );
    app.post(
        &format!("/tartan/link/sessions/{id}/exit"),
        json!({"link_token": token}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    app.post("/tartan/link/sessions", json!({"link_token": token}))
        .await
        .error(400, "INVALID_INPUT", "INVALID_LINK_TOKEN");
}
