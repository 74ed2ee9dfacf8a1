//! Transactions: `/transactions/sync`, `/transactions/get`, `/transactions/refresh` and
//! `/categories/get`, over Plaid's copy (`world::transactions`).

use std::sync::Arc;

use axum::Router;
use serde::Serialize;
use serde_json::Value;
use tartan_types::wire::{
    self, CategoriesGetRequest, CategoriesGetResponse, Category, Counterparty, Location,
    PaymentMeta, PersonalFinanceCategory, Product, RemovedTransaction, TransactionsGetRequest,
    TransactionsGetResponse, TransactionsRefreshRequest, TransactionsRefreshResponse,
    TransactionsSyncRequest,
};
use tartan_types::{ErrorCode, PlaidError};

use super::{cached_accounts, item_wire, wire_date};
use crate::surface::{AppState, Ctx, plaid_public, plaid_write};
use crate::world::Item;
use crate::world::bank::merchants::{self, Channel};
use crate::world::bank::transactions::{self as bank_txns, date_of, from_cents};
use crate::world::items::AccountState;
use crate::world::transactions::{Change, Cursor, Shown, Stage, Version};
use crate::world::views::Page;

mod recurring;
mod sandbox;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/transactions/recurring/get",
            plaid_write(recurring::recurring_get),
        )
        .route("/transactions/sync", plaid_write(sync))
        .route("/transactions/get", plaid_write(get))
        .route("/transactions/refresh", plaid_write(refresh))
        .route("/sandbox/transactions/create", plaid_write(sandbox::create))
        // Plaid asks no credentials for the category list.
        .route("/categories/get", plaid_public(categories))
}

/// `days_requested` from a product options object (`{"days_requested": n}`), 1 to 730.
pub fn days_requested(options: Option<&Value>, field: &str) -> Result<Option<u16>, PlaidError> {
    let Some(v) = options.and_then(|o| o.get("days_requested")) else {
        return Ok(None);
    };
    days_in_range(v.as_i64(), field)
}

fn days_in_range(days: Option<i64>, field: &str) -> Result<Option<u16>, PlaidError> {
    match days {
        None => Ok(None),
        Some(d) if (1..=730).contains(&d) => Ok(Some(d as u16)),
        Some(_) => Err(PlaidError::invalid_field(
            field,
            "must be between 1 and 730",
        )),
    }
}

/// How a request wants transactions shown.
struct Shape {
    original_description: bool,
    pfc_v1: bool,
}

impl Shape {
    fn new(
        ctx: &Ctx<'_>,
        original_description: Option<bool>,
        version: Option<&str>,
    ) -> Result<Self, PlaidError> {
        Ok(Self {
            original_description: original_description.unwrap_or(false),
            pfc_v1: pfc_version(ctx, version, "options.personal_finance_category_version")?,
        })
    }
}

/// Fails unless Transactions was started on the (healthy) Item: an Item without it starts the
/// pull now and answers PRODUCT_NOT_READY, as Plaid's first call does.
fn pull_started(
    ctx: &Ctx<'_>,
    access_token: &str,
    days_requested: Option<u16>,
) -> Result<(), PlaidError> {
    let started = ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, access_token)?;
        item.ensure_healthy()?;
        Ok::<_, PlaidError>(item.txns.is_some())
    })?;
    if started {
        return Ok(());
    }
    ctx.world.ensure_product(
        &ctx.client_id,
        access_token,
        Product::Transactions,
        days_requested,
    )?;
    Err(PlaidError::new(ErrorCode::PRODUCT_NOT_READY))
}

/// The templates of the accounts `account_ids` names (`None`, or empty: all of them), or
/// INVALID_ACCOUNT_ID.
fn named_accounts(
    item: &Item,
    account_ids: Option<&[String]>,
) -> Result<Option<Vec<usize>>, PlaidError> {
    match account_ids {
        None | Some([]) => Ok(None),
        Some(ids) => ids
            .iter()
            .map(|id| account_template(item, id))
            .collect::<Result<_, _>>()
            .map(Some),
    }
}

