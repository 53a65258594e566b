//! Finished sessions for the review window, kept in a JSON-lines file.
//!
//! A stopgap until `parley::store` (SQLite) lands on main: same role, simpler engine. Queries
//! run in memory, which is fine for a few thousand sessions, not for 100k.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::engine::output::{Output, Summary};
use crate::engine::{Ms, Utterance};

use super::note::outcome_label;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot open session file '{path}': {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("session file '{path}' line {line} is damaged: {reason}")]
    Damaged {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("cannot write session file '{path}': {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("no session with id {0}")]
    NotFound(u64),
    #[error("the session archive lock was poisoned by an earlier crash; restart the app")]
    Poisoned,
}

/// Agent talk share and rate at a moment, for the review charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacingSample {
    pub at_ms: Ms,
    pub talk_share: f32,
    pub recent_talk_share: f32,
    pub wpm: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: u64,
    /// Unix ms of the call start.
    pub started_at: i64,
    pub agent: String,
    pub source: String,
    pub summary: Summary,
    pub note: String,
    pub note_by: String,
    /// Unix ms of the last note edit.
    pub note_at: i64,
    pub transcript: Vec<Utterance>,
    /// Engine outputs in order (without meters and the summary).
    pub timeline: Vec<Output>,
    pub pacing: Vec<PacingSample>,
}

impl SessionRecord {
    pub fn row(&self) -> SessionRow {
        let nudges = self.summary.nudges.len() as u32;
        SessionRow {
            id: self.id,
            started_at: self.started_at,
            agent: self.agent.clone(),
            duration_ms: self.summary.duration_ms,
            outcome: outcome_label(self.summary.outcome).to_string(),
            nudges,
            heeded_pct: heeded_pct(self.summary.nudges_heeded, nudges),
            concern: self.summary.concern.clone(),
            source: self.source.clone(),
        }
    }

    fn matches(&self, q: &SessionQuery) -> bool {
        let row_text = |needle: &str| {
            let needle = needle.to_lowercase();
            self.agent.to_lowercase().contains(&needle)
                || self.note.to_lowercase().contains(&needle)
                || self.source.to_lowercase().contains(&needle)
                || self
                    .transcript
                    .iter()
                    .any(|u| u.text.to_lowercase().contains(&needle))
        };
        q.text
            .as_deref()
            .is_none_or(|t| t.trim().is_empty() || row_text(t.trim()))
            && q.agent
                .as_deref()
                .is_none_or(|a| a.is_empty() || self.agent == a)
            && q.outcome
                .as_deref()
                .is_none_or(|o| o.is_empty() || outcome_label(self.summary.outcome) == o)
            && q.from.is_none_or(|f| self.started_at >= f)
            && q.to.is_none_or(|t| self.started_at < t)
    }
}

fn heeded_pct(heeded: u32, total: u32) -> Option<f32> {
    (total > 0).then(|| 100.0 * heeded as f32 / total as f32)
}

