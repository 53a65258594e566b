//! The endpoint's way into the call runtime: a bounded queue of submissions in, a broadcast of
//! outputs back. The endpoint (and audio capture) only push events and read outputs; the call
//! runtime (`crate::call`) drains the [`Inbox`] and publishes what the engine says. A slow
//! subscriber lags (and is told how much it missed); it never holds the call up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::stats::Stats;
use crate::engine::{Event, Output};
use crate::sources::SourceKind;

/// How far an event may lag behind the latest one already seen before it is refused. Two
/// speakers' finals can arrive out of order by a few seconds; more is a confused sender.
pub const MAX_REORDER_MS: u64 = 10_000;
/// With no event for this long, the runtime feeds an endpoint call a tick so silence is coached.
pub const AUTO_TICK_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Events waiting for the runtime.
    pub queue: usize,
    /// Outputs kept for subscribers that fall behind.
    pub output_buffer: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            queue: 1024,
            output_buffer: 1024,
        }
    }
}

/// Where the runtime says whether an event was taken.
#[derive(Debug)]
pub enum Reply {
    /// Refusals only, as error frames on a connection's outgoing queue (never waits on it).
    Errors(mpsc::Sender<ErrorFrame>),
    /// A result for every event.
    Ack(oneshot::Sender<Result<(), String>>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorFrame {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub reason: String,
}

#[derive(Debug)]
pub struct Submission {
    pub event: Event,
    /// Who sent it: the endpoint, audio capture, ...
    pub source: SourceKind,
    pub seq: Option<u64>,
    /// When the message was read off the socket (or the audio analysed), for latency figures.
    pub received: Instant,
    pub reply: Option<Reply>,
}

impl Submission {
    /// An event from `source` that needs no reply.
    pub fn new(source: SourceKind, event: Event) -> Submission {
        Submission {
            event,
            source,
            seq: None,
            received: Instant::now(),
            reply: None,
        }
    }
}

/// One engine output, with the call it belongs to and when the message behind it arrived.
#[derive(Debug, Clone, Serialize)]
pub struct Emitted {
    pub call: u64,
    pub output: Output,
    /// None for outputs of ticks the runtime made itself.
    #[serde(skip)]
    pub received: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("engine queue full, message dropped")]
    QueueFull,
    #[error("the call runtime has stopped")]
    Stopped,
}

/// A cloneable way in (events) and out (outputs) of the call runtime.
#[derive(Clone)]
pub struct EventLink {
    tx: mpsc::Sender<Submission>,
    outputs: broadcast::Sender<Arc<Emitted>>,
    stats: Arc<Stats>,
}

/// The runtime's end of an [`EventLink`].
pub struct Inbox {
    pub rx: mpsc::Receiver<Submission>,
    /// Where the runtime publishes outputs for the link's subscribers.
    pub outputs: broadcast::Sender<Arc<Emitted>>,
    pub stats: Arc<Stats>,
}

/// A new link and the inbox the call runtime reads.
pub fn link(options: &LinkOptions) -> (EventLink, Inbox) {
    let (tx, rx) = mpsc::channel(options.queue.max(1));
    let (outputs, _) = broadcast::channel(options.output_buffer.max(1));
    let stats = Arc::new(Stats::default());
    let link = EventLink {
        tx,
        outputs: outputs.clone(),
        stats: stats.clone(),
    };
    (link, Inbox { rx, outputs, stats })
}

impl EventLink {
    /// Queues an event, waiting at most `wait` for room; a full queue after that drops it.
    pub async fn submit(&self, submission: Submission, wait: Duration) -> Result<(), SubmitError> {
        match self.tx.send_timeout(submission, wait).await {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                Stats::bump(&self.stats.dropped_queue_full);
                Err(SubmitError::QueueFull)
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => Err(SubmitError::Stopped),
        }
    }

    /// Queues an event without waiting, for threads outside the async runtime (audio analysis);
    /// a full queue drops it and counts the drop.
    pub fn try_submit(&self, submission: Submission) -> Result<(), SubmitError> {
        match self.tx.try_send(submission) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                Stats::bump(&self.stats.dropped_queue_full);
                Err(SubmitError::QueueFull)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(SubmitError::Stopped),
        }
    }

    /// Queues an event from a thread outside the async runtime, waiting for room (call start
    /// and end must not be dropped).
    pub fn blocking_submit(&self, submission: Submission) -> Result<(), SubmitError> {
        self.tx
            .blocking_send(submission)
            .map_err(|_| SubmitError::Stopped)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Emitted>> {
        self.outputs.subscribe()
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }
}
