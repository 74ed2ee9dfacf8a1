//! Link sessions: the state machine behind Tartan's Link UI and headless Link.
//!
//! A session starts from a link token and moves through Plaid's panes (consent, institution,
//! credentials, MFA, OAuth, account selection) to onSuccess or onExit. The browser UI and the
//! control plane drive the same steps, so both produce the same Items, events and webhooks.
//! Each step is one write: the session, the Item it creates or repairs, and any webhook are
//! committed together.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tartan_types::wire::{AccountFilters, Product};
use tartan_types::{ErrorCode, PlaidError};

use super::bank::{self, AccountTemplate};
use super::clock::{self, MINUTE_MS};
use super::events;
use super::ids::{self, TokenKind};
use super::institutions::{self, Health, InstitutionDef};
use super::items::{self, AccountState, LinkToken, NewItem, PublicToken};
use super::tenants::AccountSelect;
use super::{Item, Record, State, World};

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
    fn name(self) -> &'static str {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaKind {
    Device,
    Questions,
    Selections,
}

/// The MFA a Sandbox password asks for (plaid-behavior.md 2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mfa {
    pub kind: MfaKind,
    pub rounds: u32,
    pub per_round: u32,
    pub options: u32,
    /// 0-based.
    pub round: u32,
    /// `mfa_selections` (one Yes/No question) rather than `mfa_selections_<n>_<m>_<o>`.
    pub yes_no: bool,
}

impl Mfa {
    fn for_password(password: &str) -> Option<Self> {
        let plan = |kind, rounds, per_round, options, yes_no| Self {
            kind,
            rounds,
            per_round,
            options,
            round: 0,
            yes_no,
        };
        if password == "mfa_device" {
            return Some(plan(MfaKind::Device, 1, 1, 0, false));
        }
        if password == "mfa_selections" {
            return Some(plan(MfaKind::Selections, 1, 1, 2, true));
        }
        let nums = |rest: &str| -> Option<Vec<u32>> {
            rest.split('_').map(|n| n.parse::<u32>().ok()).collect()
        };
        if let Some(rest) = password.strip_prefix("mfa_questions_") {
            let n = nums(rest)?;
            if let [rounds @ 1..=9, per @ 1..=9] = n[..] {
                return Some(plan(MfaKind::Questions, rounds, per, 0, false));
            }
        }
        if let Some(rest) = password.strip_prefix("mfa_selections_") {
            let n = nums(rest)?;
            if let [rounds @ 1..=9, per @ 1..=9, options @ 2..=9] = n[..] {
                return Some(plan(MfaKind::Selections, rounds, per, options, false));
            }
        }
        None
    }

    fn questions(&self) -> Vec<Value> {
        let r = self.round;
        match self.kind {
            MfaKind::Device => {
                vec![json!({"text": "Enter the code sent to your device (Sandbox: 1234)", "options": null})]
            }
            MfaKind::Questions => (0..self.per_round)
                .map(|j| json!({"text": format!("Security question {} of round {} (Sandbox: answer_{r}_{j})", j + 1, r + 1), "options": null}))
                .collect(),
            MfaKind::Selections if self.yes_no => {
                vec![json!({"text": "Is this your first time logging in from this device?", "options": ["Yes", "No"]})]
            }
            MfaKind::Selections => (0..self.per_round)
                .map(|j| {
                    let options: Vec<String> = (0..self.options)
                        .map(|k| format!("answer_{}_{}_{k}", r + 1, j + 1))
                        .collect();
                    json!({"text": format!("Choose the right answer to question {} of round {}", j + 1, r + 1), "options": options})
                })
                .collect(),
        }
    }

    fn expected(&self) -> Vec<String> {
        let r = self.round;
        match self.kind {
            MfaKind::Device => vec!["1234".to_owned()],
            MfaKind::Questions => (0..self.per_round)
                .map(|j| format!("answer_{r}_{j}"))
                .collect(),
            MfaKind::Selections if self.yes_no => vec!["Yes".to_owned()],
            MfaKind::Selections => (0..self.per_round)
                .map(|j| format!("answer_{}_{}_0", r + 1, j + 1))
                .collect(),
        }
    }

