//! The session note drafted from the engine's summary, for the agent to edit and save.

use crate::engine::output::{Outcome, Summary};
use crate::engine::timefmt::mmss;

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Resolved => "Resolved",
        Outcome::FollowUpOwed => "Follow-up owed",
        Outcome::Escalated => "Escalated",
        Outcome::EndedForAbuse => "Ended for abuse",
        Outcome::CustomerHungUp => "Customer hung up",
        Outcome::Unresolved => "Unresolved",
    }
}

fn due(ms: u64) -> String {
    let hours = ms / 3_600_000;
    match hours {
        0 => format!("{} min", ms / 60_000),
        h if h % 24 == 0 => format!("{} day(s)", h / 24),
        h => format!("{h} h"),
    }
}

pub fn draft(s: &Summary) -> String {
    let mut lines = Vec::new();
    if let Some(concern) = &s.concern {
        lines.push(format!("Concern: {concern}"));
    }
    lines.push(format!(
        "Outcome: {} (call {})",
        outcome_label(s.outcome),
        mmss(s.duration_ms)
    ));
    for f in &s.follow_ups {
        let when = f.due_in_ms.map(|d| format!(" (due in {})", due(d)));
        lines.push(format!(
            "Follow-up owed: \"{}\"{}",
            f.text,
            when.unwrap_or_default()
        ));
    }
    let missed: Vec<&str> = s
        .checklist
        .iter()
        .filter(|i| !i.done)
        .map(|i| i.label.as_str())
        .collect();
    let mut checklist = format!("Checklist: {}/{} done", s.items_done, s.items_total);
    if !missed.is_empty() {
        checklist.push_str(&format!("; not done: {}", missed.join(", ")));
    }
    lines.push(checklist);
    if s.boundary_step > 0 {
        lines.push(format!("Boundary ladder reached step {}", s.boundary_step));
    }
    if s.escalated {
        lines.push("Escalation requested".to_string());
    }
    if !s.actions.is_empty() {
        lines.push(format!("Actions: {}", s.actions.join("; ")));
    }
    for n in &s.agent_notes {
        lines.push(format!("Agent note: {n}"));
    }
    if s.reset_suggested {
        lines.push("A short reset before the next call is suggested.".to_string());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::output::{FollowUp, ItemStatus};
    use crate::engine::Pacing;

    #[test]
    fn names_outcome_follow_up_and_missed_items() {
        let s = Summary {
            duration_ms: 125_000,
            playbook: "p".into(),
            concern: Some("billed after moving out".into()),
            outcome: Outcome::FollowUpOwed,
            checklist: vec![ItemStatus {
                item: "paraphrase".into(),
                label: "Paraphrase the concern".into(),
                done: false,
                evidence: None,
            }],
            items_done: 0,
            items_total: 1,
            pacing: Pacing::default(),
            nudges: vec![],
            nudges_heeded: 0,
            follow_ups: vec![FollowUp {
                at_ms: 1,
                text: "I'll call you back".into(),
                due_in_ms: Some(172_800_000),
            }],
            boundary_step: 0,
            escalated: false,
            reset_suggested: false,
            agent_notes: vec!["asked for email copy".into()],
            actions: vec![],
        };
        let text = draft(&s);
        assert!(
            text.contains("Outcome: Follow-up owed (call 02:05)"),
            "{text}"
        );
        assert!(text.contains("(due in 2 day(s))"), "{text}");
        assert!(text.contains("not done: Paraphrase the concern"), "{text}");
        assert!(text.contains("Agent note: asked for email copy"), "{text}");
    }
}
