//! The review queries against the team server, with the store's filters. They run as the
//! connected role, so the server's row-level security decides what comes back: an agent gets
//! their own sessions, a lead their teams'.

use postgres::types::ToSql;
use postgres::Row;
use serde::{Deserialize, Serialize};

use super::scorecard::ScoreOverride;
use super::{ServerUrl, TeamError};
use crate::engine::PacingLimits;
use crate::store::{
    ChecklistRow, FollowUpRow, Note, NoteVersion, NudgeRow, Page, SessionDetail, SessionFilter,
    SessionRow, SortKey, Status, TimelineEntry,
};

/// A session on the server: the local row (its `id` is the id on the agent's machine) and
/// where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub uid: String,
    pub owner: String,
    pub team: String,
    #[serde(flatten)]
    pub session: SessionRow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub at_ms: Option<i64>,
    pub body: String,
    /// Unix ms.
    pub created_at: i64,
}

/// One session from the server, with the leads' comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub uid: String,
    pub owner: String,
    pub team: String,
    #[serde(flatten)]
    pub detail: SessionDetail,
    pub comments: Vec<Comment>,
    /// Leads' scorecard overrides, oldest first.
    pub overrides: Vec<ScoreOverride>,
}

const ROW_COLUMNS: &str =
    "s.uid, s.owner::text, s.team, s.local_id, s.agent, s.started_at, s.ended_at,
    s.duration_ms, s.playbook, s.outcome, s.status, s.source, s.nudge_count, s.heeded_count,
    s.heeded_ratio, s.items_done, s.items_total, s.tags";

fn team_row(url: &ServerUrl, r: &Row) -> Result<TeamRow, TeamError> {
    let status: String = r.get(10);
    let uid: String = r.get(0);
    let status = Status::parse(&status).ok_or_else(|| TeamError::NotFound {
        server: url.to_string(),
        uid: format!("{uid} (unknown status '{status}')"),
    })?;
    Ok(TeamRow {
        uid,
        owner: r.get(1),
        team: r.get(2),
        session: SessionRow {
            id: r.get(3),
            agent: r.get(4),
            started_at: r.get(5),
            ended_at: r.get(6),
            duration_ms: r.get(7),
            playbook: r.get(8),
            outcome: r.get(9),
            status,
            source: r.get(11),
            nudge_count: r.get(12),
            heeded_count: r.get(13),
            heeded_ratio: r.get(14),
            items_done: r.get(15),
            items_total: r.get(16),
            tags: r.get(17),
        },
    })
}

fn sort_column(k: SortKey) -> &'static str {
    match k {
        SortKey::Date => "s.started_at",
        SortKey::Agent => "s.agent",
        SortKey::Duration => "s.duration_ms",
        SortKey::Outcome => "s.outcome",
        SortKey::Nudges => "s.nudge_count",
        SortKey::Heeded => "s.heeded_ratio",
    }
}

