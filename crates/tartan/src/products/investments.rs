//! `/investments/holdings/get`: what the Item's investment accounts hold, as of Plaid's last
//! update of them. The accounts' cached balances are the same holdings' value at the same
//! prices, so the two always agree.

use axum::Router;
use tartan_types::wire::{
    self, AccountsGetRequest, FixedIncome, InvestmentsHoldingsGetResponse, Product, YieldRate,
};
use tartan_types::{ErrorCode, PlaidError};

use super::{cached_accounts, item_wire, wire_date, with_product};
use crate::surface::{AppState, Ctx, plaid_write};
use crate::world::Item;
use crate::world::bank::holdings::{self, Holding};
use crate::world::bank::securities::{self, Kind, Security};
use crate::world::bank::transactions::{Role, date_of, role};
use crate::world::items::AccountState;

pub fn router() -> Router<AppState> {
    Router::new().route("/investments/holdings/get", plaid_write(holdings_get))
}

pub fn holdings_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<InvestmentsHoldingsGetResponse, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    with_product(ctx, &req.access_token, Product::Investments, |item| {
        let accounts: Vec<&AccountState> = item
            .select_accounts(ids.as_deref())?
            .into_iter()
            .filter(|a| role(&item.template(a)) == Role::Investment)
            .collect();
        if accounts.is_empty() {
            return Err(no_investment_accounts());
        }
        let mut holdings = Vec::new();
        let mut held: Vec<(&'static Security, time::Date)> = Vec::new();
        for a in &accounts {
            let as_of = date_of(item.created_date(), item.days_at(a.cached_at_ms));
            let account_id = item.account_id(a);
            for h in positions(item, a) {
                holdings.push(holding(&account_id, &h, as_of, item.currency(a.template)));
                match held.iter_mut().find(|(s, _)| std::ptr::eq(*s, h.security)) {
                    Some((_, d)) => *d = (*d).max(as_of),
                    None => held.push((h.security, as_of)),
                }
            }
        }
        Ok(InvestmentsHoldingsGetResponse {
            accounts: cached_accounts(item, &accounts),
            holdings,
            securities: held.iter().map(|(s, d)| security(s, *d)).collect(),
            item: item_wire(item, false),
        })
    })
}

/// Plaid's NO_INVESTMENT_ACCOUNTS, with its message.
fn no_investment_accounts() -> PlaidError {
    PlaidError::new(ErrorCode::NO_INVESTMENT_ACCOUNTS).with_message(
        "There are no valid investment account(s) associated with this Item. See \
         https://plaid.com/docs/api/#item-errors for more information.",
    )
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
        option_contract: None,
        fixed_income,
    }
}
