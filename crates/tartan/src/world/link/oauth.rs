//! OAuth in Link: the state of the bank's consent, the simulated bank's page (what it shows,
//! the user's decision) and the resume after the redirect back (`receivedRedirectUri`).

use serde::{Deserialize, Serialize};
use tartan_types::PlaidError;

use super::{InstitutionHealth, LinkSession, SessionView, Step, with_health};
use crate::world::{State, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OauthState {
    Pending,
    Granted,
    Denied,
}

/// The session Link resumes after the redirect back from the bank.
#[derive(Debug, Clone)]
pub struct Resumed {
    pub session: SessionView,
    /// How many of the session's events the page that sent the browser to the bank already
    /// reported: every event up to OPEN_OAUTH.
    pub events_before_redirect: usize,
}

/// What the simulated bank's page shows.
#[derive(Debug, Clone)]
pub struct OauthPage {
    pub institution: Option<InstitutionHealth>,
    pub client_name: Option<String>,
    pub state: Option<OauthState>,
}

/// The user's decision at the bank: where the browser goes back to, and the session after it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub redirect_to: Option<String>,
    pub session: SessionView,
}

impl World {
    /// Continues a session after the OAuth redirect (`receivedRedirectUri`).
    pub fn link_resume(
        &self,
        link_token: &str,
        received_redirect_uri: &str,
        request_id: &str,
    ) -> Result<Resumed, PlaidError> {
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
        let session = self.link_step(&id, link_token, None, request_id)?;
        // The page that sent the browser to the bank reported every event up to OPEN_OAUTH;
        // the page that resumes reports only those that came after.
        let events_before_redirect = session
            .session
            .events
            .iter()
            .rposition(|e| e.name == "OPEN_OAUTH")
            .map_or(0, |i| i + 1);
        Ok(Resumed {
            session,
            events_before_redirect,
        })
    }

    /// The simulated bank's page: what it shows.
    pub fn link_oauth_get(&self, state_id: &str) -> Result<OauthPage, PlaidError> {
        self.read(|state| {
            let s = oauth_session(state, state_id)?;
            let token = state
                .of(&s.client_id)
                .ok()
                .and_then(|ts| ts.link_tokens.get(&s.link_token));
            Ok(OauthPage {
                institution: s.institution().map(|d| with_health(state, &s.client_id, d)),
                client_name: token.map(|t| t.request.client_name.clone()),
                state: s.oauth,
            })
        })
    }

    /// The simulated bank's page: the user approves or denies.
    pub fn link_oauth_decide(
        &self,
        state_id: &str,
        grant: bool,
        request_id: &str,
    ) -> Result<Decision, PlaidError> {
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
        Ok(Decision {
            redirect_to,
            session,
        })
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
