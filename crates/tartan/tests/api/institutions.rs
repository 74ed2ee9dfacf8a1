//! `/institutions/get`, `/institutions/get_by_id`, `/institutions/search`.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn institutions_page_with_count_offset_and_total() {
    let app = spawn_app().await;
    let first = app
        .post(
            "/institutions/get",
            json!({"count": 3, "offset": 0, "country_codes": ["US"]}),
        )
        .await
        .ok();
    let second = app
        .post(
            "/institutions/get",
            json!({"count": 3, "offset": 3, "country_codes": ["US"]}),
        )
        .await
        .ok();
    let total = first["total"].as_u64().expect("total");
    assert!(total >= 10);
    assert_eq!(first["total"], second["total"]);
    assert_eq!(first["institutions"].as_array().map(Vec::len), Some(3));
    assert_ne!(
        first["institutions"][0]["institution_id"],
        second["institutions"][0]["institution_id"]
    );
    let inst = &first["institutions"][0];
    assert_eq!(inst["institution_id"], "ins_109508");
    assert_eq!(inst["name"], "First Platypus Bank");
    assert_eq!(inst["oauth"], false);
    assert_eq!(inst["routing_numbers"], json!(["110000000"]));
    assert_eq!(inst["connection_availability"], "SUPPORTED");
    assert!(
        inst.get("logo").is_none(),
        "optional metadata only on request"
    );
}

