//! Persistence behind a small trait: embedded SQLite under the data dir, or nothing at all for
//! `--ephemeral` (state then lives only in memory).

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{Connection, params};

use crate::world::Record;

pub trait Store: Send + Sync {
    /// Writes the records in one transaction; returns only once they are durable.
    fn commit(&self, records: &[Record]) -> anyhow::Result<()>;
    /// Every record, newest body per (kind, key).
    fn load(&self) -> anyhow::Result<Vec<Record>>;
}

/// `--ephemeral`: nothing survives the process.
pub struct MemoryStore;

impl Store for MemoryStore {
    fn commit(&self, _: &[Record]) -> anyhow::Result<()> {
        Ok(())
    }

    fn load(&self) -> anyhow::Result<Vec<Record>> {
        Ok(Vec::new())
    }
}

/// SQLite in WAL mode: a committed transaction survives a crash of the process (`kill -9`).
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
";

impl SqliteStore {
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create data dir {}: {e}", data_dir.display()))?;
        let path = data_dir.join("tartan.sqlite3");
        let conn = Connection::open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }
}

impl Store for SqliteStore {
    fn commit(&self, records: &[Record]) -> anyhow::Result<()> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO records (kind, key, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
            )?;
            for record in records {
                let body = serde_json::to_string(record)?;
                stmt.execute(params![record.kind(), record.key(), body])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn load(&self) -> anyhow::Result<Vec<Record>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare("SELECT kind, key, body FROM records")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut records = Vec::new();
        for row in rows {
            let (kind, key, body) = row?;
            let record: Record = serde_json::from_str(&body)
                .map_err(|e| anyhow::anyhow!("stored {kind} {key} is unreadable: {e}"))?;
            records.push(record);
        }
        Ok(records)
    }
}
