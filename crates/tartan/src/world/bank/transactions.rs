//! The bank's transactions: what happened on each of a user's accounts each day, a pure
//! function of the Item's seed, the account and the day (nothing is stored). Balances are
//! these transactions summed ([`balance`]), so the two always agree.
//!
//! Days are counted from the Item's creation (day 0 is the day it was linked; history has
//! negative days); the calendar date of day `d` is the creation date plus `d` days. Amounts
//! are integer cents, positive when money leaves the account (Plaid's sign).

use time::{Date, Duration, Weekday};

use super::merchants::{self as mm, Merchant};
use super::{AccountTemplate, Balance, account_seed, template};
use crate::world::ids::splitmix;
use tartan_types::wire::AccountType;

/// A card purchase is pending at most this many days before it posts; a hold that never
/// posts disappears after as many.
pub const MAX_PENDING_DAYS: i64 = 5;

/// Upper bound on simulated days (a clock moved decades ahead stays cheap).
pub const MAX_DAYS: i64 = 3660;

/// What an account does, which decides its activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Checking,
    Savings,
    MoneyMarket,
    Hsa,
    CashManagement,
    Cd,
    Card,
    BusinessCard,
    StudentLoan,
    Mortgage,
    /// Investment accounts: their activity is investment transactions, not these.
    Investment,
}

pub fn role(t: &AccountTemplate) -> Role {
    match (t.account_type, t.subtype) {
        (AccountType::Investment | AccountType::Brokerage, _) => Role::Investment,
        (AccountType::Credit, _) if t.name.contains("Business") => Role::BusinessCard,
        (AccountType::Credit, _) => Role::Card,
        (AccountType::Loan, "mortgage") => Role::Mortgage,
        (AccountType::Loan, _) => Role::StudentLoan,
        (_, "checking") => Role::Checking,
        (_, "savings") => Role::Savings,
        (_, "money market") => Role::MoneyMarket,
        (_, "hsa") => Role::Hsa,
        (_, "cash management") => Role::CashManagement,
        (_, "cd") => Role::Cd,
        _ => Role::Savings,
    }
}

/// Whether an account has transactions (Plaid lists only those in `/transactions/*`).
pub fn has_transactions(t: &AccountTemplate) -> bool {
    role(t) != Role::Investment
}

/// One transaction as the bank knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BankTxn {
    /// The account's template index.
    pub account: usize,
    /// The day the purchase was made (authorized).
    pub authorized_day: i64,
    /// The day it posted; `None` for an authorization hold that never posts.
    pub posted_day: Option<i64>,
    /// Which of the day's transactions it is (ids derive from the day and this).
    pub slot: u8,
    /// Amount while pending (a restaurant's tip is added when it posts).
    pub pending_cents: i64,
    /// Amount once posted.
    pub cents: i64,
    pub merchant: &'static Merchant,
    /// Shown as pending before it posts (card purchases); bills and transfers post at once.
    pub pends: bool,
    pub origin: Origin,
}

/// Where a transaction comes from, which decides its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The bank's function of (seed, account, day, slot).
    Bank,
    /// The `k`th purchase a `/transactions/refresh` of `user_transactions_dynamic` made
    /// (refreshes counted from 1).
    Refresh { n: u16, k: u8 },
    /// The `i`th transaction Tartan stores for the Item (`/sandbox/transactions/create`).
    Stored(u16),
    /// The `i`th transaction of the Item's `user_custom` configuration.
    Custom(u16),
}

impl BankTxn {
    /// Whether the transaction went through a pending state before posting.
    pub fn was_pending(&self) -> bool {
        self.pends
    }

    /// Pending as of `day`: made, not yet posted, not yet dropped.
    pub fn pending_on(&self, day: i64) -> bool {
        self.authorized_day <= day
            && match self.posted_day {
                Some(p) => day < p,
                None => day < self.authorized_day + MAX_PENDING_DAYS,
            }
    }

