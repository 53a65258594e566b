//! Who hears a call: the overlay, endpoint subscribers, the terminal, tests. Each listener gets
//! every piece of news as it happens, on the runtime's thread, so a listener must be quick: one
//! that does slow work (a socket, a window) hands it on through a bounded queue.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::broadcast;

use crate::cli::Renderer;
use crate::engine::Output;
use crate::sources::ingest::Emitted;
use crate::sources::SourceKind;
use crate::store::SessionId;

use super::Ended;

/// Something that happened to a call.
#[derive(Debug)]
pub enum News<'a> {
    Started {
        call: u64,
        source: SourceKind,
        /// The stored session, when the call is being saved.
        session: Option<SessionId>,
    },
    Output {
        call: u64,
        output: &'a Output,
        /// When the event behind it reached Parley; None for ticks the runtime made.
        received: Option<Instant>,
    },
    Ended(&'a Ended),
    /// A problem the person should hear about (the call goes on).
    Warning {
        call: Option<u64>,
        message: &'a str,
    },
}

pub trait Listener: Send + Sync {
    fn news(&self, news: &News<'_>);
}

/// What a [`MemoryListener`] kept, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    Started {
        call: u64,
        source: SourceKind,
        session: Option<SessionId>,
    },
    Output {
        call: u64,
        output: Output,
    },
    Ended {
        call: u64,
        session: Option<SessionId>,
    },
    Warning(String),
}

/// Keeps everything it hears, for tests.
#[derive(Default)]
pub struct MemoryListener {
    heard: Mutex<Vec<Heard>>,
}

impl MemoryListener {
    pub fn new() -> Arc<MemoryListener> {
        Arc::new(MemoryListener::default())
    }

    /// Everything heard so far, in order.
    pub fn heard(&self) -> Vec<Heard> {
        match self.heard.lock() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Just the outputs, in order.
    pub fn outputs(&self) -> Vec<Output> {
        self.heard()
            .into_iter()
            .filter_map(|h| match h {
                Heard::Output { output, .. } => Some(output),
                _ => None,
            })
            .collect()
    }
}

impl Listener for MemoryListener {
    fn news(&self, news: &News<'_>) {
        let heard = match news {
            News::Started {
                call,
                source,
                session,
            } => Heard::Started {
                call: *call,
                source: *source,
                session: *session,
            },
            News::Output { call, output, .. } => Heard::Output {
                call: *call,
                output: (*output).clone(),
            },
            News::Ended(e) => Heard::Ended {
                call: e.call,
                session: e.session,
            },
            News::Warning { message, .. } => Heard::Warning(message.to_string()),
        };
        match self.heard.lock() {
            Ok(mut h) => h.push(heard),
            Err(poisoned) => poisoned.into_inner().push(heard),
        }
    }
}

/// Endpoint subscribers: outputs go on a broadcast channel; a subscriber that falls behind
/// lags and is told how much it missed, and never holds the call up.
pub struct BroadcastListener {
    tx: broadcast::Sender<Arc<Emitted>>,
}

impl BroadcastListener {
    pub fn new(tx: broadcast::Sender<Arc<Emitted>>) -> BroadcastListener {
        BroadcastListener { tx }
    }
}

impl Listener for BroadcastListener {
    fn news(&self, news: &News<'_>) {
        if let News::Output {
            call,
            output,
            received,
        } = news
        {
            let emitted = Arc::new(Emitted {
                call: *call,
                output: (*output).clone(),
                received: *received,
            });
            // Sending fails only when nobody subscribes: outputs are for whoever listens.
            match self.tx.send(emitted) {
                Ok(_) | Err(broadcast::error::SendError(_)) => {}
            }
        }
    }
}

/// The terminal: the timeline as text or JSON lines, and where each call was saved. A write
/// error (a closed pipe) is kept for the caller to report.
pub struct PrinterListener<W: Write + Send> {
    inner: Mutex<Printer<W>>,
}

struct Printer<W: Write> {
    renderer: Renderer<W>,
    json: bool,
    error: Option<std::io::Error>,
}

impl<W: Write + Send> PrinterListener<W> {
    pub fn new(out: W, json: bool) -> PrinterListener<W> {
        PrinterListener {
            inner: Mutex::new(Printer {
                renderer: Renderer::new(out, json),
                json,
                error: None,
            }),
        }
    }

    /// The first write error since the last call, if any.
    pub fn take_error(&self) -> Option<std::io::Error> {
        match self.inner.lock() {
            Ok(mut p) => p.error.take(),
            Err(poisoned) => poisoned.into_inner().error.take(),
        }
    }
}

impl<W: Write + Send> Listener for PrinterListener<W> {
    fn news(&self, news: &News<'_>) {
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let p = &mut *guard;
        let written = match news {
            News::Output { output, .. } => p.renderer.output(output),
            News::Ended(e) if !p.json => match (e.session, &e.save_error) {
                (Some(id), _) => p.renderer.line(&format!(
                    "\nsaved as session {id} (parley sessions show {id})"
                )),
                (None, Some(err)) => p.renderer.line(&format!("\nnot saved: {err}")),
                (None, None) => Ok(()),
            },
            News::Warning { message, .. } => {
                eprintln!("parley: {message}");
                Ok(())
            }
            _ => Ok(()),
        };
        let flushed = written.and_then(|()| p.renderer.flush());
        if let Err(e) = flushed {
            p.error.get_or_insert(e);
        }
    }
}
