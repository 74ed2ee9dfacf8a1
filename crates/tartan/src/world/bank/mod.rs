//! The simulated bank's side: the accounts a Sandbox user holds and how their balances move.
//!
//! The institution holds the truth; an Item holds Plaid's cached copy of it (seed 001). The
//! truth is a pure function of the account, a seed and the number of whole days elapsed, so
//! the same inputs always give the same balances.

use serde::{Deserialize, Serialize};
use tartan_types::wire::{
    AccountType, Address, AddressData, Email, NumbersAch, NumbersBacs, NumbersEft,
    NumbersInternational, Owner, PhoneNumber,
};

use super::ids::splitmix;

pub mod custom;
pub mod holdings;
pub mod merchants;
pub mod securities;
pub mod transactions;
use super::institutions::{InstitutionDef, Region};

/// What an account is: a Sandbox user's standard account (`'static`) or one a `user_custom`
/// configuration describes (borrowed from it).
#[derive(Debug, Clone, Copy)]
pub struct AccountTemplate<'a> {
    pub name: &'a str,
    pub official_name: Option<&'a str>,
    pub account_type: AccountType,
    pub subtype: &'a str,
    pub mask: &'a str,
    pub available: Option<f64>,
    pub current: f64,
    pub limit: Option<f64>,
}

const fn acct(
    name: &'static str,
    official_name: Option<&'static str>,
    account_type: AccountType,
    subtype: &'static str,
    mask: &'static str,
    balances: (Option<f64>, f64, Option<f64>),
) -> AccountTemplate<'static> {
    AccountTemplate {
        name,
        official_name,
        account_type,
        subtype,
        mask,
        available: balances.0,
        current: balances.1,
        limit: balances.2,
    }
}

use AccountType::{Credit, Depository, Investment, Loan};

/// The accounts `user_good` holds at every Sandbox institution, as the real Sandbox shows them.
pub static USER_GOOD: &[AccountTemplate<'static>] = &[
    acct(
        "Plaid Checking",
        Some("Plaid Gold Standard 0% Interest Checking"),
        Depository,
        "checking",
        "0000",
        (Some(100.0), 110.0, None),
    ),
    acct(
        "Plaid Saving",
        Some("Plaid Silver Standard 0.1% Interest Saving"),
        Depository,
        "savings",
        "1111",
        (Some(200.0), 210.0, None),
    ),
    acct(
        "Plaid CD",
        Some("Plaid Bronze Standard 0.2% Interest CD"),
        Depository,
        "cd",
        "2222",
        (None, 1000.0, None),
    ),
    acct(
        "Plaid Credit Card",
        Some("Plaid Diamond 12.5% APR Interest Credit Card"),
        Credit,
        "credit card",
        "3333",
        (None, 410.0, Some(2000.0)),
    ),
    acct(
        "Plaid Money Market",
        Some("Plaid Platinum Standard 1.85% Interest Money Market"),
        Depository,
        "money market",
        "4444",
        (Some(43200.0), 43200.0, None),
    ),
    acct(
        "Plaid IRA",
        None,
        Investment,
        "ira",
        "5555",
        (None, 320.76, None),
    ),
    acct(
        "Plaid 401k",
        None,
        Investment,
        "401k",
        "6666",
        (None, 23631.9805, None),
    ),
    acct(
        "Plaid Student Loan",
        None,
        Loan,
        "student",
        "7777",
        (None, 65262.0, None),
    ),
    acct(
        "Plaid Mortgage",
        None,
        Loan,
        "mortgage",
        "8888",
        (None, 56302.06, None),
    ),
    acct(
        "Plaid HSA",
        Some("Plaid Cares Health Savings Account"),
        Depository,
        "hsa",
        "9001",
        (Some(6009.0), 6009.0, None),
    ),
    acct(
        "Plaid Cash Management",
        Some("Plaid Growth Cash Management"),
        Depository,
        "cash management",
        "9002",
        (Some(12060.0), 12060.0, None),
    ),
    acct(
        "Plaid Business Credit Card",
        Some("Plaid Platinum Small Business Credit Card"),
        Credit,
        "credit card",
        "9999",
        (Some(4980.0), 5020.0, Some(10000.0)),
    ),
];

/// Accounts the bank may open for the user after the Item was linked (NEW_ACCOUNTS_AVAILABLE).
pub static LATER: &[AccountTemplate<'static>] = &[
    acct(
        "Plaid Premier Checking",
        Some("Plaid Premier 0.5% Interest Checking"),
        Depository,
        "checking",
        "1212",
        (Some(500.0), 500.0, None),
    ),
    acct(
        "Plaid High Yield Saving",
        Some("Plaid Gold 4.0% Interest Saving"),
        Depository,
        "savings",
        "3434",
        (Some(2500.0), 2500.0, None),
    ),
    acct(
        "Plaid Rewards Card",
        Some("Plaid Rewards 19.9% APR Credit Card"),
        Credit,
        "credit card",
        "5656",
        (None, 0.0, Some(5000.0)),
    ),
];

