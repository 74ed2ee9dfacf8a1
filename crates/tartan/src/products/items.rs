//! `/item/*`: reading, re-pointing, rotating and removing Items.

use axum::Router;
use tartan_types::wire::{
    AccessTokenRequest, Empty, ItemAccessTokenInvalidateResponse, ItemGetResponse,
    ItemRemoveRequest, ItemResponse, ItemStatus, ItemWebhookUpdateRequest, LastWebhook,
    ProductUpdateStatus, PublicTokenExchangeRequest, PublicTokenExchangeResponse,
};
use tartan_types::{PlaidError, Webhook};

use serde_json::json;

use super::item_wire;
use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::clock;
use crate::world::items::UpdateStatus;
use crate::world::outbox;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/item/get", plaid(item_get))
        .route("/item/remove", plaid_write(item_remove))
        .route("/item/webhook/update", plaid_write(webhook_update))
        .route(
            "/item/access_token/invalidate",
            plaid_write(access_token_invalidate),
        )
        .route(
            "/item/public_token/exchange",
            plaid_write(public_token_exchange),
        )
}

/// A product's update timestamps; null for a product the Item does not update.
fn status_wire(s: Option<&UpdateStatus>) -> ProductUpdateStatus {
    ProductUpdateStatus {
        last_successful_update: s.and_then(|s| s.last_successful_update_ms).map(clock::wire),
        last_failed_update: s.and_then(|s| s.last_failed_update_ms).map(clock::wire),
    }
}

/// `/item/get`: the only endpoint that shows an Item's error instead of failing with it.
pub fn item_get(ctx: &Ctx<'_>, req: AccessTokenRequest) -> Result<ItemGetResponse, PlaidError> {
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        Ok(ItemGetResponse {
            item: item_wire(item, true),
            status: Some(ItemStatus {
                investments: status_wire(item.investments.as_ref()),
                transactions: status_wire(item.transactions.as_ref()),
                last_webhook: s
                    .of(&ctx.client_id)?
                    .last_webhooks
                    .get(&item.item_id)
                    .map(|w| LastWebhook {
                        sent_at: Some(clock::wire(w.sent_at_ms)),
                        code_sent: w.code_sent.clone(),
                    }),
            }),
        })
    })
}

pub fn item_remove(ctx: &Ctx<'_>, req: ItemRemoveRequest) -> Result<Empty, PlaidError> {
    if let Some(note) = &req.reason_note
        && note.chars().count() > 512
    {
        return Err(PlaidError::invalid_field(
            "reason_note",
            "must be at most 512 characters",
        ));
    }
    ctx.world.remove_item(&ctx.client_id, &req.access_token)?;
    Ok(Empty {})
}

pub fn webhook_update(
    ctx: &Ctx<'_>,
    req: ItemWebhookUpdateRequest,
) -> Result<ItemResponse, PlaidError> {
    if let Some(url) = &req.webhook {
        ctx.world.webhook_policy.check("webhook", url)?;
    }
    // Plaid acknowledges at the new URL.
    let item = ctx.world.update_webhook(
        &ctx.client_id,
        &req.access_token,
        req.webhook.clone(),
        |item| {
            outbox::payload(
                Webhook::ItemWebhookUpdateAcknowledged,
                item,
                json!({"new_webhook_url": item.webhook, "error": null}),
            )
        },
    )?;
    Ok(ItemResponse {
        item: item_wire(&item, false),
    })
}

pub fn access_token_invalidate(
    ctx: &Ctx<'_>,
    req: AccessTokenRequest,
) -> Result<ItemAccessTokenInvalidateResponse, PlaidError> {
    let new_access_token = ctx
        .world
        .rotate_access_token(&ctx.client_id, &req.access_token)?;
    Ok(ItemAccessTokenInvalidateResponse { new_access_token })
}

pub fn public_token_exchange(
    ctx: &Ctx<'_>,
    req: PublicTokenExchangeRequest,
) -> Result<PublicTokenExchangeResponse, PlaidError> {
    let (access_token, item_id) = ctx
        .world
        .exchange_public_token(&ctx.client_id, &req.public_token)?;
    Ok(PublicTokenExchangeResponse {
        access_token,
        item_id,
    })
}
