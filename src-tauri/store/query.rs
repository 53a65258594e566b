//! The review queries: filtered, sorted, paged session lists, full-text search, follow-ups due.

use chrono::{Local, NaiveTime, TimeZone};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::{Deserialize, Serialize};
use std::path::Path;

use super::error::{Ctx, StoreError};
use super::types::{FollowUpRow, Page, SessionRow, Status, WallMs};
use super::Store;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Date,
    Agent,
    Duration,
    Outcome,
    Nudges,
    Heeded,
}

impl SortKey {
    fn column(self) -> &'static str {
        match self {
            SortKey::Date => "s.started_at",
            SortKey::Agent => "s.agent",
            SortKey::Duration => "s.duration_ms",
            SortKey::Outcome => "s.outcome",
            SortKey::Nudges => "s.nudge_count",
            SortKey::Heeded => "s.heeded_ratio",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s {
            "date" => SortKey::Date,
            "agent" => SortKey::Agent,
            "duration" => SortKey::Duration,
            "outcome" => SortKey::Outcome,
            "nudges" => SortKey::Nudges,
            "heeded" => SortKey::Heeded,
            _ => return None,
        })
    }
}

/// Which sessions, in what order, which page. Every field is optional; the default lists the
/// newest 50.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFilter {
    pub agent: Option<String>,
    /// Started at or after (unix ms).
    pub from: Option<WallMs>,
    /// Started before (unix ms).
    pub to: Option<WallMs>,
    /// Outcome id, e.g. "resolved", "follow_up_owed".
    pub outcome: Option<String>,
    pub status: Option<Status>,
    /// A rule id that fired at least once, e.g. "interruption".
    pub rule: Option<String>,
    /// Heeded share of nudges, 0..=1 (sessions without nudges never match these).
    pub heeded_min: Option<f64>,
    pub heeded_max: Option<f64>,
    /// Every tag must be present.
    pub tags: Vec<String>,
    /// Words to find in notes and transcripts (all of them; `word*` for a prefix).
    pub text: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Default for SessionFilter {
    fn default() -> Self {
        SessionFilter {
            agent: None,
            from: None,
            to: None,
            outcome: None,
            status: None,
            rule: None,
            heeded_min: None,
            heeded_max: None,
            tags: Vec::new(),
            text: None,
            sort: SortKey::Date,
            descending: true,
            limit: 50,
            offset: 0,
        }
    }
}

/// User words as an FTS5 query that cannot be a syntax error: each word quoted, all required.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter_map(|w| {
            let prefix = w.ends_with('*');
            let core: String = w
                .trim_end_matches('*')
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-' || *c == '_')
                .collect();
            if core.is_empty() {
                return None;
            }
            let quoted = format!("\"{}\"", core.replace('"', "\"\""));
            Some(if prefix { format!("{quoted}*") } else { quoted })
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

fn where_clause(f: &SessionFilter) -> Result<(String, Vec<Value>), String> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let arg = |v: Value, args: &mut Vec<Value>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(a) = &f.agent {
        conds.push(format!("s.agent = {}", arg(a.clone().into(), &mut args)));
    }
    if let Some(t) = f.from {
        conds.push(format!("s.started_at >= {}", arg(t.into(), &mut args)));
    }
    if let Some(t) = f.to {
        conds.push(format!("s.started_at < {}", arg(t.into(), &mut args)));
    }
    if let Some(o) = &f.outcome {
        conds.push(format!("s.outcome = {}", arg(o.clone().into(), &mut args)));
    }
    if let Some(st) = f.status {
        conds.push(format!(
            "s.status = {}",
            arg(st.as_str().to_string().into(), &mut args)
        ));
    }
    if let Some(r) = &f.rule {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM nudges n WHERE n.rule = {} AND n.session_id = s.id)",
            arg(r.clone().into(), &mut args)
        ));
    }
    for (bound, op) in [(f.heeded_min, ">="), (f.heeded_max, "<=")] {
        if let Some(b) = bound {
            if !(0.0..=1.0).contains(&b) {
                return Err(format!("heeded ratio {b} is outside 0..=1"));
            }
            conds.push(format!("s.heeded_ratio {op} {}", arg(b.into(), &mut args)));
        }
    }
    for t in &f.tags {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM tags t WHERE t.tag = {} AND t.session_id = s.id)",
            arg(t.clone().into(), &mut args)
        ));
    }
    if let Some(text) = &f.text {
        let q = fts_query(text).ok_or_else(|| format!("nothing to search for in '{text}'"))?;
        // The unary + keeps SQLite from looking each match up by id (slow for common words):
        // it walks the sort index instead and tests membership, a bounded cost at any count.
        conds.push(format!(
            "+s.id IN (SELECT rowid >> 1 FROM search WHERE search MATCH {})",
            arg(q.into(), &mut args)
        ));
    }
    let sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    Ok((sql, args))
}

