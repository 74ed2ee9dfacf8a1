//! `/link/token/create` and `/link/token/get`, and Link's callbacks as Plaid shows them
//! (onSuccess, onExit and the Link error object), rendered from the world's sessions for
//! `/link/token/get` here and for the control plane in `control/link_wire.rs`.

use axum::Router;
use serde_json::{Value, json};
use tartan_types::wire::{
    AccountFilters, LinkTokenCreateRequest, LinkTokenCreateResponse, LinkTokenGetRequest,
    LinkTokenGetResponse, LinkTokenMetadata, Product, SubtypeFilter,
};
use tartan_types::{ErrorCode, PlaidError};

use crate::surface::{AppState, Ctx, plaid, plaid_write};
use crate::world::clock::{self, HOUR_MS, MINUTE_MS};
use crate::world::ids::{self, TokenKind};
use crate::world::institutions;
use crate::world::items::LinkToken;
use crate::world::link::{LinkSession, LinkedAccount, SessionResult};
use crate::world::urls::validate_url;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/link/token/create", plaid_write(token_create))
        .route("/link/token/get", plaid(token_get))
}

/// A link token for a new Item lives 4 hours; one for update mode 30 minutes.
pub const LINK_TOKEN_LIFETIME_MS: i64 = 4 * HOUR_MS;
pub const UPDATE_MODE_LIFETIME_MS: i64 = 30 * MINUTE_MS;

const LANGUAGES: &[&str] = &[
    "da", "de", "en", "es", "et", "fr", "hi", "it", "ja", "lt", "lv", "nl", "no", "pl", "pt", "ro",
    "sv", "vi",
];

/// Products Link cannot be initialised with.
const NOT_LINK_PRODUCTS: &[Product] = &[Product::Balance, Product::RecurringTransactions];

/// Products allowed alongside an access_token (credit products re-consented in update mode).
const UPDATE_MODE_PRODUCTS: &[Product] = &[
    Product::Assets,
    Product::Statements,
    Product::IncomeVerification,
    Product::CraBaseReport,
    Product::CraIncomeInsights,
    Product::CraPartnerInsights,
    Product::CraNetworkInsights,
    Product::CraCashflowInsights,
];

const DEPOSITORY: &[&str] = &[
    "checking",
    "savings",
    "hsa",
    "cd",
    "money market",
    "paypal",
    "prepaid",
    "cash management",
    "ebt",
    "limited purpose checking",
    "all",
];
const CREDIT: &[&str] = &["credit card", "paypal", "all"];
const LOAN: &[&str] = &[
    "auto",
    "business",
    "commercial",
    "construction",
    "consumer",
    "home equity",
    "loan",
    "mortgage",
    "overdraft",
    "line of credit",
    "student",
    "other",
    "all",
];
const INVESTMENT: &[&str] = &[
    "529",
    "401a",
    "401k",
    "403B",
    "457b",
    "brokerage",
    "cash isa",
    "crypto exchange",
    "education savings account",
    "fhsa",
    "fixed annuity",
    "gic",
    "health reimbursement arrangement",
    "hsa",
    "ira",
    "isa",
    "keogh",
    "lif",
    "life insurance",
    "line of credit",
    "lira",
    "lrif",
    "lrsp",
    "mutual fund",
    "non-custodial wallet",
    "non-taxable brokerage account",
    "other",
    "other annuity",
    "other insurance",
    "pension",
    "prif",
    "profit sharing plan",
    "qshr",
    "rdsp",
    "resp",
    "retirement",
    "rlif",
    "roth",
    "roth 401k",
    "roth 403B",
    "roth 457b",
    "roth pension",
    "roth profit sharing plan",
    "roth thrift savings plan",
    "rrif",
    "rrsp",
    "sarsep",
    "sep ira",
    "simple ira",
    "sipp",
    "stock plan",
    "thrift savings plan",
    "tfsa",
    "trust",
    "ugma",
    "utma",
    "variable annuity",
    "all",
];
const OTHER: &[&str] = &["other", "all"];

fn check_filters(filters: &AccountFilters) -> Result<(), PlaidError> {
    let groups: [(&str, &Option<SubtypeFilter>, &[&str]); 5] = [
        ("depository", &filters.depository, DEPOSITORY),
        ("credit", &filters.credit, CREDIT),
        ("loan", &filters.loan, LOAN),
        ("investment", &filters.investment, INVESTMENT),
        ("other", &filters.other, OTHER),
    ];
    for (name, filter, allowed) in groups {
        let Some(filter) = filter else { continue };
        if filter.account_subtypes.is_empty() {
            return Err(PlaidError::invalid_field(
                &format!("account_filters.{name}.account_subtypes"),
                "must list at least one subtype",
            ));
        }
        if let Some(bad) = filter
            .account_subtypes
            .iter()
            .find(|s| !allowed.contains(&s.as_str()))
        {
            return Err(PlaidError::invalid_field(
                &format!("account_filters.{name}.account_subtypes"),
                format!("contains {bad:?}, which is not a {name} account subtype"),
            ));
        }
    }
    Ok(())
}

