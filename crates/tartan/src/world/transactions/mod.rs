//! Plaid's copy of an Item's transactions: the bank's transactions ([`bank::transactions`])
//! as of the Item's last successful update, within the history Plaid has pulled so far.
//!
//! Nothing here is stored but the few facts of [`TxnCopy`]: which history was asked for and
//! when its two stages are ready. A *version* of the copy (the stage and the bank day of the
//! last update) is what a sync cursor remembers; the changes between two versions are computed
//! by reading the bank at both.

use serde::{Deserialize, Serialize};

use tartan_types::PlaidError;
use tartan_types::wire::Product;

use super::bank::custom::CustomAccount;
use super::bank::transactions::{self as bank_txns, BankTxn, MAX_PENDING_DAYS, Origin};
use super::clock::SECOND_MS;
use super::ids;
use super::{Item, Record, World, events};

pub mod dynamic;
pub mod recurring;
pub use dynamic::{Refresh, StoredTxn};

/// Plaid's published timing: the last 30 days within about 10 s of linking, the whole
/// history within about a minute (https://plaid.com/docs/transactions/webhooks/).
pub const INITIAL_READY_MS: i64 = 10 * SECOND_MS;
pub const HISTORICAL_READY_MS: i64 = 60 * SECOND_MS;
/// `days_requested` when none is given, as Plaid.
pub const DEFAULT_DAYS: u16 = 90;
/// The first pull covers this many days.
const INITIAL_DAYS: i64 = 30;
/// A few purchases post under the raw statement text and are recognized (merchant,
/// counterparty, logo) this many days later: Plaid's copy modifies them then.
const ENRICH_DAYS: i64 = 2;
/// How far back from an update a transaction can still change: pending that posts or
/// vanishes, then a late recognition.
const REACH_DAYS: i64 = MAX_PENDING_DAYS + ENRICH_DAYS;

/// What Tartan keeps about an Item's Transactions besides the bank's function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxnCopy {
    /// When Transactions was initialized (the first pull started).
    pub since_ms: i64,
    /// When the last 30 days are in the copy (INITIAL_UPDATE).
    pub initial_ms: i64,
    /// When the whole requested history is (HISTORICAL_UPDATE).
    pub historical_ms: i64,
    /// Days of history asked for (`days_requested`).
    pub days: u16,
    /// `/transactions/sync` was called: SYNC_UPDATES_AVAILABLE is armed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub armed: bool,
    /// Readiness webhooks sent: 1 after INITIAL_UPDATE, 2 after HISTORICAL_UPDATE.
    #[serde(default)]
    pub announced: u8,
    /// Changes to the copy that are not the bank's new days (the `transactions_changed`
    /// trigger): each one is a new version, so pagination across it fails.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mutations: u32,
    /// `/transactions/recurring/get` was called: RECURRING_TRANSACTIONS_UPDATE is armed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recurring_armed: bool,
    /// `user_transactions_dynamic`'s refreshes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refreshes: Vec<Refresh>,
    /// Transactions made through `/sandbox/transactions/create`, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored: Vec<StoredTxn>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl TxnCopy {
    pub fn new(now: i64, days: u16, initial_after_ms: i64, historical_after_ms: i64) -> Self {
        Self {
            since_ms: now,
            initial_ms: now + initial_after_ms,
            historical_ms: now + historical_after_ms.max(initial_after_ms),
            days: days.clamp(1, 730),
            armed: false,
            announced: 0,
            mutations: 0,
            recurring_armed: false,
            refreshes: Vec::new(),
            stored: Vec::new(),
        }
    }

    /// The stage of the pull at `now`.
    pub fn stage(&self, now: i64) -> Stage {
        if now >= self.historical_ms {
            Stage::Historical
        } else if now >= self.initial_ms {
            Stage::Initial
        } else {
            Stage::NotReady
        }
    }

    /// When the next readiness webhook is due, if one is.
    pub fn next_announcement(&self) -> Option<i64> {
        match self.announced {
            0 => Some(self.initial_ms),
            1 => Some(self.historical_ms),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    NotReady = 0,
    Initial = 1,
    Historical = 2,
}

impl Stage {
    /// `transactions_update_status`.
    pub fn update_status(self) -> &'static str {
        match self {
            Self::NotReady => "NOT_READY",
            Self::Initial => "INITIAL_UPDATE_COMPLETE",
            Self::Historical => "HISTORICAL_UPDATE_COMPLETE",
        }
    }

    fn from_u8(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::NotReady),
            1 => Some(Self::Initial),
            2 => Some(Self::Historical),
            _ => None,
        }
    }
}

