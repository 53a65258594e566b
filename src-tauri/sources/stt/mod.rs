//! Local speech-to-text, in the app's process. The voice-activity path already finds each talk
//! spurt; a `Transcriber` keeps the channel's recent audio, hands the spurt's samples to a
//! `Recognizer` (Whisper through whisper.cpp, `whisper`) and returns an utterance with the
//! spurt's own times. Nothing leaves the machine. Models are installed by
//! `scripts/install-whisper.sh` (`models`); without one, Parley coaches on pacing (`NO_MODEL`).

pub mod backlog;
pub mod call;
pub mod models;
pub mod resample;
pub mod stream;
pub mod whisper;

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::engine::{Event, Ms, Speaker, Utterance};
use crate::sources::audio::segment::MAX_SPURT_MS;

pub use call::{transcribe_wav, transcribe_wav_pair, CallWords};
pub use models::{find_model, ModelChoice};
pub use stream::{LiveWords, Started, Streaming, WordsOut, WordsReport, WordsSink, WordsTap};
pub use whisper::{WhisperModel, WhisperOptions, WhisperRecognizer, Window};

/// What the app says (once) when no model is installed.
pub const NO_MODEL: &str = "no speech-to-text model installed; coaching on pacing only \
     (scripts/install-whisper.sh installs one)";

/// Audio kept per channel beyond the longest spurt, for the analysis lag.
const KEEP_EXTRA_MS: u64 = 5_000;
/// Audio handed to the recognizer on each side of a spurt, where the channel has it: the VAD cuts
/// at the first and last loud frame, and Whisper misreads words whose onset or tail is clipped
/// ("useless idiot" became "user seeded" on a cut espeak clip).
pub const CONTEXT_MS: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum SttError {
    #[error("speech-to-text model {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    #[error("speech-to-text failed on {speaker} speech at {at_ms} ms: {source}")]
    Recognize {
        speaker: &'static str,
        at_ms: Ms,
        source: RecognizeError,
    },
    #[error(transparent)]
    Audio(#[from] crate::sources::audio::AudioError),
    #[error("cannot start a speech-to-text thread: {0}")]
    Thread(std::io::Error),
    #[error("a speech-to-text thread panicked; the words of its last spurt are lost")]
    Panicked,
}

/// Why a recognizer gave no text for a stretch of audio.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecognizeError(pub String);

/// A local recognizer: mono samples in -1..=1 at `sample_rate` to text.
pub trait Recognizer: Send {
    fn transcribe(&mut self, samples: &[f32], sample_rate: u32) -> Result<String, RecognizeError>;

    /// Gets ready before the first real audio (a live call's workers call it once).
    fn warm_up(&mut self) {}

    /// A flag that, set while `transcribe` runs, makes it give up soon (it then returns an
    /// error); None when the recognizer cannot be interrupted. The live path abandons a
    /// partial this way when the turn's final arrives.
    fn interrupter(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        None
    }
}

/// One channel's recent audio, so a spurt the analyzer reports can be cut out of it.
pub struct AudioHistory {
    sample_rate: u32,
    keep: usize,
    audio: VecDeque<f32>,
    /// Index (from the start of capture) of `audio[0]`.
    first_sample: u64,
}

impl AudioHistory {
    /// Keeps the longest spurt plus `KEEP_EXTRA_MS` at `sample_rate`.
    pub fn new(sample_rate: u32) -> AudioHistory {
        let keep = ((MAX_SPURT_MS + KEEP_EXTRA_MS) * u64::from(sample_rate) / 1000) as usize;
        AudioHistory {
            sample_rate,
            keep,
            audio: VecDeque::with_capacity(keep),
            first_sample: 0,
        }
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The same samples the channel's analyzer gets, in the same order.
    pub fn push(&mut self, samples: &[f32]) {
        self.audio.extend(samples);
        let excess = self.audio.len().saturating_sub(self.keep);
        if excess > 0 {
            self.audio.drain(..excess);
            self.first_sample += excess as u64;
        }
    }

    /// Replaces `out` with the samples of `start_ms..end_ms` and up to [`CONTEXT_MS`] on each
    /// side where kept, and returns the channel's index of `out[0]`; None (and `out` empty) when
    /// part of the span is no longer (or not yet) kept.
    pub fn copy(&self, start_ms: Ms, end_ms: Ms, out: &mut Vec<f32>) -> Option<u64> {
        out.clear();
        let rate = u64::from(self.sample_rate);
        let (from, to) = (start_ms * rate / 1000, end_ms * rate / 1000);
        let kept_end = self.first_sample + self.audio.len() as u64;
        if from < self.first_sample || to > kept_end || from >= to {
            return None;
        }
        let context = CONTEXT_MS * rate / 1000;
        let from = from.saturating_sub(context).max(self.first_sample);
        let to = (to + context).min(kept_end);
        let (a, b) = (
            (from - self.first_sample) as usize,
            (to - self.first_sample) as usize,
        );
        out.extend(self.audio.range(a..b));
        Some(from)
    }

    /// Audio time pushed so far.
    pub fn position_ms(&self) -> Ms {
        (self.first_sample + self.audio.len() as u64) * 1000 / u64::from(self.sample_rate.max(1))
    }
}

/// One channel's audio and its recognizer.
pub struct Transcriber {
    recognizer: Box<dyn Recognizer>,
    speaker: Speaker,
    history: AudioHistory,
    scratch: Vec<f32>,
}

impl Transcriber {
    pub fn new(recognizer: Box<dyn Recognizer>, speaker: Speaker, sample_rate: u32) -> Transcriber {
        Transcriber {
            recognizer,
            speaker,
            history: AudioHistory::new(sample_rate),
            scratch: Vec::new(),
        }
    }

    /// The same samples the channel's analyzer gets, in the same order.
    pub fn push(&mut self, samples: &[f32]) {
        self.history.push(samples);
    }

    /// Words for a voice-activity event of this channel; None for other events, other speakers,
    /// audio no longer kept, or nothing recognised.
    pub fn utterance_for(&mut self, event: &Event) -> Result<Option<Event>, SttError> {
        let Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            ..
        } = event
        else {
            return Ok(None);
        };
        let copied = self.history.copy(*start_ms, *end_ms, &mut self.scratch);
        if *speaker != self.speaker || copied.is_none() {
            return Ok(None);
        }
        let text = self
            .recognizer
            .transcribe(&self.scratch, self.history.sample_rate())
            .map_err(|source| SttError::Recognize {
                speaker: self.speaker.as_str(),
                at_ms: *start_ms,
                source,
            })?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        Ok(Some(Event::Utterance(Utterance {
            speaker: self.speaker,
            text: text.to_string(),
            start_ms: *start_ms,
            end_ms: *end_ms,
            is_final: true,
        })))
    }
}

#[cfg(test)]
mod tests;
