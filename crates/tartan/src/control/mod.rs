//! `/tartan/*`: Tartan's own control plane, never mixed into Plaid's paths.
//!
//! Tenant-scoped endpoints take the same credentials as Plaid's (headers or body) and answer
//! errors in the same envelope. Refused commands change nothing.

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tartan_types::wire::Jwk;
use tartan_types::{ErrorCode, ErrorType, PlaidError};

use crate::products::webhook_keys::jwk;
use crate::surface::{AppState, Ctx, OwnedCtx, control_get, plaid_async, plaid_write};
use crate::world::clock::{self, DAY_MS, HOUR_MS, MINUTE_MS, TenantClock};
use crate::world::events::RunReport;
use crate::world::institutions::{self, LoginRisk};
use crate::world::outbox::{self, Attempt, Delivery, DeliveryState};
use crate::world::tenants::{
    AccountSelect, Bank, InstitutionSettings, LinkCustomization, TenantSettings,
};
use crate::world::{Action, Target, Tenant, Trigger, TriggerState};

mod link;
mod tenants;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(link::router())
        .merge(tenants::router())
        .route("/tartan/health", get(health))
        .route("/tartan/clock", control_get(clock_get))
        .route("/tartan/clock/advance", plaid_write(clock_advance))
        .route("/tartan/clock/set", plaid_write(clock_set))
        .route("/tartan/clock/freeze", plaid_write(clock_freeze))
        .route("/tartan/clock/resume", plaid_write(clock_resume))
        .route("/tartan/webhook_key", control_get(webhook_key))
        .route(
            "/tartan/triggers",
            control_get(triggers_list).merge(plaid_write(trigger_create)),
        )
        .route(
            "/tartan/settings",
            control_get(settings_get).merge(plaid_write(settings_update)),
        )
        .route(
            "/tartan/link/customizations",
            control_get(customizations_list).merge(plaid_write(customization_put)),
        )
        .route(
            "/tartan/institutions/settings",
            plaid_write(institution_settings),
        )
        .route("/tartan/webhooks", control_get(webhooks_list))
        .route("/tartan/webhooks/flush", plaid_async(webhooks_flush))
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

#[derive(Debug, Deserialize)]
pub struct NoQuery {}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

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

#[derive(Debug, Serialize)]
pub struct WebhookKeyView {
    kid: String,
    key: Jwk,
}

