//! What happens between requests: background updates, the Sandbox's login expiry, OAuth consent
//! expiry, and incidents triggered (now or at a future clock time) through the control plane.
//!
//! Everything that falls due up to a time is run in order of due time (ties broken by kind and
//! id, so runs are deterministic) inside one mutation: the changes and the webhooks they
//! announce are committed together.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use foldhash::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tartan_types::{ErrorCode, PlaidError, Webhook};

use super::bank;
use super::clock::{self, DAY_MS};
use super::ids;
use super::items::AccountState;
use super::outbox;
use super::schedule::{Due, Timer};
use super::tenants::{Bank, Tenant};
use super::transactions;
use super::{Item, Record, State, TenantState, World, institutions};

/// What a trigger is aimed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Item(String),
    Institution(String),
}

/// Something that happens to an Item or at an institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The login stopped working: ITEM_LOGIN_REQUIRED.
    LoginRequired,
    /// The bank asks for new multi-factor authentication: ITEM_LOGIN_REQUIRED.
    NewMfa,
    /// The bank needs the user to act (new terms): USER_SETUP_REQUIRED.
    UserSetupRequired,
    /// The bank opened a new account for the user: NEW_ACCOUNTS_AVAILABLE.
    NewAccounts,
    /// The Item's access will end in 7 days: PENDING_DISCONNECT, then ITEM_LOGIN_REQUIRED.
    PendingDisconnect,
    /// The user revoked access: USER_PERMISSION_REVOKED.
    PermissionRevoked,
    /// OAuth consent expires now: ITEM_LOGIN_REQUIRED.
    ConsentExpired,
    /// The user fixed the login elsewhere: LOGIN_REPAIRED.
    Repair,
    /// The institution is down: live calls and updates fail (code: INSTITUTION_DOWN or
    /// INSTITUTION_NOT_RESPONDING).
    Outage,
    /// The institution works, with errors.
    Degraded,
    /// The institution is healthy again.
    Recover,
    /// Plaid's copy of the Item's transactions changes between two pages of a sync (a late
    /// correction): the next page fails with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION.
    TransactionsChanged,
}