/// One line of the session list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: u64,
    pub started_at: i64,
    pub agent: String,
    pub duration_ms: Ms,
    pub outcome: String,
    pub nudges: u32,
    pub heeded_pct: Option<f32>,
    pub concern: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionQuery {
    pub text: Option<String>,
    pub agent: Option<String>,
    pub outcome: Option<String>,
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    /// date, agent, duration, outcome, nudges, heeded
    pub sort: Option<String>,
    pub desc: bool,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPage {
    pub total: u32,
    pub page: u32,
    pub page_size: u32,
    pub rows: Vec<SessionRow>,
    pub agents: Vec<String>,
}

/// Per agent: nudges by rule and how many were heeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStats {
    pub agent: String,
    pub calls: u32,
    pub rules: Vec<RuleStats>,
    pub nudges: u32,
    pub heeded: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStats {
    pub rule: String,
    pub nudges: u32,
    pub heeded: u32,
}

pub struct Archive {
    path: PathBuf,
    records: Mutex<Vec<SessionRecord>>,
}

impl Archive {
    /// Opens (or starts) the archive at `path`; a damaged line is an error, not silently dropped.
    pub fn open(path: &Path) -> Result<Archive, ArchiveError> {
        let shown = path.display().to_string();
        let mut records = Vec::new();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (i, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    let record = serde_json::from_str(line).map_err(|e| ArchiveError::Damaged {
                        path: shown.clone(),
                        line: i + 1,
                        reason: e.to_string(),
                    })?;
                    records.push(record);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ArchiveError::Open {
                    path: shown,
                    source,
                })
            }
        }
        Ok(Archive {
            path: path.to_path_buf(),
            records: Mutex::new(records),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Vec<SessionRecord>>, ArchiveError> {
        self.records.lock().map_err(|_| ArchiveError::Poisoned)
    }

    fn write_err(&self, source: std::io::Error) -> ArchiveError {
        ArchiveError::Write {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Adds a session; returns its id.
    pub fn insert(&self, mut record: SessionRecord) -> Result<u64, ArchiveError> {
        let mut records = self.lock()?;
        record.id = records.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        let line = serde_json::to_string(&record).map_err(|e| self.write_err(e.into()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.write_err(e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.write_err(e))?;
        writeln!(file, "{line}").map_err(|e| self.write_err(e))?;
        let id = record.id;
        records.push(record);
        Ok(id)
    }

    pub fn set_note(&self, id: u64, note: &str, by: &str, at: i64) -> Result<(), ArchiveError> {
        let mut records = self.lock()?;
        let r = records
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(ArchiveError::NotFound(id))?;
        r.note = note.to_string();
        r.note_by = by.to_string();
        r.note_at = at;
        self.rewrite(&records)
    }

    /// Writes everything to a temporary file and renames it over the old one.
    fn rewrite(&self, records: &[SessionRecord]) -> Result<(), ArchiveError> {
        let tmp = self.path.with_extension("jsonl.tmp");
        let mut text = String::new();
        for r in records {
            text.push_str(&serde_json::to_string(r).map_err(|e| self.write_err(e.into()))?);
            text.push('\n');
        }
        std::fs::write(&tmp, text).map_err(|e| self.write_err(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.write_err(e))
    }

    pub fn get(&self, id: u64) -> Result<SessionRecord, ArchiveError> {
        self.lock()?
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or(ArchiveError::NotFound(id))
    }

    /// All matching sessions in the query's order (for export).
    pub fn select(&self, q: &SessionQuery) -> Result<Vec<SessionRecord>, ArchiveError> {
        let records = self.lock()?;
        let mut hits: Vec<&SessionRecord> = records.iter().filter(|r| r.matches(q)).collect();
        let key = q.sort.as_deref().unwrap_or("date");
        hits.sort_by(|a, b| {
            let (a, b) = (a.row(), b.row());
            let ord = match key {
                "agent" => a.agent.cmp(&b.agent),
                "duration" => a.duration_ms.cmp(&b.duration_ms),
                "outcome" => a.outcome.cmp(&b.outcome),
                "nudges" => a.nudges.cmp(&b.nudges),
                "heeded" => a
                    .heeded_pct
                    .unwrap_or(-1.0)
                    .total_cmp(&b.heeded_pct.unwrap_or(-1.0)),
                _ => a.started_at.cmp(&b.started_at),
            };
            ord.then(a.id.cmp(&b.id))
        });
        if q.desc {
            hits.reverse();
        }
        Ok(hits.into_iter().cloned().collect())
    }

    pub fn page(&self, q: &SessionQuery) -> Result<SessionPage, ArchiveError> {
        let all = self.select(q)?;
        let page_size = q.page_size.clamp(1, 500);
        let rows = all
            .iter()
            .skip(q.page as usize * page_size as usize)
            .take(page_size as usize)
            .map(SessionRecord::row)
            .collect();
        let mut agents: Vec<String> = self.lock()?.iter().map(|r| r.agent.clone()).collect();
        agents.sort();
        agents.dedup();
        Ok(SessionPage {
            total: all.len() as u32,
            page: q.page,
            page_size,
            rows,
            agents,
        })
    }

    pub fn team(
        &self,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<AgentStats>, ArchiveError> {
        let q = SessionQuery {
            from,
            to,
            ..SessionQuery::default()
        };
        let mut by_agent: std::collections::BTreeMap<String, AgentStats> = Default::default();
        for r in self.select(&q)? {
            let s = by_agent
                .entry(r.agent.clone())
                .or_insert_with(|| AgentStats {
                    agent: r.agent.clone(),
                    calls: 0,
                    rules: Vec::new(),
                    nudges: 0,
                    heeded: 0,
                });
            s.calls += 1;
            for n in &r.summary.nudges {
                let rule = n.nudge.rule.as_str();
                let heeded = u32::from(n.heeded == Some(true));
                s.nudges += 1;
                s.heeded += heeded;
                match s.rules.iter_mut().find(|x| x.rule == rule) {
                    Some(x) => {
                        x.nudges += 1;
                        x.heeded += heeded;
                    }
                    None => s.rules.push(RuleStats {
                        rule: rule.to_string(),
                        nudges: 1,
                        heeded,
                    }),
                }
            }
            s.rules
                .sort_by(|a, b| b.nudges.cmp(&a.nudges).then(a.rule.cmp(&b.rule)));
        }
        Ok(by_agent.into_values().collect())
    }
}
