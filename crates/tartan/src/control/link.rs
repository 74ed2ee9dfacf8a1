//! `/tartan/link/*`: Link sessions, driven by Tartan's Link UI or headless by tests
//! (docs/link.md). Authenticated by the link token, as Plaid's Link is.

use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use tartan_types::PlaidError;

use super::link_wire;
use crate::surface::{AppState, LinkCall, link_get, link_post};
use crate::world::World;
use crate::world::link::Step;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tartan/link/sessions", link_post(start))
        .route("/tartan/link/sessions/resume", link_post(resume))
        .route("/tartan/link/sessions/{id}", link_get(get))
        .route("/tartan/link/sessions/{id}/consent", link_post(consent))
        .route("/tartan/link/sessions/{id}/search", link_post(search))
        .route(
            "/tartan/link/sessions/{id}/institution",
            link_post(institution),
        )
        .route(
            "/tartan/link/sessions/{id}/credentials",
            link_post(credentials),
        )
        .route("/tartan/link/sessions/{id}/mfa", link_post(mfa))
        .route("/tartan/link/sessions/{id}/oauth", link_post(oauth))
        .route("/tartan/link/sessions/{id}/accounts", link_post(accounts))
        .route("/tartan/link/sessions/{id}/exit", link_post(exit))
        .route(
            "/tartan/link/oauth/{oauth_state_id}",
            link_get(bank_page).merge(link_post(bank_decide)),
        )
}

#[derive(Debug, Deserialize)]
struct TokenOnly {
    link_token: String,
}

#[derive(Debug, Deserialize)]
struct Resume {
    link_token: String,
    received_redirect_uri: String,
}

#[derive(Debug, Deserialize)]
struct Search {
    link_token: String,
    #[serde(default)]
    query: String,
}

#[derive(Debug, Deserialize)]
struct Institution {
    link_token: String,
    institution_id: String,
}

#[derive(Debug, Deserialize)]
struct Credentials {
    link_token: String,
    username: String,
    password: String,
}

#[derive(Debug, Deserialize)]
struct Mfa {
    link_token: String,
    answers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Grant {
    link_token: String,
    grant: bool,
}

#[derive(Debug, Deserialize)]
struct Accounts {
    link_token: String,
    account_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct BankDecision {
    grant: bool,
}

#[derive(Debug, Deserialize)]
struct NoQuery {}

fn start(world: &World, call: LinkCall<'_>, req: TokenOnly) -> Result<Value, PlaidError> {
    let v = world.link_start(&req.link_token, call.request_id)?;
    Ok(link_wire::session(&v))
}

fn resume(world: &World, call: LinkCall<'_>, req: Resume) -> Result<Value, PlaidError> {
    let r = world.link_resume(&req.link_token, &req.received_redirect_uri, call.request_id)?;
    Ok(link_wire::resumed(&r))
}

fn get(world: &World, call: LinkCall<'_>, req: TokenOnly) -> Result<Value, PlaidError> {
    let v = world.link_step(call.id, &req.link_token, None, call.request_id)?;
    Ok(link_wire::session(&v))
}

fn step(world: &World, call: &LinkCall<'_>, token: &str, step: Step) -> Result<Value, PlaidError> {
    let v = world.link_step(call.id, token, Some(step), call.request_id)?;
    Ok(link_wire::session(&v))
}

fn consent(world: &World, call: LinkCall<'_>, req: TokenOnly) -> Result<Value, PlaidError> {
    step(world, &call, &req.link_token, Step::Consent)
}

fn search(world: &World, call: LinkCall<'_>, req: Search) -> Result<Value, PlaidError> {
    let r = world.link_search(call.id, &req.link_token, &req.query, call.request_id)?;
    Ok(link_wire::search(&r))
}

fn institution(world: &World, call: LinkCall<'_>, req: Institution) -> Result<Value, PlaidError> {
    step(
        world,
        &call,
        &req.link_token,
        Step::Institution(req.institution_id),
    )
}

fn credentials(world: &World, call: LinkCall<'_>, req: Credentials) -> Result<Value, PlaidError> {
    let s = Step::Credentials {
        username: req.username,
        password: req.password,
    };
    step(world, &call, &req.link_token, s)
}

fn mfa(world: &World, call: LinkCall<'_>, req: Mfa) -> Result<Value, PlaidError> {
    step(world, &call, &req.link_token, Step::Mfa(req.answers))
}

fn oauth(world: &World, call: LinkCall<'_>, req: Grant) -> Result<Value, PlaidError> {
    step(world, &call, &req.link_token, Step::Oauth(req.grant))
}

fn accounts(world: &World, call: LinkCall<'_>, req: Accounts) -> Result<Value, PlaidError> {
    step(
        world,
        &call,
        &req.link_token,
        Step::Accounts(req.account_ids),
    )
}

fn exit(world: &World, call: LinkCall<'_>, req: TokenOnly) -> Result<Value, PlaidError> {
    step(world, &call, &req.link_token, Step::Exit)
}

fn bank_page(world: &World, call: LinkCall<'_>, _: NoQuery) -> Result<Value, PlaidError> {
    let page = world.link_oauth_get(call.id)?;
    Ok(link_wire::oauth_page(&page))
}

fn bank_decide(world: &World, call: LinkCall<'_>, req: BankDecision) -> Result<Value, PlaidError> {
    let d = world.link_oauth_decide(call.id, req.grant, call.request_id)?;
    Ok(link_wire::decision(&d))
}
