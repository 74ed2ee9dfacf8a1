//! The steps of a Link session: `run_step` checks a step fits the pane and runs it; the
//! per-step functions pick the institution, check credentials, offer accounts once the bank
//! lets the user in, and finish with an Item and a public token (or exit).

use serde_json::Value;
use tartan_types::wire::{AccountFilters, Product};
use tartan_types::{ErrorCode, PlaidError};

use super::{
    ExitStatus, LinkSession, LinkedAccount, MAX_FAILED_LOGINS, Mfa, MfaKind, OauthState, Offered,
    SessionResult, Step, View, account_select, consent_products, customization_name,
    institution_health, item_of, offers,
};
use crate::world::bank::custom::{CustomAccount, CustomUser};
use crate::world::bank::{self, AccountTemplate};
use crate::world::events;
use crate::world::ids::{self, TokenKind};
use crate::world::institutions::{self, Health};
use crate::world::items::{self, AccountState, LinkToken, NewItem, PublicToken};
use crate::world::tenants::AccountSelect;
use crate::world::transfer::profile_of;
use crate::world::{Record, State};

impl LinkSession {
    /// The onExit status for the view the user leaves.
    fn exit_status(&self) -> ExitStatus {
        match self.view {
            View::Mfa => match self.mfa.as_ref().map(|m| m.kind) {
                Some(MfaKind::Questions) => ExitStatus::RequiresQuestions,
                Some(MfaKind::Selections) => ExitStatus::RequiresSelections,
                _ => ExitStatus::RequiresCode,
            },
            View::Oauth => ExitStatus::RequiresOauth,
            // Plaid: the user "discovered" that the institution chosen is not supported.
            View::Error if self.institution().is_some_and(|i| !i.supported) => {
                ExitStatus::InstitutionNotSupported
            }
            // The user denied at the bank (or the bank refused): the OAuth step is unfinished.
            View::Error if self.oauth == Some(OauthState::Denied) => ExitStatus::RequiresOauth,
            View::SelectAccount => ExitStatus::RequiresAccountSelection,
            View::SelectInstitution if self.has_event("SEARCH_INSTITUTION") => {
                ExitStatus::InstitutionNotFound
            }
            _ => ExitStatus::RequiresCredentials,
        }
    }

    fn finish_exit(&mut self, now: i64) {
        let status = self.exit_status();
        let mut extra = vec![("exit_status", Value::from(status.as_str()))];
        if let Some(e) = &self.error {
            let pe = e.to_error();
            extra.push(("error_type", pe.code.error_type().as_str().into()));
            extra.push(("error_code", pe.code.as_str().into()));
            extra.push(("error_message", pe.message.to_string().into()));
        }
        self.push_event("EXIT", now, &extra);
        self.view = View::Exit;
        self.finished_at_ms = Some(now);
        self.result = Some(SessionResult::Exit {
            status,
            error: self.error.clone(),
            request_id: self.last_request_id.clone(),
        });
    }
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

pub(super) fn run_step(
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
            match institution_health(state, &s.client_id, def) {
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
    let custom = match items::check_credentials(username, password) {
        Ok(custom) => custom,
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
    };
    s.username = Some(username.to_owned());
    let mfa = match custom.as_ref().and_then(|c| c.mfa.as_ref()) {
        Some(m) => Some(Mfa::for_custom(m)),
        None => Mfa::for_password(password).filter(|_| username == "user_good"),
    };
    s.custom = custom.map(Box::new);
    if let Some(mfa) = mfa {
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
            // Update mode: the Item's own accounts, whatever configuration was typed.
            s.custom = item.custom.clone();
            let mut offered: Vec<Offered> = item
                .accounts
                .iter()
                .map(|a| Offered {
                    id: item.account_id(a),
                    template: a.template,
                    selected: true,
                    new: false,
                })
                .collect();
            offered.extend(item.new_accounts.iter().map(|a| Offered {
                id: item.account_id(a),
                template: a.template,
                selected: false,
                new: true,
            }));
            offered.retain(|o| passes_filters(filters, &item.template_at(o.template)));
            offered
        }
        None => {
            let products = token.request.products.as_deref().unwrap_or_default();
            // The ids the Item will have, when it is the tenant's next.
            let seed = items::next_item_seed(state.tenant(&s.client_id)?);
            let templates: Vec<AccountTemplate<'_>> =
                match s.custom.as_deref().and_then(CustomUser::accounts) {
                    Some(accounts) => accounts.iter().map(CustomAccount::template).collect(),
                    None => bank::USER_GOOD.to_vec(),
                };
            let mut offered: Vec<Offered> = templates
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
                    let id = item.account_id(&a);
                    let chosen = s.offered.iter().any(|o| o.id == id && o.selected);
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
                custom: s.custom.as_deref().cloned(),
                days_requested: token
                    .request
                    .transactions
                    .as_ref()
                    .and_then(|t| t.get("days_requested"))
                    .and_then(serde_json::Value::as_u64)
                    .map(|d| d.clamp(1, 730) as u16),
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
    let accounts: Vec<LinkedAccount> = item
        .accounts
        .iter()
        .map(|a| {
            let t = item.template(a);
            LinkedAccount {
                id: item.account_id(a),
                name: t.name.to_owned(),
                mask: t.mask.to_owned(),
                account_type: t.account_type.as_str().to_owned(),
                subtype: t.subtype.to_owned(),
            }
        })
        .collect();
    s.error = None;
    s.go(View::Connected, now);
    s.push_event("HANDOFF", now, &[]);
    s.finished_at_ms = Some(now);
    s.result = Some(SessionResult::Success {
        public_token: public.token.clone(),
        institution_id: def.id.to_owned(),
        accounts,
    });
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
