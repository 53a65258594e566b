//! Replaying a recorded call through the engine: the same path a live call takes, fed from a file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{Engine, Event, Ms, Output, Playbook};
use crate::sources::audio::AudioError;
use crate::sources::schedule::schedule;
use crate::sources::stt::{self, SttError, WhisperModel, WhisperOptions};
use crate::sources::transcript::{self, ReadError, SpeakerMap};

/// How fast a replay runs against the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// As fast as the engine goes.
    Max,
    /// This many times real time (1.0 = real time).
    Factor(f64),
}

/// Slowest and fastest speed factors: slower than this, a call's times no longer fit in a
/// duration (`1e-300` would overflow it); faster is the same as `max`.
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 1_000_000.0;

impl std::str::FromStr for Speed {
    type Err = String;

    fn from_str(s: &str) -> Result<Speed, String> {
        match s {
            "max" => Ok(Speed::Max),
            "real" => Ok(Speed::Factor(1.0)),
            other => match other.trim_end_matches('x').parse::<f64>() {
                Ok(f) if f.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&f) => {
                    Ok(Speed::Factor(f))
                }
                Ok(f) if f.is_finite() && f > 0.0 => Err(format!(
                    "speed {other:?} is out of range: give a factor from {MIN_SPEED} to {MAX_SPEED}, or max"
                )),
                _ => Err(format!(
                    "speed {other:?} is not max, real or a positive number such as 4"
                )),
            },
        }
    }
}

impl Speed {
    /// When an event at `at_ms` call time is due, counted from the replay's start; None at
    /// `max`. Saturates instead of overflowing, whatever the factor.
    pub fn due(self, at_ms: Ms) -> Option<Duration> {
        let Speed::Factor(f) = self else {
            return None;
        };
        let secs = at_ms as f64 / 1000.0 / f;
        Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
    }
}

/// Holds a replay back to its speed: waits until each event is due on the wall clock.
pub struct Pacer {
    speed: Speed,
    started: Instant,
}

impl Pacer {
    pub fn new(speed: Speed) -> Pacer {
        Pacer {
            speed,
            started: Instant::now(),
        }
    }

    /// Sleeps until an event at `at_ms` is due.
    pub fn wait(&self, at_ms: Ms) {
        if let Some(due) = self.speed.due(at_ms) {
            let elapsed = self.started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error("{path}: {source}")]
    Stt { path: PathBuf, source: SttError },
}

/// Scheduled events, in the order a live call would deliver them.
pub type Events = Box<dyn Iterator<Item = Result<Event, ReplayError>>>;

/// The events of a recorded call: a transcript (.jsonl, .vtt, .srt) or call audio (.wav, stereo:
/// left agent, right customer), scheduled as a live call would deliver them.
pub fn events(path: &Path) -> Result<Events, ReplayError> {
    events_with_words(path, None)
}

/// Whether a file is call audio (by its extension) rather than a transcript.
pub fn is_wav(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

/// As `events`, and call audio is also transcribed with `words` when given, so the engine gets
/// each spurt's words after its voice activity.
pub fn events_with_words(
    path: &Path,
    words: Option<(&WhisperModel, WhisperOptions)>,
) -> Result<Events, ReplayError> {
    if is_wav(path) {
        let audio = match words {
            Some((model, options)) => stt::transcribe_wav(path, model, options)
                .map_err(|source| ReplayError::Stt {
                    path: path.to_path_buf(),
                    source,
                })?
                .into_events(),
            None => crate::sources::audio::events_from_wav(path)?,
        };
        return Ok(Box::new(schedule(
            audio.into_iter().map(Ok::<_, ReplayError>),
            Some(1000),
        )));
    }
    let reader = transcript::open(path, &SpeakerMap::default())?;
    Ok(Box::new(
        schedule(reader, Some(1000)).map(|r| r.map_err(ReplayError::from)),
    ))
}

/// Drives a replay without saving it: feeds each event at its time and returns the outputs.
pub struct Replay {
    engine: Engine,
    pacer: Pacer,
    pub file: PathBuf,
}

impl Replay {
    pub fn new(playbook: Arc<Playbook>, file: &Path, speed: Speed) -> Replay {
        Replay {
            engine: crate::models::coach(playbook).engine(),
            pacer: Pacer::new(speed),
            file: file.to_path_buf(),
        }
    }

    /// Feeds one event, waiting first if the replay runs at a set speed.
    pub fn feed(&mut self, event: &Event) -> Vec<Output> {
        self.pacer.wait(event.at_ms());
        self.engine.feed(event)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Replays a whole file as fast as possible through the call runtime (not saved) and returns
/// every output (for tests and tools).
pub fn replay_file(path: &Path, playbook: Arc<Playbook>) -> Result<Vec<Output>, ReplayError> {
    replay_through(path, crate::call::Runtime::new(playbook, None, "replay"))
}

/// The same replay with language judged by the word rules alone.
pub fn replay_file_word_rules(
    path: &Path,
    playbook: Arc<Playbook>,
) -> Result<Vec<Output>, ReplayError> {
    replay_through(
        path,
        crate::call::Runtime::new(playbook, None, "replay").word_rules_only(),
    )
}

fn replay_through(
    path: &Path,
    mut runtime: crate::call::Runtime,
) -> Result<Vec<Output>, ReplayError> {
    let source = crate::call::Source::labelled(
        crate::sources::SourceKind::Replay,
        format!("replay:{}", path.display()),
    );
    let mut out = Vec::new();
    for event in events(path)? {
        // A transcript that feeds before its call start is refused; as a replay, skip it.
        if let Ok(fed) = runtime.feed(&source, &event?) {
            out.extend(fed.outputs);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_that_would_overflow_a_duration_are_refused_with_the_range() {
        for bad in ["1e-300", "0.0000001", "1e300"] {
            let err = bad.parse::<Speed>().unwrap_err();
            assert!(err.contains("out of range") && err.contains(bad), "{err}");
        }
        for bad in ["0", "-2", "nan", "inf", "fast"] {
            assert!(bad.parse::<Speed>().is_err(), "{bad}");
        }
        assert_eq!("4x".parse::<Speed>(), Ok(Speed::Factor(4.0)));
        // Even a factor that slipped past the parser saturates instead of panicking.
        assert_eq!(Speed::Factor(1e-300).due(u64::MAX), Some(Duration::MAX));
        assert_eq!(Speed::Max.due(5), None);
    }
}
