//! The wire format of the live endpoint: what a phone platform or a speech-to-text engine sends,
//! how it is checked, and what the server sends back. Times are integer milliseconds from call
//! start, the same unit as `engine::Event`.

use serde::{Deserialize, Serialize};

use crate::engine::{AgentAction, EndReason, Event, Ms, Speaker, Utterance};

/// Longest utterance text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;
/// Longest name (agent, customer) accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Latest time accepted in a call: 12 hours.
pub const MAX_CALL_MS: Ms = 12 * 3600 * 1000;
/// Longest single utterance or voice segment: 10 minutes.
pub const MAX_SEGMENT_MS: Ms = 10 * 60 * 1000;
/// Loudness outside this range (dB) is a broken sender, not a loud customer.
const LEVEL_DB_RANGE: std::ops::RangeInclusive<f32> = -200.0..=200.0;
/// Syllables per second beyond this are not human speech.
const MAX_SYLLABLE_RATE: f32 = 30.0;

/// One message from a client, with an optional sequence number echoed in error frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(flatten)]
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    CallStart {
        #[serde(default)]
        at_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_name: Option<String>,
    },
    CallEnd {
        at_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<EndReason>,
    },
    /// An interim result that may still change.
    Partial(Speech),
    /// A final utterance: the engine coaches on these.
    Final(Speech),
    HoldStart {
        at_ms: Ms,
    },
    HoldEnd {
        at_ms: Ms,
    },
    Agent {
        at_ms: Ms,
        #[serde(flatten)]
        action: AgentAction,
    },
    VoiceActivity {
        speaker: Speaker,
        start_ms: Ms,
        end_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level_db: Option<f32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        syllable_rate: Option<f32>,
    },
    /// Speech still going on, as far as it has gone (see `Event::SpeechSoFar`).
    SpeechSoFar {
        speaker: Speaker,
        start_ms: Ms,
        end_ms: Ms,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level_db: Option<f32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        syllable_rate: Option<f32>,
    },
    /// Both sides talking at once, still going at `at_ms` (see `Event::TalkOver`).
    TalkOver {
        agent_start_ms: Ms,
        customer_start_ms: Ms,
        at_ms: Ms,
    },
    Tick {
        at_ms: Ms,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speech {
    pub speaker: Speaker,
    pub start_ms: Ms,
    pub end_ms: Ms,
    pub text: String,
}

/// Why a message was refused; the text goes back to the client in an error frame.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    #[error("message is not valid JSON for this endpoint: {0}")]
    Json(String),
    #[error("`{field}` {reason}")]
    Field { field: &'static str, reason: String },
}

fn field(field: &'static str, reason: impl Into<String>) -> MessageError {
    MessageError::Field {
        field,
        reason: reason.into(),
    }
}

/// Parses and checks one message.
pub fn parse(text: &str) -> Result<Inbound, MessageError> {
    let inbound: Inbound =
        serde_json::from_str(text).map_err(|e| MessageError::Json(e.to_string()))?;
    inbound.message.validate()?;
    Ok(inbound)
}

impl Message {
    pub fn validate(&self) -> Result<(), MessageError> {
        match self {
            Message::CallStart {
                at_ms,
                agent,
                customer_name,
            } => {
                check_time("at_ms", *at_ms)?;
                check_name("agent", agent.as_deref())?;
                check_name("customer_name", customer_name.as_deref())
            }
            Message::CallEnd { at_ms, .. }
            | Message::HoldStart { at_ms }
            | Message::HoldEnd { at_ms }
            | Message::Tick { at_ms } => check_time("at_ms", *at_ms),
            Message::Agent { at_ms, action } => {
                check_time("at_ms", *at_ms)?;
                check_action(action)
            }
            Message::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            } => {
                check_time("at_ms", *at_ms)?;
                for (name, start) in [
                    ("agent_start_ms", *agent_start_ms),
                    ("customer_start_ms", *customer_start_ms),
                ] {
                    if start > *at_ms {
                        return Err(field(name, format!("{start} is after at_ms {at_ms}")));
                    }
                    if *at_ms - start > MAX_SEGMENT_MS {
                        return Err(field(
                            name,
                            format!("{start} is more than 10 minutes before at_ms {at_ms}"),
                        ));
                    }
                }
                Ok(())
            }
            Message::Partial(s) => check_span(s.start_ms, s.end_ms).and(check_text(&s.text, true)),
            Message::Final(s) => check_span(s.start_ms, s.end_ms).and(check_text(&s.text, false)),
            Message::VoiceActivity {
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
                ..
            }
            | Message::SpeechSoFar {
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
                ..
            } => {
                check_span(*start_ms, *end_ms)?;
                if let Some(db) = level_db {
                    if !db.is_finite() || !LEVEL_DB_RANGE.contains(db) {
                        return Err(field("level_db", format!("{db} is outside -200..=200")));
                    }
                }
                if let Some(rate) = syllable_rate {
                    if !rate.is_finite() || *rate < 0.0 || *rate > MAX_SYLLABLE_RATE {
                        return Err(field(
                            "syllable_rate",
                            format!("{rate} is outside 0..={MAX_SYLLABLE_RATE}"),
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    pub fn into_event(self) -> Event {
        match self {
            Message::CallStart {
                at_ms,
                agent,
                customer_name,
            } => Event::CallStarted {
                at_ms,
                agent,
                customer_name,
            },
            Message::CallEnd { at_ms, reason } => Event::CallEnded { at_ms, reason },
            Message::Partial(s) => Event::Utterance(s.into_utterance(false)),
            Message::Final(s) => Event::Utterance(s.into_utterance(true)),
            Message::HoldStart { at_ms } => Event::HoldStarted { at_ms },
            Message::HoldEnd { at_ms } => Event::HoldEnded { at_ms },
            Message::Agent { at_ms, action } => Event::Agent { at_ms, action },
            Message::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => Event::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            },
            Message::SpeechSoFar {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => Event::SpeechSoFar {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            },
            Message::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            } => Event::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            },
            Message::Tick { at_ms } => Event::Tick { at_ms },
        }
    }

    /// The wire form of an engine event (used by `parley send` and tests).
    pub fn from_event(event: &Event) -> Message {
        match event.clone() {
            Event::CallStarted {
                at_ms,
                agent,
                customer_name,
            } => Message::CallStart {
                at_ms,
                agent,
                customer_name,
            },
            Event::CallEnded { at_ms, reason } => Message::CallEnd { at_ms, reason },
            Event::Utterance(u) => {
                let speech = Speech {
                    speaker: u.speaker,
                    start_ms: u.start_ms,
                    end_ms: u.end_ms,
                    text: u.text,
                };
                if u.is_final {
                    Message::Final(speech)
                } else {
                    Message::Partial(speech)
                }
            }
            Event::HoldStarted { at_ms } => Message::HoldStart { at_ms },
            Event::HoldEnded { at_ms } => Message::HoldEnd { at_ms },
            Event::Agent { at_ms, action } => Message::Agent { at_ms, action },
            Event::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => Message::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            },
            Event::SpeechSoFar {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => Message::SpeechSoFar {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            },
            Event::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            } => Message::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            },
            Event::Tick { at_ms } => Message::Tick { at_ms },
        }
    }
}

impl Speech {
    fn into_utterance(self, is_final: bool) -> Utterance {
        Utterance {
            speaker: self.speaker,
            text: self.text,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            is_final,
        }
    }
}

fn check_time(name: &'static str, ms: Ms) -> Result<(), MessageError> {
    if ms > MAX_CALL_MS {
        return Err(field(
            name,
            format!("{ms} ms is past the 12 h limit of a call"),
        ));
    }
    Ok(())
}

fn check_span(start_ms: Ms, end_ms: Ms) -> Result<(), MessageError> {
    check_time("start_ms", start_ms)?;
    check_time("end_ms", end_ms)?;
    if end_ms < start_ms {
        return Err(field(
            "end_ms",
            format!("{end_ms} is before start_ms {start_ms}"),
        ));
    }
    if end_ms - start_ms > MAX_SEGMENT_MS {
        return Err(field(
            "end_ms",
            format!(
                "segment of {} ms is longer than 10 minutes",
                end_ms - start_ms
            ),
        ));
    }
    Ok(())
}

fn check_text(text: &str, may_be_empty: bool) -> Result<(), MessageError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(field(
            "text",
            format!(
                "{} bytes is over the {MAX_TEXT_BYTES} byte limit",
                text.len()
            ),
        ));
    }
    if !may_be_empty && text.trim().is_empty() {
        return Err(field("text", "is empty in a final utterance"));
    }
    Ok(())
}

fn check_name(name: &'static str, value: Option<&str>) -> Result<(), MessageError> {
    match value {
        Some(v) if v.len() > MAX_NAME_BYTES => Err(field(
            name,
            format!("{} bytes is over the {MAX_NAME_BYTES} byte limit", v.len()),
        )),
        _ => Ok(()),
    }
}

fn check_action(action: &AgentAction) -> Result<(), MessageError> {
    match action {
        AgentAction::AddNote { text } => check_text(text, false),
        AgentAction::TickItem { item } => check_name("item", Some(item)),
        AgentAction::MuteRule { rule } => check_name("rule", Some(rule)),
        AgentAction::FlagAbuse | AgentAction::DismissNudge { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests;