    fn wire(&self) -> Value {
        json!({
            "type": self.kind,
            "round": self.round + 1,
            "rounds": self.rounds,
            "questions": self.questions(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OauthState {
    Pending,
    Granted,
    Denied,
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
pub struct SessionEvent {
    pub event_id: String,
    pub name: String,
    pub at_ms: i64,
    pub meta: Map<String, Value>,
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
    pub error: Option<SessionError>,
    pub events: Vec<SessionEvent>,
    /// `{"on_success": …}` or `{"on_exit": …}` once the session has ended.
    pub result: Option<Value>,
    /// The Item the session created or updated, with its accounts, for `/link/token/get`.
    pub item_add: Option<Value>,
    pub last_request_id: String,
}

/// A Transfer Payment Profile: PENDING until Link links a bank login to it, then READY.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentProfile {
    pub token: String,
    pub client_id: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted_at_ms: Option<i64>,
    pub item_id: Option<String>,
    /// Set by `/sandbox/payment_profile/reset_login`; cleared by Link's Payment Profile
    /// update mode.
    pub login_required: bool,
}

impl PaymentProfile {
    pub fn status(&self) -> &'static str {
        match (self.deleted_at_ms, &self.item_id) {
            (Some(_), _) => "REMOVED",
            (None, Some(_)) => "READY",
            (None, None) => "PENDING",
        }
    }
}

/// The payment profile a link token names, if any.
fn profile_of<'a>(state: &'a State, token: &LinkToken) -> Option<&'a PaymentProfile> {
    let t = token
        .request
        .transfer
        .as_ref()?
        .payment_profile_token
        .as_ref()?;
    state.of(&token.client_id).ok()?.payment_profiles.get(t)
}

/// One of the tenant's live Items.
fn item_of<'a>(state: &'a State, client_id: &str, item_id: &str) -> Option<&'a Item> {
    state.tenants.get(client_id)?.items.get(item_id)
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

/// Plaid's four-field Link error object (onExit, the pane).
pub fn link_error(e: &PlaidError) -> Value {
    json!({
        "error_type": e.code.error_type().as_str(),
        "error_code": e.code.as_str(),
        "error_message": e.message,
        "display_message": e.display_message,
    })
}

fn institution_status(state: &State, client_id: &str, def: &'static InstitutionDef) -> Health {
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

/// The institution as Link's panes show it.
pub fn institution_view(state: &State, client_id: &str, def: &'static InstitutionDef) -> Value {
    json!({
        "institution_id": def.id,
        "name": def.name,
        "logo": (!def.logo.is_empty()).then_some(def.logo),
        "primary_color": (!def.primary_color.is_empty()).then_some(def.primary_color),
        "url": (!def.url.is_empty()).then_some(def.url),
        "oauth": def.oauth,
        "status": institution_status(state, client_id, def).as_str(),
    })
}

impl LinkSession {
    pub fn is_update_mode(&self) -> bool {
        self.update_item_id.is_some()
    }

    fn institution(&self) -> Option<&'static InstitutionDef> {
        self.institution_id.as_deref().and_then(institutions::find)
    }

    fn institution_ref(&self) -> Value {
        match self.institution() {
            Some(i) => json!({"name": i.name, "institution_id": i.id}),
            None => Value::Null,
        }
    }

    fn push_event(&mut self, name: &str, now: i64, extra: &[(&str, Value)]) {
        let mut meta = Map::new();
        for key in [
            "account_number_mask",
            "error_type",
            "error_code",
            "error_message",
            "exit_status",
            "institution_id",
            "institution_name",
            "institution_search_query",
            "match_reason",
            "mfa_type",
            "routing_number",
            "view_name",
            "selection",
        ] {
            meta.insert(key.to_owned(), Value::Null);
        }
        if let Some(i) = self.institution() {
            meta.insert("institution_id".into(), i.id.into());
            meta.insert("institution_name".into(), i.name.into());
        }
        meta.insert(
            "is_update_mode".into(),
            if self.is_update_mode() { "yes" } else { "no" }.into(),
        );
        meta.insert("link_session_id".into(), self.id.clone().into());
        meta.insert("request_id".into(), self.last_request_id.clone().into());
        meta.insert("timestamp".into(), clock::wire(now).into());
        for (k, v) in extra {
            meta.insert((*k).to_owned(), v.clone());
        }
        self.events.push(SessionEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            at_ms: now,
            meta,
        });
    }

    fn go(&mut self, view: View, now: i64) {
        self.view = view;
        let mut extra = vec![("view_name", Value::from(view.name()))];
        if view == View::Mfa
            && let Some(m) = &self.mfa
        {
            extra.push(("mfa_type", serde_json::to_value(m.kind).unwrap_or_default()));
        }
        self.push_event("TRANSITION_VIEW", now, &extra);
    }

    /// Link's spinner between panes (TRANSITION_VIEW to LOADING); the pane does not change.
    fn loading(&mut self, now: i64) {
        self.push_event("TRANSITION_VIEW", now, &[("view_name", "LOADING".into())]);
    }