/// The words of a text filter, each required, as a tsquery the user cannot make invalid.
fn tsquery(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter_map(|w| {
            let prefix = w.ends_with('*');
            let core: String = w
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
                .to_lowercase();
            (!core.is_empty()).then(|| if prefix { format!("{core}:*") } else { core })
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// The sessions this role may see that match the filter, a page at a time.
pub fn list(url: &ServerUrl, f: &SessionFilter) -> Result<Page<TeamRow>, TeamError> {
    list_on(&mut url.connect()?, url, f)
}

/// [`list`] on a connection already open (the review window keeps one).
pub fn list_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    f: &SessionFilter,
) -> Result<Page<TeamRow>, TeamError> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let arg = |v: Box<dyn ToSql + Sync>, args: &mut Vec<Box<dyn ToSql + Sync>>| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(a) = &f.agent {
        conds.push(format!("s.agent = {}", arg(Box::new(a.clone()), &mut args)));
    }
    if let Some(t) = f.from {
        conds.push(format!("s.started_at >= {}", arg(Box::new(t), &mut args)));
    }
    if let Some(t) = f.to {
        conds.push(format!("s.started_at < {}", arg(Box::new(t), &mut args)));
    }
    if let Some(o) = &f.outcome {
        conds.push(format!(
            "s.outcome = {}",
            arg(Box::new(o.clone()), &mut args)
        ));
    }
    if let Some(st) = f.status {
        let st = st.as_str().to_string();
        conds.push(format!("s.status = {}", arg(Box::new(st), &mut args)));
    }
    if let Some(r) = &f.rule {
        let r = vec![r.clone()];
        conds.push(format!("s.rules @> {}", arg(Box::new(r), &mut args)));
    }
    if let Some(h) = f.heeded_min {
        conds.push(format!("s.heeded_ratio >= {}", arg(Box::new(h), &mut args)));
    }
    if let Some(h) = f.heeded_max {
        conds.push(format!("s.heeded_ratio <= {}", arg(Box::new(h), &mut args)));
    }
    if !f.tags.is_empty() {
        let tags: Vec<String> = f.tags.iter().map(|t| t.trim().to_string()).collect();
        conds.push(format!("s.tags @> {}", arg(Box::new(tags), &mut args)));
    }
    if let Some(text) = &f.text {
        match tsquery(text) {
            Some(q) => conds.push(format!(
                "s.search @@ to_tsquery('simple', {})",
                arg(Box::new(q), &mut args)
            )),
            None => conds.push("false".into()),
        }
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM parley.sessions s {where_sql}"),
            &params,
        )
        .map_err(url.sql("counting sessions"))?
        .get(0);
    let dir = if f.descending { "DESC" } else { "ASC" };
    let limit = f.limit.clamp(1, 10_000);
    let offset = f.offset.max(0);
    // started_at is never null: no NULLS clause, so the (started_at, uid) index gives the order.
    let nulls = if f.sort == SortKey::Date {
        ""
    } else {
        " NULLS LAST"
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM parley.sessions s {where_sql}
         ORDER BY {} {dir}{nulls}, s.uid {dir} LIMIT {limit} OFFSET {offset}",
        sort_column(f.sort)
    );
    let rows = client
        .query(&sql, &params)
        .map_err(url.sql("listing sessions"))?;
    let items = rows
        .iter()
        .map(|r| team_row(url, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        total,
        offset,
        items,
    })
}

fn from_json<T: serde::de::DeserializeOwned>(
    url: &ServerUrl,
    uid: &str,
    what: &str,
    v: serde_json::Value,
) -> Result<T, TeamError> {
    serde_json::from_value(v).map_err(|e| TeamError::NotFound {
        server: url.to_string(),
        uid: format!("{uid} ({what} unreadable: {e})"),
    })
}

/// What the connected role is on the team server: "lead", "agent", or "none" (not a member).
pub fn member_kind(client: &mut postgres::Client, url: &ServerUrl) -> Result<String, TeamError> {
    let row = client
        .query_opt(
            "SELECT kind FROM parley.members WHERE role = current_user
             ORDER BY kind = 'lead' DESC LIMIT 1",
            &[],
        )
        .map_err(url.sql("reading this role's membership"))?;
    Ok(row.map_or_else(|| "none".to_string(), |r| r.get(0)))
}

/// One session the role may see, in full. `uid` may be a unique prefix of the global id.
pub fn show(url: &ServerUrl, uid: &str) -> Result<TeamDetail, TeamError> {
    show_on(&mut url.connect()?, url, uid)
}

/// [`show`] on a connection already open.
pub fn show_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    uid: &str,
) -> Result<TeamDetail, TeamError> {
    let not_found = || TeamError::NotFound {
        server: url.to_string(),
        uid: uid.to_string(),
    };
    let prefix: String = uid
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_lowercase();
    if prefix.len() != uid.len() || prefix.is_empty() {
        return Err(not_found());
    }
    let rows = client
        .query(
            &format!(
                "SELECT {ROW_COLUMNS}, s.checklist, s.nudges, s.follow_ups, s.timeline,
                        COALESCE(s.summary -> 'limits', 'null'::jsonb)
                 FROM parley.sessions s WHERE s.uid LIKE $1 || '%' LIMIT 2"
            ),
            &[&prefix],
        )
        .map_err(url.sql(format!("reading session {uid}")))?;
    let [r] = rows.as_slice() else {
        return Err(not_found());
    };
    let row = team_row(url, r)?;
    let uid = row.uid.clone();
    let checklist: Vec<ChecklistRow> = from_json(url, &uid, "checklist", r.get(18))?;
    let nudges: Vec<NudgeRow> = from_json(url, &uid, "nudges", r.get(19))?;
    let follow_ups: Vec<FollowUpRow> = from_json(url, &uid, "follow-ups", r.get(20))?;
    let timeline: Vec<TimelineEntry> = from_json(url, &uid, "timeline", r.get(21))?;
    let limits: Option<PacingLimits> = from_json(url, &uid, "pacing limits", r.get(22))?;
    let versions = client
        .query(
            "SELECT body, saved_at, saved_by FROM parley.note_versions WHERE session_uid = $1
             ORDER BY saved_at, seq",
            &[&uid],
        )
        .map_err(url.sql(format!("reading the note of {uid}")))?;
    let note_history: Vec<NoteVersion> = versions
        .iter()
        .map(|v| NoteVersion {
            body: v.get(0),
            saved_at: v.get(1),
            saved_by: v.get(2),
        })
        .collect();
    let note = match (note_history.first(), note_history.last()) {
        (Some(first), Some(last)) => Some(Note {
            body: last.body.clone(),
            drafted_at: first.saved_at,
            edited_at: (note_history.len() > 1).then_some(last.saved_at),
            edited_by: (note_history.len() > 1).then(|| last.saved_by.clone()),
        }),
        _ => None,
    };
    let comments = comments_on(client, url, &uid)?;
    let overrides = overrides_on(client, url, &uid)?;
    Ok(TeamDetail {
        owner: row.owner.clone(),
        team: row.team.clone(),
        uid,
        detail: SessionDetail {
            session: row.session,
            note,
            note_history,
            checklist,
            nudges,
            follow_ups,
            timeline,
            pacing_limits: limits,
        },
        comments,
        overrides,
    })
}