impl Action {
    fn for_institution_only(self) -> bool {
        matches!(self, Self::Outage | Self::Degraded | Self::Recover)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerState {
    Pending,
    Done,
    /// It could not apply (for instance the Item was removed meanwhile).
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub id: String,
    pub client_id: String,
    pub target: Target,
    pub action: Action,
    /// For outages: the error live calls fail with.
    pub code: Option<ErrorCode>,
    pub created_at_ms: i64,
    pub due_ms: i64,
    pub state: TriggerState,
    pub ran_at_ms: Option<i64>,
    pub outcome: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RunReport {
    pub events_run: usize,
    pub webhooks_queued: usize,
}

/// Seven days before OAuth consent expires, Plaid sends PENDING_EXPIRATION.
const PENDING_EXPIRATION_LEAD_MS: i64 = 7 * DAY_MS;
/// PENDING_DISCONNECT announces a disconnection this far ahead.
const DISCONNECT_LEAD_MS: i64 = 7 * DAY_MS;

impl Item {
    /// The Item's earliest timer, if any.
    pub(crate) fn next_timer(&self) -> Option<(i64, Timer)> {
        self.timers().into_iter().min()
    }

    /// When the Item's earliest timer other than its background update falls due.
    fn next_other_than_refresh(&self) -> Option<i64> {
        self.timers()
            .into_iter()
            .filter(|(_, t)| *t != Timer::Refresh)
            .map(|(at, _)| at)
            .min()
    }

    fn timers(&self) -> Vec<(i64, Timer)> {
        if self.removed_at_ms.is_some() {
            return Vec::new();
        }
        let mut timers = Vec::with_capacity(5);
        if let Some(c) = self.consent_expires_ms
            && !self.pending_expiration_sent
        {
            timers.push((c - PENDING_EXPIRATION_LEAD_MS, Timer::PendingExpiration));
        }
        // An Item in error is not updated, and its login cannot break again.
        if self.error.is_none() {
            if let Some(c) = self.consent_expires_ms {
                timers.push((c, Timer::ConsentExpiry));
            }
            if let Some(t) = self.login_expires_ms {
                timers.push((t, Timer::LoginExpiry));
            }
            if let Some(t) = self.next_refresh_ms {
                timers.push((t, Timer::Refresh));
            }
            if let Some(t) = self.txns.as_ref().and_then(|c| c.next_announcement()) {
                timers.push((t, Timer::TransactionsReady));
            }
            if let Some(p) = self.investments_pull.filter(|p| !p.announced) {
                timers.push((p.ready_ms, Timer::InvestmentsReady));
            }
        }
        timers
    }
}

/// Deterministic draw in [0, 1) for the Item's `n`th contact with the bank.
fn draw(seed: u64, n: u64) -> f64 {
    let x = bank::account_seed(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15), "contact");
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Contacts the bank for `item` (a real-time balance, a product being added): fails during an
/// outage, and may break the login soon after creation (seed 000). A broken login is recorded
/// on the Item and announced by webhook; the caller still commits the Item.
pub fn contact_bank(
    state: &State,
    changes: &mut Vec<Record>,
    bank: &Bank,
    item: &mut Item,
    now_ms: i64,
) -> Result<(), PlaidError> {
    if let Some(code) = bank.outage {
        return Err(PlaidError::new(code));
    }
    item.contacts += 1;
    if let Some(risk) = bank.login_risk
        && now_ms - item.created_at_ms <= risk.window_ms
        && draw(item.seed, item.contacts) < risk.probability
    {
        item.fail(ErrorCode::ITEM_LOGIN_REQUIRED, now_ms);
        announce_error(state, changes, item, now_ms);
        return Err(PlaidError::new(ErrorCode::ITEM_LOGIN_REQUIRED));
    }
    Ok(())
}

fn announce_error(state: &State, changes: &mut Vec<Record>, item: &mut Item, now_ms: i64) {
    if let Some(payload) = outbox::item_error(item) {
        outbox::enqueue(state, changes, item, now_ms, payload);
    }
}

/// A background update: refreshes Plaid's copy, or records the failure. What changed in the
/// transactions is announced by the run, once for all the Item's updates in it.
fn refresh(bank: &Bank, item: &mut Item, now: i64) {
    item.next_refresh_ms = Some(now + item.refresh_interval_ms(bank.refresh_interval_ms));
    read_bank(bank, item, now);
}

/// Reads the bank into Plaid's copy now (`/transactions/refresh`), announcing what changed in
/// the transactions; records the failure during an outage.
pub fn update_copy(
    state: &State,
    changes: &mut Vec<Record>,
    bank: &Bank,
    item: &mut Item,
    now: i64,
    before: Option<transactions::Version>,
) {
    read_bank(bank, item, now);
    // Once the first pull is complete, an update that finds changes says so; before, the
    // readiness webhooks do.
    if let (Some(from), Some(to)) = (before, item.txn_version(now))
        && from != to
        && item.txns.as_ref().is_some_and(|c| c.announced >= 2)
    {
        announce_changes(state, changes, item, from, to, now);
    }
}

/// The bank read into Plaid's copy, or the failure recorded during an outage.
fn read_bank(bank: &Bank, item: &mut Item, now: i64) {
    let failed = bank.outage.is_some();
    if !failed {
        item.refresh_cache(now);
    }
    for status in [item.transactions.as_mut(), item.investments.as_mut()]
        .into_iter()
        .flatten()
    {
        if failed {
            status.last_failed_update_ms = Some(now);
        } else {
            status.last_successful_update_ms = Some(now);
        }
    }
}

/// DEFAULT_UPDATE, TRANSACTIONS_REMOVED and (when armed) SYNC_UPDATES_AVAILABLE for the
/// changes between two versions of the copy.
fn announce_changes(
    state: &State,
    changes: &mut Vec<Record>,
    item: &Item,
    from: transactions::Version,
    to: transactions::Version,
    now: i64,
) {
    let diff = item.changes(from, to, None);
    if diff.is_empty() {
        return;
    }
    let added = diff
        .iter()
        .filter(|c| matches!(c, transactions::Change::Added(_)))
        .count();
    let removed: Vec<String> = diff
        .iter()
        .filter_map(|c| match c {
            transactions::Change::Removed(s) => Some(s.id(item.seed)),
            _ => None,
        })
        .collect();
    if added > 0 {
        let body = json!({"new_transactions": added, "error": null});
        let payload = outbox::payload(Webhook::TransactionsDefaultUpdate, item, body);
        outbox::enqueue(state, changes, item, now, payload);
    }
    if !removed.is_empty() {
        let body = json!({"removed_transactions": removed, "error": null});
        let payload = outbox::payload(Webhook::TransactionsRemoved, item, body);
        outbox::enqueue(state, changes, item, now, payload);
    }
    recurring_update(state, changes, item, &diff, to, now);
    sync_updates_available(state, changes, item, now);
}

/// HOLDINGS: DEFAULT_UPDATE when prices moved the Item's holdings between Plaid's copy read
/// at `from_ms` and the one read at `now` (Tartan's: Plaid's Sandbox holdings never change).
pub fn announce_holdings(
    state: &State,
    changes: &mut Vec<Record>,
    item: &Item,
    from_ms: i64,
    now: i64,
) {
    if item.error.is_some() {
        return;
    }
    let updated = item.holdings_updated(from_ms, now);
    if updated == 0 {
        return;
    }
    let body = json!({"new_holdings": 0, "updated_holdings": updated, "error": null});
    let payload = outbox::payload(Webhook::HoldingsDefaultUpdate, item, body);
    outbox::enqueue(state, changes, item, now, payload);
}

/// RECURRING_TRANSACTIONS_UPDATE, when `/transactions/recurring/get` armed it and the changes
/// touch a stream: with the accounts whose streams changed.
fn recurring_update(
    state: &State,
    changes: &mut Vec<Record>,
    item: &Item,
    diff: &[transactions::Change],
    to: transactions::Version,
    now: i64,
) {
    if !item.txns.as_ref().is_some_and(|c| c.recurring_armed)
        || to.stage != transactions::Stage::Historical
    {
        return;
    }
    let streams = item.streams(to, None);
    let mut accounts: Vec<usize> = Vec::new();
    for change in diff {
        let s = change.shown();
        let description = item.description(s);
        if !accounts.contains(&s.txn.account)
            && streams
                .iter()
                .any(|st| st.account == s.txn.account && st.description == description)
        {
            accounts.push(s.txn.account);
        }
    }
    if accounts.is_empty() {
        return;
    }
    let account_ids: Vec<String> = item
        .accounts
        .iter()
        .filter(|a| accounts.contains(&a.template))
        .map(|a| item.account_id(a))
        .collect();
    let body = json!({ "account_ids": account_ids });
    let payload = outbox::payload(Webhook::TransactionsRecurringUpdate, item, body);
    outbox::enqueue(state, changes, item, now, payload);
}

/// SYNC_UPDATES_AVAILABLE with the pull's stages, if `/transactions/sync` armed it.
fn sync_updates_available(state: &State, changes: &mut Vec<Record>, item: &Item, now: i64) {
    let Some(copy) = item.txns.as_ref().filter(|c| c.armed) else {
        return;
    };
    let stage = copy.stage(now);
    let body = json!({
        "initial_update_complete": stage >= transactions::Stage::Initial,
        "historical_update_complete": stage >= transactions::Stage::Historical,
    });
    let payload = outbox::payload(Webhook::TransactionsSyncUpdatesAvailable, item, body);
    outbox::enqueue(state, changes, item, now, payload);
}

/// A stage of the first pull is complete: INITIAL_UPDATE or HISTORICAL_UPDATE, with the
/// number of transactions it brought, then SYNC_UPDATES_AVAILABLE when armed.
fn transactions_ready(state: &State, changes: &mut Vec<Record>, item: &mut Item, now: i64) {
    let Some(copy) = item.txns.as_mut() else {
        return;
    };
    copy.announced += 1;
    let (hook, stage) = if copy.announced == 1 {
        (
            Webhook::TransactionsInitialUpdate,
            transactions::Stage::Initial,
        )
    } else {
        (
            Webhook::TransactionsHistoricalUpdate,
            transactions::Stage::Historical,
        )
    };
    let Some(version) = item.txn_version(now) else {
        return;
    };
    let version = transactions::Version { stage, ..version };
    let count = item.copy_len(version);
    let body = json!({"new_transactions": count, "error": null});
    let payload = outbox::payload(hook, item, body);
    outbox::enqueue(state, changes, item, now, payload);
    sync_updates_available(state, changes, item, now);
}

/// Applies an Item-level action; returns what happened, for the trigger's record.
fn apply_to_item(
    state: &State,
    changes: &mut Vec<Record>,
    tenant: &Tenant,
    item: &mut Item,
    action: Action,
    now: i64,
) -> String {
    let fail = |item: &mut Item, changes: &mut Vec<Record>, code: ErrorCode| {
        item.fail(code, now);
        announce_error(state, changes, item, now);
        format!("{} is now in {}", item.item_id, code.as_str())
    };
    match action {
        Action::LoginRequired | Action::NewMfa | Action::ConsentExpired => {
            fail(item, changes, ErrorCode::ITEM_LOGIN_REQUIRED)
        }
        Action::UserSetupRequired => fail(item, changes, ErrorCode::USER_SETUP_REQUIRED),
        Action::PermissionRevoked => {
            item.fail(ErrorCode::USER_PERMISSION_REVOKED, now);
            let error = outbox::error_value(&PlaidError::new(ErrorCode::USER_PERMISSION_REVOKED));
            let payload = outbox::payload(
                Webhook::ItemUserPermissionRevoked,
                item,
                json!({"error": error}),
            );
            outbox::enqueue(state, changes, item, now, payload);
            format!("{} access revoked by the user", item.item_id)
        }
        Action::NewAccounts => {
            let template = bank::NEW_ACCOUNTS
                .get(item.new_accounts.len() % bank::NEW_ACCOUNTS.len().max(1))
                .copied()
                .unwrap_or(bank::USER_GOOD.len());
            let n = (item.accounts.len() + item.new_accounts.len()) as u64;
            item.new_accounts.push(AccountState {
                id: Some(ids::object_id_from(ids::derive(item.seed, "new_account", n)).into()),
                template,
                cached_at_ms: now,
            });
            let payload = outbox::payload(
                Webhook::ItemNewAccountsAvailable,
                item,
                json!({"error": null}),
            );
            outbox::enqueue(state, changes, item, now, payload);
            format!("{} has a new account at the bank", item.item_id)
        }
        Action::PendingDisconnect => {
            let at = now + DISCONNECT_LEAD_MS;
            let payload = outbox::payload(
                Webhook::ItemPendingDisconnect,
                item,
                json!({"reason": "INSTITUTION_TOKEN_EXPIRATION", "disconnect_time": clock::wire(at)}),
            );
            outbox::enqueue(state, changes, item, now, payload);
            changes.push(Record::Trigger(Box::new(Trigger {
                id: uuid::Uuid::new_v4().to_string(),
                client_id: item.client_id.clone(),
                target: Target::Item(item.item_id.clone()),
                action: Action::LoginRequired,
                code: None,
                created_at_ms: now,
                due_ms: at,
                state: TriggerState::Pending,
                ran_at_ms: None,
                outcome: None,
            })));
            format!(
                "{} will be disconnected at {}",
                item.item_id,
                clock::wire(at)
            )
        }
        Action::Repair => repair(state, changes, tenant, item, now, Repaired::Elsewhere),
        Action::TransactionsChanged => match item.txns.as_mut() {
            Some(copy) => {
                copy.mutations += 1;
                sync_updates_available(state, changes, item, now);
                format!("{}'s transactions changed", item.item_id)
            }
            None => format!("{} has no transactions", item.item_id),
        },
        Action::Outage | Action::Degraded | Action::Recover => String::new(),
    }
}

/// How a broken login came to work again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repaired {
    /// The user went through the app's own Link update mode: the app knows.
    InLink,
    /// The user fixed it elsewhere (another app on the same login, the bank): Plaid tells the
    /// app with LOGIN_REPAIRED, which it sends only in this case.
    Elsewhere,
}

/// The login works again: the error is cleared, timers renew, and the next update runs at
/// once, covering everything missed while the login was broken.
pub fn repair(
    state: &State,
    changes: &mut Vec<Record>,
    tenant: &Tenant,
    item: &mut Item,
    now: i64,
    how: Repaired,
) -> String {
    {
        {
            let was = item.error.take();
            let bank = tenant.bank(item.institution());
            // The next update covers everything missed while the login was broken.
            item.next_refresh_ms = Some(now);
            if let Some(days) = bank
                .consent_days
                .filter(|_| item.consent_expires_ms.is_some())
            {
                item.consent_expires_ms = Some(now + days * DAY_MS);
                item.pending_expiration_sent = false;
            }
            if tenant.settings.item_login_expiry_days > 0 {
                item.login_expires_ms = Some(now + tenant.settings.item_login_expiry_days * DAY_MS);
            }
            if was.is_some() {
                if how == Repaired::Elsewhere {
                    let payload = outbox::payload(Webhook::ItemLoginRepaired, item, json!({}));
                    outbox::enqueue(state, changes, item, now, payload);
                }
                format!("{} repaired", item.item_id)
            } else {
                format!("{} was not in an error state", item.item_id)
            }
        }
    }
}

/// The working set of one run: copies of what it changed.
struct Run<'a> {
    state: &'a State,
    ts: &'a TenantState,
    tenant: Tenant,
    items: HashMap<String, Item>,
    tenant_changed: bool,
    report: RunReport,
    /// Items whose background updates ran: their copy's version before the first, and when
    /// the last ran.
    news: HashMap<String, (transactions::Version, i64)>,
    /// Items with Investments whose background updates ran: when their holdings were read
    /// before the first, and when the last ran.
    holdings: HashMap<String, (i64, i64)>,
}

impl Run<'_> {
    fn item(&mut self, id: &str) -> Option<&mut Item> {
        if !self.items.contains_key(id) {
            let item = Item::clone(self.ts.items.get(id)?);
            self.items.insert(id.to_owned(), item);
        }
        self.items.get_mut(id)
    }

