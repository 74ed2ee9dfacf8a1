//! The one clock. Nothing else in Tartan reads the system time.
//!
//! Each tenant sees its own virtual time: the system time shifted by an offset, or a frozen
//! instant. Token lifetimes, balance drift and (later) scheduled events all ask this clock.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A tenant's clock settings, persisted with the tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantClock {
    /// Milliseconds added to the system time.
    pub offset_ms: i64,
    /// When set, time stands still at this instant (unix milliseconds).
    pub frozen_at_ms: Option<i64>,
}

/// The system time, in unix milliseconds. The only read of the wall clock in Tartan: tenant
/// clocks build on it, and webhook signatures use it directly for `iat`, because receivers
/// compare `iat` with their own wall clock.
pub fn system_now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

impl TenantClock {
    pub fn now_ms(&self) -> i64 {
        self.frozen_at_ms
            .unwrap_or_else(|| system_now_ms().saturating_add(self.offset_ms))
    }

    pub fn now(&self) -> OffsetDateTime {
        from_ms(self.now_ms())
    }

    /// Moves time forward by `ms` (never backwards).
    pub fn advance(&mut self, ms: i64) {
        let ms = ms.max(0);
        match &mut self.frozen_at_ms {
            Some(frozen) => *frozen = frozen.saturating_add(ms),
            None => self.offset_ms = self.offset_ms.saturating_add(ms),
        }
    }

    /// Jumps to `target_ms`; the caller has checked it is not in the past.
    pub fn set(&mut self, target_ms: i64) {
        match &mut self.frozen_at_ms {
            Some(frozen) => *frozen = target_ms,
            None => self.offset_ms = target_ms - system_now_ms(),
        }
    }

    pub fn freeze(&mut self) {
        if self.frozen_at_ms.is_none() {
            self.frozen_at_ms = Some(self.now_ms());
        }
    }

    /// Lets time run again from where it stood.
    pub fn resume(&mut self) {
        if let Some(frozen) = self.frozen_at_ms.take() {
            self.offset_ms = frozen - system_now_ms();
        }
    }
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Plaid's timestamp format: RFC 3339, UTC, whole seconds (`2026-11-22T10:07:47Z`).
pub fn wire(ms: i64) -> String {
    let t = from_ms(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an RFC 3339 timestamp into unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(to_ms)
}

pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_advances_only_when_told() {
        let mut c = TenantClock::default();
        c.freeze();
        let t0 = c.now_ms();
        c.advance(DAY_MS);
        assert_eq!(c.now_ms(), t0 + DAY_MS);
        c.advance(-5);
        assert_eq!(c.now_ms(), t0 + DAY_MS, "never backwards");
    }

    #[test]
    fn wire_format_is_whole_seconds_utc() {
        assert_eq!(wire(1_700_000_000_123), "2023-11-14T22:13:20Z");
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20Z"),
            Some(1_700_000_000_000)
        );
    }
}
