//! The call scorecard: the playbook's weighted criteria, each met when the checklist items it
//! lists were ticked during the call (the evidence recorded with the call), unless a lead
//! overrode it with a reason.

use serde::{Deserialize, Serialize};

use crate::engine::Playbook;
use crate::store::ChecklistRow;

/// A lead's decision on one criterion, as stored on the team server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreOverride {
    pub id: i64,
    pub criterion: String,
    pub met: bool,
    pub reason: String,
    pub author: String,
    /// Unix ms.
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionScore {
    pub id: String,
    pub label: String,
    pub weight: f32,
    /// What the checklist says, before any override.
    pub met_by_checklist: bool,
    /// One line per listed item: ticked when, on what words.
    pub evidence: Vec<String>,
    /// What counts: the newest override, else the checklist.
    pub met: bool,
    pub overridden: Option<ScoreOverride>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub playbook: String,
    /// Why there is no scorecard (the playbook is not loaded here, or has none).
    pub missing: Option<String>,
    pub criteria: Vec<CriterionScore>,
    /// Met weight over total weight, 0..=1; None without criteria.
    pub score: Option<f32>,
    /// Every override, oldest first: the history behind the current values.
    pub history: Vec<ScoreOverride>,
}

fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Scores a call. `playbook` is the one the call used, when this machine has it: criteria from
/// another playbook would score the call against rules it was not coached by.
pub fn score(
    call_playbook: &str,
    playbook: Option<&Playbook>,
    checklist: &[ChecklistRow],
    overrides: &[ScoreOverride],
) -> Scorecard {
    let mut card = Scorecard {
        playbook: call_playbook.to_string(),
        missing: None,
        criteria: Vec::new(),
        score: None,
        history: overrides.to_vec(),
    };
    let Some(playbook) = playbook.filter(|p| p.name == call_playbook) else {
        card.missing = Some(format!(
            "the call used playbook '{call_playbook}', which is not loaded here: no scorecard"
        ));
        return card;
    };
    if playbook.scorecard.is_empty() {
        card.missing = Some(format!("playbook '{call_playbook}' defines no scorecard"));
        return card;
    }
    let (mut met_weight, mut total) = (0.0f32, 0.0f32);
    for c in &playbook.scorecard {
        let mut met_by_checklist = true;
        let mut evidence = Vec::new();
        for item in &c.items {
            match checklist.iter().find(|r| &r.item == item && r.done) {
                Some(r) => {
                    let at = r.at_ms.map(mmss).unwrap_or_else(|| "--:--".into());
                    let how = match (&r.evidence, r.by_agent) {
                        (_, true) => " (ticked by the agent)".to_string(),
                        (Some(text), false) => format!(": \u{201c}{text}\u{201d}"),
                        (None, false) => String::new(),
                    };
                    evidence.push(format!("{item} at {at}{how}"));
                }
                None => {
                    met_by_checklist = false;
                    evidence.push(format!("{item}: not ticked"));
                }
            }
        }
        let overridden = overrides.iter().rfind(|o| o.criterion == c.id).cloned();
        let met = overridden.as_ref().map_or(met_by_checklist, |o| o.met);
        total += c.weight;
        if met {
            met_weight += c.weight;
        }
        card.criteria.push(CriterionScore {
            id: c.id.clone(),
            label: c.label.clone(),
            weight: c.weight,
            met_by_checklist,
            evidence,
            met,
            overridden,
        });
    }
    card.score = (total > 0.0).then(|| met_weight / total);
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(item: &str, done: bool) -> ChecklistRow {
        ChecklistRow {
            item: item.into(),
            label: None,
            done,
            at_ms: done.then_some(61_000),
            by_agent: false,
            speaker: Some("agent".into()),
            evidence: done.then(|| "that sounds maddening".into()),
        }
    }

    #[test]
    fn weights_checklist_evidence_and_the_newest_override_count() {
        let p = Playbook::builtin();
        let all: Vec<ChecklistRow> = p.items.iter().map(|i| row(&i.id, true)).collect();
        let card = score(&p.name, Some(&p), &all, &[]);
        assert_eq!(card.score, Some(1.0));
        let mut some = all.clone();
        some.retain(|r| r.item != "paraphrase");
        let card = score(&p.name, Some(&p), &some, &[]);
        let empathy = card.criteria.iter().find(|c| c.id == "empathy").unwrap();
        assert!(!empathy.met_by_checklist);
        assert!(empathy
            .evidence
            .iter()
            .any(|e| e == "paraphrase: not ticked"));
        assert!(
            empathy.evidence[0].contains("01:01"),
            "{:?}",
            empathy.evidence
        );
        let total: f32 = p.scorecard.iter().map(|c| c.weight).sum();
        assert_eq!(card.score, Some((total - 3.0) / total));
        let o = |id, met| ScoreOverride {
            id,
            criterion: "empathy".into(),
            met,
            reason: "restated it in other words".into(),
            author: "lena".into(),
            created_at: 0,
        };
        let card = score(&p.name, Some(&p), &some, &[o(1, false), o(2, true)]);
        assert_eq!(card.score, Some(1.0));
        assert_eq!(card.history.len(), 2);
    }

    #[test]
    fn another_playbook_gives_no_scorecard_rather_than_a_wrong_one() {
        let p = Playbook::builtin();
        let card = score("sales-call", Some(&p), &[], &[]);
        assert!(card.missing.unwrap().contains("sales-call"));
        assert_eq!(card.score, None);
    }
}
