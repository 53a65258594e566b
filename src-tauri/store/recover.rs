//! Sessions cut off mid-call (the process died) are closed as `interrupted` on the next open:
//! the saved events are run through the engine again and the note is drafted from that summary.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rusqlite::{Connection, TransactionBehavior};

use super::error::{Ctx, StoreError};
use super::lock::LockDir;
use super::mask::Masker;
use super::note::{self, NoteContext};
use super::types::{SessionId, Status};
use super::write;
use crate::engine::event::Event;
use crate::engine::output::Output;
use crate::engine::{Engine, Playbook};

fn builtin() -> Arc<Playbook> {
    static PB: OnceLock<Arc<Playbook>> = OnceLock::new();
    PB.get_or_init(|| Arc::new(Playbook::builtin())).clone()
}

/// Closes every live session no running process is writing. Returns the ids it closed.
pub fn recover_orphans(
    conn: &mut Connection,
    path: &Path,
    m: &Masker,
    locks: &LockDir,
) -> Result<Vec<SessionId>, StoreError> {
    let live: Vec<SessionId> = {
        let mut stmt = conn
            .prepare("SELECT id FROM sessions WHERE status = 'live' ORDER BY id")
            .ctx(path)?;
        let rows = stmt.query_map([], |r| r.get(0)).ctx(path)?;
        rows.collect::<Result<_, _>>().ctx(path)?
    };
    let mut closed = Vec::new();
    for id in live {
        let Some(lock) = locks.try_take(id)? else {
            continue;
        };
        if recover_one(conn, path, m, id)? {
            closed.push(id);
        }
        lock.release().map_err(|cause| StoreError::LockFile {
            path: path.to_path_buf(),
            lock: path.to_path_buf(),
            cause,
        })?;
    }
    Ok(closed)
}

/// Closes one session as interrupted, if it is still live. The caller holds its lock.
pub fn recover_one(
    conn: &mut Connection,
    path: &Path,
    m: &Masker,
    id: SessionId,
) -> Result<bool, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx(path)?;
    let row: Option<(String, i64, String)> = tx
        .query_row(
            "SELECT agent, started_at, status FROM sessions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .ctx(path)?;
    let Some((agent, started_at, status)) = row else {
        return Ok(false);
    };
    if status != Status::Live.as_str() {
        return Ok(false);
    }
    let events = saved_events(&tx, path, id)?;
    let mut engine = Engine::new(builtin());
    let mut outputs: Vec<Output> = Vec::new();
    let mut last_at = 0;
    let mut ended = false;
    for e in &events {
        last_at = last_at.max(e.at_ms());
        ended |= matches!(e, Event::CallEnded { .. });
        outputs.extend(engine.feed(e));
    }
    if !ended {
        outputs.extend(engine.feed(&Event::CallEnded {
            at_ms: last_at,
            reason: None,
        }));
    }
    let summary = outputs
        .iter()
        .rev()
        .find_map(|o| match o {
            Output::Summary(s) => Some((**s).clone()),
            _ => None,
        })
        .unwrap_or_else(|| engine.summary());
    for table in ["outputs", "nudges", "checklist", "follow_ups"] {
        tx.execute(&format!("DELETE FROM {table} WHERE session_id = ?1"), [id])
            .ctx(path)?;
    }
    write::append_outputs(&tx, m, id, 0, &outputs, &mut None).ctx(path)?;
    let ctx = NoteContext {
        agent: &agent,
        started_at,
        offset: note::local_offset(),
        interrupted: true,
    };
    let body = note::draft(&ctx, &summary, "");
    write::finish(&tx, m, id, &summary, Status::Interrupted, &body).ctx(path)?;
    tx.commit().ctx(path)?;
    Ok(true)
}

/// The saved timeline; a row that no longer parses is skipped rather than blocking recovery.
fn saved_events(conn: &Connection, path: &Path, id: SessionId) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT json FROM events WHERE session_id = ?1 ORDER BY seq")
        .ctx(path)?;
    let rows = stmt.query_map([id], |r| r.get::<_, String>(0)).ctx(path)?;
    let mut events = Vec::new();
    for row in rows {
        if let Ok(e) = serde_json::from_str::<Event>(&row.ctx(path)?) {
            events.push(e);
        }
    }
    Ok(events)
}
