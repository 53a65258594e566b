//! Counters for what the endpoint accepted, refused and dropped, so overload is reported rather
//! than silent. Shared by the server and the call runtime; read with `snapshot`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) received: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) too_large: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) fed: AtomicU64,
    pub(crate) refused_by_state: AtomicU64,
    pub(crate) outputs: AtomicU64,
    pub(crate) subscriber_missed: AtomicU64,
    pub(crate) error_frames_dropped: AtomicU64,
    pub(crate) refused_auth: AtomicU64,
    pub(crate) refused_origin: AtomicU64,
    pub(crate) refused_busy: AtomicU64,
    pub(crate) calls: AtomicU64,
}

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Messages read from clients (WebSocket frames and POSTed events).
    pub received: u64,
    /// Refused by validation (bad JSON, bad field).
    pub invalid: u64,
    /// Refused for size.
    pub too_large: u64,
    /// Valid but dropped because the engine queue stayed full.
    pub dropped_queue_full: u64,
    /// Fed to the engine.
    pub fed: u64,
    /// Refused by the call runtime (no call in progress, another source owns the call, time going
    /// backwards).
    pub refused_by_state: u64,
    /// Outputs the engine emitted.
    pub outputs: u64,
    /// Outputs a slow subscriber missed (broadcast lag).
    pub subscriber_missed: u64,
    /// Error frames not delivered because a client was not reading.
    pub error_frames_dropped: u64,
    pub refused_auth: u64,
    pub refused_origin: u64,
    /// Connections refused because the connection limit was reached.
    pub refused_busy: u64,
    pub calls: u64,
}

impl Stats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            received: get(&self.received),
            invalid: get(&self.invalid),
            too_large: get(&self.too_large),
            dropped_queue_full: get(&self.dropped_queue_full),
            fed: get(&self.fed),
            refused_by_state: get(&self.refused_by_state),
            outputs: get(&self.outputs),
            subscriber_missed: get(&self.subscriber_missed),
            error_frames_dropped: get(&self.error_frames_dropped),
            refused_auth: get(&self.refused_auth),
            refused_origin: get(&self.refused_origin),
            refused_busy: get(&self.refused_busy),
            calls: get(&self.calls),
        }
    }
}
