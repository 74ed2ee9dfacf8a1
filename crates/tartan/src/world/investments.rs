//! Plaid's copy of an Item's investments: when its holdings were read, what a new read
//! changes, and `/investments/refresh`. The holdings themselves are the bank's
//! ([`bank::holdings`]).

use serde::{Deserialize, Serialize};
use tartan_types::wire::Product;
use tartan_types::{ErrorCode, PlaidError};

use super::bank::{self, transactions::Role};
use super::transactions::HISTORICAL_READY_MS;
use super::{Item, Record, World, events};

/// An asynchronous pull of an Item's investment transactions (`async_update: true` after the
/// product was added outside Link): ready on the tenant's clock, then HISTORICAL_UPDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestmentsPull {
    pub ready_ms: i64,
    #[serde(default)]
    pub announced: bool,
}

impl Item {
    /// Whether the account is an investment account (one with holdings).
    pub fn is_investment(&self, account: &super::items::AccountState) -> bool {
        bank::transactions::role(&self.template(account)) == Role::Investment
    }

    /// How many investment transactions the Item's investment accounts have.
    pub fn investment_transactions_count(&self) -> usize {
        if self.custom_accounts().is_some() {
            return 0;
        }
        self.accounts
            .iter()
            .filter(|a| self.is_investment(a))
            .map(|a| {
                bank::holdings::history(self.seed, &self.template(a), self.created_date()).len()
            })
            .sum()
    }

    /// When Plaid's copy of the Item's investment accounts was read (the oldest of them), when
    /// the Item has Investments and standard investment accounts.
    pub fn investments_as_of(&self) -> Option<i64> {
        if self.investments.is_none() || self.custom_accounts().is_some() {
            return None;
        }
        self.accounts
            .iter()
            .filter(|a| self.is_investment(a))
            .map(|a| a.cached_at_ms)
            .min()
    }

    /// How many of the Item's holdings are priced differently in a copy read at `to_ms` than
    /// in one read at `from_ms` (HOLDINGS: DEFAULT_UPDATE's `updated_holdings`).
    pub fn holdings_updated(&self, from_ms: i64, to_ms: i64) -> usize {
        let created = self.created_date();
        let date = |ms: i64| bank::transactions::date_of(created, self.days_at(ms));
        let (from, to) = (date(from_ms), date(to_ms));
        if from == to || self.custom_accounts().is_some() {
            return 0;
        }
        self.accounts
            .iter()
            .filter(|a| self.is_investment(a))
            .flat_map(|a| bank::holdings::holdings(self.seed, &self.template(a), created))
            .filter(|h| h.security.close(from) != h.security.close(to))
            .count()
    }
}

impl World {
    /// `/investments/transactions/get` with `async_update: true`: on an Item whose
    /// Investments was added after Link, the transactions are pulled in the background first
    /// (PRODUCT_NOT_READY until then; the first such call starts the pull). Items linked with
    /// Investments, and calls without `async_update`, have them at once.
    pub fn investments_ready(&self, client_id: &str, access_token: &str) -> Result<(), PlaidError> {
        let (now, pull, linked_with) = self.read(|s| {
            let item = s.item_for_token(client_id, access_token)?;
            Ok::<_, PlaidError>((
                s.now_ms(client_id),
                item.investments_pull,
                item.consented_products.contains(&Product::Investments),
            ))
        })?;
        let not_ready = || PlaidError::new(ErrorCode::PRODUCT_NOT_READY);
        match pull {
            _ if linked_with => Ok(()),
            Some(p) if now >= p.ready_ms => Ok(()),
            Some(_) => Err(not_ready()),
            None => {
                self.write(|state, changes| {
                    let mut item = state.item_for_token(client_id, access_token)?.clone();
                    let ready_ms = now + HISTORICAL_READY_MS;
                    item.investments_pull.get_or_insert(InvestmentsPull {
                        ready_ms,
                        announced: false,
                    });
                    changes.push(Record::Item(Box::new(item)));
                    Ok(())
                })?;
                Err(not_ready())
            }
        }
    }

    /// `/investments/refresh`: Plaid reads the bank now; HOLDINGS: DEFAULT_UPDATE follows
    /// when prices moved since the last read. A login error or an outage fails it as it
    /// fails any contact with the bank.
    pub fn refresh_investments(
        &self,
        client_id: &str,
        access_token: &str,
    ) -> Result<(), PlaidError> {
        self.through_bank(
            client_id,
            access_token,
            |state, changes, bank, item, now| {
                let held_from = item.investments_as_of();
                let before = item.txn_version(now);
                events::update_copy(state, changes, bank, item, now, before);
                if let Some(from) = held_from {
                    events::announce_holdings(state, changes, item, from, now);
                }
                Ok(())
            },
        )
    }
}
