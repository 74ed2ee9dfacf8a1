//! Rendered JSON of an Item's read-only views (such as the cached accounts of `/accounts/get`).
//!
//! Plaid's cached copy only changes when the Item is written, so rendering it once per write
//! instead of once per read is safe. Entries are added only while the state's read lock is held
//! and dropped while its write lock is held (`State::apply`), so a render of an older state can
//! never be stored after the write that made it stale.

use foldhash::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;
use serde_json::value::RawValue;

use super::transactions::Change;

/// Items whose views a tenant keeps rendered: beyond this, an arbitrary one is dropped (and
/// rendered again when next read), so memory stays bounded however many Items are read.
const MAX_ITEMS: usize = 1024;

/// Bytes of rendered pages (`/transactions/sync` answers) a tenant keeps: beyond this, the
/// pages of arbitrary Items are dropped.
const MAX_PAGE_BYTES: usize = 16 << 20;

#[derive(Debug, Default)]
pub struct Views(
    Mutex<HashMap<String, HashMap<&'static str, Arc<RawValue>>>>,
    Mutex<Pages>,
);

/// Rendered answers to requests that are a function of the Item's state and of a key the
/// caller makes from the request (say, a cursor and its options).
#[derive(Debug, Default)]
pub struct Pages {
    by_item: HashMap<String, Vec<(u64, Kept)>>,
    bytes: usize,
}

/// What is kept under a key: a rendered page, or the list of changes pages are cut from.
#[derive(Debug, Clone)]
enum Kept {
    Page(Arc<Page>),
    Changes(Arc<Vec<Change>>),
}

impl Kept {
    fn bytes(&self) -> usize {
        match self {
            Self::Page(p) => p.bytes(),
            Self::Changes(c) => c.len() * std::mem::size_of::<Change>(),
        }
    }
}

/// A rendered page of changes (`added`, `modified`, `removed`) and where the next one starts.
#[derive(Debug, Serialize)]
pub struct Page {
    pub added: Box<RawValue>,
    pub modified: Box<RawValue>,
    pub removed: Box<RawValue>,
    pub next_cursor: String,
    pub has_more: bool,
}

impl Page {
    fn bytes(&self) -> usize {
        self.added.get().len() + self.modified.get().len() + self.removed.get().len()
    }
}

impl Views {
    /// The view `name` of the Item, rendering it with `render` if it is not cached.
    pub fn get_or_render<T: Serialize>(
        &self,
        item_id: &str,
        name: &'static str,
        render: impl FnOnce() -> T,
    ) -> serde_json::Result<Arc<RawValue>> {
        if let Some(hit) = self.0.lock().get(item_id).and_then(|v| v.get(name)) {
            return Ok(hit.clone());
        }
        let rendered: Arc<RawValue> = serde_json::value::to_raw_value(&render())?.into();
        let mut views = self.0.lock();
        if views.len() >= MAX_ITEMS
            && !views.contains_key(item_id)
            && let Some(evicted) = views.keys().next().cloned()
        {
            views.remove(&evicted);
        }
        views
            .entry(item_id.to_owned())
            .or_default()
            .insert(name, rendered.clone());
        Ok(rendered)
    }

    /// A page of the Item's under `key`, rendering it with `render` (the three lists and the
    /// next cursor) if it is not kept. Large pages are kept too: a client that asks again (a
    /// retry, a load test) is answered from memory; the byte budget bounds what that costs.
    pub fn page<A: Serialize, M: Serialize, R: Serialize>(
        &self,
        item_id: &str,
        key: u64,
        render: impl FnOnce() -> (A, M, R, String, bool),
    ) -> serde_json::Result<Arc<Page>> {
        if let Some(Kept::Page(hit)) = self.kept(item_id, key) {
            return Ok(hit);
        }
        let (added, modified, removed, next_cursor, has_more) = render();
        let page = Arc::new(Page {
            added: serde_json::value::to_raw_value(&added)?,
            modified: serde_json::value::to_raw_value(&modified)?,
            removed: serde_json::value::to_raw_value(&removed)?,
            next_cursor,
            has_more,
        });
        self.keep(item_id, key, Kept::Page(page.clone()));
        Ok(page)
    }

    /// The changes between two versions of the Item's transactions under `key`, worked out
    /// with `compute` if they are not kept: the pages of one sync are cut from one list.
    pub fn changes(
        &self,
        item_id: &str,
        key: u64,
        compute: impl FnOnce() -> Vec<Change>,
    ) -> Arc<Vec<Change>> {
        if let Some(Kept::Changes(hit)) = self.kept(item_id, key) {
            return hit;
        }
        let changes = Arc::new(compute());
        self.keep(item_id, key, Kept::Changes(changes.clone()));
        changes
    }

    fn kept(&self, item_id: &str, key: u64) -> Option<Kept> {
        self.1
            .lock()
            .by_item
            .get(item_id)
            .and_then(|kept| kept.iter().find(|(k, _)| *k == key))
            .map(|(_, v)| v.clone())
    }

    fn keep(&self, item_id: &str, key: u64, value: Kept) {
        let size = value.bytes();
        if size > MAX_PAGE_BYTES / 4 {
            return;
        }
        let mut pages = self.1.lock();
        while pages.bytes + size > MAX_PAGE_BYTES {
            let Some(evicted) = pages.by_item.keys().next().cloned() else {
                break;
            };
            let freed: usize = pages
                .by_item
                .remove(&evicted)
                .unwrap_or_default()
                .iter()
                .map(|(_, v)| v.bytes())
                .sum();
            pages.bytes = pages.bytes.saturating_sub(freed);
        }
        pages.bytes += size;
        pages
            .by_item
            .entry(item_id.to_owned())
            .or_default()
            .push((key, value));
    }

    pub fn invalidate(&self, item_id: &str) {
        self.0.lock().remove(item_id);
        let mut pages = self.1.lock();
        if let Some(dropped) = pages.by_item.remove(item_id) {
            let freed: usize = dropped.iter().map(|(_, v)| v.bytes()).sum();
            pages.bytes = pages.bytes.saturating_sub(freed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_kept_until_the_item_is_written() {
        let views = Views::default();
        let render = || {
            (
                vec![1],
                Vec::<u8>::new(),
                Vec::<u8>::new(),
                "c".to_owned(),
                false,
            )
        };
        let first = views
            .page("item", 7, render)
            .unwrap_or_else(|e| panic!("{e}"));
        let again = views
            .page(
                "item",
                7,
                || -> (Vec<u8>, Vec<u8>, Vec<u8>, String, bool) {
                    panic!("a kept page is not rendered again")
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&first, &again));
        views.invalidate("item");
        let fresh = views
            .page("item", 7, render)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!Arc::ptr_eq(&first, &fresh));
        assert_eq!(views.1.lock().bytes, fresh.bytes());
    }

    #[test]
    fn kept_pages_stay_within_the_budget() {
        let views = Views::default();
        // About an eighth of the budget each, once written as JSON (`0,` per element).
        let big = vec![0u8; MAX_PAGE_BYTES / 16];
        for item in 0..40 {
            views
                .page(&item.to_string(), 1, || {
                    (
                        big.clone(),
                        Vec::<u8>::new(),
                        Vec::<u8>::new(),
                        String::new(),
                        false,
                    )
                })
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let kept = views.1.lock().bytes;
        assert!(
            kept > MAX_PAGE_BYTES / 2 && kept <= MAX_PAGE_BYTES,
            "{kept}"
        );
    }
}
