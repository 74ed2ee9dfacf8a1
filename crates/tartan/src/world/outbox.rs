//! The outbox: webhooks Plaid would send, written in the same transaction as the change they
//! announce. `webhooks::dispatch` delivers them.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tartan_types::{PlaidError, Webhook};

use super::clock::{self, DAY_MS};
use super::{Item, Record, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Every retry failed; no more attempts.
    Failed,
}

/// One attempt to deliver, as the log shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    /// Tenant-clock time of the attempt (unix ms).
    pub at_ms: i64,
    pub status: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub response_snippet: String,
}

/// A webhook in the outbox: its body, where it goes, and every attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// Global order of creation.
    pub seq: u64,
    /// Bumped on every change, so a follower can ask for what changed since.
    pub log_seq: u64,
    pub client_id: String,
    pub item_id: Option<String>,
    pub url: String,
    pub webhook_type: String,
    pub webhook_code: String,
    /// The exact bytes sent: Plaid's 2-space indented JSON.
    pub body: String,
    pub created_at_ms: i64,
    pub state: DeliveryState,
    /// Tenant-clock time of the next attempt while pending.
    pub next_attempt_ms: Option<i64>,
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    pub fn key(&self) -> String {
        delivery_key(self.seq)
    }
}

/// A delivery's store key: its `seq`, zero-padded so keys sort as numbers.
pub fn delivery_key(seq: u64) -> String {
    format!("{seq:020}")
}

/// Delays before the 2nd, 3rd, ... attempt: 30 s, then four times the previous, while the
/// total stays within 24 hours (Plaid's documented schedule).
pub fn retry_delay_ms(attempts_made: usize) -> Option<i64> {
    let mut delay = 30_000i64;
    let mut elapsed = 0i64;
    for _ in 1..attempts_made {
        elapsed += delay;
        delay *= 4;
    }
    (elapsed + delay <= DAY_MS).then_some(delay)
}

/// Writes a webhook for `item` into the outbox, as part of the mutation building `changes`.
/// Does nothing when the Item has no webhook URL. Returns whether one was queued.
pub fn enqueue(
    state: &State,
    changes: &mut Vec<Record>,
    item: &Item,
    now_ms: i64,
    payload: Value,
) -> bool {
    let Some(url) = item.webhook.clone() else {
        return false;
    };
    enqueue_to(state, changes, item, &url, now_ms, payload);
    true
}

/// Like [`enqueue`] but to an explicit URL (WEBHOOK_UPDATE_ACKNOWLEDGED goes to the new one).
pub fn enqueue_to(
    state: &State,
    changes: &mut Vec<Record>,
    item: &Item,
    url: &str,
    now_ms: i64,
    payload: Value,
) {
    // After the newest delivery this write queued (the last few records, when a run queues
    // many: counting them all made a large run quadratic).
    let (seq, log_seq) = changes
        .iter()
        .rev()
        .find_map(|c| match c {
            Record::Delivery(d) if d.seq > state.delivery_seq => Some((d.seq + 1, d.log_seq + 1)),
            _ => None,
        })
        .unwrap_or((state.delivery_seq + 1, state.log_seq + 1));
    let code = payload["webhook_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let delivery = Delivery {
        seq,
        log_seq,
        client_id: item.client_id.clone(),
        item_id: Some(item.item_id.clone()),
        url: url.to_owned(),
        webhook_type: payload["webhook_type"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        webhook_code: code.clone(),
        body: serde_json::to_string_pretty(&payload).unwrap_or_default(),
        created_at_ms: now_ms,
        state: DeliveryState::Pending,
        next_attempt_ms: Some(now_ms),
        attempts: Vec::new(),
    };
    changes.push(Record::Delivery(Box::new(delivery)));
    changes.push(Record::LastWebhook(super::items::LastWebhookState {
        client_id: item.client_id.clone(),
        item_id: item.item_id.clone(),
        sent_at_ms: now_ms,
        code_sent: code,
    }));
}

/// A webhook body about `item` with Plaid's common fields, plus the code's own fields.
pub fn payload(hook: Webhook, item: &Item, extra: Value) -> Value {
    let mut body = json!({
        "webhook_type": hook.webhook_type(),
        "webhook_code": hook.code(),
        "item_id": item.item_id,
        "environment": "sandbox",
    });
    if let (Some(map), Value::Object(extra)) = (body.as_object_mut(), extra) {
        map.extend(extra);
    }
    body
}

/// The `error` object inside a webhook: Plaid's envelope without request_id, with status.
pub fn error_value(error: &PlaidError) -> Value {
    serde_json::to_value(error.body(None)).unwrap_or(Value::Null)
}

/// `ITEM: ERROR` for the Item's current error.
pub fn item_error(item: &Item) -> Option<Value> {
    let error = item.error.as_ref()?.to_error();
    Some(payload(
        Webhook::ItemError,
        item,
        json!({"error": error_value(&error)}),
    ))
}

/// A human line for the log and `tartan webhooks --follow`.
pub fn describe(d: &Delivery) -> String {
    let last = d.attempts.last();
    let outcome = match (d.state, last) {
        (DeliveryState::Pending, None) => "queued".to_owned(),
        (_, Some(a)) => match (a.status, &a.error) {
            (Some(s), _) => format!("{s} in {} ms", a.latency_ms),
            (None, Some(e)) => format!("failed: {e}"),
            (None, None) => "failed".to_owned(),
        },
        (_, None) => "no attempt".to_owned(),
    };
    let next = match (d.state, d.next_attempt_ms) {
        (DeliveryState::Pending, Some(t)) if !d.attempts.is_empty() => {
            format!(", retry at {}", clock::wire(t))
        }
        (DeliveryState::Failed, _) => ", gave up".to_owned(),
        _ => String::new(),
    };
    format!(
        "#{} {} {}/{} item={} -> {} : {} (attempt {}){}",
        d.seq,
        clock::wire(d.created_at_ms),
        d.webhook_type,
        d.webhook_code,
        d.item_id.as_deref().unwrap_or("-"),
        d.url,
        outcome,
        d.attempts.len(),
        next
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_plaids_schedule_within_24_hours() {
        let delays: Vec<_> = (1..10).map_while(retry_delay_ms).collect();
        assert_eq!(
            delays,
            vec![30_000, 120_000, 480_000, 1_920_000, 7_680_000, 30_720_000]
        );
        assert!(delays.iter().sum::<i64>() <= DAY_MS);
    }
}