/// A state of Plaid's copy: what a client that synced up to it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub stage: Stage,
    /// The bank day (days since the Item's creation) of the update the copy reflects.
    pub day: i64,
    /// [`TxnCopy::mutations`] at the time.
    pub mutations: u32,
}

impl Version {
    pub const EMPTY: Version = Version {
        stage: Stage::NotReady,
        day: 0,
        mutations: 0,
    };
}

/// A transaction as Plaid's copy shows it at some version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    pub txn: BankTxn,
    /// Shown as pending (its pending id) or posted.
    pub pending: bool,
    /// Plaid recognized the merchant (false: the raw statement text only, for now).
    pub enriched: bool,
}

impl Shown {
    pub fn posted(txn: BankTxn) -> Self {
        Self {
            txn,
            pending: false,
            enriched: true,
        }
    }

    pub fn pending(txn: BankTxn) -> Self {
        Self {
            txn,
            pending: true,
            enriched: true,
        }
    }

    /// The day the copy dates it: the posting day, or the day it was made while pending.
    pub fn day(&self) -> i64 {
        match (self.pending, self.txn.posted_day) {
            (false, Some(p)) => p,
            _ => self.txn.authorized_day,
        }
    }

    pub fn id(&self, item_seed: u64) -> String {
        txn_id(item_seed, &self.txn, self.pending)
    }

    /// Where it sorts among the transactions of its account and day.
    fn order(&self) -> (u8, u16, u8) {
        match self.txn.origin {
            Origin::Bank => (0, 0, self.txn.slot),
            Origin::Refresh { n, k } => (1, n, k),
            Origin::Stored(i) => (2, i, 0),
            Origin::Custom(i) => (3, i, 0),
        }
    }

    /// What the id derives from: equal keys, equal ids.
    pub fn key(&self, item_seed: u64) -> (u64, bool) {
        (self.txn.key(item_seed), self.pending)
    }
}

/// Whether a card purchase first posts under its raw statement text (about one in twelve
/// of those with a merchant Plaid knows).
fn late_recognized(item_seed: u64, txn: &BankTxn) -> bool {
    txn.pends
        && txn.merchant.merchant_name.is_some()
        && splitmix_unit(txn.key(item_seed) ^ 0x4E21_C4ED) < 1.0 / 12.0
}

fn splitmix_unit(x: u64) -> f64 {
    (ids::splitmix(x) >> 11) as f64 / (1u64 << 53) as f64
}

/// A transaction's id: the pending and the posted versions of a purchase differ.
pub fn txn_id(item_seed: u64, txn: &BankTxn, pending: bool) -> String {
    let kind = if pending { "pending" } else { "posted" };
    ids::object_id_from(ids::derive(txn.key(item_seed), kind, 0))
}

impl Item {
    /// The version of Plaid's copy at `now`; `None` when the Item has no Transactions.
    pub fn txn_version(&self, now: i64) -> Option<Version> {
        let copy = self.txns.as_ref()?;
        let as_of = self
            .transactions
            .as_ref()
            .and_then(|s| s.last_successful_update_ms)
            .unwrap_or(copy.since_ms);
        Some(Version {
            stage: copy.stage(now),
            day: self.days_at(as_of),
            mutations: copy.mutations,
        })
    }

    /// The first day a version's history reaches back to.
    fn window_start(&self, stage: Stage) -> i64 {
        let Some(copy) = &self.txns else { return 0 };
        let since = self.days_at(copy.since_ms);
        match stage {
            Stage::NotReady => i64::MAX,
            Stage::Initial => since - INITIAL_DAYS,
            Stage::Historical => since - i64::from(copy.days),
        }
    }

    /// Plaid's copy at `version`: every transaction of the Item's shared accounts (those with
    /// transactions) made by then, in the version's window, oldest first.
    pub fn copy_at(&self, version: Version, account: Option<usize>) -> Vec<Shown> {
        self.shown_between(
            version,
            account,
            self.window_start(version.stage),
            version.day,
        )
    }

