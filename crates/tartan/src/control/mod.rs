//! `/tartan/*`: Tartan's own control plane, never mixed into Plaid's paths.
//!
//! Tenant-scoped endpoints take the same credentials as Plaid's (headers or body) and answer
//! errors in the same envelope. Refused commands change nothing.
//!
//! One file per area, each with its router(): `health.rs`, `clock.rs`, `triggers.rs`,
//! `settings.rs` (tenant and institution settings), `customizations.rs` (Link
//! customizations), `webhooks.rs` (delivery log, flush, signing key), `link.rs` (Link
//! sessions, rendered by `link_wire.rs` from the world's typed sessions) and `tenants.rs`
//! (reset, snapshots, fork).

use axum::Router;
use serde::Deserialize;

use crate::surface::AppState;

mod clock;
mod customizations;
mod health;
mod link;
mod link_wire;
mod settings;
mod tenants;
mod triggers;
mod webhooks;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(link::router())
        .merge(tenants::router())
        .merge(health::router())
        .merge(clock::router())
        .merge(triggers::router())
        .merge(settings::router())
        .merge(customizations::router())
        .merge(webhooks::router())
}

#[derive(Debug, Deserialize)]
pub struct NoQuery {}

#[derive(Debug, Deserialize)]
pub struct NoFields {}
