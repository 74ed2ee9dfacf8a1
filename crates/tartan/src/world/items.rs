//! Items, their accounts and tokens, and what can happen to them.

use serde::{Deserialize, Serialize};
use tartan_types::wire::{LinkTokenCreateRequest, Product};
use tartan_types::{ErrorCode, PlaidError};

use tartan_types::wire::Owner;

use super::bank::custom::{self, CustomAccount, CustomUser};
use super::bank::{self, AccountTemplate, Balance, Numbers};
use super::clock::{DAY_MS, MINUTE_MS};
use super::ids::{self, TokenKind};
use super::institutions::{self, InstitutionDef};
use super::outbox;
use super::{Record, State, World};

/// A public token lives 30 minutes and can be exchanged once.
pub const PUBLIC_TOKEN_LIFETIME_MS: i64 = 30 * MINUTE_MS;
/// Items without a regularly updating product refresh about every 30 days.
pub const AUTH_ONLY_REFRESH_MS: i64 = 30 * DAY_MS;

/// An account as Plaid last saw it. Plaid's cached copy is the bank's truth read as of
/// `cached_at_ms`, so only that moment is stored (rows written before held the balance too;
/// it is ignored, being the same function's value).
///
/// Stored as `[template, cached_at_ms]` when its id is derived (most accounts: an Item row
/// stays small), as an object otherwise; both forms are read.
#[derive(Debug, Clone)]
pub struct AccountState {
    /// The account's id, when it is not the one the Item's seed gives it ([`account_id`]):
    /// Items made before ids were derived, accounts Link offered while another Item took the
    /// place in the creation order, accounts the bank opened later. Otherwise it is derived,
    /// neither stored nor held in memory. Read it with [`Item::account_id`].
    pub id: Option<Box<str>>,
    /// Index into the user's account templates.
    pub template: usize,
    pub cached_at_ms: i64,
}