    /// Runs one of the Item's timers due at `now`; nothing else can happen before `horizon`
    /// (the run's end, or the next trigger) but the Item's own timers.
    fn run_timer(
        &mut self,
        changes: &mut Vec<Record>,
        id: &str,
        timer: Timer,
        now: i64,
        horizon: i64,
    ) {
        let state = self.state;
        let tenant = self.tenant.clone();
        let Some(item) = self.item(id) else { return };
        let bank = tenant.bank(item.institution());
        match timer {
            Timer::Refresh => {
                let before = item.txn_version(now);
                let held_from = item.investments_as_of();
                // Updates due before anything else can touch the Item leave nothing the
                // last one does not: they are counted, and only the last is run.
                let interval = item.refresh_interval_ms(bank.refresh_interval_ms).max(1);
                let limit = horizon.min(item.next_other_than_refresh().map_or(i64::MAX, |t| t - 1));
                let skipped = if limit > now {
                    (limit - now) / interval
                } else {
                    0
                };
                let now = now + skipped * interval;
                refresh(&bank, item, now);
                let announced = item.txns.as_ref().is_some_and(|c| c.announced >= 2);
                self.report.events_run += skipped as usize;
                // One announcement per Item and run, from its copy before the first update
                // to its copy after the last: moving the clock 30 days sends one
                // DEFAULT_UPDATE, not 120.
                if let Some(from) = before
                    && announced
                {
                    self.news.entry(id.to_owned()).or_insert((from, now)).1 = now;
                }
                if let Some(from) = held_from {
                    self.holdings.entry(id.to_owned()).or_insert((from, now)).1 = now;
                }
            }
            Timer::TransactionsReady => transactions_ready(state, changes, item, now),
            Timer::InvestmentsReady => {
                if let Some(p) = item.investments_pull.as_mut() {
                    p.announced = true;
                }
                let count = item.investment_transactions_count();
                let body = json!({"new_investments_transactions": count,
                                  "cancelled_investments_transactions": 0, "error": null});
                let payload =
                    outbox::payload(Webhook::InvestmentsTransactionsHistoricalUpdate, item, body);
                outbox::enqueue(state, changes, item, now, payload);
            }
            Timer::LoginExpiry => {
                item.login_expires_ms = None;
                item.fail(ErrorCode::ITEM_LOGIN_REQUIRED, now);
                announce_error(state, changes, item, now);
            }
            Timer::PendingExpiration => {
                item.pending_expiration_sent = true;
                let expires = item.consent_expires_ms.map(clock::wire);
                // Plaid sends PENDING_EXPIRATION only for Items in the UK and Europe; US and
                // Canadian Items hear PENDING_DISCONNECT instead
                // (https://plaid.com/docs/api/items/#pending_disconnect).
                let payload = if item.institution().region == institutions::Region::Europe {
                    outbox::payload(
                        Webhook::ItemPendingExpiration,
                        item,
                        json!({"consent_expiration_time": expires}),
                    )
                } else {
                    outbox::payload(
                        Webhook::ItemPendingDisconnect,
                        item,
                        json!({"reason": "INSTITUTION_TOKEN_EXPIRATION", "disconnect_time": expires}),
                    )
                };
                outbox::enqueue(state, changes, item, now, payload);
            }
            Timer::ConsentExpiry => {
                item.fail(ErrorCode::ITEM_LOGIN_REQUIRED, now);
                announce_error(state, changes, item, now);
            }
        }
    }