    pub fn posted_by(&self, day: i64) -> bool {
        self.posted_day.is_some_and(|p| p <= day)
    }

    /// A seed unique to this transaction under the Item's seed (ids derive from it).
    pub fn key(&self, item_seed: u64) -> u64 {
        match self.origin {
            Origin::Bank => {}
            Origin::Refresh { n, k } => {
                return splitmix(
                    item_seed ^ splitmix(0x5EF2_E500_0000 | u64::from(n) << 8 | u64::from(k)),
                );
            }
            Origin::Stored(i) => {
                return splitmix(item_seed ^ splitmix(0x570_2ED0_0000 | u64::from(i)));
            }
            Origin::Custom(i) => {
                return splitmix(item_seed ^ splitmix(0xC057_0000_0000 | u64::from(i)));
            }
        }
        // Chained, not XORed side by side: (account, slot) pairs must not cancel out.
        let account = splitmix(item_seed ^ splitmix(self.account as u64 + 1));
        let day = splitmix(account ^ splitmix(self.authorized_day as u64));
        splitmix(day ^ u64::from(self.slot))
    }
}

/// A deterministic draw in [0, 1) for (seed, day, k).
fn draw(seed: u64, day: i64, k: u64) -> f64 {
    let x = splitmix(seed ^ splitmix((day as u64) ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// An amount in cents between `lo` and `hi` dollars.
fn dollars(u: f64, lo: f64, hi: f64) -> i64 {
    ((lo + (hi - lo) * u) * 100.0).round() as i64
}

/// The calendar date of day `day` for an Item created on `created`.
pub fn date_of(created: Date, day: i64) -> Date {
    created.checked_add(Duration::days(day)).unwrap_or(created)
}

fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Payroll on the 1st and 15th, or the Friday before when that is a weekend.
fn payday(d: Date) -> bool {
    let on = |x: Date| matches!(x.day(), 1 | 15);
    (on(d) && !weekend(d))
        || (d.weekday() == Weekday::Friday && [1, 2].iter().any(|n| on(date_of(d, *n))))
}

fn last_day_of_month(d: Date) -> bool {
    date_of(d, 1).day() == 1
}

/// Card purchases and charges that posted in the calendar month before `d`'s, in cents
/// (what the statement closing in that month asks to be paid).
pub fn statement_cents(item_seed: u64, card: usize, created: Date, day: i64) -> i64 {
    let d = date_of(created, day);
    let first_this = day - i64::from(d.day()) + 1;
    // The card's statement and the account paying it both ask, and every read of a window
    // asks again: the last answers are remembered (a pure function of the key).
    let key = (item_seed, card, created, first_this);
    let slot = splitmix(item_seed ^ (card as u64) << 48 ^ first_this as u64);
    if let Some(cents) = STATEMENTS.with_borrow(|m| m.get(slot, &key)) {
        return cents;
    }
    let cents = statement_of_month(item_seed, card, created, first_this);
    STATEMENTS.with_borrow_mut(|m| m.put(slot, key, cents));
    cents
}

/// The last values of a pure function, per thread, by the slot their key hashes to: a hit
/// saves the work, a miss costs a comparison, a collision evicts (never answers for another
/// key).
struct Remembered<K, V, const N: usize>([Option<(K, V)>; N]);

impl<K: Copy + Eq, V: Copy, const N: usize> Remembered<K, V, N> {
    const fn new() -> Self {
        Self([None; N])
    }

    fn get(&self, slot: u64, key: &K) -> Option<V> {
        match &self.0[(slot % N as u64) as usize] {
            Some((k, v)) if k == key => Some(*v),
            _ => None,
        }
    }

    fn put(&mut self, slot: u64, key: K, value: V) {
        self.0[(slot % N as u64) as usize] = Some((key, value));
    }
}

/// (item seed, account, Item's creation date, day): what a remembered value is of.
type DayKey = (u64, usize, Date, i64);

thread_local! {
    static STATEMENTS: std::cell::RefCell<Remembered<DayKey, i64, 512>> =
        const { std::cell::RefCell::new(Remembered::new()) };
    static MOVED: std::cell::RefCell<Remembered<DayKey, i64, 2048>> =
        const { std::cell::RefCell::new(Remembered::new()) };
}

/// The statement closing before the month that starts on day `first_this`.
fn statement_of_month(item_seed: u64, card: usize, created: Date, first_this: i64) -> i64 {
    let first_prev = first_this - i64::from(date_of(created, first_this - 1).day());
    let mut bought = Vec::new();
    let acct = Acct::new(item_seed, card);
    let mut date = date_of(created, first_prev - MAX_PENDING_DAYS);
    for a in (first_prev - MAX_PENDING_DAYS)..first_this {
        purchases(&acct, a, date, &mut bought);
        card_charges(&acct, a, date, &mut bought);
        date = date.next_day().unwrap_or(date);
    }
    let total: i64 = bought
        .iter()
        .filter(|t| {
            t.posted_day
                .is_some_and(|p| (first_prev..first_this).contains(&p))
        })
        .map(|t| t.cents)
        .sum();
    total.max(0)
}

/// The account's transactions made (authorized) on `day`.
pub fn on_day(item_seed: u64, account: usize, created: Date, day: i64) -> Vec<BankTxn> {
    let mut out = Vec::new();
    let date = date_of(created, day);
    let acct = Acct::new(item_seed, account);
    purchases(&acct, day, date, &mut out);
    scheduled(&acct, created, day, date, &mut out);
    out
}

/// Everyday spending: random on any day, pending first.
/// What generating an account's days needs, worked out once.
struct Acct {
    item_seed: u64,
    index: usize,
    template: &'static AccountTemplate<'static>,
    seed: u64,
    role: Role,
}

impl Acct {
    fn new(item_seed: u64, index: usize) -> Self {
        let template = template(index);
        Self {
            item_seed,
            index,
            template,
            seed: account_seed(item_seed, template.mask),
            role: role(template),
        }
    }
}

fn purchases(a: &Acct, day: i64, date: Date, out: &mut Vec<BankTxn>) {
    let (account, seed) = (a.index, a.seed);
    let u = |k: u64| draw(seed, day, k);
    let txn = |slot: u8, merchant: &'static Merchant, cents: i64, lag: i64| BankTxn {
        account,
        authorized_day: day,
        posted_day: Some(day + lag),
        slot,
        pending_cents: cents,
        cents,
        merchant,
        pends: lag > 0,
        origin: Origin::Bank,
    };
    let lag = |k: u64| 1 + (u(k) * 3.0) as i64;
    let weekday = !weekend(date);
    match a.role {
        Role::Checking => {
            if u(1) < 0.30 {
                let m = if u(2) < 0.5 {
                    &mm::WHOLE_FOODS
                } else {
                    &mm::TRADER_JOES
                };
                out.push(txn(1, m, dollars(u(3), 25.0, 140.0), lag(4)));
            }
            if u(5) < 0.12 {
                out.push(txn(2, &mm::SHELL, dollars(u(6), 30.0, 65.0), lag(7)));
            }
            if u(8) < 0.05 {
                let cash = [6000, 8000, 10000][(u(9) * 3.0) as usize % 3];
                out.push(txn(3, &mm::ATM, cash, 0));
            }
            if u(10) < 0.04 {
                out.push(txn(4, &mm::VENMO, dollars(u(11), 10.0, 60.0), 0));
            }
        }
        Role::Card => {
            if u(1) < 0.45 && weekday {
                out.push(txn(1, &mm::STARBUCKS, dollars(u(2), 3.25, 7.50), lag(3)));
            }
            if u(4) < 0.25 {
                let m = if u(5) < 0.5 {
                    &mm::SWEETGREEN
                } else {
                    &mm::CHIPOTLE
                };
                let base = dollars(u(6), 14.0, 70.0);
                // A tip is added when the charge posts: the amount changes.
                out.push(BankTxn {
                    cents: base + (base as f64 * 0.18).round() as i64,
                    ..txn(2, m, base, lag(7))
                });
            }
            if u(8) < 0.10 {
                out.push(txn(3, &mm::UBER, dollars(u(9), 9.0, 38.0), lag(10)));
            }
            if u(11) < 0.22 {
                out.push(txn(4, &mm::AMAZON, dollars(u(12), 12.0, 150.0), lag(13)));
            }
            if u(14) < 0.02 {
                out.push(txn(
                    5,
                    &mm::AMAZON_REFUND,
                    -dollars(u(15), 10.0, 60.0),
                    lag(16),
                ));
            }
            if u(17) < 0.015 {
                // A hotel's authorization hold, released without posting.
                out.push(BankTxn {
                    posted_day: None,
                    pends: true,
                    ..txn(6, &mm::MARRIOTT, dollars(u(18), 100.0, 250.0), 0)
                });
            }
        }
        Role::BusinessCard => {
            if u(1) < 0.03 {
                out.push(txn(1, &mm::UNITED, dollars(u(2), 180.0, 620.0), lag(3)));
            }
            if u(4) < 0.06 && weekday {
                out.push(txn(2, &mm::STAPLES, dollars(u(5), 15.0, 120.0), lag(6)));
            }
        }
        Role::Hsa if u(1) < 0.05 => {
            out.push(txn(1, &mm::CVS, dollars(u(2), 8.0, 60.0), lag(3)));
        }
        _ => {}
    }
}

/// A transaction of the account's schedule: made and posted the same day, never pending.
fn posted_on(
    account: usize,
    day: i64,
    slot: u8,
    merchant: &'static Merchant,
    cents: i64,
) -> BankTxn {
    BankTxn {
        account,
        authorized_day: day,
        posted_day: Some(day),
        slot,
        pending_cents: cents,
        cents,
        merchant,
        pends: false,
        origin: Origin::Bank,
    }
}

/// A card's subscriptions and services: on fixed days, posted the same day (its statement
/// counts them with the purchases).
fn card_charges(a: &Acct, day: i64, d: Date, out: &mut Vec<BankTxn>) {
    let charge = |slot: u8, merchant: &'static Merchant, cents: i64| {
        posted_on(a.index, day, slot, merchant, cents)
    };
    match (a.role, d.day()) {
        (Role::Card, 7) => out.push(charge(20, &mm::NETFLIX, 1_549)),
        (Role::Card, 18) => out.push(charge(21, &mm::SPOTIFY, 1_199)),
        (Role::BusinessCard, 3) => out.push(charge(
            20,
            &mm::AWS,
            dollars(draw(a.seed, day, 31), 120.0, 480.0),
        )),
        (Role::BusinessCard, 1) => out.push(charge(21, &mm::GOOGLE_WORKSPACE, 7_200)),
        _ => {}
    }
}

/// Bills, pay, transfers and interest: on fixed days of the month, posted the same day.
fn scheduled(a: &Acct, created: Date, day: i64, d: Date, out: &mut Vec<BankTxn>) {
    card_charges(a, day, d, out);
    let (item_seed, account, seed, t) = (a.item_seed, a.index, a.seed, a.template);
    let dom = d.day();
    let mut post = |slot: u8, merchant: &'static Merchant, cents: i64| {
        out.push(posted_on(account, day, slot, merchant, cents));
    };
    // Monthly interest at an annual rate on the opening balance.
    let interest = |rate: f64| monthly_interest(t, rate);
    match a.role {
        Role::Checking => {
            if payday(d) {
                post(20, &mm::PAYROLL_DEPOSIT, -245_000);
            }
            if dom == MORTGAGE_PAYMENT_DAY {
                post(21, &mm::MORTGAGE_PAYMENT, MORTGAGE_PAYMENT_CENTS);
            }
            if dom == STUDENT_PAYMENT_DAY {
                post(22, &mm::STUDENT_LOAN_PAYMENT, STUDENT_PAYMENT_CENTS);
            }
            if dom == 12 {
                post(23, &mm::PGE, dollars(draw(seed, day, 30), 60.0, 140.0));
            }
            if dom == 16 {
                post(24, &mm::TO_SAVINGS, 20_000);
            }
            if dom == 20 {
                post(25, &mm::COMCAST, 7_999);
            }
            if dom == CARD_DUE_DAY {
                let card = statement_cents(item_seed, CARD, created, day);
                if card > 0 {
                    post(26, &mm::CARD_PAYMENT_OUT, card);
                }
            }
        }
        Role::Savings => {
            if dom == 16 {
                post(20, &mm::FROM_CHECKING, -20_000);
            }
            if last_day_of_month(d) {
                post(21, &mm::INTEREST_PAID, -interest(0.001).max(1));
            }
        }
        Role::MoneyMarket => {
            if last_day_of_month(d) {
                post(21, &mm::INTEREST_PAID, -interest(0.0185));
            }
        }
        Role::Cd => {
            if last_day_of_month(d) {
                post(21, &mm::INTEREST_PAID, -interest(0.002));
            }
        }
        Role::Hsa => {
            if dom == 15 {
                post(20, &mm::HSA_CONTRIBUTION, -15_000);
            }
        }
        Role::CashManagement => {
            if last_day_of_month(d) {
                post(21, &mm::INTEREST_PAID, -interest(0.03));
            }
            if dom == BUSINESS_CARD_DUE_DAY {
                let card = statement_cents(item_seed, BUSINESS_CARD, created, day);
                if card > 0 {
                    post(22, &mm::CARD_PAYMENT_OUT, card);
                }
            }
            if dom == 1 {
                post(23, &mm::STRIPE_PAYOUT, -180_000);
            }
        }
        Role::Card => {
            if dom == CARD_DUE_DAY {
                let due = statement_cents(item_seed, account, created, day);
                if due > 0 {
                    post(22, &mm::CARD_PAYMENT_IN, -due);
                }
            }
        }
        Role::BusinessCard => {
            if dom == BUSINESS_CARD_DUE_DAY {
                let due = statement_cents(item_seed, account, created, day);
                if due > 0 {
                    post(22, &mm::CARD_PAYMENT_IN, -due);
                }
            }
        }
        Role::StudentLoan => {
            if dom == STUDENT_PAYMENT_DAY {
                post(20, &mm::LOAN_PAYMENT_IN, -STUDENT_PAYMENT_CENTS);
            }
            if dom == INTEREST_DAY {
                post(21, &mm::INTEREST_CHARGE, interest(STUDENT_RATE));
            }
        }
        Role::Mortgage => {
            if dom == MORTGAGE_PAYMENT_DAY {
                post(20, &mm::LOAN_PAYMENT_IN, -MORTGAGE_PAYMENT_CENTS);
            }
            if dom == INTEREST_DAY {
                post(21, &mm::INTEREST_CHARGE, interest(MORTGAGE_RATE));
            }
        }
        Role::Investment => {}
    }
}

