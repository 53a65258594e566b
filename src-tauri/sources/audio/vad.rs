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
/// Until the floor has first met the line's quiet (a frame below it), it rises this fast: it
/// starts at a guess, and a call that opens on a noisy line would otherwise read as speech for
/// a minute or more. Any pause in speech meets it, so speech at the start is not learnt.
const FLOOR_RISE_UNSETTLED_DB_PER_S: f32 = 20.0;
/// Hiss-like frames (many zero crossings) need this much more level to count as speech.
const NOISY_ZCR: f32 = 0.45;
const NOISY_EXTRA_DB: f32 = 10.0;

/// On a noisy line speech stands less far above the noise than on a quiet one, and the noise
/// is itself hiss-like: from this floor up, the margin shrinks towards `NOISY_LINE_MARGIN_DB`
/// and the hiss rule fades out, both reached at `NOISY_LINE_FLOOR_DB`.
const QUIET_LINE_FLOOR_DB: f32 = -55.0;
const NOISY_LINE_FLOOR_DB: f32 = -35.0;
const NOISY_LINE_MARGIN_DB: f32 = 8.0;

/// The margin over the floor, and the extra a hiss-like frame needs.
fn margins_db(floor_db: f32) -> (f32, f32) {
    let t = ((floor_db - QUIET_LINE_FLOOR_DB) / (NOISY_LINE_FLOOR_DB - QUIET_LINE_FLOOR_DB))
        .clamp(0.0, 1.0);
    (
        SPEECH_MARGIN_DB + t * (NOISY_LINE_MARGIN_DB - SPEECH_MARGIN_DB),
        (1.0 - t) * NOISY_EXTRA_DB,
    )
}

/// Energy + zero-crossing detector with an adaptive noise floor.
#[derive(Debug, Clone)]
pub struct EnergyVad {
    floor_db: f32,
    /// The floor has met the signal's quiet at least once.
    settled: bool,
}

fn per_frame(db_per_s: f32) -> f32 {
    db_per_s * FRAME_MS as f32 / 1000.0
}

impl Default for EnergyVad {
    fn default() -> Self {
        EnergyVad {
            floor_db: FLOOR_MIN_DB,
            settled: false,
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
            self.settled = true;
        } else if self.settled {
            self.floor_db += per_frame(FLOOR_RISE_DB_PER_S);
        } else {
            self.floor_db += per_frame(FLOOR_RISE_UNSETTLED_DB_PER_S);
        }
        let (margin, hiss_extra) = margins_db(self.floor_db);
        let extra = if zcr > NOISY_ZCR { hiss_extra } else { 0.0 };
        let threshold = (self.floor_db + margin + extra).max(ABSOLUTE_SPEECH_MIN_DB);
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

    /// White line noise (a deterministic pseudo-random signal), about `amplitude` / 2 RMS.
    fn noise(amplitude: f32, n: usize, seed: &mut u32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let u = (*seed >> 8) as f32 / (1u32 << 24) as f32;
                amplitude * 1.7 * (u - 0.5)
            })
            .collect()
    }

    #[test]
    fn a_call_that_opens_on_a_noisy_line_learns_it_within_seconds() {
        let mut vad = EnergyVad::default();
        let mut seed = 7;
        let mut heard = Vec::new();
        // Four seconds of line noise at about -37 dBFS, nothing else.
        for _ in 0..400 {
            heard.push(vad.frame(&noise(0.03, 160, &mut seed)).speech);
        }
        let late = heard[250..].iter().filter(|s| **s).count();
        assert_eq!(
            late,
            0,
            "still speech after 2.5 s, floor {}",
            vad.noise_floor_db()
        );
        // Speech well above it is still speech, and once learnt the floor moves slowly again.
        assert!(vad.frame(&tone(0.3, 160)).speech);
        let before = vad.noise_floor_db();
        for _ in 0..100 {
            vad.frame(&tone(0.3, 160));
        }
        assert!(
            vad.noise_floor_db() - before <= 0.6,
            "{before} -> {}",
            vad.noise_floor_db()
        );
    }

    #[test]
    fn speech_at_the_start_of_a_clean_line_is_not_learnt_as_noise() {
        let mut vad = EnergyVad::default();
        // Words with short silent gaps: each gap meets the floor, which stays put.
        let mut speech = 0;
        for i in 0..300 {
            let frame = if i % 30 < 25 {
                tone(0.1, 160)
            } else {
                vec![0.0; 160]
            };
            speech += usize::from(vad.frame(&frame).speech);
        }
        assert_eq!(speech, 250, "floor {}", vad.noise_floor_db());
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
