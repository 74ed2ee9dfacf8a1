//! The control plane's Link JSON: the session as Tartan's Link UI and headless tests see it
//! (docs/link.md), the institution search, and the simulated bank's page. The world returns
//! typed sessions (`world::link`); this file is where they become JSON.

use serde_json::{Value, json};

use crate::products::link::{link_error, on_exit, on_success};
use crate::world::link::{
    Decision, InstitutionHealth, Mfa, OauthPage, Resumed, SearchResult, SessionView, View,
};

/// The institution as Link's panes show it.
pub fn institution((def, health): &InstitutionHealth) -> Value {
    json!({
        "institution_id": def.id,
        "name": def.name,
        "logo": (!def.logo.is_empty()).then_some(def.logo),
        "primary_color": (!def.primary_color.is_empty()).then_some(def.primary_color),
        "url": (!def.url.is_empty()).then_some(def.url),
        "oauth": def.oauth,
        "status": health.as_str(),
    })
}

fn mfa(m: &Mfa) -> Value {
    let questions: Vec<Value> = m
        .questions()
        .into_iter()
        .map(|q| json!({"text": q.text, "options": q.options}))
        .collect();
    json!({
        "type": m.kind,
        "round": m.round + 1,
        "rounds": m.rounds,
        "questions": questions,
    })
}

/// The session as the UI and the control plane see it.
pub fn session(v: &SessionView) -> Value {
    let s = &v.session;
    let accounts = (s.view == View::SelectAccount).then(|| {
        s.offered
            .iter()
            .map(|o| {
                let t = s.template(o.template);
                json!({
                    "id": o.id, "name": t.name, "mask": t.mask,
                    "type": t.account_type.as_str(), "subtype": t.subtype,
                    "selected": o.selected, "new": o.new,
                })
            })
            .collect::<Vec<_>>()
    });
    let oauth = s.oauth_state_id.as_ref().map(|id| {
        json!({
            "oauth_state_id": id,
            "authorize_url": format!("/tartan/link/oauth?oauth_state_id={id}"),
            "redirect_uri": v.token.request.redirect_uri,
            "state": s.oauth,
        })
    });
    let result = on_success(s)
        .map(|r| json!({ "on_success": r }))
        .or_else(|| on_exit(s).map(|r| json!({ "on_exit": r })));
    json!({
        "link_session_id": s.id,
        "status": s.status(),
        "view": s.view,
        "is_update_mode": s.is_update_mode(),
        "client_name": v.token.request.client_name,
        "products": v.products,
        "institution": v.institution.as_ref().map(institution),
        "mfa": (s.view == View::Mfa).then(|| s.mfa.as_ref().map(mfa)).flatten(),
        "oauth": oauth,
        "accounts": accounts,
        "account_select": v.account_select,
        "error": s.error.as_ref().map(|e| link_error(&e.to_error())),
        "events": s.events.iter().map(|e| json!({"event_name": e.name, "metadata": e.meta})).collect::<Vec<_>>(),
        "result": result,
    })
}

/// The session after the OAuth redirect, with how many of its events were already reported.
pub fn resumed(r: &Resumed) -> Value {
    let mut v = session(&r.session);
    v["events_before_redirect"] = r.events_before_redirect.into();
    v
}

/// The institutions a search found, and the session after it.
pub fn search(r: &SearchResult) -> Value {
    let found: Vec<Value> = r.institutions.iter().map(institution).collect();
    json!({"institutions": found, "session": session(&r.session)})
}

/// The simulated bank's page.
pub fn oauth_page(p: &OauthPage) -> Value {
    json!({
        "institution": p.institution.as_ref().map(institution),
        "client_name": p.client_name,
        "state": p.state,
    })
}

/// The user's decision at the bank.
pub fn decision(d: &Decision) -> Value {
    json!({"redirect_to": d.redirect_to, "session": session(&d.session)})
}
