//! `/tartan/webhooks*` and `/tartan/webhook_key`: the webhook delivery log, flushing what is
//! due, and the key webhooks are signed with.

use std::time::Duration;

use axum::Router;
use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;
use tartan_types::wire::Jwk;

use super::NoQuery;
use crate::products::webhook_keys::jwk;
use crate::surface::{AppState, Ctx, OwnedCtx, control_get, plaid_async};
use crate::world::clock;
use crate::world::outbox::{self, Attempt, Delivery, DeliveryState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tartan/webhook_key", control_get(webhook_key))
        .route("/tartan/webhooks", control_get(webhooks_list))
        .route("/tartan/webhooks/flush", plaid_async(webhooks_flush))
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