/// Template indices of the accounts whose statements other accounts pay.
/// Template indices of the cards whose statements other accounts pay.
pub const CARD: usize = 3;
pub const BUSINESS_CARD: usize = 11;
/// The day of the month each card's statement is paid (by checking and by cash management).
pub const CARD_DUE_DAY: u8 = 25;
pub const BUSINESS_CARD_DUE_DAY: u8 = 22;
/// Loan interest for a month at `rate` a year on the account's opening balance, in cents.
pub fn monthly_interest(t: &AccountTemplate, rate: f64) -> i64 {
    ((t.current * rate / 12.0) * 100.0).round() as i64
}

/// The loans: monthly payment (cents) and its day, yearly interest charged on the 28th.
pub const STUDENT_PAYMENT_CENTS: i64 = 34_500;
pub const STUDENT_PAYMENT_DAY: u8 = 5;
pub const STUDENT_RATE: f64 = 0.05;
pub const MORTGAGE_PAYMENT_CENTS: i64 = 128_500;
pub const MORTGAGE_PAYMENT_DAY: u8 = 1;
pub const MORTGAGE_RATE: f64 = 0.035;
/// The day of the month loan interest is charged.
pub const INTEREST_DAY: u8 = 28;

/// Every transaction of the account authorized in `days` (a range of day numbers).
pub fn between(
    item_seed: u64,
    account: usize,
    created: Date,
    days: std::ops::Range<i64>,
) -> Vec<BankTxn> {
    let (lo, hi) = (days.start.max(-MAX_DAYS), days.end.min(MAX_DAYS + 1));
    let mut out = Vec::with_capacity(((hi - lo).max(0) as usize) * 2);
    let acct = Acct::new(item_seed, account);
    if acct.role == Role::Investment {
        return out;
    }
    let mut date = date_of(created, lo);
    for day in lo..hi {
        purchases(&acct, day, date, &mut out);
        scheduled(&acct, created, day, date, &mut out);
        date = date.next_day().unwrap_or(date);
    }
    out
}

