//! `/investments/holdings/get`: what the Item's investment accounts hold, as of Plaid's last
//! update of them. The accounts' cached balances are the same holdings' value at the same
//! prices, so the two always agree. `/investments/transactions/get`: the trades, dividends,
//! contributions and fees that explain those holdings.

use std::sync::Arc;

use axum::Router;
use serde::Serialize;
use serde_json::value::RawValue;
use tartan_types::wire::{
    self, AccountsGetRequest, FixedIncome, InvestmentsTransactionsGetRequest,
    InvestmentsTransactionsGetResponse, Product, YieldRate,
};
use tartan_types::{ErrorCode, PlaidError};

use super::{cached_accounts, item_wire, range_and_page, wire_date, with_product};
use crate::surface::{AppState, Ctx, plaid_write};
use crate::world::Item;
use crate::world::bank::holdings::{self, Holding, InvestmentKind, InvestmentTxn};
use crate::world::bank::securities::{self, Kind, Security};
use crate::world::bank::transactions::date_of;
use crate::world::ids;
use crate::world::items::AccountState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/investments/holdings/get", plaid_write(holdings_get))
        .route(
            "/investments/transactions/get",
            plaid_write(transactions_get),
        )
        .route("/investments/refresh", plaid_write(refresh))
        .route("/investments/auth/get", plaid_write(auth_get))
}

/// `/investments/auth/get`: what moving the investment accounts elsewhere needs: their
/// holdings, owners and transfer numbers (ACATS; the 401k's plan number too).
pub fn auth_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<wire::InvestmentsAuthGetResponse, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    with_product(ctx, &req.access_token, Product::InvestmentsAuth, |item| {
        let accounts = investment_accounts(item, ids.as_deref())
            .map_err(|_| PlaidError::new(ErrorCode::NO_INVESTMENT_AUTH_ACCOUNTS))?;
        let parts = holdings_parts(item, &accounts);
        let mut numbers = wire::InvestmentsAuthNumbers::default();
        let mut owners = Vec::new();
        for a in &accounts {
            let account_id = item.account_id(a);
            let mask = item.template(a).mask.to_owned();
            numbers.acats.push(wire::NumbersAcats {
                account_id: account_id.clone(),
                account: format!(
                    "TR{:06}{mask}",
                    ids::stable_hash(account_id.as_bytes()) % 1_000_000
                ),
                // The clearing firm's Depository Trust Company participant number.
                dtc_numbers: vec!["0226".to_owned()],
            });
            if item.template(a).subtype == "401k" {
                numbers.retirement_401k.push(wire::NumbersRetirement401k {
                    account_id: account_id.clone(),
                    plan: Some("PLAN-401K-7788".to_owned()),
                    account: Some(format!("401K{mask}")),
                });
            }
            owners.push(wire::InvestmentsAuthOwner {
                account_id,
                names: item.owner(a).names,
            });
        }
        let institution = || Some("INSTITUTION".into());
        Ok(wire::InvestmentsAuthGetResponse {
            accounts: parts.accounts,
            holdings: parts.holdings,
            securities: parts.securities,
            owners,
            numbers,
            data_sources: wire::InvestmentsAuthDataSources {
                numbers: institution(),
                owners: institution(),
                holdings: institution(),
            },
            item: item_wire(item, false),
        })
    })
}

/// `/investments/refresh`: reads the bank now; HOLDINGS: DEFAULT_UPDATE when prices moved.
pub fn refresh(ctx: &Ctx<'_>, req: wire::AccessTokenRequest) -> Result<wire::Empty, PlaidError> {
    // The product is added first (Plaid: a product endpoint's first call adds it).
    with_product(ctx, &req.access_token, Product::Investments, |_| Ok(()))?;
    ctx.world
        .refresh_investments(&ctx.client_id, &req.access_token)?;
    Ok(wire::Empty {})
}

/// The Item's investment accounts among `account_ids` (all when none), or
/// NO_INVESTMENT_ACCOUNTS.
fn investment_accounts<'a>(
    item: &'a Item,
    account_ids: Option<&[String]>,
) -> Result<Vec<&'a AccountState>, PlaidError> {
    let accounts: Vec<&AccountState> = item
        .select_accounts(account_ids)?
        .into_iter()
        .filter(|a| item.is_investment(a))
        .collect();
    if accounts.is_empty() {
        return Err(no_investment_accounts());
    }
    Ok(accounts)
}

