//! Local speech-to-text, in the app's process. The voice-activity path already finds each talk
//! spurt; a `Transcriber` keeps the channel's recent audio, hands the spurt's samples to a
//! `Recognizer` (Whisper through whisper.cpp, `whisper`) and returns an utterance with the
//! spurt's own times. Nothing leaves the machine. Models are installed by
//! `scripts/install-whisper.sh` (`models`); without one, Parley coaches on pacing (`NO_MODEL`).

pub mod call;
pub mod models;
pub mod resample;
pub mod whisper;

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::engine::{Event, Ms, Speaker, Utterance};
use crate::sources::audio::segment::MAX_SPURT_MS;

pub use call::{transcribe_wav, transcribe_wav_pair, CallWords};
pub use models::{find_model, ModelChoice};
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
}

/// Why a recognizer gave no text for a stretch of audio.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecognizeError(pub String);

/// A local recognizer: mono samples in -1..=1 at `sample_rate` to text.
pub trait Recognizer: Send {
    fn transcribe(&mut self, samples: &[f32], sample_rate: u32) -> Result<String, RecognizeError>;
}

/// One channel's audio and its recognizer.
pub struct Transcriber {
    recognizer: Box<dyn Recognizer>,
    speaker: Speaker,
    sample_rate: u32,
    keep: usize,
    audio: VecDeque<f32>,
    /// Index (from the start of capture) of `audio[0]`.
    first_sample: u64,
    scratch: Vec<f32>,
}

impl Transcriber {
    pub fn new(recognizer: Box<dyn Recognizer>, speaker: Speaker, sample_rate: u32) -> Transcriber {
        let keep = ((MAX_SPURT_MS + KEEP_EXTRA_MS) * u64::from(sample_rate) / 1000) as usize;
        Transcriber {
            recognizer,
            speaker,
            sample_rate,
            keep,
            audio: VecDeque::with_capacity(keep),
            first_sample: 0,
            scratch: Vec::new(),
        }
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
        if *speaker != self.speaker {
            return Ok(None);
        }
        let rate = u64::from(self.sample_rate);
        let (from, to) = (start_ms * rate / 1000, end_ms * rate / 1000);
        let kept_end = self.first_sample + self.audio.len() as u64;
        if from < self.first_sample || to > kept_end {
            return Ok(None);
        }
        let context = CONTEXT_MS * rate / 1000;
        let from = from.saturating_sub(context).max(self.first_sample);
        let to = (to + context).min(kept_end);
        let (a, b) = (
            (from - self.first_sample) as usize,
            (to - self.first_sample) as usize,
        );
        self.scratch.clear();
        self.scratch.extend(self.audio.range(a..b));
        let text = self
            .recognizer
            .transcribe(&self.scratch, self.sample_rate)
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
