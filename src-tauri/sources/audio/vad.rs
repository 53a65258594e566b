//! Voice-activity detection per 10 ms frame. Behind a trait so a different detector (a crate or a
//! model) can replace the energy detector without touching segmentation, loudness or rate.

/// Frame length used everywhere in the audio path.
pub const FRAME_MS: u64 = 10;

/// A level below any real signal, used for digital silence.
pub const SILENCE_DB: f32 = -120.0;

/// What a detector says about one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameInfo {
    pub speech: bool,
    /// RMS level in dB full scale.
    pub level_db: f32,
    /// Zero crossings per sample, 0..=1 (low for vowels, high for hiss and fricatives).
    pub zcr: f32,
}

pub trait VoiceDetector: Send {
    /// Classifies one frame of mono samples in -1..=1.
    fn frame(&mut self, samples: &[f32]) -> FrameInfo;
}

/// RMS level (dBFS) and zero-crossing rate of a frame.
pub fn features(samples: &[f32]) -> (f32, f32) {
    if samples.is_empty() {
        return (SILENCE_DB, 0.0);
    }
    // A broken source (NaN, infinities, out-of-range floats) reads as silence or full scale,
    // never as a level the engine cannot compare.
    let clean = |s: f32| {
        if s.is_finite() {
            s.clamp(-1.0, 1.0)
        } else {
            0.0
        }
    };
    let power = samples.iter().map(|s| clean(*s) * clean(*s)).sum::<f32>() / samples.len() as f32;
    let level = if power > 0.0 {
        (10.0 * power.log10()).max(SILENCE_DB)
    } else {
        SILENCE_DB
    };
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
        .count();
    (level, crossings as f32 / samples.len() as f32)
}

/// Speech must stand this far above the noise floor.
const SPEECH_MARGIN_DB: f32 = 15.0;
/// Nothing quieter than this is speech, whatever the floor (a silent line is not a quiet voice).
const ABSOLUTE_SPEECH_MIN_DB: f32 = -50.0;
/// The floor never goes below this, so digital silence does not make every click speech.
const FLOOR_MIN_DB: f32 = -70.0;
/// The floor rises this fast (dB per second) when the signal stays above it: background noise
/// that grows is learnt within seconds, while a sentence barely moves it.
const FLOOR_RISE_DB_PER_S: f32 = 0.5;
/// Hiss-like frames (many zero crossings) need this much more level to count as speech.
const NOISY_ZCR: f32 = 0.45;
const NOISY_EXTRA_DB: f32 = 10.0;

/// Energy + zero-crossing detector with an adaptive noise floor.
#[derive(Debug, Clone)]
pub struct EnergyVad {
    floor_db: f32,
    rise_per_frame: f32,
}

impl Default for EnergyVad {
    fn default() -> Self {
        EnergyVad {
            floor_db: FLOOR_MIN_DB,
            rise_per_frame: FLOOR_RISE_DB_PER_S * FRAME_MS as f32 / 1000.0,
        }
    }
}

impl EnergyVad {
    pub fn noise_floor_db(&self) -> f32 {
        self.floor_db
    }
}

impl VoiceDetector for EnergyVad {
    fn frame(&mut self, samples: &[f32]) -> FrameInfo {
        let (level_db, zcr) = features(samples);
        if level_db < self.floor_db {
            self.floor_db = level_db.max(FLOOR_MIN_DB);
        } else {
            self.floor_db += self.rise_per_frame;
        }
        let extra = if zcr > NOISY_ZCR { NOISY_EXTRA_DB } else { 0.0 };
        let threshold = (self.floor_db + SPEECH_MARGIN_DB + extra).max(ABSOLUTE_SPEECH_MIN_DB);
        FrameInfo {
            speech: level_db >= threshold,
            level_db,
            zcr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(amplitude: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 200.0 / 16_000.0).sin())
            .collect()
    }

    #[test]
    fn tone_is_speech_silence_is_not() {
        let mut vad = EnergyVad::default();
        assert!(!vad.frame(&[0.0; 160]).speech);
        let f = vad.frame(&tone(0.3, 160));
        assert!(f.speech, "{f:?}");
        assert!((f.level_db - (-13.5)).abs() < 0.5, "{f:?}");
        assert!(!vad.frame(&tone(0.001, 160)).speech);
    }

    #[test]
    fn steady_noise_is_learnt() {
        let mut vad = EnergyVad::default();
        let hum = tone(0.02, 160);
        let mut speech_frames = 0;
        for _ in 0..5_000 {
            speech_frames += usize::from(vad.frame(&hum).speech);
        }
        // A hum at -37 dBFS reads as speech at first, then the floor learns it.
        assert!(!vad.frame(&hum).speech, "floor {}", vad.noise_floor_db());
        assert!(speech_frames < 5_000);
    }
}
