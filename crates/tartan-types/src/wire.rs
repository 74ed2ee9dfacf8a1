//! Plaid's request and response bodies, written from the API reference (not generated).
//!
//! Requests are decoded strictly by the server: a field not listed here is UNKNOWN_FIELDS.
//! Fields Tartan accepts and keeps but does not interpret are `Option<Value>`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;

use crate::error::ErrorBody;

/// Timestamps on the wire: RFC 3339 in UTC with whole seconds, as Plaid sends them.
pub type Timestamp = String;

/// Text that is usually a constant (names, masks, subtypes) and is then not copied.
pub type Text = Cow<'static, str>;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $wire)] $variant, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $wire, )* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

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

// ---------------------------------------------------------------------------------------------
// Shared response objects

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balances {
    pub available: Option<f64>,
    pub current: Option<f64>,
    pub limit: Option<f64>,
    pub iso_currency_code: Option<Text>,
    pub unofficial_currency_code: Option<String>,
    pub last_updated_datetime: Option<Timestamp>,
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

// ---------------------------------------------------------------------------------------------
// Items

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccessTokenRequest {
    pub access_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemGetResponse {
    pub item: Item,
    pub status: Option<ItemStatus>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ItemRemoveRequest {
    pub access_token: String,
    pub reason_code: Option<ItemRemoveReasonCode>,
    pub reason_note: Option<String>,
}

string_enum!(
    ItemRemoveReasonCode {
        FraudFirstParty = "FRAUD_FIRST_PARTY", FraudFalseIdentity = "FRAUD_FALSE_IDENTITY",
        FraudAbuse = "FRAUD_ABUSE", FraudOther = "FRAUD_OTHER",
        ConnectionIsNonFunctional = "CONNECTION_IS_NON_FUNCTIONAL", Other = "OTHER",
    }
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ItemWebhookUpdateRequest {
    pub access_token: String,
    /// `null` removes the webhook; absent is the same as null.
    #[serde(default)]
    pub webhook: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemResponse {
    pub item: Item,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemAccessTokenInvalidateResponse {
    pub new_access_token: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PublicTokenExchangeRequest {
    pub public_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicTokenExchangeResponse {
    pub access_token: String,
    pub item_id: String,
}

// ---------------------------------------------------------------------------------------------
// Accounts, auth, identity

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AccountIdsOptions {
    pub account_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccountsGetRequest {
    pub access_token: String,
    pub options: Option<AccountIdsOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct BalanceGetOptions {
    pub account_ids: Option<Vec<String>>,
    pub min_last_updated_datetime: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct BalanceGetRequest {
    pub access_token: String,
    pub options: Option<BalanceGetOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountsGetResponse {
    pub accounts: Vec<Account>,
    pub item: Item,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersAch {
    pub account_id: String,
    pub account: String,
    pub routing: String,
    pub wire_routing: Option<String>,
    pub can_transfer_in: Option<bool>,
    pub can_transfer_out: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersEft {
    pub account_id: String,
    pub account: String,
    pub institution: String,
    pub branch: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersInternational {
    pub account_id: String,
    pub iban: String,
    pub bic: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersBacs {
    pub account_id: String,
    pub account: String,
    pub sort_code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthNumbers {
    pub ach: Vec<NumbersAch>,
    pub eft: Vec<NumbersEft>,
    pub international: Vec<NumbersInternational>,
    pub bacs: Vec<NumbersBacs>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthGetResponse {
    pub accounts: Vec<Account>,
    pub numbers: AuthNumbers,
    pub item: Item,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub data: String,
    pub primary: bool,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Email {
    pub data: String,
    pub primary: bool,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressData {
    pub city: Option<String>,
    pub region: Option<String>,
    pub street: String,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub data: AddressData,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub names: Vec<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub emails: Vec<Email>,
    pub addresses: Vec<Address>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountWithOwners {
    #[serde(flatten)]
    pub account: Account,
    pub owners: Vec<Owner>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityGetResponse {
    pub accounts: Vec<AccountWithOwners>,
    pub item: Item,
}

// ---------------------------------------------------------------------------------------------
// Institutions

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductStatusBreakdown {
    pub success: f64,
    pub error_plaid: f64,
    pub error_institution: f64,
    pub refresh_interval: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductStatus {
    pub status: String,
    pub last_status_change: Timestamp,
    pub breakdown: ProductStatusBreakdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionStatus {
    pub item_logins: ProductStatus,
    pub transactions_updates: ProductStatus,
    pub auth: ProductStatus,
    pub identity: ProductStatus,
    pub investments_updates: ProductStatus,
    pub liabilities_updates: ProductStatus,
    pub liabilities: ProductStatus,
    pub investments: ProductStatus,
    pub health_incidents: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthSupportedMethods {
    pub instant_auth: bool,
    pub instant_match: bool,
    pub automated_micro_deposits: bool,
    pub instant_micro_deposits: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthMetadata {
    pub supported_methods: Option<AuthSupportedMethods>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    pub institution_id: String,
    pub name: String,
    pub products: Vec<Product>,
    pub country_codes: Vec<CountryCode>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub primary_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logo: Option<String>,
    pub routing_numbers: Vec<String>,
    pub dtc_numbers: Vec<String>,
    pub oauth: bool,
    /// `SUPPORTED` or `NOT_SUPPORTED`; required by SDKs built from newer specs (plaid-python 46).
    pub connection_availability: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<InstitutionStatus>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auth_metadata: Option<AuthMetadata>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InstitutionsGetOptions {
    pub products: Option<Vec<Product>>,
    pub routing_numbers: Option<Vec<String>>,
    pub oauth: Option<bool>,
    pub include_optional_metadata: Option<bool>,
    /// Not in Plaid's schema for this endpoint, accepted so a listing can show health.
    pub include_status: Option<bool>,
    pub include_auth_metadata: Option<bool>,
    pub include_payment_initiation_metadata: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct InstitutionsGetRequest {
    pub count: i64,
    pub offset: i64,
    pub country_codes: Vec<CountryCode>,
    pub options: Option<InstitutionsGetOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstitutionsGetResponse {
    pub institutions: Vec<Institution>,
    pub total: usize,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InstitutionsGetByIdOptions {
    pub include_optional_metadata: Option<bool>,
    pub include_status: Option<bool>,
    pub include_auth_metadata: Option<bool>,
    pub include_payment_initiation_metadata: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct InstitutionsGetByIdRequest {
    pub institution_id: String,
    pub country_codes: Vec<CountryCode>,
    pub options: Option<InstitutionsGetByIdOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstitutionsGetByIdResponse {
    pub institution: Institution,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InstitutionsSearchOptions {
    pub oauth: Option<bool>,
    pub include_optional_metadata: Option<bool>,
    pub include_auth_metadata: Option<bool>,
    pub include_payment_initiation_metadata: Option<bool>,
    pub payment_initiation: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct InstitutionsSearchRequest {
    pub query: String,
    pub products: Option<Vec<Product>>,
    pub country_codes: Vec<CountryCode>,
    pub options: Option<InstitutionsSearchOptions>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstitutionsSearchResponse {
    pub institutions: Vec<Institution>,
}

// ---------------------------------------------------------------------------------------------
// Sandbox

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SandboxPublicTokenCreateOptions {
    pub webhook: Option<String>,
    pub override_username: Option<String>,
    pub override_password: Option<String>,
    pub transactions: Option<Value>,
    pub statements: Option<Value>,
    pub income_verification: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SandboxPublicTokenCreateRequest {
    pub institution_id: String,
    pub initial_products: Vec<Product>,
    pub options: Option<SandboxPublicTokenCreateOptions>,
    pub user_token: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxPublicTokenCreateResponse {
    pub public_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxItemResetLoginResponse {
    pub reset_login: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SandboxItemFireWebhookRequest {
    pub access_token: String,
    pub webhook_type: Option<String>,
    pub webhook_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxItemFireWebhookResponse {
    pub webhook_fired: bool,
}

// ---------------------------------------------------------------------------------------------
// Link tokens

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LinkTokenUser {
    pub client_user_id: String,
    pub legal_name: Option<String>,
    pub name: Option<Value>,
    pub phone_number: Option<String>,
    pub phone_number_verified_time: Option<String>,
    pub email_address: Option<String>,
    pub email_address_verified_time: Option<String>,
    pub ssn: Option<String>,
    pub date_of_birth: Option<String>,
    pub address: Option<Value>,
    pub id_number: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SubtypeFilter {
    pub account_subtypes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limited_purpose_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct AccountFilters {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub depository: Option<SubtypeFilter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub credit: Option<SubtypeFilter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub loan: Option<SubtypeFilter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub investment: Option<SubtypeFilter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub other: Option<SubtypeFilter>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct LinkTokenUpdate {
    pub account_selection_enabled: Option<bool>,
    pub reauthorization_enabled: Option<bool>,
    pub user: Option<bool>,
    pub item_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct LinkTokenTransfer {
    pub intent_id: Option<String>,
    pub authorization_id: Option<String>,
    pub payment_profile_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct InstitutionData {
    pub routing_number: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LinkTokenCreateRequest {
    pub client_name: String,
    pub language: String,
    pub country_codes: Vec<CountryCode>,
    pub user: Option<LinkTokenUser>,
    pub user_id: Option<String>,
    pub products: Option<Vec<Product>>,
    pub required_if_supported_products: Option<Vec<Product>>,
    pub optional_products: Option<Vec<Product>>,
    pub additional_consented_products: Option<Vec<Product>>,
    pub webhook: Option<String>,
    pub access_token: Option<String>,
    pub access_tokens: Option<Vec<String>>,
    pub link_customization_name: Option<String>,
    pub appearance_mode: Option<String>,
    pub redirect_uri: Option<String>,
    pub android_package_name: Option<String>,
    pub institution_data: Option<InstitutionData>,
    pub account_filters: Option<AccountFilters>,
    pub institution_id: Option<String>,
    pub auth: Option<Value>,
    pub transfer: Option<LinkTokenTransfer>,
    pub update: Option<LinkTokenUpdate>,
    pub card_switch: Option<Value>,
    pub eu_config: Option<Value>,
    pub payment_configuration: Option<Value>,
    pub payment_initiation: Option<Value>,
    pub employment: Option<Value>,
    pub income_verification: Option<Value>,
    pub base_report: Option<Value>,
    pub credit_partner_insights: Option<Value>,
    pub cra_options: Option<Value>,
    pub consumer_report_permissible_purpose: Option<Value>,
    pub identity_verification: Option<Value>,
    pub statements: Option<Value>,
    pub third_party_user_token: Option<String>,
    pub investments: Option<Value>,
    pub investments_auth: Option<Value>,
    pub hosted_link: Option<Value>,
    pub transactions: Option<Value>,
    pub cashflow_report: Option<Value>,
    pub cra_enabled: Option<bool>,
    pub identity: Option<Value>,
    pub financekit_supported: Option<bool>,
    pub enable_multi_item_link: Option<bool>,
    pub user_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTokenCreateResponse {
    pub link_token: String,
    pub expiration: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LinkTokenGetRequest {
    pub link_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTokenMetadata {
    pub initial_products: Vec<Product>,
    pub webhook: Option<String>,
    pub country_codes: Vec<CountryCode>,
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub institution_data: Option<InstitutionData>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account_filters: Option<AccountFilters>,
    pub redirect_uri: Option<String>,
    pub client_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTokenGetResponse {
    pub link_token: String,
    pub created_at: Option<Timestamp>,
    pub expiration: Option<Timestamp>,
    pub link_sessions: Vec<Value>,
    pub metadata: LinkTokenMetadata,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Webhook verification key

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WebhookVerificationKeyGetRequest {
    pub key_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    pub alg: String,
    pub crv: String,
    pub kid: String,
    pub kty: String,
    #[serde(rename = "use")]
    pub key_use: String,
    pub x: String,
    pub y: String,
    pub created_at: i64,
    pub expired_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookVerificationKeyGetResponse {
    pub key: Jwk,
}
