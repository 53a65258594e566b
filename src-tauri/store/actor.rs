//! The threads that own the database connections. The writer batches appends into small
//! transactions (committed every `flush_ms` or every `batch_events`, whichever comes first), so a
//! process killed mid-call loses at most the last fraction of a second.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::error::{Ctx, StoreError};
use super::lock::LockDir;
use super::mask::Masker;
use super::types::SessionId;
use super::write;
use crate::engine::event::Event;
use crate::engine::output::Output;

pub type Job = Box<dyn FnOnce(&mut Worker) + Send>;
pub type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

pub enum Msg {
    Events(SessionId, Vec<Event>),
    Outputs(SessionId, Vec<Output>),
    Run(Job),
}

/// The writer thread's state; jobs get it whole.
pub struct Worker {
    pub conn: Connection,
    pub path: PathBuf,
    pub masker: Masker,
    pub locks: LockDir,
    /// Next free (event seq, output seq) per session being written.
    pub seqs: HashMap<SessionId, (i64, i64)>,
    /// When each session's last pacing sample was kept (see `write::PACING_SAMPLE_MS`).
    pub last_pacing: HashMap<SessionId, Option<u64>>,
    /// Append failures not yet reported, per session.
    pub failures: HashMap<SessionId, String>,
    batch: Batch,
    batch_events: usize,
    flush_every: Duration,
}

#[derive(Default)]
struct Batch {
    open_since: Option<Instant>,
    pending: usize,
    sessions: HashSet<SessionId>,
}

impl Worker {
    pub fn new(
        conn: Connection,
        path: PathBuf,
        masker: Masker,
        locks: LockDir,
        batch_events: usize,
        flush_every: Duration,
    ) -> Worker {
        Worker {
            conn,
            path,
            masker,
            locks,
            seqs: HashMap::new(),
            last_pacing: HashMap::new(),
            failures: HashMap::new(),
            batch: Batch::default(),
            batch_events: batch_events.max(1),
            flush_every,
        }
    }

    /// Commits the open batch, if any. A failed commit is reported to every session in it.
    pub fn commit(&mut self) {
        if self.batch.open_since.is_none() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            let msg = format!("saving events failed: {e}");
            for id in batch.sessions {
                self.failures.entry(id).or_insert_with(|| msg.clone());
            }
            // The transaction may still be open after a failed COMMIT; end it so later work runs.
            if !self.conn.is_autocommit() {
                if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                    eprintln!(
                        "parley: session database '{}': rollback failed: {e}",
                        self.path.display()
                    );
                }
            }
        }
    }

    /// Takes the append failure recorded for a session, as an error.
    pub fn take_failure(&mut self, id: SessionId) -> Result<(), StoreError> {
        match self.failures.remove(&id) {
            Some(detail) => Err(StoreError::WriteFailed {
                path: self.path.clone(),
                id,
                detail,
            }),
            None => Ok(()),
        }
    }

    fn seqs_for(&mut self, id: SessionId) -> Result<(i64, i64), StoreError> {
        if let Some(s) = self.seqs.get(&id) {
            return Ok(*s);
        }
        let ev = write::next_seq(&self.conn, "events", id).ctx(&self.path)?;
        let out = write::next_seq(&self.conn, "outputs", id).ctx(&self.path)?;
        self.seqs.insert(id, (ev, out));
        Ok((ev, out))
    }

    fn append(&mut self, id: SessionId, events: &[Event], outputs: &[Output]) {
        if let Err(e) = self.try_append(id, events, outputs) {
            self.failures.entry(id).or_insert_with(|| e.to_string());
        }
        if self.batch.pending >= self.batch_events {
            self.commit();
        }
    }

    fn try_append(
        &mut self,
        id: SessionId,
        events: &[Event],
        outputs: &[Output],
    ) -> Result<(), StoreError> {
        if self.batch.open_since.is_none() {
            self.conn.execute_batch("BEGIN IMMEDIATE").ctx(&self.path)?;
            self.batch.open_since = Some(Instant::now());
        }
        self.batch.sessions.insert(id);
        let (ev, out) = self.seqs_for(id)?;
        // A savepoint keeps one bad append from taking the rest of the batch with it.
        self.conn
            .execute_batch("SAVEPOINT append")
            .ctx(&self.path)?;
        let result =
            write::append_events(&self.conn, &self.masker, id, ev, events).and_then(|ev| {
                let last_pacing = self.last_pacing.entry(id).or_default();
                write::append_outputs(&self.conn, &self.masker, id, out, outputs, last_pacing)
                    .map(|o| (ev, o))
            });
        match result {
            Ok(next) => {
                self.conn.execute_batch("RELEASE append").ctx(&self.path)?;
                self.seqs.insert(id, next);
                self.batch.pending += events.len() + outputs.len();
                Ok(())
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO append; RELEASE append")
                    .ctx(&self.path)?;
                Err(StoreError::sqlite(&self.path, e))
            }
        }
    }

    fn wait(&self) -> Option<Duration> {
        self.batch
            .open_since
            .map(|t| self.flush_every.saturating_sub(t.elapsed()))
    }

    pub fn run(mut self, rx: Receiver<Msg>) {
        loop {
            let msg = match self.wait() {
                Some(wait) => match rx.recv_timeout(wait) {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => {
                        self.commit();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            match msg {
                Msg::Events(id, events) => self.append(id, &events, &[]),
                Msg::Outputs(id, outputs) => self.append(id, &[], &outputs),
                Msg::Run(job) => {
                    self.commit();
                    job(&mut self);
                }
            }
        }
        self.commit();
    }
}

/// The reader thread: runs queries on its own connection, beside the writer (WAL).
pub fn run_reader(conn: Connection, rx: Receiver<ReadJob>) {
    while let Ok(job) = rx.recv() {
        job(&conn);
    }
}
