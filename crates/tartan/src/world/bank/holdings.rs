//! What the investment accounts hold: positions fixed at linking (a function of the Item's
//! seed and creation date) valued at the market's close prices ([`securities`]), plus cash.
//! An investment account's balance is its holdings' value: on the day of linking exactly the
//! Sandbox's figure (Plaid IRA 320.76, Plaid 401k 23631.9805), moving with the prices after.

use time::Date;

use super::securities::{self, Security};
use super::transactions::date_of;
use super::{AccountTemplate, account_seed};
use crate::world::ids::splitmix;

/// A position in one security.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holding {
    pub security: &'static Security,
    pub quantity: f64,
    /// What was paid for the position.
    pub cost_basis: f64,
}

impl Holding {
    /// The position's value at the close of `d`.
    pub fn value(&self, d: Date) -> f64 {
        round_to(self.quantity * self.security.close(d), 4)
    }
}

/// (ticker, share of the account) for the standard investment accounts, by mask; the cash
/// position takes what is left.
fn mix(mask: &str) -> &'static [(&'static str, f64)] {
    match mask {
        // An IRA of two funds.
        "5555" => &[("VTI", 0.55), ("BND", 0.30), ("T 4.25 15/11/34", 0.10)],
        // A 401k of index funds and two stocks.
        "6666" => &[
            ("VFIAX", 0.45),
            ("DBLTX", 0.20),
            ("AAPL", 0.12),
            ("MSFT", 0.12),
            ("BTC", 0.03),
        ],
        _ => &[("VTI", 0.60), ("BND", 0.30)],
    }
}

fn round_to(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

/// A number in [0, 1) from a seed.
fn unit(x: u64) -> f64 {
    (splitmix(x) >> 11) as f64 / (1u64 << 53) as f64
}

/// The account's positions, cash last, for an Item created on `created`.
pub fn holdings(item_seed: u64, t: &AccountTemplate, created: Date) -> Vec<Holding> {
    let seed = account_seed(item_seed, t.mask);
    let total = t.current;
    let mut out = Vec::new();
    let mut invested = 0.0;
    // Each Item's mix differs a little; the cash share stays what the mix leaves.
    let base = mix(t.mask);
    let jittered: Vec<f64> = (0..base.len())
        .map(|k| base[k].1 * (0.85 + 0.3 * unit(seed ^ (k as u64 + 1))))
        .collect();
    let scale = base.iter().map(|b| b.1).sum::<f64>() / jittered.iter().sum::<f64>().max(1e-9);
    for (k, ((ticker, _), jittered)) in base.iter().zip(&jittered).enumerate() {
        let Some(security) = securities::find(ticker) else {
            continue;
        };
        let share = jittered * scale;
        let price = security.close(created);
        let quantity = round_to(total * share / price, 4);
        if quantity <= 0.0 {
            continue;
        }
        // Bought over the last two years, at that day's close.
        let bought = date_of(created, bought_day(seed, k));
        let cost_basis = round_to(quantity * security.close(bought), 2);
        invested += round_to(quantity * price, 4);
        out.push(Holding {
            security,
            quantity,
            cost_basis,
        });
    }
    if let Some(cash) = securities::find("CUR:USD") {
        let left = round_to(total - invested, 4).max(0.0);
        out.push(Holding {
            security: cash,
            quantity: left,
            cost_basis: left,
        });
    }
    out
}

/// The day (before linking) the account bought its `k`th position.
fn bought_day(seed: u64, k: usize) -> i64 {
    -30 - (unit(seed ^ 0xB0 ^ k as u64) * 700.0) as i64
}

/// What an investment transaction was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvestmentKind {
    Contribution,
    Buy,
    Sell,
    Dividend,
    Fee,
    Withdrawal,
}

impl InvestmentKind {
    /// Plaid's `type` and `subtype`.
    pub fn plaid(self) -> (&'static str, &'static str) {
        match self {
            Self::Contribution => ("cash", "contribution"),
            Self::Buy => ("buy", "buy"),
            Self::Sell => ("sell", "sell"),
            Self::Dividend => ("cash", "dividend"),
            Self::Fee => ("fee", "management fee"),
            Self::Withdrawal => ("cash", "withdrawal"),
        }
    }
}

