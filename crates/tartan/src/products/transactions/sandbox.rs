//! `/sandbox/transactions/create`: transactions a test adds to a `user_transactions_dynamic`
//! Item's depository account, with Plaid's limits and messages.

use tartan_types::wire::{
    Product, SandboxTransaction, SandboxTransactionsCreateRequest,
    SandboxTransactionsCreateResponse,
};
use tartan_types::{ErrorCode, PlaidError};

use crate::products::parse_date;
use crate::surface::Ctx;
use crate::world::bank::transactions::{Role, role};
use crate::world::clock;
use crate::world::transactions::dynamic::{self, CREATE_WINDOW_DAYS, MAX_CREATE, NewTxn};

/// Plaid's messages for the two rules (its API reference's examples).
const TOO_MANY: &str = "The request contains too many transactions.";
const BAD_DATES: &str = "Transaction and posted dates must be within the last 14 days. The posted date cannot be before the transaction date.";

pub fn create(
    ctx: &Ctx<'_>,
    req: SandboxTransactionsCreateRequest,
) -> Result<SandboxTransactionsCreateResponse, PlaidError> {
    if req.transactions.len() > MAX_CREATE {
        return Err(PlaidError::new(ErrorCode::INVALID_FIELD).with_message(TOO_MANY));
    }
    if req.transactions.is_empty() {
        return Err(PlaidError::invalid_field(
            "transactions",
            "must hold at least one transaction",
        ));
    }
    let (account, created) = ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        item.ensure_healthy()?;
        if !item.is_dynamic() {
            // Plaid documents the endpoint for this user only; its answer for others is not
            // published (README, "Transactions").
            return Err(PlaidError::invalid_field(
                "access_token",
                format!(
                    "must belong to an Item of {}: only its transactions can be created",
                    dynamic::USER
                ),
            ));
        }
        let account = item
            .accounts
            .iter()
            .map(|a| a.template)
            .find(|t| {
                matches!(
                    role(crate::world::bank::template(*t)),
                    Role::Checking | Role::Savings
                )
            })
            .ok_or_else(|| {
                PlaidError::invalid_field(
                    "access_token",
                    "names an Item that shares no checking or savings account to add transactions to",
                )
            })?;
        Ok::<_, PlaidError>((account, item.created_date()))
    })?;
    let today = clock::from_ms(ctx.now_ms()).date();
    let new = req
        .transactions
        .iter()
        .enumerate()
        .map(|(i, t)| new_txn(i, t, today, created))
        .collect::<Result<Vec<_>, _>>()?;
    // Adds Transactions first if the Item lacks it, as a refresh does.
    ctx.world.ensure_product(
        &ctx.client_id,
        &req.access_token,
        Product::Transactions,
        None,
    )?;
    ctx.world
        .create_transactions(&ctx.client_id, &req.access_token, account, new)?;
    Ok(SandboxTransactionsCreateResponse {})
}

/// One requested transaction, checked against Plaid's rules.
fn new_txn(
    i: usize,
    t: &SandboxTransaction,
    today: time::Date,
    created: time::Date,
) -> Result<NewTxn, PlaidError> {
    let field = |name: &str| format!("transactions[{i}].{name}");
    let transacted = parse_date(&t.date_transacted, &field("date_transacted"))?;
    let posted = parse_date(&t.date_posted, &field("date_posted"))?;
    let oldest = today - time::Duration::days(CREATE_WINDOW_DAYS);
    let within = |d: time::Date| (oldest..=today).contains(&d);
    if !within(transacted) || !within(posted) || posted < transacted {
        return Err(PlaidError::new(ErrorCode::INVALID_FIELD).with_message(BAD_DATES));
    }
    if !t.amount.is_finite() || t.amount.abs() >= 1e13 {
        return Err(PlaidError::invalid_field(
            &field("amount"),
            "must be a finite amount",
        ));
    }
    let description = t.description.trim();
    if description.is_empty() {
        return Err(PlaidError::invalid_field(
            &field("description"),
            "must not be empty",
        ));
    }
    let currency = match t.iso_currency_code.as_deref() {
        None | Some("") => None,
        Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(PlaidError::invalid_field(
                &field("iso_currency_code"),
                "must be an ISO 4217 code such as USD",
            ));
        }
    };
    let day = |d: time::Date| (d - created).whole_days();
    Ok(NewTxn {
        authorized_day: day(transacted),
        posted_day: day(posted),
        cents: (t.amount * 100.0).round() as i64,
        description: description.to_owned(),
        currency,
    })
}
