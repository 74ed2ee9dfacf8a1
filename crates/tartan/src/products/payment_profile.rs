//! `/payment_profile/*` and `/sandbox/payment_profile/reset_login`: Transfer's Payment
//! Profiles, linked to a bank login through Link (`transfer.payment_profile_token`).

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::clock;
use crate::world::transfer::ProfileStatus;
pub use crate::world::transfer::find;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payment_profile/create", plaid_write(create))
        .route("/payment_profile/get", plaid(get))
        .route("/payment_profile/remove", plaid_write(remove))
        .route(
            "/sandbox/payment_profile/reset_login",
            plaid_write(reset_login),
        )
}

#[derive(Debug, Deserialize)]
pub struct CreateRequest {}

#[derive(Debug, Serialize)]
pub struct CreateResponse {
    payment_profile_token: String,
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    payment_profile_token: String,
}

#[derive(Debug, Serialize)]
pub struct GetResponse {
    created_at: String,
    updated_at: String,
    deleted_at: Option<String>,
    status: ProfileStatus,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
pub struct ResetLoginResponse {
    reset_login: bool,
}

fn create(ctx: &Ctx<'_>, _: CreateRequest) -> Result<CreateResponse, PlaidError> {
    Ok(CreateResponse {
        payment_profile_token: ctx.world.create_payment_profile(&ctx.client_id)?,
    })
}

fn get(ctx: &Ctx<'_>, req: TokenRequest) -> Result<GetResponse, PlaidError> {
    ctx.world.read(|state| {
        let p = find(state, &ctx.client_id, &req.payment_profile_token)?;
        Ok(GetResponse {
            created_at: clock::wire(p.created_at_ms),
            updated_at: clock::wire(p.updated_at_ms),
            deleted_at: p.deleted_at_ms.map(clock::wire),
            status: p.status(),
        })
    })
}

fn remove(ctx: &Ctx<'_>, req: TokenRequest) -> Result<Empty, PlaidError> {
    ctx.world
        .remove_payment_profile(&ctx.client_id, &req.payment_profile_token)?;
    Ok(Empty {})
}

/// Makes the profile's bank login invalid: Link in Payment Profile update mode repairs it.
fn reset_login(ctx: &Ctx<'_>, req: TokenRequest) -> Result<ResetLoginResponse, PlaidError> {
    ctx.world
        .reset_payment_profile_login(&ctx.client_id, &req.payment_profile_token)?;
    Ok(ResetLoginResponse { reset_login: true })
}