/// One investment transaction of an account's history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvestmentTxn {
    /// The bank day (negative: before linking).
    pub day: i64,
    pub kind: InvestmentKind,
    pub security: Option<&'static Security>,
    /// Units bought (positive) or sold (negative).
    pub quantity: f64,
    pub price: f64,
    /// Plaid's sign: positive when cash leaves the account's cash (a purchase, a fee).
    pub amount: f64,
    /// Its place in the account's history (ids derive from it).
    pub n: u16,
}

/// The account's investment transactions over the two years before linking, oldest first:
/// they explain its holdings (each position bought, some partly sold since) and its cash
/// (contributions before each purchase, the funds' quarterly dividends, the plan's fees).
/// Nothing happens after linking (Plaid's Sandbox data is static).
pub fn history(item_seed: u64, t: &AccountTemplate, created: Date) -> Vec<InvestmentTxn> {
    let seed = account_seed(item_seed, t.mask);
    let positions = holdings(item_seed, t, created);
    let mut out: Vec<InvestmentTxn> = Vec::new();
    let mut push = |day: i64, kind, security, quantity: f64, price: f64, amount: f64| {
        out.push(InvestmentTxn {
            day,
            kind,
            security,
            quantity: round_to(quantity, 4),
            price,
            amount: round_to(amount, 4),
            n: 0,
        });
    };
    let mut cash = 0.0;
    // The account opened with its first purchase: nothing is charged before.
    let mut opened = 0;
    for (k, h) in positions.iter().enumerate() {
        if h.security.kind == securities::Kind::Cash {
            continue;
        }
        let day = bought_day(seed, k);
        opened = opened.min(day);
        let price = h.security.close(date_of(created, day));
        // Some positions were larger and partly sold since.
        let sold = if unit(seed ^ 0x5E11 ^ k as u64) < 0.5 {
            round_to(h.quantity / 3.0, 4)
        } else {
            0.0
        };
        let bought = h.quantity + sold;
        let cost = round_to(bought * price, 4);
        push(day, InvestmentKind::Contribution, None, 0.0, 0.0, -cost);
        push(
            day,
            InvestmentKind::Buy,
            Some(h.security),
            bought,
            price,
            cost,
        );
        let mut sold_on = None;
        if sold > 0.0 {
            let span = (-day - 2).max(1) as f64;
            let when = day + 1 + (unit(seed ^ 0x5E12 ^ k as u64) * span) as i64;
            let at = h.security.close(date_of(created, when));
            let proceeds = round_to(sold * at, 4);
            push(
                when,
                InvestmentKind::Sell,
                Some(h.security),
                -sold,
                at,
                -proceeds,
            );
            cash += proceeds;
            sold_on = Some(when);
        }
        // The funds pay a dividend every quarter (on the 28th of its last month).
        let yearly = match (h.security.kind, h.security.ticker) {
            (securities::Kind::Etf | securities::Kind::MutualFund, "BND" | "DBLTX") => 0.035,
            (securities::Kind::Etf | securities::Kind::MutualFund, _) => 0.015,
            _ => 0.0,
        };
        if yearly > 0.0 {
            for d in day + 1..0 {
                let date = date_of(created, d);
                if date.day() == 28 && u8::from(date.month()) % 3 == 0 {
                    let held = if sold_on.is_some_and(|s| s <= d) {
                        h.quantity
                    } else {
                        bought
                    };
                    let paid = round_to(held * h.security.close(date) * yearly / 4.0, 2);
                    push(
                        d,
                        InvestmentKind::Dividend,
                        Some(h.security),
                        0.0,
                        0.0,
                        -paid,
                    );
                    cash += paid;
                }
            }
        }
    }
    // The plan's fee, every quarter of the two years.
    if t.mask == "6666" {
        for q in (1..=8).filter(|q| -91 * q > opened) {
            push(-91 * q, InvestmentKind::Fee, None, 0.0, 0.0, 3.0);
            cash -= 3.0;
        }
    }
    // What the account holds in cash at linking, the rest of its cash having come and gone.
    let left = positions
        .iter()
        .find(|h| h.security.kind == securities::Kind::Cash)
        .map_or(0.0, |h| h.quantity);
    let settle = round_to(left - cash, 4);
    if settle > 0.0 {
        push(-1, InvestmentKind::Contribution, None, 0.0, 0.0, -settle);
    } else if settle < 0.0 {
        push(-1, InvestmentKind::Withdrawal, None, 0.0, 0.0, -settle);
    }
    out.sort_by_key(|x| x.day);
    for (n, x) in out.iter_mut().enumerate() {
        x.n = n.min(usize::from(u16::MAX)) as u16;
    }
    out
}

