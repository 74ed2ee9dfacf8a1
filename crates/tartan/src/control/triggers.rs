//! `/tartan/triggers`: incidents on an Item or an institution, now or at a future clock time.

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, ErrorType, PlaidError};

use super::NoQuery;
use crate::surface::{AppState, Ctx, control_get, plaid_write};
use crate::world::clock;
use crate::world::institutions;
use crate::world::{Action, Target, Trigger, TriggerState};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/tartan/triggers",
        control_get(triggers_list).merge(plaid_write(trigger_create)),
    )
}

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
    code: Option<&'static str>,
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
        code: t.code.map(ErrorCode::as_str),
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
    let code = match &req.code {
        None => None,
        Some(code) => {
            let parsed = ErrorCode::from_code(code)
                .filter(|c| c.error_type() == ErrorType::InstitutionError)
                .filter(|_| req.action == Action::Outage);
            if parsed.is_none() {
                return Err(PlaidError::invalid_field(
                    "code",
                    "applies to outage only and must be an INSTITUTION_ERROR code such as \
                     INSTITUTION_DOWN or INSTITUTION_NOT_RESPONDING",
                ));
            }
            parsed
        }
    };
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
        code,
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
