//! Whole calls replayed through the engine as a live call would feed it: a partial when speech
//! starts, the final at its end, a tick each second. Figures are checked against the timings.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EvalError;
use crate::engine::{Coach, Event, Ms, Output, Rule, Speaker, Utterance};

/// Longest call the harness accepts: a day.
const MAX_CALL_S: f64 = 86_400.0;

#[derive(Debug, Deserialize)]
struct Line {
    speaker: Speaker,
    start: f64,
    end: f64,
    text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallReport {
    pub file: String,
    pub minutes: f64,
    pub nudges: u32,
    pub by_rule: BTreeMap<String, u32>,
    /// Agent talk share from the engine and from the timings, in percentage points.
    pub talk_share_engine: f64,
    pub talk_share_timings: f64,
    /// Overlaps of the interruption length or more: in the timings, and counted by the engine.
    pub overlaps_timings: u32,
    pub overlaps_engine: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallSetReport {
    pub set: String,
    pub calls: u32,
    pub minutes: f64,
    pub nudges: u32,
    pub nudges_per_call: f64,
    pub nudges_per_minute: f64,
    pub boundary_nudges: u32,
    pub by_rule: BTreeMap<String, u32>,
    pub talk_share_max_gap_points: f64,
    pub overlaps_timings: u32,
    /// Overlaps the engine saw, capped per call at what the timings hold.
    pub overlaps_seen: u32,
    pub per_call: Vec<CallReport>,
}

fn read(path: &Path) -> Result<Vec<Utterance>, EvalError> {
    let src = super::read_text(path)?;
    let mut out = Vec::new();
    for (i, raw) in src.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| EvalError::Format {
            path: path.to_path_buf(),
            line: i + 1,
            reason,
        };
        let l: Line = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
        // A tick a second is fed between lines, so an absurd time would mean endless ticks.
        let sane = |t: f64| t.is_finite() && (0.0..=MAX_CALL_S).contains(&t);
        if !(sane(l.start) && sane(l.end) && l.end >= l.start) {
            return Err(bad(format!("bad times {} .. {}", l.start, l.end)));
        }
        out.push(Utterance {
            speaker: l.speaker,
            text: l.text,
            start_ms: (l.start * 1000.0).round() as Ms,
            end_ms: (l.end * 1000.0).round() as Ms,
            is_final: true,
        });
    }
    if out.is_empty() {
        return Err(EvalError::Format {
            path: path.to_path_buf(),
            line: 0,
            reason: "no utterances".into(),
        });
    }
    Ok(out)
}

/// Events in the order a live source delivers them.
pub fn timeline(utterances: &[Utterance]) -> Vec<Event> {
    let mut events = vec![Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    }];
    let mut speech: Vec<Event> = Vec::new();
    for u in utterances {
        speech.push(Event::Utterance(Utterance {
            text: String::new(),
            end_ms: u.start_ms,
            is_final: false,
            ..u.clone()
        }));
        speech.push(Event::Utterance(u.clone()));
    }
    speech.sort_by_key(Event::at_ms);
    let mut last = 0;
    for ev in speech {
        while last + 1000 < ev.at_ms() {
            last += 1000;
            events.push(Event::Tick { at_ms: last });
        }
        last = last.max(ev.at_ms());
        events.push(ev);
    }
    events.push(Event::CallEnded {
        at_ms: last + 500,
        reason: None,
    });
    events
}

fn overlaps_in_timings(utterances: &[Utterance], min_ms: Ms) -> u32 {
    let mut n = 0;
    for (i, a) in utterances.iter().enumerate() {
        for b in &utterances[i + 1..] {
            if a.speaker == b.speaker {
                continue;
            }
            let overlap = a
                .end_ms
                .min(b.end_ms)
                .saturating_sub(a.start_ms.max(b.start_ms));
            if overlap >= min_ms {
                n += 1;
            }
        }
    }
    n
}