    /// The copy at `version`, limited to transactions made on days `lo..=hi`.
    fn shown_between(
        &self,
        version: Version,
        account: Option<usize>,
        lo: i64,
        hi: i64,
    ) -> Vec<Shown> {
        let made = self.bank_made(account, self.bank_days(version, lo, hi));
        let mut out = self.shown_from(version, account, lo, hi, &made);
        // Keys are unique (one entry per transaction and version): an unstable sort gives
        // the same order, faster.
        out.sort_unstable_by_key(|s| (s.day(), s.txn.account, s.txn.authorized_day, s.order()));
        out
    }

    /// How many transactions the copy at `version` holds.
    pub fn copy_len(&self, version: Version) -> usize {
        let (lo, hi) = (self.window_start(version.stage), version.day);
        let made = self.bank_made(None, self.bank_days(version, lo, hi));
        self.shown_from(version, None, lo, hi, &made).len()
    }

    /// The bank days whose transactions the copy at `version` may hold among those made on
    /// `lo..=hi` (pending ones reach back); empty when the bank's function is not read.
    fn bank_days(&self, version: Version, lo: i64, hi: i64) -> std::ops::Range<i64> {
        if version.stage == Stage::NotReady || self.is_dynamic() || self.custom_accounts().is_some()
        {
            return 0..0;
        }
        let start = lo.max(self.window_start(version.stage));
        start - MAX_PENDING_DAYS..hi.min(version.day) + 1
    }

    /// The bank's transactions of the shared accounts (those with transactions, or only
    /// `account`) made on `days`, account by account.
    fn bank_made(&self, account: Option<usize>, days: std::ops::Range<i64>) -> Vec<BankTxn> {
        let mut made = Vec::new();
        if days.is_empty() {
            return made;
        }
        let created = self.created_date();
        for a in &self.accounts {
            if account.is_some_and(|t| t != a.template)
                || !bank_txns::has_transactions(&self.template(a))
            {
                continue;
            }
            made.extend(bank_txns::between(
                self.seed,
                a.template,
                created,
                days.clone(),
            ));
        }
        made
    }

    /// The copy at `version` among transactions made on `lo..=hi`, in no particular order,
    /// the bank's own taken from `made` (which covers at least [`Self::bank_days`] of the
    /// version).
    fn shown_from(
        &self,
        version: Version,
        account: Option<usize>,
        lo: i64,
        hi: i64,
        made: &[BankTxn],
    ) -> Vec<Shown> {
        if version.stage == Stage::NotReady {
            return Vec::new();
        }
        let start = self.window_start(version.stage);
        let mut out = Vec::new();
        if self.is_dynamic() {
            // Small, and changed by refreshes rather than days: all of it, every time.
            out = dynamic::shown(self, version.mutations);
        } else if self.custom_accounts().is_some() {
            self.custom_shown(version.day, &mut out);
        } else {
            self.bank_shown(version, self.bank_days(version, lo, hi), made, &mut out);
        }
        if let Some(copy) = &self.txns {
            out.extend(dynamic::stored(copy, version.mutations));
        }
        out.retain(|s| {
            s.day() >= start
                && account.is_none_or(|t| t == s.txn.account)
                && self.accounts.iter().any(|a| a.template == s.txn.account)
        });
        out
    }

    /// A `user_custom` Item's configured transactions as of bank day `day`: posted once their
    /// posting date is reached, pending from their transaction date until then.
    fn custom_shown(&self, day: i64, out: &mut Vec<Shown>) {
        let Some(custom) = &self.custom else { return };
        let created = self.created_date();
        for a in &self.accounts {
            let Some(acct) = custom.override_accounts.get(a.template) else {
                continue;
            };
            if !bank_txns::has_transactions(&acct.template()) {
                continue;
            }
            for (n, t) in custom.transactions(a.template) {
                let txn = CustomAccount::bank_txn(a.template, n, t, created);
                if txn.posted_by(day) {
                    out.push(Shown::posted(txn));
                } else if txn.authorized_day <= day {
                    out.push(Shown::pending(txn));
                }
            }
        }
    }