/// Template indices of [`LATER`], in the order the bank opens them.
pub const NEW_ACCOUNTS: &[usize] = &[12, 13, 14];

/// The template with index `i`: `USER_GOOD` first, then `LATER`.
pub fn template(i: usize) -> &'static AccountTemplate<'static> {
    USER_GOOD
        .get(i)
        .or_else(|| LATER.get(i.saturating_sub(USER_GOOD.len())))
        .unwrap_or(&USER_GOOD[0])
}

/// A balance as the bank reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    pub available: Option<f64>,
    pub current: Option<f64>,
    pub limit: Option<f64>,
}

/// A stable seed for an account from the Item's seed and the account's mask.
pub fn account_seed(item_seed: u64, mask: &str) -> u64 {
    mask.bytes()
        .fold(splitmix(item_seed), |acc, b| splitmix(acc ^ u64::from(b)))
}

/// Account numbers for `/auth/get`, in the institution's region.
pub enum Numbers {
    Ach(NumbersAch),
    Eft(NumbersEft),
    Europe(NumbersBacs, NumbersInternational),
}

/// Subtypes Plaid's Auth covers: depository accounts with routable numbers.
const AUTH_SUBTYPES: &[&str] = &["checking", "savings", "cash management"];

/// Whether Auth returns numbers for this account, and so whether Link offers it when the link
/// token asks for Auth: Plaid's Auth filter, depository accounts of the subtypes checking,
/// savings and cash management (not CDs, money market accounts or HSAs).
pub fn has_numbers(template: &AccountTemplate) -> bool {
    template.account_type == Depository && AUTH_SUBTYPES.contains(&template.subtype)
}

pub fn numbers(inst: &InstitutionDef, template: &AccountTemplate, account_id: &str) -> Numbers {
    let account_id = account_id.to_owned();
    match inst.region {
        Region::Us => Numbers::Ach(NumbersAch {
            account_id,
            account: format!("111122223333{}", template.mask),
            routing: inst
                .routing_numbers
                .first()
                .unwrap_or(&"110000000")
                .to_string(),
            wire_routing: Some("021000021".to_owned()),
            can_transfer_in: Some(true),
            can_transfer_out: Some(true),
        }),
        Region::Canada => Numbers::Eft(NumbersEft {
            account_id,
            account: format!("111122{}", template.mask),
            institution: "043".to_owned(),
            branch: "01140".to_owned(),
        }),
        Region::Europe => Numbers::Europe(
            NumbersBacs {
                account_id: account_id.clone(),
                account: format!("3141{}", template.mask),
                sort_code: "010004".to_owned(),
            },
            NumbersInternational {
                account_id,
                iban: format!("GB33BUKB2020155555{}", template.mask),
                bic: "BUKBGB22".to_owned(),
            },
        ),
    }
}

/// The Sandbox account holder, as Plaid's Auth testing page documents them.
pub fn owner() -> Owner {
    Owner {
        names: vec!["Alberta Bobbeth Charleson".to_owned()],
        phone_numbers: vec![
            PhoneNumber {
                data: "1112223333".to_owned(),
                primary: false,
                kind: "home".to_owned(),
            },
            PhoneNumber {
                data: "1112224444".to_owned(),
                primary: false,
                kind: "work".to_owned(),
            },
            PhoneNumber {
                data: "1112225555".to_owned(),
                primary: false,
                kind: "mobile".to_owned(),
            },
        ],
        emails: vec![
            Email {
                data: "accountholder0@example.com".to_owned(),
                primary: true,
                kind: "primary".to_owned(),
            },
            Email {
                data: "accountholder1@example.com".to_owned(),
                primary: false,
                kind: "secondary".to_owned(),
            },
        ],
        addresses: vec![Address {
            data: AddressData {
                city: Some("Malakoff".to_owned()),
                region: Some("NY".to_owned()),
                street: "2992 Cameron Road".to_owned(),
                postal_code: Some("14236".to_owned()),
                country: Some("US".to_owned()),
            },
            primary: true,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_indexed_across_both_lists() {
        assert_eq!(NEW_ACCOUNTS.len(), LATER.len());
        for (n, &i) in NEW_ACCOUNTS.iter().enumerate() {
            assert_eq!(template(i).mask, LATER[n].mask);
        }
        assert_eq!(template(0).mask, "0000");
    }
}
