//! Sandbox: `/sandbox/public_token/create`, `/sandbox/item/reset_login` and
//! `/sandbox/item/fire_webhook`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Product;

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