fn reject_non_link_products(field: &str, products: &[Product]) -> Result<(), PlaidError> {
    let bad: Vec<_> = products
        .iter()
        .filter(|p| NOT_LINK_PRODUCTS.contains(p))
        .map(|p| p.as_str())
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(
        PlaidError::new(ErrorCode::INVALID_PRODUCT).with_message(format!(
            "{field} contains products Link cannot be initialized with: [{}]. balance is available \
         with every Item and needs no Link product",
            bad.join(", ")
        )),
    )
}

pub fn token_create(
    ctx: &Ctx<'_>,
    req: LinkTokenCreateRequest,
) -> Result<LinkTokenCreateResponse, PlaidError> {
    if req.client_name.trim().is_empty() {
        return Err(PlaidError::invalid_field(
            "client_name",
            "must be a non-empty string",
        ));
    }
    if !LANGUAGES.contains(&req.language.as_str()) {
        return Err(PlaidError::invalid_field(
            "language",
            format!("must be one of {}", LANGUAGES.join(", ")),
        ));
    }
    if req.country_codes.is_empty() {
        return Err(PlaidError::invalid_field(
            "country_codes",
            "must contain at least one country code",
        ));
    }
    match (&req.user, &req.user_id) {
        (None, None) => return Err(PlaidError::missing_fields(&["user"])),
        (Some(user), _) if user.client_user_id.trim().is_empty() => {
            return Err(PlaidError::invalid_field(
                "user.client_user_id",
                "must be a non-empty string",
            ));
        }
        _ => {}
    }
    if let Some(url) = &req.webhook {
        ctx.world.webhook_policy.check("webhook", url)?;
    }
    if let Some(url) = &req.redirect_uri {
        validate_url("redirect_uri", url)?;
    }
    if let Some(uri) = &req.redirect_uri
        && (uri.contains('?') || uri.contains('#'))
    {
        return Err(PlaidError::invalid_field(
            "redirect_uri",
            "must not contain query parameters or a fragment",
        ));
    }
    if let Some(filters) = &req.account_filters {
        check_filters(filters)?;
    }

    let products = req.products.clone().unwrap_or_default();
    for (field, list) in [
        ("products", Some(&products)),
        (
            "required_if_supported_products",
            req.required_if_supported_products.as_ref(),
        ),
        ("optional_products", req.optional_products.as_ref()),
        (
            "additional_consented_products",
            req.additional_consented_products.as_ref(),
        ),
    ] {
        if let Some(list) = list {
            reject_non_link_products(field, list)?;
        }
    }
    if let Some(extra) = &req.additional_consented_products
        && let Some(both) = extra.iter().find(|p| products.contains(p))
    {
        return Err(PlaidError::invalid_field(
            "additional_consented_products",
            format!("must not repeat a product already in products ({both})"),
        ));
    }

    let payment_profile = match req
        .transfer
        .as_ref()
        .and_then(|t| t.payment_profile_token.as_ref())
    {
        Some(token) => {
            ctx.world.read(|s| {
                super::payment_profile::find(s, &ctx.client_id, token)
                    .map(|_| ())
                    .map_err(|_| {
                        PlaidError::invalid_field(
                            "transfer.payment_profile_token",
                            "names no payment profile",
                        )
                    })
            })?;
            true
        }
        None => false,
    };
    let update_item = match &req.access_token {
        Some(token) => {
            let item_id = ctx.world.read(|s| {
                s.item_for_token(&ctx.client_id, token)
                    .map(|i| i.item_id.clone())
            })?;
            if let Some(p) = products.iter().find(|p| !UPDATE_MODE_PRODUCTS.contains(p)) {
                return Err(PlaidError::invalid_field(
                    "products",
                    format!(
                        "must be empty in update mode (a link token with an access_token); got {p}"
                    ),
                ));
            }
            let selection = req
                .update
                .as_ref()
                .and_then(|u| u.account_selection_enabled)
                .unwrap_or(false);
            if req.account_filters.is_some() && !selection {
                return Err(PlaidError::invalid_field(
                    "account_filters",
                    "can only be set in update mode when update.account_selection_enabled is true",
                ));
            }
            Some(item_id)
        }
        None => None,
    };
    if update_item.is_none() && !payment_profile && products.is_empty() {
        return Err(match req.products {
            None => PlaidError::missing_fields(&["products"]),
            Some(_) => PlaidError::invalid_field(
                "products",
                "must contain at least one product unless access_token is set (update mode)",
            ),
        });
    }

    let now = ctx.now_ms();
    let lifetime = if update_item.is_some() || payment_profile {
        UPDATE_MODE_LIFETIME_MS
    } else {
        LINK_TOKEN_LIFETIME_MS
    };
    let token = LinkToken {
        token: ids::token(TokenKind::Link),
        client_id: ctx.client_id.clone(),
        created_at_ms: now,
        expires_at_ms: now + lifetime,
        item_id: update_item,
        request: req,
        used: false,
        locked: false,
    };
    let response = LinkTokenCreateResponse {
        link_token: token.token.clone(),
        expiration: clock::wire(token.expires_at_ms),
        user_id: token.request.user_id.clone(),
    };
    ctx.world.save_link_token(token)?;
    Ok(response)
}

