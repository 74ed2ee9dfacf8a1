//! `/sandbox/item/fire_webhook`: sends one webhook of Plaid's list to the Item's URL.

use serde_json::{Value, json};
use tartan_types::wire::{Product, SandboxItemFireWebhookRequest, SandboxItemFireWebhookResponse};
use tartan_types::{ErrorCode, PlaidError, Webhook};

use crate::surface::Ctx;
use crate::world::outbox;
use crate::world::transactions::Stage;
use crate::world::{Item, clock};

/// What the endpoint can send, each with the product the Item needs for it. A code sent as
/// several types (DEFAULT_UPDATE) defaults to the first.
const FIREABLE: &[(Webhook, Option<Product>)] = {
    use Product as P;
    use Webhook as W;
    &[
        (W::TransactionsDefaultUpdate, Some(P::Transactions)),
        (W::AuthDefaultUpdate, Some(P::Auth)),
        (W::IdentityDefaultUpdate, Some(P::Identity)),
        (
            W::InvestmentsTransactionsDefaultUpdate,
            Some(P::Investments),
        ),
        (W::HoldingsDefaultUpdate, Some(P::Investments)),
        (W::LiabilitiesDefaultUpdate, Some(P::Liabilities)),
        (W::ItemNewAccountsAvailable, None),
        (W::AuthSmsMicrodepositsVerification, Some(P::Auth)),
        (W::ItemAuthorizationGranted, None),
        (W::ItemUserPermissionRevoked, None),
        (W::ItemUserAccountRevoked, None),
        (W::ItemPendingDisconnect, None),
        (W::TransactionsRecurringUpdate, Some(P::Transactions)),
        (W::ItemLoginRepaired, None),
        (W::TransactionsSyncUpdatesAvailable, Some(P::Transactions)),
        (W::AssetsProductReady, Some(P::Assets)),
        (W::AssetsError, Some(P::Assets)),
    ]
};

/// The codes the endpoint accepts, for the error message.
fn codes() -> String {
    let mut codes: Vec<&str> = Vec::new();
    for (w, _) in FIREABLE {
        if !codes.contains(&w.code()) {
            codes.push(w.code());
        }
    }
    codes.join(", ")
}

/// The body Plaid sends for the webhook, with the fields its schema requires.
fn payload(hook: Webhook, item: &Item, now_ms: i64) -> Value {
    let first_account = item.accounts.first().map(|a| item.account_id(a));
    let account_ids: Vec<_> = item.accounts.iter().map(|a| item.account_id(a)).collect();
    // The Item's real state of Plaid's transaction copy (Plaid documents no flag values for a
    // forced webhook).
    let version = item.txn_version(now_ms);
    let stage = version.map_or(Stage::NotReady, |v| v.stage);
    let extra = match (hook.webhook_type(), hook.code()) {
        ("TRANSACTIONS", "DEFAULT_UPDATE") => {
            // What the last update brought: the copy's transactions of its day.
            let new = version.map_or(0, |v| {
                item.copy_at(v, None)
                    .iter()
                    .filter(|s| s.day() == v.day)
                    .count()
            });
            json!({"new_transactions": new, "error": null})
        }
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
        (_, "SYNC_UPDATES_AVAILABLE") => json!({
            "initial_update_complete": stage >= Stage::Initial,
            "historical_update_complete": stage >= Stage::Historical,
        }),
        (_, "PRODUCT_READY") => json!({"asset_report_id": uuid::Uuid::new_v4().to_string()}),
        ("ASSETS", "ERROR") => json!({
            "asset_report_id": uuid::Uuid::new_v4().to_string(),
            "error": outbox::error_value(&PlaidError::new(ErrorCode::PRODUCT_NOT_READY))
        }),
        (_, "NEW_ACCOUNTS_AVAILABLE") => json!({"error": null}),
        _ => json!({}),
    };
    outbox::payload(hook, item, extra)
}

pub fn fire_webhook(
    ctx: &Ctx<'_>,
    req: SandboxItemFireWebhookRequest,
) -> Result<SandboxItemFireWebhookResponse, PlaidError> {
    let kinds: Vec<(Webhook, Option<Product>)> = FIREABLE
        .iter()
        .copied()
        .filter(|(w, _)| w.code() == req.webhook_code)
        .collect();
    let Some(&default) = kinds.first() else {
        return Err(PlaidError::invalid_field(
            "webhook_code",
            format!("must be one of {}", codes()),
        ));
    };
    let (hook, product) = match &req.webhook_type {
        None => default,
        Some(t) => *kinds
            .iter()
            .find(|(w, _)| w.webhook_type() == t)
            .ok_or_else(|| {
                let names: Vec<_> = kinds.iter().map(|(w, _)| w.webhook_type()).collect();
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
            Ok(payload(hook, item, now))
        })?;
    Ok(SandboxItemFireWebhookResponse {
        webhook_fired: true,
    })
}
