//! Link sessions: the state machine behind Tartan's Link UI and headless Link.
//!
//! A session starts from a link token and moves through Plaid's panes (consent, institution,
//! credentials, MFA, OAuth, account selection) to onSuccess or onExit. The browser UI and the
//! control plane drive the same steps, so both produce the same Items, events and webhooks.
//! Each step is one write: the session, the Item it creates or repairs, and any webhook are
//! committed together.
//!
//! The rooms: this file holds the session and its panes, and the World entry points that
//! open and step it, each returning the session as typed values (the control plane renders
//! them, `control/link_wire.rs`); `steps.rs` runs each step; `result.rs` how a session ended;
//! `mfa.rs` the Sandbox MFA rules; `oauth.rs` the simulated bank page and the resume after
//! its redirect; `events.rs` the Link events a session records.

mod events;
mod mfa;
mod oauth;
mod result;
mod steps;

pub use events::SessionEvent;
pub use mfa::{Mfa, MfaKind, MfaQuestion};
pub use oauth::{Decision, OauthPage, OauthState, Resumed};
pub use result::{ExitStatus, LinkedAccount, SessionResult};

use serde::{Deserialize, Serialize};
use tartan_types::wire::Product;
use tartan_types::{ErrorCode, PlaidError};

use super::bank::{self, AccountTemplate, custom::CustomUser};
use super::clock::MINUTE_MS;
use super::ids::{self, TokenKind};
use super::institutions::{self, Health, InstitutionDef};
use super::items::LinkToken;
use super::tenants::AccountSelect;
use super::transfer::profile_of;
use super::{Item, Record, State, World};
use steps::run_step;

/// A session idle this long invalidates its link token (Plaid: "30+ minutes").
const IDLE_LIMIT_MS: i64 = 30 * MINUTE_MS;
/// Wrong logins in one session before the link token is invalidated.
const MAX_FAILED_LOGINS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum View {
    Consent,
    SelectInstitution,
    Credential,
    Mfa,
    Oauth,
    SelectAccount,
    Connected,
    Error,
    Exit,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            Self::Consent => "CONSENT",
            Self::SelectInstitution => "SELECT_INSTITUTION",
            Self::Credential => "CREDENTIAL",
            Self::Mfa => "MFA",
            Self::Oauth => "OAUTH",
            Self::SelectAccount => "SELECT_ACCOUNT",
            Self::Connected => "CONNECTED",
            Self::Error => "ERROR",
            Self::Exit => "EXIT",
        }
    }
}

/// An account offered on the account selection pane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offered {
    pub id: String,
    pub template: usize,
    pub selected: bool,
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionError {
    pub code: String,
    pub message: String,
}

impl SessionError {
    fn of(e: &PlaidError) -> Self {
        Self {
            code: e.code.as_str().to_owned(),
            message: e.message.to_string(),
        }
    }

    pub fn to_error(&self) -> PlaidError {
        let code = ErrorCode::from_code(&self.code).unwrap_or(ErrorCode::INTERNAL_SERVER_ERROR);
        PlaidError::new(code).with_message(self.message.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSession {
    pub id: String,
    pub client_id: String,
    pub link_token: String,
    pub started_at_ms: i64,
    pub last_active_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub view: View,
    /// The Item being updated (update mode).
    pub update_item_id: Option<String>,
    pub institution_id: Option<String>,
    pub username: Option<String>,
    pub mfa: Option<Mfa>,
    pub oauth_state_id: Option<String>,
    pub oauth: Option<OauthState>,
    pub offered: Vec<Offered>,
    pub failed_logins: u32,
    /// `user_custom`'s configuration, read at login: the accounts offered are its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Box<CustomUser>>,
    pub error: Option<SessionError>,
    pub events: Vec<SessionEvent>,
    /// How the session ended (onSuccess or onExit), once it has.
    #[serde(default, deserialize_with = "result::stored")]
    pub result: Option<SessionResult>,
    pub last_request_id: String,
}

/// An institution with its health as the tenant sees it.
pub type InstitutionHealth = (&'static InstitutionDef, Health);

/// A session as a step left it, with what showing it needs.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: LinkSession,
    pub token: LinkToken,
    pub institution: Option<InstitutionHealth>,
    /// Products the consent pane names.
    pub products: Vec<Product>,
    pub account_select: AccountSelect,
}

/// The institutions a session's search found, and the session after it.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub institutions: Vec<InstitutionHealth>,
    pub session: SessionView,
}

/// One of the tenant's live Items.
fn item_of<'a>(state: &'a State, client_id: &str, item_id: &str) -> Option<&'a Item> {
    state
        .tenants
        .get(client_id)?
        .items
        .get(item_id)
        .map(|i| &**i)
}

