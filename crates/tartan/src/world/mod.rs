//! The simulation: tenants, institutions, Items and their accounts, tokens, and the clock.
//!
//! Pure Rust, no HTTP. The world is a map from client_id to a [`TenantState`] that owns all of
//! that tenant's objects; it lives in memory behind one lock and is mirrored to the store. A
//! mutation reads the state and produces the records it changes; they are applied in memory
//! and queued for the store, and the mutation is acknowledged only once a commit (shared with
//! the writes that overlapped it) has made them durable, so what a client was told has happened
//! is on disk. Memory holds live state only: history (delivered webhooks and finished Link
//! sessions beyond the newest 1,000, removed Items, rotated and exchanged tokens) stays in the
//! store and is read when asked for.

pub mod bank;
pub mod clock;
mod commit;
pub mod events;
pub mod ids;
pub mod institutions;
pub mod investments;
pub mod items;
pub mod link;
mod logos;
pub mod outbox;
pub mod schedule;
pub mod tenants;
pub mod transactions;
pub mod transfer;
pub mod urls;
pub mod views;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

// foldhash, not SipHash: keys are ids and tokens Tartan made, and hashing them is a tenth of
// loading a large store.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use crate::store::{Row, SnapshotMeta, Store};
pub use events::{Action, Target, Trigger, TriggerState};
pub use items::{AccessToken, Item, LinkToken, PublicToken, TokenStatus};
use outbox::{Delivery, DeliveryState};
pub use tenants::{KeyPolicy, Tenant};
use urls::WebhookPolicy;

/// One persisted object. The store keeps the newest body per (tenant, kind, key).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Record {
    Tenant(Box<Tenant>),
    Item(Box<Item>),
    AccessToken(AccessToken),
    PublicToken(PublicToken),
    LinkToken(Box<LinkToken>),
    Delivery(Box<Delivery>),
    Trigger(Box<Trigger>),
    LinkSession(Box<link::LinkSession>),
    PaymentProfile(Box<transfer::PaymentProfile>),
    /// The newest webhook sent about an Item (`status.last_webhook`).
    LastWebhook(items::LastWebhookState),
    /// A removed Item's access token (by fingerprint).
    RemovedToken(items::RemovedToken),
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
            Self::LastWebhook(_) => "last_webhook",
            Self::RemovedToken(_) => "removed_token",
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
            Self::LastWebhook(w) => w.item_id.clone(),
            Self::RemovedToken(t) => format!("{:016x}", t.hash),
        }
    }

    pub fn client_id(&self) -> &str {
        match self {
            Self::Tenant(t) => &t.client_id,
            Self::Item(i) => &i.client_id,
            Self::AccessToken(t) => &t.client_id,
            Self::PublicToken(t) => &t.client_id,
            Self::LinkToken(t) => &t.client_id,
            Self::Delivery(d) => &d.client_id,
            Self::Trigger(t) => &t.client_id,
            Self::LinkSession(s) => &s.client_id,
            Self::PaymentProfile(p) => &p.client_id,
            Self::LastWebhook(w) => &w.client_id,
            Self::RemovedToken(t) => &t.client_id,
        }
    }

    /// Moves the record to another tenant (a fork).
    fn set_client_id(&mut self, client_id: &str) {
        let c = client_id.to_owned();
        match self {
            Self::Tenant(t) => t.client_id = c,
            Self::Item(i) => i.client_id = c,
            Self::AccessToken(t) => t.client_id = c,
            Self::PublicToken(t) => t.client_id = c,
            Self::LinkToken(t) => t.client_id = c,
            Self::Delivery(d) => d.client_id = c,
            Self::Trigger(t) => t.client_id = c,
            Self::LinkSession(s) => s.client_id = c,
            Self::PaymentProfile(p) => p.client_id = c,
            Self::LastWebhook(w) => w.client_id = c,
            Self::RemovedToken(t) => t.client_id = c,
        }
    }

    /// Whether the record is live state (loaded at startup) rather than history.
    pub fn is_live(&self) -> bool {
        match self {
            Self::Item(i) => i.removed_at_ms.is_none(),
            // A removed Item's token lives on as a RemovedToken.
            // A rotated token is kept (it answers INVALID_ACCESS_TOKEN, not ITEM_NOT_FOUND).
            Self::AccessToken(t) => t.status != TokenStatus::Removed,
            Self::Delivery(d) => d.state == DeliveryState::Pending,
            Self::PublicToken(t) => !t.exchanged,
            Self::LinkSession(s) => s.result.is_none(),
            _ => true,
        }
    }

    fn to_row(&self) -> serde_json::Result<Row> {
        Ok(Row {
            client_id: self.client_id().to_owned(),
            kind: self.kind(),
            key: self.key(),
            live: self.is_live(),
            body: serde_json::to_string(self)?,
        })
    }
}

