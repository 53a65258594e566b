//! What the review window asks of the session database, beyond plain store queries: pacing
//! curves recomputed from the recorded events, and per-agent nudge counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Event, Ms, Output, Playbook};
use crate::store::{SessionDetail, SessionFilter, Store, StoreError, WallMs};

/// Pacing is sampled for the charts no more often than this.
const SAMPLE_MS: Ms = 5_000;
/// The team view reads at most this many sessions per request.
pub const TEAM_LIMIT: i64 = 2_000;

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

/// The pacing meters over the call, from its recorded events run through a fresh engine:
/// the same numbers the agent saw, without storing every meter reading.
pub fn pacing(detail: &SessionDetail, playbook: Arc<Playbook>) -> Vec<PacingSample> {
    let mut engine = Engine::new(playbook);
    let mut out: Vec<PacingSample> = Vec::new();
    let events = detail
        .timeline
        .iter()
        .filter(|t| t.origin == "event")
        .filter_map(|t| serde_json::from_value::<Event>(t.json.clone()).ok());
    for event in events {
        for o in engine.feed(&event) {
            if let Output::Pacing { at_ms, pacing } = o {
                if out.last().is_none_or(|p| at_ms >= p.at_ms + SAMPLE_MS) {
                    out.push(PacingSample {
                        at_ms,
                        talk_share: pacing.agent_talk_share,
                        recent_talk_share: pacing.recent_talk_share,
                        wpm: pacing.agent_wpm,
                    });
                }
            }
        }
    }
    out
}

pub fn detail(store: &Store, id: i64, playbook: Arc<Playbook>) -> Result<ReviewDetail, StoreError> {
    let detail = store.show(id)?;
    let pacing = pacing(&detail, playbook);
    Ok(ReviewDetail { detail, pacing })
}

pub fn team(
    store: &Store,
    from: Option<WallMs>,
    to: Option<WallMs>,
) -> Result<Vec<AgentStats>, StoreError> {
    let page = store.list(&SessionFilter {
        from,
        to,
        limit: TEAM_LIMIT,
        ..SessionFilter::default()
    })?;
    let mut by_agent: BTreeMap<String, AgentStats> = BTreeMap::new();
    for row in &page.items {
        let s = by_agent
            .entry(row.agent.clone())
            .or_insert_with(|| AgentStats {
                agent: row.agent.clone(),
                ..AgentStats::default()
            });
        s.calls += 1;
        for n in store.show(row.id)?.nudges {
            let heeded = u32::from(n.heeded == Some(true));
            s.nudges += 1;
            s.heeded += heeded;
            match s.rules.iter_mut().find(|r| r.rule == n.rule) {
                Some(r) => {
                    r.nudges += 1;
                    r.heeded += heeded;
                }
                None => s.rules.push(RuleStats {
                    rule: n.rule.clone(),
                    nudges: 1,
                    heeded,
                }),
            }
        }
    }
    let mut out: Vec<AgentStats> = by_agent.into_values().collect();
    for s in &mut out {
        s.rules
            .sort_by(|a, b| b.nudges.cmp(&a.nudges).then(a.rule.cmp(&b.rule)));
    }
    Ok(out)
}
