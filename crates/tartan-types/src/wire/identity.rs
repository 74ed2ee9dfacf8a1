//! Identity: `/identity/get` and the account owners it reports.

use serde::{Deserialize, Serialize};

use super::{Account, Item};

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