    fn fail(&mut self, e: &PlaidError, now: i64, fatal: bool) {
        self.error = Some(SessionError::of(e));
        self.push_event(
            "ERROR",
            now,
            &[
                ("error_type", e.code.error_type().as_str().into()),
                ("error_code", e.code.as_str().into()),
                ("error_message", e.message.to_string().into()),
            ],
        );
        if fatal {
            self.go(View::Error, now);
        }
    }

    /// The onExit status for the view the user leaves.
    fn exit_status(&self) -> &'static str {
        match self.view {
            View::Mfa => match self.mfa.as_ref().map(|m| m.kind) {
                Some(MfaKind::Questions) => "requires_questions",
                Some(MfaKind::Selections) => "requires_selections",
                _ => "requires_code",
            },
            View::Oauth => "requires_oauth",
            // Plaid: the user "discovered" that the institution chosen is not supported.
            View::Error if self.institution().is_some_and(|i| !i.supported) => {
                "institution_not_supported"
            }
            // The user denied at the bank (or the bank refused): the OAuth step is unfinished.
            View::Error if self.oauth == Some(OauthState::Denied) => "requires_oauth",
            View::SelectAccount => "requires_account_selection",
            View::SelectInstitution if self.has_event("SEARCH_INSTITUTION") => {
                "institution_not_found"
            }
            _ => "requires_credentials",
        }
    }

    fn has_event(&self, name: &str) -> bool {
        self.events.iter().any(|e| e.name == name)
    }

    fn finish_exit(&mut self, now: i64) {
        let status = self.exit_status();
        let error = self.error.as_ref().map(|e| link_error(&e.to_error()));
        let mut extra = vec![("exit_status", Value::from(status))];
        if let Some(e) = &self.error {
            let pe = e.to_error();
            extra.push(("error_type", pe.code.error_type().as_str().into()));
            extra.push(("error_code", pe.code.as_str().into()));
            extra.push(("error_message", pe.message.to_string().into()));
        }
        self.push_event("EXIT", now, &extra);
        self.view = View::Exit;
        self.finished_at_ms = Some(now);
        self.result = Some(json!({"on_exit": {
            "error": error,
            "metadata": {
                "institution": self.institution_ref(),
                "status": status,
                "link_session_id": self.id,
                "request_id": self.last_request_id,
            },
        }}));
    }

    pub fn status(&self) -> &'static str {
        match &self.result {
            Some(r) if r.get("on_success").is_some() => "succeeded",
            Some(_) => "exited",
            None => "open",
        }
    }

    /// The session as the UI and the control plane see it.
    pub fn wire(&self, state: &State, token: Option<&LinkToken>) -> Value {
        let accounts = (self.view == View::SelectAccount).then(|| {
            self.offered
                .iter()
                .map(|o| {
                    let t = bank::template(o.template);
                    json!({
                        "id": o.id, "name": t.name, "mask": t.mask,
                        "type": t.account_type.as_str(), "subtype": t.subtype,
                        "selected": o.selected, "new": o.new,
                    })
                })
                .collect::<Vec<_>>()
        });
        let oauth = self.oauth_state_id.as_ref().map(|id| {
            json!({
                "oauth_state_id": id,
                "authorize_url": format!("/tartan/link/oauth?oauth_state_id={id}"),
                "redirect_uri": token.and_then(|t| t.request.redirect_uri.clone()),
                "state": self.oauth,
            })
        });
        let products = token.map(consent_products).unwrap_or_default();
        let account_select = token.map(|t| account_select(state, t)).unwrap_or_default();
        json!({
            "link_session_id": self.id,
            "status": self.status(),
            "view": self.view,
            "is_update_mode": self.is_update_mode(),
            "client_name": token.map(|t| t.request.client_name.clone()),
            "products": products,
            "institution": self.institution().map(|d| institution_view(state, &self.client_id, d)),
            "mfa": (self.view == View::Mfa).then(|| self.mfa.as_ref().map(Mfa::wire)).flatten(),
            "oauth": oauth,
            "accounts": accounts,
            "account_select": account_select,
            "error": self.error.as_ref().map(|e| link_error(&e.to_error())),
            "events": self.events.iter().map(|e| json!({"event_name": e.name, "metadata": e.meta})).collect::<Vec<_>>(),
            "result": self.result,
        })
    }

    /// The session as `/link/token/get` reports it.
    pub fn token_get_wire(&self) -> Value {
        let on_success = self
            .result
            .as_ref()
            .and_then(|r| r.get("on_success"))
            .cloned();
        let on_exit = self.result.as_ref().and_then(|r| r.get("on_exit")).cloned();
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|e| {
                json!({"event_name": e.name, "timestamp": clock::wire(e.at_ms), "event_id": e.event_id, "event_metadata": e.meta})
            })
            .collect();
        json!({
            "link_session_id": self.id,
            "started_at": clock::wire(self.started_at_ms),
            "finished_at": self.finished_at_ms.map(clock::wire),
            "on_success": on_success,
            "on_exit": on_exit,
            "exit": on_exit,
            "events": events,
            "results": {
                "item_add_results": self.item_add.iter().cloned().collect::<Vec<_>>(),
                "cra_item_add_results": [],
                "cra_update_results": [],
                "bank_income_results": [],
                "payroll_income_results": [],
                "document_income_results": null,
            },
        })
    }
}

