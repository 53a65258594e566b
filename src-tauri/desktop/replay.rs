//! "Replay a call": a transcript file turned into engine events and played on the call clock.
//!
//! The JSONL reading here is a stopgap for `sources::transcript`, which is being written on
//! another branch; it understands the sample shape (`{"speaker","start","end","text"}` lines and
//! `{"event": "call_start" | "call_end" | "hold_start" | "hold_end", "at"}` lines, seconds).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::engine::{EndReason, Event, Ms, Speaker, Utterance};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read transcript '{path}': {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("transcript '{path}' line {line}: {reason}")]
    Line {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("transcript '{path}' has no utterances")]
    Empty { path: String },
    #[error("transcript '{path}': only .jsonl files can be replayed in this build")]
    Format { path: String },
    #[error("replay speed must be between 0.1 and 100, not {0}")]
    Speed(f64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Marker(Marker),
    Said(Said),
}

#[derive(Deserialize)]
struct Said {
    speaker: Speaker,
    start: f64,
    end: f64,
    text: String,
}

#[derive(Deserialize)]
struct Marker {
    event: String,
    at: f64,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    customer_name: Option<String>,
    #[serde(default)]
    reason: Option<EndReason>,
}

fn ms(seconds: f64) -> Ms {
    (seconds.max(0.0) * 1000.0).round() as Ms
}

/// Reads a transcript into events ordered by when the engine learns of them.
pub fn read(path: &Path) -> Result<Vec<Event>, ReplayError> {
    let shown = path.display().to_string();
    if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
        return Err(ReplayError::Format { path: shown });
    }
    let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&text, &shown)
}

/// Parses JSONL transcript text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Event>, ReplayError> {
    let mut events = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let bad = |reason: String| ReplayError::Line {
            path: origin.to_string(),
            line: i + 1,
            reason,
        };
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            bad(format!(
                "expected {{\"speaker\",\"start\",\"end\",\"text\"}} or {{\"event\",\"at\"}} ({e})"
            ))
        })?;
        events.push(match line {
            Line::Said(s) => {
                if !(s.start.is_finite() && s.end.is_finite()) || s.end < s.start {
                    return Err(bad(format!(
                        "end ({}) must not be before start ({})",
                        s.end, s.start
                    )));
                }
                Event::Utterance(Utterance {
                    speaker: s.speaker,
                    text: s.text,
                    start_ms: ms(s.start),
                    end_ms: ms(s.end),
                    is_final: true,
                })
            }
            Line::Marker(m) => {
                let at_ms = ms(m.at);
                match m.event.as_str() {
                    "call_start" => Event::CallStarted {
                        at_ms,
                        agent: m.agent,
                        customer_name: m.customer_name,
                    },
                    "call_end" => Event::CallEnded {
                        at_ms,
                        reason: m.reason,
                    },
                    "hold_start" => Event::HoldStarted { at_ms },
                    "hold_end" => Event::HoldEnded { at_ms },
                    other => return Err(bad(format!("unknown event '{other}'"))),
                }
            }
        });
    }
    if !events.iter().any(|e| matches!(e, Event::Utterance(_))) {
        return Err(ReplayError::Empty {
            path: origin.to_string(),
        });
    }
    // Stable sort: equal times keep file order, and the call start always comes first.
    events.sort_by_key(|e| match e {
        Event::CallStarted { .. } => (0, 0),
        e => (1, e.at_ms()),
    });
    if !matches!(events.first(), Some(Event::CallStarted { .. })) {
        events.insert(
            0,
            Event::CallStarted {
                at_ms: 0,
                agent: None,
                customer_name: None,
            },
        );
    }
    Ok(events)
}

/// Adds a `Tick` every `every_ms` of call time between events, as a live source would send,
/// so timing rules (dead air, long hold) fire the same in every replay of a file.
pub fn with_ticks(events: Vec<Event>, every_ms: Ms) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len() * 2);
    let mut next_tick = every_ms;
    for event in events {
        while next_tick < event.at_ms() {
            out.push(Event::Tick { at_ms: next_tick });
            next_tick += every_ms;
        }
        out.push(event);
    }
    out
}

pub fn check_speed(speed: f64) -> Result<f64, ReplayError> {
    if speed.is_finite() && (0.1..=100.0).contains(&speed) {
        Ok(speed)
    } else {
        Err(ReplayError::Speed(speed))
    }
}

/// Plays events into `send` on a call clock that started at `origin` and runs `speed` times
/// real time. Stops early when the receiver is gone.
pub async fn play<T>(
    events: Vec<Event>,
    origin: Instant,
    speed: f64,
    tx: mpsc::Sender<T>,
    wrap: impl Fn(Option<Event>) -> T,
) {
    for event in events {
        let due = origin + Duration::from_secs_f64(event.at_ms() as f64 / 1000.0 / speed);
        tokio::time::sleep_until(due).await;
        if tx.send(wrap(Some(event))).await.is_err() {
            return;
        }
    }
    // An error here means the session closed first (the app is quitting): nobody is left to tell.
    if tx.send(wrap(None)).await.is_err() {
        super::warn("replay finished after the session closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_markers_and_utterances_in_engine_order() {
        let text = r#"{"event": "call_start", "at": 0.0, "agent": "Priya"}
{"speaker": "agent", "start": 1.0, "end": 3.0, "text": "Hello"}
{"speaker": "customer", "start": 2.0, "end": 2.5, "text": "Hi"}
{"event": "hold_start", "at": 4.0}"#;
        let events = parse(text, "t.jsonl").unwrap();
        let at: Vec<Ms> = events.iter().map(Event::at_ms).collect();
        assert_eq!(at, vec![0, 2500, 3000, 4000]);
        assert!(matches!(&events[0], Event::CallStarted { agent: Some(a), .. } if a == "Priya"));
    }

    #[test]
    fn adds_a_call_start_when_missing_and_names_the_bad_line() {
        let events = parse(
            r#"{"speaker": "agent", "start": 1, "end": 2, "text": "Hi"}"#,
            "x",
        )
        .unwrap();
        assert!(matches!(events[0], Event::CallStarted { at_ms: 0, .. }));
        let err = parse(
            "{\"speaker\": \"agent\", \"start\": 1, \"end\": 2, \"text\": \"a\"}\n{oops",
            "x.jsonl",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("'x.jsonl' line 2"), "{err}");
    }

    #[test]
    fn ticks_fill_the_gaps_in_order() {
        let events = parse(
            r#"{"speaker": "agent", "start": 1, "end": 2.5, "text": "Hi"}"#,
            "t",
        )
        .unwrap();
        let at: Vec<Ms> = with_ticks(events, 1000).iter().map(Event::at_ms).collect();
        assert_eq!(at, vec![0, 1000, 2000, 2500]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_lines(text in ".{0,200}") {
            if let Ok(events) = parse(&text, "p") {
                let starts = matches!(events[0], Event::CallStarted { .. });
                proptest::prop_assert!(starts, "first event is {:?}", events[0]);
            }
        }
    }
}