    fn run_trigger(&mut self, changes: &mut Vec<Record>, id: &str, now: i64) {
        let Some(mut trigger) = self.ts.triggers.get(id).cloned() else {
            return;
        };
        let outcome = match trigger.target.clone() {
            Target::Item(item_id) => {
                let tenant = self.tenant.clone();
                let state = self.state;
                match self.item(&item_id) {
                    Some(item) if item.removed_at_ms.is_none() => Some(apply_to_item(
                        state,
                        changes,
                        &tenant,
                        item,
                        trigger.action,
                        now,
                    )),
                    _ => None,
                }
            }
            Target::Institution(inst) => Some(self.at_institution(changes, &inst, &trigger, now)),
        };
        trigger.ran_at_ms = Some(now);
        trigger.state = if outcome.is_some() {
            TriggerState::Done
        } else {
            TriggerState::Skipped
        };
        trigger.outcome = Some(outcome.unwrap_or_else(|| "the Item no longer exists".to_owned()));
        changes.push(Record::Trigger(Box::new(trigger)));
    }

    fn at_institution(
        &mut self,
        changes: &mut Vec<Record>,
        inst: &str,
        trigger: &Trigger,
        now: i64,
    ) -> String {
        let settings = self
            .tenant
            .settings
            .institutions
            .entry(inst.to_owned())
            .or_default();
        match trigger.action {
            Action::Outage => {
                let code = trigger.code.unwrap_or(ErrorCode::INSTITUTION_DOWN);
                settings.outage = Some(code);
                settings.health = Some(institutions::Health::Down);
                self.tenant_changed = true;
                return format!("{inst} is down: live calls fail with {}", code.as_str());
            }
            Action::Degraded => {
                settings.health = Some(institutions::Health::Degraded);
                self.tenant_changed = true;
                return format!("{inst} is degraded");
            }
            Action::Recover => {
                settings.outage = None;
                settings.health = None;
                self.tenant_changed = true;
                return format!("{inst} is healthy");
            }
            _ => {}
        }
        let mut ids: Vec<String> = self
            .ts
            .items
            .values()
            .filter(|i| i.institution_id == inst && i.removed_at_ms.is_none())
            .map(|i| i.item_id.clone())
            .collect();
        // In a fixed order, so the webhooks they queue are numbered the same every run.
        ids.sort();
        let tenant = self.tenant.clone();
        let state = self.state;
        for id in &ids {
            if let Some(item) = self.item(id) {
                apply_to_item(state, changes, &tenant, item, trigger.action, now);
            }
        }
        format!("{} Items at {inst}", ids.len())
    }
}

