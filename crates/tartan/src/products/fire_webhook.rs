//! `/sandbox/item/fire_webhook`: sends one webhook of Plaid's list to the Item's URL.

use serde_json::{Value, json};
use tartan_types::wire::{Product, SandboxItemFireWebhookRequest, SandboxItemFireWebhookResponse};
use tartan_types::{ErrorCode, PlaidError};

use crate::surface::Ctx;
use crate::world::outbox;
use crate::world::{Item, clock};

/// For each code: the types it may be fired as (the first is the default) and, per type, the
/// product the Item needs.
fn allowed(code: &str) -> Option<&'static [(&'static str, Option<Product>)]> {
    use Product as P;
    Some(match code {
        "DEFAULT_UPDATE" => &[
            ("TRANSACTIONS", Some(P::Transactions)),
            ("AUTH", Some(P::Auth)),
            ("IDENTITY", Some(P::Identity)),
            ("INVESTMENTS_TRANSACTIONS", Some(P::Investments)),
            ("HOLDINGS", Some(P::Investments)),
            ("LIABILITIES", Some(P::Liabilities)),
        ],
        "NEW_ACCOUNTS_AVAILABLE"
        | "AUTHORIZATION_GRANTED"
        | "USER_PERMISSION_REVOKED"
        | "USER_ACCOUNT_REVOKED"
        | "PENDING_DISCONNECT"
        | "LOGIN_REPAIRED" => &[("ITEM", None)],
        "SMS_MICRODEPOSITS_VERIFICATION" => &[("AUTH", Some(P::Auth))],
        "RECURRING_TRANSACTIONS_UPDATE" | "SYNC_UPDATES_AVAILABLE" => {
            &[("TRANSACTIONS", Some(P::Transactions))]
        }
        "PRODUCT_READY" | "ERROR" => &[("ASSETS", Some(P::Assets))],
        _ => return None,
    })
}

const CODES: &str = "DEFAULT_UPDATE, NEW_ACCOUNTS_AVAILABLE, SMS_MICRODEPOSITS_VERIFICATION, \
    AUTHORIZATION_GRANTED, USER_PERMISSION_REVOKED, USER_ACCOUNT_REVOKED, PENDING_DISCONNECT, \
    RECURRING_TRANSACTIONS_UPDATE, LOGIN_REPAIRED, SYNC_UPDATES_AVAILABLE, PRODUCT_READY, ERROR";

/// The body Plaid sends for `type`/`code`, with the fields its schema requires.
fn payload(kind: &str, code: &str, item: &Item, now_ms: i64) -> Value {
    let first_account = item.accounts.first().map(|a| a.account_id.clone());
    let account_ids: Vec<_> = item.accounts.iter().map(|a| a.account_id.clone()).collect();
    let extra = match (kind, code) {
        ("TRANSACTIONS", "DEFAULT_UPDATE") => json!({"new_transactions": 0, "error": null}),
        ("AUTH", "DEFAULT_UPDATE") => json!({
            "account_ids_with_new_auth": [], "account_ids_with_updated_auth": {}, "error": null
        }),
        ("IDENTITY", "DEFAULT_UPDATE") => {
            json!({"account_ids_with_updated_identity": {}, "error": null})
        }
        ("INVESTMENTS_TRANSACTIONS", _) => json!({
            "new_investments_transactions": 0, "cancelled_investments_transactions": 0, "error": null
        }),
        ("HOLDINGS", _) => json!({"new_holdings": 0, "updated_holdings": 0, "error": null}),
        ("LIABILITIES", _) => json!({
            "account_ids_with_new_liabilities": [], "account_ids_with_updated_liabilities": {},
            "error": null
        }),
        (_, "SMS_MICRODEPOSITS_VERIFICATION") => {
            json!({"account_id": first_account, "status": "MANUALLY_VERIFIED"})
        }
        (_, "USER_PERMISSION_REVOKED") => json!({
            "error": outbox::error_value(&PlaidError::new(ErrorCode::USER_PERMISSION_REVOKED))
        }),
        (_, "USER_ACCOUNT_REVOKED") => json!({"account_id": first_account}),
        (_, "PENDING_DISCONNECT") => json!({
            "reason": "INSTITUTION_TOKEN_EXPIRATION",
            "disconnect_time": clock::wire(now_ms + 7 * clock::DAY_MS)
        }),
        (_, "RECURRING_TRANSACTIONS_UPDATE") => json!({"account_ids": account_ids}),
        (_, "SYNC_UPDATES_AVAILABLE") => {
            json!({"initial_update_complete": true, "historical_update_complete": true})
        }
        (_, "PRODUCT_READY") => json!({"asset_report_id": uuid::Uuid::new_v4().to_string()}),
        ("ASSETS", "ERROR") => json!({
            "asset_report_id": uuid::Uuid::new_v4().to_string(),
            "error": outbox::error_value(&PlaidError::new(ErrorCode::PRODUCT_NOT_READY))
        }),
        (_, "NEW_ACCOUNTS_AVAILABLE") => json!({"error": null}),
        _ => json!({}),
    };
    outbox::payload(kind, code, item, extra)
}

pub fn fire_webhook(
    ctx: &Ctx<'_>,
    req: SandboxItemFireWebhookRequest,
) -> Result<SandboxItemFireWebhookResponse, PlaidError> {
    let Some(kinds) = allowed(&req.webhook_code) else {
        return Err(PlaidError::invalid_field(
            "webhook_code",
            format!("must be one of {CODES}"),
        ));
    };
    let (kind, product) = match &req.webhook_type {
        None => kinds[0],
        Some(t) => *kinds.iter().find(|(k, _)| k == t).ok_or_else(|| {
            let names: Vec<_> = kinds.iter().map(|(k, _)| *k).collect();
            PlaidError::invalid_field(
                "webhook_type",
                format!(
                    "cannot be {t} for {}: use {}",
                    req.webhook_code,
                    names.join(" or ")
                ),
            )
        })?,
    };
    ctx.world
        .send_webhook(&ctx.client_id, &req.access_token, |item, now| {
            if let Some(product) = product
                && !item.products.contains(&product)
            {
                return Err(PlaidError::new(ErrorCode::SANDBOX_PRODUCT_NOT_ENABLED)
                    .with_message(format!("The {product} product is not enabled on this item")));
            }
            Ok(payload(kind, &req.webhook_code, item, now))
        })?;
    Ok(SandboxItemFireWebhookResponse {
        webhook_fired: true,
    })
}