/// The account's value at the close of day `day` after linking: its holdings at that day's
/// prices (the Sandbox's figure on day 0).
pub fn value(item_seed: u64, t: &AccountTemplate, created: Date, day: i64) -> f64 {
    if day <= 0 {
        return t.current;
    }
    let d = date_of(created, day);
    let sum: f64 = holdings(item_seed, t, created)
        .iter()
        .map(|h| h.value(d))
        .sum();
    round_to(sum, 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::bank::USER_GOOD;
    use time::macros::date;

    #[test]
    fn on_the_day_of_linking_the_holdings_are_the_sandboxs_figure() {
        for t in USER_GOOD
            .iter()
            .filter(|t| ["5555", "6666"].contains(&t.mask))
        {
            for seed in 0..50u64 {
                let created = date!(2027 - 03 - 10);
                let h = holdings(seed, t, created);
                let sum: f64 = h.iter().map(|h| h.value(created)).sum();
                assert!(
                    (sum - t.current).abs() < 1e-6,
                    "{} seed {seed}: {sum}",
                    t.mask
                );
                assert!(h.iter().all(|h| h.quantity >= 0.0));
                assert_eq!(h.last().map(|h| h.security.ticker), Some("CUR:USD"));
                assert_eq!(value(seed, t, created, 0), t.current);
            }
        }
    }

    #[test]
    fn the_history_explains_the_holdings_and_the_cash() {
        let created = date!(2027 - 03 - 10);
        for t in USER_GOOD
            .iter()
            .filter(|t| ["5555", "6666"].contains(&t.mask))
        {
            for seed in 0..40u64 {
                let h = holdings(seed, t, created);
                let txns = history(seed, t, created);
                assert!(
                    txns.iter().all(|x| (-730..0).contains(&x.day)),
                    "{}",
                    t.mask
                );
                for p in h
                    .iter()
                    .filter(|p| p.security.kind != securities::Kind::Cash)
                {
                    let units: f64 = txns
                        .iter()
                        .filter(|x| x.security.is_some_and(|s| std::ptr::eq(s, p.security)))
                        .map(|x| x.quantity)
                        .sum();
                    assert!(
                        (units - p.quantity).abs() < 1e-3,
                        "{} {}",
                        t.mask,
                        p.security.ticker
                    );
                }
                // Cash: what came in less what went out (amounts are positive when it left).
                let cash: f64 = -txns.iter().map(|x| x.amount).sum::<f64>();
                let held = h.last().map_or(0.0, |c| c.quantity);
                assert!(
                    (cash - held).abs() < 1e-3,
                    "{} seed {seed}: {cash} vs {held}",
                    t.mask
                );
            }
        }
    }

    #[test]
    fn the_value_moves_with_the_prices_and_is_the_same_for_the_same_seed() {
        let ira = USER_GOOD.iter().find(|t| t.mask == "5555").expect("IRA");
        let created = date!(2027 - 03 - 10);
        let later = value(7, ira, created, 30);
        assert_ne!(later, ira.current);
        assert_eq!(value(7, ira, created, 30), later);
        let d = date_of(created, 30);
        let sum: f64 = holdings(7, ira, created).iter().map(|h| h.value(d)).sum();
        assert!((sum - later).abs() < 1e-6);
    }
}
