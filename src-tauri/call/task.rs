//! The call runtime on its own task, for `parley serve`: submissions from the endpoint and from
//! audio capture come in on the link's bounded queue; endpoint calls that go quiet get ticks.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::listener::BroadcastListener;
use super::Runtime;
use crate::sources::ingest::{self, EventLink, Inbox, LinkOptions, AUTO_TICK_EVERY};

#[derive(Debug, Clone)]
pub struct TaskOptions {
    /// Events waiting for the runtime.
    pub queue: usize,
    /// Outputs kept for subscribers that fall behind.
    pub output_buffer: usize,
    /// Feed ticks to an endpoint call while its sender is silent, continuing its clock.
    pub auto_tick: bool,
}

impl Default for TaskOptions {
    fn default() -> Self {
        let link = LinkOptions::default();
        TaskOptions {
            queue: link.queue,
            output_buffer: link.output_buffer,
            auto_tick: true,
        }
    }
}

/// A runtime running on a tokio task. [`CallTask::shutdown`] stops it and hands the runtime
/// back; dropping the `CallTask` stops it too.
pub struct CallTask {
    link: EventLink,
    stop: oneshot::Sender<()>,
    join: JoinHandle<Runtime>,
}

impl CallTask {
    /// Starts `runtime` on the current tokio runtime behind a new link: sources submit to
    /// [`CallTask::link`], and its subscribers get every output.
    pub fn spawn(runtime: Runtime, options: TaskOptions) -> CallTask {
        let (link, inbox) = ingest::link(&LinkOptions {
            queue: options.queue,
            output_buffer: options.output_buffer,
        });
        CallTask::spawn_on(runtime, link, inbox, options)
    }

    /// As [`CallTask::spawn`], on a link made beforehand.
    pub fn spawn_on(
        mut runtime: Runtime,
        link: EventLink,
        inbox: Inbox,
        options: TaskOptions,
    ) -> CallTask {
        runtime.listen(std::sync::Arc::new(BroadcastListener::new(
            inbox.outputs.clone(),
        )));
        runtime.count_in(inbox.stats.clone());
        let (stop, stop_rx) = oneshot::channel();
        let join = tokio::spawn(run(runtime, inbox, stop_rx, options.auto_tick));
        CallTask { link, stop, join }
    }

    /// Where sources submit events.
    pub fn link(&self) -> EventLink {
        self.link.clone()
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<ingest::Emitted>> {
        self.link.subscribe()
    }

    /// Stops the task and hands the runtime back. A call still in progress is not ended here:
    /// drop the runtime and its session is closed as interrupted.
    pub async fn shutdown(self) -> Result<Runtime, tokio::task::JoinError> {
        // An error means the task already ended; joining it still reports how.
        match self.stop.send(()) {
            Ok(()) | Err(()) => self.join.await,
        }
    }
}

async fn run(
    mut runtime: Runtime,
    mut inbox: Inbox,
    mut stop: oneshot::Receiver<()>,
    auto_tick: bool,
) -> Runtime {
    let mut ticker = tokio::time::interval(AUTO_TICK_EVERY / 4);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => {
                // What sources queued before the stop (a capture's call end) is still fed.
                while let Ok(sub) = inbox.rx.try_recv() {
                    runtime.submit(sub);
                }
                break;
            }
            sub = inbox.rx.recv() => match sub {
                // The store calls at a call's start and end wait briefly for the writer thread.
                Some(sub) => {
                    runtime.submit(sub);
                }
                None => break,
            },
            _ = ticker.tick(), if auto_tick => {
                runtime.tick_if_quiet(AUTO_TICK_EVERY);
            }
        }
    }
    runtime
}

/// How long a source waits for room in the queue for an event that must not be dropped.
pub const MUST_DELIVER_WAIT: Duration = Duration::from_secs(2);
