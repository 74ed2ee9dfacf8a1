//! Recurring streams in Plaid's copy, found the way a reader of the statement would: the
//! posted transactions of one payee on one account, at a steady cadence (weekly, every two
//! weeks, twice a month, monthly, yearly). Everyday spending at irregular intervals is not a
//! stream.

use super::{Shown, Version};
use crate::world::Item;
use crate::world::bank::merchants::Merchant;

/// A stream: its payee on one account and its occurrences, oldest first.
pub struct Stream<'a> {
    pub account: usize,
    pub merchant: &'static Merchant,
    pub description: &'a str,
    pub txns: Vec<Shown>,
    pub frequency: &'static str,
    /// The usual days between occurrences.
    pub step: i64,
}

/// A cadence, by the days between occurrences it allows.
fn frequency(gaps: &[i64]) -> Option<&'static str> {
    const BANDS: &[(&str, i64, i64)] = &[
        ("WEEKLY", 6, 8),
        ("BIWEEKLY", 14, 14),
        ("SEMI_MONTHLY", 12, 18),
        ("MONTHLY", 27, 33),
        ("ANNUALLY", 360, 370),
    ];
    BANDS.iter().find_map(|(name, lo, hi)| {
        let steady = gaps.iter().filter(|g| (*lo..=*hi).contains(*g)).count();
        // Most gaps in the band (a skipped or doubled occurrence is forgiven).
        (!gaps.is_empty() && steady * 5 >= gaps.len() * 4).then_some(*name)
    })
}

impl Item {
    /// The streams in the copy at `version`, on the accounts `only` names (all when None).
    pub fn streams(&self, version: Version, only: Option<&[usize]>) -> Vec<Stream<'_>> {
        let mut groups: Vec<Stream<'_>> = Vec::new();
        for s in self.copy_at(version, None) {
            if s.pending || only.is_some_and(|o| !o.contains(&s.txn.account)) {
                continue;
            }
            let description = self.description(&s);
            match groups
                .iter_mut()
                .find(|g| g.account == s.txn.account && g.description == description)
            {
                Some(g) => g.txns.push(s),
                None => groups.push(Stream {
                    account: s.txn.account,
                    merchant: s.txn.merchant,
                    description,
                    txns: vec![s],
                    frequency: "",
                    step: 0,
                }),
            }
        }
        groups.retain_mut(|g| {
            if g.txns.len() < 2 {
                return false;
            }
            let gaps: Vec<i64> = g.txns.windows(2).map(|w| w[1].day() - w[0].day()).collect();
            let Some(freq) = frequency(&gaps) else {
                return false;
            };
            let mut sorted = gaps;
            sorted.sort_unstable();
            g.frequency = freq;
            g.step = sorted[sorted.len() / 2];
            true
        });
        groups
    }
}
