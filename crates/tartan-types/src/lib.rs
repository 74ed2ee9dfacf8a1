//! Plaid's wire types and Tartan's error catalogue, shared by the server and (later) the typed
//! client so that the two cannot drift apart.

pub mod error;
pub mod webhook;
pub mod wire;

pub use error::{ErrorBody, ErrorCode, ErrorType, PlaidError};
pub use webhook::Webhook;