/// Queues the Item's next timer if it falls due by `target_ms` and is not queued already.
fn requeue(
    heap: &mut BinaryHeap<Reverse<(i64, Due)>>,
    expected: &mut HashMap<String, (i64, Timer)>,
    item: &Item,
    now: i64,
    target_ms: i64,
) {
    match item.next_timer() {
        Some((next, timer)) if next <= target_ms => {
            let at = next.max(now);
            if expected.get(&item.item_id) != Some(&(at, timer)) {
                expected.insert(item.item_id.clone(), (at, timer));
                heap.push(Reverse((at, Due::Item(item.item_id.clone(), timer))));
            }
        }
        _ => {
            expected.remove(&item.item_id);
        }
    }
}

impl World {
    /// Runs everything due for the tenant up to `target_ms`, in order, then (when `clock` is
    /// given) stores the tenant's new clock, all in one transaction.
    pub fn run_until(
        &self,
        client_id: &str,
        target_ms: i64,
        clock: Option<clock::TenantClock>,
    ) -> Result<RunReport, PlaidError> {
        self.write(|state, changes| {
            let ts = state.of(client_id)?;
            let tenant = ts.tenant.clone();
            let mut heap: BinaryHeap<Reverse<(i64, Due)>> = ts
                .schedule
                .due_until(target_ms)
                .cloned()
                .map(Reverse)
                .collect();
            let mut run = Run {
                state,
                ts,
                tenant,
                items: HashMap::default(),
                tenant_changed: false,
                report: RunReport::default(),
                news: HashMap::default(),
                holdings: HashMap::default(),
            };
            // Each Item's timer as queued: an entry that no longer matches is stale (a trigger
            // or an earlier timer changed the Item) and is skipped.
            let mut expected: HashMap<String, (i64, Timer)> = HashMap::default();
            for Reverse((at, d)) in heap.iter() {
                if let Due::Item(id, timer) = d {
                    expected.insert(id.clone(), (*at, *timer));
                }
            }
            let before = changes.len();
            let next_trigger = |heap: &BinaryHeap<Reverse<(i64, Due)>>| {
                heap.iter()
                    .filter(|Reverse((_, d))| matches!(d, Due::Trigger(_)))
                    .map(|Reverse((at, _))| *at)
                    .min()
                    .unwrap_or(i64::MAX)
            };
            let mut trigger_at = next_trigger(&heap);
            while let Some(Reverse((due, what))) = heap.pop() {
                match what {
                    Due::Item(id, timer) => {
                        if expected.get(&id) != Some(&(due, timer)) {
                            continue;
                        }
                        expected.remove(&id);
                        run.report.events_run += 1;
                        let horizon = target_ms.min(trigger_at.saturating_sub(1));
                        run.run_timer(changes, &id, timer, due, horizon);
                        if let Some(item) = run.items.get(&id) {
                            requeue(&mut heap, &mut expected, item, due, target_ms);
                        }
                    }
                    Due::Trigger(id) => {
                        run.report.events_run += 1;
                        run.run_trigger(changes, &id, due);
                        // Triggers can start or stop an Item's timers (repair, errors).
                        for item in run.items.values() {
                            requeue(&mut heap, &mut expected, item, due, target_ms);
                        }
                        // Triggers a trigger scheduled (PENDING_DISCONNECT) may fall due too.
                        for record in changes[before..].iter() {
                            if let Record::Trigger(t) = record
                                && t.state == TriggerState::Pending
                                && t.due_ms <= target_ms
                                && !heap
                                    .iter()
                                    .any(|Reverse((_, d))| *d == Due::Trigger(t.id.clone()))
                            {
                                heap.push(Reverse((t.due_ms.max(due), Due::Trigger(t.id.clone()))));
                            }
                        }
                        trigger_at = next_trigger(&heap);
                    }
                }
            }
            // In a fixed order (by time, then Item), so the same run queues the same webhooks.
            let mut news: Vec<_> = std::mem::take(&mut run.news).into_iter().collect();
            news.sort_by(|a, b| (a.1.1, &a.0).cmp(&(b.1.1, &b.0)));
            for (id, (from, at)) in news {
                if let Some(item) = run.items.get(&id)
                    && let Some(to) = item.txn_version(at)
                    && to != from
                {
                    announce_changes(state, changes, item, from, to, at);
                }
            }
            let mut held: Vec<_> = std::mem::take(&mut run.holdings).into_iter().collect();
            held.sort_by(|a, b| (a.1.1, &a.0).cmp(&(b.1.1, &b.0)));
            for (id, (from, at)) in held {
                if let Some(item) = run.items.get(&id) {
                    announce_holdings(state, changes, item, from, at);
                }
            }
            run.report.webhooks_queued = changes[before..]
                .iter()
                .filter(|r| matches!(r, Record::Delivery(_)))
                .count();
            let report = run.report;
            let tenant_changed = run.tenant_changed;
            let mut tenant = run.tenant;
            for item in run.items.into_values() {
                changes.push(Record::Item(Box::new(item)));
            }
            if let Some(c) = clock {
                tenant.clock = c;
            }
            if tenant_changed || clock.is_some() {
                changes.push(Record::Tenant(Box::new(tenant)));
            }
            Ok(report)
        })
    }