pub(crate) const ROW_COLUMNS: &str = "s.id, s.agent, s.started_at, s.ended_at, s.duration_ms, s.playbook, s.outcome, s.status, s.source,
    s.nudge_count, s.heeded_count, s.heeded_ratio, s.items_done, s.items_total,
    (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM tags WHERE session_id = s.id ORDER BY tag))";

pub(crate) fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let status: String = r.get(7)?;
    let tags: Option<String> = r.get(14)?;
    Ok(SessionRow {
        id: r.get(0)?,
        agent: r.get(1)?,
        started_at: r.get(2)?,
        ended_at: r.get(3)?,
        duration_ms: r.get(4)?,
        playbook: r.get(5)?,
        outcome: r.get(6)?,
        status: Status::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("unknown status '{status}'").into(),
            )
        })?,
        source: r.get(8)?,
        nudge_count: r.get(9)?,
        heeded_count: r.get(10)?,
        heeded_ratio: r.get(11)?,
        items_done: r.get(12)?,
        items_total: r.get(13)?,
        tags: tags
            .map(|t| t.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

pub(crate) fn list(
    conn: &Connection,
    path: &Path,
    f: &SessionFilter,
) -> Result<Page<SessionRow>, StoreError> {
    let bad = |detail: String| StoreError::BadQuery {
        path: path.to_path_buf(),
        detail,
    };
    if f.limit < 0 || f.offset < 0 {
        return Err(bad("limit and offset must not be negative".into()));
    }
    let (cond, args) = where_clause(f).map_err(bad)?;
    let total: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM sessions s {cond}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )
        .ctx(path)?;
    let dir = if f.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM sessions s {cond}
         ORDER BY {col} {dir} NULLS LAST, s.id {dir} LIMIT {limit} OFFSET {offset}",
        col = f.sort.column(),
        limit = f.limit,
        offset = f.offset
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(path)?;
    let items = stmt
        .query_map(params_from_iter(args.iter()), session_row)
        .ctx(path)?
        .collect::<Result<Vec<_>, _>>()
        .ctx(path)?;
    Ok(Page {
        total,
        offset: f.offset,
        items,
    })
}

/// Which follow-ups to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Not done, whatever the due time (or none).
    Open,
    /// Not done, due at some point of today (local time), including earlier today.
    Today,
    /// Not done and past due.
    Overdue,
    /// Everything, done or not.
    All,
}

/// Start and end (unix ms) of the local calendar day that contains `now`.
pub fn local_day(now: WallMs) -> (WallMs, WallMs) {
    let Some(t) = Local.timestamp_millis_opt(now).single() else {
        return (now, now);
    };
    let date = t.date_naive();
    let start_of = |d: chrono::NaiveDate| {
        Local
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|x| x.timestamp_millis())
    };
    let start = start_of(date).unwrap_or(now);
    let end = date
        .succ_opt()
        .and_then(start_of)
        .unwrap_or(start + 86_400_000);
    (start, end)
}

