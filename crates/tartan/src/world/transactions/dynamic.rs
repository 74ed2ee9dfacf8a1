//! `user_transactions_dynamic`, and the transactions Tartan stores for an Item.
//!
//! The dynamic user's bank does not move with the days: it starts with 50 transactions
//! (recurring bills and pay over three months, recent purchases, a few still pending), and
//! each `/transactions/refresh` makes new pending purchases, posts every earlier pending one
//! and adds $1.00 to one earlier transaction (Plaid's documented Sandbox behaviour). All of it
//! is a function of the Item's seed and of its refreshes, of which only the time is stored.
//! Transactions made through `/sandbox/transactions/create` are stored whole: nothing else
//! could make them.

use serde::{Deserialize, Serialize};
use tartan_types::{ErrorCode, PlaidError};

use super::{Shown, TxnCopy};
use crate::world::Item;
use crate::world::bank::merchants::{self as mm, Merchant};
use crate::world::bank::transactions::{self as bank_txns, BankTxn, Origin};
use crate::world::ids::splitmix;

/// The Sandbox username whose transactions change on refresh.
pub const USER: &str = "user_transactions_dynamic";
/// Transactions the dynamic user starts with.
pub const BASE_COUNT: usize = 50;
/// The accounts the dynamic user's activity is on (template indices: checking, credit card).
const CHECKING: usize = 0;
const CARD: usize = 3;
/// Of the base history, at least this many are pending at linking.
const MIN_PENDING: usize = 3;
/// The base history reaches back this many days (three monthly occurrences of each bill).
const BASE_DAYS: i64 = 89;
/// Most transactions one `/sandbox/transactions/create` takes (Plaid's limit).
pub const MAX_CREATE: usize = 10;
/// How far back a created transaction's dates may be (Plaid's limit).
pub const CREATE_WINDOW_DAYS: i64 = 14;

/// A `/transactions/refresh` of the dynamic user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refresh {
    /// [`TxnCopy::mutations`] once the refresh was in.
    pub at: u32,
    pub at_ms: i64,
    /// The bank day it ran on.
    pub day: i64,
}

/// A transaction made through `/sandbox/transactions/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTxn {
    /// [`TxnCopy::mutations`] once it was in.
    pub at: u32,
    pub at_ms: i64,
    /// The account's template index.
    pub account: usize,
    pub authorized_day: i64,
    pub posted_day: i64,
    pub cents: i64,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A transaction to store, as `/sandbox/transactions/create` names it (days from the Item's
/// creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTxn {
    pub authorized_day: i64,
    pub posted_day: i64,
    pub cents: i64,
    pub description: String,
    pub currency: Option<String>,
}

/// Most transactions an Item stores (each is kept in the Item's row).
pub const MAX_STORED: usize = 2_000;

impl Item {
    /// Keeps transactions the bank now has on `account`: one new version of the copy.
    pub fn store_transactions(
        &mut self,
        account: usize,
        new: Vec<NewTxn>,
        now_ms: i64,
    ) -> Result<(), PlaidError> {
        let Some(copy) = self.txns.as_mut() else {
            return Err(PlaidError::new(ErrorCode::PRODUCT_NOT_READY));
        };
        if copy.stored.len() + new.len() > MAX_STORED {
            return Err(PlaidError::invalid_field(
                "transactions",
                format!(
                    "an Item keeps at most {MAX_STORED} created transactions; this one has {}",
                    copy.stored.len()
                ),
            ));
        }
        copy.mutations = copy.mutations.saturating_add(1);
        let at = copy.mutations;
        copy.stored.extend(new.into_iter().map(|t| StoredTxn {
            at,
            at_ms: now_ms,
            account,
            authorized_day: t.authorized_day,
            posted_day: t.posted_day,
            cents: t.cents,
            description: t.description,
            currency: t.currency,
        }));
        Ok(())
    }

    /// Whether the Item's transactions change on refresh (`user_transactions_dynamic`).
    pub fn is_dynamic(&self) -> bool {
        self.username == USER
    }

    /// A `/transactions/refresh` reached the bank: the dynamic user's bank makes its changes
    /// (nothing for other users).
    pub fn refreshed_dynamic(&mut self, now_ms: i64) {
        let day = self.days_at(now_ms);
        if !self.is_dynamic() {
            return;
        }
        // Refreshes are numbered in 16 bits; Plaid allows two a minute.
        if self
            .txns
            .as_ref()
            .is_some_and(|c| c.refreshes.len() >= usize::from(u16::MAX))
        {
            return;
        }
        if let Some(copy) = self.txns.as_mut() {
            copy.mutations = copy.mutations.saturating_add(1);
            copy.refreshes.push(Refresh {
                at: copy.mutations,
                at_ms: now_ms,
                day,
            });
        }
    }

