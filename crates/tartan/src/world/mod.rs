//! The simulation: tenants, institutions, Items and their accounts, tokens, and the clock.
//!
//! Pure Rust, no HTTP. All state lives in memory behind one lock and is mirrored to the store:
//! a mutation reads the state, produces the records it changes, and those records are
//! committed to the store *before* they are applied in memory, so what a client was told has
//! happened is on disk.

pub mod bank;
pub mod clock;
pub mod events;
pub mod ids;
pub mod institutions;
pub mod items;
pub mod link;
mod logos;
pub mod tenants;
pub mod views;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use crate::store::Store;
use crate::webhooks::{Delivery, DeliveryState, WebhookPolicy};
pub use events::{Action, Target, Trigger, TriggerState};
pub use items::{AccessToken, Item, LinkToken, PublicToken, TokenStatus};
pub use tenants::{KeyPolicy, Tenant};

/// One persisted object. The store keeps the newest body per (kind, key).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Record {
    Tenant(Tenant),
    Item(Box<Item>),
    AccessToken(AccessToken),
    PublicToken(PublicToken),
    LinkToken(Box<LinkToken>),
    Delivery(Box<Delivery>),
    Trigger(Box<Trigger>),
    LinkSession(Box<link::LinkSession>),
    PaymentProfile(Box<link::PaymentProfile>),
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Tenant(_) => "tenant",
            Self::Item(_) => "item",
            Self::AccessToken(_) => "access_token",
            Self::PublicToken(_) => "public_token",
            Self::LinkToken(_) => "link_token",
            Self::Delivery(_) => "delivery",
            Self::Trigger(_) => "trigger",
            Self::LinkSession(_) => "link_session",
            Self::PaymentProfile(_) => "payment_profile",
        }
    }

    pub fn key(&self) -> String {
        match self {
            Self::Tenant(t) => t.client_id.clone(),
            Self::Item(i) => i.item_id.clone(),
            Self::AccessToken(t) => t.token.clone(),
            Self::PublicToken(t) => t.token.clone(),
            Self::LinkToken(t) => t.token.clone(),
            Self::Delivery(d) => d.key(),
            Self::Trigger(t) => t.id.clone(),
            Self::LinkSession(s) => s.id.clone(),
            Self::PaymentProfile(p) => p.token.clone(),
        }
    }
}

/// Everything Tartan knows, indexed for the request paths.
#[derive(Debug, Default)]
pub struct State {
    pub tenants: HashMap<String, Tenant>,
    pub items: HashMap<String, Item>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub public_tokens: HashMap<String, PublicToken>,
    pub link_tokens: HashMap<String, LinkToken>,
    pub link_sessions: HashMap<String, link::LinkSession>,
    pub payment_profiles: HashMap<String, link::PaymentProfile>,
    /// Rendered read-only views of Items, dropped whenever the Item is written.
    pub views: views::Views,
    /// Recent webhook deliveries by `seq` (every pending one, and the newest finished ones).
    pub deliveries: BTreeMap<u64, Delivery>,
    /// Deliveries still to be attempted, per tenant, ordered by when they are due (tenant
    /// clock): the dispatcher reads only the front of each.
    pub pending: HashMap<String, BTreeSet<(i64, u64)>>,
    /// `seq` of finished deliveries kept in memory, oldest first (pruned from the front).
    finished: VecDeque<u64>,
    pub delivery_seq: u64,
    /// Last change to any delivery (for followers of the log).
    pub log_seq: u64,
    pub triggers: BTreeMap<String, Trigger>,
    /// The newest webhook sent for each Item (`status.last_webhook`), derived from deliveries.
    pub last_webhooks: HashMap<String, items::LastWebhookState>,
}

/// Finished deliveries kept in memory for `/tartan/webhooks`; the store keeps them all.
const RECENT_DELIVERIES: usize = 20_000;