pub(crate) fn follow_ups(
    conn: &Connection,
    path: &Path,
    due: Due,
    now: WallMs,
) -> Result<Vec<FollowUpRow>, StoreError> {
    let (start, end) = local_day(now);
    let (cond, args): (&str, Vec<i64>) = match due {
        Due::Open => ("f.done = 0", vec![]),
        Due::Today => (
            "f.done = 0 AND f.due_at >= ?1 AND f.due_at < ?2",
            vec![start, end],
        ),
        Due::Overdue => ("f.done = 0 AND f.due_at < ?1", vec![now]),
        Due::All => ("1", vec![]),
    };
    let sql = format!(
        "SELECT f.id, f.session_id, s.agent, f.at_ms, f.text, f.due_at, f.done
         FROM follow_ups f JOIN sessions s ON s.id = f.session_id
         WHERE {cond} ORDER BY f.due_at IS NULL, f.due_at, f.id"
    );
    let mut stmt = conn.prepare_cached(&sql).ctx(path)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok(FollowUpRow {
                id: r.get(0)?,
                session_id: r.get(1)?,
                agent: r.get(2)?,
                at_ms: r.get(3)?,
                text: r.get(4)?,
                due_at: r.get(5)?,
                done: r.get(6)?,
            })
        })
        .ctx(path)?
        .collect::<Result<Vec<_>, _>>()
        .ctx(path)?;
    Ok(rows)
}

/// Per-agent counts over every session in a date range, for the team view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentCounts {
    /// (agent, calls)
    pub calls: Vec<(String, i64)>,
    pub rules: Vec<RuleCount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleCount {
    pub agent: String,
    pub rule: String,
    pub nudges: i64,
    pub heeded: i64,
}

fn agent_counts(
    conn: &Connection,
    path: &Path,
    from: Option<WallMs>,
    to: Option<WallMs>,
) -> Result<AgentCounts, StoreError> {
    let range = "(?1 IS NULL OR s.started_at >= ?1) AND (?2 IS NULL OR s.started_at < ?2)";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT s.agent, count(*) FROM sessions s WHERE {range} GROUP BY 1 ORDER BY 1"
        ))
        .ctx(path)?;
    let calls = stmt
        .query_map(rusqlite::params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx(path)?
        .collect::<Result<Vec<_>, _>>()
        .ctx(path)?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT s.agent, n.rule, count(*), coalesce(sum(n.heeded = 1), 0)
             FROM nudges n JOIN sessions s ON s.id = n.session_id WHERE {range}
             GROUP BY 1, 2 ORDER BY 1, 2"
        ))
        .ctx(path)?;
    let rules = stmt
        .query_map(rusqlite::params![from, to], |r| {
            Ok(RuleCount {
                agent: r.get(0)?,
                rule: r.get(1)?,
                nudges: r.get(2)?,
                heeded: r.get(3)?,
            })
        })
        .ctx(path)?
        .collect::<Result<Vec<_>, _>>()
        .ctx(path)?;
    Ok(AgentCounts { calls, rules })
}

impl Store {
    /// Calls and nudges by rule per agent over every session started in `[from, to)`.
    pub fn agent_counts(
        &self,
        from: Option<WallMs>,
        to: Option<WallMs>,
    ) -> Result<AgentCounts, StoreError> {
        self.read(move |c, p| agent_counts(c, p, from, to))
    }

    /// Sessions matching the filter, sorted and paged, with the total count.
    pub fn list(&self, filter: &SessionFilter) -> Result<Page<SessionRow>, StoreError> {
        let f = filter.clone();
        self.read(move |c, p| list(c, p, &f))
    }

    /// Full-text search over notes and transcripts, newest first.
    pub fn search(
        &self,
        text: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<SessionRow>, StoreError> {
        self.list(&SessionFilter {
            text: Some(text.to_string()),
            limit,
            offset,
            ..SessionFilter::default()
        })
    }

    /// Follow-ups owed, soonest due first.
    pub fn follow_ups(&self, due: Due, now: WallMs) -> Result<Vec<FollowUpRow>, StoreError> {
        self.read(move |c, p| follow_ups(c, p, due, now))
    }
}