    /// The statement text of a transaction: the stored or configured description, or the
    /// bank's.
    pub fn description<'a>(&'a self, s: &Shown) -> &'a str {
        match s.txn.origin {
            Origin::Stored(i) => self
                .txns
                .as_ref()
                .and_then(|c| c.stored.get(usize::from(i)))
                .map_or(s.txn.merchant.description, |t| t.description.as_str()),
            Origin::Custom(i) => self
                .custom
                .as_ref()
                .and_then(|c| c.transaction(usize::from(i)))
                .map_or(s.txn.merchant.description, |t| t.description.as_str()),
            _ => s.txn.merchant.description,
        }
    }

    /// The currency of a transaction: a stored or configured one's own, else its account's.
    pub fn currency_of(&self, s: &Shown) -> std::borrow::Cow<'static, str> {
        let own = match s.txn.origin {
            Origin::Stored(i) => self
                .txns
                .as_ref()
                .and_then(|c| c.stored.get(usize::from(i)))
                .and_then(|t| t.currency.as_deref()),
            Origin::Custom(i) => self
                .custom
                .as_ref()
                .and_then(|c| c.transaction(usize::from(i)))
                .and_then(|t| t.currency.as_deref()),
            _ => None,
        };
        own.map_or_else(|| self.currency(s.txn.account), |c| c.to_owned().into())
    }
}

/// The dynamic user's 50 transactions as the bank made them: the bills, pay and
/// subscriptions of the last three months on checking and the card, and the newest
/// purchases. Pending ones are those the generator has posting after day 0.
fn base(item_seed: u64, created: time::Date) -> Vec<BankTxn> {
    let mut txns = Vec::new();
    let mut purchases = Vec::new();
    for account in [CHECKING, CARD] {
        for t in bank_txns::between(item_seed, account, created, -BASE_DAYS..1) {
            if recurring_bill(t.merchant) {
                txns.push(t);
            } else if t.posted_day.is_some() {
                purchases.push(t);
            }
        }
    }
    purchases.sort_by_key(|t| std::cmp::Reverse((t.authorized_day, t.account, t.slot)));
    let room = BASE_COUNT.saturating_sub(txns.len());
    txns.extend(purchases.into_iter().take(room));
    txns.truncate(BASE_COUNT);
    // Plaid's dynamic user starts with pending transactions: the newest purchases are still
    // pending on the day of linking, whatever the generator's lag.
    let mut newest: Vec<&mut BankTxn> = txns
        .iter_mut()
        .filter(|t| !recurring_bill(t.merchant))
        .collect();
    newest.sort_by_key(|t| std::cmp::Reverse((t.authorized_day, t.account, t.slot)));
    let mut pending = newest
        .iter()
        .filter(|t| t.posted_day.is_none_or(|p| p > 0))
        .count();
    for t in newest {
        if pending >= MIN_PENDING {
            break;
        }
        if t.posted_day.is_some_and(|p| p <= 0) {
            t.posted_day = Some(1);
            t.pends = true;
            pending += 1;
        }
    }
    txns.sort_by_key(|t| (t.authorized_day, t.account, t.slot));
    txns
}

fn recurring_bill(m: &Merchant) -> bool {
    [
        &mm::PAYROLL_DEPOSIT,
        &mm::MORTGAGE_PAYMENT,
        &mm::COMCAST,
        &mm::NETFLIX,
        &mm::SPOTIFY,
    ]
    .iter()
    .any(|b| std::ptr::eq(*b, m))
}

/// The purchases refresh `n` (from 1) makes on `day`: one to three, pending.
fn refresh_purchases(item_seed: u64, n: u16, day: i64) -> Vec<BankTxn> {
    // (merchant, account, least and most cents)
    const SHOPS: [(&Merchant, usize, i64, i64); 6] = [
        (&mm::STARBUCKS, CARD, 325, 750),
        (&mm::CHIPOTLE, CARD, 1100, 2400),
        (&mm::AMAZON, CARD, 1200, 15000),
        (&mm::UBER, CARD, 900, 3800),
        (&mm::WHOLE_FOODS, CHECKING, 2500, 14000),
        (&mm::SHELL, CHECKING, 3000, 6500),
    ];
    let seed = splitmix(item_seed ^ splitmix(0xD7_0000 | u64::from(n)));
    let count = 1 + (seed % 3) as u8;
    (0..count)
        .map(|k| {
            let x = splitmix(seed ^ u64::from(k + 1));
            let (merchant, account, lo, hi) = SHOPS[(x % SHOPS.len() as u64) as usize];
            let cents = lo + ((x >> 16) % (hi - lo) as u64) as i64;
            BankTxn {
                account,
                authorized_day: day,
                posted_day: None,
                slot: k,
                pending_cents: cents,
                cents,
                merchant,
                pends: true,
                origin: Origin::Refresh { n, k },
            }
        })
        .collect()
}