/// Whether v1 labels are asked for: the request's version, else the tenant's default.
fn pfc_version(ctx: &Ctx<'_>, v: Option<&str>, field: &str) -> Result<bool, PlaidError> {
    match v {
        None => ctx
            .world
            .read(|s| s.tenant(&ctx.client_id).map(|t| t.settings.pfc_v1_default)),
        Some("v2") => Ok(false),
        Some("v1") => Ok(true),
        Some(_) => Err(PlaidError::invalid_field(field, "must be v1 or v2")),
    }
}

/// Counted how Plaid counts (`count`): 1 to 500, `default` when absent.
pub(crate) fn count(n: Option<i64>, field: &str, default: usize) -> Result<usize, PlaidError> {
    match n {
        None => Ok(default),
        Some(n) if (1..=500).contains(&n) => Ok(n as usize),
        Some(_) => Err(PlaidError::invalid_field(
            field,
            "must be between 1 and 500",
        )),
    }
}

/// A transaction of Plaid's copy on the wire.
fn transaction(item: &Item, account_id: &str, s: &Shown, shape: &Shape) -> wire::Transaction {
    let m = s.txn.merchant;
    let created = item.created_date();
    let cents = if s.pending {
        s.txn.pending_cents
    } else {
        s.txn.cents
    };
    let (primary, detailed) = if shape.pfc_v1 {
        (m.pfc.0, m.pfc.1)
    } else {
        m.pfc_v2()
    };
    // Until Plaid recognizes the merchant, only the statement text is known.
    let known = s.enriched && m.merchant_name.is_some();
    let derived = m.derived();
    let entity_id = derived.entity_id.clone().filter(|_| known);
    let logo = derived.logo_url.clone().filter(|_| known);
    let website = m.website.filter(|_| known);
    let confidence = if s.enriched { m.pfc.2 } else { "LOW" };
    let counterparties = m
        .merchant_name
        .filter(|_| known)
        .map(|name| Counterparty {
            name: name.into(),
            entity_id: entity_id.clone(),
            kind: m.party.as_str().into(),
            website: website.map(Into::into),
            logo_url: logo.clone().map(Into::into),
            confidence_level: Some(confidence.into()),
            account_numbers: None,
        })
        .into_iter()
        .collect();
    let description = item.description(s);
    let place = m.place;
    wire::Transaction {
        account_id: account_id.to_owned(),
        amount: from_cents(cents),
        iso_currency_code: Some(item.currency_of(s)),
        unofficial_currency_code: None,
        category: Some(m.category.iter().map(|c| (*c).into()).collect()),
        category_id: Some(m.category_id.into()),
        check_number: None,
        date: wire_date(date_of(created, s.day())),
        datetime: None,
        authorized_date: Some(wire_date(date_of(created, s.txn.authorized_day))),
        authorized_datetime: None,
        location: Location {
            address: place
                .map(|p| p.address.into())
                .filter(|a: &wire::Text| !a.is_empty()),
            city: place.map(|p| p.city.into()),
            region: place.map(|p| p.region.into()),
            postal_code: place.map(|p| p.postal_code.into()),
            country: place.map(|_| "US".into()),
            lat: place.map(|p| p.lat),
            lon: place.map(|p| p.lon),
            store_number: place.and_then(|p| p.store_number).map(Into::into),
        },
        name: description.to_owned(),
        merchant_name: m.merchant_name.filter(|_| known).map(Into::into),
        original_description: shape.original_description.then(|| description.to_owned()),
        payment_meta: PaymentMeta {
            payment_processor: m.payment_processor.map(Into::into),
            ..PaymentMeta::default()
        },
        pending: s.pending,
        pending_transaction_id: (!s.pending && s.txn.was_pending())
            .then(|| crate::world::transactions::txn_id(item.seed, &s.txn, true)),
        account_owner: None,
        transaction_id: s.id(item.seed),
        transaction_type: Some(
            match m.channel {
                Channel::InStore => "place",
                Channel::Online => "digital",
                Channel::Other => "special",
            }
            .into(),
        ),
        logo_url: logo.map(Into::into),
        website: website.map(Into::into),
        payment_channel: m.channel.as_str().into(),
        personal_finance_category: Some(PersonalFinanceCategory {
            primary: primary.into(),
            detailed: detailed.into(),
            confidence_level: Some(confidence.into()),
            version: Some(if shape.pfc_v1 { "v1" } else { "v2" }.into()),
        }),
        business_finance_category: None,
        transaction_code: None,
        personal_finance_category_icon_url: Some(format!(
            "https://plaid-category-icons.plaid.com/PFC_{primary}.png"
        )),
        counterparties,
        merchant_entity_id: entity_id,
        client_customization: None,
    }
}

