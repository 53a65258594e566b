//! Pushing the outbox to the team server.
//!
//! Each session goes in one server transaction: an upsert of its row keyed by the global id
//! (an unchanged session is not even rewritten) and its note versions, inserted only if missing.
//! Only after the server committed is the session taken out of the local outbox, so a crash or
//! a cut connection in between means the session is sent again, which changes nothing.
//! A transient failure (server down, restarting, connection cut) is retried with exponential
//! backoff; a refusal for one session is recorded on its outbox row and retried later, without
//! holding up the others.

use std::collections::HashSet;
use std::time::Duration;

use postgres::{Client, Statement};
use serde::Serialize;

use super::{ServerUrl, TeamError};
use crate::store::{now_ms, SessionId, Store, SyncPayload};

#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Tries in a row after a transient failure before giving up for now.
    pub retries: u32,
    /// First wait after a failure; doubled each time up to `backoff_max`.
    pub backoff_start: Duration,
    pub backoff_max: Duration,
    /// Sessions read from the outbox at a time.
    pub batch: i64,
    /// Wait between sessions (tests use it to stop the server mid-push).
    pub pace: Duration,
    /// Sessions the server has committed before their outbox rows are removed together. A crash
    /// in between only means those are sent again, which changes nothing.
    pub ack_every: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            retries: 8,
            backoff_start: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            batch: 200,
            pace: Duration::ZERO,
            ack_every: 50,
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PushReport {
    /// Sessions the server has now in their latest state.
    pub pushed: usize,
    /// Of those, how many the server already had exactly so.
    pub unchanged: usize,
    /// Sessions the server refused, with the reason (they stay queued, tried again later).
    pub failed: Vec<(SessionId, String)>,
    /// Transient failures that were retried.
    pub retries: u32,
    /// Still in the outbox afterwards (failed ones, or queued during the push).
    pub left: usize,
}

/// Something to say while pushing.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Pushed { id: SessionId, uid: &'a str },
    Retrying { wait: Duration, error: &'a str },
}

fn backoff(opts: &PushOptions, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    opts.backoff_start
        .saturating_mul(factor)
        .min(opts.backoff_max)
}

/// Pushes every due session in the outbox. Returns an error only when the server stays
/// unreachable after the retries (or refuses the connection outright); what was pushed before
/// stays pushed.
pub fn push(
    store: &Store,
    url: &ServerUrl,
    opts: &PushOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<PushReport, TeamError> {
    let mut report = PushReport::default();
    let mut acks = Acks {
        store,
        pending: Vec::new(),
        every: opts.ack_every.max(1),
    };
    let result = push_loop(store, url, opts, &mut progress, &mut report, &mut acks);
    // What the server committed is acknowledged even when the push stops early.
    acks.flush()?;
    result?;
    report.left = store.outbox()?.len();
    Ok(report)
}

/// Outbox rows to remove, gathered so that one local transaction removes many.
struct Acks<'a> {
    store: &'a Store,
    pending: Vec<(SessionId, i64)>,
    every: usize,
}

