//! Logging: one line per request through `tracing`, filtered by `RUST_LOG` (default `info`).
//!
//! Lines are written to stderr by a background thread, in batches, so a request never waits on
//! a write to the terminal or a log file.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber. Keep the guard alive: dropping it flushes what is left.
pub fn init(default_filter: &str) -> Option<WorkerGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        // Never drop a line under load; back-pressure instead. The default queue (128k lines)
        // is preallocated and would more than double the idle memory.
        .lossy(false)
        .buffered_lines_limit(4096)
        .finish(BufWriter::new(std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer)
        .try_init()
        .ok()
        .map(|()| guard)
}
