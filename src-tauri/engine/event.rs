//! Everything that happens in a call, as data. Times are milliseconds from call start.

use serde::{Deserialize, Serialize};

/// Milliseconds since the call started.
pub type Ms = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Agent,
    Customer,
}

impl Speaker {
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Agent => Speaker::Customer,
            Speaker::Customer => Speaker::Agent,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub speaker: Speaker,
    pub text: String,
    pub start_ms: Ms,
    pub end_ms: Ms,
    /// Partial (interim) results may be revised; the engine coaches on final ones only.
    #[serde(default = "yes")]
    pub is_final: bool,
}

fn yes() -> bool {
    true
}

/// How a call ended, when the source knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Completed,
    CustomerHungUp,
    AgentEndedForAbuse,
    Transferred,
}

/// What the agent does by hotkey or click.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgentAction {
    /// Tick a checklist item by id (e.g. "paraphrase").
    TickItem { item: String },
    /// The agent marks the customer as abusive: the boundary ladder climbs one step.
    FlagAbuse,
    /// A free-text note for the session note.
    AddNote { text: String },
    /// The agent dismissed the nudge on screen.
    DismissNudge { nudge_id: u32 },
    /// Silence a rule for the rest of this call.
    MuteRule { rule: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    CallStarted {
        at_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_name: Option<String>,
    },
    CallEnded {
        at_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<EndReason>,
    },
    Utterance(Utterance),
    /// A stretch of speech seen in the audio, without words.
    VoiceActivity {
        speaker: Speaker,
        start_ms: Ms,
        end_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level_db: Option<f32>,
        /// Syllables per second estimated from the signal, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        syllable_rate: Option<f32>,
    },
    /// A stretch of speech still going on, as far as it has gone: audio sends one when the
    /// agent's spurt pauses (its speech up to `end_ms`), before the spurt's own `VoiceActivity`,
    /// so the rate, heat and talk share of a turn are coached without waiting for its hangover.
    /// The fields mean what they mean in `VoiceActivity`; the finished spurt is what is counted.
    /// The customer's speech so far changes nothing.
    SpeechSoFar {
        speaker: Speaker,
        start_ms: Ms,
        end_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level_db: Option<f32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        syllable_rate: Option<f32>,
    },
    /// Both sides talking at once, while it lasts (live audio sends one every 100 ms of it):
    /// the agent since `agent_start_ms`, the customer since `customer_start_ms`, both still
    /// speaking at `at_ms`. An interruption is coached while it happens, not once the turns end.
    TalkOver {
        agent_start_ms: Ms,
        customer_start_ms: Ms,
        at_ms: Ms,
    },
    HoldStarted {
        at_ms: Ms,
    },
    HoldEnded {
        at_ms: Ms,
    },
    Agent {
        at_ms: Ms,
        #[serde(flatten)]
        action: AgentAction,
    },
    /// Time passes with nothing else happening (live sources send these about once a second).
    Tick {
        at_ms: Ms,
    },
}

impl Event {
    /// When the event is known to the engine: an utterance or a voice segment is known at its end.
    pub fn at_ms(&self) -> Ms {
        match self {
            Event::CallStarted { at_ms, .. }
            | Event::CallEnded { at_ms, .. }
            | Event::HoldStarted { at_ms }
            | Event::HoldEnded { at_ms }
            | Event::Agent { at_ms, .. }
            | Event::Tick { at_ms }
            | Event::TalkOver { at_ms, .. } => *at_ms,
            Event::Utterance(u) => u.end_ms,
            Event::VoiceActivity { end_ms, .. } | Event::SpeechSoFar { end_ms, .. } => *end_ms,
        }
    }
}
