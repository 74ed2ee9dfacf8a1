//! `user_custom`: a Sandbox user whose accounts, balances, numbers, identity, transactions,
//! MFA and login error come from a JSON configuration given as the password, as Plaid
//! documents it (plaid-behavior.md 2.8).
//!
//! A configuration cannot be derived from anything, so the Item keeps it, validated and with
//! its defaults filled in; the accounts' balances and transactions on any day are computed
//! from it. Fields Plaid documents for other products (`holdings`, `liability`, ...) are
//! accepted and kept for them; a field Plaid does not document is refused by name.

use serde::{Deserialize, Serialize};
use tartan_types::wire::{AccountType, Address, Email, Owner, PhoneNumber};
use tartan_types::{ErrorCode, PlaidError};
use time::Date;

use super::merchants;
use super::transactions::{BankTxn, Origin, effect};
use super::{AccountTemplate, Balance, Numbers};
use crate::world::ids;

/// The username that takes a configuration as its password.
pub const USER: &str = "user_custom";
/// Plaid: more than 10 accounts fails.
pub const MAX_ACCOUNTS: usize = 10;
/// Plaid: a configuration over about 55 KB is not supported.
pub const MAX_BYTES: usize = 55 * 1024;

/// A `user_custom` configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomUser {
    /// `"1"` or `"2"` (Plaid's default); accepted, it changes nothing here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_accounts: Vec<CustomAccount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<CustomMfa>,
    /// `good` or `bad`; Tartan's Link shows no reCAPTCHA, so it is accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recaptcha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_error: Option<String>,
    /// Shift every date at Item creation so the newest transaction falls on that day.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub roll_dates_forward: bool,
}

/// Plaid's `type` of an override account (`payroll` answers as `other` on the wire, which has
/// no payroll type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverrideType {
    Investment,
    Credit,
    Depository,
    Loan,
    Payroll,
    Other,
}