/// Reads either stored form directly (an untagged enum would buffer every account first,
/// which showed in the time to load a large store).
impl<'de> Deserialize<'de> for AccountState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Forms;
        impl<'de> serde::de::Visitor<'de> for Forms {
            type Value = AccountState;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("[template, cached_at_ms] or an account object")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AccountState, A::Error> {
                use serde::de::Error;
                let template = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let cached_at_ms = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                Ok(AccountState {
                    id: None,
                    template,
                    cached_at_ms,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<AccountState, A::Error> {
                use serde::de::Error;
                let (mut id, mut template, mut cached_at_ms) = (None, None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "account_id" => id = map.next_value()?,
                        "template" => template = Some(map.next_value()?),
                        "cached_at_ms" => cached_at_ms = Some(map.next_value()?),
                        // Rows written before held the balance too: it is derived now.
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(AccountState {
                    id,
                    template: template.ok_or_else(|| A::Error::missing_field("template"))?,
                    cached_at_ms: cached_at_ms
                        .ok_or_else(|| A::Error::missing_field("cached_at_ms"))?,
                })
            }
        }
        d.deserialize_any(Forms)
    }
}

impl Serialize for AccountState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeStruct, SerializeTuple};
        match &self.id {
            None => {
                let mut t = s.serialize_tuple(2)?;
                t.serialize_element(&self.template)?;
                t.serialize_element(&self.cached_at_ms)?;
                t.end()
            }
            Some(id) => {
                let mut m = s.serialize_struct("AccountState", 3)?;
                m.serialize_field("account_id", id)?;
                m.serialize_field("template", &self.template)?;
                m.serialize_field("cached_at_ms", &self.cached_at_ms)?;
                m.end()
            }
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateStatus {
    pub last_successful_update_ms: Option<i64>,
    pub last_failed_update_ms: Option<i64>,
}

/// An Item's error state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemErrorState {
    pub code: ErrorCode,
    pub since_ms: i64,
}

impl ItemErrorState {
    pub fn to_error(&self) -> PlaidError {
        PlaidError::new(self.code)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    pub item_id: String,
    pub client_id: String,
    pub institution_id: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    pub products: Vec<Product>,
    pub billed_products: Vec<Product>,
    pub consented_products: Vec<Product>,
    pub created_at_ms: i64,
    pub seed: u64,
    /// The Item's place in the tenant's creation order (its access tokens carry it); `None`
    /// for Items made before Tartan recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<u64>,
    pub accounts: Vec<AccountState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions: Option<UpdateStatus>,
    /// What Plaid's copy of the transactions covers, and when (None without Transactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txns: Option<super::transactions::TxnCopy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investments: Option<UpdateStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemErrorState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at_ms: Option<i64>,
    /// When Plaid next updates the Item in the background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_refresh_ms: Option<i64>,
    /// When the Sandbox's 30-day login expiry puts the Item into ITEM_LOGIN_REQUIRED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_expires_ms: Option<i64>,
    /// OAuth consent expiry (`consent_expiration_time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_expires_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending_expiration_sent: bool,
    /// Times Tartan contacted the bank for this Item (drives seeded failures).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub contacts: u64,
    /// Accounts the bank opened since the Item was linked; not shared until the user adds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_accounts: Vec<AccountState>,
    /// A `user_custom` Item's configuration: its accounts' templates are indices into it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Box<CustomUser>>,
    /// An asynchronous pull of investment transactions (`async_update`), when one started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investments_pull: Option<super::investments::InvestmentsPull>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastWebhookState {
    pub client_id: String,
    pub item_id: String,
    pub sent_at_ms: i64,
    pub code_sent: String,
}

impl Item {
    /// Whether a product Plaid updates regularly (Transactions, Investments, Liabilities) is on
    /// the Item; without one, Plaid refreshes only about every 30 days (seed 001).
    pub fn updates_regularly(&self) -> bool {
        self.products.iter().any(|p| {
            matches!(
                p,
                Product::Transactions | Product::Investments | Product::Liabilities
            )
        })
    }

    /// The interval between background updates, given the institution's cadence.
    pub fn refresh_interval_ms(&self, bank_interval_ms: i64) -> i64 {
        if self.updates_regularly() {
            bank_interval_ms
        } else {
            AUTH_ONLY_REFRESH_MS
        }
    }

    /// Puts the Item into an error state.
    pub fn fail(&mut self, code: ErrorCode, now_ms: i64) {
        self.error = Some(ItemErrorState {
            code,
            since_ms: now_ms,
        });
    }

    pub fn institution(&self) -> &'static InstitutionDef {
        institutions::find(&self.institution_id).unwrap_or(&institutions::INSTITUTIONS[0])
    }

    /// Fails with the Item's error when it is in one (ITEM_LOGIN_REQUIRED and the like).
    pub fn ensure_healthy(&self) -> Result<(), PlaidError> {
        match &self.error {
            Some(e) => Err(e.to_error()),
            None => Ok(()),
        }
    }

    /// The calendar date (UTC) the Item was created on: the bank's day 0.
    pub fn created_date(&self) -> time::Date {
        super::clock::from_ms(self.created_at_ms).date()
    }

    /// Whole days between the Item's creation and `now_ms`: the bank's day counter.
    pub fn days_at(&self, now_ms: i64) -> i64 {
        (now_ms - self.created_at_ms).div_euclid(DAY_MS)
    }

    /// The configured accounts of a `user_custom` Item (None: the standard ones).
    pub fn custom_accounts(&self) -> Option<&[CustomAccount]> {
        self.custom.as_deref().and_then(CustomUser::accounts)
    }

    /// What one of the Item's accounts is.
    pub fn template(&self, account: &AccountState) -> AccountTemplate<'_> {
        self.template_at(account.template)
    }

    /// What the account with template index `i` is.
    pub fn template_at(&self, i: usize) -> AccountTemplate<'_> {
        match self.custom_accounts().and_then(|c| c.get(i)) {
            Some(c) => c.template(),
            None => *bank::template(i),
        }
    }

    /// The currency of account `template`: as configured, else the institution's.
    pub fn currency(&self, template: usize) -> std::borrow::Cow<'static, str> {
        match self
            .custom_accounts()
            .and_then(|c| c.get(template))
            .and_then(|c| c.currency.clone())
        {
            Some(own) => own.into(),
            None => self.institution().currency().into(),
        }
    }

    /// The holder of an account, as the bank has them on file.
    pub fn owner(&self, account: &AccountState) -> Owner {
        self.custom_accounts()
            .and_then(|c| c.get(account.template))
            .and_then(CustomAccount::owner)
            .unwrap_or_else(bank::owner)
    }

    /// Whether Auth has numbers for the account, and which.
    pub fn numbers(&self, account: &AccountState) -> Option<Numbers> {
        let t = self.template(account);
        if !bank::has_numbers(&t) {
            return None;
        }
        let standard = bank::numbers(self.institution(), &t, &self.account_id(account));
        Some(
            match self.custom_accounts().and_then(|c| c.get(account.template)) {
                Some(c) => c.numbers(standard),
                None => standard,
            },
        )
    }

    /// What the institution reports for an account right now.
    pub fn live_balance(&self, account: &AccountState, now_ms: i64) -> Balance {
        if let Some(custom) = &self.custom
            && let Some(acct) = custom.override_accounts.get(account.template)
        {
            let created = self.created_date();
            let txns = custom
                .transactions(account.template)
                .map(|(n, t)| CustomAccount::bank_txn(account.template, n, t, created));
            return acct.balance(txns, self.days_at(now_ms));
        }
        let dynamic =
            self.is_dynamic() && bank::transactions::has_transactions(&self.template(account));
        let bank = if dynamic {
            // Its bank does not move with the days, only with refreshes.
            bank::transactions::opening(account.template)
        } else {
            bank::transactions::balance(
                self.seed,
                account.template,
                self.created_date(),
                self.days_at(now_ms),
            )
        };
        match &self.txns {
            Some(copy) if dynamic || !copy.stored.is_empty() => {
                let (posted, pending) =
                    super::transactions::dynamic::moved(self, account.template, now_ms);
                bank::transactions::adjusted(account.template, bank, posted, pending)
            }
            _ => bank,
        }
    }

    /// The accounts matching `account_ids` (all when `None`), or INVALID_ACCOUNT_ID.
    pub fn select_accounts(
        &self,
        account_ids: Option<&[String]>,
    ) -> Result<Vec<&AccountState>, PlaidError> {
        // An empty list selects nothing in particular: all accounts, as when absent.
        let Some(ids) = account_ids.filter(|ids| !ids.is_empty()) else {
            return Ok(self.accounts.iter().collect());
        };
        if let Some(unknown) = ids
            .iter()
            .find(|id| !self.accounts.iter().any(|a| self.account_id(a) == **id))
        {
            return Err(
                PlaidError::new(ErrorCode::INVALID_ACCOUNT_ID).with_message(format!(
                    "failed to find requested account ID for requested item: {unknown}"
                )),
            );
        }
        Ok(self
            .accounts
            .iter()
            .filter(|a| ids.contains(&self.account_id(a)))
            .collect())
    }

    /// The id of one of the Item's accounts.
    pub fn account_id(&self, account: &AccountState) -> String {
        match &account.id {
            Some(id) => id.to_string(),
            None => account_id(self.seed, account.template),
        }
    }

    /// The bank day (as a calendar date) Plaid's copy of the account was last read on.
    pub fn read_on(&self, account: &AccountState) -> time::Date {
        bank::transactions::date_of(self.created_date(), self.days_at(account.cached_at_ms))
    }

    /// Plaid's cached copy of an account's balance: the bank's truth when it was last read.
    pub fn cached_balance(&self, account: &AccountState) -> Balance {
        self.live_balance(account, account.cached_at_ms)
    }

    /// Contacts the bank: the cached copy becomes the live truth as of `now_ms`.
    pub fn refresh_cache(&mut self, now_ms: i64) {
        for account in &mut self.accounts {
            account.cached_at_ms = now_ms;
        }
    }

    /// Adds a product. Consent is not given here: the user gives it in Link (Data
    /// Transparency Messaging), so `consented_products` changes only there.
    fn add_product(&mut self, product: Product) {
        if !self.products.contains(&product) {
            self.products.push(product);
        }
        if product != Product::Balance && !self.billed_products.contains(&product) {
            self.billed_products.push(product);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    /// The Item was removed: the token answers ITEM_NOT_FOUND.
    Removed,
    /// Rotated by /item/access_token/invalidate: the token no longer exists.
    Revoked,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    pub token: String,
    pub client_id: String,
    pub item_id: String,
    pub status: TokenStatus,
}

/// A removed Item's access token, as much of it as answering ITEM_NOT_FOUND needs: a
/// fingerprint (a removed token is never shown again, only checked).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemovedToken {
    pub client_id: String,
    pub hash: u64,
}

