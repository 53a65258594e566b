//! JSON and CSV exports of one session or a filtered list, for team leads' own tools.

use serde::{Deserialize, Serialize};

use super::error::StoreError;
use super::query::SessionFilter;
use super::types::{SessionDetail, SessionId, SessionRow};
use super::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Full sessions (note, nudges, timeline) as a JSON array.
    Json,
    /// One line per session.
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

const CSV_HEADER: [&str; 17] = [
    "id",
    "agent",
    "started_at",
    "ended_at",
    "duration_ms",
    "playbook",
    "outcome",
    "status",
    "source",
    "nudges",
    "heeded",
    "heeded_ratio",
    "items_done",
    "items_total",
    "tags",
    "rules_fired",
    "note",
];

/// CSV of session rows; `details` (same order) adds the rules fired and the note when known.
pub fn to_csv(rows: &[SessionRow], details: &[SessionDetail]) -> Result<String, StoreError> {
    let err = |e: csv::Error| StoreError::Export(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(err)?;
    for (i, r) in rows.iter().enumerate() {
        let d = details.get(i).filter(|d| d.session.id == r.id);
        let mut rules: Vec<&str> = d
            .map(|d| d.nudges.iter().map(|n| n.rule.as_str()).collect())
            .unwrap_or_default();
        rules.sort_unstable();
        rules.dedup();
        let note = d
            .and_then(|d| d.note.as_ref())
            .map(|n| n.body.clone())
            .unwrap_or_default();
        w.write_record([
            r.id.to_string(),
            r.agent.clone(),
            iso(r.started_at),
            r.ended_at.map(iso).unwrap_or_default(),
            r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            r.playbook.clone(),
            r.outcome.clone().unwrap_or_default(),
            r.status.as_str().to_string(),
            r.source.clone(),
            r.nudge_count.to_string(),
            r.heeded_count.to_string(),
            r.heeded_ratio
                .map(|x| format!("{x:.3}"))
                .unwrap_or_default(),
            r.items_done.to_string(),
            r.items_total.to_string(),
            r.tags.join(";"),
            rules.join(";"),
            note,
        ])
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Export(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Export(format!("csv: {e}")))
}

pub fn to_json(details: &[SessionDetail]) -> Result<String, StoreError> {
    serde_json::to_string_pretty(details).map_err(|e| StoreError::Export(format!("json: {e}")))
}

impl Store {
    /// Exports one session.
    pub fn export_session(&self, id: SessionId, format: Format) -> Result<String, StoreError> {
        let d = self.show(id)?;
        match format {
            Format::Json => to_json(std::slice::from_ref(&d)),
            Format::Csv => to_csv(std::slice::from_ref(&d.session), std::slice::from_ref(&d)),
        }
    }

    /// Exports the sessions a filter selects (one page of it: set `limit` to what you need).
    pub fn export(&self, filter: &SessionFilter, format: Format) -> Result<String, StoreError> {
        let page = self.list(filter)?;
        let details = page
            .items
            .iter()
            .map(|r| self.show(r.id))
            .collect::<Result<Vec<_>, _>>()?;
        match format {
            Format::Json => to_json(&details),
            Format::Csv => to_csv(&page.items, &details),
        }
    }
}