/// Products the consent pane names: the token's, and in update mode the additional ones.
fn consent_products(token: &LinkToken) -> Vec<Product> {
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
fn account_select(state: &State, token: &LinkToken) -> AccountSelect {
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

/// Whether an account passes the link token's account_filters.
fn passes_filters(filters: Option<&AccountFilters>, t: &AccountTemplate) -> bool {
    let Some(f) = filters else { return true };
    let filter = match t.account_type.as_str() {
        "depository" => &f.depository,
        "credit" => &f.credit,
        "loan" => &f.loan,
        "investment" => &f.investment,
        _ => &f.other,
    };
    filter.as_ref().is_some_and(|sf| {
        sf.account_subtypes
            .iter()
            .any(|s| s == "all" || s.eq_ignore_ascii_case(t.subtype))
    })
}

/// Accounts a new Item's products can use: with Auth in products, Plaid's Auth filter
/// (checking, savings and cash management; `bank::has_numbers`).
fn usable_for(products: &[Product], t: &AccountTemplate) -> bool {
    !products.contains(&Product::Auth) || bank::has_numbers(t)
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
    pub fn link_start(&self, link_token: &str, request_id: &str) -> Result<Value, PlaidError> {
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
                error: None,
                events: Vec::new(),
                result: None,
                item_add: None,
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
            let wire = session.wire(state, Some(token));
            changes.push(Record::LinkSession(Box::new(session)));
            Ok(wire)
        })
    }

    /// Continues a session after the OAuth redirect (`receivedRedirectUri`).
    pub fn link_resume(
        &self,
        link_token: &str,
        received_redirect_uri: &str,
        request_id: &str,
    ) -> Result<Value, PlaidError> {
        let bad = |why: &str| PlaidError::invalid_field("received_redirect_uri", why);
        let url = reqwest::Url::parse(received_redirect_uri)
            .map_err(|_| bad("must be the full URL Link was redirected to"))?;
        let state_id = url
            .query_pairs()
            .find(|(k, _)| k == "oauth_state_id")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| bad("has no oauth_state_id"))?;
        let id = self.read(|s| {
            s.owner_of(link_token)?
                .link_sessions
                .values()
                .find(|x| {
                    x.link_token == link_token && x.oauth_state_id.as_deref() == Some(&state_id)
                })
                .map(|x| x.id.clone())
        });
        let id = id.ok_or_else(|| {
            bad(&format!(
                "carries oauth_state_id {state_id}, which belongs to no OAuth session of this link token"
            ))
        })?;
        let mut session = self.link_step(&id, link_token, None, request_id)?;
        // The page that sent the browser to the bank reported every event up to OPEN_OAUTH;
        // the page that resumes reports only those that came after.
        let before = session["events"].as_array().map_or(0, |events| {
            events
                .iter()
                .rposition(|e| e["event_name"] == "OPEN_OAUTH")
                .map_or(0, |i| i + 1)
        });
        session["events_before_redirect"] = before.into();
        Ok(session)
    }

    /// Runs one step of the session (or, with no step, checks it and returns it).
    pub fn link_step(
        &self,
        session_id: &str,
        link_token: &str,
        step: Option<Step>,
        request_id: &str,
    ) -> Result<Value, PlaidError> {
        self.write(|state, changes| {
            let mut s = state
                .owner_of(session_id)
                .and_then(|ts| ts.link_sessions.get(session_id))
                .filter(|s| s.link_token == link_token)
                .cloned()
                .ok_or_else(|| {
                    PlaidError::invalid_field(
                        "link_session_id",
                        "names no session of this link token",
                    )
                })?;
            let Some(token) = state
                .of(&s.client_id)
                .ok()
                .and_then(|ts| ts.link_tokens.get(link_token))
            else {
                return Err(PlaidError::new(ErrorCode::INVALID_LINK_TOKEN));
            };
            let now = state.now_ms(&s.client_id);
            let Some(step) = step else {
                return Ok(s.wire(state, Some(token)));
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
                let wire = s.wire(state, Some(token));
                changes.push(Record::LinkSession(Box::new(s)));
                return Ok(wire);
            }
            run_step(state, changes, &mut s, token, step, now)?;
            let wire = s.wire(state, Some(token));
            changes.push(Record::LinkSession(Box::new(s)));
            Ok(wire)
        })
    }

    /// The simulated bank's page: what it shows.
    pub fn link_oauth_get(&self, state_id: &str) -> Result<Value, PlaidError> {
        self.read(|state| {
            let s = oauth_session(state, state_id)?;
            let token = state
                .of(&s.client_id)
                .ok()
                .and_then(|ts| ts.link_tokens.get(&s.link_token));
            Ok(json!({
                "institution": s.institution().map(|d| institution_view(state, &s.client_id, d)),
                "client_name": token.map(|t| t.request.client_name.clone()),
                "state": s.oauth,
            }))
        })
    }

    /// The simulated bank's page: the user approves or denies.
    pub fn link_oauth_decide(
        &self,
        state_id: &str,
        grant: bool,
        request_id: &str,
    ) -> Result<Value, PlaidError> {
        let (id, token, redirect) = self.read(|state| {
            let s = oauth_session(state, state_id)?;
            let redirect = state
                .of(&s.client_id)?
                .link_tokens
                .get(&s.link_token)
                .and_then(|t| t.request.redirect_uri.clone());
            Ok::<_, PlaidError>((s.id.clone(), s.link_token.clone(), redirect))
        })?;
        let session = self.link_step(&id, &token, Some(Step::Oauth(grant)), request_id)?;
        let redirect_to = redirect.and_then(|r| {
            let mut url = reqwest::Url::parse(&r).ok()?;
            url.query_pairs_mut()
                .append_pair("oauth_state_id", state_id);
            Some(url.to_string())
        });
        Ok(json!({"redirect_to": redirect_to, "session": session}))
    }

    /// Institutions the session may pick, matching `query`; records SEARCH_INSTITUTION.
    pub fn link_search(
        &self,
        session_id: &str,
        link_token: &str,
        query: &str,
        request_id: &str,
    ) -> Result<Value, PlaidError> {
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
                .map(|d| institution_view(state, &token.client_id, d))
                .collect()
        });
        Ok(json!({"institutions": found, "session": session}))
    }
}

