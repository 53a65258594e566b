//! The SQL that writes a session. Every text goes through the masker first.

use rusqlite::{params, Connection, OptionalExtension};

use super::mask::Masker;
use super::types::{now_ms, outcome_str, SessionId, SessionMeta, Status, WallMs};
use crate::engine::event::{AgentAction, Event};
use crate::engine::output::{Output, Summary};

pub fn insert_session(conn: &Connection, meta: &SessionMeta) -> rusqlite::Result<SessionId> {
    conn.execute(
        "INSERT INTO sessions (agent, started_at, playbook, status, source) VALUES (?1, ?2, ?3, 'live', ?4)",
        params![meta.agent, meta.started_at, meta.playbook, meta.source],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn next_seq(conn: &Connection, table: &str, id: SessionId) -> rusqlite::Result<i64> {
    conn.query_row(
        &format!("SELECT COALESCE(MAX(seq) + 1, 0) FROM {table} WHERE session_id = ?1"),
        [id],
        |r| r.get(0),
    )
}

fn event_kind(e: &Event) -> &'static str {
    match e {
        Event::CallStarted { .. } => "call_started",
        Event::CallEnded { .. } => "call_ended",
        Event::Utterance(_) => "utterance",
        Event::VoiceActivity { .. } => "voice_activity",
        Event::HoldStarted { .. } => "hold_started",
        Event::HoldEnded { .. } => "hold_ended",
        Event::Agent { .. } => "agent",
        Event::Tick { .. } => "tick",
        Event::TalkOver { .. } => "talk_over",
        Event::SpeechSoFar { .. } => "speech_so_far",
    }
}

fn output_kind(o: &Output) -> &'static str {
    match o {
        Output::CallState { .. } => "call_state",
        Output::Tick { .. } => "tick",
        Output::Phase { .. } => "phase",
        Output::Nudge(_) => "nudge",
        Output::Heeded { .. } => "heeded",
        Output::FollowUp(_) => "follow_up",
        Output::Pacing { .. } => "pacing",
        Output::Summary(_) => "summary",
    }
}

fn output_at(o: &Output) -> u64 {
    match o {
        Output::CallState { at_ms, .. }
        | Output::Tick { at_ms, .. }
        | Output::Phase { at_ms, .. }
        | Output::Heeded { at_ms, .. }
        | Output::Pacing { at_ms, .. } => *at_ms,
        Output::Nudge(n) => n.at_ms,
        Output::FollowUp(f) => f.at_ms,
        Output::Summary(s) => s.duration_ms,
    }
}

fn masked_json<T: serde::Serialize>(m: &Masker, value: &T) -> rusqlite::Result<String> {
    let mut v = serde_json::to_value(value)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    m.mask_json(&mut v);
    Ok(v.to_string())
}

/// Appends events from `seq` on; returns the next free seq.
pub fn append_events(
    conn: &Connection,
    m: &Masker,
    id: SessionId,
    mut seq: i64,
    events: &[Event],
) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (session_id, seq, at_ms, kind, json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in events {
        stmt.execute(params![
            id,
            seq,
            e.at_ms() as i64,
            event_kind(e),
            masked_json(m, e)?
        ])?;
        seq += 1;
        if let Event::Agent {
            action: AgentAction::DismissNudge { nudge_id },
            ..
        } = e
        {
            conn.execute(
                "UPDATE nudges SET dismissed = 1 WHERE session_id = ?1 AND nudge_id = ?2",
                params![id, nudge_id],
            )?;
        }
    }
    Ok(seq)
}

/// Pacing meters are kept one per this many ms of call time: enough for the review's charts to
/// show what the agent saw, without a row per tick.
pub const PACING_SAMPLE_MS: u64 = 5_000;

/// Whether a pacing meter at `at_ms` is kept, given when the last kept one was (updated when so).
pub fn keep_pacing_sample(last: &mut Option<u64>, at_ms: u64) -> bool {
    if last.is_some_and(|l| at_ms < l + PACING_SAMPLE_MS) {
        return false;
    }
    *last = Some(at_ms);
    true
}

