//! Every coached call, kept in SQLite: the timeline, the coach's outputs, the note, follow-ups.
//!
//! One thread owns the writing connection and another the reading one; [`Store`] is a cheap,
//! cloneable handle that sends them work over bounded channels. Text is masked before it is
//! written (see [`mask`]).

mod actor;
pub mod error;
pub mod export;
mod lock;
pub mod mask;
pub mod note;
pub mod outbox;
pub mod query;
mod read;
mod recover;
pub mod schema;
mod session;
pub mod types;
mod write;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use error::StoreError;
pub use export::Format;
pub use mask::{MaskOptions, Masker};
pub use outbox::{OutboxItem, SyncPayload};
pub use query::{AgentCounts, Due, RuleCount, SessionFilter, SortKey};
pub use session::{ImportedCall, SessionWriter};
pub use types::*;
pub use write::{keep_pacing_sample, PACING_SAMPLE_MS};

use actor::{Msg, ReadJob, Worker};
use error::Ctx;
use lock::LockDir;

/// How many requests may wait for the writer before senders block.
const CHANNEL_CAPACITY: usize = 4096;

/// The environment variable that overrides the default database location.
pub const DB_ENV: &str = "PARLEY_DB";
/// Set to `off` to keep phone numbers unmasked.
pub const MASK_PHONES_ENV: &str = "PARLEY_MASK_PHONES";

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long to wait for another process's write lock before reporting "locked".
    pub busy_timeout_ms: u64,
    pub mask: MaskOptions,
    /// Commit after this many appended rows...
    pub batch_events: usize,
    /// ...or this long after the first uncommitted append, whichever is first.
    pub flush_ms: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout_ms: 5_000,
            mask: MaskOptions::default(),
            batch_events: 512,
            flush_ms: 200,
        }
    }
}

/// A handle on the session database. Clone it freely; the database closes with the last clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Option<SyncSender<Msg>>,
    reader: Option<SyncSender<ReadJob>>,
    threads: Vec<JoinHandle<()>>,
    recovered: Vec<SessionId>,
    mask: MaskOptions,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channels lets the threads commit what is pending and stop.
        self.writer.take();
        self.reader.take();
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                eprintln!(
                    "parley: session database '{}': a store thread panicked",
                    self.path.display()
                );
            }
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and closes sessions
    /// that a dead process left live.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    /// Resolves the location: `cli_override`, then `$PARLEY_DB`, then the OS data folder.
    pub fn open_default(cli_override: Option<&Path>) -> Result<Store, StoreError> {
        let path = default_path(cli_override)?;
        let mut opts = StoreOptions::default();
        if std::env::var(MASK_PHONES_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
            opts.mask.phones = false;
        }
        Store::open_with(path, opts)
    }

    pub fn open_with(path: impl AsRef<Path>, opts: StoreOptions) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        prepare_location(&path)?;
        let (wtx, wrx) = sync_channel::<Msg>(CHANNEL_CAPACITY);
        let (init_tx, init_rx) = sync_channel::<Result<Vec<SessionId>, StoreError>>(1);
        let wpath = path.clone();
        let wopts = opts.clone();
        let writer = std::thread::Builder::new()
            .name("parley-store-writer".into())
            .spawn(move || {
                let worker = match init_writer(&wpath, &wopts) {
                    Ok((worker, recovered)) => {
                        if init_tx.send(Ok(recovered)).is_err() {
                            return;
                        }
                        worker
                    }
                    Err(e) => {
                        // The opener is waiting for this; if it gave up there is no one to tell.
                        init_tx.send(Err(e)).ok();
                        return;
                    }
                };
                worker.run(wrx);
            })
            .map_err(|e| closed_err(&path, e))?;
        let recovered = match init_rx.recv() {
            Ok(r) => r?,
            Err(_) => return Err(StoreError::Closed { path }),
        };

        let rconn = open_conn(&path, opts.busy_timeout_ms, false)?;
        let (rtx, rrx) = sync_channel::<ReadJob>(CHANNEL_CAPACITY);
        let reader = std::thread::Builder::new()
            .name("parley-store-reader".into())
            .spawn(move || actor::run_reader(rconn, rrx))
            .map_err(|e| closed_err(&path, e))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                writer: Some(wtx),
                reader: Some(rtx),
                threads: vec![writer, reader],
                recovered,
                mask: opts.mask,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Sessions closed as interrupted when this store was opened.
    pub fn recovered(&self) -> &[SessionId] {
        &self.inner.recovered
    }

    /// Waits until everything sent to the writer so far is done and committed.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.write(|_| Ok(()))
    }

    pub fn mask_options(&self) -> MaskOptions {
        self.inner.mask
    }

    fn closed(&self) -> StoreError {
        StoreError::Closed {
            path: self.inner.path.clone(),
        }
    }

    pub(crate) fn send(&self, msg: Msg) -> Result<(), StoreError> {
        match &self.inner.writer {
            Some(w) => w.send(msg).map_err(|_| self.closed()),
            None => Err(self.closed()),
        }
    }

    /// Runs `f` on the writer thread (after committing pending appends) and waits for it.
    pub(crate) fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Worker) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = sync_channel(1);
        self.send(Msg::Run(Box::new(move |w| {
            // The caller waits on rx; if it is gone, the result has no one to go to.
            tx.send(f(w)).ok();
        })))?;
        rx.recv().map_err(|_| self.closed())?
    }

    /// Runs `f` on the reader thread and waits for it.
    pub(crate) fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = sync_channel(1);
        let path = self.inner.path.clone();
        let reader = self.inner.reader.as_ref().ok_or_else(|| self.closed())?;
        reader
            .send(Box::new(move |c| {
                tx.send(f(c, &path)).ok();
            }))
            .map_err(|_| self.closed())?;
        rx.recv().map_err(|_| self.closed())?
    }
}