impl State {
    fn apply(&mut self, record: Record) {
        match record {
            Record::Tenant(t) => {
                self.tenants.insert(t.client_id.clone(), t);
            }
            Record::Item(i) => {
                self.views.invalidate(&i.item_id);
                self.items.insert(i.item_id.clone(), *i);
            }
            Record::AccessToken(t) => {
                self.access_tokens.insert(t.token.clone(), t);
            }
            Record::PublicToken(t) => {
                self.public_tokens.insert(t.token.clone(), t);
            }
            Record::LinkToken(t) => {
                self.link_tokens.insert(t.token.clone(), *t);
            }
            Record::Delivery(d) => {
                self.delivery_seq = self.delivery_seq.max(d.seq);
                self.log_seq = self.log_seq.max(d.log_seq);
                if let Some(item_id) = &d.item_id {
                    let newer = self
                        .last_webhooks
                        .get(item_id)
                        .is_none_or(|w| w.sent_at_ms <= d.created_at_ms);
                    if newer {
                        self.last_webhooks.insert(
                            item_id.clone(),
                            items::LastWebhookState {
                                sent_at_ms: d.created_at_ms,
                                code_sent: d.webhook_code.clone(),
                            },
                        );
                    }
                }
                let previous = self.deliveries.get(&d.seq);
                let was_pending = previous.is_some_and(|p| p.state == DeliveryState::Pending);
                if let Some(p) = previous.filter(|_| was_pending) {
                    let due = p.next_attempt_ms.unwrap_or_default();
                    if let Some(queue) = self.pending.get_mut(&p.client_id) {
                        queue.remove(&(due, p.seq));
                    }
                }
                if d.state == DeliveryState::Pending {
                    let due = d.next_attempt_ms.unwrap_or_default();
                    self.pending
                        .entry(d.client_id.clone())
                        .or_default()
                        .insert((due, d.seq));
                } else if was_pending || previous.is_none() {
                    self.finished.push_back(d.seq);
                }
                self.deliveries.insert(d.seq, *d);
                // Pending deliveries always stay; finished ones only up to a bound.
                while self.finished.len() > RECENT_DELIVERIES {
                    if let Some(oldest) = self.finished.pop_front() {
                        self.deliveries.remove(&oldest);
                    }
                }
            }
            Record::Trigger(t) => {
                self.triggers.insert(t.id.clone(), *t);
            }
            Record::LinkSession(s) => {
                self.link_sessions.insert(s.id.clone(), *s);
            }
            Record::PaymentProfile(p) => {
                self.payment_profiles.insert(p.token.clone(), *p);
            }
        }
    }

    /// The tenant's current virtual time, in unix milliseconds.
    pub fn now_ms(&self, client_id: &str) -> i64 {
        self.tenants
            .get(client_id)
            .map(|t| t.clock)
            .unwrap_or_default()
            .now_ms()
    }

    pub fn tenant(&self, client_id: &str) -> Result<&Tenant, PlaidError> {
        self.tenants
            .get(client_id)
            .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_API_KEYS))
    }
}

/// The world: state, its store, and who may use it.
pub struct World {
    state: RwLock<State>,
    /// One mutation at a time: held across computing, committing and applying changes.
    writer: parking_lot::Mutex<()>,
    /// Async callers queue here before writing, so waiting writers do not each hold a
    /// blocking thread (which made tokio start dozens of threads after any short stall).
    turn: tokio::sync::Mutex<()>,
    store: Box<dyn Store>,
    pub policy: KeyPolicy,
    pub webhook_policy: WebhookPolicy,
    /// Woken when deliveries are queued or a clock moves, so the dispatcher looks again.
    pub wake_dispatcher: tokio::sync::Notify,
}

impl World {
    /// Loads everything the store holds.
    pub fn open(
        store: Box<dyn Store>,
        policy: KeyPolicy,
        webhook_policy: WebhookPolicy,
    ) -> anyhow::Result<Self> {
        let mut state = State::default();
        for record in store.load()? {
            state.apply(record);
        }
        Ok(Self {
            state: RwLock::new(state),
            writer: parking_lot::Mutex::new(()),
            turn: tokio::sync::Mutex::new(()),
            store,
            policy,
            webhook_policy,
            wake_dispatcher: tokio::sync::Notify::new(),
        })
    }

    /// Waits (as a future) for this caller's turn to write; hold it across `write` calls.
    pub async fn write_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// Waits for the write turn as a future, then runs `f` on the blocking pool with the turn
    /// held: the store's commit never holds up an async worker that could be serving reads.
    pub async fn blocking_write<R: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&World) -> R + Send + 'static,
    ) -> Result<R, tokio::task::JoinError> {
        let _turn = self.write_turn().await;
        let world = self.clone();
        tokio::task::spawn_blocking(move || f(&world)).await
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read())
    }

    /// Runs a mutation: `f` reads the state and pushes the records it changes; they are
    /// committed to the store in one transaction, then applied in memory.
    ///
    /// Mutations are serialized by `writer`, so the state cannot change between `f` reading it
    /// and its changes being applied; readers are kept out only while changes are applied in
    /// memory, never while the store writes.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&State, &mut Vec<Record>) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        off_worker(|| self.write_now(f))
    }

    fn write_now<R>(
        &self,
        f: impl FnOnce(&State, &mut Vec<Record>) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        let _writer = self.writer.lock();
        let mut changes = Vec::new();
        let result = f(&self.state.read(), &mut changes)?;
        if changes.is_empty() {
            return Ok(result);
        }
        self.store.commit(&changes).map_err(|e| {
            tracing::error!(error = %e, "store commit failed");
            PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
                .with_message("the change could not be saved; nothing was changed")
        })?;
        let wake = changes
            .iter()
            .any(|r| matches!(r, Record::Delivery(_) | Record::Tenant(_)));
        {
            let mut state = self.state.write();
            for record in changes {
                state.apply(record);
            }
        }
        if wake {
            self.wake_dispatcher.notify_one();
        }
        Ok(result)
    }
}

/// Runs blocking work (waiting for the writer lock, the store's commit) without holding up an
/// async worker: on a multi-threaded runtime the worker hands its other tasks on meanwhile.
fn off_worker<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
