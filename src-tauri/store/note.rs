//! Drafts the session note from the engine's summary: plain markdown the agent can edit.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::types::{outcome_str, WallMs};
use crate::engine::output::{Outcome, Summary};
use crate::engine::timefmt::{mmss, secs};

/// What the note needs besides the summary.
pub struct NoteContext<'a> {
    pub agent: &'a str,
    pub started_at: WallMs,
    /// The agent's clock, so due times read as they will be met.
    pub offset: FixedOffset,
    /// True when the call was cut off and this note was drafted from what had been saved.
    pub interrupted: bool,
}

impl NoteContext<'_> {
    fn wall(&self, ms: WallMs) -> String {
        match Utc.timestamp_millis_opt(ms).single() {
            Some(t) => DateTime::<FixedOffset>::from(t)
                .with_timezone(&self.offset)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            None => format!("{ms} ms"),
        }
    }
}

/// The local offset now, for drafting notes on this machine.
pub fn local_offset() -> FixedOffset {
    *chrono::Local::now().offset()
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Resolved => "resolved",
        Outcome::FollowUpOwed => "follow-up owed",
        Outcome::Escalated => "escalated",
        Outcome::EndedForAbuse => "ended for abuse",
        Outcome::CustomerHungUp => "customer hung up",
        Outcome::Unresolved => "unresolved",
    }
}

fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 160 {
        let cut: String = flat.chars().take(157).collect();
        format!("{cut}...")
    } else {
        flat
    }
}

fn percent(x: f32) -> String {
    format!("{:.0}%", (x * 100.0).round())
}

macro_rules! line {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

/// `agent_notes` is what the agent typed for the note, besides the notes the summary carries.
pub fn draft(ctx: &NoteContext<'_>, s: &Summary, agent_notes: &str) -> String {
    let mut out = String::new();
    let ended = ctx.started_at + s.duration_ms as i64;
    line!(
        out,
        "# Call {} - {} ({})",
        ctx.wall(ctx.started_at),
        ctx.agent,
        mmss(s.duration_ms)
    );
    if ctx.interrupted {
        line!(
            out,
            "\n_Interrupted: Parley stopped during this call; drafted from what was saved._"
        );
    }
    line!(
        out,
        "\n**Concern:** {}",
        s.concern
            .as_deref()
            .map(one_line)
            .unwrap_or_else(|| "(not captured)".into())
    );
    line!(
        out,
        "**Outcome:** {} ({})",
        outcome_text(s.outcome),
        outcome_str(s.outcome)
    );
    if s.boundary_step > 0 {
        line!(out, "**Boundary ladder:** reached step {}", s.boundary_step);
    }
    if s.escalated {
        line!(out, "**Escalated:** yes");
    }

    line!(out, "\n## Actions");
    if s.actions.is_empty() {
        line!(out, "- none recorded");
    }
    for a in &s.actions {
        line!(out, "- {}", one_line(a));
    }

    line!(out, "\n## Follow-up");
    if s.follow_ups.is_empty() {
        line!(out, "- none promised");
    }
    for f in &s.follow_ups {
        let due = match f.due_in_ms {
            Some(d) => format!("due {}", ctx.wall(ended + d as i64)),
            None => "no due time said".to_string(),
        };
        line!(
            out,
            "- at {}: \"{}\" - {}",
            mmss(f.at_ms),
            one_line(&f.text),
            due
        );
    }

    line!(out, "\n## Checklist ({}/{})", s.items_done, s.items_total);
    for item in &s.checklist {
        let mark = if item.done { "x" } else { " " };
        let when = item
            .evidence
            .as_ref()
            .map(|e| {
                let how = if e.by_agent { ", ticked by agent" } else { "" };
                format!(" ({}{how})", mmss(e.at_ms))
            })
            .unwrap_or_default();
        line!(out, "- [{mark}] {}{when}", item.label);
    }

    line!(
        out,
        "\n## Nudges ({}, {} heeded)",
        s.nudges.len(),
        s.nudges_heeded
    );
    if s.nudges.is_empty() {
        line!(out, "- none");
    }
    for r in &s.nudges {
        let fate = match (r.dismissed, r.heeded) {
            (true, _) => "dismissed",
            (false, Some(true)) => "heeded",
            (false, Some(false)) => "not heeded",
            (false, None) => "no follow-through measured",
        };
        line!(
            out,
            "- {} {} ({}) - {} - {}",
            mmss(r.nudge.at_ms),
            r.nudge.headline,
            r.nudge.rule,
            fate,
            r.nudge.reason
        );
    }

    let p = &s.pacing;
    line!(out, "\n## Pacing");
    let rate = p
        .agent_wpm_overall
        .map(|w| format!("{w:.0} wpm"))
        .unwrap_or_else(|| "rate n/a".into());
    line!(
        out,
        "Agent talk share {} - {} - {} interruptions - longest silence {} - longest monologue {}",
        percent(p.agent_talk_share),
        rate,
        p.interruptions,
        secs(p.longest_silence_ms),
        secs(p.longest_monologue_ms)
    );
    if p.hold_ms > 0 {
        line!(out, "On hold {}", secs(p.hold_ms));
    }

    line!(out, "\n## Agent notes");
    let mut written: Vec<&str> = Vec::new();
    // Callers may pass the summary's notes again as free text: each line is written once.
    for n in s
        .agent_notes
        .iter()
        .flat_map(|n| n.lines())
        .chain(agent_notes.lines())
    {
        let n = n.trim();
        if !n.is_empty() && !written.contains(&n) {
            line!(out, "{n}");
            written.push(n);
        }
    }
    let any = !written.is_empty();
    if !any {
        line!(out, "(none)");
    }
    if s.reset_suggested {
        line!(
            out,
            "\n_A hard call: take a short reset before the next one._"
        );
    }
    out
}