/// Investment transactions dated `start_date..=end_date`, newest first, paged by `count` and
/// `offset`. Plaid's first call waits for the data; so does Tartan's (it is there at once).
/// With `async_update` on an Item that got Investments after Link, PRODUCT_NOT_READY until
/// the background pull is done (INVESTMENTS_TRANSACTIONS: HISTORICAL_UPDATE).
pub fn transactions_get(
    ctx: &Ctx<'_>,
    req: InvestmentsTransactionsGetRequest,
) -> Result<InvestmentsTransactionsGetResponse, PlaidError> {
    let options = req.options.unwrap_or_default();
    let (start, end, count, offset) = range_and_page(
        &req.start_date,
        &req.end_date,
        options.count,
        options.offset,
    )?;
    with_product(ctx, &req.access_token, Product::Investments, |_| Ok(()))?;
    if options.async_update == Some(true) {
        ctx.world
            .investments_ready(&ctx.client_id, &req.access_token)?;
    }
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        let accounts = investment_accounts(item, options.account_ids.as_deref())?;
        let created = item.created_date();
        let mut all: Vec<(usize, &AccountState, InvestmentTxn)> = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            for x in investment_history(item, a) {
                let d = date_of(created, x.day);
                if (start..=end).contains(&d) {
                    all.push((i, a, x));
                }
            }
        }
        // Newest first, and stable: by day, then account, then place in its history.
        all.sort_by_key(|(i, _, x)| (std::cmp::Reverse(x.day), *i, std::cmp::Reverse(x.n)));
        let total = all.len();
        let page: Vec<_> = all.into_iter().skip(offset).take(count).collect();
        let mut held: Vec<&'static Security> = Vec::new();
        let txns = page
            .iter()
            .map(|(_, a, x)| {
                if let Some(s) = x.security
                    && !held.iter().any(|h| std::ptr::eq(*h, s))
                {
                    held.push(s);
                }
                investment_txn(item, a, x)
            })
            .collect();
        let as_of = accounts
            .iter()
            .map(|a| item.read_on(a))
            .max()
            .unwrap_or(created);
        Ok(InvestmentsTransactionsGetResponse {
            item: item_wire(item, false),
            accounts: investment_wire(item, &accounts),
            securities: held.iter().map(|s| security(s, as_of)).collect(),
            investment_transactions: txns,
            total_investment_transactions: total,
        })
    })
}

/// The account's investment history: the bank's, none for a `user_custom` account (its
/// configured `investment_transactions` are read with issue 11's custom holdings).
fn investment_history(item: &Item, a: &AccountState) -> Vec<InvestmentTxn> {
    if item.custom_accounts().is_some() {
        return Vec::new();
    }
    holdings::history(item.seed, &item.template(a), item.created_date())
}

fn investment_txn(item: &Item, a: &AccountState, x: &InvestmentTxn) -> wire::InvestmentTransaction {
    let account_id = item.account_id(a);
    let (kind, subtype) = x.kind.plaid();
    let named = |verb: &str| match x.security {
        Some(s) => format!("{verb} {}", s.name),
        None => verb.to_owned(),
    };
    let name = match x.kind {
        InvestmentKind::Buy => named("BUY"),
        InvestmentKind::Sell => named("SELL"),
        InvestmentKind::Dividend => named("DIVIDEND"),
        InvestmentKind::Contribution => "CONTRIBUTION".to_owned(),
        InvestmentKind::Withdrawal => "WITHDRAWAL".to_owned(),
        InvestmentKind::Fee => "PLAN MANAGEMENT FEE".to_owned(),
    };
    let seed = ids::derive(
        item.seed ^ ids::stable_hash(account_id.as_bytes()),
        "inv_txn",
        u64::from(x.n),
    );
    wire::InvestmentTransaction {
        investment_transaction_id: ids::object_id_from(seed),
        cancel_transaction_id: None,
        account_id,
        security_id: x.security.map(Security::security_id),
        date: wire_date(date_of(item.created_date(), x.day)),
        transaction_datetime: None,
        name,
        quantity: x.quantity,
        amount: x.amount,
        price: x.price,
        fees: Some(0.0),
        kind: kind.into(),
        subtype: subtype.into(),
        iso_currency_code: Some(item.currency(a.template)),
        unofficial_currency_code: None,
    }
}

/// `/investments/holdings/get`'s body, from views rendered once per write of the Item (the
/// holdings of Plaid's copy change only when the Item is written).
#[derive(Serialize)]
pub struct RenderedHoldings {
    accounts: Arc<RawValue>,
    holdings: Arc<RawValue>,
    securities: Arc<RawValue>,
    item: Arc<RawValue>,
}

pub fn holdings_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<RenderedHoldings, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    // Fails as the Item does, and adds the product on a first call (Plaid does so).
    with_product(ctx, &req.access_token, Product::Investments, |_| Ok(()))?;
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        let accounts = investment_accounts(item, ids.as_deref())?;
        let views = &s.of(&ctx.client_id)?.views;
        let failed = |e: serde_json::Error| {
            tracing::error!(error = %e, "rendering /investments/holdings/get failed");
            PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
        };
        // Each part is rendered once per write of the Item; a filtered request renders anew.
        let cache = ids.is_none().then_some((views, item.item_id.as_str()));
        let parts = || holdings_parts(item, &accounts);
        Ok(RenderedHoldings {
            accounts: rendered(cache, "investment_accounts", || parts().accounts)
                .map_err(failed)?,
            holdings: rendered(cache, "holdings", || parts().holdings).map_err(failed)?,
            securities: rendered(cache, "securities", || parts().securities).map_err(failed)?,
            item: views
                .get_or_render(&item.item_id, "item", || item_wire(item, false))
                .map_err(failed)?,
        })
    })
}

