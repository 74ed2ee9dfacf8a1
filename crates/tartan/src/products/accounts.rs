//! `/accounts/get` (Plaid's cached copy) and `/accounts/balance/get` (asks the bank).

use std::sync::Arc;

use axum::Router;
use serde::Serialize;
use serde_json::value::RawValue;
use tartan_types::wire::{AccountsGetRequest, AccountsGetResponse, BalanceGetRequest};
use tartan_types::{ErrorCode, PlaidError};

use super::{cached_accounts, item_wire, reports_balance_age};
use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::clock;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/get", plaid(accounts_get))
        .route("/accounts/balance/get", plaid_write(balance_get))
}

/// `/accounts/get`'s body, from views rendered once per write of the Item.
#[derive(Serialize)]
pub struct RenderedAccounts {
    accounts: Arc<RawValue>,
    item: Arc<RawValue>,
}

/// Cached balances from the Item's last successful update; never contacts the bank.
pub fn accounts_get(
    ctx: &Ctx<'_>,
    req: AccountsGetRequest,
) -> Result<RenderedAccounts, PlaidError> {
    let ids = req.options.and_then(|o| o.account_ids);
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        item.ensure_healthy()?;
        let views = &s.of(&ctx.client_id)?.views;
        let accounts = item.select_accounts(ids.as_deref())?;
        let render_error = |e: serde_json::Error| {
            tracing::error!(error = %e, "rendering /accounts/get failed");
            PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
        };
        let accounts = match ids {
            None => views.get_or_render(&item.item_id, "accounts", || {
                cached_accounts(item, &accounts)
            }),
            Some(_) => {
                serde_json::value::to_raw_value(&cached_accounts(item, &accounts)).map(Arc::from)
            }
        }
        .map_err(render_error)?;
        let item = views
            .get_or_render(&item.item_id, "item", || item_wire(item, false))
            .map_err(render_error)?;
        Ok(RenderedAccounts { accounts, item })
    })
}

/// Real-time balances: contacts the simulated institution and refreshes Plaid's copy.
pub fn balance_get(
    ctx: &Ctx<'_>,
    req: BalanceGetRequest,
) -> Result<AccountsGetResponse, PlaidError> {
    let options = req.options.unwrap_or_default();
    let min_updated = match &options.min_last_updated_datetime {
        Some(s) => Some(clock::parse_rfc3339(s).ok_or_else(|| {
            PlaidError::invalid_field(
                "options.min_last_updated_datetime",
                "must be an RFC 3339 date-time such as 2026-01-31T12:00:00Z",
            )
        })?),
        None => None,
    };
    let ids = options.account_ids;
    let item = ctx
        .world
        .real_time_balance(&ctx.client_id, &req.access_token, ids.as_deref())?;
    // Plaid checks the minimum age only where it reports the balance's own age (Capital One);
    // elsewhere it ignores it (https://plaid.com/docs/api/products/balance/).
    if reports_balance_age(&item)
        && min_updated.is_some_and(|min| item.accounts.iter().any(|a| a.cached_at_ms < min))
    {
        return Err(PlaidError::new(
            ErrorCode::LAST_UPDATED_DATETIME_OUT_OF_RANGE,
        ));
    }
    Ok(AccountsGetResponse {
        accounts: cached_accounts(&item, &item.select_accounts(ids.as_deref())?),
        item: item_wire(&item, false),
    })
}
