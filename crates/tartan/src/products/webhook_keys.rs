//! `/webhook_verification_key/get`: the public half of the tenant's webhook signing key.

use axum::Router;
use tartan_types::wire::{
    Jwk, WebhookVerificationKeyGetRequest, WebhookVerificationKeyGetResponse,
};
use tartan_types::{ErrorCode, PlaidError};

use crate::surface::{AppState, Ctx, plaid};
use crate::world::tenants::WebhookKey;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhook_verification_key/get", plaid(key_get))
}

pub fn jwk(key: &WebhookKey) -> Jwk {
    Jwk {
        alg: "ES256".to_owned(),
        crv: "P-256".to_owned(),
        kid: key.kid.clone(),
        kty: "EC".to_owned(),
        key_use: "sig".to_owned(),
        x: key.x.clone(),
        y: key.y.clone(),
        created_at: key.created_at,
        expired_at: key.expired_at,
    }
}

pub fn key_get(
    ctx: &Ctx<'_>,
    req: WebhookVerificationKeyGetRequest,
) -> Result<WebhookVerificationKeyGetResponse, PlaidError> {
    ctx.world.read(|s| {
        let key = &s.tenant(&ctx.client_id)?.webhook_key;
        if key.kid != req.key_id {
            return Err(PlaidError::new(
                ErrorCode::INVALID_WEBHOOK_VERIFICATION_KEY_ID,
            ));
        }
        Ok(WebhookVerificationKeyGetResponse { key: jwk(key) })
    })
}