/// How a transaction of `cents` moves the account's `current` balance: depository balances
/// fall when money leaves, what is owed on a card or loan rises.
pub fn effect(t: &AccountTemplate, cents: i64) -> i64 {
    match t.account_type {
        AccountType::Credit | AccountType::Loan => cents,
        _ => -cents,
    }
}

/// The bank's balance for an account `days` whole days after the Item was created: the
/// opening balance (the Sandbox's figures on day 0) plus every transaction posted since, and
/// the available balance less what is pending beyond what was pending on day 0.
pub fn balance(item_seed: u64, account: usize, created: Date, days: i64) -> Balance {
    let t = template(account);
    if role(t) == Role::Investment {
        // Its holdings at the day's prices (issue 11).
        return Balance {
            available: t.available,
            current: Some(super::holdings::value(
                item_seed,
                t,
                created,
                days.clamp(0, MAX_DAYS),
            )),
            limit: t.limit,
        };
    }
    let days = days.clamp(0, MAX_DAYS);
    // What posted up to the last checkpoint is remembered; only the days since are read.
    let checkpoint = days / CHECKPOINT_DAYS * CHECKPOINT_DAYS;
    let mut moved = moved_by(item_seed, account, created, checkpoint);
    let (mut pending_now, mut pending_start) = (0i64, 0i64);
    for txn in between(
        item_seed,
        account,
        created,
        (checkpoint - MAX_PENDING_DAYS)..(days + 1),
    ) {
        if txn.posted_day.is_some_and(|p| p > checkpoint && p <= days) {
            moved += effect(t, txn.cents);
        }
        if txn.pending_on(days) {
            pending_now += effect(t, txn.pending_cents);
        }
    }
    for txn in between(item_seed, account, created, -MAX_PENDING_DAYS..1) {
        if txn.pending_on(0) {
            pending_start += effect(t, txn.pending_cents);
        }
    }
    let current = cents_to(t.current) + moved;
    let held = pending_now - pending_start;
    let available = t.available.map(|a| match t.account_type {
        // What can still be borrowed shrinks as the balance and the holds grow.
        AccountType::Credit | AccountType::Loan => cents_to(a) - moved - held,
        _ => cents_to(a) + moved + held,
    });
    Balance {
        available: available.map(from_cents),
        current: Some(from_cents(current)),
        limit: t.limit,
    }
}

