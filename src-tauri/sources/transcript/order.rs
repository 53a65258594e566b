//! Checks that hold for every format: time order, end after start, one call from start to end.

use crate::engine::{Event, Ms};

use super::error::{ErrorKind, Fail};
use super::time::show;

/// When an event starts: the order a transcript must follow (utterances may still overlap).
pub fn start_ms(event: &Event) -> Ms {
    match event {
        Event::Utterance(u) => u.start_ms,
        // Speech so far sorts with its spurt, so a replay hands it over before the spurt's end.
        Event::VoiceActivity { start_ms, .. } | Event::SpeechSoFar { start_ms, .. } => *start_ms,
        other => other.at_ms(),
    }
}

#[derive(Default)]
pub(crate) struct Order {
    /// Start and line of the previous event.
    prev: Option<(Ms, u64)>,
    /// Latest end of any utterance or voice segment so far, and its line.
    last_end: Option<(Ms, u64)>,
    hold_line: Option<u64>,
    end_line: Option<u64>,
}

impl Order {
    pub fn check(&mut self, event: &Event, line: u64) -> Result<(), Fail> {
        let structure = |msg: String| Fail::at(line, ErrorKind::Structure(msg));
        if let Some(end_line) = self.end_line {
            return Err(structure(format!(
                "event after the call_end on line {end_line}; call_end must be the last event"
            )));
        }
        let start = start_ms(event);
        let end = match event {
            Event::Utterance(u) => Some(u.end_ms),
            Event::VoiceActivity { end_ms, .. } => Some(*end_ms),
            _ => None,
        };
        if let Some(end) = end {
            if end < start {
                return Err(Fail::field(
                    line,
                    "end",
                    ErrorKind::EndBeforeStart {
                        start: show(start),
                        end: show(end),
                    },
                ));
            }
        }
        match event {
            Event::CallStarted { .. } => {
                if let Some((_, prev_line)) = self.prev {
                    return Err(structure(format!(
                        "call_start must be the first event, but line {prev_line} comes before it"
                    )));
                }
            }
            Event::HoldStarted { .. } => {
                if let Some(hold_line) = self.hold_line {
                    return Err(structure(format!(
                        "hold_start while already on hold since line {hold_line}; add a hold_end first"
                    )));
                }
                self.hold_line = Some(line);
            }
            Event::HoldEnded { .. } => {
                self.hold_line.take().ok_or_else(|| {
                    structure("hold_end without a hold_start before it".to_string())
                })?;
            }
            Event::CallEnded { at_ms, .. } => {
                if let Some((last_end, end_line)) = self.last_end {
                    if *at_ms < last_end {
                        return Err(Fail::field(
                            line,
                            "at",
                            ErrorKind::Structure(format!(
                                "call_end at {} is before the speech on line {end_line} ends ({})",
                                show(*at_ms),
                                show(last_end)
                            )),
                        ));
                    }
                }
                self.end_line = Some(line);
            }
            _ => {}
        }
        if let Some((prev_start, prev_line)) = self.prev {
            if start < prev_start {
                return Err(Fail::at(
                    line,
                    ErrorKind::TimeBackwards {
                        start: show(start),
                        prev_start: show(prev_start),
                        prev_line,
                    },
                ));
            }
        }
        self.prev = Some((start, line));
        if let Some(end) = end {
            if self.last_end.is_none_or(|(last, _)| end >= last) {
                self.last_end = Some((end, line));
            }
        }
        Ok(())
    }
}
