//! Time is a queue: each tenant's due work (Items' timers, pending triggers) ordered by due
//! time, kept up to date as records are applied. Finding what is due costs nothing while
//! nothing is, however many Items there are.

use std::collections::BTreeSet;

use foldhash::HashMap;

/// An Item's timers, in tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    PendingExpiration,
    ConsentExpiry,
    LoginExpiry,
    Refresh,
    /// A stage of the first transactions pull completes (INITIAL_UPDATE, HISTORICAL_UPDATE).
    TransactionsReady,
    /// An asynchronous investment transactions pull completes (HISTORICAL_UPDATE).
    InvestmentsReady,
}

/// Something due: a trigger, or an Item's earliest timer. Ties in time are broken by this
/// order (triggers first, then by id), so runs are deterministic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Due {
    Trigger(String),
    Item(String, Timer),
}

#[derive(Debug, Default, Clone)]
pub struct Schedule {
    queue: BTreeSet<(i64, Due)>,
    /// What is queued for each Item and trigger, to replace it when it changes.
    items: HashMap<String, (i64, Timer)>,
    triggers: HashMap<String, i64>,
}

impl Schedule {
    pub fn reserve_items(&mut self, n: usize) {
        self.items.reserve(n);
    }

    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.triggers.shrink_to_fit();
    }

    /// Sets the Item's next timer (or none).
    pub fn set_item(&mut self, item_id: &str, next: Option<(i64, Timer)>) {
        if self.items.get(item_id) == next.as_ref() {
            return;
        }
        if let Some((at, timer)) = self.items.remove(item_id) {
            self.queue
                .remove(&(at, Due::Item(item_id.to_owned(), timer)));
        }
        if let Some((at, timer)) = next {
            self.items.insert(item_id.to_owned(), (at, timer));
            self.queue
                .insert((at, Due::Item(item_id.to_owned(), timer)));
        }
    }

    /// Sets when a trigger is due (or that it is not pending any more).
    pub fn set_trigger(&mut self, id: &str, at: Option<i64>) {
        if let Some(old) = self.triggers.remove(id) {
            self.queue.remove(&(old, Due::Trigger(id.to_owned())));
        }
        if let Some(at) = at {
            self.triggers.insert(id.to_owned(), at);
            self.queue.insert((at, Due::Trigger(id.to_owned())));
        }
    }

    /// When the earliest work falls due.
    pub fn next_due(&self) -> Option<i64> {
        self.queue.first().map(|(at, _)| *at)
    }

    /// Work due at or before `until`, in order.
    pub fn due_until(&self, until: i64) -> impl Iterator<Item = &(i64, Due)> {
        self.queue.iter().take_while(move |(at, _)| *at <= until)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_an_items_timer_and_orders_by_time_then_kind() {
        let mut s = Schedule::default();
        s.set_item("b", Some((20, Timer::Refresh)));
        s.set_item("a", Some((30, Timer::Refresh)));
        s.set_trigger("t", Some(20));
        s.set_item("a", Some((10, Timer::LoginExpiry)));
        let due: Vec<_> = s.due_until(20).cloned().collect();
        assert_eq!(
            due,
            vec![
                (10, Due::Item("a".into(), Timer::LoginExpiry)),
                (20, Due::Trigger("t".into())),
                (20, Due::Item("b".into(), Timer::Refresh)),
            ]
        );
        s.set_item("a", None);
        s.set_trigger("t", None);
        assert_eq!(s.next_due(), Some(20));
        assert_eq!(s.len(), 1);
    }
}