fn oauth_session<'a>(state: &'a State, state_id: &str) -> Result<&'a LinkSession, PlaidError> {
    state
        .owner_of(state_id)
        .and_then(|ts| {
            ts.link_sessions
                .values()
                .find(|s| s.oauth_state_id.as_deref() == Some(state_id))
        })
        .ok_or_else(|| {
            PlaidError::invalid_field("oauth_state_id", "names no OAuth session in progress")
        })
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

fn run_step(
    state: &State,
    changes: &mut Vec<Record>,
    s: &mut LinkSession,
    token: &LinkToken,
    step: Step,
    now: i64,
) -> Result<(), PlaidError> {
    let out_of_order = |s: &LinkSession, what: &str| {
        PlaidError::invalid_field(
            "step",
            format!("{what} is not possible on the {} pane", s.view.name()),
        )
    };
    match step {
        Step::Exit => {
            s.finish_exit(now);
        }
        Step::Consent => {
            if s.view != View::Consent {
                return Err(out_of_order(s, "consent"));
            }
            match s.institution() {
                Some(_) => enter_institution(state, s, token, now)?,
                None => s.go(View::SelectInstitution, now),
            }
        }
        Step::Search(query) => {
            if s.view != View::SelectInstitution {
                return Err(out_of_order(s, "search"));
            }
            s.push_event(
                "SEARCH_INSTITUTION",
                now,
                &[("institution_search_query", query.into())],
            );
        }
        Step::Institution(id) => {
            if s.view != View::SelectInstitution {
                return Err(out_of_order(s, "choosing an institution"));
            }
            let def = institutions::find(&id).ok_or_else(|| {
                PlaidError::invalid_field(
                    "institution_id",
                    format!("{id} is not a known institution"),
                )
            })?;
            if !offers(token, def) {
                return Err(PlaidError::invalid_field(
                    "institution_id",
                    format!(
                        "{} does not offer this link token's products in its countries",
                        def.name
                    ),
                ));
            }
            s.institution_id = Some(def.id.to_owned());
            s.push_event("SELECT_INSTITUTION", now, &[]);
            match institution_status(state, &s.client_id, def) {
                Health::Degraded => s.push_event("SELECT_DEGRADED_INSTITUTION", now, &[]),
                Health::Down => s.push_event("SELECT_DOWN_INSTITUTION", now, &[]),
                Health::Healthy => {}
            }
            enter_institution(state, s, token, now)?;
        }
        Step::Credentials { username, password } => {
            if s.view != View::Credential {
                return Err(out_of_order(s, "submitting credentials"));
            }
            s.push_event("SUBMIT_CREDENTIALS", now, &[]);
            s.error = None;
            submit_credentials(state, changes, s, token, &username, &password, now)?;
        }
        Step::Mfa(answers) => {
            if s.view != View::Mfa {
                return Err(out_of_order(s, "answering MFA"));
            }
            let Some(mut mfa) = s.mfa.clone() else {
                return Err(out_of_order(s, "answering MFA"));
            };
            s.push_event(
                "SUBMIT_MFA",
                now,
                &[(
                    "mfa_type",
                    serde_json::to_value(mfa.kind).unwrap_or_default(),
                )],
            );
            let expected = mfa.expected();
            if answers.len() != expected.len() {
                return Err(PlaidError::invalid_field(
                    "answers",
                    format!("needs {} answers, one per question", expected.len()),
                ));
            }
            let right = answers.iter().zip(&expected).all(|(a, e)| a.trim() == e);
            if !right {
                s.fail(&PlaidError::new(ErrorCode::INVALID_MFA), now, false);
                return Ok(());
            }
            s.error = None;
            s.loading(now);
            mfa.round += 1;
            if mfa.round < mfa.rounds {
                s.mfa = Some(mfa);
                s.go(View::Mfa, now);
            } else {
                s.mfa = Some(mfa);
                logged_in(state, changes, s, token, now)?;
            }
        }
        Step::Oauth(grant) => {
            if s.view != View::Oauth || s.oauth != Some(OauthState::Pending) {
                return Err(out_of_order(s, "an OAuth decision"));
            }
            if grant {
                s.oauth = Some(OauthState::Granted);
                s.go(View::Oauth, now);
                let username = match &s.update_item_id {
                    Some(id) => item_of(state, &s.client_id, id).map(|i| i.username.clone()),
                    None => None,
                }
                .unwrap_or_else(|| "user_good".to_owned());
                s.username = Some(username);
                logged_in(state, changes, s, token, now)?;
            } else {
                // Plaid: onExit status requires_oauth with INSUFFICIENT_CREDENTIALS.
                s.oauth = Some(OauthState::Denied);
                s.push_event("CLOSE_OAUTH", now, &[]);
                let e = PlaidError::new(ErrorCode::INSUFFICIENT_CREDENTIALS)
                    .with_message("the user did not authorize access at the institution");
                s.fail(&e, now, true);
            }
        }
        Step::Accounts(ids) => {
            if s.view != View::SelectAccount {
                return Err(out_of_order(s, "selecting accounts"));
            }
            if ids.is_empty() {
                return Err(PlaidError::invalid_field(
                    "account_ids",
                    "must name at least one account",
                ));
            }
            if ids.len() > 1 && account_select(state, token) == AccountSelect::One {
                return Err(PlaidError::invalid_field(
                    "account_ids",
                    format!(
                        "must name exactly one account: the link customization {:?} lets the user \
                         choose one",
                        customization_name(token)
                    ),
                ));
            }
            if let Some(bad) = ids
                .iter()
                .find(|id| !s.offered.iter().any(|o| &o.id == *id))
            {
                return Err(PlaidError::invalid_field(
                    "account_ids",
                    format!("{bad} is not one of the accounts offered"),
                ));
            }
            for o in &mut s.offered {
                o.selected = ids.contains(&o.id);
            }
            finish(state, changes, s, token, now)?;
        }
    }
    Ok(())
}