    /// Records a trigger; it runs at its due time (or at once, when due now).
    pub fn schedule(&self, trigger: Trigger) -> Result<Trigger, PlaidError> {
        if trigger.action.for_institution_only() && matches!(trigger.target, Target::Item(_)) {
            return Err(PlaidError::invalid_field(
                "action",
                "outage, degraded and recover apply to an institution_id, not an item_id",
            ));
        }
        let client_id = trigger.client_id.clone();
        let id = trigger.id.clone();
        self.write(|_, changes| {
            changes.push(Record::Trigger(Box::new(trigger)));
            Ok(())
        })?;
        let now = self.read(|s| s.now_ms(&client_id));
        self.run_until(&client_id, now, None)?;
        self.read(|s| s.of(&client_id).map(|ts| ts.triggers.get(&id).cloned()))?
            .ok_or_else(|| PlaidError::new(ErrorCode::INTERNAL_SERVER_ERROR))
    }
}

impl World {
    /// A call that reaches the Item's bank now (`/transactions/refresh`, `/investments/refresh`,
    /// `/sandbox/transactions/create`): an Item in error fails at once; the contact can fail
    /// as any contact does (a login that breaks, an outage); once in, `then` changes the Item
    /// and Plaid's copy. The Item is written either way.
    pub(crate) fn through_bank(
        &self,
        client_id: &str,
        access_token: &str,
        then: impl FnOnce(&State, &mut Vec<Record>, &Bank, &mut Item, i64) -> Result<(), PlaidError>,
    ) -> Result<(), PlaidError> {
        self.write(|state, changes| {
            let now = state.now_ms(client_id);
            let mut item = state.item_for_token(client_id, access_token)?.clone();
            item.ensure_healthy()?;
            let bank = state.tenant(client_id)?.bank(item.institution());
            let contacted = contact_bank(state, changes, &bank, &mut item, now);
            if contacted.is_ok() {
                then(state, changes, &bank, &mut item, now)?;
            }
            changes.push(Record::Item(Box::new(item)));
            Ok(contacted)
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_spread() {
        assert_eq!(draw(7, 1), draw(7, 1));
        let below_half = (0..1000).filter(|n| draw(42, *n) < 0.5).count();
        assert!((400..600).contains(&below_half), "{below_half}");
    }

    #[test]
    fn errored_items_only_keep_their_consent_warning() {
        let mut item: Item = serde_json::from_value(json!({
            "item_id": "i", "client_id": "c", "institution_id": "ins_109508", "username": "u",
            "webhook": null, "products": [], "billed_products": [], "consented_products": [],
            "created_at_ms": 0, "seed": 1, "accounts": [], "transactions": null,
            "investments": null, "error": null, "removed_at_ms": null,
            "next_refresh_ms": 100, "login_expires_ms": 50, "consent_expires_ms": 10 * DAY_MS
        }))
        .expect("item");
        assert_eq!(item.next_timer(), Some((50, Timer::LoginExpiry)));
        item.error = Some(crate::world::items::ItemErrorState {
            code: ErrorCode::ITEM_LOGIN_REQUIRED,
            since_ms: 0,
        });
        assert_eq!(
            item.next_timer(),
            Some((3 * DAY_MS, Timer::PendingExpiration))
        );
    }
}
