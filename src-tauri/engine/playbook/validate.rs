//! Checks a parsed playbook for values the engine cannot use.

use std::collections::HashSet;

use super::model::*;
use crate::engine::language::{AbuseDetector, ParaphraseDetector, PhraseSet};
use crate::engine::output::Rule;

const MAX_HEADLINE_WORDS: usize = 8;

pub struct Violation {
    pub table: String,
    pub nth: usize,
    pub key: Option<String>,
    pub reason: String,
}

impl Violation {
    fn at(table: &str, key: &str, reason: impl Into<String>) -> Violation {
        Violation {
            table: table.into(),
            nth: 0,
            key: Some(key.into()),
            reason: reason.into(),
        }
    }

    fn nth(table: &str, nth: usize, key: &str, reason: impl Into<String>) -> Violation {
        Violation {
            table: table.into(),
            nth,
            key: Some(key.into()),
            reason: reason.into(),
        }
    }

    /// Dotted path to the offending value, as a person would look for it.
    pub fn path(&self) -> String {
        let table = match self.table.as_str() {
            "items" | "phases" | "escalation" | "negative_phrasing" | "boundary.steps"
            | "scorecard" => {
                format!("{}[{}]", self.table, self.nth)
            }
            t => t.to_string(),
        };
        match (&self.key, table.is_empty()) {
            (Some(k), true) => k.clone(),
            (Some(k), false) => format!("{table}.{k}"),
            (None, _) => table,
        }
    }
}

pub fn validate(p: &Playbook) -> Result<(), Violation> {
    if p.name.trim().is_empty() {
        return Err(Violation::at("", "name", "must not be empty"));
    }
    validate_phases_and_items(p)?;
    validate_thresholds(&p.thresholds)?;
    validate_rules(p)?;
    validate_boundary(&p.boundary)?;
    validate_phrases(p)?;
    validate_scorecard(p)?;
    Ok(())
}

fn validate_scorecard(p: &Playbook) -> Result<(), Violation> {
    let mut ids = HashSet::new();
    for (i, c) in p.scorecard.iter().enumerate() {
        if c.id.trim().is_empty() {
            return Err(Violation::nth("scorecard", i, "id", "must not be empty"));
        }
        if !ids.insert(c.id.as_str()) {
            return Err(Violation::nth(
                "scorecard",
                i,
                "id",
                format!("repeats criterion id {:?}", c.id),
            ));
        }
        if c.label.trim().is_empty() {
            return Err(Violation::nth("scorecard", i, "label", "must not be empty"));
        }
        if !(c.weight.is_finite() && c.weight > 0.0 && c.weight <= 100.0) {
            return Err(Violation::nth(
                "scorecard",
                i,
                "weight",
                "must be above 0 and at most 100",
            ));
        }
        if c.items.is_empty() {
            return Err(Violation::nth(
                "scorecard",
                i,
                "items",
                "needs at least one checklist item id",
            ));
        }
        if let Some(bad) = c.items.iter().find(|id| p.item(id).is_none()) {
            return Err(Violation::nth(
                "scorecard",
                i,
                "items",
                format!("names unknown checklist item {bad:?}"),
            ));
        }
    }
    Ok(())
}