/// The Item's account ids by template, worked out once per response.
struct AccountIds(Vec<(usize, String)>);

impl AccountIds {
    fn of(item: &Item) -> Self {
        Self(
            item.accounts
                .iter()
                .map(|a| (a.template, item.account_id(a)))
                .collect(),
        )
    }

    fn get(&self, s: &Shown) -> Option<&str> {
        self.0
            .iter()
            .find(|(t, _)| *t == s.txn.account)
            .map(|(_, id)| id.as_str())
    }
}

/// The Item's accounts that have transactions, with Plaid's cached balances.
fn txn_accounts(item: &Item, only: Option<usize>) -> Vec<wire::Account> {
    let accounts: Vec<&AccountState> = item
        .accounts
        .iter()
        .filter(|a| bank_txns::has_transactions(&item.template(a)))
        .filter(|a| only.is_none_or(|t| t == a.template))
        .collect();
    cached_accounts(item, &accounts)
}

/// The template of the account `account_id` names, or INVALID_ACCOUNT_ID.
fn account_template(item: &Item, account_id: &str) -> Result<usize, PlaidError> {
    item.accounts
        .iter()
        .find(|a| item.account_id(a) == account_id)
        .map(|a| a.template)
        .ok_or_else(|| {
            PlaidError::new(ErrorCode::INVALID_ACCOUNT_ID).with_message(format!(
                "failed to find requested account ID for requested item: {account_id}"
            ))
        })
}

fn bad_cursor() -> PlaidError {
    PlaidError::invalid_field(
        "cursor",
        "must be a next_cursor that /transactions/sync returned for this Item (and this account_id, if one is given)",
    )
}

/// `/transactions/sync`'s answer; its page may come rendered from the Item's views.
pub struct SyncAnswer {
    status: &'static str,
    accounts: Vec<wire::Account>,
    page: Arc<Page>,
}

impl Serialize for SyncAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("TransactionsSyncResponse", 7)?;
        m.serialize_field("transactions_update_status", self.status)?;
        m.serialize_field("accounts", &self.accounts)?;
        m.serialize_field("added", &self.page.added)?;
        m.serialize_field("modified", &self.page.modified)?;
        m.serialize_field("removed", &self.page.removed)?;
        m.serialize_field("next_cursor", &self.page.next_cursor)?;
        m.serialize_field("has_more", &self.page.has_more)?;
        m.end()
    }
}

fn render_failed(e: serde_json::Error) -> PlaidError {
    tracing::error!(error = %e, "rendering /transactions/sync failed");
    PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
}