fn webhook_key(ctx: &Ctx<'_>, _: NoQuery) -> Result<WebhookKeyView, PlaidError> {
    ctx.world.read(|s| {
        let key = &s.tenant(&ctx.client_id)?.webhook_key;
        Ok(WebhookKeyView {
            kid: key.kid.clone(),
            key: jwk(key),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Triggers: incidents on an Item or an institution, now or at a future clock time.

#[derive(Debug, Deserialize)]
pub struct TriggerRequest {
    item_id: Option<String>,
    institution_id: Option<String>,
    action: Action,
    /// For `outage`: INSTITUTION_DOWN (default) or INSTITUTION_NOT_RESPONDING.
    code: Option<String>,
    /// When it happens (RFC 3339, on the tenant's clock); now when absent.
    at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TriggerView {
    id: String,
    item_id: Option<String>,
    institution_id: Option<String>,
    action: Action,
    code: Option<String>,
    created_at: String,
    due_at: String,
    state: TriggerState,
    ran_at: Option<String>,
    outcome: Option<String>,
}

fn trigger_view(t: &Trigger) -> TriggerView {
    let (item_id, institution_id) = match &t.target {
        Target::Item(id) => (Some(id.clone()), None),
        Target::Institution(id) => (None, Some(id.clone())),
    };
    TriggerView {
        id: t.id.clone(),
        item_id,
        institution_id,
        action: t.action,
        code: t.code.clone(),
        created_at: clock::wire(t.created_at_ms),
        due_at: clock::wire(t.due_ms),
        state: t.state,
        ran_at: t.ran_at_ms.map(clock::wire),
        outcome: t.outcome.clone(),
    }
}

#[derive(Debug, Serialize)]
pub struct TriggerResponse {
    trigger: TriggerView,
}

fn trigger_create(ctx: &Ctx<'_>, req: TriggerRequest) -> Result<TriggerResponse, PlaidError> {
    let now = ctx.now_ms();
    let target = match (req.item_id, req.institution_id) {
        (Some(item_id), None) => {
            let known = ctx.world.read(|s| {
                s.of(&ctx.client_id)
                    .is_ok_and(|ts| ts.items.contains_key(&item_id))
            });
            if !known {
                return Err(
                    PlaidError::new(ErrorCode::ITEM_NOT_FOUND).with_message(format!(
                        "item_id {item_id} is not an Item of this client (or it was removed)"
                    )),
                );
            }
            Target::Item(item_id)
        }
        (None, Some(inst)) => {
            if institutions::find(&inst).is_none() {
                return Err(PlaidError::new(ErrorCode::INVALID_INSTITUTION)
                    .with_message(format!("invalid institution_id provided: {inst}")));
            }
            Target::Institution(inst)
        }
        _ => {
            return Err(PlaidError::invalid_field(
                "item_id",
                "or institution_id must be given, and not both",
            ));
        }
    };
    if let Some(code) = &req.code {
        let ok = req.action == Action::Outage
            && ErrorCode::from_code(code)
                .is_some_and(|c| c.error_type() == ErrorType::InstitutionError);
        if !ok {
            return Err(PlaidError::invalid_field(
                "code",
                "applies to outage only and must be an INSTITUTION_ERROR code such as \
                 INSTITUTION_DOWN or INSTITUTION_NOT_RESPONDING",
            ));
        }
    }
    let due_ms = match &req.at {
        None => now,
        Some(at) => {
            let t = clock::parse_rfc3339(at)
                .ok_or_else(|| PlaidError::invalid_field("at", "must be an RFC 3339 date-time"))?;
            if t < now {
                return Err(PlaidError::invalid_field(
                    "at",
                    format!("is before the tenant's current time {}", clock::wire(now)),
                ));
            }
            t
        }
    };
    let trigger = ctx.world.schedule(Trigger {
        id: uuid::Uuid::new_v4().to_string(),
        client_id: ctx.client_id.clone(),
        target,
        action: req.action,
        code: req.code,
        created_at_ms: now,
        due_ms,
        state: TriggerState::Pending,
        ran_at_ms: None,
        outcome: None,
    })?;
    Ok(TriggerResponse {
        trigger: trigger_view(&trigger),
    })
}

#[derive(Debug, Serialize)]
pub struct TriggersView {
    triggers: Vec<TriggerView>,
}

fn triggers_list(ctx: &Ctx<'_>, _: NoQuery) -> Result<TriggersView, PlaidError> {
    ctx.world.read(|s| {
        let mut triggers: Vec<&Trigger> = s.of(&ctx.client_id)?.triggers.values().collect();
        triggers.sort_by_key(|t| (t.due_ms, t.created_at_ms));
        Ok(TriggersView {
            triggers: triggers.into_iter().map(trigger_view).collect(),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Debug, Deserialize)]
pub struct SettingsRequest {
    /// Sandbox Items fall into ITEM_LOGIN_REQUIRED this many days after creation (0: never).
    item_login_expiry_days: Option<i64>,
    /// The seed Items created from now on derive their data from.
    seed: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct SettingsView {
    item_login_expiry_days: i64,
    seed: u64,
    /// Whether the seed was set (`false`: derived from the client_id).
    seed_set: bool,
    /// Items made so far: the next Item is number `items_created` in the creation order.
    items_created: u64,
}

fn settings_view(t: &Tenant) -> SettingsView {
    SettingsView {
        item_login_expiry_days: t.settings.item_login_expiry_days,
        seed: t.seed(),
        seed_set: t.settings.seed.is_some(),
        items_created: t.items_created,
    }
}

fn settings_get(ctx: &Ctx<'_>, _: NoQuery) -> Result<SettingsView, PlaidError> {
    ctx.world
        .read(|s| s.tenant(&ctx.client_id).map(settings_view))
}

fn settings_update(ctx: &Ctx<'_>, req: SettingsRequest) -> Result<SettingsView, PlaidError> {
    if let Some(d) = req.item_login_expiry_days
        && !(0..=3650).contains(&d)
    {
        return Err(PlaidError::invalid_field(
            "item_login_expiry_days",
            "must be between 0 (never) and 3650",
        ));
    }
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        if let Some(d) = req.item_login_expiry_days {
            tenant.settings.item_login_expiry_days = d;
        }
        if let Some(seed) = req.seed {
            tenant.settings.seed = Some(seed);
        }
        Ok(settings_view(tenant))
    })
}

// ---------------------------------------------------------------------------------------------
// Link customizations: what Plaid's Dashboard holds, named by link_customization_name.

#[derive(Debug, Deserialize)]
pub struct CustomizationRequest {
    name: String,
    account_select: AccountSelect,
}

#[derive(Debug, Serialize)]
pub struct CustomizationView {
    name: String,
    account_select: AccountSelect,
}

#[derive(Debug, Serialize)]
pub struct CustomizationsView {
    link_customizations: Vec<CustomizationView>,
}

fn customizations_view(settings: &TenantSettings) -> CustomizationsView {
    CustomizationsView {
        link_customizations: settings
            .link_customizations
            .iter()
            .map(|(name, c)| CustomizationView {
                name: name.clone(),
                account_select: c.account_select,
            })
            .collect(),
    }
}

fn customizations_list(ctx: &Ctx<'_>, _: NoQuery) -> Result<CustomizationsView, PlaidError> {
    ctx.world
        .read(|s| Ok(customizations_view(&s.tenant(&ctx.client_id)?.settings)))
}

/// Creates or replaces a customization; link tokens naming it follow it from their next pane.
fn customization_put(
    ctx: &Ctx<'_>,
    req: CustomizationRequest,
) -> Result<CustomizationsView, PlaidError> {
    let name = req.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(PlaidError::invalid_field(
            "name",
            "must be 1 to 100 characters",
        ));
    }
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        tenant.settings.link_customizations.insert(
            name.to_owned(),
            LinkCustomization {
                account_select: req.account_select,
            },
        );
        Ok(customizations_view(&tenant.settings))
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginRiskRequest {
    probability: f64,
    window_minutes: i64,
}

#[derive(Debug, Deserialize)]
pub struct InstitutionSettingsRequest {
    institution_id: String,
    /// Background update cadence for Items with Transactions, Investments or Liabilities.
    refresh_interval_minutes: Option<i64>,
    /// How likely a bank contact soon after creation breaks the login; null: never.
    #[serde(default, deserialize_with = "explicit_null")]
    login_risk: Option<Option<LoginRiskRequest>>,
    consent_days: Option<i64>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize)]
pub struct BankView {
    institution_id: &'static str,
    refresh_interval_minutes: i64,
    login_risk: Option<LoginRiskView>,
    consent_days: Option<i64>,
    health: institutions::Health,
    outage: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct LoginRiskView {
    probability: f64,
    window_minutes: i64,
}

fn bank_view(b: &Bank) -> BankView {
    BankView {
        institution_id: b.def.id,
        refresh_interval_minutes: b.refresh_interval_ms / MINUTE_MS,
        login_risk: b.login_risk.map(|r| LoginRiskView {
            probability: r.probability,
            window_minutes: r.window_ms / MINUTE_MS,
        }),
        consent_days: b.consent_days,
        health: b.health,
        outage: b.outage.map(ErrorCode::as_str),
    }
}

fn institution_settings(
    ctx: &Ctx<'_>,
    req: InstitutionSettingsRequest,
) -> Result<BankView, PlaidError> {
    let def = institutions::find(&req.institution_id)
        .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_INSTITUTION))?;
    if let Some(m) = req.refresh_interval_minutes
        && !(1..=60 * 24 * 365).contains(&m)
    {
        return Err(PlaidError::invalid_field(
            "refresh_interval_minutes",
            "must be between 1 and 525600",
        ));
    }
    if let Some(Some(r)) = &req.login_risk
        && (!(0.0..=1.0).contains(&r.probability) || r.window_minutes < 0)
    {
        return Err(PlaidError::invalid_field(
            "login_risk",
            "needs probability between 0 and 1 and a window_minutes of 0 or more",
        ));
    }
    if let Some(d) = req.consent_days
        && !(1..=3650).contains(&d)
    {
        return Err(PlaidError::invalid_field(
            "consent_days",
            "must be between 1 and 3650",
        ));
    }
    ctx.world.update_tenant(&ctx.client_id, |tenant| {
        let settings = tenant
            .settings
            .institutions
            .entry(def.id.to_owned())
            .or_insert_with(InstitutionSettings::default);
        if let Some(m) = req.refresh_interval_minutes {
            settings.refresh_interval_ms = Some(m * MINUTE_MS);
        }
        if let Some(risk) = &req.login_risk {
            settings.login_risk = Some(risk.as_ref().map(|r| LoginRisk {
                probability: r.probability,
                window_ms: r.window_minutes * MINUTE_MS,
            }));
        }
        if let Some(d) = req.consent_days {
            settings.consent_days = Some(d);
        }
        Ok(bank_view(&tenant.bank(def)))
    })
}

// ---------------------------------------------------------------------------------------------
// The webhook delivery log

#[derive(Debug, Deserialize)]
pub struct WebhooksQuery {
    item_id: Option<String>,
    /// Only deliveries changed after this log position (from a previous answer's `cursor`).
    since: Option<u64>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct AttemptView {
    at: String,
    status: Option<u16>,
    latency_ms: u64,
    error: Option<String>,
    response_snippet: String,
}

#[derive(Debug, Serialize)]
pub struct DeliveryView {
    seq: u64,
    item_id: Option<String>,
    url: String,
    webhook_type: String,
    webhook_code: String,
    body: String,
    created_at: String,
    state: DeliveryState,
    next_attempt_at: Option<String>,
    attempts: Vec<AttemptView>,
    /// One line, as the log and `tartan webhooks --follow` print it.
    summary: String,
}

fn attempt_view(a: &Attempt) -> AttemptView {
    AttemptView {
        at: clock::wire(a.at_ms),
        status: a.status,
        latency_ms: a.latency_ms,
        error: a.error.clone(),
        response_snippet: a.response_snippet.clone(),
    }
}

fn delivery_view(d: &Delivery) -> DeliveryView {
    DeliveryView {
        seq: d.seq,
        item_id: d.item_id.clone(),
        url: d.url.clone(),
        webhook_type: d.webhook_type.clone(),
        webhook_code: d.webhook_code.clone(),
        body: d.body.clone(),
        created_at: clock::wire(d.created_at_ms),
        state: d.state,
        next_attempt_at: d.next_attempt_ms.map(clock::wire),
        attempts: d.attempts.iter().map(attempt_view).collect(),
        summary: outbox::describe(d),
    }
}

#[derive(Debug, Serialize)]
pub struct DeliveriesView {
    deliveries: Vec<DeliveryView>,
    /// Pass as `since` to get only what changed after this answer.
    cursor: u64,
}

fn webhooks_list(ctx: &Ctx<'_>, q: WebhooksQuery) -> Result<DeliveriesView, PlaidError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let wanted = |d: &Delivery| {
        q.item_id
            .as_ref()
            .is_none_or(|i| d.item_id.as_ref() == Some(i))
            && q.since.is_none_or(|since| d.log_seq > since)
    };
    // Newest first: what memory holds (every pending delivery, the newest finished ones)...
    let (mut found, mut older_than, cursor) = ctx.world.read(|s| {
        let ts = s.of(&ctx.client_id)?;
        let found: Vec<Delivery> = ts
            .deliveries
            .values()
            .rev()
            .filter(|d| wanted(d))
            .take(limit)
            .cloned()
            .collect();
        Ok::<_, PlaidError>((found, ts.oldest_recent_delivery(), s.log_seq))
    })?;
    // ...then older finished ones from the store's history, a page at a time. A follower
    // (`since`) only ever needs what changed lately, which memory holds.
    // Memory's finished ones are the newest: the store's history starts below them.
    while found.len() < limit && q.since.is_none() {
        let page = ctx
            .world
            .delivery_history(&ctx.client_id, older_than, 500)?;
        let Some(last) = page.last() else { break };
        older_than = Some(last.seq);
        let room = limit - found.len();
        found.extend(page.into_iter().filter(|d| wanted(d)).take(room));
    }
    found.sort_by_key(|d| d.seq);
    Ok(DeliveriesView {
        deliveries: found.iter().map(delivery_view).collect(),
        cursor,
    })
}

#[derive(Debug, Deserialize)]
pub struct FlushRequest {
    /// How long to wait at most (default 30).
    timeout_seconds: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct FlushView {
    /// Deliveries still due but not attempted when the wait ended (0 when flushed).
    due: usize,
    /// Deliveries waiting for a retry at a later clock time.
    waiting_for_retry: usize,
}

/// Waits until every webhook due on the tenant's clock has been attempted.
async fn webhooks_flush(ctx: OwnedCtx, req: FlushRequest) -> Result<FlushView, PlaidError> {
    let timeout = Duration::from_secs(req.timeout_seconds.unwrap_or(30).min(300));
    let started = std::time::Instant::now();
    loop {
        let view = ctx.world.read(|s| {
            let now = s.now_ms(&ctx.client_id);
            let mut view = FlushView {
                due: 0,
                waiting_for_retry: 0,
            };
            let pending = s.tenants.get(&ctx.client_id).map(|ts| &ts.pending);
            for &(due, _) in pending.into_iter().flatten() {
                if due <= now {
                    view.due += 1;
                } else {
                    view.waiting_for_retry += 1;
                }
            }
            view
        });
        if view.due == 0 || started.elapsed() >= timeout {
            return Ok(view);
        }
        ctx.world.wake_dispatcher.notify_one();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
