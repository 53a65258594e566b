//! "Replay a call": a transcript file (JSONL, WebVTT, SRT) read by `sources::transcript`,
//! scheduled as a live source would deliver it (ticks included), and played on the call clock.

use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::engine::Event;
use crate::sources::schedule::schedule;
use crate::sources::transcript::{self, ReadError, SpeakerMap};

/// A tick every call-second between events, like the live sources send.
pub const TICK_MS: u64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error("transcript '{path}' has no utterances")]
    Empty { path: String },
    #[error("replay speed must be between 0.1 and 100, not {0}")]
    Speed(f64),
}

/// Reads a transcript into events in the order (and with the ticks) a live call would bring.
pub fn read(path: &Path) -> Result<Vec<Event>, ReplayError> {
    let reader = transcript::open(path, &SpeakerMap::default())?;
    let events = schedule(reader, Some(TICK_MS)).collect::<Result<Vec<Event>, ReadError>>()?;
    if !events.iter().any(|e| matches!(e, Event::Utterance(_))) {
        return Err(ReplayError::Empty {
            path: path.display().to_string(),
        });
    }
    Ok(events)
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

    fn sample(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/samples")
            .join(name)
    }

    #[test]
    fn reads_every_sample_format_with_ticks_in_time_order() {
        for name in [
            "model-call.jsonl",
            "abusive-customer.srt",
            "follow-up-promise.vtt",
        ] {
            let events = read(&sample(name)).unwrap();
            assert!(matches!(events[0], Event::CallStarted { .. }), "{name}");
            assert!(
                events.iter().any(|e| matches!(e, Event::Tick { .. })),
                "{name}"
            );
            let at: Vec<u64> = events.iter().map(Event::at_ms).collect();
            assert!(at.windows(2).all(|w| w[0] <= w[1]), "{name} out of order");
        }
    }

    #[test]
    fn refuses_bad_speeds_and_missing_files() {
        assert!(check_speed(0.0).is_err());
        assert!(check_speed(f64::NAN).is_err());
        assert_eq!(check_speed(20.0).unwrap(), 20.0);
        let err = read(Path::new("/nonexistent/call.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/call.jsonl"), "{err}");
    }
}