fn validate_phases_and_items(p: &Playbook) -> Result<(), Violation> {
    if p.phases.is_empty() {
        return Err(Violation::at("", "phases", "needs at least one phase"));
    }
    let mut phase_ids = HashSet::new();
    for (i, phase) in p.phases.iter().enumerate() {
        if !phase_ids.insert(phase.id.as_str()) {
            return Err(Violation::nth(
                "phases",
                i,
                "id",
                format!("repeats phase id {:?}", phase.id),
            ));
        }
        if let Some(max) = phase.talk_share_max {
            share(max).map_err(|r| Violation::nth("phases", i, "talk_share_max", r))?;
        }
    }
    let mut item_ids = HashSet::new();
    let mut last_phase = 0;
    for (i, item) in p.items.iter().enumerate() {
        if !item_ids.insert(item.id.as_str()) {
            return Err(Violation::nth(
                "items",
                i,
                "id",
                format!("repeats item id {:?}", item.id),
            ));
        }
        let Some(phase) = p.phases.iter().position(|ph| ph.id == item.phase) else {
            return Err(Violation::nth(
                "items",
                i,
                "phase",
                format!("names unknown phase {:?}", item.phase),
            ));
        };
        if phase < last_phase {
            return Err(Violation::nth(
                "items",
                i,
                "phase",
                "items must be listed in phase order",
            ));
        }
        last_phase = phase;
        if item.detect == Detect::Phrases && item.phrases.is_empty() {
            return Err(Violation::nth(
                "items",
                i,
                "phrases",
                "is empty but detect = \"phrases\" needs phrases",
            ));
        }
        PhraseSet::new(&item.phrases)
            .map_err(|e| Violation::nth("items", i, "phrases", e.to_string()))?;
    }
    for required in Detect::REQUIRED {
        let n = p.items.iter().filter(|i| i.detect == required).count();
        if n != 1 {
            return Err(Violation::at(
                "",
                "items",
                format!(
                    "needs exactly one item with detect = {:?} (found {n})",
                    required.name()
                ),
            ));
        }
    }
    let pos = |d: Detect| p.items.iter().position(|i| i.detect == d);
    if pos(Detect::Paraphrase) > pos(Detect::Resolve) {
        return Err(Violation::at(
            "",
            "items",
            "must list the detect = \"paraphrase\" item before the detect = \"resolve\" one",
        ));
    }
    Ok(())
}

fn positive(v: f32) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("must be a number above 0 (got {v})"))
    }
}

fn share(v: f32) -> Result<(), String> {
    if v.is_finite() && v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(format!("must be a share between 0 and 1 (got {v})"))
    }
}

type Check = fn(f32) -> Result<(), String>;

fn validate_thresholds(t: &Thresholds) -> Result<(), Violation> {
    let checks: [(&str, f32, Check); 20] = [
        (
            "paraphrase_min_concern_words",
            t.paraphrase_min_concern_words as f32,
            positive,
        ),
        ("fast_wpm", t.fast_wpm, positive),
        ("rate_window_s", t.rate_window_s, positive),
        ("rate_min_words", t.rate_min_words as f32, positive),
        ("syllables_per_word", t.syllables_per_word, positive),
        ("talk_share_max", t.talk_share_max, share),
        ("talk_share_window_s", t.talk_share_window_s, positive),
        (
            "talk_share_min_speech_s",
            t.talk_share_min_speech_s,
            positive,
        ),
        ("interruption_overlap_s", t.interruption_overlap_s, positive),
        ("monologue_s", t.monologue_s, positive),
        ("monologue_pause_s", t.monologue_pause_s, positive),
        ("dead_air_s", t.dead_air_s, positive),
        ("long_hold_s", t.long_hold_s, positive),
        ("heat_db", t.heat_db, positive),
        ("heat_customer_db", t.heat_customer_db, positive),
        (
            "heat_baseline_segments",
            t.heat_baseline_segments as f32,
            positive,
        ),
        ("complaint_turn_s", t.complaint_turn_s, positive),
        ("apology_limit", t.apology_limit as f32, positive),
        ("listen_floor_s", t.listen_floor_s, positive),
        ("paraphrase_context_s", t.paraphrase_context_s, positive),
    ];
    for (key, value, check) in checks {
        check(value).map_err(|r| Violation::at("thresholds", key, r))?;
    }
    if t.monologue_pause_s >= t.monologue_s {
        return Err(Violation::at(
            "thresholds",
            "monologue_pause_s",
            "must be shorter than monologue_s",
        ));
    }
    Ok(())
}

