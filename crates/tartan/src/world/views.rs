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

/// Items whose views a tenant keeps rendered: beyond this, an arbitrary one is dropped (and
/// rendered again when next read), so memory stays bounded however many Items are read.
const MAX_ITEMS: usize = 1024;

#[derive(Debug, Default)]
pub struct Views(Mutex<HashMap<String, HashMap<&'static str, Arc<RawValue>>>>);

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

    pub fn invalidate(&self, item_id: &str) {
        self.0.lock().remove(item_id);
    }
}