pub fn evaluate_call(path: &Path, coach: &Coach) -> Result<CallReport, EvalError> {
    let playbook = coach.playbook();
    let utterances = read(path)?;
    let mut engine = coach.engine();
    let mut by_rule: BTreeMap<String, u32> = BTreeMap::new();
    let mut nudges = 0;
    let mut summary = None;
    for ev in timeline(&utterances) {
        for out in engine.feed(&ev) {
            match out {
                Output::Nudge(n) => {
                    nudges += 1;
                    *by_rule.entry(n.rule.as_str().to_string()).or_default() += 1;
                }
                Output::Summary(s) => summary = Some(s),
                _ => {}
            }
        }
    }
    let pacing = summary.map(|s| s.pacing).unwrap_or_else(|| engine.pacing());
    let speech = |who: Speaker| -> u64 {
        utterances
            .iter()
            .filter(|u| u.speaker == who)
            .map(|u| u.end_ms - u.start_ms)
            .sum()
    };
    let (agent, customer) = (speech(Speaker::Agent), speech(Speaker::Customer));
    let end = utterances.iter().map(|u| u.end_ms).max().unwrap_or(0);
    let min_overlap = (playbook.thresholds.interruption_overlap_s * 1000.0).round() as Ms;
    Ok(CallReport {
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        minutes: end as f64 / 60_000.0,
        nudges,
        by_rule,
        talk_share_engine: pacing.agent_talk_share as f64 * 100.0,
        talk_share_timings: 100.0 * agent as f64 / (agent + customer).max(1) as f64,
        overlaps_timings: overlaps_in_timings(&utterances, min_overlap),
        overlaps_engine: pacing.overlaps,
    })
}

pub fn evaluate_set(
    set: &str,
    files: &[std::path::PathBuf],
    coach: &Coach,
) -> Result<CallSetReport, EvalError> {
    let mut per_call = Vec::new();
    for f in files {
        per_call.push(evaluate_call(f, coach)?);
    }
    let minutes: f64 = per_call.iter().map(|c| c.minutes).sum();
    let nudges: u32 = per_call.iter().map(|c| c.nudges).sum();
    let mut by_rule: BTreeMap<String, u32> = BTreeMap::new();
    for c in &per_call {
        for (r, n) in &c.by_rule {
            *by_rule.entry(r.clone()).or_default() += n;
        }
    }
    let calls = per_call.len() as u32;
    Ok(CallSetReport {
        set: set.to_string(),
        calls,
        minutes,
        nudges,
        nudges_per_call: nudges as f64 / calls.max(1) as f64,
        nudges_per_minute: if minutes > 0.0 {
            nudges as f64 / minutes
        } else {
            0.0
        },
        boundary_nudges: by_rule.get(Rule::Boundary.as_str()).copied().unwrap_or(0),
        by_rule,
        talk_share_max_gap_points: per_call
            .iter()
            .map(|c| (c.talk_share_engine - c.talk_share_timings).abs())
            .fold(0.0, f64::max),
        overlaps_timings: per_call.iter().map(|c| c.overlaps_timings).sum(),
        overlaps_seen: per_call
            .iter()
            .map(|c| c.overlaps_engine.min(c.overlaps_timings))
            .sum(),
        per_call,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Overall {
    pub calls: u32,
    pub minutes: f64,
    pub nudges: u32,
    pub nudges_per_minute: f64,
    pub boundary_nudges: u32,
}

pub fn overall(sets: &[CallSetReport]) -> Option<Overall> {
    if sets.is_empty() {
        return None;
    }
    let minutes: f64 = sets.iter().map(|s| s.minutes).sum();
    let nudges: u32 = sets.iter().map(|s| s.nudges).sum();
    Some(Overall {
        calls: sets.iter().map(|s| s.calls).sum(),
        minutes,
        nudges,
        nudges_per_minute: if minutes > 0.0 {
            nudges as f64 / minutes
        } else {
            0.0
        },
        boundary_nudges: sets.iter().map(|s| s.boundary_nudges).sum(),
    })
}