/// Finished webhook deliveries each tenant keeps in memory for `/tartan/webhooks`; older ones
/// are read from the store (with `--ephemeral`, they are gone).
pub const RECENT_DELIVERIES: usize = 1_000;

/// Finished Link sessions each tenant keeps in memory (for `/tartan/link/sessions/{id}` and
/// `/link/token/get`); older ones are read from the store (with `--ephemeral`, they are gone).
pub const RECENT_SESSIONS: usize = 1_000;

/// One tenant's whole world: what reset, snapshot and fork act on.
#[derive(Debug)]
pub struct TenantState {
    pub tenant: Tenant,
    /// Boxed: a map slot stays small (most of a map is slots, a fifth of them empty).
    pub items: HashMap<String, Box<Item>>,
    pub access_tokens: HashMap<String, AccessToken>,
    /// The active access token of each Item.
    pub item_tokens: HashMap<String, String>,
    /// Fingerprints of removed Items' access tokens (they answer ITEM_NOT_FOUND).
    pub removed_tokens: HashSet<u64>,
    pub public_tokens: HashMap<String, PublicToken>,
    pub link_tokens: HashMap<String, LinkToken>,
    pub link_sessions: HashMap<String, link::LinkSession>,
    pub payment_profiles: HashMap<String, transfer::PaymentProfile>,
    /// Rendered read-only views of Items, dropped whenever the Item is written.
    pub views: views::Views,
    /// Webhook deliveries by `seq`: every pending one, and the newest finished ones.
    pub deliveries: BTreeMap<u64, Delivery>,
    /// Deliveries still to be attempted, ordered by when they are due (tenant clock): the
    /// dispatcher reads only the front.
    pub pending: BTreeSet<(i64, u64)>,
    /// `seq` of finished deliveries kept in memory, oldest first (pruned from the front).
    finished: VecDeque<u64>,
    /// Ids of finished Link sessions kept in memory, oldest first.
    finished_sessions: VecDeque<String>,
    pub triggers: BTreeMap<String, Trigger>,
    /// The newest webhook sent for each Item (`status.last_webhook`).
    pub last_webhooks: HashMap<String, items::LastWebhookState>,
    /// Due work (Items' timers, pending triggers) by time.
    pub schedule: schedule::Schedule,
}

/// The most Items a tenant's maps make room for before loading (see [`World::open`]).
const MAX_RESERVED_ITEMS: u64 = 1 << 20;

impl TenantState {
    /// Makes room in the per-Item maps for `n` Items.
    fn reserve_items(&mut self, n: usize) {
        self.items.reserve(n);
        self.access_tokens.reserve(n);
        self.item_tokens.reserve(n);
        self.schedule.reserve_items(n);
    }

