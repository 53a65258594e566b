//! The outbox: sessions the team server does not have in their latest state yet.
//!
//! Rows are added by triggers (migration 3) when a session closes and when its note or tags change
//! after that. A pusher reads a session and its outbox `version` in one read transaction, sends it,
//! and then removes the row only if the version is unchanged, so an edit made during a push is sent
//! on the next one. Nothing here talks to the network.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::error::{Ctx, StoreError};
use super::read;
use super::types::{SessionDetail, SessionId, WallMs};
use super::Store;

/// One queued session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub session_id: SessionId,
    pub queued_at: WallMs,
    pub version: i64,
    pub attempts: i64,
    pub next_try_at: WallMs,
    pub last_error: Option<String>,
}

/// What the server gets for one session: everything the review shows, plus the global id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncPayload {
    /// The session's global id (random, 128 bits as 32 hex digits).
    pub uid: String,
    /// The outbox version this payload was read at.
    pub version: i64,
    pub detail: SessionDetail,
    pub summary: Option<serde_json::Value>,
    /// The masked transcript, one "speaker: text" line per utterance, for full-text search.
    pub transcript: String,
}

fn item(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        session_id: r.get(0)?,
        queued_at: r.get(1)?,
        version: r.get(2)?,
        attempts: r.get(3)?,
        next_try_at: r.get(4)?,
        last_error: r.get(5)?,
    })
}

const ITEM_COLUMNS: &str = "session_id, queued_at, version, attempts, next_try_at, last_error";

fn payload(
    conn: &Connection,
    path: &Path,
    id: SessionId,
) -> Result<Option<SyncPayload>, StoreError> {
    // One read transaction: the version and the data it stands for are read together.
    let tx = conn.unchecked_transaction().ctx(path)?;
    let version: Option<i64> = tx
        .query_row(
            "SELECT o.version FROM sync_outbox o JOIN sessions s ON s.id = o.session_id
             WHERE o.session_id = ?1 AND s.status != 'live'",
            [id],
            |r| r.get(0),
        )
        .optional()
        .ctx(path)?;
    let Some(version) = version else {
        return Ok(None);
    };
    let (uid, summary): (Option<String>, Option<String>) = tx
        .query_row(
            "SELECT uid, summary_json FROM sessions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ctx(path)?;
    let bad = |detail: String| StoreError::BadRow {
        path: path.to_path_buf(),
        id,
        detail,
    };
    let uid = uid.ok_or_else(|| bad("the session has no global id".into()))?;
    let summary = summary
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| bad(format!("summary is not JSON: {e}")))?;
    let transcript: Option<String> = tx
        .query_row(
            "SELECT group_concat(json_extract(json, '$.speaker') || ': ' || json_extract(json, '$.text'), char(10))
             FROM (SELECT json FROM events WHERE session_id = ?1 AND kind = 'utterance' ORDER BY seq)",
            [id],
            |r| r.get(0),
        )
        .ctx(path)?;
    let detail = read::show(&tx, path, id)?;
    Ok(Some(SyncPayload {
        uid,
        version,
        detail,
        summary,
        transcript: transcript.unwrap_or_default(),
    }))
}

impl Store {
    /// Queued sessions due for a try at `now`, oldest session first.
    pub fn outbox_due(&self, now: WallMs, limit: i64) -> Result<Vec<OutboxItem>, StoreError> {
        self.read(move |c, p| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS} FROM sync_outbox WHERE next_try_at <= ?1
                     ORDER BY session_id LIMIT ?2"
                ))
                .ctx(p)?;
            let rows = stmt.query_map(params![now, limit], item).ctx(p)?;
            rows.collect::<Result<Vec<_>, _>>().ctx(p)
        })
    }

    /// Everything in the outbox, due or waiting out a backoff.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.read(move |c, p| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS} FROM sync_outbox ORDER BY session_id"
                ))
                .ctx(p)?;
            let rows = stmt.query_map([], item).ctx(p)?;
            rows.collect::<Result<Vec<_>, _>>().ctx(p)
        })
    }

    /// The session as it is to be sent, or None when it is no longer queued.
    pub fn sync_payload(&self, id: SessionId) -> Result<Option<SyncPayload>, StoreError> {
        self.read(move |c, p| payload(c, p, id))
    }

    /// The server has the session at `version`: removes it from the outbox unless it was queued
    /// again meanwhile. Returns whether the row went.
    pub fn outbox_done(&self, id: SessionId, version: i64) -> Result<bool, StoreError> {
        self.write(move |w| {
            let n = w
                .conn
                .execute(
                    "DELETE FROM sync_outbox WHERE session_id = ?1 AND version = ?2",
                    params![id, version],
                )
                .ctx(&w.path)?;
            Ok(n == 1)
        })
    }

    /// [`Store::outbox_done`] for many sessions in one transaction (one disk sync instead of
    /// one per session). Returns how many rows went.
    pub fn outbox_done_many(&self, done: &[(SessionId, i64)]) -> Result<usize, StoreError> {
        let done = done.to_vec();
        self.write(move |w| {
            let tx = w.conn.transaction().ctx(&w.path)?;
            let mut n = 0;
            {
                let mut stmt = tx
                    .prepare_cached(
                        "DELETE FROM sync_outbox WHERE session_id = ?1 AND version = ?2",
                    )
                    .ctx(&w.path)?;
                for (id, version) in &done {
                    n += stmt.execute(params![id, version]).ctx(&w.path)?;
                }
            }
            tx.commit().ctx(&w.path)?;
            Ok(n)
        })
    }

    /// A push of this session failed: counts the attempt, keeps the reason and waits until
    /// `next_try_at` before trying again.
    pub fn outbox_failed(
        &self,
        id: SessionId,
        error: &str,
        next_try_at: WallMs,
    ) -> Result<(), StoreError> {
        let error = error.to_string();
        self.write(move |w| {
            w.conn
                .execute(
                    "UPDATE sync_outbox SET attempts = attempts + 1, last_error = ?2, next_try_at = ?3
                     WHERE session_id = ?1",
                    params![id, error, next_try_at],
                )
                .ctx(&w.path)?;
            Ok(())
        })
    }

    /// Puts every closed session back in the outbox (after the server was reset, say).
    pub fn outbox_requeue_all(&self) -> Result<usize, StoreError> {
        self.write(move |w| {
            let n = w
                .conn
                .execute(
                    "INSERT INTO sync_outbox (session_id, queued_at)
                     SELECT id, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM sessions WHERE status != 'live'
                     ON CONFLICT (session_id) DO UPDATE SET version = version + 1, attempts = 0,
                         next_try_at = 0, last_error = NULL",
                    [],
                )
                .ctx(&w.path)?;
            Ok(n)
        })
    }
}
