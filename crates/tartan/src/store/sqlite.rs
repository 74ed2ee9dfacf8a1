//! SQLite in WAL mode under the data dir, with a schema version (`PRAGMA user_version`) moved
//! forward by the migrations in `migrations/`.

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use super::{Row, SnapshotMeta, Store};

/// Every migration, in order; the schema version is how many have run.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_records.sql")),
    M::up(include_str!("../../migrations/0002_tenant_rows.sql")),
    M::up(include_str!(
        "../../migrations/0003_rowid_rows_and_snapshot_bodies.sql"
    )),
];

/// WAL pages past which a commit checkpoints by itself (about 80 MB of WAL). Under steady
/// writes the background checkpointer copies nearly everything but can never finish (new
/// frames keep coming), so the WAL only restarts from its beginning after a checkpoint the
/// writer completes: this one, cheap because little is left to copy.
const WAL_BACKSTOP_PAGES: i64 = 20_000;

/// The writer's page cache: the b-tree pages that writes walk, kept instead of read again
/// (SQLite's default is 2 MiB). Small on purpose: a commit whose inserts split b-tree pages
/// ends by scanning the whole cache (SQLite renumbers pages through a temporary page number
/// past the end, and the commit then truncates the cache above the file's size), so with
/// 16 MiB, creation got slower as the cache filled, and the committer spent 14% more CPU on
/// 100,000 Items than with 4 MiB. Pages that miss are read from the OS's page cache.
const CACHE_KIB: i64 = 4 * 1024;

/// The least time between two background checkpoints while writes keep coming.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// A committed transaction survives a crash of the process (`kill -9`).
///
/// Commits append to the WAL and do not wait for a checkpoint (copying the WAL into the
/// database and syncing it): a background thread with its own connection does that after
/// writes, at most every [`CHECKPOINT_EVERY`], and sleeps while nothing is written.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Tells the checkpointer there is something to checkpoint (never blocks: a full channel
    /// already says so).
    wrote: std::sync::mpsc::SyncSender<()>,
}

impl SqliteStore {
    /// Opens (or creates) the store, migrating an older schema forward. A data dir written by
    /// a newer Tartan is refused before anything in it is changed.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create data dir {}: {e}", data_dir.display()))?;
        let path = data_dir.join("tartan.sqlite3");
        let mut conn = Connection::open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION as i64 {
            anyhow::bail!(
                "{} has schema version {found}, written by a newer Tartan; this Tartan ({}) reads \
                 schema versions up to {SCHEMA_VERSION}. Nothing in it was changed: run the newer \
                 Tartan, or use another --data-dir.",
                path.display(),
                env!("CARGO_PKG_VERSION"),
            );
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        let before = found;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|e| anyhow::anyhow!("cannot migrate {}: {e}", path.display()))?;
        if before < SCHEMA_VERSION as i64 {
            tracing::info!(
                from = before,
                to = SCHEMA_VERSION,
                path = %path.display(),
                "store schema migrated"
            );
        }
        conn.pragma_update(None, "wal_autocheckpoint", WAL_BACKSTOP_PAGES)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        let wrote = spawn_checkpointer(&path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            wrote,
        })
    }

    fn wrote(&self) {
        let _ = self.wrote.try_send(());
    }
}

/// Starts the thread that checkpoints the WAL after writes; it ends when the store is dropped.
fn spawn_checkpointer(path: &Path) -> anyhow::Result<std::sync::mpsc::SyncSender<()>> {
    let conn = Connection::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    let (wrote, rx) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("tartan-checkpoint".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                // PASSIVE: copies what it can without waiting for the writer or readers.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL checkpoint failed; the next one tries again");
                }
                std::thread::sleep(CHECKPOINT_EVERY);
            }
        })?;
    Ok(wrote)
}