    /// Gives back the room maps have beyond their entries.
    fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.access_tokens.shrink_to_fit();
        self.item_tokens.shrink_to_fit();
        self.schedule.shrink_to_fit();
    }

    fn new(tenant: Tenant) -> Self {
        Self {
            tenant,
            items: HashMap::new(),
            access_tokens: HashMap::new(),
            item_tokens: HashMap::new(),
            removed_tokens: HashSet::new(),
            public_tokens: HashMap::new(),
            link_tokens: HashMap::new(),
            link_sessions: HashMap::new(),
            payment_profiles: HashMap::new(),
            views: views::Views::default(),
            deliveries: BTreeMap::new(),
            pending: BTreeSet::new(),
            finished: VecDeque::new(),
            finished_sessions: VecDeque::new(),
            triggers: BTreeMap::new(),
            last_webhooks: HashMap::new(),
            schedule: schedule::Schedule::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.tenant.clock.now_ms()
    }

    /// Everything the tenant holds in memory, as records (the tenant first).
    pub fn records(&self) -> Vec<Record> {
        let mut out = vec![Record::Tenant(Box::new(self.tenant.clone()))];
        out.extend(self.items.values().map(|i| Record::Item(i.clone())));
        out.extend(
            self.access_tokens
                .values()
                .cloned()
                .map(Record::AccessToken),
        );
        out.extend(
            self.public_tokens
                .values()
                .cloned()
                .map(Record::PublicToken),
        );
        out.extend(
            self.link_tokens
                .values()
                .map(|t| Record::LinkToken(Box::new(t.clone()))),
        );
        out.extend(
            self.link_sessions
                .values()
                .map(|s| Record::LinkSession(Box::new(s.clone()))),
        );
        out.extend(
            self.payment_profiles
                .values()
                .map(|p| Record::PaymentProfile(Box::new(p.clone()))),
        );
        out.extend(
            self.deliveries
                .values()
                .map(|d| Record::Delivery(Box::new(d.clone()))),
        );
        out.extend(
            self.triggers
                .values()
                .map(|t| Record::Trigger(Box::new(t.clone()))),
        );
        out.extend(
            self.last_webhooks
                .values()
                .cloned()
                .map(Record::LastWebhook),
        );
        out.extend(self.removed_tokens.iter().map(|&hash| {
            Record::RemovedToken(items::RemovedToken {
                client_id: self.tenant.client_id.clone(),
                hash,
            })
        }));
        out
    }

    fn apply(&mut self, record: Record, owners: &mut HashMap<String, String>) {
        match record {
            Record::Tenant(t) => self.tenant = *t,
            Record::Item(i) => {
                self.views.invalidate(&i.item_id);
                if i.removed_at_ms.is_some() {
                    self.schedule.set_item(&i.item_id, None);
                    self.last_webhooks.remove(&i.item_id);
                    self.items.remove(&i.item_id);
                } else {
                    self.schedule.set_item(&i.item_id, i.next_timer());
                    self.items.insert(i.item_id.clone(), i);
                }
            }
            Record::AccessToken(t) => {
                if t.status == TokenStatus::Active {
                    self.item_tokens.insert(t.item_id.clone(), t.token.clone());
                } else if self.item_tokens.get(&t.item_id) == Some(&t.token) {
                    self.item_tokens.remove(&t.item_id);
                }
                if t.status != TokenStatus::Removed {
                    self.access_tokens.insert(t.token.clone(), t);
                } else {
                    // A token Tartan issued says by itself that its Item was removed; older
                    // ones (and rows of data dirs written before RemovedToken existed) are
                    // remembered by their fingerprint.
                    if !self.tenant.issued(&t.token) {
                        self.removed_tokens.insert(items::token_hash(&t.token));
                    }
                    self.access_tokens.remove(&t.token);
                }
            }
            Record::PublicToken(t) => {
                if t.exchanged {
                    self.public_tokens.remove(&t.token);
                } else {
                    self.public_tokens.insert(t.token.clone(), t);
                }
            }
            Record::LinkToken(t) => {
                owners.insert(t.token.clone(), t.client_id.clone());
                self.link_tokens.insert(t.token.clone(), *t);
            }
            Record::Delivery(d) => self.apply_delivery(*d),
            Record::Trigger(t) => {
                let due = (t.state == TriggerState::Pending).then_some(t.due_ms);
                self.schedule.set_trigger(&t.id, due);
                self.triggers.insert(t.id.clone(), *t);
            }
            Record::LinkSession(s) => {
                owners.insert(s.id.clone(), s.client_id.clone());
                if let Some(state_id) = &s.oauth_state_id {
                    owners.insert(state_id.clone(), s.client_id.clone());
                }
                let was_open = self
                    .link_sessions
                    .get(&s.id)
                    .is_none_or(|p| p.result.is_none());
                if s.result.is_some() && was_open {
                    self.finished_sessions.push_back(s.id.clone());
                }
                self.link_sessions.insert(s.id.clone(), *s);
                // Open sessions always stay; finished ones only up to a bound.
                while self.finished_sessions.len() > RECENT_SESSIONS {
                    if let Some(old) = self.finished_sessions.pop_front()
                        && let Some(gone) = self.link_sessions.remove(&old)
                    {
                        owners.remove(&gone.id);
                        if let Some(state_id) = &gone.oauth_state_id {
                            owners.remove(state_id);
                        }
                    }
                }
            }
            Record::PaymentProfile(p) => {
                self.payment_profiles.insert(p.token.clone(), *p);
            }
            Record::LastWebhook(w) => {
                self.last_webhooks.insert(w.item_id.clone(), w);
            }
            Record::RemovedToken(t) => {
                self.removed_tokens.insert(t.hash);
            }
        }
    }

    fn apply_delivery(&mut self, d: Delivery) {
        let previous = self.deliveries.get(&d.seq);
        let was_pending = previous.is_some_and(|p| p.state == DeliveryState::Pending);
        if let Some(p) = previous.filter(|_| was_pending) {
            self.pending
                .remove(&(p.next_attempt_ms.unwrap_or_default(), p.seq));
        }
        if d.state == DeliveryState::Pending {
            self.pending
                .insert((d.next_attempt_ms.unwrap_or_default(), d.seq));
        } else if was_pending || previous.is_none() {
            self.finished.push_back(d.seq);
        }
        self.deliveries.insert(d.seq, d);
        // Pending deliveries always stay; finished ones only up to a bound.
        while self.finished.len() > RECENT_DELIVERIES {
            if let Some(oldest) = self.finished.pop_front() {
                self.deliveries.remove(&oldest);
            }
        }
    }

    /// The oldest finished delivery still in memory: older ones are read from the store.
    pub fn oldest_recent_delivery(&self) -> Option<u64> {
        self.finished.front().copied()
    }

    /// Forgets the keys this tenant holds in the world's Link index.
    fn release_owners(&self, owners: &mut HashMap<String, String>) {
        for t in self.link_tokens.keys() {
            owners.remove(t);
        }
        for s in self.link_sessions.values() {
            owners.remove(&s.id);
            if let Some(state_id) = &s.oauth_state_id {
                owners.remove(state_id);
            }
        }
    }
}

