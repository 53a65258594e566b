//! `parley sessions ...` and `parley followups`: the saved calls from the command line.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Local, NaiveDate, TimeZone};
use clap::Subcommand;

use crate::engine::timefmt::mmss;
use crate::engine::{Engine, Event, Output, Playbook, Speaker, Utterance};
use crate::store::{
    Due, Format, SessionDetail, SessionFilter, SessionMeta, SessionRow, SortKey, Status, Store,
    WallMs,
};

#[derive(Debug, clap::Args)]
pub struct SessionsArgs {
    /// Session database (default: $PARLEY_DB, else parley.db in the OS data folder).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Read from the team server at this URL instead (list, show, search, export), as that URL's
    /// role.
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    #[command(subcommand)]
    pub command: SessionsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List saved sessions, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// One JSON object (the page) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one session: the note, then the timeline (on the team server: its global id).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Find sessions whose note or transcript has all these words (`word*` for a prefix).
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Export one session (--id) or the sessions the filters select.
    Export {
        /// json (full sessions) or csv (one line per session).
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(long)]
        id: Option<i64>,
        #[command(flatten)]
        filter: FilterArgs,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Replace a session's note with new text (from --file or standard input); the old text
    /// stays in the history.
    Note {
        id: i64,
        /// Who made the edit.
        #[arg(long)]
        by: String,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Set a session's tags (replaces the old set; none clears them).
    Tag { id: i64, tags: Vec<String> },
    /// Appends events steadily to a new session (crash-safety tests).
    #[command(name = "_write-test", hide = true)]
    WriteTest {
        #[arg(long, default_value_t = 1000)]
        events: u64,
        /// Events per second.
        #[arg(long, default_value_t = 100)]
        rate: u64,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    #[arg(long)]
    pub agent: Option<String>,
    /// Started on or after this day (YYYY-MM-DD, local) or time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Started on or before this day (YYYY-MM-DD, local, inclusive) or before this time.
    #[arg(long)]
    pub to: Option<String>,
    /// resolved, follow_up_owed, escalated, ended_for_abuse, customer_hung_up, unresolved.
    #[arg(long)]
    pub outcome: Option<String>,
    /// live, complete or interrupted.
    #[arg(long)]
    pub status: Option<String>,
    /// A rule that fired, e.g. interruption.
    #[arg(long)]
    pub rule: Option<String>,
    /// Lowest heeded share of nudges, 0..1.
    #[arg(long)]
    pub heeded_min: Option<f64>,
    /// Highest heeded share of nudges, 0..1.
    #[arg(long)]
    pub heeded_max: Option<f64>,
    /// Has this tag (repeat for several).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Words in the note or transcript.
    #[arg(long)]
    pub text: Option<String>,
    /// date, agent, duration, outcome, nudges or heeded.
    #[arg(long, default_value = "date")]
    pub sort: String,
    /// Oldest / smallest first.
    #[arg(long)]
    pub asc: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    #[arg(long, default_value_t = 0)]
    pub offset: i64,
}

#[derive(Debug, clap::Args)]
pub struct FollowupsArgs {
    /// Session database (default: $PARLEY_DB, else parley.db in the OS data folder).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// today, overdue, open (all not done) or all.
    #[arg(long, default_value = "open")]
    pub due: String,
    /// Mark this follow-up (by its #id) done instead of listing.
    #[arg(long, value_name = "ID")]
    pub done: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

fn parse_time(s: &str, end_of_day: bool) -> anyhow::Result<WallMs> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let day = if end_of_day {
            d.succ_opt().context("date out of range")?
        } else {
            d
        };
        let t = Local
            .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .with_context(|| format!("'{s}' is not a local date"))?;
        return Ok(t.timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .with_context(|| format!("'{s}' is neither YYYY-MM-DD nor an RFC 3339 time"))
}

impl FilterArgs {
    pub fn to_filter(&self) -> anyhow::Result<SessionFilter> {
        Ok(SessionFilter {
            agent: self.agent.clone(),
            from: self
                .from
                .as_deref()
                .map(|s| parse_time(s, false))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|s| parse_time(s, true))
                .transpose()?,
            outcome: self.outcome.clone(),
            status: self
                .status
                .as_deref()
                .map(|s| Status::parse(s).with_context(|| format!("unknown status '{s}'")))
                .transpose()?,
            rule: self.rule.clone(),
            heeded_min: self.heeded_min,
            heeded_max: self.heeded_max,
            tags: self.tags.clone(),
            text: self.text.clone(),
            sort: SortKey::parse(&self.sort)
                .with_context(|| format!("unknown sort '{}'", self.sort))?,
            descending: !self.asc,
            limit: self.limit,
            offset: self.offset,
        })
    }
}

macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

fn local(ms: WallMs) -> String {
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn render_rows(rows: &[SessionRow], total: i64, offset: i64) -> String {
    let mut out = String::new();
    outln!(
        out,
        "{:>6}  {:<16}  {:<12}  {:>7}  {:<16}  {:<11}  {:>7}  tags",
        "id",
        "started",
        "agent",
        "length",
        "outcome",
        "status",
        "heeded"
    );
    for r in rows {
        outln!(
            out,
            "{:>6}  {:<16}  {:<12}  {:>7}  {:<16}  {:<11}  {:>7}  {}",
            r.id,
            local(r.started_at),
            r.agent,
            r.duration_ms
                .map(|d| mmss(d.max(0) as u64))
                .unwrap_or_default(),
            r.outcome.as_deref().unwrap_or("-"),
            r.status.as_str(),
            format!("{}/{}", r.heeded_count, r.nudge_count),
            r.tags.join(",")
        );
    }
    let shown = rows.len() as i64;
    if total > 0 {
        outln!(out, "{}-{} of {total}", offset + 1, offset + shown);
    } else {
        outln!(out, "no sessions");
    }
    out
}

fn render_detail(d: &SessionDetail) -> String {
    let mut out = String::new();
    match &d.note {
        Some(n) => {
            out.push_str(&n.body);
            if let (Some(at), Some(by)) = (n.edited_at, &n.edited_by) {
                outln!(out, "\n(edited {} by {by})", local(at));
            }
        }
        None => outln!(
            out,
            "session {} ({}) has no note yet",
            d.session.id,
            d.session.status.as_str()
        ),
    }
    outln!(out, "\n## Timeline");
    for t in &d.timeline {
        let at = mmss(t.at_ms.max(0) as u64);
        let j = &t.json;
        let text = |k: &str| j.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let line = match (t.origin.as_str(), t.kind.as_str()) {
            ("event", "utterance") => format!("{}: {}", text("speaker"), text("text")),
            ("event", "agent") => format!("agent action {}", text("action")),
            ("event", "tick" | "voice_activity" | "talk_over" | "speech_so_far") => continue,
            ("event", k) => k.replace('_', " "),
            ("output", "nudge") => format!(
                "NUDGE {} ({}) - {}",
                text("headline"),
                text("rule"),
                text("reason")
            ),
            ("output", "heeded") => format!(
                "nudge {} {}",
                j.get("nudge_id").map(|v| v.to_string()).unwrap_or_default(),
                if j.get("heeded").and_then(|v| v.as_bool()) == Some(true) {
                    "heeded"
                } else {
                    "not heeded"
                }
            ),
            ("output", "tick") => format!("checked {}", text("item")),
            ("output", "phase") => format!("phase {}", text("phase")),
            ("output", "follow_up") => format!("follow-up promised: {}", text("text")),
            ("output", _) => continue,
            _ => continue,
        };
        outln!(out, "{at}  {line}");
    }
    out
}

fn write_out(text: &str, output: Option<&PathBuf>) -> anyhow::Result<()> {
    match output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write '{}'", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            let written = out.write_all(text.as_bytes()).and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    out.write_all(b"\n")
                }
            });
            match written {
                // `parley sessions show 3 | head` closes the pipe early: not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

pub fn run_sessions(args: SessionsArgs) -> anyhow::Result<i32> {
    if let Some(url) = args.url.as_deref() {
        return run_remote(url, args.command);
    }
    let store = Store::open_default(args.db.as_deref())?;
    match args.command {
        SessionsCommand::List { filter, json } => {
            let page = store.list(&filter.to_filter()?)?;
            if json {
                write_out(&serde_json::to_string_pretty(&page)?, None)?;
            } else {
                write_out(&render_rows(&page.items, page.total, page.offset), None)?;
            }
        }
        SessionsCommand::Show { id, json } => {
            let id: i64 = id
                .parse()
                .with_context(|| format!("'{id}' is not a session id (a number)"))?;
            let d = store.show(id)?;
            if json {
                write_out(&serde_json::to_string_pretty(&d)?, None)?;
            } else {
                write_out(&render_detail(&d), None)?;
            }
        }
        SessionsCommand::Search { words, limit, json } => {
            let page = store.search(&words.join(" "), limit, 0)?;
            if json {
                write_out(&serde_json::to_string_pretty(&page)?, None)?;
            } else {
                write_out(&render_rows(&page.items, page.total, page.offset), None)?;
            }
        }
        SessionsCommand::Export {
            format,
            id,
            filter,
            output,
        } => {
            let fmt = Format::parse(&format)
                .with_context(|| format!("unknown format '{format}' (json or csv)"))?;
            let text = match id {
                Some(id) => store.export_session(id, fmt)?,
                None => store.export(&filter.to_filter()?, fmt)?,
            };
            write_out(&text, output.as_ref())?;
        }
        SessionsCommand::Note { id, by, file } => {
            let body = match &file {
                Some(p) => std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read '{}'", p.display()))?,
                None => std::io::read_to_string(std::io::stdin())
                    .context("cannot read the note from standard input")?,
            };
            store.edit_note(id, &body, &by)?;
            write_out(&format!("note of session {id} saved"), None)?;
        }
        SessionsCommand::Tag { id, tags } => {
            store.set_tags(id, &tags)?;
            write_out(&format!("session {id} tagged: {}", tags.join(", ")), None)?;
        }
        SessionsCommand::WriteTest { events, rate } => {
            write_test(&store, events, rate)?;
        }
    }
    Ok(0)
}

/// `sessions list` and `show` against the team server.
fn run_remote(url: &str, command: SessionsCommand) -> anyhow::Result<i32> {
    let url = crate::team::ServerUrl::parse(url)?;
    match command {
        SessionsCommand::List { filter, json } => {
            let page = crate::team::remote::list(&url, &filter.to_filter()?)?;
            if json {
                write_out(&serde_json::to_string_pretty(&page)?, None)?;
            } else {
                write_out(&render_team_rows(&page), None)?;
            }
        }
        SessionsCommand::Show { id, json } => {
            let d = crate::team::remote::show(&url, &id)?;
            if json {
                write_out(&serde_json::to_string_pretty(&d)?, None)?;
            } else {
                let mut out = format!(
                    "session {} of {} (team {}), {} on their machine\n\n",
                    d.uid, d.owner, d.team, d.detail.session.id
                );
                out.push_str(&render_detail(&d.detail));
                if !d.comments.is_empty() {
                    outln!(out, "\n## Comments");
                    for c in &d.comments {
                        let at = c
                            .at_ms
                            .map(|a| format!(" at {}", mmss(a.max(0) as u64)))
                            .unwrap_or_default();
                        outln!(out, "{} {}{at}: {}", local(c.created_at), c.author, c.body);
                    }
                }
                if !d.overrides.is_empty() {
                    outln!(out, "\n## Scorecard overrides");
                    for o in &d.overrides {
                        let met = if o.met { "met" } else { "not met" };
                        outln!(
                            out,
                            "{} {}: {} {met}: {}",
                            local(o.created_at),
                            o.author,
                            o.criterion,
                            o.reason
                        );
                    }
                }
                write_out(&out, None)?;
            }
        }
        SessionsCommand::Search { words, limit, json } => {
            let filter = crate::store::SessionFilter {
                text: Some(words.join(" ")),
                limit,
                ..Default::default()
            };
            let page = crate::team::remote::list(&url, &filter)?;
            if json {
                write_out(&serde_json::to_string_pretty(&page)?, None)?;
            } else {
                write_out(&render_team_rows(&page), None)?;
            }
        }
        SessionsCommand::Export {
            format,
            id,
            filter,
            output,
        } => {
            let fmt = Format::parse(&format)
                .with_context(|| format!("unknown format '{format}' (json or csv)"))?;
            anyhow::ensure!(
                id.is_none(),
                "against the team server, export by filters (`sessions show UID --json` gives one session)"
            );
            let text = crate::team::remote::export(&url, &filter.to_filter()?, fmt)?;
            write_out(&text, output.as_ref())?;
        }
        _ => anyhow::bail!(
            "against the team server (--url) `sessions list`, `show`, `search` and `export` work; notes and tags are edited on the agent's machine"
        ),
    }
    Ok(0)
}

fn render_team_rows(page: &crate::store::Page<crate::team::remote::TeamRow>) -> String {
    let mut out = String::new();
    outln!(
        out,
        "{:<12}  {:<16}  {:<12}  {:<12}  {:>7}  {:<16}  {:<11}  {:>7}",
        "uid",
        "started",
        "agent",
        "team",
        "length",
        "outcome",
        "status",
        "heeded"
    );
    for t in &page.items {
        let r = &t.session;
        outln!(
            out,
            "{:<12}  {:<16}  {:<12}  {:<12}  {:>7}  {:<16}  {:<11}  {:>7}",
            t.uid.get(..12).unwrap_or(&t.uid),
            local(r.started_at),
            t.owner,
            t.team,
            r.duration_ms
                .map(|d| mmss(d.max(0) as u64))
                .unwrap_or_default(),
            r.outcome.as_deref().unwrap_or("-"),
            r.status.as_str(),
            format!("{}/{}", r.heeded_count, r.nudge_count)
        );
    }
    let shown = page.items.len() as i64;
    if page.total > 0 {
        outln!(
            out,
            "{}-{} of {}",
            page.offset + 1,
            page.offset + shown,
            page.total
        );
    } else {
        outln!(out, "no sessions");
    }
    out
}

pub fn run_followups(args: FollowupsArgs) -> anyhow::Result<i32> {
    let due = match args.due.as_str() {
        "today" => Due::Today,
        "overdue" => Due::Overdue,
        "open" => Due::Open,
        "all" => Due::All,
        other => anyhow::bail!("unknown --due '{other}' (today, overdue, open or all)"),
    };
    let store = Store::open_default(args.db.as_deref())?;
    if let Some(id) = args.done {
        store.set_follow_up_done(id, true)?;
        write_out(&format!("follow-up #{id} done"), None)?;
        return Ok(0);
    }
    let rows = store.follow_ups(due, crate::store::now_ms())?;
    if args.json {
        write_out(&serde_json::to_string_pretty(&rows)?, None)?;
        return Ok(0);
    }
    let now = crate::store::now_ms();
    let mut out = String::new();
    for f in &rows {
        let due = match f.due_at {
            Some(t) if !f.done && t < now => format!("OVERDUE {}", local(t)),
            Some(t) => format!("due {}", local(t)),
            None => "no due time".into(),
        };
        let done = if f.done { " (done)" } else { "" };
        outln!(
            out,
            "#{:<5} session {:<6} {:<12} {:<24} {}{done}",
            f.id,
            f.session_id,
            f.agent,
            due,
            f.text
        );
    }
    if rows.is_empty() {
        outln!(out, "no follow-ups");
    }
    write_out(&out, None)?;
    Ok(0)
}

/// Appends `events` utterances at `rate` per second, printing `appended N` after each, so a
/// test can kill the process at a known point.
fn write_test(store: &Store, events: u64, rate: u64) -> anyhow::Result<()> {
    let rate = rate.max(1);
    let writer = store.begin_session(SessionMeta {
        agent: "write-test".into(),
        playbook: crate::engine::playbook::BUILTIN_NAME.into(),
        source: "write-test".into(),
        started_at: crate::store::now_ms(),
    })?;
    println!("session {}", writer.id());
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let mut feed = |e: Event| -> anyhow::Result<Vec<Output>> {
        writer.append_event(&e)?;
        let out = engine.feed(&e);
        writer.append_outputs(&out)?;
        Ok(out)
    };
    feed(Event::CallStarted {
        at_ms: 0,
        agent: Some("write-test".into()),
        customer_name: None,
    })?;
    let started = Instant::now();
    let mut last_end = 0;
    for i in 0..events {
        let end_ms = (i + 1) * 1000 / rate;
        let speaker = if i % 2 == 0 {
            Speaker::Customer
        } else {
            Speaker::Agent
        };
        feed(Event::Utterance(Utterance {
            speaker,
            text: format!("line {i}: my card is 4111 1111 1111 1111 and I want a refund"),
            start_ms: last_end,
            end_ms,
            is_final: true,
        }))?;
        last_end = end_ms;
        println!("appended {}", i + 1);
        let due = started + Duration::from_micros((i + 1) * 1_000_000 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let out = feed(Event::CallEnded {
        at_ms: last_end,
        reason: None,
    })?;
    let summary = out
        .into_iter()
        .find_map(|o| match o {
            Output::Summary(s) => Some(*s),
            _ => None,
        })
        .unwrap_or_else(|| engine.summary());
    let id = writer.finish(&summary, "")?;
    println!("finished {id}");
    Ok(())
}
