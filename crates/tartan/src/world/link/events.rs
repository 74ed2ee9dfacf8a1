//! The Link events a session records (OPEN, TRANSITION_VIEW, ERROR, ...), with the metadata
//! Plaid sends with each, for onEvent and `/link/token/get`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tartan_types::PlaidError;

use super::{LinkSession, SessionError, View};
use crate::world::clock;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    pub event_id: String,
    pub name: String,
    pub at_ms: i64,
    pub meta: Map<String, Value>,
}

impl LinkSession {
    pub(super) fn push_event(&mut self, name: &str, now: i64, extra: &[(&str, Value)]) {
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

    pub(super) fn go(&mut self, view: View, now: i64) {
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
    pub(super) fn loading(&mut self, now: i64) {
        self.push_event("TRANSITION_VIEW", now, &[("view_name", "LOADING".into())]);
    }

    pub(super) fn fail(&mut self, e: &PlaidError, now: i64, fatal: bool) {
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

    pub(super) fn has_event(&self, name: &str) -> bool {
        self.events.iter().any(|e| e.name == name)
    }
}