/// After an institution is known: OAuth banks go to the OAUTH pane, others to credentials.
fn enter_institution(
    state: &State,
    s: &mut LinkSession,
    _token: &LinkToken,
    now: i64,
) -> Result<(), PlaidError> {
    let Some(def) = s.institution() else {
        s.go(View::SelectInstitution, now);
        return Ok(());
    };
    // Unsupported Platypus Bank: listed, but no login can start there.
    if !def.supported {
        let e = PlaidError::new(ErrorCode::INSTITUTION_NO_LONGER_SUPPORTED);
        s.fail(&e, now, true);
        return Ok(());
    }
    if let Some(code) = state
        .tenants
        .get(&s.client_id)
        .and_then(|t| t.tenant.bank(def).outage)
    {
        s.fail(&PlaidError::new(code), now, true);
        return Ok(());
    }
    if def.oauth {
        s.oauth_state_id = Some(uuid::Uuid::new_v4().to_string());
        s.oauth = Some(OauthState::Pending);
        s.go(View::Oauth, now);
        s.push_event("OPEN_OAUTH", now, &[]);
    } else {
        s.go(View::Credential, now);
    }
    Ok(())
}

fn submit_credentials(
    state: &State,
    changes: &mut Vec<Record>,
    s: &mut LinkSession,
    token: &LinkToken,
    username: &str,
    password: &str,
    now: i64,
) -> Result<(), PlaidError> {
    s.loading(now);
    if let Some(item) = s
        .update_item_id
        .as_ref()
        .and_then(|id| item_of(state, &s.client_id, id))
        && username != item.username
        && items::check_credentials(username, password).is_ok()
    {
        s.fail(
            &PlaidError::new(ErrorCode::INVALID_UPDATED_USERNAME),
            now,
            true,
        );
        return Ok(());
    }
    match items::check_credentials(username, password) {
        Ok(()) => {}
        Err(e) if e.code == ErrorCode::INVALID_CREDENTIALS && !password.starts_with("error_") => {
            s.failed_logins += 1;
            if s.failed_logins >= MAX_FAILED_LOGINS {
                let e = PlaidError::new(ErrorCode::INVALID_LINK_TOKEN)
                    .with_message("invalid link_token: too many failed logins");
                s.fail(&e, now, true);
            } else {
                s.fail(&e, now, false);
                s.go(View::Credential, now);
            }
            return Ok(());
        }
        Err(e) => {
            s.fail(&e, now, true);
            return Ok(());
        }
    }
    s.username = Some(username.to_owned());
    if let Some(mfa) = Mfa::for_password(password).filter(|_| username == "user_good") {
        s.mfa = Some(mfa);
        s.go(View::Mfa, now);
        return Ok(());
    }
    logged_in(state, changes, s, token, now)
}