/// The fingerprint a removed token is remembered by.
pub fn token_hash(token: &str) -> u64 {
    ids::stable_hash(token.as_bytes())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicToken {
    pub token: String,
    pub client_id: String,
    pub item_id: String,
    pub expires_at_ms: i64,
    pub exchanged: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkToken {
    pub token: String,
    pub client_id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    /// Set in update mode: the Item the token re-links.
    pub item_id: Option<String>,
    pub request: LinkTokenCreateRequest,
    /// A session of it succeeded: it cannot open Link again.
    #[serde(default)]
    pub used: bool,
    /// A session of it had too many failed logins.
    #[serde(default)]
    pub locked: bool,
}

/// What `/sandbox/public_token/create` (and later Link) asks the bank for.
pub struct NewItem<'a> {
    pub institution: &'static InstitutionDef,
    pub products: &'a [Product],
    pub username: &'a str,
    pub password: &'a str,
    pub webhook: Option<String>,
    /// The accounts shared (account_id, template), as chosen in Link; all of the user's
    /// accounts when None. The others stay at the bank, unshared.
    pub accounts: Option<Vec<(String, usize)>>,
    /// Days of transaction history to pull (`days_requested`; 90 when None).
    pub days_requested: Option<u16>,
    /// `user_custom`'s configuration when Link has already read it from the password.
    pub custom: Option<CustomUser>,
}

/// Users the Sandbox knows, beyond `user_good`; they accept any non-blank password.
const OTHER_USERS: &[&str] = &[
    "user_transactions_dynamic",
    "user_ewa_user",
    "user_yuppie",
    "user_small_business",
    "user_bank_income",
    "user_credit_bonus",
    "user_credit_joint_account",
    "user_credit_profile_poor",
    "user_credit_profile_good",
    "user_credit_profile_excellent",
];

/// Passwords that, with `user_good`, pass through an MFA flow (answered by the shortcut).
fn is_mfa_password(password: &str) -> bool {
    password == "mfa_device"
        || password.starts_with("mfa_questions_")
        || password.starts_with("mfa_selections")
}

/// Checks Sandbox credentials: Ok (with `user_custom`'s configuration), or the error the
/// login fails with.
pub fn check_credentials(username: &str, password: &str) -> Result<Option<CustomUser>, PlaidError> {
    if username == custom::USER {
        let config = custom::parse(password)?;
        return match config.forced_error() {
            Some(e) => Err(e),
            None => Ok(Some(config)),
        };
    }
    if let Some(code) = password.strip_prefix("error_") {
        // `error_<CODE>` makes the login fail with that code (Plaid's Sandbox convention).
        return Err(match ErrorCode::from_code(code) {
            Some(code) => PlaidError::new(code),
            None => PlaidError::new(ErrorCode::INVALID_CREDENTIALS).with_message(format!(
                "the provided credentials were not correct (error_{code} names no known error code)"
            )),
        });
    }
    let ok = match username {
        "user_good" => password == "pass_good" || is_mfa_password(password),
        u if OTHER_USERS.contains(&u) || u.starts_with("custom_") => !password.trim().is_empty(),
        _ => false,
    };
    if ok {
        Ok(None)
    } else {
        Err(PlaidError::new(ErrorCode::INVALID_CREDENTIALS))
    }
}

impl State {
    /// Resolves an access token to its Item, with Plaid's errors for every way it can fail.
    pub fn item_for_token(&self, client_id: &str, token: &str) -> Result<&Item, PlaidError> {
        expect_kind(token, TokenKind::Access, ErrorCode::INVALID_ACCESS_TOKEN)?;
        let ts = self.of(client_id)?;
        let Some(record) = ts.access_tokens.get(token) else {
            return Err(PlaidError::new(
                if ts.tenant.issued(token) || ts.removed_tokens.contains(&token_hash(token)) {
                    ErrorCode::ITEM_NOT_FOUND
                } else {
                    ErrorCode::INVALID_ACCESS_TOKEN
                },
            ));
        };
        match record.status {
            TokenStatus::Active => {}
            TokenStatus::Removed => return Err(PlaidError::new(ErrorCode::ITEM_NOT_FOUND)),
            TokenStatus::Revoked => return Err(PlaidError::new(ErrorCode::INVALID_ACCESS_TOKEN)),
        }
        ts.items
            .get(&record.item_id)
            .map(|i| &**i)
            .ok_or_else(|| PlaidError::new(ErrorCode::ITEM_NOT_FOUND))
    }

    pub fn link_token(&self, client_id: &str, token: &str) -> Result<&LinkToken, PlaidError> {
        expect_kind(token, TokenKind::Link, ErrorCode::INVALID_LINK_TOKEN)?;
        self.of(client_id)?
            .link_tokens
            .get(token)
            .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_LINK_TOKEN))
    }
}