/// The Item's changes since a cursor, a page at a time (Plaid's sync contract).
pub fn sync(ctx: &Ctx<'_>, req: TransactionsSyncRequest) -> Result<SyncAnswer, PlaidError> {
    let count = count(req.count, "count", 100)?;
    let options = req.options.unwrap_or_default();
    let shape = Shape::new(
        ctx,
        options.include_original_description,
        options.personal_finance_category_version.as_deref(),
    )?;
    let days = days_in_range(options.days_requested, "options.days_requested")?;
    ctx.world.read(|s| {
        s.item_for_token(&ctx.client_id, &req.access_token)?
            .ensure_healthy()
    })?;
    ctx.world
        .start_sync(&ctx.client_id, &req.access_token, days)?;
    let now = ctx.now_ms();
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        let only = options
            .account_id
            .as_deref()
            .map(|id| account_template(item, id))
            .transpose()?;
        let tag = Cursor::tag_for(&item.item_id, options.account_id.as_deref());
        let current = item.txn_version(now).unwrap_or(Version::EMPTY);
        let empty = |next_cursor: String| -> Result<SyncAnswer, PlaidError> {
            let none: [(); 0] = [];
            Ok(SyncAnswer {
                status: current.stage.update_status(),
                accounts: txn_accounts(item, only),
                page: Arc::new(Page {
                    added: serde_json::value::to_raw_value(&none).map_err(render_failed)?,
                    modified: serde_json::value::to_raw_value(&none).map_err(render_failed)?,
                    removed: serde_json::value::to_raw_value(&none).map_err(render_failed)?,
                    next_cursor,
                    has_more: false,
                }),
            })
        };
        let cursor = match req.cursor.as_deref() {
            None | Some("") => None,
            Some("now") => {
                // Only what changes from now on (for moving off /transactions/get).
                if current.stage == Stage::NotReady {
                    return empty(String::new());
                }
                let next = Cursor {
                    tag,
                    from: current,
                    to: current,
                    offset: 0,
                };
                return empty(next.encode());
            }
            Some(c) => Some(
                Cursor::decode(c)
                    .filter(|c| c.tag == tag)
                    .ok_or_else(bad_cursor)?,
            ),
        };
        let (from, offset) = cursor.map_or((Version::EMPTY, 0), |c| (c.from, c.offset as usize));
        if from.stage == Stage::NotReady && current.stage == Stage::NotReady {
            // Too early: nothing yet, and no cursor (Quickstart waits on exactly this).
            return empty(String::new());
        }
        let to = match cursor {
            Some(c) if c.offset > 0 => {
                if c.to != current {
                    return Err(PlaidError::new(
                        ErrorCode::TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION,
                    ));
                }
                c.to
            }
            _ => current,
        };
        // The page is a function of the Item's state and of this key, so it is rendered once
        // per write of the Item (see `world::views`).
        let key = crate::world::ids::stable_hash(
            format!(
                "{tag}|{from:?}|{to:?}|{offset}|{count}|{}|{}",
                shape.original_description, shape.pfc_v1
            )
            .as_bytes(),
        );
        let views = &s.of(&ctx.client_id)?.views;
        let list_key =
            crate::world::ids::stable_hash(format!("changes|{tag}|{from:?}|{to:?}").as_bytes());
        let page = views
            .page(&item.item_id, key, || {
                let changes =
                    views.changes(&item.item_id, list_key, || item.changes(from, to, only));
                let end = (offset + count).min(changes.len());
                let page = changes.get(offset.min(end)..end).unwrap_or_default();
                let (mut added, mut modified, mut removed) = (vec![], vec![], vec![]);
                let account_ids = AccountIds::of(item);
                for change in page {
                    let Some(account) = account_ids.get(change.shown()) else {
                        continue;
                    };
                    match change {
                        Change::Added(s) => added.push(transaction(item, account, s, &shape)),
                        Change::Modified(s) => modified.push(transaction(item, account, s, &shape)),
                        Change::Removed(s) => removed.push(RemovedTransaction {
                            transaction_id: s.id(item.seed),
                            account_id: account.to_owned(),
                        }),
                    }
                }
                let has_more = end < changes.len();
                let next = if has_more {
                    Cursor {
                        tag,
                        from,
                        to,
                        offset: end as u32,
                    }
                } else {
                    Cursor {
                        tag,
                        from: to,
                        to,
                        offset: 0,
                    }
                };
                (added, modified, removed, next.encode(), has_more)
            })
            .map_err(render_failed)?;
        Ok(SyncAnswer {
            status: current.stage.update_status(),
            accounts: txn_accounts(item, only),
            page,
        })
    })
}

