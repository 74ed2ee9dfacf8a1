//! `/accounts/get` (Plaid's cached copy) and `/accounts/balance/get` (asks the bank).

use std::sync::Arc;

use axum::Router;
use serde::Serialize;
use serde_json::value::RawValue;
use tartan_types::wire::{AccountsGetRequest, AccountsGetResponse, BalanceGetRequest};
use tartan_types::{ErrorCode, PlaidError};

use super::{account_wire, cached_accounts, item_wire};
use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::events::contact_bank;
use crate::world::{Record, clock};

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
    ctx.world.write(|state, changes| {
        let now = state.now_ms(&ctx.client_id);
        let mut item = state
            .item_for_token(&ctx.client_id, &req.access_token)?
            .clone();
        item.ensure_healthy()?;
        item.select_accounts(ids.as_deref())?;
        if min_updated.is_some_and(|min| min > now) {
            return Err(PlaidError::new(
                ErrorCode::LAST_UPDATED_DATETIME_OUT_OF_RANGE,
            ));
        }
        // A real-time balance contacts the bank: outages fail it, and soon after creation
        // some banks ask the user to log in again (seed 000).
        let bank = state.tenant(&ctx.client_id)?.bank(item.institution());
        let contacted = contact_bank(state, changes, &bank, &mut item, now);
        let response = contacted.map(|()| {
            item.refresh_cache(now);
            let as_of = clock::wire(now);
            let accounts = item
                .select_accounts(ids.as_deref())
                .unwrap_or_default()
                .into_iter()
                .map(|a| account_wire(&item, a, &a.cached, &as_of))
                .collect();
            AccountsGetResponse {
                accounts,
                item: item_wire(&item, false),
            }
        });
        changes.push(Record::Item(Box::new(item)));
        Ok(response)
    })?
}
