//! Institutions: `/institutions/get`, `/institutions/get_by_id`, `/institutions/search`
//! and the institution object with its status.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CountryCode, Product, Timestamp};

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