impl OverrideType {
    fn wire(self) -> AccountType {
        match self {
            Self::Investment => AccountType::Investment,
            Self::Credit => AccountType::Credit,
            Self::Depository => AccountType::Depository,
            Self::Loan => AccountType::Loan,
            Self::Payroll | Self::Other => AccountType::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAccount {
    #[serde(rename = "type")]
    pub kind: OverrideType,
    pub subtype: String,
    /// The current balance at linking (filled in from the seed when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_balance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_available_balance: Option<f64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub has_null_available_balance: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default)]
    pub meta: CustomMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<CustomNumbers>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<CustomTxn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<CustomIdentity>,
    /// Kept for Investments and Liabilities (issue 11); not read yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdings: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment_transactions: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liability: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inflow_model: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Empty (no mask) or 2–4 letters and digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
    /// Accepted and kept; Tartan's accounts report no APY yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomNumbers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ach_routing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ach_wire_routing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eft_institution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eft_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub international_bic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub international_iban: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bacs_sort_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomTxn {
    #[serde(with = "plain_date")]
    pub date_transacted: Date,
    /// A posting date after the day Tartan's clock shows makes the transaction pending.
    #[serde(with = "plain_date")]
    pub date_posted: Date,
    /// Plaid's sign: positive when money leaves the account.
    pub amount: f64,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomIdentity {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub addresses: Vec<Address>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaType {
    Device,
    Selections,
    Questions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomMfa {
    #[serde(rename = "type")]
    pub kind: MfaType,
    /// Counts are JSON numbers in Plaid's schema (its SDKs send `2.0`); whole ones only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question_rounds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_per_round: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_rounds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selections_per_question: Option<f64>,
}

impl CustomMfa {
    /// A count as checked by [`parse`]: a whole number from 1 to 9.
    pub fn count(n: Option<f64>) -> Option<u32> {
        n.map(|n| n as u32)
    }
}

/// The errors `force_error` may name (Plaid's list; `PLAID_ERROR` is an internal error).
const FORCEABLE: &[&str] = &[
    "INSTITUTION_NOT_RESPONDING",
    "INSTITUTION_NO_LONGER_SUPPORTED",
    "INVALID_CREDENTIALS",
    "INVALID_MFA",
    "ITEM_LOCKED",
    "ITEM_LOGIN_REQUIRED",
    "ITEM_NOT_SUPPORTED",
    "INVALID_LINK_TOKEN",
    "MFA_NOT_SUPPORTED",
    "NO_ACCOUNTS",
    "PLAID_ERROR",
    "USER_INPUT_TIMEOUT",
    "USER_SETUP_REQUIRED",
];

/// A configuration that cannot be used: Plaid's INVALID_CREDENTIALS, saying what is wrong.
fn refused(why: impl std::fmt::Display) -> PlaidError {
    PlaidError::new(ErrorCode::INVALID_CREDENTIALS).with_message(format!(
        "the provided credentials were not correct: the user_custom configuration {why}"
    ))
}

/// Reads and checks a configuration (the password of `user_custom`), filling in the names,
/// masks and balances it leaves out.
pub fn parse(password: &str) -> Result<CustomUser, PlaidError> {
    if password.len() > MAX_BYTES {
        return Err(refused(format_args!(
            "is {} bytes; Plaid supports at most about 55 KB",
            password.len()
        )));
    }
    let de = &mut serde_json::Deserializer::from_str(password);
    let mut user: CustomUser = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            refused(format_args!("is not a JSON object: {}", e.inner()))
        } else {
            refused(format_args!("is not valid at {path}: {}", e.inner()))
        }
    })?;
    user.check()?;
    user.fill();
    Ok(user)
}

impl CustomUser {
    fn check(&self) -> Result<(), PlaidError> {
        if let Some(v) = &self.version {
            let ok = match v {
                serde_json::Value::String(s) => s == "1" || s == "2",
                serde_json::Value::Number(n) => n.as_u64().is_some_and(|n| n == 1 || n == 2),
                _ => false,
            };
            if !ok {
                return Err(refused(format_args!(
                    "has version {v}; Plaid knows \"1\" and \"2\""
                )));
            }
        }
        if self.override_accounts.len() > MAX_ACCOUNTS {
            return Err(refused(format_args!(
                "has {} override_accounts; Plaid allows at most {MAX_ACCOUNTS}",
                self.override_accounts.len()
            )));
        }
        if let Some(code) = &self.force_error
            && !FORCEABLE.contains(&code.as_str())
        {
            return Err(refused(format_args!(
                "has force_error {code:?}, which is not one of {}",
                FORCEABLE.join(", ")
            )));
        }
        if let Some(mfa) = &self.mfa {
            for (field, n) in [
                ("question_rounds", mfa.question_rounds),
                ("questions_per_round", mfa.questions_per_round),
                ("selection_rounds", mfa.selection_rounds),
                ("selections_per_question", mfa.selections_per_question),
            ] {
                if let Some(n) = n
                    && !(n.fract() == 0.0 && (1.0..=9.0).contains(&n))
                {
                    return Err(refused(format_args!(
                        "has mfa.{field} {n}; Tartan takes 1 to 9"
                    )));
                }
            }
            if mfa.selections_per_question == Some(1.0) {
                return Err(refused(
                    "has mfa.selections_per_question 1; a selection needs at least 2 choices",
                ));
            }
        }
        for (i, a) in self.override_accounts.iter().enumerate() {
            let at = |field: &str| format!("override_accounts[{i}].{field}");
            if a.subtype.trim().is_empty() {
                return Err(refused(format_args!("has an empty {}", at("subtype"))));
            }
            if a.force_available_balance.is_some() && a.has_null_available_balance {
                return Err(refused(format_args!(
                    "sets both {} and {}: they exclude each other",
                    at("force_available_balance"),
                    at("has_null_available_balance")
                )));
            }
            for (field, x) in [
                ("starting_balance", a.starting_balance),
                ("force_available_balance", a.force_available_balance),
                ("meta.limit", a.meta.limit),
            ] {
                if x.is_some_and(|x| !x.is_finite()) {
                    return Err(refused(format_args!("has a {} out of range", at(field))));
                }
            }
            let iso = |c: &Option<String>| {
                c.as_deref()
                    .is_none_or(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
            };
            if !iso(&a.currency) {
                return Err(refused(format_args!(
                    "has {} {:?}: an ISO-4217 code is three capital letters",
                    at("currency"),
                    a.currency.as_deref().unwrap_or_default()
                )));
            }
            if let Some(j) = a.transactions.iter().position(|t| !iso(&t.currency)) {
                return Err(refused(format_args!(
                    "has {}: an ISO-4217 code is three capital letters",
                    at(&format!("transactions[{j}].currency"))
                )));
            }
            if let Some(mask) = &a.meta.mask
                && !(mask.is_empty()
                    || ((2..=4).contains(&mask.len())
                        && mask.chars().all(|c| c.is_ascii_alphanumeric())))
            {
                return Err(refused(format_args!(
                    "has {} {mask:?}: a mask is empty or 2 to 4 letters and digits",
                    at("meta.mask")
                )));
            }
            for (j, t) in a.transactions.iter().enumerate() {
                let at = |field: &str| at(&format!("transactions[{j}].{field}"));
                if t.date_posted < t.date_transacted {
                    return Err(refused(format_args!(
                        "has {} before {}",
                        at("date_posted"),
                        at("date_transacted")
                    )));
                }
                if !t.amount.is_finite() || t.amount.abs() >= 1e13 {
                    return Err(refused(format_args!(
                        "has an {} out of range",
                        at("amount")
                    )));
                }
                if t.description.trim().is_empty() {
                    return Err(refused(format_args!("has an empty {}", at("description"))));
                }
            }
        }
        Ok(())
    }

    /// Names, masks and starting balances the configuration leaves out, from its seed.
    fn fill(&mut self) {
        let seed = ids::stable_hash(self.seed.as_deref().unwrap_or("").as_bytes());
        for (i, a) in self.override_accounts.iter_mut().enumerate() {
            if a.meta.name.is_none() {
                a.meta.name = Some(default_name(&a.subtype));
            }
            if a.meta.mask.is_none() {
                // 0000, 1111, ... as the standard user's masks.
                let digit = char::from(b'0' + (i % 10) as u8);
                a.meta.mask = Some(std::iter::repeat_n(digit, 4).collect());
            }
            if a.starting_balance.is_none() {
                let x = ids::splitmix(seed ^ ids::splitmix(i as u64 + 1));
                a.starting_balance = Some((100 + x % 9_900) as f64);
            }
        }
    }

    /// `roll_dates_forward`: the dates moved, once, so that the newest transaction date is
    /// `created` and the spacing stays; the Item keeps the moved dates.
    pub fn roll_to(&mut self, created: Date) {
        if !self.roll_dates_forward {
            return;
        }
        let txns = || self.override_accounts.iter().flat_map(|a| &a.transactions);
        let Some(newest) = txns().map(|t| t.date_transacted).max() else {
            return;
        };
        let by = created - newest;
        for t in self
            .override_accounts
            .iter_mut()
            .flat_map(|a| a.transactions.iter_mut())
        {
            t.date_transacted = t
                .date_transacted
                .checked_add(by)
                .unwrap_or(t.date_transacted);
            t.date_posted = t.date_posted.checked_add(by).unwrap_or(t.date_posted);
        }
        self.roll_dates_forward = false;
    }

    /// The login error the configuration forces, if any.
    pub fn forced_error(&self) -> Option<PlaidError> {
        let code = self.force_error.as_deref()?;
        let code = match code {
            "PLAID_ERROR" => ErrorCode::INTERNAL_SERVER_ERROR,
            c => ErrorCode::from_code(c).unwrap_or(ErrorCode::INTERNAL_SERVER_ERROR),
        };
        Some(PlaidError::new(code))
    }

    /// The configured accounts, or none when it leaves the standard ones (`{}`).
    pub fn accounts(&self) -> Option<&[CustomAccount]> {
        (!self.override_accounts.is_empty()).then_some(&self.override_accounts[..])
    }

    /// The configured transactions of account `account`, each with its place among all of
    /// the configuration's transactions (what its id derives from).
    pub fn transactions(&self, account: usize) -> impl Iterator<Item = (usize, &CustomTxn)> {
        let first: usize = self
            .override_accounts
            .iter()
            .take(account)
            .map(|a| a.transactions.len())
            .sum();
        self.override_accounts
            .get(account)
            .into_iter()
            .flat_map(|a| a.transactions.iter())
            .enumerate()
            .map(move |(j, t)| (first + j, t))
    }

    /// The configured transaction with place `n`.
    pub fn transaction(&self, n: usize) -> Option<&CustomTxn> {
        self.override_accounts
            .iter()
            .flat_map(|a| a.transactions.iter())
            .nth(n)
    }
}

/// "Plaid Checking" for `checking`, "Plaid Credit Card" for `credit card`.
fn default_name(subtype: &str) -> String {
    let words: Vec<String> = subtype
        .split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    format!("Plaid {}", words.join(" "))
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

impl CustomAccount {
    pub fn template(&self) -> AccountTemplate<'_> {
        AccountTemplate {
            name: self.meta.name.as_deref().unwrap_or("Plaid Account"),
            official_name: self.meta.official_name.as_deref(),
            account_type: self.kind.wire(),
            subtype: &self.subtype,
            mask: self.meta.mask.as_deref().unwrap_or(""),
            available: self.force_available_balance,
            current: self.starting_balance.unwrap_or(0.0),
            limit: self.meta.limit,
        }
    }

    /// A configured transaction as the bank holds it, for an Item created on `created`.
    pub fn bank_txn(account: usize, n: usize, t: &CustomTxn, created: Date) -> BankTxn {
        let day = |d: Date| (d - created).whole_days();
        let (authorized_day, posted_day) = (day(t.date_transacted), day(t.date_posted));
        let c = cents(t.amount);
        BankTxn {
            account,
            authorized_day,
            posted_day: Some(posted_day),
            slot: 0,
            pending_cents: c,
            cents: c,
            merchant: merchants::recognize(&t.description),
            pends: posted_day > authorized_day,
            origin: Origin::Custom(n.min(usize::from(u16::MAX)) as u16),
        }
    }

    /// The bank's balance `day` whole days after linking: the starting balance moved by what
    /// posted since, the available balance less what is pending (or as forced).
    pub fn balance(&self, txns: impl Iterator<Item = BankTxn>, day: i64) -> Balance {
        let t = self.template();
        let (mut posted, mut pending) = (0i64, 0i64);
        for x in txns {
            if x.posted_day.is_some_and(|p| p > 0 && p <= day) {
                posted += x.cents;
            } else if x.pending_on(day) {
                pending += x.pending_cents;
            }
        }
        let current = cents(t.current) + effect(&t, posted);
        let available = if self.has_null_available_balance {
            None
        } else if let Some(forced) = self.force_available_balance {
            Some(forced)
        } else {
            match self.kind {
                OverrideType::Depository | OverrideType::Payroll | OverrideType::Other => {
                    Some(from_cents(current + effect(&t, pending)))
                }
                OverrideType::Credit => t
                    .limit
                    .map(|l| from_cents(cents(l) - current - effect(&t, pending))),
                OverrideType::Investment | OverrideType::Loan => None,
            }
        };
        Balance {
            available,
            current: Some(from_cents(current)),
            limit: t.limit,
        }
    }

    /// The account holder, as configured.
    pub fn owner(&self) -> Option<Owner> {
        self.identity.as_ref().map(|i| Owner {
            names: i.names.clone(),
            phone_numbers: i.phone_numbers.clone(),
            emails: i.emails.clone(),
            addresses: i.addresses.clone(),
        })
    }

    /// The standard numbers with the configured ones in their place.
    pub fn numbers(&self, standard: Numbers) -> Numbers {
        let Some(n) = &self.numbers else {
            return standard;
        };
        let set = |field: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                field.clone_from(v);
            }
        };
        match standard {
            Numbers::Ach(mut a) => {
                set(&mut a.account, &n.account);
                set(&mut a.routing, &n.ach_routing);
                if n.ach_wire_routing.is_some() {
                    a.wire_routing.clone_from(&n.ach_wire_routing);
                }
                Numbers::Ach(a)
            }
            Numbers::Eft(mut e) => {
                set(&mut e.account, &n.account);
                set(&mut e.institution, &n.eft_institution);
                set(&mut e.branch, &n.eft_branch);
                Numbers::Eft(e)
            }
            Numbers::Europe(mut bacs, mut intl) => {
                set(&mut bacs.account, &n.account);
                set(&mut bacs.sort_code, &n.bacs_sort_code);
                set(&mut intl.bic, &n.international_bic);
                set(&mut intl.iban, &n.international_iban);
                Numbers::Europe(bacs, intl)
            }
        }
    }
}

fn from_cents(c: i64) -> f64 {
    c as f64 / 100.0
}

/// Dates as Plaid's configuration writes them: `YYYY-MM-DD`.
mod plain_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Date::parse(&text, FORMAT)
            .map_err(|_| D::Error::custom(format!("{text:?} is not a date (YYYY-MM-DD)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_configuration_fills_in_what_it_leaves_out() {
        let u = parse(
            r#"{"override_accounts":[{"type":"depository","subtype":"checking"},
            {"type":"credit","subtype":"credit card","meta":{"mask":"","limit":500}}]}"#,
        )
        .expect("valid");
        let a = u.override_accounts[0].template();
        assert_eq!((a.name, a.mask), ("Plaid Checking", "0000"));
        assert!(a.current >= 100.0);
        let b = u.override_accounts[1].template();
        assert_eq!(
            (b.name, b.mask, b.limit),
            ("Plaid Credit Card", "", Some(500.0))
        );
        assert_eq!(parse("{}").expect("empty").accounts(), None);
    }

    #[test]
    fn bad_configurations_are_refused_naming_what_is_wrong() {
        for (config, says) in [
            ("pass_good", "not a JSON object"),
            (r#"{"override_acounts":[]}"#, "override_acounts"),
            (
                r#"{"override_accounts":[{"type":"depository","subtype":"checking","meta":{"mask":"12345"}}]}"#,
                "override_accounts[0].meta.mask",
            ),
            (
                r#"{"override_accounts":[{"type":"bank","subtype":"checking"}]}"#,
                "override_accounts[0].type",
            ),
            (r#"{"force_error":"NOPE"}"#, "force_error"),
            (
                r#"{"override_accounts":[{"type":"depository","subtype":"checking","currency":"usd"}]}"#,
                "override_accounts[0].currency",
            ),
            (
                r#"{"override_accounts":[{"type":"depository","subtype":"checking","transactions":[{"date_transacted":"2026-13-01","date_posted":"2026-01-01","amount":1,"description":"x"}]}]}"#,
                "transactions[0].date_transacted",
            ),
        ] {
            let e = parse(config).expect_err(config);
            assert_eq!(e.code, ErrorCode::INVALID_CREDENTIALS);
            assert!(e.message.contains(says), "{config}: {}", e.message);
        }
        let eleven = format!(
            r#"{{"override_accounts":[{}]}}"#,
            [r#"{"type":"depository","subtype":"checking"}"#; 11].join(",")
        );
        assert!(
            parse(&eleven)
                .expect_err("11")
                .message
                .contains("at most 10")
        );
    }

    #[test]
    fn balances_move_with_what_posts_after_linking() {
        let u = parse(
            r#"{"override_accounts":[{"type":"depository","subtype":"checking","starting_balance":1000,
            "transactions":[{"date_transacted":"2027-03-09","date_posted":"2027-03-09","amount":50,"description":"Old"},
            {"date_transacted":"2027-03-10","date_posted":"2027-03-12","amount":25.5,"description":"Later"}]}]}"#,
        )
        .expect("valid");
        let a = &u.override_accounts[0];
        let created = date!(2027 - 03 - 10);
        let txns = || {
            u.transactions(0)
                .map(|(n, t)| CustomAccount::bank_txn(0, n, t, created))
        };
        let day0 = a.balance(txns(), 0);
        assert_eq!((day0.current, day0.available), (Some(1000.0), Some(974.5)));
        let day2 = a.balance(txns(), 2);
        assert_eq!((day2.current, day2.available), (Some(974.5), Some(974.5)));
    }
}
