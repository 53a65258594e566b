//! A minimal JSONL transcript reader for `parley send`: utterance lines
//! `{"speaker","start","end","text"}` and event lines `{"event":"call_start","at":0.0,...}`, times
//! in seconds. To be replaced by the full transcript readers in `sources::transcript`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::{EndReason, Event, Ms, Speaker, Utterance};

#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Line {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Event(EventLine),
    Speech {
        speaker: Speaker,
        start: f64,
        end: f64,
        text: String,
    },
}

#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum EventLine {
    CallStart {
        #[serde(default)]
        at: f64,
        agent: Option<String>,
        customer_name: Option<String>,
    },
    CallEnd {
        at: f64,
        reason: Option<EndReason>,
    },
    HoldStart {
        at: f64,
    },
    HoldEnd {
        at: f64,
    },
}

/// Reads a transcript file into events ordered by the time each becomes known.
pub fn read_jsonl(path: &Path) -> Result<Vec<Event>, JsonlError> {
    let text = std::fs::read_to_string(path).map_err(|source| JsonlError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut events = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let err = |reason: String| JsonlError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            reason,
        };
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            err(format!(
                "expected {{\"speaker\",\"start\",\"end\",\"text\"}} or {{\"event\",\"at\"}}: {e}"
            ))
        })?;
        events.push(to_event(line).map_err(err)?);
    }
    events.sort_by_key(Event::at_ms);
    Ok(events)
}

fn ms(field: &str, seconds: f64) -> Result<Ms, String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!(
            "`{field}` must be a non-negative number of seconds"
        ));
    }
    Ok((seconds * 1000.0).round() as Ms)
}

fn to_event(line: Line) -> Result<Event, String> {
    Ok(match line {
        Line::Speech {
            speaker,
            start,
            end,
            text,
        } => {
            let (start_ms, end_ms) = (ms("start", start)?, ms("end", end)?);
            if end_ms < start_ms {
                return Err("`end` is before `start`".into());
            }
            Event::Utterance(Utterance {
                speaker,
                text,
                start_ms,
                end_ms,
                is_final: true,
            })
        }
        Line::Event(EventLine::CallStart {
            at,
            agent,
            customer_name,
        }) => Event::CallStarted {
            at_ms: ms("at", at)?,
            agent,
            customer_name,
        },
        Line::Event(EventLine::CallEnd { at, reason }) => Event::CallEnded {
            at_ms: ms("at", at)?,
            reason,
        },
        Line::Event(EventLine::HoldStart { at }) => Event::HoldStarted {
            at_ms: ms("at", at)?,
        },
        Line::Event(EventLine::HoldEnd { at }) => Event::HoldEnded {
            at_ms: ms("at", at)?,
        },
    })
}

/// The call as sent: a start and an end around it, and a tick every second between events so
/// silence is coached the same way at any speed.
pub fn with_ticks(mut events: Vec<Event>) -> Vec<Event> {
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
    let end = events.iter().map(Event::at_ms).max().unwrap_or(0);
    if !events.iter().any(|e| matches!(e, Event::CallEnded { .. })) {
        events.push(Event::CallEnded {
            at_ms: end,
            reason: None,
        });
    }
    let ticks = (1..=end / 1000).map(|s| Event::Tick { at_ms: s * 1000 });
    let mut all: Vec<Event> = events.into_iter().chain(ticks).collect();
    // Stable: at the same time the call's own events go before the tick, and the end goes last.
    all.sort_by_key(|e| (e.at_ms(), matches!(e, Event::CallEnded { .. })));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sample_shape_and_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.jsonl");
        std::fs::write(
            &path,
            "{\"event\": \"call_start\", \"at\": 0.0}\n\n\
             {\"speaker\": \"customer\", \"start\": 1.0, \"end\": 2.5, \"text\": \"hi\"}\n\
             {\"speaker\": \"agent\", \"start\": 0.5, \"end\": 1.2, \"text\": \"hello\"}\n",
        )
        .unwrap();
        let events = read_jsonl(&path).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[1].at_ms(), 1200);
        assert_eq!(events[2].at_ms(), 2500);

        std::fs::write(&path, "{\"speaker\": \"agent\", \"start\": 2}\n").unwrap();
        let e = read_jsonl(&path).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
