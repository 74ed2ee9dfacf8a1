//! Webhook delivery: the dispatcher reads due rows of the world's outbox, signs them as Plaid
//! signs, delivers them, and records each attempt with Plaid's retry schedule on the tenant's
//! clock.

pub mod dispatch;