/// A view of the Item from `cache` (rendering it there if missing), or rendered anew.
fn rendered<T: Serialize>(
    cache: Option<(&crate::world::views::Views, &str)>,
    name: &'static str,
    render: impl FnOnce() -> T,
) -> serde_json::Result<Arc<RawValue>> {
    match cache {
        Some((views, item_id)) => views.get_or_render(item_id, name, render),
        None => serde_json::value::to_raw_value(&render()).map(Arc::from),
    }
}

/// What `/investments/holdings/get` reports of `accounts`.
struct HoldingsParts {
    accounts: Vec<wire::Account>,
    holdings: Vec<wire::Holding>,
    securities: Vec<wire::Security>,
}

fn holdings_parts(item: &Item, accounts: &[&AccountState]) -> HoldingsParts {
    let mut holdings = Vec::new();
    let mut held: Vec<(&'static Security, time::Date)> = Vec::new();
    for a in accounts {
        let as_of = item.read_on(a);
        let account_id = item.account_id(a);
        for h in positions(item, a) {
            holdings.push(holding(&account_id, &h, as_of, item.currency(a.template)));
            match held.iter_mut().find(|(s, _)| std::ptr::eq(*s, h.security)) {
                Some((_, d)) => *d = (*d).max(as_of),
                None => held.push((h.security, as_of)),
            }
        }
    }
    HoldingsParts {
        accounts: investment_wire(item, accounts),
        holdings,
        securities: held.iter().map(|(s, d)| security(s, *d)).collect(),
    }
}

/// Investment accounts with their cached balances, as Plaid's `InvestmentAccount` (with a
/// `margin_loan_amount`: null, Tartan's accounts borrow nothing).
fn investment_wire(item: &Item, accounts: &[&AccountState]) -> Vec<wire::Account> {
    let mut out = cached_accounts(item, accounts);
    for a in &mut out {
        a.balances.margin_loan_amount = Some(None);
    }
    out
}

/// Plaid's NO_INVESTMENT_ACCOUNTS (its message is the catalogue's).
fn no_investment_accounts() -> PlaidError {
    PlaidError::new(ErrorCode::NO_INVESTMENT_ACCOUNTS)
}

/// The account's positions: the bank's, or for a `user_custom` account (whose balance is
/// its configuration's) one cash position of that balance.
fn positions(item: &Item, a: &AccountState) -> Vec<Holding> {
    let t = item.template(a);
    if item.custom_accounts().is_some() {
        let cash = item.cached_balance(a).current.unwrap_or(0.0);
        return securities::find("CUR:USD")
            .map(|security| Holding {
                security,
                quantity: cash,
                cost_basis: cash,
            })
            .into_iter()
            .collect();
    }
    holdings::holdings(item.seed, &t, item.created_date())
}

fn holding(
    account_id: &str,
    h: &Holding,
    as_of: time::Date,
    currency: wire::Text,
) -> wire::Holding {
    let price = h.security.close(as_of);
    let value = h.value(as_of);
    wire::Holding {
        account_id: account_id.to_owned(),
        security_id: h.security.security_id(),
        institution_price: price,
        institution_price_as_of: Some(wire_date(h.security.priced_on(as_of))),
        institution_price_datetime: None,
        institution_value: value,
        cost_basis: Some(h.cost_basis),
        quantity: h.quantity,
        iso_currency_code: Some(currency),
        unofficial_currency_code: None,
        vested_quantity: Some(h.quantity),
        vested_value: Some(value),
    }
}

fn security(s: &'static Security, as_of: time::Date) -> wire::Security {
    let fixed_income = (s.kind == Kind::FixedIncome).then(|| FixedIncome {
        yield_rate: Some(YieldRate {
            percentage: 4.25,
            kind: Some("coupon".into()),
        }),
        maturity_date: Some("2034-11-15".to_owned()),
        issue_date: Some("2024-11-15".to_owned()),
        face_value: Some(1000.0),
    });
    wire::Security {
        security_id: s.security_id(),
        isin: s.isin(),
        cusip: s.cusip.map(Into::into),
        sedol: s.sedol.map(Into::into),
        institution_security_id: None,
        institution_id: None,
        proxy_security_id: None,
        name: Some(s.name.into()),
        ticker_symbol: Some(s.ticker.into()),
        is_cash_equivalent: Some(s.kind == Kind::Cash),
        kind: Some(s.kind.as_str().into()),
        subtype: Some(s.kind.subtype().into()),
        close_price: Some(s.close(as_of)),
        close_price_as_of: Some(wire_date(s.priced_on(as_of))),
        update_datetime: None,
        iso_currency_code: Some("USD".into()),
        unofficial_currency_code: None,
        market_identifier_code: s.mic.map(Into::into),
        sector: s.sector.map(Into::into),
        industry: s.industry.map(Into::into),
        cfi_code: None,
        figi: None,
        option_contract: None,
        fixed_income,
    }
}