    /// The bank's own transactions in the copy at `version`: those of `made` made on `days`.
    fn bank_shown(
        &self,
        version: Version,
        days: std::ops::Range<i64>,
        made: &[BankTxn],
        out: &mut Vec<Shown>,
    ) {
        for txn in made.iter().filter(|t| days.contains(&t.authorized_day)) {
            if txn.posted_by(version.day) {
                let recognized = txn.posted_day.is_some_and(|p| {
                    version.day >= p + ENRICH_DAYS || !late_recognized(self.seed, txn)
                });
                out.push(Shown {
                    enriched: recognized,
                    ..Shown::posted(*txn)
                });
            } else if txn.pending_on(version.day) {
                out.push(Shown::pending(*txn));
            }
        }
    }

    /// What changed in Plaid's copy from `from` to `to`, in the order it changed.
    pub fn changes(&self, from: Version, to: Version, account: Option<usize>) -> Vec<Change> {
        let seed = self.seed;
        // Only days after the older update can differ, unless the window grew.
        let (lo, hi) = if from.stage == to.stage && from.stage != Stage::NotReady {
            (from.day.min(to.day) - REACH_DAYS, to.day.max(from.day))
        } else {
            (i64::MIN / 4, to.day.max(from.day))
        };
        // The bank's days are read once for both versions.
        let (a, b) = (self.bank_days(from, lo, hi), self.bank_days(to, lo, hi));
        let days = match (a.is_empty(), b.is_empty()) {
            (true, _) => b,
            (_, true) => a,
            _ => a.start.min(b.start)..a.end.max(b.end),
        };
        let made = self.bank_made(account, days);
        let before = self.shown_from(from, account, lo, hi, &made);
        let after = self.shown_from(to, account, lo, hi, &made);
        // Compared by the seeds ids derive from (the ids themselves cost more to make).
        let before_keys: foldhash::HashMap<(u64, bool), &Shown> =
            before.iter().map(|s| (s.key(seed), s)).collect();
        let after_keys: foldhash::HashSet<(u64, bool)> =
            after.iter().map(|s| s.key(seed)).collect();
        let mut out = Vec::with_capacity(after.len());
        for s in &after {
            match before_keys.get(&s.key(seed)) {
                None => out.push(Change::Added(*s)),
                Some(old) if *old != s => out.push(Change::Modified(*s)),
                Some(_) => {}
            }
        }
        for s in &before {
            if !after_keys.contains(&s.key(seed)) {
                out.push(Change::Removed(*s));
            }
        }
        // Removals happened when the pending version was replaced or dropped.
        out.sort_by_key(|c| {
            let s = c.shown();
            let when = match c {
                Change::Removed(s) => s
                    .txn
                    .posted_day
                    .unwrap_or(s.txn.authorized_day + MAX_PENDING_DAYS),
                _ => s.day(),
            };
            (
                when,
                s.txn.account,
                s.txn.authorized_day,
                s.order(),
                c.rank(),
            )
        });
        out
    }
}

/// A change to Plaid's copy, as `/transactions/sync` reports it.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Added(Shown),
    Modified(Shown),
    Removed(Shown),
}

impl Change {
    pub fn shown(&self) -> &Shown {
        match self {
            Self::Added(s) | Self::Modified(s) | Self::Removed(s) => s,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Removed(_) => 0,
            Self::Added(_) => 1,
            Self::Modified(_) => 2,
        }
    }
}

/// Where a client stands in an Item's stream of changes: synced up to `from`, paging through
/// the changes to `to`, `offset` of them already read. Opaque on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Ties the cursor to its Item (and account stream).
    pub tag: u64,
    pub from: Version,
    pub to: Version,
    pub offset: u32,
}

const CURSOR_VERSION: &str = "t1";

impl Cursor {
    /// The tag of an Item's stream (`account_id` for a per-account stream).
    pub fn tag_for(item_id: &str, account_id: Option<&str>) -> u64 {
        let mut key = item_id.to_owned();
        if let Some(a) = account_id {
            key.push('/');
            key.push_str(a);
        }
        ids::stable_hash(key.as_bytes())
    }