fn closed_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Thread {
        path: path.to_path_buf(),
        cause: e,
    }
}

/// `flag > $PARLEY_DB > <data dir>/parley.db`.
pub fn default_path(cli_override: Option<&Path>) -> Result<PathBuf, StoreError> {
    if let Some(p) = cli_override {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "parley")
        .map(|d| d.data_dir().join("parley.db"))
        .ok_or(StoreError::NoDataDir)
}

/// Creates the folder; refuses read-only files and folders up front (even for root, who could
/// write them anyway) so the user's intent is respected.
fn prepare_location(path: &Path) -> Result<(), StoreError> {
    let ro = |path: &Path| StoreError::ReadOnly {
        path: path.to_path_buf(),
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(StoreError::IsFolder {
                path: path.to_path_buf(),
            })
        }
        Ok(m) if m.permissions().readonly() => return Err(ro(path)),
        Ok(_) => return Ok(()),
        Err(_) => {}
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(()),
    };
    std::fs::create_dir_all(dir).map_err(|cause| StoreError::CreateDir {
        path: path.to_path_buf(),
        cause,
    })?;
    match std::fs::metadata(dir) {
        Ok(m) if m.permissions().readonly() => Err(ro(path)),
        _ => Ok(()),
    }
}

fn open_conn(path: &Path, busy_ms: u64, writer: bool) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).ctx(path)?;
    if writer {
        schema::configure(&conn, path, busy_ms)?;
    } else {
        conn.busy_timeout(Duration::from_millis(busy_ms))
            .ctx(path)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;")
            .ctx(path)?;
    }
    Ok(conn)
}

fn init_writer(path: &Path, opts: &StoreOptions) -> Result<(Worker, Vec<SessionId>), StoreError> {
    let mut conn = open_conn(path, opts.busy_timeout_ms, true)?;
    schema::migrate_to(&mut conn, path, schema::LATEST)?;
    let masker = Masker::new(opts.mask);
    let locks = LockDir::new(path);
    let recovered = recover::recover_orphans(&mut conn, path, &masker, &locks)?;
    schema::optimize(&conn, path)?;
    let worker = Worker::new(
        conn,
        path.to_path_buf(),
        masker,
        locks,
        opts.batch_events,
        Duration::from_millis(opts.flush_ms),
    );
    Ok((worker, recovered))
}
