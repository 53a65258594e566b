//! What the engine tells the world: ticks, phase changes, nudges and their fate, and the summary.
//! These are data; the shell decides how to show, store or notify.

use serde::{Deserialize, Serialize};

use super::event::{Ms, Speaker};

/// Stable rule ids: the store, the UI and team leads' tooling rely on these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    SpeakingFast,
    TalkShare,
    Interruption,
    Monologue,
    DeadAir,
    LongHold,
    Heat,
    ParaphraseFirst,
    Acknowledge,
    OverApology,
    NegativePhrasing,
    Boundary,
    Escalation,
    HotButton,
    FollowUp,
}

impl Rule {
    pub const ALL: [Rule; 15] = [
        Rule::SpeakingFast,
        Rule::TalkShare,
        Rule::Interruption,
        Rule::Monologue,
        Rule::DeadAir,
        Rule::LongHold,
        Rule::Heat,
        Rule::ParaphraseFirst,
        Rule::Acknowledge,
        Rule::OverApology,
        Rule::NegativePhrasing,
        Rule::Boundary,
        Rule::Escalation,
        Rule::HotButton,
        Rule::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SpeakingFast => "speaking_fast",
            Rule::TalkShare => "talk_share",
            Rule::Interruption => "interruption",
            Rule::Monologue => "monologue",
            Rule::DeadAir => "dead_air",
            Rule::LongHold => "long_hold",
            Rule::Heat => "heat",
            Rule::ParaphraseFirst => "paraphrase_first",
            Rule::Acknowledge => "acknowledge",
            Rule::OverApology => "over_apology",
            Rule::NegativePhrasing => "negative_phrasing",
            Rule::Boundary => "boundary",
            Rule::Escalation => "escalation",
            Rule::HotButton => "hot_button",
            Rule::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an item was ticked: the words (or the agent's action) and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub at_ms: Ms,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<Speaker>,
    /// The utterance that showed it, or None when the agent ticked it by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub by_agent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nudge {
    /// Unique within a call, in order of firing.
    pub id: u32,
    pub rule: Rule,
    pub at_ms: Ms,
    /// At most 8 words.
    pub headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The figure and time behind the nudge, e.g. "overlap 1.4 s at 02:13".
    pub reason: String,
    /// Higher outranks lower; boundary and safety sit above pacing.
    pub priority: u8,
    /// Boundary ladder step (1-based) for `boundary` nudges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Idle,
    Live,
    OnHold,
    Ended,
}

/// A follow-up the agent promised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub at_ms: Ms,
    /// The words of the promise.
    pub text: String,
    /// How long after the call it is due, when the words say ("within 48 hours" = 172_800_000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_in_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Resolved,
    FollowUpOwed,
    Escalated,
    EndedForAbuse,
    CustomerHungUp,
    Unresolved,
}

/// Live meters for the overlay; also the pacing part of the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pacing {
    /// Agent share of all speech in the call so far, 0..=1.
    pub agent_talk_share: f32,
    /// Agent share over the recent window (playbook), 0..=1.
    pub recent_talk_share: f32,
    /// Agent words per minute over the recent rate window; None when too little speech.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_wpm: Option<f32>,
    /// Agent words per minute over the whole call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_wpm_overall: Option<f32>,
    pub agent_speech_ms: Ms,
    pub customer_speech_ms: Ms,
    pub interruptions: u32,
    /// Overlaps at or over the interruption threshold, whoever started them.
    pub overlaps: u32,
    /// Overlaps too short to be interruptions (backchannels).
    pub backchannels: u32,
    pub longest_silence_ms: Ms,
    pub longest_monologue_ms: Ms,
    pub hold_ms: Ms,
    /// Time since the customer last spoke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_customer_spoke_ms: Option<Ms>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatus {
    pub item: String,
    pub label: String,
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NudgeRecord {
    #[serde(flatten)]
    pub nudge: Nudge,
    pub heeded: Option<bool>,
    pub dismissed: bool,
}

/// Everything a session note is drafted from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub duration_ms: Ms,
    pub playbook: String,
    /// The customer's concern in one line (their first substantial statement), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concern: Option<String>,
    pub outcome: Outcome,
    pub checklist: Vec<ItemStatus>,
    pub items_done: u32,
    pub items_total: u32,
    pub pacing: Pacing,
    pub nudges: Vec<NudgeRecord>,
    pub nudges_heeded: u32,
    pub follow_ups: Vec<FollowUp>,
    /// Highest boundary ladder step reached (0 = never).
    pub boundary_step: u8,
    pub escalated: bool,
    /// The agent should be offered a short reset before the next call.
    pub reset_suggested: bool,
    pub agent_notes: Vec<String>,
    /// Things the agent did, in order ("apologized at 01:10", "offered a transfer at 04:02").
    pub actions: Vec<String>,
    /// The pacing limits the call was coached against (None in summaries saved before they were
    /// recorded), so a review draws the lines the agent was held to, whatever the playbook says now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<PacingLimits>,
}

/// The playbook's pacing limits as a call used them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PacingLimits {
    /// Agent talk share over the recent window above this earns a nudge, 0..=1.
    pub talk_share_max: f32,
    pub fast_wpm: f32,
}

/// Everything a screen needs to redraw the call from scratch (after a lag or a reload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub at_ms: Ms,
    pub state: CallState,
    pub phase: String,
    pub checklist: Vec<ItemStatus>,
    pub pacing: Pacing,
    /// Nudges shown so far, newest last.
    pub nudges: Vec<NudgeRecord>,
    pub boundary_step: u8,
    pub boundary_steps: u8,
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    CallState {
        at_ms: Ms,
        state: CallState,
    },
    Tick {
        item: String,
        at_ms: Ms,
        evidence: Evidence,
    },
    Phase {
        phase: String,
        at_ms: Ms,
    },
    Nudge(Nudge),
    /// A nudge's heeded window closed: the agent did (or did not) act on it.
    Heeded {
        nudge_id: u32,
        rule: Rule,
        at_ms: Ms,
        heeded: bool,
    },
    FollowUp(FollowUp),
    /// Meters for the overlay, sent on ticks and after speech.
    Pacing {
        at_ms: Ms,
        pacing: Pacing,
    },
    Summary(Box<Summary>),
}
