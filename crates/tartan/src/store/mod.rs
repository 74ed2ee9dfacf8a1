//! Persistence behind a small trait: embedded SQLite under the data dir, or memory for
//! `--ephemeral`. The store knows rows and snapshots, never the world's types: the world turns
//! its records into [`Row`]s and reads them back.

mod sqlite;

use std::collections::HashMap;

use parking_lot::Mutex;

pub use sqlite::{SCHEMA_VERSION, SqliteStore};

/// One stored object of one tenant: the newest body per (client_id, kind, key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub client_id: String,
    pub kind: &'static str,
    pub key: String,
    /// Loaded at startup. History (`false`) is read only when asked for.
    pub live: bool,
    pub body: String,
}

/// A snapshot's description (its body is fetched apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    pub client_id: String,
    pub snapshot_id: String,
    pub created_at_ms: i64,
    pub items: u64,
}

pub trait Store: Send + Sync {
    /// Whether committed rows are kept (false for `--ephemeral`, whose writes make no rows).
    fn persists(&self) -> bool {
        true
    }
    /// Folds everything committed into the main file (on shutdown).
    fn checkpoint(&self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Writes the rows in one transaction; returns only once they are durable.
    fn commit(&self, rows: &[Row]) -> anyhow::Result<()>;
    /// Hands the body of every live row to `each`, tenants first.
    fn load_live(&self, each: &mut dyn FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<()>;
    /// Bodies of the tenant's history rows of one kind, newest key first, keys below `before`.
    fn history(
        &self,
        client_id: &str,
        kind: &str,
        before: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Vec<String>>;
    /// The body of one of the tenant's history rows.
    fn history_row(&self, client_id: &str, kind: &str, key: &str)
    -> anyhow::Result<Option<String>>;
    /// Replaces every row of the tenant (live and history) with `rows`, in one transaction.
    fn replace_tenant(&self, client_id: &str, rows: &[Row]) -> anyhow::Result<()>;
    fn save_snapshot(&self, meta: &SnapshotMeta, body: &[u8]) -> anyhow::Result<()>;
    /// The tenant's snapshots, oldest first.
    fn snapshots(&self, client_id: &str) -> anyhow::Result<Vec<SnapshotMeta>>;
    /// One of the tenant's snapshots, with its body.
    fn snapshot(
        &self,
        client_id: &str,
        snapshot_id: &str,
    ) -> anyhow::Result<Option<(SnapshotMeta, Vec<u8>)>>;
    /// Whether there was such a snapshot.
    fn delete_snapshot(&self, client_id: &str, snapshot_id: &str) -> anyhow::Result<bool>;
}

/// Snapshots by (client_id, snapshot_id), with their bodies.
type Snapshots = HashMap<(String, String), (SnapshotMeta, Vec<u8>)>;

/// `--ephemeral`: rows live only in the world's memory; snapshots are kept here, in memory.
#[derive(Default)]
pub struct MemoryStore {
    snapshots: Mutex<Snapshots>,
}

impl Store for MemoryStore {
    fn persists(&self) -> bool {
        false
    }

    fn commit(&self, _: &[Row]) -> anyhow::Result<()> {
        Ok(())
    }

    fn load_live(&self, _: &mut dyn FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
        Ok(())
    }

    fn history(&self, _: &str, _: &str, _: Option<&str>, _: usize) -> anyhow::Result<Vec<String>> {
        Ok(Vec::new())
    }

    fn history_row(&self, _: &str, _: &str, _: &str) -> anyhow::Result<Option<String>> {
        Ok(None)
    }

    fn replace_tenant(&self, _: &str, _: &[Row]) -> anyhow::Result<()> {
        Ok(())
    }

    fn save_snapshot(&self, meta: &SnapshotMeta, body: &[u8]) -> anyhow::Result<()> {
        self.snapshots.lock().insert(
            (meta.client_id.clone(), meta.snapshot_id.clone()),
            (meta.clone(), body.to_vec()),
        );
        Ok(())
    }

    fn snapshots(&self, client_id: &str) -> anyhow::Result<Vec<SnapshotMeta>> {
        let mut found: Vec<SnapshotMeta> = self
            .snapshots
            .lock()
            .values()
            .filter(|(m, _)| m.client_id == client_id)
            .map(|(m, _)| m.clone())
            .collect();
        found.sort_by(|a, b| {
            (a.created_at_ms, &a.snapshot_id).cmp(&(b.created_at_ms, &b.snapshot_id))
        });
        Ok(found)
    }

    fn snapshot(
        &self,
        client_id: &str,
        snapshot_id: &str,
    ) -> anyhow::Result<Option<(SnapshotMeta, Vec<u8>)>> {
        Ok(self
            .snapshots
            .lock()
            .get(&(client_id.to_owned(), snapshot_id.to_owned()))
            .cloned())
    }

    fn delete_snapshot(&self, client_id: &str, snapshot_id: &str) -> anyhow::Result<bool> {
        Ok(self
            .snapshots
            .lock()
            .remove(&(client_id.to_owned(), snapshot_id.to_owned()))
            .is_some())
    }
}