/// A step of a session, as the UI or the control plane sends it.
#[derive(Debug, Clone)]
pub enum Step {
    Consent,
    Search(String),
    Institution(String),
    Credentials { username: String, password: String },
    Mfa(Vec<String>),
    Oauth(bool),
    Accounts(Vec<String>),
    Exit,
}

/// The institution's health as the tenant sees it (an outage makes it DOWN).
pub fn institution_health(state: &State, client_id: &str, def: &'static InstitutionDef) -> Health {
    match state.tenants.get(client_id) {
        Some(t) => {
            let bank = t.tenant.bank(def);
            if bank.outage.is_some() {
                Health::Down
            } else {
                bank.health
            }
        }
        None => def.health,
    }
}

fn with_health(state: &State, client_id: &str, def: &'static InstitutionDef) -> InstitutionHealth {
    (def, institution_health(state, client_id, def))
}

impl LinkSession {
    /// What an offered account is: one of the user's configured accounts or a standard one.
    pub fn template(&self, i: usize) -> AccountTemplate<'_> {
        match self.custom.as_deref().and_then(CustomUser::accounts) {
            Some(accounts) => accounts
                .get(i)
                .map_or_else(|| *bank::template(i), |a| a.template()),
            None => *bank::template(i),
        }
    }

    pub fn is_update_mode(&self) -> bool {
        self.update_item_id.is_some()
    }

    pub fn institution(&self) -> Option<&'static InstitutionDef> {
        self.institution_id.as_deref().and_then(institutions::find)
    }

    pub fn status(&self) -> &'static str {
        match &self.result {
            Some(SessionResult::Success { .. }) => "succeeded",
            Some(SessionResult::Exit { .. }) => "exited",
            None => "open",
        }
    }

    /// The session with what showing it needs.
    fn into_view(self, state: &State, token: &LinkToken) -> SessionView {
        SessionView {
            institution: self
                .institution()
                .map(|d| with_health(state, &self.client_id, d)),
            products: consent_products(token),
            account_select: account_select(state, token),
            token: token.clone(),
            session: self,
        }
    }
}

/// Products the consent pane names: the token's, and in update mode the additional ones.
pub fn consent_products(token: &LinkToken) -> Vec<Product> {
    let mut out: Vec<Product> = Vec::new();
    for list in [
        &token.request.products,
        &token.request.required_if_supported_products,
        &token.request.optional_products,
        &token.request.additional_consented_products,
    ] {
        for p in list.iter().flatten() {
            if !out.contains(p) {
                out.push(*p);
            }
        }
    }
    out
}

/// The link token's customization name (Plaid's default is "default").
fn customization_name(token: &LinkToken) -> &str {
    token
        .request
        .link_customization_name
        .as_deref()
        .unwrap_or("default")
}

/// How the Account Select pane behaves for this link token: its customization's setting, as
/// defined through `/tartan/link/customizations`; "all" when the name is not defined there.
pub fn account_select(state: &State, token: &LinkToken) -> AccountSelect {
    state
        .tenants
        .get(&token.client_id)
        .and_then(|t| {
            t.tenant
                .settings
                .link_customizations
                .get(customization_name(token))
        })
        .map(|c| c.account_select)
        .unwrap_or_default()
}

/// Checks a link token can (still) open Link.
fn usable_token<'a>(
    state: &'a State,
    client_id: Option<&str>,
    token: &str,
    now_of: impl Fn(&str) -> i64,
) -> Result<&'a LinkToken, PlaidError> {
    let invalid = |why: &str| {
        PlaidError::new(ErrorCode::INVALID_LINK_TOKEN)
            .with_message(format!("invalid link_token: {why}"))
    };
    if ids::TokenKind::of(token) != Some(TokenKind::Link) {
        return Err(invalid("not a link token"));
    }
    let ts = state
        .owner_of(token)
        .filter(|ts| client_id.is_none_or(|c| c == ts.tenant.client_id))
        .ok_or_else(|| invalid("unknown link token"))?;
    let t = ts
        .link_tokens
        .get(token)
        .ok_or_else(|| invalid("unknown link token"))?;
    if now_of(&t.client_id) >= t.expires_at_ms {
        return Err(invalid("the link token has expired"));
    }
    if t.used {
        return Err(invalid("the link token has already been used"));
    }
    if t.locked {
        return Err(invalid("too many failed logins"));
    }
    let sessions = ts.link_sessions.values().filter(|s| s.link_token == token);
    for s in sessions {
        if s.status() == "succeeded" {
            return Err(invalid("the link token has already been used"));
        }
        if s.failed_logins >= MAX_FAILED_LOGINS {
            return Err(invalid("too many failed logins"));
        }
    }
    Ok(t)
}