pub fn token_get(
    ctx: &Ctx<'_>,
    req: LinkTokenGetRequest,
) -> Result<LinkTokenGetResponse, PlaidError> {
    ctx.world
        .read(|s| s.link_token(&ctx.client_id, &req.link_token).map(|_| ()))?;
    let sessions = ctx.world.sessions_of(&req.link_token);
    ctx.world.read(|s| {
        let token = s.link_token(&ctx.client_id, &req.link_token)?;
        let r = &token.request;
        Ok(LinkTokenGetResponse {
            link_token: token.token.clone(),
            created_at: Some(clock::wire(token.created_at_ms)),
            expiration: Some(clock::wire(token.expires_at_ms)),
            link_sessions: sessions.iter().map(token_get_session).collect(),
            metadata: LinkTokenMetadata {
                initial_products: r.products.clone().unwrap_or_default(),
                webhook: r.webhook.clone(),
                country_codes: r.country_codes.clone(),
                language: Some(r.language.clone()),
                institution_data: r.institution_data.clone(),
                account_filters: r.account_filters.clone(),
                redirect_uri: r.redirect_uri.clone(),
                client_name: Some(r.client_name.clone()),
            },
            user_id: r.user_id.clone(),
        })
    })
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

/// The accounts of onSuccess's metadata and of `item_add_results`.
fn linked_accounts(accounts: &[LinkedAccount]) -> Vec<Value> {
    accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "name": a.name, "mask": a.mask,
                "type": a.account_type, "subtype": a.subtype,
                "verification_status": null, "class_type": null,
            })
        })
        .collect()
}

/// `{"name", "institution_id"}` of a linked institution.
fn institution_ref(institution_id: &str) -> Value {
    json!({
        "name": institutions::find(institution_id).map(|d| d.name),
        "institution_id": institution_id,
    })
}

/// onSuccess's argument (`public_token` and `metadata`), once the session has succeeded.
pub fn on_success(s: &LinkSession) -> Option<Value> {
    let Some(SessionResult::Success {
        public_token,
        institution_id,
        accounts,
    }) = &s.result
    else {
        return None;
    };
    let accounts = linked_accounts(accounts);
    Some(json!({
        "public_token": public_token,
        "metadata": {
            "institution": institution_ref(institution_id),
            "accounts": accounts,
            "account": accounts.first(),
            "link_session_id": s.id,
            "transfer_status": null,
        },
    }))
}

/// onExit's argument (`error` and `metadata`), once the session has exited.
pub fn on_exit(s: &LinkSession) -> Option<Value> {
    let Some(SessionResult::Exit {
        status,
        error,
        request_id,
    }) = &s.result
    else {
        return None;
    };
    let institution = s
        .institution()
        .map_or(Value::Null, |i| institution_ref(i.id));
    Some(json!({
        "error": error.as_ref().map(|e| link_error(&e.to_error())),
        "metadata": {
            "institution": institution,
            "status": status.as_str(),
            "link_session_id": s.id,
            "request_id": request_id,
        },
    }))
}

/// The Item a session created or updated, with its accounts (`item_add_results`).
fn item_add(s: &LinkSession) -> Option<Value> {
    let Some(SessionResult::Success {
        public_token,
        institution_id,
        accounts,
    }) = &s.result
    else {
        return None;
    };
    Some(json!({
        "public_token": public_token,
        "accounts": linked_accounts(accounts),
        "institution": institution_ref(institution_id),
    }))
}

/// A session as `/link/token/get` reports it.
fn token_get_session(s: &LinkSession) -> Value {
    let on_exit = on_exit(s);
    let events: Vec<Value> = s
        .events
        .iter()
        .map(|e| {
            json!({"event_name": e.name, "timestamp": clock::wire(e.at_ms), "event_id": e.event_id, "event_metadata": e.meta})
        })
        .collect();
    json!({
        "link_session_id": s.id,
        "started_at": clock::wire(s.started_at_ms),
        "finished_at": s.finished_at_ms.map(clock::wire),
        "on_success": on_success(s),
        "on_exit": on_exit,
        "exit": on_exit,
        "events": events,
        "results": {
            "item_add_results": item_add(s).into_iter().collect::<Vec<_>>(),
            "cra_item_add_results": [],
            "cra_update_results": [],
            "bank_income_results": [],
            "payroll_income_results": [],
            "document_income_results": null,
        },
    })
}