/// Transactions in a date range, newest first, paged by `count` and `offset`.
pub fn get(
    ctx: &Ctx<'_>,
    req: TransactionsGetRequest,
) -> Result<TransactionsGetResponse, PlaidError> {
    let options = req.options.unwrap_or_default();
    let (start, end, count, offset) = super::range_and_page(
        &req.start_date,
        &req.end_date,
        options.count,
        options.offset,
    )?;
    let shape = Shape::new(
        ctx,
        options.include_original_description,
        options.personal_finance_category_version.as_deref(),
    )?;
    let days = days_in_range(options.days_requested, "options.days_requested")?;
    let now = ctx.now_ms();
    pull_started(ctx, &req.access_token, days)?;
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        let version = item.txn_version(now).unwrap_or(Version::EMPTY);
        if version.stage == Stage::NotReady {
            return Err(PlaidError::new(ErrorCode::PRODUCT_NOT_READY));
        }
        let only = named_accounts(item, options.account_ids.as_deref())?;
        let created = item.created_date();
        let mut shown: Vec<Shown> = item
            .copy_at(version, None)
            .into_iter()
            .filter(|s| only.as_ref().is_none_or(|o| o.contains(&s.txn.account)))
            .filter(|s| (start..=end).contains(&date_of(created, s.day())))
            .collect();
        shown.reverse();
        let total = shown.len();
        let account_ids = AccountIds::of(item);
        let transactions = shown
            .iter()
            .skip(offset)
            .take(count)
            .filter_map(|s| Some(transaction(item, account_ids.get(s)?, s, &shape)))
            .collect();
        let accounts = match &only {
            None => txn_accounts(item, None),
            Some(o) => o
                .iter()
                .flat_map(|t| txn_accounts(item, Some(*t)))
                .collect(),
        };
        Ok(TransactionsGetResponse {
            accounts,
            transactions,
            total_transactions: total as i64,
            item: item_wire(item, false),
        })
    })
}

/// Asks the bank for new transactions now; the webhooks follow.
pub fn refresh(
    ctx: &Ctx<'_>,
    req: TransactionsRefreshRequest,
) -> Result<TransactionsRefreshResponse, PlaidError> {
    ctx.world.read(|s| {
        s.item_for_token(&ctx.client_id, &req.access_token)?
            .ensure_healthy()
    })?;
    // Adds Transactions first if the Item lacks it (nothing when it has it).
    ctx.world.ensure_product(
        &ctx.client_id,
        &req.access_token,
        Product::Transactions,
        None,
    )?;
    ctx.world
        .refresh_transactions(&ctx.client_id, &req.access_token)?;
    Ok(TransactionsRefreshResponse {})
}

/// The legacy categories Tartan's transactions carry.
pub fn categories(
    _ctx: &Ctx<'_>,
    _req: CategoriesGetRequest,
) -> Result<CategoriesGetResponse, PlaidError> {
    let mut seen = std::collections::BTreeMap::new();
    for m in merchants::ALL {
        seen.entry(m.category_id).or_insert(m.category);
    }
    Ok(CategoriesGetResponse {
        categories: seen
            .into_iter()
            .map(|(id, hierarchy)| Category {
                category_id: id.into(),
                group: if id.starts_with("10")
                    || id.starts_with("15")
                    || id.starts_with("16")
                    || id.starts_with("21")
                {
                    "special"
                } else {
                    "place"
                }
                .into(),
                hierarchy: hierarchy.iter().map(|h| (*h).into()).collect(),
            })
            .collect(),
    })
}
