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
        let bought = date_of(created, -30 - (unit(seed ^ 0xB0 ^ k as u64) * 700.0) as i64);
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
