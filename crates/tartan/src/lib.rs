//! Tartan: a self-hostable, stateful emulator of Plaid's API.
//!
//! Data flows one way: `surface` (HTTP conventions) → `products` (one module per Plaid
//! product) → `world` (the simulation) → `store` (persistence). `control` is Tartan's own API
//! under `/tartan/*`.

pub mod control;
pub mod products;
pub mod startup;
pub mod store;
pub mod surface;
pub mod telemetry;
pub mod ui;
pub mod webhooks;
pub mod world;

pub use startup::{Application, Config};
