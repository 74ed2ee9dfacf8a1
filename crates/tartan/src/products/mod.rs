//! One module per Plaid product. Each owns its `router()`; a handler turns a typed request into
//! a typed response or a catalogued error.

pub mod accounts;
pub mod auth;
pub mod fire_webhook;
pub mod identity;
pub mod institutions;
pub mod investments;
pub mod items;
pub mod liabilities;
pub mod link;
pub mod payment_profile;
pub mod sandbox;
pub mod transactions;
pub mod webhook_keys;

use axum::Router;
use tartan_types::PlaidError;
use tartan_types::wire::{self, Product};

use crate::surface::{AppState, Ctx};
use crate::world::Item;
use crate::world::bank::{self, Balance};
use crate::world::clock;
use crate::world::items::AccountState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(auth::router())
        .merge(identity::router())
        .merge(institutions::router())
        .merge(investments::router())
        .merge(items::router())
        .merge(liabilities::router())
        .merge(link::router())
        .merge(payment_profile::router())
        .merge(sandbox::router())
        .merge(transactions::router())
        .merge(webhook_keys::router())
}

/// Runs a product endpoint on the Item behind `access_token`: fails with the Item's error if it
/// is in one, adds `product` if the Item was created without it (Plaid does so on first call),
/// then reads the Item with `f`.
pub fn with_product<R>(
    ctx: &Ctx<'_>,
    access_token: &str,
    product: Product,
    f: impl FnOnce(&Item) -> Result<R, PlaidError>,
) -> Result<R, PlaidError> {
    ctx.world.read(|s| {
        s.item_for_token(&ctx.client_id, access_token)?
            .ensure_healthy()
    })?;
    ctx.world
        .ensure_product(&ctx.client_id, access_token, product, None)?;
    ctx.world
        .read(|s| f(s.item_for_token(&ctx.client_id, access_token)?))
}

/// The Item as product endpoints show it; `/item/get` adds the consent fields.
pub fn item_wire(item: &Item, with_consent: bool) -> wire::Item {
    let inst = item.institution();
    let available_products = inst
        .products
        .iter()
        .filter(|p| !item.billed_products.contains(p))
        .copied()
        .collect();
    let mut scopes = vec!["account_balance_info"];
    for (product, scope) in [
        (Product::Transactions, "transactions"),
        (Product::Auth, "account_routing_number"),
        (Product::Identity, "contact_info"),
        (Product::Investments, "investments"),
        (Product::Liabilities, "credit_loan_info"),
    ] {
        if item.consented_products.contains(&product) {
            scopes.push(scope);
        }
    }
    wire::Item {
        item_id: item.item_id.clone(),
        institution_id: Some(inst.id.into()),
        institution_name: Some(inst.name.into()),
        webhook: item.webhook.clone(),
        auth_method: item
            .products
            .contains(&Product::Auth)
            .then_some("INSTANT_AUTH".into()),
        error: item.error.as_ref().map(|e| e.to_error().body(None)),
        available_products,
        billed_products: item.billed_products.clone(),
        products: item.products.clone(),
        consented_products: item.consented_products.clone(),
        consent_expiration_time: item.consent_expires_ms.map(clock::wire),
        update_type: "background".into(),
        created_at: with_consent.then(|| clock::wire(item.created_at_ms)),
        consented_use_cases: with_consent.then(Vec::new),
        consented_data_scopes: with_consent
            .then(|| scopes.into_iter().map(str::to_owned).collect()),
    }
}

/// A date field of a request (`YYYY-MM-DD`), or INVALID_FIELD naming it.
pub fn parse_date(s: &str, field: &str) -> Result<time::Date, PlaidError> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| PlaidError::invalid_field(field, "must be a date in the form YYYY-MM-DD"))
}

/// A request's date range (`start_date` on or before `end_date`, both `YYYY-MM-DD`) and page
/// (`options.count` 1–500, 100 by default; `options.offset` 0 or more), as
/// `/transactions/get` and `/investments/transactions/get` read them.
pub fn range_and_page(
    start: &str,
    end: &str,
    count: Option<i64>,
    offset: Option<i64>,
) -> Result<(time::Date, time::Date, usize, usize), PlaidError> {
    let (start, end) = (
        parse_date(start, "start_date")?,
        parse_date(end, "end_date")?,
    );
    if start > end {
        return Err(PlaidError::invalid_field(
            "start_date",
            "must be on or before end_date",
        ));
    }
    let count = transactions::count(count, "options.count", 100)?;
    let offset = match offset {
        None => 0,
        Some(n) if n >= 0 => n as usize,
        Some(_) => {
            return Err(PlaidError::invalid_field(
                "options.offset",
                "must be 0 or more",
            ));
        }
    };
    Ok((start, end, count, offset))
}

/// A calendar date on the wire (`YYYY-MM-DD`).
pub fn wire_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Plaid reports when a balance was last updated only for Capital One (`ins_128026`); the
/// Sandbox's banks answer null, and staleness shows in `/item/get`'s `status`.
pub fn reports_balance_age(item: &Item) -> bool {
    item.institution_id == "ins_128026"
}

/// An account with the given balance, as of `as_of_ms`.
pub fn account_wire(
    item: &Item,
    account: &AccountState,
    balance: &Balance,
    as_of: &str,
) -> wire::Account {
    let t = item.template(account);
    // The standard accounts' texts are constants, borrowed; a configured account's are copied.
    let (name, official_name, subtype, mask): (wire::Text, Option<wire::Text>, _, wire::Text) =
        match item.custom_accounts() {
            None => {
                let t = bank::template(account.template);
                let official = t.official_name.map(Into::into);
                (t.name.into(), official, t.subtype.into(), t.mask.into())
            }
            Some(_) => (
                t.name.to_owned().into(),
                t.official_name.map(|n| n.to_owned().into()),
                t.subtype.to_owned().into(),
                t.mask.to_owned().into(),
            ),
        };
    wire::Account {
        account_id: item.account_id(account),
        balances: wire::Balances {
            available: balance.available,
            current: balance.current,
            limit: balance.limit,
            iso_currency_code: Some(item.currency(account.template)),
            unofficial_currency_code: None,
            last_updated_datetime: reports_balance_age(item).then(|| as_of.to_owned()),
            margin_loan_amount: None,
        },
        mask: (!mask.is_empty()).then_some(mask),
        name,
        official_name,
        account_type: t.account_type,
        subtype: Some(subtype),
        verification_status: None,
        persistent_account_id: None,
        holder_category: Some(
            if t.name.contains("Business") {
                "business"
            } else {
                "personal"
            }
            .into(),
        ),
    }
}

/// Accounts with their cached balances (Plaid's copy, not the bank's).
pub fn cached_accounts(item: &Item, accounts: &[&AccountState]) -> Vec<wire::Account> {
    // Accounts of one Item are usually refreshed together: format each instant once.
    let mut stamp: Option<(i64, String)> = None;
    accounts
        .iter()
        .map(|a| {
            let as_of = match &stamp {
                Some((ms, s)) if *ms == a.cached_at_ms => s,
                _ => {
                    &stamp
                        .insert((a.cached_at_ms, clock::wire(a.cached_at_ms)))
                        .1
                }
            };
            account_wire(item, a, &item.cached_balance(a), as_of)
        })
        .collect()
}