/// Everything Tartan knows: the tenants, and the indexes that cross them.
#[derive(Debug, Default)]
pub struct State {
    pub tenants: HashMap<String, TenantState>,
    /// Link calls carry no credentials: the tenant a link token, Link session or OAuth state
    /// id belongs to.
    owners: HashMap<String, String>,
    /// Last webhook `seq` handed out (unique across tenants).
    pub delivery_seq: u64,
    /// Last change to any delivery (for followers of the log).
    pub log_seq: u64,
}

impl State {
    fn apply(&mut self, record: Record) {
        if let Record::Delivery(d) = &record {
            self.delivery_seq = self.delivery_seq.max(d.seq);
            self.log_seq = self.log_seq.max(d.log_seq);
        }
        if let Record::Tenant(t) = &record
            && !self.tenants.contains_key(&t.client_id)
        {
            let client_id = t.client_id.clone();
            if let Record::Tenant(t) = record {
                self.tenants.insert(client_id, TenantState::new(*t));
            }
            return;
        }
        let Some(ts) = self.tenants.get_mut(record.client_id()) else {
            tracing::warn!(
                client_id = record.client_id(),
                kind = record.kind(),
                "a record of an unknown tenant was ignored"
            );
            return;
        };
        ts.apply(record, &mut self.owners);
    }

    /// The tenant's state, or INVALID_API_KEYS for a client_id that never authenticated.
    pub fn of(&self, client_id: &str) -> Result<&TenantState, PlaidError> {
        self.tenants
            .get(client_id)
            .ok_or_else(|| PlaidError::new(ErrorCode::INVALID_API_KEYS))
    }

