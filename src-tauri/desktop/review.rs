//! What the review window asks of the session database, beyond plain store queries: the pacing
//! curves and limit lines as the agent saw them, and per-agent nudge counts.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Event, Ms, Output, Pacing, Playbook};
use crate::store::{keep_pacing_sample, SessionDetail, Store, StoreError, TimelineEntry, WallMs};
use crate::team::remote::Comment;
use crate::team::scorecard::{self, ScoreOverride, Scorecard};

/// Agent talk share and rate at a moment, for the review charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacingSample {
    pub at_ms: Ms,
    pub talk_share: f32,
    pub recent_talk_share: f32,
    pub wpm: Option<f32>,
}

/// A session as the review window shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDetail {
    #[serde(flatten)]
    pub detail: SessionDetail,
    pub pacing: Vec<PacingSample>,
    /// "recorded" (the meters kept during the call) or "recomputed" (calls saved before they
    /// were kept: the recorded events run through the playbook as it is here now).
    pub pacing_from: String,
    /// The chart limit lines the call was coached against: recorded with the call, else from
    /// the playbook of that name when this machine has it; None otherwise.
    pub limits: Option<Limits>,
    /// The playbook's scorecard filled from the call's checklist (and leads' overrides).
    pub scorecard: Scorecard,
    /// The call's copy on the team server: its comments. None when no server is saved.
    pub team: Option<TeamPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub playbook: String,
    /// Agent talk share over the recent window above this earns a nudge, 0..=1.
    pub talk_share_max: f32,
    pub fast_wpm: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamPart {
    pub uid: String,
    /// The server's login role that filed the call, and its team (empty when unknown).
    pub owner: String,
    pub team: String,
    pub comments: Vec<Comment>,
    /// Why the server could not be read (the local review still shows the call).
    pub error: Option<String>,
}

/// The playbook a stored call was coached with, when this machine has it: the one loaded (if
/// the names agree) or the built-in one.
pub fn playbook_for(name: &str, loaded: &Arc<Playbook>) -> Option<Arc<Playbook>> {
    if loaded.name == name {
        Some(loaded.clone())
    } else if name == crate::engine::playbook::BUILTIN_NAME {
        Some(Arc::new(Playbook::builtin()))
    } else {
        None
    }
}

/// Pacing, limits and scorecard for a stored call, from what was recorded during it. Calls saved
/// before the meters and limits were recorded fall back to recomputing them; then no limit line
/// is drawn unless this machine has the call's playbook (another would not be the call's).
pub fn build(
    mut detail: SessionDetail,
    loaded: &Arc<Playbook>,
    overrides: &[ScoreOverride],
) -> ReviewDetail {
    let own = playbook_for(&detail.session.playbook, loaded);
    let recorded = recorded_pacing(&detail);
    // The samples are in `pacing` now; the timeline the window lists has no use for them.
    detail.timeline.retain(|t| !is_pacing_sample(t));
    let (pacing, pacing_from) = if recorded.is_empty() {
        let p = pacing(&detail, own.clone().unwrap_or_else(|| loaded.clone()));
        (p, "recomputed")
    } else {
        (recorded, "recorded")
    };
    let limits = detail
        .pacing_limits
        .or_else(|| own.as_ref().map(|p| p.pacing_limits()))
        .map(|l| Limits {
            playbook: detail.session.playbook.clone(),
            talk_share_max: l.talk_share_max,
            fast_wpm: l.fast_wpm,
        });
    let scorecard = scorecard::score(
        &detail.session.playbook,
        own.as_deref(),
        &detail.checklist,
        overrides,
    );
    ReviewDetail {
        detail,
        pacing,
        pacing_from: pacing_from.to_string(),
        limits,
        scorecard,
        team: None,
    }
}

/// Per agent: nudges by rule and how many were heeded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentStats {
    pub agent: String,
    pub calls: u32,
    pub rules: Vec<RuleStats>,
    pub nudges: u32,
    pub heeded: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStats {
    pub rule: String,
    pub nudges: u32,
    pub heeded: u32,
}

fn sample(at_ms: Ms, pacing: &Pacing) -> PacingSample {
    PacingSample {
        at_ms,
        talk_share: pacing.agent_talk_share,
        recent_talk_share: pacing.recent_talk_share,
        wpm: pacing.agent_wpm,
    }
}

