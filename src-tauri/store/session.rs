//! Writing a session as it happens, and the edits that come after.

use rusqlite::params;

use super::actor::{Msg, Worker};
use super::error::{Ctx, StoreError};
use super::lock::SessionLock;
use super::note::{self, NoteContext};
use super::recover;
use super::types::{SessionId, SessionMeta, Status};
use super::write;
use super::Store;
use crate::engine::event::Event;
use crate::engine::output::{Output, Summary};

/// Appends one live session. Appends return as soon as they are queued; they are committed
/// within `flush_ms`. Failures are reported by [`SessionWriter::flush`] and
/// [`SessionWriter::finish`]. Dropped without `finish`, the session is closed as interrupted.
pub struct SessionWriter {
    store: Store,
    id: SessionId,
    meta: SessionMeta,
    lock: Option<SessionLock>,
}

impl Store {
    /// Starts a live session.
    pub fn begin_session(&self, meta: SessionMeta) -> Result<SessionWriter, StoreError> {
        let m = meta.clone();
        let (id, lock) = self.write(move |w| {
            let tx = w
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .ctx(&w.path)?;
            let id = write::insert_session(&tx, &m).ctx(&w.path)?;
            // Locked before the row is visible, so no other process can take it for an orphan.
            let lock = w.locks.try_take(id)?.ok_or_else(|| StoreError::Locked {
                path: w.path.clone(),
            })?;
            tx.commit().ctx(&w.path)?;
            w.seqs.insert(id, (0, 0));
            Ok((id, lock))
        })?;
        Ok(SessionWriter {
            store: self.clone(),
            id,
            meta,
            lock: Some(lock),
        })
    }

    /// Replaces a note's text; the old text stays in the history with who and when.
    pub fn edit_note(&self, id: SessionId, body: &str, edited_by: &str) -> Result<(), StoreError> {
        let (body, by) = (body.to_string(), edited_by.to_string());
        self.write(move |w| {
            let tx = w.conn.transaction().ctx(&w.path)?;
            let n = write::edit_note(&tx, &w.masker, id, &body, &by).ctx(&w.path)?;
            tx.commit().ctx(&w.path)?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    path: w.path.clone(),
                    id,
                });
            }
            Ok(())
        })
    }

    /// Sets a session's tags (replacing the old set).
    pub fn set_tags(&self, id: SessionId, tags: &[String]) -> Result<(), StoreError> {
        let tags = tags.to_vec();
        self.write(move |w| {
            let tx = w.conn.transaction().ctx(&w.path)?;
            tx.execute("DELETE FROM tags WHERE session_id = ?1", [id])
                .ctx(&w.path)?;
            for t in &tags {
                tx.execute(
                    "INSERT OR IGNORE INTO tags (session_id, tag) VALUES (?1, ?2)",
                    params![id, t.trim()],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::NotFound {
                        path: w.path.clone(),
                        id,
                    },
                    _ => StoreError::sqlite(&w.path, e),
                })?;
            }
            tx.commit().ctx(&w.path)
        })
    }

    /// Marks a follow-up done (or not done again).
    pub fn set_follow_up_done(&self, follow_up: i64, done: bool) -> Result<(), StoreError> {
        self.write(move |w| {
            let n = w
                .conn
                .execute(
                    "UPDATE follow_ups SET done = ?2 WHERE id = ?1",
                    params![follow_up, done],
                )
                .ctx(&w.path)?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    path: w.path.clone(),
                    id: follow_up,
                });
            }
            Ok(())
        })
    }

    /// Saves whole, finished calls in one transaction (imports, fixtures, benchmarks).
    pub fn import(&self, calls: Vec<ImportedCall>) -> Result<Vec<SessionId>, StoreError> {
        self.write(move |w| {
            let tx = w.conn.transaction().ctx(&w.path)?;
            let mut ids = Vec::with_capacity(calls.len());
            for c in &calls {
                let id = write::insert_session(&tx, &c.meta).ctx(&w.path)?;
                write::append_events(&tx, &w.masker, id, 0, &c.events).ctx(&w.path)?;
                write::append_outputs(&tx, &w.masker, id, 0, &c.outputs, &mut None).ctx(&w.path)?;
                let body = draft(&c.meta, &c.summary, &c.agent_notes, false);
                write::finish(&tx, &w.masker, id, &c.summary, Status::Complete, &body)
                    .ctx(&w.path)?;
                for t in &c.tags {
                    tx.execute(
                        "INSERT OR IGNORE INTO tags (session_id, tag) VALUES (?1, ?2)",
                        params![id, t],
                    )
                    .ctx(&w.path)?;
                }
                ids.push(id);
            }
            tx.commit().ctx(&w.path)?;
            super::schema::optimize(&w.conn, &w.path)?;
            Ok(ids)
        })
    }
}