    /// The tenant that owns a link token, Link session id or OAuth state id.
    pub fn owner_of(&self, key: &str) -> Option<&TenantState> {
        self.tenants.get(self.owners.get(key)?)
    }

    /// The tenant's current virtual time, in unix milliseconds.
    pub fn now_ms(&self, client_id: &str) -> i64 {
        self.tenants
            .get(client_id)
            .map(TenantState::now_ms)
            .unwrap_or_else(|| clock::TenantClock::default().now_ms())
    }

    pub fn tenant(&self, client_id: &str) -> Result<&Tenant, PlaidError> {
        self.of(client_id).map(|t| &t.tenant)
    }
}

/// What a snapshot holds: the tenant's records at one moment.
#[derive(Debug, Serialize, Deserialize)]
struct SnapshotBody {
    records: Vec<Record>,
}

thread_local! {
    /// Inside [`World::write_durably`] or [`World::blocking_write`]: the newest ticket of the
    /// writes made so far, waited for once the caller's work is done (so that concurrent
    /// writes share a commit).
    static DEFERRED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with its writes' durability deferred; returns its result and the newest ticket
/// it was given (0 when it wrote nothing durable).
fn deferring<R>(f: impl FnOnce() -> R) -> (R, u64) {
    /// Puts back the enclosing deferral however `f` ends (a panic included), so the thread's
    /// next write outside one is made durable at once again.
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEFERRED.set(self.0);
        }
    }
    let mut restore = Restore(DEFERRED.replace(Some(0)));
    let result = f();
    let ticket = DEFERRED.get().unwrap_or(0);
    // An enclosing deferral waits for this ticket too.
    restore.0 = restore.0.map(|outer| outer.max(ticket));
    drop(restore);
    (result, ticket)
}

/// The world: state, its store, and who may use it.
pub struct World {
    state: RwLock<State>,
    /// One mutation at a time: held across computing and applying changes (never across a
    /// commit).
    writer: parking_lot::Mutex<()>,
    /// Group commit of the rows writes produce, on its own thread.
    commits: commit::Committer,
    store: std::sync::Arc<dyn Store>,
    pub policy: KeyPolicy,
    pub webhook_policy: WebhookPolicy,
    /// Woken when deliveries are queued or a clock moves, so the dispatcher looks again.
    pub wake_dispatcher: tokio::sync::Notify,
}

/// After a failed commit, memory is ahead of the store: no write is acknowledged any more.
fn store_broken() -> PlaidError {
    PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR).with_message(
        "the store could not save changes; Tartan refuses writes until it is restarted",
    )
}

fn store_failed(e: impl std::fmt::Display) -> PlaidError {
    tracing::error!(error = %e, "store failed");
    PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
        .with_message("the change could not be saved; nothing was changed")
}

impl World {
    /// Loads the live state the store holds.
    pub fn open(
        store: Box<dyn Store>,
        policy: KeyPolicy,
        webhook_policy: WebhookPolicy,
    ) -> anyhow::Result<Self> {
        let mut state = State::default();
        store.load_live(&mut |body| {
            let mut record: Record = serde_json::from_str(body)
                .map_err(|e| anyhow::anyhow!("a stored record is unreadable: {e}"))?;
            // A list read from JSON grows by doubling: 12 accounts in room for 16 is 128 bytes
            // an Item, 13 MB at 100,000 Items more than the Tartan that wrote them held. The
            // allocator keeps a block that shrinks in place, so the accounts are moved instead.
            if let Record::Item(item) = &mut record {
                let mut exact = Vec::with_capacity(item.accounts.len());
                exact.append(&mut item.accounts);
                item.accounts = exact;
            }
            let made = match &record {
                Record::Tenant(t) => Some((t.client_id.clone(), t.items_created)),
                _ => None,
            };
            state.apply(record);
            // Maps that grow one entry at a time leave each smaller table behind, memory the
            // allocator keeps while Tartan is idle: room for the Items the tenant ever made
            // (tenants are loaded first), trimmed to what was live once all is loaded.
            if let Some((client_id, made)) = made
                && let Some(ts) = state.tenants.get_mut(&client_id)
            {
                ts.reserve_items(made.min(MAX_RESERVED_ITEMS) as usize);
            }
            Ok(())
        })?;
        for ts in state.tenants.values_mut() {
            ts.shrink_to_fit();
        }
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::from(store);
        Ok(Self {
            state: RwLock::new(state),
            writer: parking_lot::Mutex::new(()),
            commits: commit::Committer::start(store.clone())?,
            store,
            policy,
            webhook_policy,
            wake_dispatcher: tokio::sync::Notify::new(),
        })
    }