/// The bank has let the user in: choose accounts, or finish at once.
fn logged_in(
    state: &State,
    changes: &mut Vec<Record>,
    s: &mut LinkSession,
    token: &LinkToken,
    now: i64,
) -> Result<(), PlaidError> {
    let filters = token.request.account_filters.as_ref();
    s.offered = match s
        .update_item_id
        .as_ref()
        .and_then(|id| item_of(state, &s.client_id, id))
    {
        Some(item) => {
            let mut offered: Vec<Offered> = item
                .accounts
                .iter()
                .map(|a| Offered {
                    id: a.account_id.clone(),
                    template: a.template,
                    selected: true,
                    new: false,
                })
                .collect();
            offered.extend(item.new_accounts.iter().map(|a| Offered {
                id: a.account_id.clone(),
                template: a.template,
                selected: false,
                new: true,
            }));
            offered.retain(|o| passes_filters(filters, bank::template(o.template)));
            offered
        }
        None => {
            let products = token.request.products.as_deref().unwrap_or_default();
            // The ids the Item will have, when it is the tenant's next.
            let seed = items::next_item_seed(state.tenant(&s.client_id)?);
            let mut offered: Vec<Offered> = bank::USER_GOOD
                .iter()
                .enumerate()
                .filter(|(_, t)| passes_filters(filters, t) && usable_for(products, t))
                .map(|(i, _)| Offered {
                    id: items::account_id(seed, i),
                    template: i,
                    selected: false,
                    new: false,
                })
                .collect();
            // "All accounts" preselects every account; one or several start with none, unless
            // there is only one to choose.
            let preselect =
                offered.len() == 1 || account_select(state, token) == AccountSelect::All;
            for o in &mut offered {
                o.selected = preselect;
            }
            offered
        }
    };
    if s.offered.is_empty() {
        s.fail(&PlaidError::new(ErrorCode::NO_ACCOUNTS), now, true);
        return Ok(());
    }
    let selection = match &s.update_item_id {
        Some(_) => token
            .request
            .update
            .as_ref()
            .and_then(|u| u.account_selection_enabled)
            .unwrap_or(false),
        None => true,
    };
    if selection {
        s.go(View::SelectAccount, now);
        Ok(())
    } else {
        finish(state, changes, s, token, now)
    }
}