impl World {
    /// Opens Link with a link token: a new session on the consent pane (OPEN).
    pub fn link_start(
        &self,
        link_token: &str,
        request_id: &str,
    ) -> Result<SessionView, PlaidError> {
        self.write(|state, changes| {
            let token = usable_token(state, None, link_token, |c| state.now_ms(c))?;
            let client_id = token.client_id.clone();
            let now = state.now_ms(&client_id);
            let update_item_id = token.item_id.clone();
            let mut session = LinkSession {
                id: uuid::Uuid::new_v4().to_string(),
                client_id: client_id.clone(),
                link_token: link_token.to_owned(),
                started_at_ms: now,
                last_active_ms: now,
                finished_at_ms: None,
                view: View::Consent,
                update_item_id: update_item_id.clone(),
                institution_id: None,
                username: None,
                mfa: None,
                oauth_state_id: None,
                oauth: None,
                offered: Vec::new(),
                failed_logins: 0,
                custom: None,
                error: None,
                events: Vec::new(),
                result: None,
                last_request_id: request_id.to_owned(),
            };
            let profile = profile_of(state, token);
            if profile.is_some_and(|p| p.deleted_at_ms.is_some()) {
                return Err(PlaidError::new(ErrorCode::INVALID_LINK_TOKEN)
                    .with_message("invalid link_token: its payment profile has been removed"));
            }
            // Payment Profile update mode: re-authenticate the profile's login.
            let update_item_id = update_item_id.or_else(|| profile.and_then(|p| p.item_id.clone()));
            session.update_item_id = update_item_id.clone();
            if let Some(item_id) = &update_item_id {
                let item = item_of(state, &client_id, item_id)
                    .ok_or_else(|| PlaidError::new(ErrorCode::ITEM_NOT_FOUND))?;
                session.institution_id = Some(item.institution_id.clone());
            } else if let Some(id) = &token.request.institution_id {
                session.institution_id = institutions::find(id).map(|d| d.id.to_owned());
            }
            session.push_event("OPEN", now, &[("view_name", "CONSENT".into())]);
            changes.push(Record::LinkSession(Box::new(session.clone())));
            Ok(session.into_view(state, token))
        })
    }

    /// Runs one step of the session (or, with no step, checks it and returns it).
    pub fn link_step(
        &self,
        session_id: &str,
        link_token: &str,
        step: Option<Step>,
        request_id: &str,
    ) -> Result<SessionView, PlaidError> {
        let no_session =
            || PlaidError::invalid_field("link_session_id", "names no session of this link token");
        let in_memory = self.read(|s| {
            s.owner_of(session_id)
                .is_some_and(|ts| ts.link_sessions.contains_key(session_id))
        });
        let finished = if in_memory {
            None
        } else {
            self.finished_session(link_token, session_id)
        };
        self.write(|state, changes| {
            let mut s = match state
                .owner_of(session_id)
                .and_then(|ts| ts.link_sessions.get(session_id))
            {
                Some(s) => s.clone(),
                // A finished session may be history: in the store, not in memory.
                None => finished.clone().ok_or_else(no_session)?,
            };
            if s.link_token != link_token {
                return Err(no_session());
            }
            let Some(token) = state
                .of(&s.client_id)
                .ok()
                .and_then(|ts| ts.link_tokens.get(link_token))
            else {
                return Err(PlaidError::new(ErrorCode::INVALID_LINK_TOKEN));
            };
            let now = state.now_ms(&s.client_id);
            let Some(step) = step else {
                return Ok(s.into_view(state, token));
            };
            s.last_request_id = request_id.to_owned();
            if s.result.is_some() {
                return Err(PlaidError::invalid_field(
                    "link_session_id",
                    format!("the session has already ended ({})", s.status()),
                ));
            }
            // An expired token or an idle session ends the flow with INVALID_LINK_TOKEN.
            let stale = if now >= token.expires_at_ms {
                Some("the link token has expired")
            } else if now - s.last_active_ms > IDLE_LIMIT_MS {
                Some("the session was idle for more than 30 minutes")
            } else {
                None
            };
            s.last_active_ms = now;
            if let Some(why) = stale
                && s.view != View::Error
            {
                let e = PlaidError::new(ErrorCode::INVALID_LINK_TOKEN)
                    .with_message(format!("invalid link_token: {why}"));
                s.fail(&e, now, true);
            }
            if s.view == View::Error && !matches!(step, Step::Exit) {
                changes.push(Record::LinkSession(Box::new(s.clone())));
                return Ok(s.into_view(state, token));
            }
            run_step(state, changes, &mut s, token, step, now)?;
            // The token remembers how its sessions ended, so finished sessions can leave memory.
            let used = s.status() == "succeeded";
            let locked = s.failed_logins >= MAX_FAILED_LOGINS;
            if (used && !token.used) || (locked && !token.locked) {
                let mut marked = token.clone();
                marked.used |= used;
                marked.locked |= locked;
                changes.push(Record::LinkToken(Box::new(marked)));
            }
            changes.push(Record::LinkSession(Box::new(s.clone())));
            Ok(s.into_view(state, token))
        })
    }

