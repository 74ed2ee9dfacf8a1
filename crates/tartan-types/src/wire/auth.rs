//! Auth: `/auth/get` and its account and routing numbers.

use serde::{Deserialize, Serialize};

use super::{Account, Item};

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