/// Balances are read from the last multiple of this many days on.
const CHECKPOINT_DAYS: i64 = 32;

/// How much what posted on days `1..=day` moved the account's current balance (`day` a
/// multiple of [`CHECKPOINT_DAYS`]), built checkpoint by checkpoint and remembered.
fn moved_by(item_seed: u64, account: usize, created: Date, day: i64) -> i64 {
    if day <= 0 {
        return 0;
    }
    let key = (item_seed, account, created, day);
    let slot = splitmix(item_seed ^ (account as u64) << 48 ^ day as u64);
    if let Some(moved) = MOVED.with_borrow(|m| m.get(slot, &key)) {
        return moved;
    }
    let from = day - CHECKPOINT_DAYS;
    let t = template(account);
    let mut moved = moved_by(item_seed, account, created, from);
    for txn in between(
        item_seed,
        account,
        created,
        (from - MAX_PENDING_DAYS)..(day + 1),
    ) {
        if txn.posted_day.is_some_and(|p| p > from.max(0) && p <= day) {
            moved += effect(t, txn.cents);
        }
    }
    MOVED.with_borrow_mut(|m| m.put(slot, key, moved));
    moved
}

/// The Sandbox's opening figures for an account (its balance on day 0, before any activity).
pub fn opening(account: usize) -> Balance {
    let t = template(account);
    Balance {
        available: t.available,
        current: Some(t.current),
        limit: t.limit,
    }
}