    /// Runs `f` (a request's whole handling, reads and writes) on this thread, then waits as
    /// a future until what it wrote is in the store: `f`'s result is returned only once
    /// durable; if the store fails, the error says so instead. Writes that overlap share a
    /// commit. For quick work only: the async worker runs nothing else meanwhile (see
    /// [`World::blocking_write`]).
    pub async fn write_durably<R>(&self, f: impl FnOnce(&World) -> R) -> Result<R, PlaidError> {
        let (result, ticket) = deferring(|| f(self));
        self.durable(ticket).await?;
        Ok(result)
    }

    /// Like [`World::write_durably`], for work that may take long (moving a clock, replacing
    /// a tenant): `f` runs on the blocking pool.
    pub async fn blocking_write<R: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&World) -> R + Send + 'static,
    ) -> Result<R, PlaidError> {
        let world = self.clone();
        let (result, ticket) = tokio::task::spawn_blocking(move || deferring(|| f(&world)))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a write did not finish");
                PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
            })?;
        self.durable(ticket).await?;
        Ok(result)
    }

    /// Resolves once the write with `ticket` (and every earlier one) is in the store.
    async fn durable(&self, ticket: u64) -> Result<(), PlaidError> {
        if ticket > 0 {
            self.commits
                .durable(ticket)
                .await
                .map_err(|_| store_broken())?;
        }
        Ok(())
    }

    /// Returns once the write with `ticket` (and every earlier one) is in the store.
    fn make_durable(&self, ticket: u64) -> Result<(), PlaidError> {
        self.commits.wait(ticket).map_err(|_| store_broken())
    }

    /// On shutdown: commits what is queued and folds the store's log into its main file.
    pub fn close(&self) -> Result<(), PlaidError> {
        self.flush()?;
        self.store.checkpoint().map_err(store_failed)
    }

    /// Commits everything queued (before an operation on the store's rows themselves).
    fn flush(&self) -> Result<(), PlaidError> {
        self.make_durable(self.commits.issued())
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read())
    }

    /// Runs a mutation: `f` reads the state and pushes the records it changes; they are
    /// applied in memory and committed to the store (in one transaction with whatever else is
    /// queued) before this returns, or, inside [`World::blocking_write`], before that returns.
    ///
    /// Mutations are serialized by `writer`, so the state cannot change between `f` reading it
    /// and its changes being applied; readers are kept out only while changes are applied in
    /// memory, never while the store writes.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&State, &mut Vec<Record>) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        if DEFERRED.get().is_some() {
            // Durability is waited for by the caller, so nothing here blocks for long.
            self.write_now(f)
        } else {
            off_worker(|| self.write_now(f))
        }
    }

    fn write_now<R>(
        &self,
        f: impl FnOnce(&State, &mut Vec<Record>) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        if self.commits.is_broken() {
            return Err(store_broken());
        }
        let ticket = {
            let _writer = self.writer.lock();
            let mut changes = Vec::new();
            let state = self.state.read();
            let result = f(&state, &mut changes)?;
            if changes.is_empty() {
                return Ok(result);
            }
            // The dispatcher looks again when deliveries are queued or a clock moves (not when
            // a tenant's counters or settings change).
            let wake = changes.iter().any(|r| match r {
                Record::Delivery(_) => true,
                Record::Tenant(t) => state
                    .tenants
                    .get(&t.client_id)
                    .is_none_or(|old| old.tenant.clock != t.clock),
                _ => false,
            });
            drop(state);
            // With `--ephemeral` nothing is kept, so no rows are made.
            let rows = if self.store.persists() {
                changes
                    .iter()
                    .map(Record::to_row)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(store_failed)?
            } else {
                Vec::new()
            };
            // Applied now, acknowledged once durable: no client is told of a change before it
            // is in the store (readers may see it a moment earlier).
            {
                let mut state = self.state.write();
                for record in changes {
                    state.apply(record);
                }
            }
            let ticket = if rows.is_empty() {
                0
            } else {
                self.commits.queue(rows)
            };
            if wake {
                self.wake_dispatcher.notify_one();
            }
            (ticket, result)
        };
        let (ticket, result) = ticket;
        match DEFERRED.get() {
            // The caller waits for it once its work is done.
            Some(_) => {
                if ticket > 0 {
                    DEFERRED.set(Some(ticket));
                }
            }
            None => {
                if ticket > 0 {
                    self.make_durable(ticket)?;
                }
            }
        }
        Ok(result)
    }

    /// Replaces everything a tenant holds with the records `make` returns (the tenant's own
    /// record first), in the store and in memory: the one operation behind reset, restore and
    /// fork. `make` runs under the writer lock, so nothing changes between it and the swap.
    fn replace_tenant(
        &self,
        client_id: &str,
        make: impl FnOnce(&State) -> Result<Vec<Record>, PlaidError>,
    ) -> Result<(), PlaidError> {
        off_worker(|| {
            let _writer = self.writer.lock();
            // Rows queued before must not land after this replaces the tenant's.
            self.flush()?;
            let records = make(&self.state.read())?;
            let rows = records
                .iter()
                .map(Record::to_row)
                .collect::<Result<Vec<_>, _>>()
                .map_err(store_failed)?;
            self.store
                .replace_tenant(client_id, &rows)
                .map_err(store_failed)?;
            {
                let mut state = self.state.write();
                let state = &mut *state;
                if let Some(old) = state.tenants.remove(client_id) {
                    old.release_owners(&mut state.owners);
                }
                for record in records {
                    state.apply(record);
                }
            }
            self.wake_dispatcher.notify_one();
            Ok(())
        })
    }

    /// Empties the tenant: no Items, tokens, sessions, webhooks or triggers, default settings,
    /// its clock back to real time. The secret and webhook signing key stay.
    pub fn reset_tenant(&self, client_id: &str) -> Result<(), PlaidError> {
        self.replace_tenant(client_id, |s| {
            let fresh = Tenant {
                clock: clock::TenantClock::default(),
                settings: tenants::TenantSettings::default(),
                items_created: 0,
                // Tokens of the Items reset away are unknown, not removed Items'.
                token_key: Some(rand::random()),
                ..s.tenant(client_id)?.clone()
            };
            Ok(vec![Record::Tenant(Box::new(fresh))])
        })
    }

    /// Saves the tenant as it is now under a new snapshot id.
    pub fn snapshot(&self, client_id: &str) -> Result<SnapshotMeta, PlaidError> {
        let (records, items, now) = off_worker(|| {
            // Under the writer lock, so no mutation is half-applied in it.
            let _writer = self.writer.lock();
            self.read(|s| {
                let ts = s.of(client_id)?;
                Ok::<_, PlaidError>((ts.records(), ts.items.len() as u64, ts.now_ms()))
            })
        })?;
        let body = serde_json::to_vec(&SnapshotBody { records }).map_err(store_failed)?;
        let meta = SnapshotMeta {
            client_id: client_id.to_owned(),
            snapshot_id: format!("snap-{}", uuid::Uuid::new_v4()),
            created_at_ms: now,
            items,
        };
        self.store
            .save_snapshot(&meta, &body)
            .map_err(store_failed)?;
        Ok(meta)
    }

    pub fn snapshots(&self, client_id: &str) -> Result<Vec<SnapshotMeta>, PlaidError> {
        self.store.snapshots(client_id).map_err(store_failed)
    }

    /// Puts the tenant back as it was when the snapshot was taken.
    pub fn restore(&self, client_id: &str, snapshot_id: &str) -> Result<SnapshotMeta, PlaidError> {
        let (meta, body) = self
            .store
            .snapshot(client_id, snapshot_id)
            .map_err(store_failed)?
            .ok_or_else(|| snapshot_not_found(snapshot_id))?;
        let snapshot: SnapshotBody = serde_json::from_slice(&body).map_err(store_failed)?;
        self.replace_tenant(client_id, |s| {
            // The secret is the tenant's, whatever it was when the snapshot was taken.
            let secret = s.tenant(client_id)?.secret.clone();
            let mut records = snapshot.records;
            for r in &mut records {
                if let Record::Tenant(t) = r {
                    t.secret = secret.clone();
                }
            }
            Ok(records)
        })?;
        Ok(meta)
    }

    pub fn delete_snapshot(&self, client_id: &str, snapshot_id: &str) -> Result<(), PlaidError> {
        if self
            .store
            .delete_snapshot(client_id, snapshot_id)
            .map_err(store_failed)?
        {
            Ok(())
        } else {
            Err(snapshot_not_found(snapshot_id))
        }
    }

    /// Copies the tenant (clock, settings, Items, tokens, triggers, payment profiles) to a new
    /// client_id with the given secret. Webhook deliveries, link tokens and Link sessions are
    /// not copied (they belong to flows in progress at the source); the fork gets its own
    /// webhook signing key.
    pub fn fork(&self, from: &str, to: &str, secret: &str) -> Result<(), PlaidError> {
        let now = self.read(|s| s.now_ms(from));
        let key = tenants::WebhookKey::generate(now).map_err(store_failed)?;
        self.replace_tenant(to, |s| {
            if s.tenants.contains_key(to) {
                return Err(PlaidError::new(ErrorCode::TENANT_EXISTS).with_message(format!(
                    "a tenant with client_id {to} already exists; reset it, or fork to another client_id"
                )));
            }
            let token_key = s.tenant(from)?.token_key();
            let mut records = s.of(from)?.records();
            records.retain(|r| {
                !matches!(
                    r,
                    Record::Delivery(_) | Record::LinkToken(_) | Record::LinkSession(_)
                )
            });
            for r in &mut records {
                r.set_client_id(to);
                if let Record::Tenant(t) = r {
                    t.secret = secret.to_owned();
                    t.webhook_key = key.clone();
                    // The fork knows the tokens of the Items it copied.
                    t.token_key = Some(token_key);
                }
            }
            Ok(records)
        })
    }

    /// Whether the store holds `key` of `kind` as the tenant's history (an exchanged public
    /// token, a removed Item). Memory does not; with `--ephemeral` nothing does.
    pub fn in_history(&self, client_id: &str, kind: &str, key: &str) -> bool {
        self.history_body(client_id, kind, key).is_some()
    }

    /// The stored body of one of the tenant's history rows.
    pub fn history_body(&self, client_id: &str, kind: &str, key: &str) -> Option<String> {
        self.store
            .history_row(client_id, kind, key)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "store failed");
                None
            })
    }

    /// The newest `limit` of the tenant's history rows of `kind`.
    pub fn history_bodies(&self, client_id: &str, kind: &str, limit: usize) -> Vec<String> {
        self.store
            .history(client_id, kind, None, limit)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "store failed");
                Vec::new()
            })
    }

    /// The tenant's finished webhook deliveries in the store, newest first, below `before_seq`
    /// (all when `None`).
    pub fn delivery_history(
        &self,
        client_id: &str,
        before_seq: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Delivery>, PlaidError> {
        let before = before_seq.map(outbox::delivery_key);
        let bodies = self
            .store
            .history(client_id, "delivery", before.as_deref(), limit)
            .map_err(store_failed)?;
        Ok(bodies
            .iter()
            .filter_map(|b| match serde_json::from_str(b) {
                Ok(Record::Delivery(d)) => Some(*d),
                _ => None,
            })
            .collect())
    }
}

fn snapshot_not_found(id: &str) -> PlaidError {
    PlaidError::new(ErrorCode::SNAPSHOT_NOT_FOUND)
        .with_message(format!("no snapshot {id} exists for this client_id"))
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
