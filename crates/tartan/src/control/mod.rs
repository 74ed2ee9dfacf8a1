//! `/tartan/*`: Tartan's own control plane, never mixed into Plaid's paths.
//!
//! Tenant-scoped endpoints take the same credentials as Plaid's (headers or body) and answer
//! errors in the same envelope.

use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;
use tartan_types::wire::Jwk;

use crate::products::webhook_keys::jwk;
use crate::surface::{AppState, Ctx, control_get, plaid};
use crate::world::clock::{self, DAY_MS, HOUR_MS, MINUTE_MS, TenantClock};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tartan/health", get(health))
        .route("/tartan/clock", control_get(clock_get))
        .route("/tartan/clock/advance", plaid(clock_advance))
        .route("/tartan/clock/set", plaid(clock_set))
        .route("/tartan/clock/freeze", plaid(clock_freeze))
        .route("/tartan/clock/resume", plaid(clock_resume))
        .route("/tartan/webhook_key", control_get(webhook_key))
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

/// The tenant's clock as the control plane shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClockView {
    pub now: String,
    pub now_ms: i64,
    pub frozen: bool,
}

fn view(c: TenantClock) -> ClockView {
    let now_ms = c.now_ms();
    ClockView {
        now: clock::wire(now_ms),
        now_ms,
        frozen: c.frozen_at_ms.is_some(),
    }
}

fn clock_get(ctx: &Ctx<'_>, _: ()) -> Result<ClockView, PlaidError> {
    ctx.world
        .read(|s| s.tenant(&ctx.client_id).map(|t| view(t.clock)))
}

/// How far to move: any mix of whole units, at least one of them.
#[derive(Debug, Deserialize)]
pub struct Advance {
    days: Option<i64>,
    hours: Option<i64>,
    minutes: Option<i64>,
    seconds: Option<i64>,
}

fn clock_advance(ctx: &Ctx<'_>, req: Advance) -> Result<ClockView, PlaidError> {
    let parts = [
        ("days", req.days, DAY_MS),
        ("hours", req.hours, HOUR_MS),
        ("minutes", req.minutes, MINUTE_MS),
        ("seconds", req.seconds, 1000),
    ];
    if parts.iter().all(|(_, v, _)| v.is_none()) {
        return Err(PlaidError::missing_fields(&[
            "days, hours, minutes or seconds",
        ]));
    }
    let mut total: i64 = 0;
    for (field, value, unit) in parts {
        let Some(v) = value else { continue };
        if v < 0 {
            return Err(PlaidError::invalid_field(
                field,
                "must not be negative: the clock never moves backwards",
            ));
        }
        total = v
            .checked_mul(unit)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(|| PlaidError::invalid_field(field, "is too large"))?;
    }
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            c.advance(total);
            Ok(())
        })
        .map(view)
}

#[derive(Debug, Deserialize)]
pub struct SetClock {
    now: String,
}

fn clock_set(ctx: &Ctx<'_>, req: SetClock) -> Result<ClockView, PlaidError> {
    let target = clock::parse_rfc3339(&req.now).ok_or_else(|| {
        PlaidError::invalid_field(
            "now",
            "must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z",
        )
    })?;
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            if target < c.now_ms() {
                return Err(PlaidError::invalid_field(
                    "now",
                    format!(
                        "is before the tenant's current time {}: the clock never moves backwards",
                        clock::wire(c.now_ms())
                    ),
                ));
            }
            c.set(target);
            Ok(())
        })
        .map(view)
}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

fn clock_freeze(ctx: &Ctx<'_>, _: NoFields) -> Result<ClockView, PlaidError> {
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            c.freeze();
            Ok(())
        })
        .map(view)
}

fn clock_resume(ctx: &Ctx<'_>, _: NoFields) -> Result<ClockView, PlaidError> {
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            c.resume();
            Ok(())
        })
        .map(view)
}

#[derive(Debug, Serialize)]
pub struct WebhookKeyView {
    kid: String,
    key: Jwk,
}

fn webhook_key(ctx: &Ctx<'_>, _: ()) -> Result<WebhookKeyView, PlaidError> {
    ctx.world.read(|s| {
        let key = &s.tenant(&ctx.client_id)?.webhook_key;
        Ok(WebhookKeyView {
            kid: key.kid.clone(),
            key: jwk(key),
        })
    })
}