#[tokio::test]
async fn institutions_filter_by_country_and_product() {
    let app = spawn_app().await;
    let ca = app
        .post(
            "/institutions/get",
            json!({"count": 50, "offset": 0, "country_codes": ["CA"]}),
        )
        .await
        .ok();
    assert_eq!(ca["institutions"].as_array().map(Vec::len), Some(1));
    assert_eq!(ca["institutions"][0]["institution_id"], "ins_43");
    let gb = app
        .post(
            "/institutions/get",
            json!({"count": 50, "offset": 0, "country_codes": ["GB"]}),
        )
        .await
        .ok();
    let ids: Vec<_> = gb["institutions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["institution_id"].clone())
        .collect();
    assert!(ids.contains(&json!("ins_117650")));
    let inv = app
        .post("/institutions/get", json!({"count": 50, "offset": 0, "country_codes": ["US"], "options": {"products": ["investments"]}}))
        .await
        .ok();
    assert!(
        inv["institutions"]
            .as_array()
            .is_some_and(|a| a.iter().all(|i| i["products"]
                .as_array()
                .is_some_and(|p| p.contains(&json!("investments")))))
    );
    assert!(
        !inv["institutions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["institution_id"] == "ins_109512"))
    );
}

#[tokio::test]
async fn optional_metadata_and_status_on_request() {
    let app = spawn_app().await;
    let body = app
        .post(
            "/institutions/get_by_id",
            json!({"institution_id": "ins_132363", "country_codes": ["US"],
                   "options": {"include_optional_metadata": true, "include_status": true}}),
        )
        .await
        .ok();
    let inst = &body["institution"];
    assert_eq!(inst["name"], "Unhealthy Platypus Bank - Degraded");
    assert!(
        inst["logo"]
            .as_str()
            .is_some_and(|l| l.starts_with("iVBORw0KGgo")),
        "base64 PNG"
    );
    assert!(
        inst["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert!(
        inst["primary_color"]
            .as_str()
            .is_some_and(|c| c.starts_with('#'))
    );
    assert_eq!(inst["status"]["item_logins"]["status"], "DEGRADED");
    assert!(
        inst["status"]["item_logins"]["breakdown"]["success"]
            .as_f64()
            .is_some_and(|s| s < 0.9)
    );

    let down = app
        .post("/institutions/get_by_id", json!({"institution_id": "ins_132361", "country_codes": ["US"], "options": {"include_status": true}}))
        .await
        .ok();
    assert_eq!(
        down["institution"]["status"]["item_logins"]["status"],
        "DOWN"
    );
    let oauth = app
        .post(
            "/institutions/get_by_id",
            json!({"institution_id": "ins_127287", "country_codes": ["US"]}),
        )
        .await
        .ok();
    assert_eq!(oauth["institution"]["oauth"], true);
    assert!(oauth["institution"].get("status").is_none());
}

/// Flexible Platypus Open Banking `ins_117181`: Plaid's Sandbox bank for OAuth QR-code
/// authentication in Europe, beside its namesake `ins_116834`.
#[tokio::test]
async fn flexible_platypus_qr_is_a_european_oauth_bank() {
    let app = spawn_app().await;
    for country in ["GB", "FR", "DE"] {
        let body = app
            .post(
                "/institutions/get_by_id",
                json!({"institution_id": "ins_117181", "country_codes": [country]}),
            )
            .await
            .ok();
        let inst = &body["institution"];
        assert_eq!(inst["name"], "Flexible Platypus Open Banking", "{country}");
        assert_eq!(inst["oauth"], true);
        assert_eq!(inst["connection_availability"], "SUPPORTED");
        assert!(
            inst["country_codes"]
                .as_array()
                .is_some_and(|c| c.contains(&json!(country)) && !c.contains(&json!("US"))),
            "{inst}"
        );
        assert!(
            inst["products"]
                .as_array()
                .is_some_and(|p| p.contains(&json!("payment_initiation"))),
            "{inst}"
        );
    }
    app.post(
        "/institutions/get_by_id",
        json!({"institution_id": "ins_117181", "country_codes": ["US"]}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_INSTITUTION");
    let found = app
        .post(
            "/institutions/search",
            json!({"query": "Flexible Platypus", "country_codes": ["GB"], "products": ["transactions"]}),
        )
        .await
        .ok();
    let mut ids: Vec<&str> = found["institutions"]
        .as_array()
        .expect("institutions")
        .iter()
        .filter_map(|i| i["institution_id"].as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["ins_116834", "ins_117181"]);
    // An Item can be made there, in GBP, with BACS numbers.
    let token = app.item("ins_117181", &["auth"]).await;
    let auth = app.with_token("/auth/get", &token).await.ok();
    assert!(
        auth["numbers"]["bacs"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "{auth}"
    );
    assert_eq!(
        auth["accounts"][0]["balances"]["iso_currency_code"], "GBP",
        "{auth}"
    );
}

#[tokio::test]
async fn get_by_id_refuses_unknown_or_out_of_country_ids() {
    let app = spawn_app().await;
    app.post(
        "/institutions/get_by_id",
        json!({"institution_id": "ins_0", "country_codes": ["US"]}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_INSTITUTION");
    app.post(
        "/institutions/get_by_id",
        json!({"institution_id": "ins_43", "country_codes": ["US"]}),
    )
    .await
    .error(400, "INVALID_INPUT", "INVALID_INSTITUTION");
}

#[tokio::test]
async fn search_matches_names() {
    let app = spawn_app().await;
    let body = app
        .post(
            "/institutions/search",
            json!({"query": "platypus oauth", "country_codes": ["US"]}),
        )
        .await
        .ok();
    let ids: Vec<_> = body["institutions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["institution_id"].clone())
        .collect();
    assert!(ids.contains(&json!("ins_127287")), "{ids:?}");
    assert!(!ids.contains(&json!("ins_109508")));
    let none = app
        .post(
            "/institutions/search",
            json!({"query": "zzz", "country_codes": ["US"]}),
        )
        .await
        .ok();
    assert_eq!(none["institutions"], json!([]));
    app.post(
        "/institutions/search",
        json!({"query": " ", "country_codes": ["US"]}),
    )
    .await
    .error(400, "INVALID_REQUEST", "INVALID_FIELD");
}

#[tokio::test]
async fn paging_and_countries_are_validated() {
    let app = spawn_app().await;
    for body in [
        json!({"count": 0, "offset": 0, "country_codes": ["US"]}),
        json!({"count": 501, "offset": 0, "country_codes": ["US"]}),
        json!({"count": 1, "offset": -1, "country_codes": ["US"]}),
        json!({"count": 1, "offset": 0, "country_codes": []}),
    ] {
        app.post("/institutions/get", body)
            .await
            .error(400, "INVALID_REQUEST", "INVALID_FIELD");
    }
    app.post(
        "/institutions/get",
        json!({"count": 1, "country_codes": ["US"]}),
    )
    .await
    .error(400, "INVALID_REQUEST", "MISSING_FIELDS");
}
