//! Black-box tests: a real server on a loopback port, driven over HTTP as a client would.

mod accounts;
mod clock;
mod conventions;
mod custom_user;
mod helpers;
mod institutions;
mod investments;
mod isolation;
mod items;
mod liabilities;
mod link;
mod link_sessions;
mod living;
mod persistence;
mod process;
mod sandbox;
mod seeds;
mod transactions;
mod transactions_sandbox;
mod webhook_key;
mod webhooks;