/// A finished call to save in one go.
#[derive(Debug, Clone)]
pub struct ImportedCall {
    pub meta: SessionMeta,
    pub events: Vec<Event>,
    pub outputs: Vec<Output>,
    pub summary: Summary,
    pub agent_notes: String,
    pub tags: Vec<String>,
}

fn draft(meta: &SessionMeta, s: &Summary, notes: &str, interrupted: bool) -> String {
    let ctx = NoteContext {
        agent: &meta.agent,
        started_at: meta.started_at,
        offset: note::local_offset(),
        interrupted,
    };
    note::draft(&ctx, s, notes)
}

impl SessionWriter {
    pub fn id(&self) -> SessionId {
        self.id
    }

    pub fn meta(&self) -> &SessionMeta {
        &self.meta
    }

    pub fn append_event(&self, event: &Event) -> Result<(), StoreError> {
        self.store.send(Msg::Events(self.id, vec![event.clone()]))
    }

    pub fn append_events(&self, events: &[Event]) -> Result<(), StoreError> {
        self.store.send(Msg::Events(self.id, events.to_vec()))
    }

    /// Keeps what the coach said (pacing meters one per few seconds of the call).
    pub fn append_outputs(&self, outputs: &[Output]) -> Result<(), StoreError> {
        if outputs.is_empty() {
            return Ok(());
        }
        self.store.send(Msg::Outputs(self.id, outputs.to_vec()))
    }

    /// Commits everything appended so far; reports an earlier append that failed.
    pub fn flush(&self) -> Result<(), StoreError> {
        let id = self.id;
        self.store.write(move |w| w.take_failure(id))
    }

    /// Ends the session: saves the summary, drafts and saves the note, marks it complete.
    pub fn finish(mut self, summary: &Summary, agent_notes: &str) -> Result<SessionId, StoreError> {
        let (id, summary) = (self.id, summary.clone());
        let body = draft(&self.meta, &summary, agent_notes, false);
        let lock = self.lock.take();
        self.store.write(move |w| {
            let earlier = w.take_failure(id);
            let tx = w.conn.transaction().ctx(&w.path)?;
            write::finish(&tx, &w.masker, id, &summary, Status::Complete, &body).ctx(&w.path)?;
            tx.commit().ctx(&w.path)?;
            w.seqs.remove(&id);
            w.last_pacing.remove(&id);
            release(w, lock);
            earlier.map(|()| id)
        })
    }
}

fn release(w: &Worker, lock: Option<SessionLock>) {
    if let Some(l) = lock {
        if let Err(e) = l.release() {
            eprintln!(
                "parley: session database '{}': cannot remove a lock file: {e}",
                w.path.display()
            );
        }
    }
}

impl Drop for SessionWriter {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        let id = self.id;
        let job = Msg::Run(Box::new(move |w: &mut Worker| {
            w.seqs.remove(&id);
            w.last_pacing.remove(&id);
            w.failures.remove(&id);
            if let Err(e) = recover::recover_one(&mut w.conn, &w.path.clone(), &w.masker, id) {
                eprintln!("parley: session {id} was left unfinished and could not be closed now ({e}); it will be closed on next start");
            }
            release(w, Some(lock));
        }));
        // If the writer is gone the lock drops with the message and the next open recovers it.
        if self.store.send(job).is_err() {
            eprintln!("parley: session {id} was left unfinished; it will be closed on next start");
        }
    }
}