/// The comments on a session the role may see, oldest first (none for a session it may not).
pub fn comments_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    uid: &str,
) -> Result<Vec<Comment>, TeamError> {
    Ok(client
        .query(
            "SELECT id, author::text, at_ms, body,
                    (extract(epoch FROM created_at) * 1000)::bigint
             FROM parley.comments WHERE session_uid = $1 ORDER BY id",
            &[&uid],
        )
        .map_err(url.sql(format!("reading the comments on {uid}")))?
        .iter()
        .map(|c| Comment {
            id: c.get(0),
            author: c.get(1),
            at_ms: c.get(2),
            body: c.get(3),
            created_at: c.get(4),
        })
        .collect())
}

/// The scorecard overrides on a session, oldest first.
pub fn overrides_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    uid: &str,
) -> Result<Vec<ScoreOverride>, TeamError> {
    Ok(client
        .query(
            "SELECT id, criterion, met, reason, author::text,
                    (extract(epoch FROM created_at) * 1000)::bigint
             FROM parley.score_overrides WHERE session_uid = $1 ORDER BY id",
            &[&uid],
        )
        .map_err(url.sql(format!("reading the scorecard overrides on {uid}")))?
        .iter()
        .map(|r| ScoreOverride {
            id: r.get(0),
            criterion: r.get(1),
            met: r.get(2),
            reason: r.get(3),
            author: r.get(4),
            created_at: r.get(5),
        })
        .collect())
}

/// A lead overrides one scorecard criterion of a session of their team, with a reason.
/// The server refuses it for anyone else (row-level security) and an empty reason (a check).
pub fn override_score(
    client: &mut postgres::Client,
    url: &ServerUrl,
    uid: &str,
    criterion: &str,
    met: bool,
    reason: &str,
) -> Result<i64, TeamError> {
    let row = client
        .query_one(
            "INSERT INTO parley.score_overrides (session_uid, criterion, met, reason)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&uid, &criterion, &met, &reason.trim()],
        )
        .map_err(url.sql(format!("overriding '{criterion}' on {uid}")))?;
    Ok(row.get(0))
}

/// A lead comments on a session of their team, optionally at a moment of its timeline.
pub fn comment(
    url: &ServerUrl,
    uid: &str,
    at_ms: Option<i64>,
    body: &str,
) -> Result<i64, TeamError> {
    let mut client = url.connect()?;
    let full = show_on(&mut client, url, uid)?.uid;
    comment_on(&mut client, url, &full, at_ms, body)
}

/// [`comment`] on a connection already open, with the full global id.
pub fn comment_on(
    client: &mut postgres::Client,
    url: &ServerUrl,
    full: &str,
    at_ms: Option<i64>,
    body: &str,
) -> Result<i64, TeamError> {
    let row = client
        .query_one(
            "INSERT INTO parley.comments (session_uid, at_ms, body) VALUES ($1, $2, $3) RETURNING id",
            &[&full, &at_ms, &body],
        )
        .map_err(url.sql(format!("commenting on {full}")))?;
    Ok(row.get(0))
}

/// The sessions the filter selects, in full (JSON) or one line each (CSV), as the store's
/// export does locally, with the global id, owner and team added.
pub fn export(
    url: &ServerUrl,
    f: &SessionFilter,
    format: crate::store::Format,
) -> Result<String, TeamError> {
    let mut client = url.connect()?;
    let page = list_on(&mut client, url, f)?;
    let bad = |detail: String| TeamError::NotFound {
        server: url.to_string(),
        uid: detail,
    };
    match format {
        crate::store::Format::Json => {
            let details = page
                .items
                .iter()
                .map(|r| show_on(&mut client, url, &r.uid))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_string_pretty(&details).map_err(|e| bad(format!("export: {e}")))
        }
        crate::store::Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header = [
                "uid",
                "owner",
                "team",
                "local_id",
                "agent",
                "started_at",
                "ended_at",
                "duration_ms",
                "playbook",
                "outcome",
                "status",
                "nudges",
                "heeded",
                "items_done",
                "items_total",
                "tags",
            ];
            w.write_record(header)
                .map_err(|e| bad(format!("export: {e}")))?;
            for t in &page.items {
                let r = &t.session;
                let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
                w.write_record([
                    t.uid.clone(),
                    t.owner.clone(),
                    t.team.clone(),
                    r.id.to_string(),
                    r.agent.clone(),
                    r.started_at.to_string(),
                    opt(r.ended_at),
                    opt(r.duration_ms),
                    r.playbook.clone(),
                    r.outcome.clone().unwrap_or_default(),
                    r.status.as_str().to_string(),
                    r.nudge_count.to_string(),
                    r.heeded_count.to_string(),
                    r.items_done.to_string(),
                    r.items_total.to_string(),
                    r.tags.join(";"),
                ])
                .map_err(|e| bad(format!("export: {e}")))?;
            }
            let bytes = w.into_inner().map_err(|e| bad(format!("export: {e}")))?;
            String::from_utf8(bytes).map_err(|e| bad(format!("export: {e}")))
        }
    }
}
