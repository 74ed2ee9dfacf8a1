//! `/identity/get`: the account holders on file at the bank.

use axum::Router;
use tartan_types::PlaidError;
use tartan_types::wire::{AccountWithOwners, AccountsGetRequest, IdentityGetResponse, Product};

use super::{cached_accounts, item_wire, with_product};
use crate::surface::{AppState, Ctx, plaid_write};

pub fn router() -> Router<AppState> {
    Router::new().route("/identity/get", plaid_write(identity_get))
}

pub fn identity_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<IdentityGetResponse, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    with_product(ctx, &req.access_token, Product::Identity, |item| {
        let accounts = item.select_accounts(ids.as_deref())?;
        Ok(IdentityGetResponse {
            accounts: cached_accounts(item, &accounts)
                .into_iter()
                .zip(&accounts)
                .map(|(account, a)| AccountWithOwners {
                    account,
                    owners: vec![item.owner(a)],
                })
                .collect(),
            item: item_wire(item, false),
        })
    })
}