fn is_pacing_sample(t: &TimelineEntry) -> bool {
    t.origin == "output" && t.kind == "pacing"
}

/// The pacing meters kept during the call (one per few seconds), as the agent saw them.
pub fn recorded_pacing(detail: &SessionDetail) -> Vec<PacingSample> {
    detail
        .timeline
        .iter()
        .filter(|t| is_pacing_sample(t))
        .filter_map(|t| match serde_json::from_value::<Output>(t.json.clone()) {
            Ok(Output::Pacing { at_ms, pacing }) => Some(sample(at_ms, &pacing)),
            _ => None,
        })
        .collect()
}

/// The pacing meters over the call, from its recorded events run through a fresh engine: for
/// calls saved before the meters were kept.
pub fn pacing(detail: &SessionDetail, playbook: Arc<Playbook>) -> Vec<PacingSample> {
    let mut engine = Engine::new(playbook);
    let mut out: Vec<PacingSample> = Vec::new();
    let mut last = None;
    let events = detail
        .timeline
        .iter()
        .filter(|t| t.origin == "event")
        .filter_map(|t| serde_json::from_value::<Event>(t.json.clone()).ok());
    for event in events {
        for o in engine.feed(&event) {
            if let Output::Pacing { at_ms, pacing } = o {
                // Sampled as the store keeps them during a call.
                if keep_pacing_sample(&mut last, at_ms) {
                    out.push(sample(at_ms, &pacing));
                }
            }
        }
    }
    out
}

/// A local call, with the leads' comments and overrides from the team server when one is saved
/// (read as this machine's role: an agent sees those on their own calls only).
pub fn detail(store: &Store, id: i64, playbook: Arc<Playbook>) -> Result<ReviewDetail, StoreError> {
    let detail = store.show(id)?;
    let Some(uid) = store.uid(id)? else {
        return Ok(build(detail, &playbook, &[]));
    };
    match super::team_review::remote_part(&uid) {
        None => Ok(build(detail, &playbook, &[])),
        Some(Ok((comments, overrides))) => {
            let mut r = build(detail, &playbook, &overrides);
            r.team = Some(TeamPart {
                uid,
                owner: String::new(),
                team: String::new(),
                comments,
                error: None,
            });
            Ok(r)
        }
        Some(Err(e)) => {
            let mut r = build(detail, &playbook, &[]);
            r.team = Some(TeamPart {
                uid,
                owner: String::new(),
                team: String::new(),
                comments: Vec::new(),
                error: Some(e),
            });
            Ok(r)
        }
    }
}

/// The per-agent figures of this machine's calls, and how many calls they cover.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamStats {
    pub agents: Vec<AgentStats>,
    /// Calls counted: every one in the date range.
    pub counted: i64,
    /// Calls in the date range.
    pub total: i64,
}

/// Every call in the range, counted in SQL (no cap, no session read one by one).
pub fn team(
    store: &Store,
    from: Option<WallMs>,
    to: Option<WallMs>,
) -> Result<TeamStats, StoreError> {
    let counts = store.agent_counts(from, to)?;
    let mut out: Vec<AgentStats> = counts
        .calls
        .iter()
        .map(|(agent, calls)| AgentStats {
            agent: agent.clone(),
            calls: u32::try_from(*calls).unwrap_or(u32::MAX),
            ..AgentStats::default()
        })
        .collect();
    for r in &counts.rules {
        let Some(s) = out.iter_mut().find(|s| s.agent == r.agent) else {
            continue;
        };
        let (nudges, heeded) = (
            u32::try_from(r.nudges).unwrap_or(u32::MAX),
            u32::try_from(r.heeded).unwrap_or(u32::MAX),
        );
        s.nudges += nudges;
        s.heeded += heeded;
        s.rules.push(RuleStats {
            rule: r.rule.clone(),
            nudges,
            heeded,
        });
    }
    for s in &mut out {
        s.rules
            .sort_by(|a, b| b.nudges.cmp(&a.nudges).then(a.rule.cmp(&b.rule)));
    }
    let total = counts.calls.iter().map(|(_, n)| n).sum();
    Ok(TeamStats {
        agents: out,
        counted: total,
        total,
    })
}