/// What the copy holds besides the bank's function: the stored transactions in by `at`.
pub(super) fn stored(copy: &TxnCopy, at: u32) -> impl Iterator<Item = Shown> + '_ {
    copy.stored
        .iter()
        .enumerate()
        .take_while(move |(_, t)| t.at <= at)
        .map(|(i, t)| Shown {
            txn: BankTxn {
                account: t.account,
                authorized_day: t.authorized_day,
                posted_day: Some(t.posted_day),
                slot: 0,
                pending_cents: t.cents,
                cents: t.cents,
                merchant: mm::recognize(&t.description),
                pends: false,
                origin: Origin::Stored(i.min(usize::from(u16::MAX)) as u16),
            },
            pending: false,
            enriched: true,
        })
}

/// The dynamic user's transactions once the refreshes in by `at` have run: what each one
/// made, posted by the next, and the $1.00 corrections.
pub(super) fn shown(item: &Item, at: u32) -> Vec<Shown> {
    let Some(copy) = &item.txns else {
        return Vec::new();
    };
    let refreshes: Vec<&Refresh> = copy.refreshes.iter().take_while(|r| r.at <= at).collect();
    let mut out: Vec<Shown> = Vec::new();
    let posted_at = |n: usize| refreshes.get(n).map(|r| r.day);
    // Those posted at linking, by their place in `out`.
    let mut settled: Vec<usize> = Vec::new();
    for t in base(item.seed, item.created_date()) {
        match t.posted_day {
            Some(p) if p <= 0 => {
                settled.push(out.len());
                out.push(Shown::posted(t));
            }
            _ => match posted_at(0) {
                Some(day) => out.push(Shown::posted(BankTxn {
                    posted_day: Some(day),
                    ..t
                })),
                None => out.push(Shown::pending(t)),
            },
        }
    }
    // $1.00 more, per refresh, on one of the transactions already posted at linking (so it
    // is a change to something the client has seen posted).
    for n in 1..=refreshes.len() {
        if settled.is_empty() {
            break;
        }
        let pick = splitmix(item.seed ^ splitmix(0xB0_0000 | n as u64)) % settled.len() as u64;
        if let Some(s) = out.get_mut(settled[pick as usize]) {
            s.txn.cents += 100;
        }
    }
    for (i, r) in refreshes.iter().enumerate() {
        let n = (i + 1).min(usize::from(u16::MAX)) as u16;
        for t in refresh_purchases(item.seed, n, r.day) {
            match posted_at(i + 1) {
                Some(day) => out.push(Shown::posted(BankTxn {
                    posted_day: Some(day),
                    ..t
                })),
                None => out.push(Shown::pending(t)),
            }
        }
    }
    out
}

/// How the dynamic user's account balance has moved since the Item was linked, as of
/// `at_ms`: (posted, pending beyond what was pending at linking), in cents of the account's
/// sign (positive when money left).
pub fn moved(item: &Item, account: usize, at_ms: i64) -> (i64, i64) {
    let Some(copy) = &item.txns else {
        return (0, 0);
    };
    let at = copy
        .refreshes
        .iter()
        .filter(|r| r.at_ms <= at_ms)
        .map(|r| r.at)
        .chain(
            copy.stored
                .iter()
                .filter(|t| t.at_ms <= at_ms)
                .map(|t| t.at),
        )
        .max()
        .unwrap_or(0);
    let dynamic = item.is_dynamic();
    let mut shown = if dynamic {
        self::shown(item, at)
    } else {
        Vec::new()
    };
    shown.extend(stored(copy, at));
    // What the opening balances already hold: the base history's posted and pending.
    let (mut posted, mut pending) = (0, 0);
    if dynamic {
        for t in base(item.seed, item.created_date())
            .iter()
            .filter(|t| t.account == account)
        {
            match t.posted_day {
                Some(p) if p <= 0 => posted -= t.cents,
                _ => pending -= t.pending_cents,
            }
        }
    }
    for s in shown.iter().filter(|s| s.txn.account == account) {
        if s.pending {
            pending += s.txn.pending_cents;
        } else {
            posted += s.txn.cents;
        }
    }
    (posted, pending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_dynamic_user_starts_with_fifty_some_of_them_pending() {
        for seed in 0..300u64 {
            let txns = base(seed, date!(2027 - 03 - 10));
            assert_eq!(txns.len(), BASE_COUNT, "seed {seed}");
            let pending = txns
                .iter()
                .filter(|t| t.posted_day.is_none_or(|p| p > 0))
                .count();
            assert!(pending >= MIN_PENDING, "seed {seed}: {pending} pending");
            assert!(
                txns.iter()
                    .all(|t| t.pends || t.posted_day == Some(t.authorized_day))
            );
        }
    }
}