fn upsert(tx: &rusqlite::Transaction<'_>, rows: &[Row]) -> anyhow::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO rows (client_id, kind, key, live, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (client_id, kind, key) DO UPDATE SET live = excluded.live, body = excluded.body",
    )?;
    for r in rows {
        stmt.execute(params![r.client_id, r.kind, r.key, r.live, r.body])?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn commit(&self, rows: &[Row]) -> anyhow::Result<()> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        upsert(&tx, rows)?;
        tx.commit()?;
        drop(conn);
        self.wrote();
        Ok(())
    }

    fn checkpoint(&self) -> anyhow::Result<()> {
        // TRUNCATE: waits for the background checkpointer, copies the rest, empties the WAL.
        self.conn
            .lock()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn load_live(&self, each: &mut dyn FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let conn = self.conn.lock();
        // Tenants first, then the rest as they lie (no sort of the whole store).
        for query in [
            "SELECT body FROM rows WHERE live = 1 AND kind = 'tenant'",
            "SELECT body FROM rows WHERE live = 1 AND kind <> 'tenant'",
        ] {
            let mut stmt = conn.prepare(query)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                each(row.get_ref(0)?.as_str()?)?;
            }
        }
        // The scan filled the page cache with pages writes will not need: give the memory back.
        conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    fn history(
        &self,
        client_id: &str,
        kind: &str,
        before: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Vec<String>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM rows WHERE client_id = ?1 AND kind = ?2 AND live = 0
             AND (?3 IS NULL OR key < ?3) ORDER BY key DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![client_id, kind, before, limit.min(i64::MAX as usize) as i64],
            |row| row.get::<_, String>(0),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn history_row(
        &self,
        client_id: &str,
        kind: &str,
        key: &str,
    ) -> anyhow::Result<Option<String>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM rows WHERE client_id = ?1 AND kind = ?2 AND key = ?3 AND live = 0",
        )?;
        Ok(stmt
            .query_row(params![client_id, kind, key], |row| row.get(0))
            .optional()?)
    }

    fn replace_tenant(&self, client_id: &str, rows: &[Row]) -> anyhow::Result<()> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM rows WHERE client_id = ?1", params![client_id])?;
        upsert(&tx, rows)?;
        tx.commit()?;
        drop(conn);
        self.wrote();
        Ok(())
    }

    fn save_snapshot(&self, meta: &SnapshotMeta, body: &[u8]) -> anyhow::Result<()> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO snapshots (client_id, snapshot_id, created_at_ms, items)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                meta.client_id,
                meta.snapshot_id,
                meta.created_at_ms,
                meta.items as i64,
            ],
        )?;
        tx.execute(
            "INSERT INTO snapshot_bodies (client_id, snapshot_id, body) VALUES (?1, ?2, ?3)",
            params![meta.client_id, meta.snapshot_id, body],
        )?;
        tx.commit()?;
        drop(conn);
        self.wrote();
        Ok(())
    }

    fn snapshots(&self, client_id: &str) -> anyhow::Result<Vec<SnapshotMeta>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT snapshot_id, created_at_ms, items FROM snapshots WHERE client_id = ?1
             ORDER BY created_at_ms, snapshot_id",
        )?;
        let rows = stmt.query_map(params![client_id], |row| {
            Ok(SnapshotMeta {
                client_id: client_id.to_owned(),
                snapshot_id: row.get(0)?,
                created_at_ms: row.get(1)?,
                items: row.get::<_, i64>(2)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn snapshot(
        &self,
        client_id: &str,
        snapshot_id: &str,
    ) -> anyhow::Result<Option<(SnapshotMeta, Vec<u8>)>> {
        let conn = self.conn.lock();
        Ok(conn
            .query_row(
                "SELECT s.created_at_ms, s.items, b.body FROM snapshots s
                 JOIN snapshot_bodies b USING (client_id, snapshot_id)
                 WHERE s.client_id = ?1 AND s.snapshot_id = ?2",
                params![client_id, snapshot_id],
                |row| {
                    Ok((
                        SnapshotMeta {
                            client_id: client_id.to_owned(),
                            snapshot_id: snapshot_id.to_owned(),
                            created_at_ms: row.get(0)?,
                            items: row.get::<_, i64>(1)?.max(0) as u64,
                        },
                        row.get::<_, Vec<u8>>(2)?,
                    ))
                },
            )
            .optional()?)
    }

    fn delete_snapshot(&self, client_id: &str, snapshot_id: &str) -> anyhow::Result<bool> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM snapshots WHERE client_id = ?1 AND snapshot_id = ?2",
            params![client_id, snapshot_id],
        )?;
        tx.execute(
            "DELETE FROM snapshot_bodies WHERE client_id = ?1 AND snapshot_id = ?2",
            params![client_id, snapshot_id],
        )?;
        tx.commit()?;
        drop(conn);
        self.wrote();
        Ok(n > 0)
    }
}
