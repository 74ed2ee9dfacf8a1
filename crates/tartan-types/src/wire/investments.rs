//! Investments: `/investments/holdings/get` and the holdings and securities it reports.

use serde::{Deserialize, Serialize};

use super::{Account, Item, Text};

/// A position in one security in one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holding {
    pub account_id: String,
    pub security_id: String,
    pub institution_price: f64,
    pub institution_price_as_of: Option<String>,
    pub institution_price_datetime: Option<String>,
    pub institution_value: f64,
    pub cost_basis: Option<f64>,
    pub quantity: f64,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
    pub vested_quantity: Option<f64>,
    pub vested_value: Option<f64>,
}

/// A bond's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedIncome {
    pub yield_rate: Option<YieldRate>,
    pub maturity_date: Option<String>,
    pub issue_date: Option<String>,
    pub face_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YieldRate {
    pub percentage: f64,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
}

/// A security, as the market and the institution describe it. Every key Plaid requires is
/// written, null when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Security {
    pub security_id: String,
    pub isin: Option<String>,
    pub cusip: Option<Text>,
    pub sedol: Option<Text>,
    pub institution_security_id: Option<String>,
    pub institution_id: Option<String>,
    pub proxy_security_id: Option<String>,
    pub name: Option<Text>,
    pub ticker_symbol: Option<Text>,
    pub is_cash_equivalent: Option<bool>,
    #[serde(rename = "type")]
    pub kind: Option<Text>,
    pub subtype: Option<Text>,
    pub close_price: Option<f64>,
    pub close_price_as_of: Option<String>,
    pub update_datetime: Option<String>,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
    pub market_identifier_code: Option<Text>,
    pub sector: Option<Text>,
    pub industry: Option<Text>,
    pub cfi_code: Option<String>,
    /// OpenFIGI identifier (newer clients require the key).
    pub figi: Option<String>,
    pub option_contract: Option<serde_json::Value>,
    pub fixed_income: Option<FixedIncome>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestmentsHoldingsGetResponse {
    pub accounts: Vec<Account>,
    pub holdings: Vec<Holding>,
    pub securities: Vec<Security>,
    pub item: Item,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InvestmentsTransactionsGetOptions {
    pub account_ids: Option<Vec<String>>,
    pub count: Option<i64>,
    pub offset: Option<i64>,
    pub async_update: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct InvestmentsTransactionsGetRequest {
    pub access_token: String,
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: String,
    /// `YYYY-MM-DD`, inclusive.
    pub end_date: String,
    pub options: Option<InvestmentsTransactionsGetOptions>,
}

/// A buy, sell, dividend, contribution or fee in an investment account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentTransaction {
    pub investment_transaction_id: String,
    pub cancel_transaction_id: Option<String>,
    pub account_id: String,
    pub security_id: Option<String>,
    pub date: String,
    pub transaction_datetime: Option<String>,
    pub name: String,
    pub quantity: f64,
    pub amount: f64,
    pub price: f64,
    pub fees: Option<f64>,
    #[serde(rename = "type")]
    pub kind: Text,
    pub subtype: Text,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestmentsTransactionsGetResponse {
    pub item: Item,
    pub accounts: Vec<Account>,
    pub securities: Vec<Security>,
    pub investment_transactions: Vec<InvestmentTransaction>,
    pub total_investment_transactions: usize,
}

/// An investment account's transfer numbers (ACATS in the US).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersAcats {
    pub account_id: String,
    pub account: String,
    pub dtc_numbers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersRetirement401k {
    pub account_id: String,
    pub plan: Option<String>,
    pub account: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsAuthNumbers {
    pub acats: Vec<NumbersAcats>,
    pub aton: Vec<serde_json::Value>,
    pub retirement_401k: Vec<NumbersRetirement401k>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsAuthOwner {
    pub account_id: String,
    pub names: Vec<String>,
}

/// Where each part of the answer came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsAuthDataSources {
    pub numbers: Option<Text>,
    pub owners: Option<Text>,
    pub holdings: Option<Text>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvestmentsAuthGetResponse {
    pub accounts: Vec<Account>,
    pub holdings: Vec<Holding>,
    pub securities: Vec<Security>,
    pub owners: Vec<InvestmentsAuthOwner>,
    pub numbers: InvestmentsAuthNumbers,
    pub data_sources: InvestmentsAuthDataSources,
    pub item: Item,
}
