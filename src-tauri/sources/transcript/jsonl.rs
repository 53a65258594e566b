//! JSON Lines transcripts: one object per line, times in seconds.
//!
//! An utterance is `{"speaker": "agent", "start": 12.3, "end": 15.1, "text": "..."}` with an
//! optional `"final": false` for an interim result. Other lines carry an `"event"` name and, for
//! things that happen at one moment, `"at"` in seconds:
//!
//! | event | fields |
//! |---|---|
//! | `call_start` | `at` (default 0), optional `agent`, `customer_name` |
//! | `call_end` | `at`, optional `reason`: `completed`, `customer_hung_up`, `agent_ended_for_abuse`, `transferred` |
//! | `hold_start`, `hold_end` | `at` |
//! | `voice` | `speaker`, `start`, `end`, optional `level_db`, `syllable_rate` |
//! | `tick_item` | `item`, `at` |
//! | `flag_abuse` | `at` |
//! | `note` | `text`, `at` |
//! | `mute_rule` | `rule`, `at` |
//! | `dismiss_nudge` | `nudge_id`, `at` |
//! | `utterance` | same as a line without `event` |
//!
//! Unknown fields are ignored (speech-to-text output often carries confidences and ids); `null`
//! counts as missing. Blank lines and lines starting with `#` or `//` are skipped.

use serde::Deserialize;
use serde_json::Value;

use crate::engine::{AgentAction, EndReason, Event, Ms, Speaker, Utterance};

use super::error::{ErrorKind, Fail};
use super::speakers::SpeakerMap;
use super::time::seconds_to_ms;

const KNOWN_EVENTS: &str = "utterance, call_start, call_end, hold_start, hold_end, voice, \
                            tick_item, flag_abuse, note, mute_rule, dismiss_nudge";

#[derive(Deserialize)]
struct Line {
    event: Option<Value>,
    speaker: Option<Value>,
    start: Option<Value>,
    end: Option<Value>,
    at: Option<Value>,
    text: Option<Value>,
    #[serde(rename = "final")]
    is_final: Option<Value>,
    agent: Option<Value>,
    customer_name: Option<Value>,
    reason: Option<Value>,
    level_db: Option<Value>,
    syllable_rate: Option<Value>,
    item: Option<Value>,
    rule: Option<Value>,
    nudge_id: Option<Value>,
}

/// True for lines that carry no event.
pub fn is_skippable(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with("//")
}

/// One non-skippable line into an event.
pub fn parse_line(text: &str, line: u64, speakers: &SpeakerMap) -> Result<Event, Fail> {
    if !text.trim_start().starts_with('{') {
        return Err(Fail::at(line, ErrorKind::NotAnObject));
    }
    let raw: Line = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let message = match full.rsplit_once(" at line ") {
            Some((message, _)) => message.to_string(),
            None => full,
        };
        Fail::at(
            line,
            ErrorKind::MalformedJson {
                column: e.column(),
                message,
            },
        )
    })?;
    let name = match &raw.event {
        None => None,
        Some(Value::String(name)) => Some(name.as_str()),
        Some(_) => return Err(Fail::invalid(line, "event", "expected a string")),
    };
    let f = Fields {
        raw: &raw,
        line,
        needs: needs(name.unwrap_or("utterance")),
    };
    let at = || f.seconds("at", raw.at.as_ref());
    let event = match name.unwrap_or("utterance") {
        "utterance" => Event::Utterance(Utterance {
            speaker: f.speaker(speakers)?,
            text: f.string("text", raw.text.as_ref())?,
            start_ms: f.seconds("start", raw.start.as_ref())?,
            end_ms: f.seconds("end", raw.end.as_ref())?,
            is_final: match &raw.is_final {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(Fail::invalid(line, "final", "must be true or false")),
            },
        }),
        "call_start" => Event::CallStarted {
            at_ms: match raw.at {
                None => 0,
                Some(_) => at()?,
            },
            agent: f.opt_string("agent", raw.agent.as_ref())?,
            customer_name: f.opt_string("customer_name", raw.customer_name.as_ref())?,
        },
        "call_end" => Event::CallEnded {
            at_ms: at()?,
            reason: match f.opt_str("reason", raw.reason.as_ref())? {
                None => None,
                Some(reason) => Some(end_reason(reason).ok_or_else(|| {
                    Fail::invalid(
                        line,
                        "reason",
                        format!(
                            "unknown reason \"{reason}\"; expected completed, customer_hung_up, \
                             agent_ended_for_abuse or transferred"
                        ),
                    )
                })?),
            },
        },
        "hold_start" => Event::HoldStarted { at_ms: at()? },
        "hold_end" => Event::HoldEnded { at_ms: at()? },
        "voice" => Event::VoiceActivity {
            speaker: f.speaker(speakers)?,
            start_ms: f.seconds("start", raw.start.as_ref())?,
            end_ms: f.seconds("end", raw.end.as_ref())?,
            level_db: f.opt_number("level_db", raw.level_db.as_ref(), -200.0..=60.0)?,
            syllable_rate: f.opt_number("syllable_rate", raw.syllable_rate.as_ref(), 0.0..=50.0)?,
        },
        "tick_item" => agent(
            at()?,
            AgentAction::TickItem {
                item: f.name("item", raw.item.as_ref())?,
            },
        ),
        "flag_abuse" => agent(at()?, AgentAction::FlagAbuse),
        "note" => agent(
            at()?,
            AgentAction::AddNote {
                text: f.string("text", raw.text.as_ref())?,
            },
        ),
        "mute_rule" => agent(
            at()?,
            AgentAction::MuteRule {
                rule: f.name("rule", raw.rule.as_ref())?,
            },
        ),
        "dismiss_nudge" => agent(
            at()?,
            AgentAction::DismissNudge {
                nudge_id: f.nudge_id()?,
            },
        ),
        other => {
            return Err(Fail::field(
                line,
                "event",
                ErrorKind::UnknownEvent {
                    name: other.to_string(),
                    known: KNOWN_EVENTS,
                },
            ))
        }
    };
    Ok(event)
}