/// Success: the Item is made (or updated), a public token handed over, HANDOFF.
fn finish(
    state: &State,
    changes: &mut Vec<Record>,
    s: &mut LinkSession,
    token: &LinkToken,
    now: i64,
) -> Result<(), PlaidError> {
    let def = s
        .institution()
        .ok_or_else(|| PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR))?;
    let (item, public) = match s.update_item_id.clone() {
        Some(item_id) => {
            let mut item = item_of(state, &s.client_id, &item_id)
                .cloned()
                .ok_or_else(|| PlaidError::new(ErrorCode::ITEM_NOT_FOUND))?;
            let tenant = state.tenant(&s.client_id)?;
            // Re-authentication clears the error (LOGIN_REPAIRED) and renews the timers.
            events::repair(
                state,
                changes,
                tenant,
                &mut item,
                now,
                events::Repaired::InLink,
            );
            let selection = token
                .request
                .update
                .as_ref()
                .and_then(|u| u.account_selection_enabled)
                .unwrap_or(false);
            if selection {
                let mut all: Vec<AccountState> = item.accounts.drain(..).collect();
                all.append(&mut item.new_accounts);
                for a in all {
                    let chosen = s.offered.iter().any(|o| o.id == a.account_id && o.selected);
                    if chosen {
                        item.accounts.push(a);
                    } else {
                        item.new_accounts.push(a);
                    }
                }
            }
            for p in token.request.additional_consented_products.iter().flatten() {
                if !item.consented_products.contains(p) {
                    item.consented_products.push(*p);
                }
            }
            let public = PublicToken {
                token: ids::token(TokenKind::Public),
                client_id: s.client_id.clone(),
                item_id: item.item_id.clone(),
                expires_at_ms: now + items::PUBLIC_TOKEN_LIFETIME_MS,
                exchanged: false,
            };
            (item, public)
        }
        None => {
            let mut products: Vec<Product> = token.request.products.clone().unwrap_or_default();
            // A Payment Profile links an account for Transfer, which needs its numbers.
            if products.is_empty()
                && profile_of(state, token).is_some()
                && def.supports(Product::Auth)
            {
                products.push(Product::Auth);
            }
            for p in token
                .request
                .required_if_supported_products
                .iter()
                .flatten()
            {
                if def.supports(*p) && !products.contains(p) {
                    products.push(*p);
                }
            }
            let chosen: Vec<(String, usize)> = s
                .offered
                .iter()
                .filter(|o| o.selected)
                .map(|o| (o.id.clone(), o.template))
                .collect();
            let new = NewItem {
                institution: def,
                products: &products,
                username: s.username.as_deref().unwrap_or("user_good"),
                password: "pass_good",
                webhook: token.request.webhook.clone(),
                accounts: Some(chosen),
            };
            let (mut item, public) = items::new_item(state, changes, &s.client_id, new, now)?;
            for p in consent_products(token) {
                if !item.consented_products.contains(&p) {
                    item.consented_products.push(p);
                }
            }
            (item, public)
        }
    };
    let accounts: Vec<Value> = item
        .accounts
        .iter()
        .map(|a| {
            let t = a.template();
            json!({
                "id": a.account_id, "name": t.name, "mask": t.mask,
                "type": t.account_type.as_str(), "subtype": t.subtype,
                "verification_status": null, "class_type": null,
            })
        })
        .collect();
    let institution = json!({"name": def.name, "institution_id": def.id});
    s.item_add = Some(json!({
        "public_token": public.token,
        "accounts": accounts,
        "institution": institution,
    }));
    s.error = None;
    s.go(View::Connected, now);
    s.push_event("HANDOFF", now, &[]);
    s.finished_at_ms = Some(now);
    s.result = Some(json!({"on_success": {
        "public_token": public.token,
        "metadata": {
            "institution": institution,
            "accounts": accounts,
            "account": accounts.first(),
            "link_session_id": s.id,
            "transfer_status": null,
        },
    }}));
    if let Some(profile) = profile_of(state, token) {
        let mut profile = profile.clone();
        profile.item_id = Some(item.item_id.clone());
        profile.login_required = false;
        profile.updated_at_ms = now;
        changes.push(Record::PaymentProfile(Box::new(profile)));
    }
    changes.push(Record::Item(Box::new(item)));
    changes.push(Record::PublicToken(public));
    Ok(())
}

/// Sessions of a link token, oldest first, for `/link/token/get`.
pub fn sessions_of(state: &State, link_token: &str) -> Vec<Value> {
    let Some(ts) = state.owner_of(link_token) else {
        return Vec::new();
    };
    let mut sessions: Vec<&LinkSession> = ts
        .link_sessions
        .values()
        .filter(|s| s.link_token == link_token)
        .collect();
    sessions.sort_by_key(|s| s.started_at_ms);
    sessions.iter().map(|s| s.token_get_wire()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_mfa_passwords() {
        let m = Mfa::for_password("mfa_questions_2_3").expect("questions");
        assert_eq!((m.kind, m.rounds, m.per_round), (MfaKind::Questions, 2, 3));
        assert_eq!(m.expected(), vec!["answer_0_0", "answer_0_1", "answer_0_2"]);
        let m = Mfa::for_password("mfa_selections_1_2_3").expect("selections");
        assert_eq!(m.expected(), vec!["answer_1_1_0", "answer_1_2_0"]);
        assert_eq!(
            Mfa::for_password("mfa_device").map(|m| m.expected()),
            Some(vec!["1234".to_owned()])
        );
        assert_eq!(
            Mfa::for_password("mfa_selections").map(|m| m.expected()),
            Some(vec!["Yes".to_owned()])
        );
        assert!(Mfa::for_password("mfa_questions_0_1").is_none());
        assert!(Mfa::for_password("pass_good").is_none());
    }
}
