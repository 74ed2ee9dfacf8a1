//! Plaid's request and response bodies, written from the API reference (not generated).
//!
//! Requests are decoded strictly by the server: a field not listed here is UNKNOWN_FIELDS.
//! Fields Tartan accepts and keeps but does not interpret are `Option<Value>`.
//!
//! One file per product (`items.rs`, `accounts.rs`, `auth.rs`, `identity.rs`,
//! `institutions.rs`, `investments.rs`, `liabilities.rs`, `sandbox.rs`, `link.rs`, `webhook_keys.rs`, `transactions.rs`) and
//! `common.rs` for the shared enums and objects; everything is re-exported here, so paths
//! stay `tartan_types::wire::X`.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident = $wire:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $wire)] $variant, )* }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $wire, )* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

mod accounts;
mod auth;
mod common;
mod identity;
mod institutions;
mod investments;
mod items;
mod liabilities;
mod link;
mod sandbox;
mod transactions;
mod webhook_keys;

pub use accounts::*;
pub use auth::*;
pub use common::*;
pub use identity::*;
pub use institutions::*;
pub use investments::*;
pub use items::*;
pub use liabilities::*;
pub use link::*;
pub use sandbox::*;
pub use transactions::*;
pub use webhook_keys::*;
