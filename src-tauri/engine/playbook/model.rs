//! The playbook as data: phases, checklist items, thresholds, rules, the boundary ladder.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::language::{AbuseConfig, ParaphraseConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub phases: Vec<Phase>,
    pub items: Vec<Item>,
    pub thresholds: Thresholds,
    pub nudging: Nudging,
    pub rules: BTreeMap<String, RuleText>,
    pub boundary: Boundary,
    pub escalation: Vec<EscalationKind>,
    pub phrases: Phrases,
    pub negative_phrasing: Vec<Rephrase>,
    pub language: Language,
    /// How a lead scores a call; optional, so playbooks written before it still load.
    #[serde(default)]
    pub scorecard: Vec<Criterion>,
}

/// One weighted criterion of the call scorecard: met when every listed checklist item was
/// ticked during the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    pub weight: f32,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub label: String,
    /// Agent talk share above this (over the talk-share window) earns "Let them talk" in this phase.
    #[serde(default)]
    pub talk_share_max: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detect {
    /// Any of the item's phrases in an agent utterance.
    Phrases,
    /// A restatement of the customer's concern (the paraphrase detector).
    Paraphrase,
    /// The agent names the customer's feeling or situation (the acknowledgement detector; the
    /// item's phrases are the word-rule fallback).
    Acknowledge,
    /// Solution language, ticked only once the concern was restated; the item's phrases add to
    /// the playbook's solution phrases.
    Resolve,
    /// The customer held the floor long enough without being interrupted.
    CustomerFloor,
    /// Only the agent's hotkey ticks it.
    Manual,
    /// Ticked by the agent when a promised follow-up is scheduled.
    FollowUp,
}

impl Detect {
    /// Kinds the engine's rules lean on: a playbook has exactly one item of each.
    pub const REQUIRED: [Detect; 4] = [
        Detect::CustomerFloor,
        Detect::Acknowledge,
        Detect::Paraphrase,
        Detect::Resolve,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Detect::Phrases => "phrases",
            Detect::Paraphrase => "paraphrase",
            Detect::Acknowledge => "acknowledge",
            Detect::Resolve => "resolve",
            Detect::CustomerFloor => "customer_floor",
            Detect::Manual => "manual",
            Detect::FollowUp => "follow_up",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub label: String,
    pub phase: String,
    pub detect: Detect,
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// Every number the detectors use. Seconds and words per minute, as people say them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub fast_wpm: f32,
    pub rate_window_s: f32,
    /// Fewest agent words in the rate window before a rate is judged.
    pub rate_min_words: u32,
    /// Converts a syllable rate from audio into words per minute.
    pub syllables_per_word: f32,
    pub talk_share_max: f32,
    pub talk_share_window_s: f32,
    /// Least speech in the window before talk share is judged.
    pub talk_share_min_speech_s: f32,
    pub interruption_overlap_s: f32,
    pub monologue_s: f32,
    /// A gap shorter than this does not break a monologue.
    pub monologue_pause_s: f32,
    pub dead_air_s: f32,
    pub long_hold_s: f32,
    pub heat_db: f32,
    /// The customer counts as loud this far over their own baseline.
    pub heat_customer_db: f32,
    /// Agent voice segments needed before a loudness baseline exists.
    pub heat_baseline_segments: u32,
    pub complaint_turn_s: f32,
    pub apology_limit: u32,
    /// Customer speech, uninterrupted, that ticks Listen.
    pub listen_floor_s: f32,
    /// How far back the paraphrase detector looks for the customer's concern.
    pub paraphrase_context_s: f32,
    /// Customer words about the problem before "paraphrase first" applies (a quick request needs none).
    pub paraphrase_min_concern_words: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nudging {
    /// At most one new nudge on screen per this many seconds.
    pub min_gap_s: f32,
    /// Nudges at or above this priority skip the gap.
    pub urgent_priority: u8,
    /// A nudge held back by the gap is dropped if still waiting after this long.
    pub stale_after_s: f32,
}

/// What a rule says and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    pub headline: String,
    #[serde(default)]
    pub script: Option<String>,
    pub priority: u8,
    pub cooldown_s: f32,
    /// The agent has this long to act on the nudge for it to count as heeded.
    pub heeded_within_s: f32,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Never dropped as stale behind other nudges: it waits for the screen (the third apology).
    #[serde(default)]
    pub waits_for_screen: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    pub steps: Vec<BoundaryStep>,
    /// A further abusive remark within this long does not climb again (one step per remark burst).
    pub step_gap_s: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundaryStep {
    pub headline: String,
    pub script: String,
    /// The last step ends or transfers the call per policy.
    #[serde(default)]
    pub ends_call: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationKind {
    pub id: String,
    pub headline: String,
    pub script: String,
    pub phrases: Vec<String>,
    /// Longer phrases that contain one of `phrases` but are no escalation ("my manager asked me").
    #[serde(default)]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrases {
    pub apology: Vec<String>,
    /// Naming the customer's feeling (acknowledgement); bare "I understand" is deliberately absent.
    pub acknowledge: Vec<String>,
    /// Offering a fix: moving into Resolve.
    pub solution: Vec<String>,
    pub follow_up: Vec<String>,
    pub hot_button: Vec<String>,
    /// Offering a transfer or a supervisor (heeds an escalation nudge).
    pub transfer: Vec<String>,
    /// The agent stating a boundary or steering back to the problem (heeds a boundary nudge).
    #[serde(default)]
    pub boundary_stated: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rephrase {
    pub phrase: String,
    pub instead: String,
    /// Longer phrases that contain `phrase` but are fine ("i can't wait").
    #[serde(default)]
    pub except: Vec<String>,
    /// Fine inside the agent's restatement of the customer's own need ("so you need to get
    /// the refund before you fly"): it says what the customer needs, not what they must do.
    #[serde(default)]
    pub fine_in_restatement: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    pub abuse: AbuseConfig,
    pub paraphrase: ParaphraseConfig,
}
