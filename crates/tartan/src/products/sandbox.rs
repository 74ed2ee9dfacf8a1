//! `/sandbox/*`: shortcuts that skip Link and levers that break Items.

use axum::Router;
use tartan_types::wire::{
    AccessTokenRequest, SandboxItemResetLoginResponse, SandboxPublicTokenCreateRequest,
    SandboxPublicTokenCreateResponse,
};
use tartan_types::{ErrorCode, PlaidError};

use crate::surface::{AppState, Ctx, plaid_write};
use crate::world::institutions;
use crate::world::items::NewItem;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/sandbox/public_token/create",
            plaid_write(public_token_create),
        )
        .route("/sandbox/item/reset_login", plaid_write(reset_login))
        .route(
            "/sandbox/item/fire_webhook",
            plaid_write(super::fire_webhook::fire_webhook),
        )
}

/// Makes an Item at a Sandbox institution without Link, as `user_good` unless overridden.
pub fn public_token_create(
    ctx: &Ctx<'_>,
    req: SandboxPublicTokenCreateRequest,
) -> Result<SandboxPublicTokenCreateResponse, PlaidError> {
    let institution = institutions::find(&req.institution_id)
        .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_INSTITUTION))?;
    if req.initial_products.is_empty() {
        return Err(PlaidError::invalid_field(
            "initial_products",
            "must contain at least one product",
        ));
    }
    let options = req.options.unwrap_or_default();
    let days_requested = super::transactions::days_requested(
        options.transactions.as_ref(),
        "options.transactions.days_requested",
    )?;
    if let Some(url) = &options.webhook {
        ctx.world.webhook_policy.check("options.webhook", url)?;
    }
    let public_token = ctx.world.create_item(
        &ctx.client_id,
        NewItem {
            institution,
            products: &req.initial_products,
            username: options.override_username.as_deref().unwrap_or("user_good"),
            password: options.override_password.as_deref().unwrap_or("pass_good"),
            webhook: options.webhook,
            accounts: None,
            days_requested,
            custom: None,
        },
    )?;
    Ok(SandboxPublicTokenCreateResponse { public_token })
}

/// Forces the Item into ITEM_LOGIN_REQUIRED.
pub fn reset_login(
    ctx: &Ctx<'_>,
    req: AccessTokenRequest,
) -> Result<SandboxItemResetLoginResponse, PlaidError> {
    ctx.world.reset_login(&ctx.client_id, &req.access_token)?;
    Ok(SandboxItemResetLoginResponse { reset_login: true })
}