impl Acks<'_> {
    fn add(&mut self, id: SessionId, version: i64) -> Result<(), TeamError> {
        self.pending.push((id, version));
        if self.pending.len() >= self.every {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TeamError> {
        if !self.pending.is_empty() {
            self.store.outbox_done_many(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

fn push_loop(
    store: &Store,
    url: &ServerUrl,
    opts: &PushOptions,
    progress: &mut impl FnMut(Progress<'_>),
    report: &mut PushReport,
    acks: &mut Acks<'_>,
) -> Result<(), TeamError> {
    let mut client: Option<Conn> = None;
    let mut tried: HashSet<SessionId> = HashSet::new();
    let mut attempt = 0u32;
    loop {
        let due: Vec<SessionId> = store
            .outbox_due(now_ms(), opts.batch + tried.len() as i64)?
            .into_iter()
            .map(|i| i.session_id)
            .filter(|id| !tried.contains(id))
            .collect();
        if due.is_empty() {
            break;
        }
        for id in due {
            tried.insert(id);
            let Some(payload) = store.sync_payload(id)? else {
                continue;
            };
            loop {
                let result = match client.as_mut() {
                    Some(c) => send(c, url, &payload),
                    None => match Conn::open(url) {
                        Ok(mut c) => {
                            let r = send(&mut c, url, &payload);
                            client = Some(c);
                            r
                        }
                        // Refused before anything was sent (bad password or certificate, no
                        // schema): every other session would be refused too.
                        Err(e) if !e.is_transient() => return Err(e),
                        Err(e) => Err(e),
                    },
                };
                match result {
                    Ok(changed) => {
                        attempt = 0;
                        acks.add(id, payload.version)?;
                        report.pushed += 1;
                        report.unchanged += usize::from(!changed);
                        progress(Progress::Pushed {
                            id,
                            uid: &payload.uid,
                        });
                        break;
                    }
                    Err(e) if e.is_transient() => {
                        client = None;
                        attempt += 1;
                        if attempt > opts.retries {
                            return Err(TeamError::Unreachable {
                                server: url.to_string(),
                                attempts: attempt,
                                last: e.to_string(),
                            });
                        }
                        report.retries += 1;
                        let wait = backoff(opts, attempt);
                        progress(Progress::Retrying {
                            wait,
                            error: &e.to_string(),
                        });
                        std::thread::sleep(wait);
                    }
                    Err(e) => {
                        let msg = explain(&e);
                        let tries = store
                            .outbox()?
                            .into_iter()
                            .find(|i| i.session_id == id)
                            .map_or(1, |i| i.attempts as u32 + 1);
                        let wait = backoff(opts, tries).max(Duration::from_secs(60));
                        store.outbox_failed(id, &msg, now_ms() + wait.as_millis() as i64)?;
                        report.failed.push((id, msg));
                        break;
                    }
                }
            }
            if !opts.pace.is_zero() {
                std::thread::sleep(opts.pace);
            }
        }
    }
    Ok(())
}

/// Adds what to do to the refusals a person can act on.
fn explain(e: &TeamError) -> String {
    let code = match e {
        TeamError::Sql { cause, .. } => cause.as_db_error().map(|d| d.code().code().to_string()),
        _ => None,
    };
    match code.as_deref() {
        Some("23502") => format!(
            "{e} (this role is not an agent of any team: ask the admin to run `parley team add-agent`)"
        ),
        Some("42501") => format!("{e} (this role may not write this session: is it an agent's URL?)"),
        _ => e.to_string(),
    }
}

const UPSERT: &str = "
INSERT INTO parley.sessions AS s (uid, local_id, agent, started_at, ended_at, duration_ms, playbook,
    outcome, status, source, nudge_count, heeded_count, heeded_ratio, items_done, items_total,
    tags, rules, note, transcript, summary, checklist, nudges, follow_ups, timeline)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
    $20, $21, $22, $23, $24)
ON CONFLICT (uid) DO UPDATE SET local_id = excluded.local_id, agent = excluded.agent,
    started_at = excluded.started_at, ended_at = excluded.ended_at,
    duration_ms = excluded.duration_ms, playbook = excluded.playbook, outcome = excluded.outcome,
    status = excluded.status, source = excluded.source, nudge_count = excluded.nudge_count,
    heeded_count = excluded.heeded_count, heeded_ratio = excluded.heeded_ratio,
    items_done = excluded.items_done, items_total = excluded.items_total, tags = excluded.tags,
    rules = excluded.rules, note = excluded.note, transcript = excluded.transcript,
    summary = excluded.summary, checklist = excluded.checklist, nudges = excluded.nudges,
    follow_ups = excluded.follow_ups, timeline = excluded.timeline, updated_at = now()
WHERE (s.local_id, s.agent, s.started_at, s.ended_at, s.duration_ms, s.playbook, s.outcome,
       s.status, s.source, s.nudge_count, s.heeded_count, s.heeded_ratio, s.items_done,
       s.items_total, s.tags, s.rules, s.note, s.transcript, s.summary, s.checklist, s.nudges,
       s.follow_ups, s.timeline)
   IS DISTINCT FROM
      (excluded.local_id, excluded.agent, excluded.started_at, excluded.ended_at,
       excluded.duration_ms, excluded.playbook, excluded.outcome, excluded.status,
       excluded.source, excluded.nudge_count, excluded.heeded_count, excluded.heeded_ratio,
       excluded.items_done, excluded.items_total, excluded.tags, excluded.rules, excluded.note,
       excluded.transcript, excluded.summary, excluded.checklist, excluded.nudges,
       excluded.follow_ups, excluded.timeline)";

const NOTE_VERSION: &str = "
INSERT INTO parley.note_versions (session_uid, seq, body, saved_at, saved_by)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_uid, seq) DO NOTHING";

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    // Serialising the store's own plain structs cannot fail.
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// A connection with the push's statements prepared once (each use is then one round trip).
struct Conn {
    client: Client,
    upsert: Statement,
    note_version: Statement,
}

impl Conn {
    fn open(url: &ServerUrl) -> Result<Conn, TeamError> {
        let mut client = url.connect()?;
        let not_set_up = |e: postgres::Error| {
            let code = e.as_db_error().map(|d| d.code().code().to_string());
            match code.as_deref() {
                // undefined table, invalid schema name
                Some("42P01") | Some("3F000") => TeamError::NotSetUp {
                    server: url.to_string(),
                },
                _ => url.sql("preparing the push")(e),
            }
        };
        let upsert = client.prepare(UPSERT).map_err(not_set_up)?;
        let note_version = client.prepare(NOTE_VERSION).map_err(not_set_up)?;
        Ok(Conn {
            client,
            upsert,
            note_version,
        })
    }
}

/// Sends one session in one transaction. Returns whether anything on the server changed.
fn send(conn: &mut Conn, url: &ServerUrl, p: &SyncPayload) -> Result<bool, TeamError> {
    let d = &p.detail;
    let s = &d.session;
    let what = || format!("pushing session {} ({})", s.id, p.uid);
    let mut tx = conn.client.transaction().map_err(url.sql(what()))?;
    let mut rules: Vec<String> = d.nudges.iter().map(|n| n.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    let note = d.note.as_ref().map(|n| n.body.clone()).unwrap_or_default();
    let (checklist, nudges, follow_ups, timeline) = (
        json(&d.checklist),
        json(&d.nudges),
        json(&d.follow_ups),
        json(&d.timeline),
    );
    let changed = tx
        .execute(
            &conn.upsert,
            &[
                &p.uid,
                &s.id,
                &s.agent,
                &s.started_at,
                &s.ended_at,
                &s.duration_ms,
                &s.playbook,
                &s.outcome,
                &s.status.as_str(),
                &s.source,
                &s.nudge_count,
                &s.heeded_count,
                &s.heeded_ratio,
                &s.items_done,
                &s.items_total,
                &s.tags,
                &rules,
                &note,
                &p.transcript,
                &p.summary,
                &checklist,
                &nudges,
                &follow_ups,
                &timeline,
            ],
        )
        .map_err(url.sql(what()))?;
    let mut added = 0;
    for (seq, v) in d.note_history.iter().enumerate() {
        added += tx
            .execute(
                &conn.note_version,
                &[&p.uid, &(seq as i32), &v.body, &v.saved_at, &v.saved_by],
            )
            .map_err(url.sql(what()))?;
    }
    tx.commit().map_err(url.sql(what()))?;
    Ok(changed + added > 0)
}
