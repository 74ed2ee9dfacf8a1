//! Time is a queue: each tenant's due work (Items' timers, pending triggers) ordered by due
//! time, kept up to date as records are applied. Finding what is due costs nothing while
//! nothing is, however many Items there are.

use std::collections::{BTreeSet, HashMap};

/// An Item's timers, in tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    PendingExpiration,
    ConsentExpiry,
    LoginExpiry,
    Refresh,
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
    queued: HashMap<Due, i64>,
    items: HashMap<String, Due>,
}

impl Schedule {
    /// Sets the Item's next timer (or none).
    pub fn set_item(&mut self, item_id: &str, next: Option<(i64, Timer)>) {
        if let Some(old) = self.items.remove(item_id) {
            self.unqueue(&old);
        }
        if let Some((at, timer)) = next {
            let due = Due::Item(item_id.to_owned(), timer);
            self.items.insert(item_id.to_owned(), due.clone());
            self.queue.insert((at, due.clone()));
            self.queued.insert(due, at);
        }
    }

    /// Sets when a trigger is due (or that it is not pending any more).
    pub fn set_trigger(&mut self, id: &str, at: Option<i64>) {
        let due = Due::Trigger(id.to_owned());
        self.unqueue(&due);
        if let Some(at) = at {
            self.queue.insert((at, due.clone()));
            self.queued.insert(due, at);
        }
    }

    fn unqueue(&mut self, due: &Due) {
        if let Some(at) = self.queued.remove(due) {
            self.queue.remove(&(at, due.clone()));
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
