//! Shared by every product: the scalar aliases (Timestamp, Text), the string enums
//! (Product, CountryCode, AccountType) and the response objects many endpoints return
//! (Account, Balances, Item and its status).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::error::ErrorBody;

/// Timestamps on the wire: RFC 3339 in UTC with whole seconds, as Plaid sends them.
pub type Timestamp = String;

/// Text that is usually a constant (names, masks, subtypes) and is then not copied.
pub type Text = Cow<'static, str>;

string_enum!(
    /// Plaid products (the `Products` enum of the API).
    Product {
        Assets = "assets", Auth = "auth", Balance = "balance", BalancePlus = "balance_plus",
        Beacon = "beacon", Identity = "identity", IdentityMatch = "identity_match",
        Investments = "investments", InvestmentsAuth = "investments_auth",
        Liabilities = "liabilities", PaymentInitiation = "payment_initiation",
        IdentityVerification = "identity_verification", Transactions = "transactions",
        CreditDetails = "credit_details", Income = "income",
        IncomeVerification = "income_verification", StandingOrders = "standing_orders",
        Transfer = "transfer", Employment = "employment",
        RecurringTransactions = "recurring_transactions",
        TransactionsRefresh = "transactions_refresh", Signal = "signal",
        Statements = "statements", ProcessorPayments = "processor_payments",
        ProcessorIdentity = "processor_identity", Profile = "profile",
        CraBaseReport = "cra_base_report", CraIncomeInsights = "cra_income_insights",
        CraPartnerInsights = "cra_partner_insights", CraNetworkInsights = "cra_network_insights",
        CraCashflowInsights = "cra_cashflow_insights", CraMonitoring = "cra_monitoring",
        CraLendScore = "cra_lend_score", CraPlaidCreditScore = "cra_plaid_credit_score",
        Layer = "layer", PayByBank = "pay_by_bank", ProtectLinkedBank = "protect_linked_bank",
        ProtectTransactions = "protect_transactions",
    }
);

string_enum!(
    /// ISO-3166-1 alpha-2 codes Plaid supports.
    CountryCode {
        US = "US", GB = "GB", ES = "ES", NL = "NL", FR = "FR", IE = "IE", CA = "CA", DE = "DE",
        IT = "IT", PL = "PL", DK = "DK", NO = "NO", SE = "SE", EE = "EE", LT = "LT", LV = "LV",
        PT = "PT", BE = "BE", AT = "AT", FI = "FI",
    }
);

string_enum!(
    AccountType {
        Investment = "investment", Credit = "credit", Depository = "depository", Loan = "loan",
        Brokerage = "brokerage", Other = "other",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balances {
    pub available: Option<f64>,
    pub current: Option<f64>,
    pub limit: Option<f64>,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
    pub last_updated_datetime: Option<Timestamp>,
    /// Investment accounts only (Plaid's `InvestmentAccountBalance`): `Some(None)` is written
    /// as null, `None` leaves the key out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_loan_amount: Option<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub account_id: String,
    pub balances: Balances,
    pub mask: Option<Text>,
    pub name: Text,
    pub official_name: Option<Text>,
    #[serde(rename = "type")]
    pub account_type: AccountType,
    pub subtype: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verification_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub persistent_account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub holder_category: Option<Text>,
}

/// The `item` object of `/item/get` (and, without the consent fields, of product endpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub item_id: String,
    pub institution_id: Option<Text>,
    pub institution_name: Option<Text>,
    pub webhook: Option<String>,
    pub auth_method: Option<Text>,
    pub error: Option<ErrorBody>,
    pub available_products: Vec<Product>,
    pub billed_products: Vec<Product>,
    pub products: Vec<Product>,
    pub consented_products: Vec<Product>,
    pub consent_expiration_time: Option<Timestamp>,
    pub update_type: Text,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub consented_use_cases: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub consented_data_scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductUpdateStatus {
    pub last_successful_update: Option<Timestamp>,
    pub last_failed_update: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastWebhook {
    pub sent_at: Option<Timestamp>,
    pub code_sent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatus {
    pub investments: ProductUpdateStatus,
    pub transactions: ProductUpdateStatus,
    pub last_webhook: Option<LastWebhook>,
}