/// Records what the coach said. Pacing meters are kept at most one per [`PACING_SAMPLE_MS`];
/// `last_pacing` is when the session's last kept one was, carried from append to append.
pub fn append_outputs(
    conn: &Connection,
    m: &Masker,
    id: SessionId,
    mut seq: i64,
    outputs: &[Output],
    last_pacing: &mut Option<u64>,
) -> rusqlite::Result<i64> {
    for o in outputs {
        match o {
            Output::Summary(_) => continue,
            Output::Pacing { at_ms, .. } => {
                if !keep_pacing_sample(last_pacing, *at_ms) {
                    continue;
                }
            }
            Output::Nudge(n) => {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO nudges (session_id, nudge_id, rule, at_ms, headline, script, reason, priority, step)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    id,
                    n.id,
                    n.rule.as_str(),
                    n.at_ms as i64,
                    m.mask(&n.headline),
                    n.script.as_deref().map(|s| m.mask(s)),
                    m.mask(&n.reason),
                    n.priority,
                    n.step
                ])?;
            }
            Output::Heeded {
                nudge_id, heeded, ..
            } => {
                conn.execute(
                    "UPDATE nudges SET heeded = ?3 WHERE session_id = ?1 AND nudge_id = ?2",
                    params![id, nudge_id, heeded],
                )?;
            }
            Output::Tick {
                item,
                at_ms,
                evidence,
            } => {
                conn.execute(
                    "INSERT OR REPLACE INTO checklist (session_id, item, done, at_ms, by_agent, speaker, evidence)
                     VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)",
                    params![
                        id,
                        item,
                        *at_ms as i64,
                        evidence.by_agent,
                        evidence.speaker.map(|s| s.as_str()),
                        evidence.text.as_deref().map(|t| m.mask(t))
                    ],
                )?;
            }
            Output::FollowUp(f) => {
                // Until the call ends, "due in" counts from when it was promised.
                let started: WallMs =
                    conn.query_row("SELECT started_at FROM sessions WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?;
                let due = f.due_in_ms.map(|d| started + f.at_ms as i64 + d as i64);
                conn.execute(
                    "INSERT INTO follow_ups (session_id, at_ms, text, due_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, f.at_ms as i64, m.mask(&f.text), due],
                )?;
            }
            Output::CallState { .. } | Output::Phase { .. } => {}
        }
        conn.prepare_cached(
            "INSERT INTO outputs (session_id, seq, at_ms, kind, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            id,
            seq,
            output_at(o) as i64,
            output_kind(o),
            masked_json(m, o)?
        ])?;
        seq += 1;
    }
    Ok(seq)
}

