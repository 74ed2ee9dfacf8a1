//! `/tartan/clock/*`: the tenant's virtual clock: read it, advance or set it (running what
//! falls due on the way), freeze and resume it.

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use super::{NoFields, NoQuery};
use crate::surface::{AppState, Ctx, control_get, plaid_write};
use crate::world::clock::{self, DAY_MS, HOUR_MS, MINUTE_MS, TenantClock};
use crate::world::events::RunReport;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tartan/clock", control_get(clock_get))
        .route("/tartan/clock/advance", plaid_write(clock_advance))
        .route("/tartan/clock/set", plaid_write(clock_set))
        .route("/tartan/clock/freeze", plaid_write(clock_freeze))
        .route("/tartan/clock/resume", plaid_write(clock_resume))
}

/// The tenant's clock as the control plane shows it, and what moving it ran.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClockView {
    pub now: String,
    pub now_ms: i64,
    pub frozen: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_run: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks_queued: Option<usize>,
}

fn view(c: TenantClock, report: Option<RunReport>) -> ClockView {
    let now_ms = c.now_ms();
    ClockView {
        now: clock::wire(now_ms),
        now_ms,
        frozen: c.frozen_at_ms.is_some(),
        events_run: report.map(|r| r.events_run),
        webhooks_queued: report.map(|r| r.webhooks_queued),
    }
}

fn tenant_clock(ctx: &Ctx<'_>) -> Result<TenantClock, PlaidError> {
    ctx.world
        .read(|s| s.tenant(&ctx.client_id).map(|t| t.clock))
}

fn clock_get(ctx: &Ctx<'_>, _: NoQuery) -> Result<ClockView, PlaidError> {
    Ok(view(tenant_clock(ctx)?, None))
}

/// Moves the clock to `next`, running everything that falls due on the way, in order.
fn move_clock(ctx: &Ctx<'_>, next: TenantClock) -> Result<ClockView, PlaidError> {
    let report = ctx
        .world
        .run_until(&ctx.client_id, next.now_ms(), Some(next))?;
    Ok(view(next, Some(report)))
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
            .filter(|t| *t <= 100 * 365 * DAY_MS)
            .ok_or_else(|| PlaidError::invalid_field(field, "is too large (100 years at most)"))?;
    }
    let mut next = tenant_clock(ctx)?;
    next.advance(total);
    move_clock(ctx, next)
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
    let mut next = tenant_clock(ctx)?;
    if target < next.now_ms() {
        return Err(PlaidError::invalid_field(
            "now",
            format!(
                "is before the tenant's current time {}: the clock never moves backwards",
                clock::wire(next.now_ms())
            ),
        ));
    }
    next.set(target);
    move_clock(ctx, next)
}

fn clock_freeze(ctx: &Ctx<'_>, _: NoFields) -> Result<ClockView, PlaidError> {
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            c.freeze();
            Ok(())
        })
        .map(|c| view(c, None))
}

fn clock_resume(ctx: &Ctx<'_>, _: NoFields) -> Result<ClockView, PlaidError> {
    ctx.world
        .update_clock(&ctx.client_id, |c| {
            c.resume();
            Ok(())
        })
        .map(|c| view(c, None))
}
