//! Transactions: `/transactions/sync`, `/transactions/get`, `/transactions/refresh`,
//! `/transactions/recurring/get`, `/categories/get` and `/sandbox/transactions/create`.
//!
//! In responses, a field Plaid requires is always written, as `null` when it has no value (the
//! official SDKs refuse an object that lacks one). Optional fields that may be null are written
//! too, since Plaid sends them; optional fields that may not be null are left out when unset.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AccessTokenRequest, Account, Empty, Item, Text, Timestamp};

// Requests.

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TransactionsSyncOptions {
    pub include_original_description: Option<bool>,
    pub include_personal_finance_category: Option<bool>,
    pub include_logo_and_counterparty_beta: Option<bool>,
    /// `v1` or `v2`.
    pub personal_finance_category_version: Option<String>,
    pub days_requested: Option<i64>,
    /// Sync one account of the Item instead of all of them.
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TransactionsSyncRequest {
    pub access_token: String,
    /// Absent or empty on the first call: start from the beginning of the history.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (100 when absent).
    pub count: Option<i64>,
    pub options: Option<TransactionsSyncOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TransactionsGetOptions {
    pub account_ids: Option<Vec<String>>,
    /// Page size, 1 to 500 (100 when absent).
    pub count: Option<i64>,
    pub offset: Option<i64>,
    pub include_original_description: Option<bool>,
    pub include_personal_finance_category_beta: Option<bool>,
    pub include_personal_finance_category: Option<bool>,
    pub include_logo_and_counterparty_beta: Option<bool>,
    /// `v1` or `v2`.
    pub personal_finance_category_version: Option<String>,
    pub days_requested: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TransactionsGetRequest {
    pub access_token: String,
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: String,
    /// `YYYY-MM-DD`, inclusive.
    pub end_date: String,
    pub options: Option<TransactionsGetOptions>,
}

/// `/transactions/refresh` takes only the access token.
pub type TransactionsRefreshRequest = AccessTokenRequest;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TransactionsRecurringGetOptions {
    pub include_personal_finance_category: Option<bool>,
    /// `v1` or `v2`.
    pub personal_finance_category_version: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TransactionsRecurringGetRequest {
    pub access_token: String,
    pub account_ids: Option<Vec<String>>,
    pub options: Option<TransactionsRecurringGetOptions>,
}

/// `/categories/get` has no fields of its own (Plaid does not even ask for credentials).
pub type CategoriesGetRequest = Empty;

/// One transaction to add to a Sandbox Item.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SandboxTransaction {
    /// `YYYY-MM-DD`.
    pub date_transacted: String,
    /// `YYYY-MM-DD`.
    pub date_posted: String,
    /// Positive is money leaving the account.
    pub amount: f64,
    pub description: String,
    pub iso_currency_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SandboxTransactionsCreateRequest {
    pub access_token: String,
    pub transactions: Vec<SandboxTransaction>,
}

// Responses.

/// Where a transaction happened; every field is required and may be null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub address: Option<Text>,
    pub city: Option<Text>,
    pub region: Option<Text>,
    pub postal_code: Option<Text>,
    pub country: Option<Text>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub store_number: Option<Text>,
}

/// Payment details the bank reported; every field is required and may be null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentMeta {
    pub reference_number: Option<String>,
    pub ppd_id: Option<String>,
    pub payee: Option<String>,
    pub by_order_of: Option<String>,
    pub payer: Option<String>,
    pub payment_method: Option<Text>,
    pub payment_processor: Option<Text>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalFinanceCategory {
    pub primary: Text,
    pub detailed: Text,
    /// `VERY_HIGH`, `HIGH`, `MEDIUM`, `LOW` or `UNKNOWN`.
    pub confidence_level: Option<Text>,
    /// `v1` or `v2`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessFinanceCategory {
    pub primary: Text,
    pub detailed: Text,
    pub confidence_level: Option<Text>,
}

/// A party on the other side of a transaction (merchant, payment app, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterparty {
    pub name: Text,
    pub entity_id: Option<String>,
    /// `merchant`, `financial_institution`, `payment_app`, `marketplace`, `payment_terminal`
    /// or `income_source`.
    #[serde(rename = "type")]
    pub kind: Text,
    pub website: Option<Text>,
    pub logo_url: Option<Text>,
    pub confidence_level: Option<Text>,
    /// Account numbers of the counterparty, where the bank gave them; kept as sent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account_numbers: Option<Value>,
}

/// A transaction as `/transactions/sync` and `/transactions/get` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub account_id: String,
    /// Positive is money leaving the account.
    pub amount: f64,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
    /// Legacy category path (deprecated by Plaid).
    pub category: Option<Vec<Text>>,
    pub category_id: Option<Text>,
    pub check_number: Option<String>,
    /// Posted date (or transacted date while pending), `YYYY-MM-DD`.
    pub date: String,
    pub datetime: Option<Timestamp>,
    pub authorized_date: Option<String>,
    pub authorized_datetime: Option<Timestamp>,
    pub location: Location,
    pub name: String,
    pub merchant_name: Option<Text>,
    /// Set only when the request asked for it; `null` otherwise.
    pub original_description: Option<String>,
    pub payment_meta: PaymentMeta,
    pub pending: bool,
    pub pending_transaction_id: Option<String>,
    pub account_owner: Option<String>,
    pub transaction_id: String,
    /// `digital`, `place`, `special` or `unresolved` (deprecated by Plaid).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transaction_type: Option<Text>,
    pub logo_url: Option<Text>,
    pub website: Option<Text>,
    /// `online`, `in store` or `other`.
    pub payment_channel: Text,
    pub personal_finance_category: Option<PersonalFinanceCategory>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub business_finance_category: Option<BusinessFinanceCategory>,
    /// Only some non-US institutions report one (`purchase`, `atm`, `transfer`, ...).
    pub transaction_code: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub personal_finance_category_icon_url: Option<String>,
    #[serde(default)]
    pub counterparties: Vec<Counterparty>,
    pub merchant_entity_id: Option<String>,
    /// A client's own labels for the transaction; Tartan keeps it as given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_customization: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedTransaction {
    pub transaction_id: String,
    pub account_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactionsSyncResponse {
    /// `TRANSACTIONS_UPDATE_STATUS_UNKNOWN`, `NOT_READY`, `INITIAL_UPDATE_COMPLETE` or
    /// `HISTORICAL_UPDATE_COMPLETE`.
    pub transactions_update_status: Text,
    pub accounts: Vec<Account>,
    pub added: Vec<Transaction>,
    pub modified: Vec<Transaction>,
    pub removed: Vec<RemovedTransaction>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactionsGetResponse {
    pub accounts: Vec<Account>,
    pub transactions: Vec<Transaction>,
    /// Transactions matching the request in all, not only this page.
    pub total_transactions: i64,
    pub item: Item,
}

/// `/transactions/refresh` answers with the request_id only.
pub type TransactionsRefreshResponse = Empty;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionStreamAmount {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amount: Option<f64>,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
}

/// A recurring series of transactions (a salary, a subscription).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionStream {
    pub account_id: String,
    pub stream_id: String,
    pub category: Option<Vec<Text>>,
    pub category_id: Option<Text>,
    pub description: String,
    pub merchant_name: Option<Text>,
    /// `YYYY-MM-DD`.
    pub first_date: String,
    /// `YYYY-MM-DD`.
    pub last_date: String,
    pub predicted_next_date: Option<String>,
    /// `UNKNOWN`, `WEEKLY`, `BIWEEKLY`, `SEMI_MONTHLY`, `MONTHLY` or `ANNUALLY`.
    pub frequency: Text,
    pub transaction_ids: Vec<String>,
    pub average_amount: TransactionStreamAmount,
    pub last_amount: TransactionStreamAmount,
    pub is_active: bool,
    /// `UNKNOWN`, `MATURE`, `EARLY_DETECTION` or `TOMBSTONED`.
    pub status: Text,
    pub personal_finance_category: Option<PersonalFinanceCategory>,
    pub is_user_modified: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_user_modified_datetime: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactionsRecurringGetResponse {
    pub inflow_streams: Vec<TransactionStream>,
    pub outflow_streams: Vec<TransactionStream>,
    pub updated_datetime: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub personal_finance_category_version: Option<Text>,
}

/// One of Plaid's legacy categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub category_id: Text,
    /// `place`, `digital` or `special`.
    pub group: Text,
    /// From the broadest category to this one.
    pub hierarchy: Vec<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoriesGetResponse {
    pub categories: Vec<Category>,
}

/// `/sandbox/transactions/create` answers with the request_id only.
pub type SandboxTransactionsCreateResponse = Empty;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bare_transaction() -> Transaction {
        Transaction {
            account_id: "acc".into(),
            amount: 12.5,
            iso_currency_code: Some("USD".into()),
            unofficial_currency_code: None,
            category: None,
            category_id: None,
            check_number: None,
            date: "2024-01-02".into(),
            datetime: None,
            authorized_date: None,
            authorized_datetime: None,
            location: Location::default(),
            name: "Coffee".into(),
            merchant_name: None,
            original_description: None,
            payment_meta: PaymentMeta::default(),
            pending: false,
            pending_transaction_id: None,
            account_owner: None,
            transaction_id: "txn".into(),
            transaction_type: None,
            logo_url: None,
            website: None,
            payment_channel: "in store".into(),
            personal_finance_category: None,
            business_finance_category: None,
            transaction_code: None,
            personal_finance_category_icon_url: None,
            counterparties: Vec::new(),
            merchant_entity_id: None,
            client_customization: None,
        }
    }

    #[test]
    fn a_transaction_writes_every_required_key_even_when_null() {
        // Required by the spec's Transaction (its base and its own part), Location and PaymentMeta.
        const TRANSACTION: &[&str] = &[
            "transaction_id",
            "pending",
            "date",
            "unofficial_currency_code",
            "iso_currency_code",
            "amount",
            "account_id",
            "account_owner",
            "pending_transaction_id",
            "payment_channel",
            "payment_meta",
            "name",
            "location",
            "authorized_date",
            "authorized_datetime",
            "datetime",
            "transaction_code",
        ];
        const LOCATION: &[&str] = &[
            "address",
            "city",
            "region",
            "postal_code",
            "country",
            "lat",
            "lon",
            "store_number",
        ];
        const PAYMENT_META: &[&str] = &[
            "reference_number",
            "ppd_id",
            "payee",
            "by_order_of",
            "payer",
            "payment_method",
            "payment_processor",
            "reason",
        ];
        let v = serde_json::to_value(bare_transaction()).expect("serializes");
        for key in TRANSACTION {
            assert!(v.get(key).is_some(), "transaction lacks {key}");
        }
        for key in LOCATION {
            assert!(v["location"].get(key).is_some(), "location lacks {key}");
        }
        for key in PAYMENT_META {
            assert!(
                v["payment_meta"].get(key).is_some(),
                "payment_meta lacks {key}"
            );
        }
        // Optional and not nullable: left out rather than written as null.
        assert!(v.get("transaction_type").is_none());
        assert!(v.get("personal_finance_category_icon_url").is_none());
        let back: Transaction = serde_json::from_value(v).expect("reads back");
        assert_eq!(back, bare_transaction());
    }

    #[test]
    fn a_sync_request_with_every_option_round_trips() {
        let body = json!({
            "access_token": "access-sandbox-1",
            "cursor": "c1",
            "count": 250,
            "options": {
                "include_original_description": true,
                "include_personal_finance_category": false,
                "include_logo_and_counterparty_beta": true,
                "personal_finance_category_version": "v2",
                "days_requested": 730,
                "account_id": "acc"
            }
        });
        let req: TransactionsSyncRequest = serde_json::from_value(body.clone()).expect("decodes");
        assert_eq!(req.count, Some(250));
        let options = req.options.as_ref().expect("options");
        assert_eq!(options.days_requested, Some(730));
        assert_eq!(options.account_id.as_deref(), Some("acc"));
        assert_eq!(serde_json::to_value(&req).expect("encodes"), body);
    }
}
