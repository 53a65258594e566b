//! How a replayed call reads on a terminal: one line per moment, then a summary.

use std::io::{self, Write};

use crate::engine::output::{NudgeRecord, Summary};
use crate::engine::timefmt::{mmss, secs};
use crate::engine::Output;

/// Writes outputs as they happen, as text or as JSON lines.
pub struct Renderer<W: Write> {
    out: W,
    json: bool,
}

impl<W: Write> Renderer<W> {
    pub fn new(out: W, json: bool) -> Renderer<W> {
        Renderer { out, json }
    }

    /// A line of its own (a note about the run, not an output).
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn output(&mut self, o: &Output) -> io::Result<()> {
        if matches!(o, Output::Pacing { .. }) {
            return Ok(());
        }
        if self.json {
            let line = serde_json::to_string(o).map_err(io::Error::other)?;
            return writeln!(self.out, "{line}");
        }
        match o {
            Output::CallState { at_ms, state } => {
                writeln!(self.out, "{}  call {}", mmss(*at_ms), state_word(state))
            }
            Output::Tick {
                item,
                at_ms,
                evidence,
            } => {
                let how = match (&evidence.text, evidence.by_agent) {
                    (_, true) => "ticked by the agent".to_string(),
                    (Some(t), false) => format!("\"{}\"", clip(t, 70)),
                    (None, false) => "from the timings".to_string(),
                };
                writeln!(self.out, "{}  [x] {item:<13} {how}", mmss(*at_ms))
            }
            Output::Phase { phase, at_ms } => {
                writeln!(self.out, "{}  --- phase: {phase}", mmss(*at_ms))
            }
            Output::Nudge(n) => {
                let step = n.step.map(|s| format!(" step {s}")).unwrap_or_default();
                writeln!(
                    self.out,
                    "{}  >>> {}{step}: {}  ({})",
                    mmss(n.at_ms),
                    n.rule,
                    n.headline,
                    n.reason
                )?;
                match &n.script {
                    Some(script) => writeln!(self.out, "       say: {script}"),
                    None => Ok(()),
                }
            }
            Output::Heeded {
                nudge_id,
                rule,
                at_ms,
                heeded,
            } => writeln!(
                self.out,
                "{}      nudge #{nudge_id} {rule} {}",
                mmss(*at_ms),
                if *heeded { "heeded" } else { "not heeded" }
            ),
            Output::FollowUp(f) => {
                let due = f
                    .due_in_ms
                    .map(|d| format!(", due in {}", human_duration(d)))
                    .unwrap_or_default();
                writeln!(self.out, "{}  follow-up owed{due}", mmss(f.at_ms))
            }
            Output::Summary(s) => self.summary(s),
            Output::Pacing { .. } => Ok(()),
        }
    }

    fn summary(&mut self, s: &Summary) -> io::Result<()> {
        let w = &mut self.out;
        writeln!(w)?;
        writeln!(
            w,
            "Summary ({} call, playbook {})",
            mmss(s.duration_ms),
            s.playbook
        )?;
        if let Some(c) = &s.concern {
            writeln!(w, "  concern:    {}", clip(c, 100))?;
        }
        writeln!(
            w,
            "  outcome:    {}",
            serde_json::to_value(s.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )?;
        let marks: Vec<String> = s
            .checklist
            .iter()
            .map(|i| format!("{}{}", if i.done { "[x] " } else { "[ ] " }, i.item))
            .collect();
        writeln!(
            w,
            "  checklist:  {}/{}  {}",
            s.items_done,
            s.items_total,
            marks.join("  ")
        )?;
        let p = &s.pacing;
        let rate = p
            .agent_wpm_overall
            .map(|r| format!("{r:.0} words/min"))
            .unwrap_or_else(|| "n/a".into());
        writeln!(
            w,
            "  pacing:     agent talk share {:.0}%, rate {rate}, interruptions {}, overlaps {}, longest silence {}, longest monologue {}, on hold {}",
            p.agent_talk_share * 100.0,
            p.interruptions,
            p.overlaps,
            secs(p.longest_silence_ms),
            secs(p.longest_monologue_ms),
            secs(p.hold_ms)
        )?;
        writeln!(
            w,
            "  nudges:     {} shown, {} heeded",
            s.nudges.len(),
            s.nudges_heeded
        )?;
        for n in &s.nudges {
            writeln!(w, "              {}", nudge_line(n))?;
        }
        for f in &s.follow_ups {
            let due = f
                .due_in_ms
                .map(|d| format!(" (due in {})", human_duration(d)))
                .unwrap_or_default();
            writeln!(w, "  follow-up:  \"{}\"{due}", clip(&f.text, 90))?;
        }
        if s.boundary_step > 0 {
            writeln!(w, "  boundary:   reached step {}", s.boundary_step)?;
        }
        if s.reset_suggested {
            writeln!(
                w,
                "  after call: a hard one; take a short reset before the next"
            )?;
        }
        for a in &s.actions {
            writeln!(w, "  action:     {a}")?;
        }
        for n in &s.agent_notes {
            writeln!(w, "  note:       {n}")?;
        }
        Ok(())
    }
}

fn nudge_line(n: &NudgeRecord) -> String {
    let fate = match (n.heeded, n.dismissed) {
        (_, true) => "dismissed",
        (Some(true), _) => "heeded",
        (Some(false), _) => "not heeded",
        (None, _) => "open",
    };
    format!(
        "{} {:<17} {} ({fate})",
        mmss(n.nudge.at_ms),
        n.nudge.rule.as_str(),
        n.nudge.headline
    )
}

fn state_word(s: &crate::engine::CallState) -> &'static str {
    use crate::engine::CallState::*;
    match s {
        Idle => "idle",
        Live => "live",
        OnHold => "on hold",
        Ended => "ended",
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn human_duration(ms: u64) -> String {
    let hours = ms / 3_600_000;
    if hours >= 48 && hours % 24 == 0 {
        format!("{} days", hours / 24)
    } else if hours >= 1 {
        format!("{hours} h")
    } else {
        format!("{} min", ms / 60_000)
    }
}