/// A token of another kind gets Plaid's "wrong type" message under `code`.
fn expect_kind(token: &str, expected: TokenKind, code: ErrorCode) -> Result<(), PlaidError> {
    match TokenKind::of(token) {
        Some(kind) if kind != expected => Err(PlaidError::new(code).with_message(format!(
            "provided token is the wrong type. expected \"{}\", got \"{}\"",
            expected.prefix(),
            kind.prefix()
        ))),
        _ => Ok(()),
    }
}

impl World {
    /// Logs in at the institution and makes an Item; returns its public token.
    pub fn create_item(&self, client_id: &str, new: NewItem<'_>) -> Result<String, PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let (item, public) = new_item(state, changes, client_id, new, now)?;
            let token = public.token.clone();
            changes.push(Record::Item(Box::new(item)));
            changes.push(Record::PublicToken(public));
            Ok(token)
        })
    }

    /// Swaps a public token, once and within its life, for the Item's access token.
    pub fn exchange_public_token(
        &self,
        client_id: &str,
        public_token: &str,
    ) -> Result<(String, String), PlaidError> {
        expect_kind(
            public_token,
            TokenKind::Public,
            ErrorCode::INVALID_PUBLIC_TOKEN,
        )?;
        let invalid = |why: &str| {
            PlaidError::new(ErrorCode::INVALID_PUBLIC_TOKEN)
                .with_message(format!("could not find matching public token{why}"))
        };
        let known = self.read(|s| {
            s.of(client_id)
                .map(|ts| ts.public_tokens.contains_key(public_token))
        })?;
        // An exchanged token is history: the store says whether it ever existed.
        if !known {
            return Err(
                if self.in_history(client_id, "public_token", public_token) {
                    invalid(": it has already been exchanged")
                } else {
                    invalid("")
                },
            );
        }
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let ts = state.of(client_id)?;
            let record = ts
                .public_tokens
                .get(public_token)
                .ok_or_else(|| invalid(""))?;
            if record.exchanged {
                return Err(invalid(": it has already been exchanged"));
            }
            if now >= record.expires_at_ms {
                return Err(invalid(": it expired 30 minutes after it was created"));
            }
            let item = ts
                .items
                .get(&record.item_id)
                .ok_or_else(|| PlaidError::new(ErrorCode::ITEM_NOT_FOUND))?;
            // An Item made by Link update mode already has a token: the exchange returns it.
            let access = match ts.item_tokens.get(&item.item_id) {
                Some(t) => t.clone(),
                None => {
                    let t = AccessToken {
                        token: access_token_for(ts, item),
                        client_id: client_id.to_owned(),
                        item_id: item.item_id.clone(),
                        status: TokenStatus::Active,
                    };
                    let token = t.token.clone();
                    changes.push(Record::AccessToken(t));
                    token
                }
            };
            changes.push(Record::PublicToken(PublicToken {
                exchanged: true,
                ..record.clone()
            }));
            Ok((access, item.item_id.clone()))
        })
    }

    /// Applies `f` to the Item behind `access_token` and saves it; returns what `f` returns.
    pub fn update_item<R>(
        &self,
        client_id: &str,
        access_token: &str,
        f: impl FnOnce(&mut Item, i64) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            let result = f(&mut item, now)?;
            changes.push(Record::Item(Box::new(item)));
            Ok(result)
        })
    }

    /// A real-time balance (`/accounts/balance/get`): contacts the bank and, when it answers,
    /// refreshes Plaid's copy. Returns the Item as it now is. A failed contact is saved too
    /// (a login the bank broke stays broken).
    pub fn real_time_balance(
        &self,
        client_id: &str,
        access_token: &str,
        account_ids: Option<&[String]>,
    ) -> Result<Item, PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            item.ensure_healthy()?;
            item.select_accounts(account_ids)?;
            // Soon after creation some banks ask the user to log in again (seed 000).
            let bank = state.tenant(client_id)?.bank(item.institution());
            let contacted = super::events::contact_bank(state, changes, &bank, &mut item, now);
            if contacted.is_ok() {
                item.refresh_cache(now);
            }
            changes.push(Record::Item(Box::new(item.clone())));
            Ok(contacted.map(|()| item))
        })?
    }

    /// Sets (or clears) the Item's webhook URL; Plaid acknowledges at the new URL with
    /// `payload`, which the caller builds for the Item.
    pub fn update_webhook(
        &self,
        client_id: &str,
        access_token: &str,
        url: Option<String>,
        payload: impl FnOnce(&Item) -> serde_json::Value,
    ) -> Result<Item, PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            item.webhook = url;
            if let Some(url) = &item.webhook {
                let body = payload(&item);
                outbox::enqueue_to(state, changes, &item, url, now, body);
            }
            changes.push(Record::Item(Box::new(item.clone())));
            Ok(item)
        })
    }

    /// Sends a webhook about the Item now (`/sandbox/item/fire_webhook`): `build` checks the
    /// Item and returns the body, or refuses.
    pub fn send_webhook(
        &self,
        client_id: &str,
        access_token: &str,
        build: impl FnOnce(&Item, i64) -> Result<serde_json::Value, PlaidError>,
    ) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let item = state.item_for_token(client_id, access_token)?;
            if item.webhook.is_none() {
                return Err(PlaidError::new(ErrorCode::SANDBOX_WEBHOOK_INVALID));
            }
            let body = build(item, now)?;
            outbox::enqueue(state, changes, item, now, body);
            Ok(())
        })
    }

    /// Puts the Item into ITEM_LOGIN_REQUIRED (`/sandbox/item/reset_login`) and announces it.
    pub fn reset_login(&self, client_id: &str, access_token: &str) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            item.fail(ErrorCode::ITEM_LOGIN_REQUIRED, now);
            if let Some(payload) = outbox::item_error(&item) {
                outbox::enqueue(state, changes, &item, now, payload);
            }
            changes.push(Record::Item(Box::new(item)));
            Ok(())
        })
    }

    /// Adds a product to the Item if the institution offers it (Plaid does this when a
    /// product endpoint is called for a product the Item was not created with).
    pub fn ensure_product(
        &self,
        client_id: &str,
        access_token: &str,
        product: Product,
        days_requested: Option<u16>,
    ) -> Result<(), PlaidError> {
        let needs = self.read(|s| {
            s.item_for_token(client_id, access_token)
                .map(|i| !i.products.contains(&product))
        })?;
        if !needs {
            return Ok(());
        }
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            if !item.institution().supports(product) {
                return Err(
                    PlaidError::new(ErrorCode::PRODUCTS_NOT_SUPPORTED).with_message(format!(
                        "{} does not support {product}",
                        item.institution().name
                    )),
                );
            }
            // Adding a product contacts the bank, which may ask the user to log in again.
            let bank = state.tenant(client_id)?.bank(item.institution());
            let contacted = super::events::contact_bank(state, changes, &bank, &mut item, now);
            if contacted.is_ok() {
                item.add_product(product);
                if product == Product::Transactions && item.txns.is_none() {
                    // The first call starts the pull: ready on the clock, as at creation.
                    item.txns = Some(bank.txn_copy(now, days_requested, item.webhook.is_some()));
                    item.transactions.get_or_insert(UpdateStatus {
                        last_successful_update_ms: Some(now),
                        last_failed_update_ms: None,
                    });
                }
                if product == Product::Investments {
                    // Plaid reads the holdings when the product is added (`status.investments`).
                    item.investments.get_or_insert(UpdateStatus {
                        last_successful_update_ms: Some(now),
                        last_failed_update_ms: None,
                    });
                }
            }
            changes.push(Record::Item(Box::new(item)));
            Ok(contacted)
        })?
    }

    /// Removes the Item: its token answers ITEM_NOT_FOUND from now on.
    pub fn remove_item(&self, client_id: &str, access_token: &str) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            item.removed_at_ms = Some(now);
            let ts = state.of(client_id)?;
            if let Some(t) = ts
                .item_tokens
                .get(&item.item_id)
                .and_then(|t| ts.access_tokens.get(t))
            {
                changes.push(Record::AccessToken(AccessToken {
                    status: TokenStatus::Removed,
                    ..t.clone()
                }));
                // A token Tartan issued says so itself; older ones are remembered.
                if !ts.tenant.issued(&t.token) {
                    changes.push(Record::RemovedToken(RemovedToken {
                        client_id: client_id.to_owned(),
                        hash: token_hash(&t.token),
                    }));
                }
            }
            changes.push(Record::Item(Box::new(item)));
            Ok(())
        })
    }

    /// Rotates the access token; the old one stops working at once.
    pub fn rotate_access_token(
        &self,
        client_id: &str,
        access_token: &str,
    ) -> Result<String, PlaidError> {
        self.write(|state, changes| {
            let item = state.item_for_token(client_id, access_token)?;
            let old = state
                .of(client_id)?
                .access_tokens
                .get(access_token)
                .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_ACCESS_TOKEN))?;
            let new = AccessToken {
                token: access_token_for(state.of(client_id)?, item),
                client_id: client_id.to_owned(),
                item_id: item.item_id.clone(),
                status: TokenStatus::Active,
            };
            let token = new.token.clone();
            changes.push(Record::AccessToken(AccessToken {
                status: TokenStatus::Revoked,
                ..old.clone()
            }));
            changes.push(Record::AccessToken(new));
            Ok(token)
        })
    }

    pub fn save_link_token(&self, token: LinkToken) -> Result<(), PlaidError> {
        self.write(|_, changes| {
            changes.push(Record::LinkToken(Box::new(token)));
            Ok(())
        })
    }
}

