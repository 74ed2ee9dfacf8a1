//! `/auth/get`: account and routing numbers (ACH, EFT, BACS and IBAN by region).

use axum::Router;
use tartan_types::wire::{AccountsGetRequest, AuthGetResponse, AuthNumbers, Product};
use tartan_types::{ErrorCode, PlaidError};

use super::{cached_accounts, item_wire, with_product};
use crate::surface::{AppState, Ctx, plaid_write};
use crate::world::bank::Numbers;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/get", plaid_write(auth_get))
}

pub fn auth_get(ctx: &Ctx<'_>, req: AccountsGetRequest) -> Result<AuthGetResponse, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    with_product(ctx, &req.access_token, Product::Auth, |item| {
        let selected = item.select_accounts(ids.as_deref())?;
        let with_numbers: Vec<_> = selected
            .into_iter()
            .filter_map(|a| Some((a, item.numbers(a)?)))
            .collect();
        if with_numbers.is_empty() {
            return Err(PlaidError::new(ErrorCode::NO_AUTH_ACCOUNTS));
        }
        let mut numbers = AuthNumbers::default();
        let mut accounts = Vec::with_capacity(with_numbers.len());
        for (a, n) in with_numbers {
            accounts.push(a);
            match n {
                Numbers::Ach(n) => numbers.ach.push(n),
                Numbers::Eft(n) => numbers.eft.push(n),
                Numbers::Europe(bacs, iban) => {
                    numbers.bacs.push(bacs);
                    numbers.international.push(iban);
                }
            }
        }
        Ok(AuthGetResponse {
            accounts: cached_accounts(item, &accounts),
            numbers,
            item: item_wire(item, false),
        })
    })
}
