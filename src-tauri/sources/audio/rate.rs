//! Speaking rate from the signal: syllable nuclei are the voiced loudness peaks of the envelope,
//! separated by a dip (after de Jong & Wempe, 2009), counted without any speech recognition.

use super::vad::{FrameInfo, FRAME_MS};

/// Frames of the moving average that smooths the 10 ms envelope.
const SMOOTH_FRAMES: usize = 3;
/// A nucleus is voiced: vowels have few zero crossings.
const VOICED_ZCR: f32 = 0.3;
/// Peaks far below the spurt's loudest are consonants or breath, not nuclei.
const MAX_BELOW_LOUDEST_DB: f32 = 18.0;
/// Two peaks are two syllables only if the envelope dips this much between them.
const MIN_DIP_DB: f32 = 2.0;
/// Nobody says more than ~10 syllables a second.
const MIN_NUCLEUS_GAP_MS: u64 = 70;

/// Syllable nuclei in the frames of one spurt.
pub fn syllable_count(frames: &[FrameInfo]) -> u32 {
    if frames.len() < 3 {
        return 0;
    }
    let env = smooth(frames);
    let loudest = env.iter().copied().fold(f32::MIN, f32::max);
    let min_gap = (MIN_NUCLEUS_GAP_MS / FRAME_MS) as usize;
    let mut count = 0;
    let mut last: Option<(usize, f32)> = None;
    let mut valley = f32::MAX;
    for i in 1..env.len() - 1 {
        let v = env[i];
        let is_peak = v >= env[i - 1]
            && v > env[i + 1]
            && frames[i].speech
            && frames[i].zcr < VOICED_ZCR
            && v >= loudest - MAX_BELOW_LOUDEST_DB;
        if !is_peak {
            valley = valley.min(v);
            continue;
        }
        match last {
            None => {
                count += 1;
                last = Some((i, v));
            }
            Some((j, prev)) => {
                let separated = i - j >= min_gap && valley <= prev.min(v) - MIN_DIP_DB;
                if separated {
                    count += 1;
                    last = Some((i, v));
                } else if v > prev {
                    // The same nucleus, peaking higher: move it here.
                    last = Some((i, v));
                }
            }
        }
        valley = f32::MAX;
    }
    count
}

fn smooth(frames: &[FrameInfo]) -> Vec<f32> {
    let half = SMOOTH_FRAMES / 2;
    (0..frames.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(frames.len());
            frames[lo..hi].iter().map(|f| f.level_db).sum::<f32>() / (hi - lo) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `syllables` bumps of 6 dB over `seconds`, like vowels in a word stream.
    fn bumps(syllables: usize, seconds: f32) -> Vec<FrameInfo> {
        let frames = (seconds * 1000.0 / FRAME_MS as f32) as usize;
        (0..frames)
            .map(|i| {
                let phase = i as f32 / frames as f32 * syllables as f32;
                let level = -30.0 + 6.0 * (phase * std::f32::consts::PI).sin().abs();
                FrameInfo {
                    speech: true,
                    level_db: level,
                    zcr: 0.1,
                }
            })
            .collect()
    }

    #[test]
    fn counts_envelope_peaks() {
        assert_eq!(syllable_count(&bumps(8, 2.0)), 8);
        assert_eq!(syllable_count(&bumps(14, 2.0)), 14);
        // Flat signal: at most one nucleus.
        let flat = vec![
            FrameInfo {
                speech: true,
                level_db: -20.0,
                zcr: 0.1
            };
            100
        ];
        assert!(syllable_count(&flat) <= 1);
    }
}