/// A new access token for the Item: one that carries its place, when the Item has one.
fn access_token_for(ts: &super::TenantState, item: &Item) -> String {
    match item.place {
        Some(place) => ids::access_token(ts.tenant.token_key(), place),
        None => ids::token(TokenKind::Access),
    }
}

/// The seed of the tenant's next Item: its data derives from the tenant's seed and its place
/// in the creation order.
pub fn next_item_seed(tenant: &super::Tenant) -> u64 {
    ids::derive(tenant.seed(), "item", tenant.items_created)
}

/// The id of an Item's account, from the Item's seed and the account's template.
pub fn account_id(item_seed: u64, template: usize) -> String {
    ids::object_id_from(ids::derive(item_seed, "account", template as u64))
}

/// Logs in at the institution and builds a new Item and its public token (not yet committed);
/// counts the Item in the tenant's creation order (pushed to `changes`).
pub fn new_item(
    state: &State,
    changes: &mut Vec<Record>,
    client_id: &str,
    new: NewItem<'_>,
    now: i64,
) -> Result<(Item, PublicToken), PlaidError> {
    let inst = new.institution;
    if !inst.supported {
        return Err(PlaidError::new(ErrorCode::INSTITUTION_NO_LONGER_SUPPORTED));
    }
    let unsupported: Vec<_> = new
        .products
        .iter()
        .filter(|p| !inst.supports(**p))
        .map(|p| p.as_str())
        .collect();
    if !unsupported.is_empty() {
        return Err(
            PlaidError::new(ErrorCode::PRODUCTS_NOT_SUPPORTED).with_message(format!(
                "{} does not support the requested products: {}",
                inst.name,
                unsupported.join(", ")
            )),
        );
    }
    let custom = match new.custom {
        Some(c) => Some(c),
        None => check_credentials(new.username, new.password)?,
    };
    let n_accounts = custom
        .as_ref()
        .and_then(CustomUser::accounts)
        .map_or(bank::USER_GOOD.len(), <[CustomAccount]>::len);
    {
        let tenant = state.tenant(client_id)?;
        let bank = tenant.bank(inst);
        if let Some(code) = bank.outage {
            return Err(PlaidError::new(code));
        }
        let seed = next_item_seed(tenant);
        let place = tenant.items_created;
        let mut counted = tenant.clone();
        counted.items_created += 1;
        changes.push(Record::Tenant(Box::new(counted)));
        let mut item = Item {
            item_id: ids::object_id_from(ids::derive(seed, "item_id", 0)),
            client_id: client_id.to_owned(),
            institution_id: inst.id.to_owned(),
            username: new.username.to_owned(),
            webhook: new.webhook,
            products: Vec::new(),
            billed_products: Vec::new(),
            consented_products: Vec::new(),
            created_at_ms: now,
            seed,
            place: Some(place),
            accounts: Vec::new(),
            transactions: None,
            txns: None,
            investments: None,
            error: None,
            removed_at_ms: None,
            next_refresh_ms: None,
            login_expires_ms: None,
            consent_expires_ms: None,
            pending_expiration_sent: false,
            contacts: 0,
            new_accounts: Vec::new(),
            custom: custom.map(|mut c| {
                c.roll_to(super::clock::from_ms(now).date());
                Box::new(c)
            }),
            investments_pull: None,
        };
        for p in new.products {
            item.add_product(*p);
        }
        // The products asked for at creation are the ones the user consented to (Link adds
        // its token's other consented products).
        item.consented_products = item.products.clone();
        item.next_refresh_ms = Some(now + item.refresh_interval_ms(bank.refresh_interval_ms));
        let expiry_days = tenant.settings.item_login_expiry_days;
        item.login_expires_ms = (expiry_days > 0).then(|| now + expiry_days * DAY_MS);
        item.consent_expires_ms = bank.consent_days.map(|d| now + d * DAY_MS);
        let chosen: Vec<(String, usize)> = new
            .accounts
            .unwrap_or_else(|| (0..n_accounts).map(|i| (account_id(seed, i), i)).collect());
        let account = |(id, i): (String, usize)| AccountState {
            id: (id != account_id(seed, i)).then(|| id.into()),
            template: i,
            cached_at_ms: now,
        };
        // Accounts the user did not share stay at the bank (update mode can add them).
        let unshared: Vec<(String, usize)> = (0..n_accounts)
            .filter(|i| !chosen.iter().any(|(_, c)| c == i))
            .map(|i| (account_id(seed, i), i))
            .collect();
        item.accounts = chosen.into_iter().map(account).collect();
        item.new_accounts = unshared.into_iter().map(account).collect();
        let pulled = UpdateStatus {
            last_successful_update_ms: Some(now),
            last_failed_update_ms: None,
        };
        if item.products.contains(&Product::Transactions) {
            item.transactions = Some(pulled.clone());
            item.txns = Some(bank.txn_copy(now, new.days_requested, item.webhook.is_some()));
        }
        if item.products.contains(&Product::Investments) {
            item.investments = Some(pulled);
        }
        let public = PublicToken {
            token: ids::token(TokenKind::Public),
            client_id: client_id.to_owned(),
            item_id: item.item_id.clone(),
            expires_at_ms: now + PUBLIC_TOKEN_LIFETIME_MS,
            exchanged: false,
        };
        Ok((item, public))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_stored_compactly_and_both_forms_are_read() {
        let derived = AccountState {
            id: None,
            template: 3,
            cached_at_ms: 1_700_000_000_000,
        };
        let text = serde_json::to_string(&derived).expect("serialize");
        assert_eq!(text, "[3,1700000000000]");
        let named = AccountState {
            id: Some("acc-1".into()),
            ..derived.clone()
        };
        let text = serde_json::to_string(&named).expect("serialize");
        assert_eq!(
            text,
            r#"{"account_id":"acc-1","template":3,"cached_at_ms":1700000000000}"#
        );
        for (stored, id) in [
            ("[3,1700000000000]", None),
            (r#"{"template":3,"cached_at_ms":1700000000000}"#, None),
            (
                r#"{"account_id":"acc-1","template":3,"cached_at_ms":1700000000000}"#,
                Some("acc-1"),
            ),
        ] {
            let read: AccountState = serde_json::from_str(stored).expect(stored);
            assert_eq!(read.id.as_deref(), id, "{stored}");
            assert_eq!((read.template, read.cached_at_ms), (3, 1_700_000_000_000));
        }
        assert!(serde_json::from_str::<AccountState>(r#"{"template":3}"#).is_err());
    }

    #[test]
    fn sandbox_credentials() {
        assert!(check_credentials("user_good", "pass_good").is_ok());
        assert!(check_credentials("user_good", "mfa_device").is_ok());
        assert_eq!(
            check_credentials("user_good", "wrong").map_err(|e| e.code),
            Err(ErrorCode::INVALID_CREDENTIALS)
        );
        assert_eq!(
            check_credentials("user_good", "error_ITEM_LOCKED").map_err(|e| e.code),
            Err(ErrorCode::ITEM_LOCKED)
        );
        assert!(check_credentials("user_transactions_dynamic", "anything").is_ok());
        assert!(check_credentials("user_transactions_dynamic", " ").is_err());
        assert!(check_credentials("nobody", "pass_good").is_err());
    }

    #[test]
    fn a_removed_items_token_keeps_nothing_in_memory() {
        let world = World::open(
            Box::new(crate::store::MemoryStore::default()),
            super::super::KeyPolicy::Open,
            super::super::urls::WebhookPolicy::Local,
        )
        .expect("world");
        world.authenticate("c", "s").expect("tenant");
        for _ in 0..3 {
            let public = world
                .create_item(
                    "c",
                    NewItem {
                        institution: institutions::find("ins_109508").expect("First Platypus"),
                        products: &[Product::Auth],
                        username: "user_good",
                        password: "pass_good",
                        webhook: None,
                        accounts: None,
                        days_requested: None,
                        custom: None,
                    },
                )
                .expect("item");
            let (token, _) = world.exchange_public_token("c", &public).expect("exchange");
            world.remove_item("c", &token).expect("remove");
            let kept = world.read(|s| {
                s.of("c").map(|ts| {
                    (
                        ts.removed_tokens.len(),
                        ts.access_tokens.len(),
                        ts.items.len(),
                    )
                })
            });
            assert_eq!(kept.map_err(|e| e.code), Ok((0, 0, 0)));
            let answer = world.read(|s| s.item_for_token("c", &token).map(|_| ()));
            assert_eq!(answer.map_err(|e| e.code), Err(ErrorCode::ITEM_NOT_FOUND));
        }
    }

    #[test]
    fn wrong_token_kind_is_named() {
        let e = expect_kind(
            "public-sandbox-1",
            TokenKind::Access,
            ErrorCode::INVALID_ACCESS_TOKEN,
        )
        .expect_err("wrong kind");
        assert_eq!(
            e.message,
            "provided token is the wrong type. expected \"access\", got \"public\""
        );
    }
}
