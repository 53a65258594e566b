//! Call audio without speech-to-text: per channel, voice activity (talk spurts), loudness and a
//! speaking-rate estimate, as the engine's `VoiceActivity` events. Talk share, interruptions,
//! monologues, dead air, speaking fast and heat then work from audio alone.
//!
//! `level_db` is the spurt's mean level in dBFS; the engine compares it with the speaker's own
//! baseline over the call (`heat_baseline_segments` in the playbook), so a quiet microphone and a
//! loud line are each judged against themselves.

mod analyzer;
pub mod autocall;
pub mod bleed;
pub mod capture;
pub mod live;
pub mod rate;
pub mod segment;
pub mod talk_over;
pub mod vad;
pub mod wav;

use std::path::{Path, PathBuf};

pub use analyzer::ChannelAnalyzer;
pub use vad::{EnergyVad, FrameInfo, VoiceDetector};

use crate::engine::{Event, Ms, Speaker};

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot open WAV {path}: {source}")]
    Open { path: PathBuf, source: hound::Error },
    #[error("cannot read WAV {path}: {source}")]
    Read { path: PathBuf, source: hound::Error },
    #[error(
        "{0} is mono: give a stereo file (left agent, right customer) or two mono files (agent, customer)"
    )]
    Mono(PathBuf),
}

/// A whole call from a stereo WAV (left channel agent, right channel customer): call start,
/// voice activity, a tick every second and the call end, in the order the engine learns them.
pub fn events_from_wav(path: &Path) -> Result<Vec<Event>, AudioError> {
    let (voice, duration) = wav::analyze_stereo(path)?;
    Ok(call_events(voice, duration))
}

/// A whole call from two mono WAVs, one per speaker; they need not share a sample rate.
pub fn events_from_wav_pair(agent: &Path, customer: &Path) -> Result<Vec<Event>, AudioError> {
    let (mut voice, a) = wav::analyze_mono(agent, Speaker::Agent)?;
    let (more, c) = wav::analyze_mono(customer, Speaker::Customer)?;
    voice.extend(more);
    Ok(call_events(voice, a.max(c)))
}

/// Only the voice-activity events of a stereo WAV, and its length in ms.
pub fn voice_activity_from_wav(path: &Path) -> Result<(Vec<Event>, Ms), AudioError> {
    wav::analyze_stereo(path)
}

/// The call as a live source would deliver it: the transcript replay's scheduler, fed in start
/// order, puts each segment at its end, the talk-overs live capture reports while both speak,
/// and a tick every second between.
pub fn call_events(mut voice: Vec<Event>, duration_ms: Ms) -> Vec<Event> {
    let talk_over = talk_over::from_spurts(&voice);
    voice.extend(talk_over);
    voice.sort_by_key(crate::sources::transcript::start_ms);
    voice.push(Event::CallEnded {
        at_ms: duration_ms,
        reason: None,
    });
    let input = voice.into_iter().map(Ok::<Event, std::convert::Infallible>);
    crate::sources::schedule::schedule(input, Some(TICK_MS))
        .filter_map(Result::ok)
        .collect()
}

/// Ticks between voice events, so silence is coached as it would be live.
const TICK_MS: u64 = 1000;
