//! What the store hands out: plain serde structs, shared with the review window and exports.

use serde::{Deserialize, Serialize};

use crate::engine::output::{Outcome, PacingLimits};

pub type SessionId = i64;

/// Unix milliseconds (UTC).
pub type WallMs = i64;

pub fn now_ms() -> WallMs {
    chrono::Utc::now().timestamp_millis()
}

/// What a session is known by before anything has happened in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub agent: String,
    pub playbook: String,
    /// Where the events come from, e.g. "replay:calls/angry.jsonl", "live", "audio".
    pub source: String,
    pub started_at: WallMs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Live,
    Complete,
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Complete => "complete",
            Status::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Live, Status::Complete, Status::Interrupted]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

pub fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Resolved => "resolved",
        Outcome::FollowUpOwed => "follow_up_owed",
        Outcome::Escalated => "escalated",
        Outcome::EndedForAbuse => "ended_for_abuse",
        Outcome::CustomerHungUp => "customer_hung_up",
        Outcome::Unresolved => "unresolved",
    }
}

pub fn parse_outcome(s: &str) -> Option<Outcome> {
    [
        Outcome::Resolved,
        Outcome::FollowUpOwed,
        Outcome::Escalated,
        Outcome::EndedForAbuse,
        Outcome::CustomerHungUp,
        Outcome::Unresolved,
    ]
    .into_iter()
    .find(|o| outcome_str(*o) == s)
}

/// One line of the session list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: SessionId,
    pub agent: String,
    pub started_at: WallMs,
    pub ended_at: Option<WallMs>,
    pub duration_ms: Option<i64>,
    pub playbook: String,
    pub outcome: Option<String>,
    pub status: Status,
    pub source: String,
    pub nudge_count: i64,
    pub heeded_count: i64,
    /// heeded / nudges, None without nudges.
    pub heeded_ratio: Option<f64>,
    pub items_done: i64,
    pub items_total: i64,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NudgeRow {
    pub nudge_id: i64,
    pub rule: String,
    pub at_ms: i64,
    pub headline: String,
    pub script: Option<String>,
    pub reason: String,
    pub priority: i64,
    pub step: Option<i64>,
    pub heeded: Option<bool>,
    pub dismissed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistRow {
    pub item: String,
    pub label: Option<String>,
    pub done: bool,
    pub at_ms: Option<i64>,
    pub by_agent: bool,
    pub speaker: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRow {
    pub id: i64,
    pub session_id: SessionId,
    pub agent: String,
    pub at_ms: i64,
    pub text: String,
    pub due_at: Option<WallMs>,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub body: String,
    pub drafted_at: WallMs,
    pub edited_at: Option<WallMs>,
    pub edited_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteVersion {
    pub body: String,
    pub saved_at: WallMs,
    pub saved_by: String,
}

/// One line of the timeline: an event the call produced or an output the coach gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at_ms: i64,
    /// "event" or "output".
    pub origin: String,
    pub kind: String,
    pub json: serde_json::Value,
}

/// Everything about one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDetail {
    pub session: SessionRow,
    pub note: Option<Note>,
    pub note_history: Vec<NoteVersion>,
    pub checklist: Vec<ChecklistRow>,
    pub nudges: Vec<NudgeRow>,
    pub follow_ups: Vec<FollowUpRow>,
    pub timeline: Vec<TimelineEntry>,
    /// The pacing limits the call was coached against, from its summary (None before a call
    /// has ended, and for calls saved before limits were recorded).
    #[serde(default)]
    pub pacing_limits: Option<PacingLimits>,
}

/// A page of results and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub total: i64,
    pub offset: i64,
    pub items: Vec<T>,
}
