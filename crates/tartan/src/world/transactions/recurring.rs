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
        ("SEMI_MONTHLY", 12, 18),
        ("MONTHLY", 27, 33),
        ("ANNUALLY", 360, 370),
    ];
    // Most gaps in the band (a skipped or doubled occurrence is forgiven).
    let steady = |lo: i64, hi: i64| {
        let n = gaps.iter().filter(|g| (lo..=hi).contains(*g)).count();
        !gaps.is_empty() && n * 5 >= gaps.len() * 4
    };
    let name = BANDS
        .iter()
        .find_map(|(name, lo, hi)| steady(*lo, *hi).then_some(*name))?;
    // Every other Friday is 14 days apart every time; the 1st and the 15th are not (a month's
    // second half is 13 to 17 days long).
    let uneven = gaps.iter().any(|g| (12..=18).contains(g) && *g != 14);
    Some(if name == "SEMI_MONTHLY" && !uneven {
        "BIWEEKLY"
    } else {
        name
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

#[cfg(test)]
mod tests {
    use super::frequency;

    #[test]
    fn the_1st_and_15th_are_twice_a_month_and_every_other_friday_is_biweekly() {
        // 2027-01-01, 01-15, 02-01, 02-15, 03-01, 03-15.
        assert_eq!(frequency(&[14, 17, 14, 14, 14]), Some("SEMI_MONTHLY"));
        assert_eq!(frequency(&[14, 14, 14, 14]), Some("BIWEEKLY"));
        assert_eq!(frequency(&[31, 28, 31]), Some("MONTHLY"));
        assert_eq!(frequency(&[7, 7, 6, 8]), Some("WEEKLY"));
        assert_eq!(frequency(&[3, 20, 9]), None);
    }
}
