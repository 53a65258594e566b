//! The single task that owns the engine: one call at a time, events in on a bounded queue,
//! outputs out on a broadcast channel. A slow subscriber lags (and is told how much it missed);
//! it never holds the engine up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::message::MessageError;
use super::stats::Stats;
use crate::engine::{Engine, Event, Ms, Output, Playbook};

/// How far an event may lag behind the latest one already seen before it is refused. Two
/// speakers' finals can arrive out of order by a few seconds; more is a confused sender.
pub const MAX_REORDER_MS: Ms = 10_000;
/// With no event for this long, the task feeds the engine a tick so silence is coached.
pub const AUTO_TICK_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Events waiting for the engine.
    pub queue: usize,
    /// Outputs kept for subscribers that fall behind.
    pub output_buffer: usize,
    /// Feed ticks while the source is silent, continuing the source's own clock.
    pub auto_tick: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            queue: 1024,
            output_buffer: 1024,
            auto_tick: true,
        }
    }
}

/// Where the engine task says whether an event was taken.
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
    pub seq: Option<u64>,
    /// When the message was read off the socket, for latency figures.
    pub received: Instant,
    pub reply: Option<Reply>,
}

/// One engine output, with the call it belongs to and when the message behind it arrived.
#[derive(Debug, Clone, Serialize)]
pub struct Emitted {
    pub call: u64,
    pub output: Output,
    /// None for outputs of ticks the task made itself.
    #[serde(skip)]
    pub received: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("engine queue full, message dropped")]
    QueueFull,
    #[error("engine has stopped")]
    Stopped,
}

/// A cloneable way in (events) and out (outputs) of the engine task.
#[derive(Clone)]
pub struct EngineLink {
    tx: mpsc::Sender<Submission>,
    outputs: broadcast::Sender<Arc<Emitted>>,
    stats: Arc<Stats>,
}

impl EngineLink {
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

    /// Queues an event without waiting, for threads outside the runtime (audio analysis); a full
    /// queue drops it and counts the drop.
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

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Emitted>> {
        self.outputs.subscribe()
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }
}

pub struct EngineTask {
    link: EngineLink,
    stop: oneshot::Sender<()>,
    join: JoinHandle<()>,
}

impl EngineTask {
    /// Starts the task on the current tokio runtime.
    pub fn spawn(playbook: Arc<Playbook>, options: EngineOptions) -> EngineTask {
        let (tx, rx) = mpsc::channel(options.queue.max(1));
        let (outputs, _) = broadcast::channel(options.output_buffer.max(1));
        let stats = Arc::new(Stats::default());
        let (stop, stop_rx) = oneshot::channel();
        let link = EngineLink {
            tx,
            outputs: outputs.clone(),
            stats: stats.clone(),
        };
        let state = TaskState {
            playbook,
            call: None,
            calls: 0,
            outputs,
            stats,
        };
        let join = tokio::spawn(run(state, rx, stop_rx, options.auto_tick));
        EngineTask { link, stop, join }
    }

    pub fn link(&self) -> EngineLink {
        self.link.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Emitted>> {
        self.link.subscribe()
    }

    /// Stops the task; a call in progress is left unended (the source never said it ended).
    pub async fn shutdown(self) -> Result<(), tokio::task::JoinError> {
        // An error means the task already ended; joining it still reports how.
        if self.stop.send(()).is_err() {
            return self.join.await;
        }
        self.join.await
    }
}

struct LiveCall {
    engine: Engine,
    id: u64,
    /// Latest time the source stamped (ticks made here do not count).
    source_ms: Ms,
    /// Latest time fed to the engine, with the wall-clock moment it was fed.
    fed_ms: Ms,
    /// The runtime's clock, so tests with paused time see ticks without waiting.
    fed_at: tokio::time::Instant,
}

struct TaskState {
    playbook: Arc<Playbook>,
    call: Option<LiveCall>,
    calls: u64,
    outputs: broadcast::Sender<Arc<Emitted>>,
    stats: Arc<Stats>,
}

fn acknowledge(ack: oneshot::Sender<Result<(), String>>, result: Result<(), String>) {
    // Fails only when the POST handler stopped waiting (its client left): nobody to tell.
    match ack.send(result) {
        Ok(()) | Err(_) => {}
    }
}

async fn run(
    mut state: TaskState,
    mut rx: mpsc::Receiver<Submission>,
    mut stop: oneshot::Receiver<()>,
    auto_tick: bool,
) {
    let mut ticker = tokio::time::interval(AUTO_TICK_EVERY / 4);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => break,
            sub = rx.recv() => match sub {
                Some(sub) => state.handle(sub),
                None => break,
            },
            _ = ticker.tick(), if auto_tick => state.auto_tick(),
        }
    }
}

