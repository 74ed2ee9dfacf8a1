//! The simulation: tenants, institutions, Items and their accounts, tokens, and the clock.
//!
//! Pure Rust, no HTTP. All state lives in memory behind one lock and is mirrored to the store:
//! a mutation reads the state, produces the records it changes, and those records are
//! committed to the store *before* they are applied in memory, so what a client was told has
//! happened is on disk.

pub mod bank;
pub mod clock;
pub mod ids;
pub mod institutions;
pub mod items;
mod logos;
pub mod tenants;
pub mod views;

use std::collections::HashMap;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use crate::store::Store;
pub use items::{AccessToken, Item, LinkToken, PublicToken, TokenStatus};
pub use tenants::{KeyPolicy, Tenant};

/// One persisted object. The store keeps the newest body per (kind, key).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Record {
    Tenant(Tenant),
    Item(Item),
    AccessToken(AccessToken),
    PublicToken(PublicToken),
    LinkToken(Box<LinkToken>),
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Tenant(_) => "tenant",
            Self::Item(_) => "item",
            Self::AccessToken(_) => "access_token",
            Self::PublicToken(_) => "public_token",
            Self::LinkToken(_) => "link_token",
        }
    }

    pub fn key(&self) -> &str {
        match self {
            Self::Tenant(t) => &t.client_id,
            Self::Item(i) => &i.item_id,
            Self::AccessToken(t) => &t.token,
            Self::PublicToken(t) => &t.token,
            Self::LinkToken(t) => &t.token,
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
    /// Rendered read-only views of Items, dropped whenever the Item is written.
    pub views: views::Views,
}

impl State {
    fn apply(&mut self, record: Record) {
        match record {
            Record::Tenant(t) => {
                self.tenants.insert(t.client_id.clone(), t);
            }
            Record::Item(i) => {
                self.views.invalidate(&i.item_id);
                self.items.insert(i.item_id.clone(), i);
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
    store: Box<dyn Store>,
    pub policy: KeyPolicy,
}

impl World {
    /// Loads everything the store holds.
    pub fn open(store: Box<dyn Store>, policy: KeyPolicy) -> anyhow::Result<Self> {
        let mut state = State::default();
        for record in store.load()? {
            state.apply(record);
        }
        Ok(Self {
            state: RwLock::new(state),
            store,
            policy,
        })
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.read())
    }

    /// Runs a mutation: `f` reads the state and pushes the records it changes; they are
    /// committed to the store in one transaction, then applied in memory.
    pub fn write<R>(
        &self,
        f: impl FnOnce(&State, &mut Vec<Record>) -> Result<R, PlaidError>,
    ) -> Result<R, PlaidError> {
        let mut state = self.state.write();
        let mut changes = Vec::new();
        let result = f(&state, &mut changes)?;
        if !changes.is_empty() {
            self.store.commit(&changes).map_err(|e| {
                tracing::error!(error = %e, "store commit failed");
                PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR)
                    .with_message("the change could not be saved; nothing was changed")
            })?;
            for record in changes {
                state.apply(record);
            }
        }
        Ok(result)
    }
}
