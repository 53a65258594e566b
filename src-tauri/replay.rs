//! Replaying a recorded call through the engine: the same path a live call takes, fed from a file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{Engine, Event, Output, Playbook};
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

impl std::str::FromStr for Speed {
    type Err = String;

    fn from_str(s: &str) -> Result<Speed, String> {
        match s {
            "max" => Ok(Speed::Max),
            "real" => Ok(Speed::Factor(1.0)),
            other => match other.trim_end_matches('x').parse::<f64>() {
                Ok(f) if f.is_finite() && f > 0.0 => Ok(Speed::Factor(f)),
                _ => Err(format!(
                    "speed {other:?} is not max, real or a positive number such as 4"
                )),
            },
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

/// Drives a replay: feeds each event at its time and hands every output (with its event) on.
pub struct Replay {
    engine: Engine,
    speed: Speed,
    started: Instant,
    pub file: PathBuf,
}

impl Replay {
    pub fn new(playbook: Arc<Playbook>, file: &Path, speed: Speed) -> Replay {
        Replay {
            engine: Engine::new(playbook),
            speed,
            started: Instant::now(),
            file: file.to_path_buf(),
        }
    }

    /// Feeds one event, waiting first if the replay runs at a set speed.
    pub fn feed(&mut self, event: &Event) -> Vec<Output> {
        if let Speed::Factor(f) = self.speed {
            let due = Duration::from_secs_f64(event.at_ms() as f64 / 1000.0 / f);
            let elapsed = self.started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        self.engine.feed(event)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Replays a whole file as fast as possible and returns every output (for tests and tools).
pub fn replay_file(path: &Path, playbook: Arc<Playbook>) -> Result<Vec<Output>, ReplayError> {
    let mut replay = Replay::new(playbook, path, Speed::Max);
    let mut out = Vec::new();
    for event in events(path)? {
        out.extend(replay.feed(&event?));
    }
    Ok(out)
}