impl TaskState {
    fn handle(&mut self, sub: Submission) {
        let result = self.feed_checked(&sub.event, sub.received);
        match (result, sub.reply) {
            (Ok(()), Some(Reply::Ack(ack))) => acknowledge(ack, Ok(())),
            (Ok(()), _) => {}
            (Err(reason), reply) => {
                Stats::bump(&self.stats.refused_by_state);
                match reply {
                    Some(Reply::Ack(ack)) => acknowledge(ack, Err(reason)),
                    Some(Reply::Errors(frames)) => {
                        let frame = ErrorFrame {
                            seq: sub.seq,
                            reason,
                        };
                        if frames.try_send(frame).is_err() {
                            Stats::bump(&self.stats.error_frames_dropped);
                        }
                    }
                    None => {}
                }
            }
        }
    }

    fn feed_checked(&mut self, event: &Event, received: Instant) -> Result<(), String> {
        let at = event.at_ms();
        match (&mut self.call, event) {
            (Some(call), Event::CallStarted { .. }) => {
                // A platform that restarts mid-call starts again: close the old call first.
                let end = Event::CallEnded {
                    at_ms: call.fed_ms,
                    reason: None,
                };
                self.feed(&end, Some(received));
                self.call = None;
                self.start_call(event, received);
                Ok(())
            }
            (None, Event::CallStarted { .. }) => {
                self.start_call(event, received);
                Ok(())
            }
            (None, _) => Err(MessageError::Field {
                field: "type",
                reason: "no call in progress: send call_start first".into(),
            }
            .to_string()),
            (Some(call), _) if at + MAX_REORDER_MS < call.source_ms => Err(format!(
                "time goes backwards: {at} ms is more than {MAX_REORDER_MS} ms before {} ms",
                call.source_ms
            )),
            (Some(call), _) => {
                call.source_ms = call.source_ms.max(at);
                let ended = matches!(event, Event::CallEnded { .. });
                self.feed(event, Some(received));
                if ended {
                    self.call = None;
                }
                Ok(())
            }
        }
    }

    fn start_call(&mut self, event: &Event, received: Instant) {
        self.calls += 1;
        Stats::bump(&self.stats.calls);
        self.call = Some(LiveCall {
            engine: crate::models::coach(self.playbook.clone()).engine(),
            id: self.calls,
            source_ms: event.at_ms(),
            fed_ms: event.at_ms(),
            fed_at: tokio::time::Instant::now(),
        });
        self.feed(event, Some(received));
    }

    fn feed(&mut self, event: &Event, received: Option<Instant>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        Stats::bump(&self.stats.fed);
        call.fed_ms = call.fed_ms.max(event.at_ms());
        call.fed_at = tokio::time::Instant::now();
        let outputs = call.engine.feed(event);
        Stats::add(&self.stats.outputs, outputs.len() as u64);
        for output in outputs {
            let emitted = Arc::new(Emitted {
                call: call.id,
                output,
                received,
            });
            // Sending fails only when nobody subscribes: outputs are for whoever listens.
            match self.outputs.send(emitted) {
                Ok(_) | Err(broadcast::error::SendError(_)) => {}
            }
        }
    }

    fn auto_tick(&mut self) {
        let Some(call) = self.call.as_ref() else {
            return;
        };
        let quiet = call.fed_at.elapsed();
        if quiet < AUTO_TICK_EVERY {
            return;
        }
        let at_ms = call.fed_ms + quiet.as_millis() as Ms;
        self.feed(&Event::Tick { at_ms }, None);
    }
}
