//! `/tartan/health`: liveness and the running version.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::surface::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/tartan/health", get(health))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
