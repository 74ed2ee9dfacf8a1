//! `/webhook_verification_key/get`: the public half of the tenant's webhook signing key.

use std::sync::OnceLock;

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

/// The Sandbox key id that Plaid's own SDK test suites request with any credentials.
pub const SDK_SUITE_KEY_ID: &str = "6c5516e1-92dc-479e-a8ff-5a51992e0001";
/// When Plaid created that key (unix seconds).
const SDK_SUITE_KEY_CREATED_AT: i64 = 1_560_466_143;

/// A key served under [`SDK_SUITE_KEY_ID`] to every tenant. Tartan never signs with it: it
/// exists so that suites written against Plaid's Sandbox find the key they ask for.
fn sdk_suite_key() -> Option<&'static WebhookKey> {
    static KEY: OnceLock<Option<WebhookKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        WebhookKey::generate(SDK_SUITE_KEY_CREATED_AT * 1000)
            .map(|k| WebhookKey {
                kid: SDK_SUITE_KEY_ID.to_owned(),
                ..k
            })
            .map_err(|e| tracing::error!(error = %e, "cannot make the SDK suite key"))
            .ok()
    })
    .as_ref()
}

pub fn key_get(
    ctx: &Ctx<'_>,
    req: WebhookVerificationKeyGetRequest,
) -> Result<WebhookVerificationKeyGetResponse, PlaidError> {
    let own = ctx
        .world
        .read(|s| s.tenant(&ctx.client_id).map(|t| t.webhook_key.clone()))?;
    if own.kid == req.key_id {
        return Ok(WebhookVerificationKeyGetResponse { key: jwk(&own) });
    }
    match sdk_suite_key() {
        Some(key) if req.key_id == SDK_SUITE_KEY_ID => {
            Ok(WebhookVerificationKeyGetResponse { key: jwk(key) })
        }
        _ => Err(PlaidError::new(
            ErrorCode::INVALID_WEBHOOK_VERIFICATION_KEY_ID,
        )),
    }
}
