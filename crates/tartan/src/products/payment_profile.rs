//! `/payment_profile/*` and `/sandbox/payment_profile/reset_login`: Transfer's Payment
//! Profiles, linked to a bank login through Link (`transfer.payment_profile_token`).

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::clock;
use crate::world::transfer::PaymentProfile;
use crate::world::{Record, State};

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
    status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
pub struct ResetLoginResponse {
    reset_login: bool,
}

fn create(ctx: &Ctx<'_>, _: CreateRequest) -> Result<CreateResponse, PlaidError> {
    ctx.world.write(|state, changes| {
        let now = state.now_ms(&ctx.client_id);
        let profile = PaymentProfile {
            token: format!("payment-profile-sandbox-{}", uuid::Uuid::new_v4()),
            client_id: ctx.client_id.clone(),
            created_at_ms: now,
            updated_at_ms: now,
            deleted_at_ms: None,
            item_id: None,
            login_required: false,
        };
        let token = profile.token.clone();
        changes.push(Record::PaymentProfile(Box::new(profile)));
        Ok(CreateResponse {
            payment_profile_token: token,
        })
    })
}

/// The tenant's profile behind `token`, removed or not.
pub fn find<'a>(
    state: &'a State,
    client_id: &str,
    token: &str,
) -> Result<&'a PaymentProfile, PlaidError> {
    state
        .of(client_id)?
        .payment_profiles
        .get(token)
        .ok_or_else(|| {
            PlaidError::invalid_field("payment_profile_token", "names no payment profile")
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
    ctx.world.write(|state, changes| {
        let now = state.now_ms(&ctx.client_id);
        let mut p = find(state, &ctx.client_id, &req.payment_profile_token)?.clone();
        if p.deleted_at_ms.is_none() {
            p.deleted_at_ms = Some(now);
            p.updated_at_ms = now;
            changes.push(Record::PaymentProfile(Box::new(p)));
        }
        Ok(Empty {})
    })
}

/// Makes the profile's bank login invalid: Link in Payment Profile update mode repairs it.
fn reset_login(ctx: &Ctx<'_>, req: TokenRequest) -> Result<ResetLoginResponse, PlaidError> {
    ctx.world.write(|state, changes| {
        let now = state.now_ms(&ctx.client_id);
        let mut p = find(state, &ctx.client_id, &req.payment_profile_token)?.clone();
        if p.status() != "READY" {
            return Err(PlaidError::invalid_field(
                "payment_profile_token",
                format!(
                    "names a payment profile that is {}; only a READY profile (linked through Link) has a login to reset",
                    p.status()
                ),
            ));
        }
        p.login_required = true;
        p.updated_at_ms = now;
        changes.push(Record::PaymentProfile(Box::new(p)));
        Ok(ResetLoginResponse { reset_login: true })
    })
}
