//! Group commit: writes queue their rows here, in the order they were applied in memory, and
//! one thread commits whatever has queued, in one transaction, while the next writes queue up.
//! A write is acknowledged once its ticket is durable; waiting costs an async caller no thread.

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::store::{Row, Store};

#[derive(Default)]
struct Queue {
    rows: Vec<Row>,
    /// The newest ticket given out.
    issued: u64,
    /// The world is gone: commit what is queued, then stop.
    closing: bool,
}

#[derive(Default)]
struct Durable {
    /// Every ticket up to this one has been committed (or failed, if `broken`).
    upto: u64,
    /// A commit failed: memory is ahead of the store, so nothing is acknowledged any more.
    broken: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the committer when rows are queued.
    queued: Condvar,
    durable: Mutex<Durable>,
    /// Wakes threads waiting for a ticket.
    committed: Condvar,
    /// Wakes tasks waiting for a ticket.
    committed_async: tokio::sync::Notify,
}

/// Why a ticket is not durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

pub struct Committer {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Committer {
    /// Starts the thread that commits to `store`.
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("tartan-commit".into())
                .spawn(move || run(&shared, &*store))?
        };
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues rows (called under the world's writer lock, so tickets follow the order in which
    /// changes were applied); returns their ticket.
    pub fn queue(&self, rows: Vec<Row>) -> u64 {
        let mut q = self.shared.queue.lock();
        q.issued += 1;
        q.rows.extend(rows);
        self.shared.queued.notify_one();
        q.issued
    }

    /// The newest ticket given out.
    pub fn issued(&self) -> u64 {
        self.shared.queue.lock().issued
    }

    pub fn is_broken(&self) -> bool {
        self.shared.durable.lock().broken
    }

    /// Blocks until `ticket` is durable.
    pub fn wait(&self, ticket: u64) -> Result<(), Broken> {
        let mut d = self.shared.durable.lock();
        while d.upto < ticket {
            self.shared.committed.wait(&mut d);
        }
        if d.broken { Err(Broken) } else { Ok(()) }
    }

    /// Resolves once `ticket` is durable.
    pub async fn durable(&self, ticket: u64) -> Result<(), Broken> {
        loop {
            let committed = self.shared.committed_async.notified();
            tokio::pin!(committed);
            // Registered before looking, so a commit in between still wakes this task.
            committed.as_mut().enable();
            {
                let d = self.shared.durable.lock();
                if d.upto >= ticket {
                    return if d.broken { Err(Broken) } else { Ok(()) };
                }
            }
            committed.await;
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.shared.queue.lock().closing = true;
        self.shared.queued.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(shared: &Shared, store: &dyn Store) {
    loop {
        let (rows, upto) = {
            let mut q = shared.queue.lock();
            while q.rows.is_empty() && !q.closing {
                shared.queued.wait(&mut q);
            }
            if q.rows.is_empty() {
                return;
            }
            (std::mem::take(&mut q.rows), q.issued)
        };
        let broken = shared.durable.lock().broken;
        // After a failure nothing more is written: the store keeps the last consistent state.
        let failed = !broken
            && match store.commit(&rows) {
                Ok(()) => false,
                Err(e) => {
                    tracing::error!(error = %e, "store commit failed; refusing writes until restarted");
                    true
                }
            };
        {
            let mut d = shared.durable.lock();
            d.upto = upto;
            d.broken |= failed;
        }
        shared.committed.notify_all();
        shared.committed_async.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts commits; fails the ones whose rows include a key of "fail".
    #[derive(Default)]
    struct Probe {
        commits: Mutex<Vec<usize>>,
    }

    impl Store for Probe {
        fn commit(&self, rows: &[Row]) -> anyhow::Result<()> {
            if rows.iter().any(|r| r.key == "fail") {
                anyhow::bail!("disk full");
            }
            self.commits.lock().push(rows.len());
            Ok(())
        }
        fn load_live(&self, _: &mut dyn FnMut(&str) -> anyhow::Result<()>) -> anyhow::Result<()> {
            Ok(())
        }
        fn history(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> anyhow::Result<Vec<String>> {
            Ok(Vec::new())
        }
        fn history_row(&self, _: &str, _: &str, _: &str) -> anyhow::Result<Option<String>> {
            Ok(None)
        }
        fn replace_tenant(&self, _: &str, _: &[Row]) -> anyhow::Result<()> {
            Ok(())
        }
        fn save_snapshot(&self, _: &crate::store::SnapshotMeta, _: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
        fn snapshots(&self, _: &str) -> anyhow::Result<Vec<crate::store::SnapshotMeta>> {
            Ok(Vec::new())
        }
        fn snapshot(
            &self,
            _: &str,
            _: &str,
        ) -> anyhow::Result<Option<(crate::store::SnapshotMeta, Vec<u8>)>> {
            Ok(None)
        }
        fn delete_snapshot(&self, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(false)
        }
    }

    fn row(key: &str) -> Row {
        Row {
            client_id: "c".into(),
            kind: "item",
            key: key.into(),
            live: true,
            body: "{}".into(),
        }
    }

    #[test]
    fn tickets_become_durable_in_order_and_every_row_is_committed() {
        let probe = Arc::new(Probe::default());
        let committer = Committer::start(probe.clone()).expect("start");
        let tickets: Vec<u64> = (0..50)
            .map(|k| committer.queue(vec![row(&k.to_string())]))
            .collect();
        assert_eq!(tickets, (1..=50).collect::<Vec<_>>());
        // Waiting for the last one means every earlier one is in too.
        committer.wait(50).expect("durable");
        committer.wait(1).expect("durable");
        drop(committer);
        assert_eq!(probe.commits.lock().iter().sum::<usize>(), 50);
    }

    #[tokio::test]
    async fn a_failed_commit_fails_its_waiters_and_every_later_one() {
        let probe = Arc::new(Probe::default());
        let committer = Committer::start(probe.clone()).expect("start");
        let ok = committer.queue(vec![row("a")]);
        committer.durable(ok).await.expect("first commit");
        let failed = committer.queue(vec![row("fail")]);
        assert_eq!(committer.durable(failed).await, Err(Broken));
        assert!(committer.is_broken());
        // Nothing is written after a failure, so the store keeps a consistent state.
        let later = committer.queue(vec![row("b")]);
        assert_eq!(committer.wait(later), Err(Broken));
        assert_eq!(*probe.commits.lock(), vec![1]);
    }

    #[test]
    fn dropping_commits_what_is_queued() {
        let probe = Arc::new(Probe::default());
        let committer = Committer::start(probe.clone()).expect("start");
        for k in 0..10 {
            committer.queue(vec![row(&k.to_string())]);
        }
        drop(committer);
        assert_eq!(probe.commits.lock().iter().sum::<usize>(), 10);
    }
}