/// A balance moved by transactions no function of the day makes (Plaid's sign, in cents):
/// `posted` since it was read, and `pending` more held.
pub fn adjusted(account: usize, b: Balance, posted: i64, pending: i64) -> Balance {
    let t = template(account);
    if role(t) == Role::Investment || (posted == 0 && pending == 0) {
        return b;
    }
    let moved = effect(t, posted);
    let held = effect(t, pending);
    let shift = |x: Option<f64>, by: i64| x.map(|v| from_cents(cents_to(v) + by));
    let available = match t.account_type {
        AccountType::Credit | AccountType::Loan => shift(b.available, -moved - held),
        _ => shift(b.available, moved + held),
    };
    Balance {
        available,
        current: shift(b.current, moved),
        limit: b.limit,
    }
}

fn cents_to(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

pub fn from_cents(c: i64) -> f64 {
    c as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const CREATED: Date = date!(2026 - 03 - 10);

    #[test]
    fn the_same_seed_gives_the_same_transactions() {
        let a = between(7, 0, CREATED, -90..30);
        assert_eq!(a, between(7, 0, CREATED, -90..30));
        assert_ne!(a, between(8, 0, CREATED, -90..30));
        assert!(a.len() > 40, "a checking account is busy: {}", a.len());
    }

    #[test]
    fn balances_are_the_opening_figures_on_day_zero() {
        for account in 0..super::super::USER_GOOD.len() {
            let t = template(account);
            let b = balance(42, account, CREATED, 0);
            if role(t) != Role::Investment {
                assert_eq!(b.current, Some(t.current), "{}", t.name);
                assert_eq!(b.available, t.available, "{}", t.name);
            }
        }
    }

    #[test]
    fn each_days_change_is_that_days_posted_transactions() {
        for account in [0usize, 1, 3, 7, 9, 10, 11] {
            let t = template(account);
            let txns = between(42, account, CREATED, -MAX_PENDING_DAYS..91);
            for day in 1..=90 {
                let before = cents_to(balance(42, account, CREATED, day - 1).current.unwrap());
                let after = cents_to(balance(42, account, CREATED, day).current.unwrap());
                let posted: i64 = txns
                    .iter()
                    .filter(|x| x.posted_day == Some(day))
                    .map(|x| effect(t, x.cents))
                    .sum();
                assert_eq!(after - before, posted, "{} on day {day}", t.name);
            }
        }
    }

    #[test]
    fn balances_from_checkpoints_are_every_posted_transaction_summed() {
        for (seed, account) in [
            (1u64, 0usize),
            (2, CARD),
            (3, 1),
            (4, BUSINESS_CARD),
            (5, 10),
        ] {
            let t = template(account);
            for days in [0i64, 1, 31, 32, 33, 64, 95, 400, 731] {
                let posted: i64 = between(seed, account, CREATED, -MAX_PENDING_DAYS..days + 1)
                    .iter()
                    .filter(|x| x.posted_day.is_some_and(|p| p > 0 && p <= days))
                    .map(|x| effect(t, x.cents))
                    .sum();
                assert_eq!(
                    balance(seed, account, CREATED, days).current,
                    Some(from_cents(cents_to(t.current) + posted)),
                    "seed {seed}, account {account}, day {days}"
                );
            }
        }
    }

    #[test]
    fn remembered_statements_are_the_ones_computed() {
        let created = date!(2027 - 03 - 10);
        // More keys than the memo has slots, asked twice in a different order: collisions
        // evict, never answer for another key.
        let keys: Vec<(u64, usize, i64)> = (0..700u64)
            .flat_map(|seed| {
                [
                    (seed, CARD, 15 + seed as i64 % 60),
                    (seed, BUSINESS_CARD, -40),
                ]
            })
            .collect();
        for pass in 0..2 {
            for &(seed, card, day) in keys.iter().rev().skip(pass) {
                let first = day - i64::from(date_of(created, day).day()) + 1;
                assert_eq!(
                    statement_cents(seed, card, created, day),
                    statement_of_month(seed, card, created, first),
                    "seed {seed}, card {card}, day {day}"
                );
            }
        }
    }

    #[test]
    fn cards_are_paid_in_full_each_month() {
        // Each statement (purchases and subscriptions) is paid in full, so the card stays
        // within a month's spending of its opening balance however long it runs.
        let opening = template(CARD).current;
        for days in [365, 730] {
            let current = balance(42, CARD, CREATED, days).current.unwrap_or(f64::NAN);
            assert!(
                (opening - 3000.0..opening + 3000.0).contains(&current),
                "day {days}: {current}"
            );
        }
    }

    #[test]
    fn transaction_keys_are_unique_across_accounts_and_days() {
        for seed in 0..200u64 {
            let mut keys: Vec<u64> = (0..15)
                .flat_map(|a| between(seed, a, CREATED, -30..30))
                .map(|t| t.key(seed))
                .collect();
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), n, "seed {seed}");
        }
    }

    #[test]
    fn every_merchant_used_is_listed() {
        for account in 0..15 {
            for t in between(42, account, CREATED, -400..400) {
                assert!(
                    mm::ALL.iter().any(|m| std::ptr::eq(*m, t.merchant)),
                    "{} is not in merchants::ALL",
                    t.merchant.description
                );
            }
        }
    }

    #[test]
    fn a_transaction_pends_exactly_when_it_does_not_post_the_day_it_is_made() {
        for account in 0..15 {
            for t in between(42, account, CREATED, -200..200) {
                assert_eq!(t.pends, t.posted_day != Some(t.authorized_day), "{t:?}");
                assert_eq!(t.origin, Origin::Bank);
            }
        }
    }

    #[test]
    fn pending_purchases_post_later_and_holds_vanish() {
        let txns = between(42, CARD, CREATED, -365..365);
        assert!(
            txns.iter()
                .any(|t| t.was_pending() && t.posted_day.is_some())
        );
        assert!(txns.iter().any(|t| t.posted_day.is_none()));
        assert!(
            txns.iter().any(|t| t.cents != t.pending_cents),
            "tips change amounts"
        );
        assert!(txns.iter().all(|t| {
            t.posted_day
                .is_none_or(|p| p - t.authorized_day < MAX_PENDING_DAYS)
        }));
    }
}
