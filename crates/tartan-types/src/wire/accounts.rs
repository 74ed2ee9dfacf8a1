//! Accounts and balances: `/accounts/get` and `/accounts/balance/get`.

use serde::{Deserialize, Serialize};

use super::{Account, Item};

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