/// Closes a session from its summary: the summary is the final word on checklist, nudges and
/// follow-ups. Saves the drafted note and makes the session searchable.
pub fn finish(
    conn: &Connection,
    m: &Masker,
    id: SessionId,
    summary: &Summary,
    status: Status,
    note: &str,
) -> rusqlite::Result<()> {
    let started: WallMs =
        conn.query_row("SELECT started_at FROM sessions WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let ended = started + summary.duration_ms as i64;
    let nudges = summary.nudges.len() as i64;
    let heeded = i64::from(summary.nudges_heeded);
    let ratio = (nudges > 0).then(|| heeded as f64 / nudges as f64);
    conn.execute(
        "UPDATE sessions SET ended_at = ?2, duration_ms = ?3, outcome = ?4, status = ?5, nudge_count = ?6,
           heeded_count = ?7, heeded_ratio = ?8, items_done = ?9, items_total = ?10, summary_json = ?11
         WHERE id = ?1",
        params![
            id,
            ended,
            summary.duration_ms as i64,
            outcome_str(summary.outcome),
            status.as_str(),
            nudges,
            heeded,
            ratio,
            summary.items_done,
            summary.items_total,
            masked_json(m, summary)?
        ],
    )?;
    conn.execute("DELETE FROM checklist WHERE session_id = ?1", [id])?;
    for item in &summary.checklist {
        let ev = item.evidence.as_ref();
        conn.execute(
            "INSERT INTO checklist (session_id, item, label, done, at_ms, by_agent, speaker, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                item.item,
                item.label,
                item.done,
                ev.map(|e| e.at_ms as i64),
                ev.is_some_and(|e| e.by_agent),
                ev.and_then(|e| e.speaker).map(|s| s.as_str()),
                ev.and_then(|e| e.text.as_deref()).map(|t| m.mask(t))
            ],
        )?;
    }
    conn.execute("DELETE FROM nudges WHERE session_id = ?1", [id])?;
    for r in &summary.nudges {
        let n = &r.nudge;
        conn.execute(
            "INSERT OR REPLACE INTO nudges (session_id, nudge_id, rule, at_ms, headline, script, reason, priority, step, heeded, dismissed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                n.id,
                n.rule.as_str(),
                n.at_ms as i64,
                m.mask(&n.headline),
                n.script.as_deref().map(|s| m.mask(s)),
                m.mask(&n.reason),
                n.priority,
                n.step,
                r.heeded,
                r.dismissed
            ],
        )?;
    }
    conn.execute("DELETE FROM follow_ups WHERE session_id = ?1", [id])?;
    for f in &summary.follow_ups {
        conn.execute(
            "INSERT INTO follow_ups (session_id, at_ms, text, due_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                f.at_ms as i64,
                m.mask(&f.text),
                f.due_in_ms.map(|d| ended + d as i64)
            ],
        )?;
    }
    let now = now_ms();
    conn.execute(
        "INSERT OR REPLACE INTO notes (session_id, body, drafted_at) VALUES (?1, ?2, ?3)",
        params![id, m.mask(note), now],
    )?;
    conn.execute(
        "INSERT INTO note_history (session_id, body, saved_at, saved_by) VALUES (?1, ?2, ?3, 'parley')",
        params![id, m.mask(note), now],
    )?;
    index_session(conn, id)
}

/// (Re)builds the session's full-text rows: its note (rowid `2 * id`) and its transcript
/// (`2 * id + 1`), so a match gives the session without reading the indexed text back.
pub fn index_session(conn: &Connection, id: SessionId) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM search WHERE rowid IN (?1 * 2, ?1 * 2 + 1)",
        [id],
    )?;
    conn.execute(
        "INSERT INTO search (rowid, body, session_id, source) SELECT ?1 * 2, body, session_id, 'note' FROM notes WHERE session_id = ?1",
        [id],
    )?;
    let transcript: Option<String> = conn
        .query_row(
            "SELECT group_concat(json_extract(json, '$.speaker') || ': ' || json_extract(json, '$.text'), char(10))
             FROM (SELECT json FROM events WHERE session_id = ?1 AND kind = 'utterance' ORDER BY seq)",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(t) = transcript {
        conn.execute(
            "INSERT INTO search (rowid, body, session_id, source) VALUES (?2 * 2 + 1, ?1, ?2, 'transcript')",
            params![t, id],
        )?;
    }
    Ok(())
}

/// The agent (or a lead) edits the note: the new text is kept and so is the old one.
pub fn edit_note(
    conn: &Connection,
    m: &Masker,
    id: SessionId,
    body: &str,
    by: &str,
) -> rusqlite::Result<usize> {
    let now = now_ms();
    let body = m.mask(body);
    let n = conn.execute(
        "UPDATE notes SET body = ?2, edited_at = ?3, edited_by = ?4 WHERE session_id = ?1",
        params![id, body, now, by],
    )?;
    if n == 1 {
        conn.execute(
            "INSERT INTO note_history (session_id, body, saved_at, saved_by) VALUES (?1, ?2, ?3, ?4)",
            params![id, body, now, by],
        )?;
        index_session(conn, id)?;
    }
    Ok(n)
}
