//! The schema, as append-only migrations numbered by `PRAGMA user_version`.
//!
//! Never edit a migration that has shipped: add a new one at the end. Times of day are unix
//! milliseconds (UTC) with an `_iso` twin for people reading the file; times within a call are
//! milliseconds from call start; rule ids are the engine's stable text ids.

use std::path::Path;

use rusqlite::Connection;

use super::error::{Ctx, StoreError};

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    agent        TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    started_iso  TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%fZ', started_at / 1000.0, 'unixepoch')) VIRTUAL,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    playbook     TEXT NOT NULL,
    outcome      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('live', 'complete', 'interrupted')),
    source       TEXT NOT NULL,
    nudge_count  INTEGER NOT NULL DEFAULT 0,
    heeded_count INTEGER NOT NULL DEFAULT 0,
    items_done   INTEGER NOT NULL DEFAULT 0,
    items_total  INTEGER NOT NULL DEFAULT 0,
    summary_json TEXT
);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_agent ON sessions(agent, started_at);
CREATE INDEX sessions_outcome ON sessions(outcome, started_at);
CREATE INDEX sessions_status ON sessions(status);

CREATE TABLE events (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    json       TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

CREATE TABLE outputs (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    json       TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

CREATE TABLE checklist (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    item       TEXT NOT NULL,
    label      TEXT,
    done       INTEGER NOT NULL DEFAULT 0,
    at_ms      INTEGER,
    by_agent   INTEGER NOT NULL DEFAULT 0,
    speaker    TEXT,
    evidence   TEXT,
    PRIMARY KEY (session_id, item)
);

CREATE TABLE nudges (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    nudge_id   INTEGER NOT NULL,
    rule       TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    headline   TEXT NOT NULL,
    script     TEXT,
    reason     TEXT NOT NULL,
    priority   INTEGER NOT NULL,
    step       INTEGER,
    heeded     INTEGER,
    dismissed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, nudge_id)
) WITHOUT ROWID;
CREATE INDEX nudges_rule ON nudges(rule, session_id);

CREATE TABLE notes (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    drafted_at INTEGER NOT NULL,
    edited_at  INTEGER,
    edited_by  TEXT
);

CREATE TABLE note_history (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    saved_at   INTEGER NOT NULL,
    saved_by   TEXT NOT NULL
);
CREATE INDEX note_history_session ON note_history(session_id, id);

CREATE TABLE follow_ups (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_ms      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    due_at     INTEGER,
    done       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX follow_ups_due ON follow_ups(done, due_at);
CREATE INDEX follow_ups_session ON follow_ups(session_id);

CREATE TABLE tags (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (tag, session_id)
) WITHOUT ROWID;
CREATE INDEX tags_session ON tags(session_id);

-- rowid = 2 * session id for the note, 2 * session id + 1 for the transcript.
CREATE VIRTUAL TABLE search USING fts5(
    body,
    session_id UNINDEXED,
    source UNINDEXED,
    tokenize = 'unicode61'
);
CREATE TRIGGER sessions_unindex AFTER DELETE ON sessions BEGIN
    DELETE FROM search WHERE rowid IN (old.id * 2, old.id * 2 + 1);
END;
"#;

/// Heeded share as a stored column, so the review list can sort and filter on it with an index.
const V2: &str = r#"
ALTER TABLE sessions ADD COLUMN heeded_ratio REAL;
UPDATE sessions SET heeded_ratio = CAST(heeded_count AS REAL) / nudge_count WHERE nudge_count > 0;
CREATE INDEX sessions_heeded ON sessions(heeded_ratio);
CREATE INDEX sessions_nudges ON sessions(nudge_count);
CREATE INDEX sessions_duration ON sessions(duration_ms);
CREATE INDEX follow_ups_due_at ON follow_ups(due_at) WHERE done = 0;
"#;

/// Team sync: a global id per session (random, 128 bits, so ids from many agents' machines never
/// meet) and the outbox of sessions the team server has not got in their latest state. A session
/// is queued when it is closed (complete or interrupted) and again when its note or tags change
/// afterwards; a push deletes the row only if nothing re-queued it meanwhile (`version`).
const V3: &str = r#"
ALTER TABLE sessions ADD COLUMN uid TEXT;
UPDATE sessions SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
CREATE UNIQUE INDEX sessions_uid ON sessions(uid);
CREATE TRIGGER sessions_uid_new AFTER INSERT ON sessions WHEN new.uid IS NULL BEGIN
    UPDATE sessions SET uid = lower(hex(randomblob(16))) WHERE id = new.id;
END;

CREATE TABLE sync_outbox (
    session_id  INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    queued_at   INTEGER NOT NULL,
    -- Bumped each time the session is queued again; a push removes the row only at the version it read.
    version     INTEGER NOT NULL DEFAULT 1,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
INSERT INTO sync_outbox (session_id, queued_at)
    SELECT id, CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM sessions WHERE status != 'live';

CREATE TRIGGER sync_on_close AFTER UPDATE OF status ON sessions
WHEN new.status != 'live' BEGIN
    INSERT INTO sync_outbox (session_id, queued_at)
    VALUES (new.id, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (session_id) DO UPDATE SET queued_at = excluded.queued_at, version = version + 1,
        attempts = 0,
        next_try_at = 0, last_error = NULL;
END;
CREATE TRIGGER sync_on_note AFTER INSERT ON note_history
WHEN (SELECT status FROM sessions WHERE id = new.session_id) != 'live' BEGIN
    INSERT INTO sync_outbox (session_id, queued_at)
    VALUES (new.session_id, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (session_id) DO UPDATE SET queued_at = excluded.queued_at, version = version + 1,
        attempts = 0,
        next_try_at = 0, last_error = NULL;
END;
CREATE TRIGGER sync_on_tag AFTER INSERT ON tags
WHEN (SELECT status FROM sessions WHERE id = new.session_id) != 'live' BEGIN
    INSERT INTO sync_outbox (session_id, queued_at)
    VALUES (new.session_id, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (session_id) DO UPDATE SET queued_at = excluded.queued_at, version = version + 1,
        attempts = 0,
        next_try_at = 0, last_error = NULL;
END;
CREATE TRIGGER sync_on_untag AFTER DELETE ON tags
WHEN (SELECT status FROM sessions WHERE id = old.session_id) != 'live' BEGIN
    INSERT INTO sync_outbox (session_id, queued_at)
    VALUES (old.session_id, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (session_id) DO UPDATE SET queued_at = excluded.queued_at, version = version + 1,
        attempts = 0,
        next_try_at = 0, last_error = NULL;
END;
"#;

/// A follow-up marked done (or owed again) after the call goes to the team server too, so the
/// leads' "overdue" counts what is really owed.
const V4: &str = r#"
CREATE TRIGGER sync_on_follow_up AFTER UPDATE OF done ON follow_ups
WHEN (SELECT status FROM sessions WHERE id = new.session_id) != 'live' BEGIN
    INSERT INTO sync_outbox (session_id, queued_at)
    VALUES (new.session_id, CAST(unixepoch('subsec') * 1000 AS INTEGER))
    ON CONFLICT (session_id) DO UPDATE SET queued_at = excluded.queued_at, version = version + 1,
        attempts = 0,
        next_try_at = 0, last_error = NULL;
END;
"#;

/// Sets the connection up: WAL, foreign keys, a wait for other writers.
pub fn configure(conn: &Connection, path: &Path, busy_ms: u64) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_millis(busy_ms))
        .ctx(path)?;
    // Reading the header first turns "file is not a database" into a clear error early.
    conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0))
        .ctx(path)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .ctx(path)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
        .ctx(path)?;
    Ok(())
}

pub fn version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .ctx(path)
}

/// Brings the schema up to `target` (normally [`LATEST`]), one transaction per step.
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<(), StoreError> {
    let found = version(conn, path)?;
    if found < 0 {
        return Err(StoreError::BadVersion {
            path: path.to_path_buf(),
            found,
        });
    }
    if found > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: LATEST,
        });
    }
    for v in found..target.min(LATEST) {
        let tx = conn.transaction().ctx(path)?;
        tx.execute_batch(MIGRATIONS[v as usize]).ctx(path)?;
        tx.pragma_update(None, "user_version", v + 1).ctx(path)?;
        tx.commit().ctx(path)?;
    }
    Ok(())
}

/// Refreshes the planner's statistics where they are missing or stale (cheap: SQLite limits
/// the work). Without them a filtered list can pick the date index and scan every session.
pub fn optimize(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.execute_batch("PRAGMA optimize = 0x10002").ctx(path)
}
