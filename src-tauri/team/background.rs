//! Syncing on its own: a thread that pushes the outbox whenever there is something due and a
//! team server is set. It has its own connection and never waits on a call: a call's writes go
//! to the store's writer as before, and the push only reads a finished session and then deletes
//! its outbox row.

use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{credentials, push, PushOptions, ServerUrl};
use crate::store::{now_ms, Store};

/// How often the outbox is looked at when all is well.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// The longest wait after repeated failures.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// Where the URL comes from: fixed, or the credentials file read afresh each round (so saving
/// a URL with `parley team connect` takes effect without a restart).
#[derive(Debug, Clone)]
pub enum UrlSource {
    Fixed(Box<ServerUrl>),
    Saved,
}

/// The running task; dropping it stops the thread after the session being pushed.
pub struct SyncTask {
    stop: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for SyncTask {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                eprintln!("parley: team sync: the sync thread panicked");
            }
        }
    }
}

/// Starts the task. `log` gets one line per round that did something or failed.
pub fn start(
    store: Store,
    source: UrlSource,
    interval: Duration,
    log: impl Fn(&str) + Send + 'static,
) -> std::io::Result<SyncTask> {
    let (tx, rx) = sync_channel::<()>(1);
    let thread = std::thread::Builder::new()
        .name("parley-team-sync".into())
        .spawn(move || {
            let opts = PushOptions {
                retries: 2,
                ..PushOptions::default()
            };
            let mut wait = interval;
            loop {
                match rx.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => {}
                    // Stopped (the sender is dropped) or told to stop.
                    _ => return,
                }
                let due = match store.outbox_due(now_ms(), 1) {
                    Ok(d) => !d.is_empty(),
                    Err(e) => {
                        log(&format!("team sync: {e}"));
                        false
                    }
                };
                if !due {
                    wait = interval;
                    continue;
                }
                let url = match &source {
                    UrlSource::Fixed(u) => Some((**u).clone()),
                    UrlSource::Saved => match credentials::resolve(None) {
                        Ok(u) => u,
                        Err(e) => {
                            // Said again only as often as the backoff allows.
                            wait = (wait * 2).min(MAX_WAIT);
                            log(&format!("team sync: {e}"));
                            continue;
                        }
                    },
                };
                let Some(url) = url else {
                    wait = interval;
                    continue;
                };
                match push(&store, &url, &opts, |_| {}) {
                    Ok(r) => {
                        if r.pushed > 0 || !r.failed.is_empty() {
                            log(&format!(
                                "team sync: {} session(s) pushed to {url}, {} refused, {} left",
                                r.pushed,
                                r.failed.len(),
                                r.left
                            ));
                        }
                        wait = interval;
                    }
                    Err(e) => {
                        wait = (wait * 2).min(MAX_WAIT);
                        log(&format!(
                            "team sync: {e}; trying again in {} s",
                            wait.as_secs()
                        ));
                    }
                }
            }
        })?;
    Ok(SyncTask {
        stop: Some(tx),
        thread: Some(thread),
    })
}
