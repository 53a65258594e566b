//! One session in full: the row, the note and its history, checklist, nudges, follow-ups and
//! the timeline of events and coach outputs.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row};

use super::error::{Ctx, StoreError};
use super::query::{session_row, ROW_COLUMNS};
use super::types::{
    ChecklistRow, FollowUpRow, Note, NoteVersion, NudgeRow, SessionDetail, SessionId, TimelineEntry,
};
use super::Store;

fn all<T>(
    conn: &Connection,
    path: &Path,
    sql: &str,
    id: SessionId,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).ctx(path)?;
    let rows = stmt.query_map([id], f).ctx(path)?;
    rows.collect::<Result<Vec<_>, _>>().ctx(path)
}

pub(crate) fn show(
    conn: &Connection,
    path: &Path,
    id: SessionId,
) -> Result<SessionDetail, StoreError> {
    let session = conn
        .query_row(
            &format!("SELECT {ROW_COLUMNS} FROM sessions s WHERE s.id = ?1"),
            [id],
            session_row,
        )
        .optional()
        .ctx(path)?
        .ok_or_else(|| StoreError::NotFound {
            path: path.to_path_buf(),
            id,
        })?;
    let note = conn
        .query_row(
            "SELECT body, drafted_at, edited_at, edited_by FROM notes WHERE session_id = ?1",
            [id],
            |r| {
                Ok(Note {
                    body: r.get(0)?,
                    drafted_at: r.get(1)?,
                    edited_at: r.get(2)?,
                    edited_by: r.get(3)?,
                })
            },
        )
        .optional()
        .ctx(path)?;
    let note_history = all(
        conn,
        path,
        "SELECT body, saved_at, saved_by FROM note_history WHERE session_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(NoteVersion {
                body: r.get(0)?,
                saved_at: r.get(1)?,
                saved_by: r.get(2)?,
            })
        },
    )?;
    let checklist = all(
        conn,
        path,
        "SELECT item, label, done, at_ms, by_agent, speaker, evidence FROM checklist WHERE session_id = ?1 ORDER BY rowid",
        id,
        |r| {
            Ok(ChecklistRow {
                item: r.get(0)?,
                label: r.get(1)?,
                done: r.get(2)?,
                at_ms: r.get(3)?,
                by_agent: r.get(4)?,
                speaker: r.get(5)?,
                evidence: r.get(6)?,
            })
        },
    )?;
    let nudges = all(
        conn,
        path,
        "SELECT nudge_id, rule, at_ms, headline, script, reason, priority, step, heeded, dismissed
         FROM nudges WHERE session_id = ?1 ORDER BY nudge_id",
        id,
        |r| {
            Ok(NudgeRow {
                nudge_id: r.get(0)?,
                rule: r.get(1)?,
                at_ms: r.get(2)?,
                headline: r.get(3)?,
                script: r.get(4)?,
                reason: r.get(5)?,
                priority: r.get(6)?,
                step: r.get(7)?,
                heeded: r.get(8)?,
                dismissed: r.get(9)?,
            })
        },
    )?;
    let agent = session.agent.clone();
    let follow_ups = all(
        conn,
        path,
        "SELECT id, session_id, at_ms, text, due_at, done FROM follow_ups WHERE session_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(FollowUpRow {
                id: r.get(0)?,
                session_id: r.get(1)?,
                agent: agent.clone(),
                at_ms: r.get(2)?,
                text: r.get(3)?,
                due_at: r.get(4)?,
                done: r.get(5)?,
            })
        },
    )?;
    let timeline = all(
        conn,
        path,
        "SELECT at_ms, origin, kind, json FROM (
            SELECT at_ms, 'event' AS origin, kind, json, 0 AS side, seq FROM events WHERE session_id = ?1
            UNION ALL
            SELECT at_ms, 'output', kind, json, 1, seq FROM outputs WHERE session_id = ?1
         ) ORDER BY at_ms, side, seq",
        id,
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
    )?
    .into_iter()
    .map(|(at_ms, origin, kind, json)| {
        let json = serde_json::from_str(&json).map_err(|e| StoreError::BadRow {
            path: path.to_path_buf(),
            id,
            detail: format!("{origin} at {at_ms} ms is not JSON: {e}"),
        })?;
        Ok(TimelineEntry {
            at_ms,
            origin,
            kind,
            json,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let limits: Option<String> = conn
        .query_row(
            "SELECT json_extract(summary_json, '$.limits') FROM sessions WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .ctx(path)?;
    // A summary is ours; one that does not read is a broken row, not a call without limits.
    let limits = limits
        .map(|l| serde_json::from_str(&l))
        .transpose()
        .map_err(|e| StoreError::BadRow {
            path: path.to_path_buf(),
            id,
            detail: format!("the summary's pacing limits do not read: {e}"),
        })?;
    Ok(SessionDetail {
        session,
        note,
        note_history,
        checklist,
        nudges,
        follow_ups,
        timeline,
        pacing_limits: limits,
    })
}

impl Store {
    /// Everything about one session.
    pub fn show(&self, id: SessionId) -> Result<SessionDetail, StoreError> {
        self.read(move |c, p| show(c, p, id))
    }

    /// The session's global id (the key on the team server), None for an unknown session.
    pub fn uid(&self, id: SessionId) -> Result<Option<String>, StoreError> {
        self.read(move |c, p| {
            c.query_row("SELECT uid FROM sessions WHERE id = ?1", [id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .ctx(p)
            .map(Option::flatten)
        })
    }
}
