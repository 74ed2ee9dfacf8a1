//! `/transactions/recurring/get`: the inflow and outflow streams found in Plaid's copy
//! (`world::transactions::recurring`).

use tartan_types::wire::{
    PersonalFinanceCategory, TransactionStream, TransactionStreamAmount,
    TransactionsRecurringGetRequest, TransactionsRecurringGetResponse,
};
use tartan_types::{ErrorCode, PlaidError};

use super::{AccountIds, named_accounts, pfc_version, pull_started, wire_date};
use crate::surface::Ctx;
use crate::world::bank::transactions::{date_of, from_cents};
use crate::world::transactions::{Shown, Stage};
use crate::world::{clock, ids};

pub fn recurring_get(
    ctx: &Ctx<'_>,
    req: TransactionsRecurringGetRequest,
) -> Result<TransactionsRecurringGetResponse, PlaidError> {
    let options = req.options.unwrap_or_default();
    let pfc_v1 = pfc_version(
        ctx,
        options.personal_finance_category_version.as_deref(),
        "options.personal_finance_category_version",
    )?;
    let now = ctx.now_ms();
    pull_started(ctx, &req.access_token, None)?;
    ctx.world.arm_recurring(&ctx.client_id, &req.access_token)?;
    ctx.world.read(|s| {
        let item = s.item_for_token(&ctx.client_id, &req.access_token)?;
        let version = item
            .txn_version(now)
            .filter(|v| v.stage == Stage::Historical)
            .ok_or_else(|| PlaidError::new(ErrorCode::PRODUCT_NOT_READY))?;
        let only = named_accounts(item, req.account_ids.as_deref())?;
        let account_ids = AccountIds::of(item);
        let created = item.created_date();
        let today = version.day;
        let currency = item.institution().currency();
        let (mut inflow, mut outflow) = (Vec::new(), Vec::new());
        for stream in item.streams(version, only.as_deref()) {
            let (list, merchant, account) = (&stream.txns, stream.merchant, stream.account);
            let Some(account_id) = account_ids.get(&list[0]) else {
                continue;
            };
            let days: Vec<i64> = list.iter().map(Shown::day).collect();
            let (first, last) = (days[0], days[days.len() - 1]);
            let next = last + stream.step;
            let status = if next + 5 < today {
                "TOMBSTONED"
            } else if list.len() >= 3 {
                "MATURE"
            } else {
                "EARLY_DETECTION"
            };
            let amounts: Vec<i64> = list.iter().map(|s| s.txn.cents).collect();
            let average = amounts.iter().sum::<i64>() as f64 / amounts.len() as f64 / 100.0;
            let last_cents = amounts[amounts.len() - 1];
            let amount = |a: f64| TransactionStreamAmount {
                amount: Some((a * 100.0).round() / 100.0),
                iso_currency_code: Some(currency.into()),
                unofficial_currency_code: None,
            };
            let (primary, detailed) = if pfc_v1 {
                (merchant.pfc.0, merchant.pfc.1)
            } else {
                merchant.pfc_v2()
            };
            let stream = TransactionStream {
                account_id: account_id.to_owned(),
                stream_id: ids::object_id_from(ids::stable_hash(
                    format!("{}|{account}|{}", item.item_id, stream.description).as_bytes(),
                )),
                category: Some(merchant.category.iter().map(|c| (*c).into()).collect()),
                category_id: Some(merchant.category_id.into()),
                description: stream.description.to_owned(),
                merchant_name: merchant.merchant_name.map(Into::into),
                first_date: wire_date(date_of(created, first)),
                last_date: wire_date(date_of(created, last)),
                predicted_next_date: (status != "TOMBSTONED")
                    .then(|| wire_date(date_of(created, next))),
                frequency: stream.frequency.into(),
                transaction_ids: list.iter().map(|s| s.id(item.seed)).collect(),
                average_amount: amount(average.abs()),
                last_amount: amount(from_cents(last_cents).abs()),
                is_active: status != "TOMBSTONED",
                status: status.into(),
                personal_finance_category: Some(PersonalFinanceCategory {
                    primary: primary.into(),
                    detailed: detailed.into(),
                    confidence_level: Some(merchant.pfc.2.into()),
                    version: Some(if pfc_v1 { "v1" } else { "v2" }.into()),
                }),
                is_user_modified: false,
                last_user_modified_datetime: None,
            };
            if last_cents < 0 {
                inflow.push(stream);
            } else {
                outflow.push(stream);
            }
        }
        let updated = item
            .transactions
            .as_ref()
            .and_then(|s| s.last_successful_update_ms)
            .unwrap_or(now);
        Ok(TransactionsRecurringGetResponse {
            inflow_streams: inflow,
            outflow_streams: outflow,
            updated_datetime: clock::wire(updated),
            personal_finance_category_version: Some(if pfc_v1 { "v1" } else { "v2" }.into()),
        })
    })
}