/// What a line of each kind must carry, for "missing field" messages.
fn needs(event: &str) -> &'static str {
    match event {
        "utterance" => "an utterance needs speaker, start, end and text",
        "voice" => "a voice line needs speaker, start and end",
        "tick_item" => "a tick_item line needs item and at",
        "note" => "a note line needs text and at",
        "mute_rule" => "a mute_rule line needs rule and at",
        "dismiss_nudge" => "a dismiss_nudge line needs nudge_id and at",
        _ => "this event needs at (seconds from the call start)",
    }
}

fn agent(at_ms: Ms, action: AgentAction) -> Event {
    Event::Agent { at_ms, action }
}

fn end_reason(name: &str) -> Option<EndReason> {
    Some(match name {
        "completed" => EndReason::Completed,
        "customer_hung_up" => EndReason::CustomerHungUp,
        "agent_ended_for_abuse" => EndReason::AgentEndedForAbuse,
        "transferred" => EndReason::Transferred,
        _ => return None,
    })
}

/// Typed access to a line's fields, each failure naming the field.
struct Fields<'a> {
    raw: &'a Line,
    line: u64,
    needs: &'static str,
}

impl<'a> Fields<'a> {
    fn required<'v>(&self, field: &'static str, v: Option<&'v Value>) -> Result<&'v Value, Fail> {
        v.ok_or_else(|| {
            Fail::field(
                self.line,
                field,
                ErrorKind::MissingField { needs: self.needs },
            )
        })
    }

    fn seconds(&self, field: &'static str, v: Option<&Value>) -> Result<Ms, Fail> {
        let seconds = self
            .required(field, v)?
            .as_f64()
            .ok_or_else(|| Fail::invalid(self.line, field, "expected a number of seconds"))?;
        seconds_to_ms(seconds).map_err(|reason| Fail::invalid(self.line, field, reason))
    }

    fn opt_str<'v>(
        &self,
        field: &'static str,
        v: Option<&'v Value>,
    ) -> Result<Option<&'v str>, Fail> {
        match v {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Fail::invalid(self.line, field, "expected a string")),
        }
    }

    fn opt_string(&self, field: &'static str, v: Option<&Value>) -> Result<Option<String>, Fail> {
        Ok(self.opt_str(field, v)?.map(str::to_string))
    }

    fn string(&self, field: &'static str, v: Option<&Value>) -> Result<String, Fail> {
        let v = self.required(field, v)?;
        Ok(self
            .opt_str(field, Some(v))?
            .unwrap_or_default()
            .to_string())
    }

    /// A non-empty identifier such as a checklist item or rule id.
    fn name(&self, field: &'static str, v: Option<&Value>) -> Result<String, Fail> {
        let s = self.string(field, v)?;
        if s.trim().is_empty() {
            return Err(Fail::invalid(self.line, field, "must not be empty"));
        }
        Ok(s)
    }

    fn speaker(&self, speakers: &SpeakerMap) -> Result<Speaker, Fail> {
        let name = self.string("speaker", self.raw.speaker.as_ref())?;
        speakers
            .resolve(&name)
            .ok_or_else(|| Fail::field(self.line, "speaker", ErrorKind::UnknownSpeaker { name }))
    }

    fn opt_number(
        &self,
        field: &'static str,
        v: Option<&Value>,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Option<f32>, Fail> {
        let Some(v) = v else { return Ok(None) };
        let n = v
            .as_f64()
            .ok_or_else(|| Fail::invalid(self.line, field, "expected a number"))?;
        if !range.contains(&n) {
            return Err(Fail::invalid(
                self.line,
                field,
                format!("{n} is outside {} to {}", range.start(), range.end()),
            ));
        }
        Ok(Some(n as f32))
    }

    fn nudge_id(&self) -> Result<u32, Fail> {
        self.required("nudge_id", self.raw.nudge_id.as_ref())?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| Fail::invalid(self.line, "nudge_id", "expected a whole number"))
    }
}