    pub fn encode(&self) -> String {
        use base64::Engine;
        let raw = format!(
            "{CURSOR_VERSION}.{:x}.{}.{}.{}.{}.{}.{}.{}",
            self.tag,
            self.from.stage as u8,
            self.from.day,
            self.from.mutations,
            self.to.stage as u8,
            self.to.day,
            self.to.mutations,
            self.offset
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a cursor; `None` when it is not one Tartan made.
    pub fn decode(s: &str) -> Option<Self> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let mut parts = raw.split('.');
        if parts.next()? != CURSOR_VERSION {
            return None;
        }
        let tag = u64::from_str_radix(parts.next()?, 16).ok()?;
        let version = |parts: &mut std::str::Split<'_, char>| -> Option<Version> {
            let stage = Stage::from_u8(parts.next()?.parse().ok()?)?;
            let day = parts.next()?.parse().ok()?;
            let mutations = parts.next()?.parse().ok()?;
            Some(Version {
                stage,
                day,
                mutations,
            })
        };
        let from = version(&mut parts)?;
        let to = version(&mut parts)?;
        let offset = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            tag,
            from,
            to,
            offset,
        })
    }
}

impl World {
    /// `/transactions/sync`'s write: initializes Transactions on an Item without it (pulled
    /// on the clock, `days_requested` counting only then) and arms SYNC_UPDATES_AVAILABLE.
    pub fn start_sync(
        &self,
        client_id: &str,
        access_token: &str,
        days_requested: Option<u16>,
    ) -> Result<(), PlaidError> {
        self.ensure_product(
            client_id,
            access_token,
            Product::Transactions,
            days_requested,
        )?;
        self.arm(client_id, access_token, |c| c.armed, |c| c.armed = true)
    }

    /// `/transactions/recurring/get` was called: RECURRING_TRANSACTIONS_UPDATE is sent from
    /// now on when an update touches a stream.
    pub fn arm_recurring(&self, client_id: &str, access_token: &str) -> Result<(), PlaidError> {
        self.arm(
            client_id,
            access_token,
            |c| c.recurring_armed,
            |c| c.recurring_armed = true,
        )
    }

    /// Sets one of the copy's webhook flags, writing the Item only when it was not set.
    fn arm(
        &self,
        client_id: &str,
        access_token: &str,
        is_set: fn(&TxnCopy) -> bool,
        set: fn(&mut TxnCopy),
    ) -> Result<(), PlaidError> {
        let armed = self.read(|s| {
            s.item_for_token(client_id, access_token)
                .map(|i| i.txns.as_ref().is_none_or(is_set))
        })?;
        if armed {
            return Ok(());
        }
        self.write(|state, changes| {
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            if let Some(copy) = item.txns.as_mut() {
                set(copy);
            }
            changes.push(Record::Item(Box::new(item)));
            Ok(())
        })
    }

    /// `/transactions/refresh`: contacts the bank now and brings Plaid's copy up to date; the
    /// webhooks for what changed follow.
    pub fn refresh_transactions(
        &self,
        client_id: &str,
        access_token: &str,
    ) -> Result<(), PlaidError> {
        self.through_bank(
            client_id,
            access_token,
            |state, changes, bank, item, now| {
                let before = item.txn_version(now);
                item.refreshed_dynamic(now);
                events::update_copy(state, changes, bank, item, now, before);
                Ok(())
            },
        )
    }
}

impl World {
    /// `/sandbox/transactions/create`: the bank gets the transactions (made by
    /// [`NewTxn`]s), then Plaid's copy is updated as by a refresh that finds them.
    pub fn create_transactions(
        &self,
        client_id: &str,
        access_token: &str,
        account: usize,
        new: Vec<dynamic::NewTxn>,
    ) -> Result<(), PlaidError> {
        self.through_bank(
            client_id,
            access_token,
            |state, changes, bank, item, now| {
                let before = item.txn_version(now);
                item.store_transactions(account, new, now)?;
                events::update_copy(state, changes, bank, item, now, before);
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_short() {
        let c = Cursor {
            tag: u64::MAX,
            from: Version {
                stage: Stage::Initial,
                day: -3,
                mutations: 0,
            },
            to: Version {
                stage: Stage::Historical,
                day: 3650,
                mutations: u32::MAX,
            },
            offset: 4_000_000,
        };
        let s = c.encode();
        assert!(s.len() <= 256, "{s}");
        assert_eq!(Cursor::decode(&s), Some(c));
        assert_eq!(Cursor::decode("garbage"), None);
        assert_eq!(Cursor::decode(""), None);
    }
}