fn validate_rules(p: &Playbook) -> Result<(), Violation> {
    positive(p.nudging.min_gap_s).map_err(|r| Violation::at("nudging", "min_gap_s", r))?;
    positive(p.nudging.stale_after_s).map_err(|r| Violation::at("nudging", "stale_after_s", r))?;
    for key in p.rules.keys() {
        if Rule::parse(key).is_none() {
            return Err(Violation {
                table: format!("rules.{key}"),
                nth: 0,
                key: None,
                reason: "is not a known rule".into(),
            });
        }
    }
    for rule in Rule::ALL {
        let table = format!("rules.{}", rule.as_str());
        let Some(text) = p.rules.get(rule.as_str()) else {
            return Err(Violation::at(
                "",
                "rules",
                format!("is missing the rule {:?}", rule.as_str()),
            ));
        };
        headline(&text.headline).map_err(|r| Violation::at(&table, "headline", r))?;
        positive(text.cooldown_s).map_err(|r| Violation::at(&table, "cooldown_s", r))?;
        positive(text.heeded_within_s).map_err(|r| Violation::at(&table, "heeded_within_s", r))?;
    }
    for (i, kind) in p.escalation.iter().enumerate() {
        headline(&kind.headline).map_err(|r| Violation::nth("escalation", i, "headline", r))?;
        if kind.phrases.is_empty() {
            return Err(Violation::nth(
                "escalation",
                i,
                "phrases",
                "must not be empty",
            ));
        }
        PhraseSet::new(&kind.phrases)
            .map_err(|e| Violation::nth("escalation", i, "phrases", e.to_string()))?;
    }
    for (i, r) in p.negative_phrasing.iter().enumerate() {
        PhraseSet::new(std::slice::from_ref(&r.phrase))
            .map_err(|e| Violation::nth("negative_phrasing", i, "phrase", e.to_string()))?;
    }
    Ok(())
}

fn headline(h: &str) -> Result<(), String> {
    let n = h.split_whitespace().count();
    if n == 0 {
        Err("must not be empty".into())
    } else if n > MAX_HEADLINE_WORDS {
        Err(format!(
            "has {n} words; a headline is read at a glance, keep it to {MAX_HEADLINE_WORDS}"
        ))
    } else {
        Ok(())
    }
}

fn validate_boundary(b: &Boundary) -> Result<(), Violation> {
    if b.steps.is_empty() {
        return Err(Violation::at(
            "boundary",
            "steps",
            "needs at least one step",
        ));
    }
    positive(b.step_gap_s).map_err(|r| Violation::at("boundary", "step_gap_s", r))?;
    for (i, step) in b.steps.iter().enumerate() {
        headline(&step.headline).map_err(|r| Violation::nth("boundary.steps", i, "headline", r))?;
        if step.script.trim().is_empty() {
            return Err(Violation::nth(
                "boundary.steps",
                i,
                "script",
                "must say what the agent can say",
            ));
        }
    }
    Ok(())
}

fn validate_phrases(p: &Playbook) -> Result<(), Violation> {
    let ph = &p.phrases;
    for (key, list) in [
        ("apology", &ph.apology),
        ("acknowledge", &ph.acknowledge),
        ("solution", &ph.solution),
        ("follow_up", &ph.follow_up),
        ("hot_button", &ph.hot_button),
        ("transfer", &ph.transfer),
    ] {
        if list.is_empty() {
            return Err(Violation::at("phrases", key, "must not be empty"));
        }
        PhraseSet::new(list).map_err(|e| Violation::at("phrases", key, e.to_string()))?;
    }
    // May be empty: a boundary nudge is then never counted heeded.
    PhraseSet::new(&ph.boundary_stated)
        .map_err(|e| Violation::at("phrases", "boundary_stated", e.to_string()))?;
    AbuseDetector::new(&p.language.abuse)
        .map_err(|e| Violation::at("language.abuse", "", e.to_string()))?;
    ParaphraseDetector::new(&p.language.paraphrase)
        .map_err(|e| Violation::at("language.paraphrase", "frames", e.to_string()))?;
    Ok(())
}
