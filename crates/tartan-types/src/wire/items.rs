//! Items: `/item/*` and `/item/public_token/exchange`, and the access-token request
//! most products share.

use serde::{Deserialize, Serialize};

use super::{Item, ItemStatus};

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