    /// Institutions the session may pick, matching `query`; records SEARCH_INSTITUTION.
    pub fn link_search(
        &self,
        session_id: &str,
        link_token: &str,
        query: &str,
        request_id: &str,
    ) -> Result<SearchResult, PlaidError> {
        let session = self.link_step(
            session_id,
            link_token,
            Some(Step::Search(query.to_owned())),
            request_id,
        )?;
        let found = self.read(|state| {
            let Some(token) = state
                .owner_of(link_token)
                .and_then(|ts| ts.link_tokens.get(link_token))
            else {
                return Vec::new();
            };
            let q = query.trim().to_lowercase();
            institutions::INSTITUTIONS
                .iter()
                .filter(|d| offers(token, d))
                .filter(|d| q.is_empty() || d.name.to_lowercase().contains(&q) || d.id == q)
                .map(|d| with_health(state, &token.client_id, d))
                .collect()
        });
        Ok(SearchResult {
            institutions: found,
            session,
        })
    }
}

/// Whether the institution offers what the token asks for, in its countries.
fn offers(token: &LinkToken, d: &InstitutionDef) -> bool {
    let products = token.request.products.as_deref().unwrap_or_default();
    products.iter().all(|p| d.supports(*p))
        && token
            .request
            .country_codes
            .iter()
            .any(|c| d.country_codes.contains(c))
}

/// Sessions of a link token, oldest first, for `/link/token/get`.
/// Finished sessions of a tenant's history the store is asked about at most.
const HISTORY_SCAN: usize = 10_000;

impl World {
    /// A finished session of the link token that memory no longer holds, from the store.
    fn finished_session(&self, link_token: &str, session_id: &str) -> Option<LinkSession> {
        let client_id =
            self.read(|s| s.owner_of(link_token).map(|ts| ts.tenant.client_id.clone()))?;
        let body = self.history_body(&client_id, "link_session", session_id)?;
        match serde_json::from_str(&body) {
            Ok(Record::LinkSession(s)) if s.link_token == link_token => Some(*s),
            _ => None,
        }
    }

    /// The link token's sessions, oldest first: those in memory and, with a data dir, the
    /// finished ones that are history.
    pub fn sessions_of(&self, link_token: &str) -> Vec<LinkSession> {
        let (client_id, mut sessions) = match self.read(|s| {
            s.owner_of(link_token).map(|ts| {
                let live: Vec<LinkSession> = ts
                    .link_sessions
                    .values()
                    .filter(|s| s.link_token == link_token)
                    .cloned()
                    .collect();
                (ts.tenant.client_id.clone(), live)
            })
        }) {
            Some(found) => found,
            None => return Vec::new(),
        };
        for body in self.history_bodies(&client_id, "link_session", HISTORY_SCAN) {
            if let Ok(Record::LinkSession(s)) = serde_json::from_str(&body)
                && s.link_token == link_token
                && !sessions.iter().any(|x| x.id == s.id)
            {
                sessions.push(*s);
            }
        }
        sessions.sort_by_key(|s| s.started_at_ms);
        sessions
    }
}
