//! Link tokens: `/link/token/create` and `/link/token/get`, with the filters, update mode
//! and Transfer options a link token carries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CountryCode, Product, Timestamp};

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
