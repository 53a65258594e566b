//! Whisper hears 16 kHz. Phone audio comes at 8 kHz, files at 22.05, 44.1 or 48 kHz: each spurt is
//! converted with rubato's FFT resampler (band-limited, so 44.1 kHz speech does not alias into the
//! band Whisper listens to), one resampler kept per input rate.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// The rate Whisper's features are computed at.
pub const WHISPER_RATE: u32 = 16_000;
/// FFT chunk the resampler works in (input frames, rounded by rubato to fit the ratio).
const CHUNK: usize = 1024;

#[derive(Debug, thiserror::Error)]
#[error("cannot resample {from} Hz audio to 16 kHz: {reason}")]
pub struct ResampleError {
    pub from: u32,
    pub reason: String,
}

/// Converts mono clips to 16 kHz.
#[derive(Default)]
pub struct To16k {
    resampler: Option<(u32, Fft<f32>)>,
}

impl To16k {
    /// The clip at 16 kHz, written into `out` (cleared first). 16 kHz input is copied as is.
    pub fn convert(
        &mut self,
        samples: &[f32],
        rate: u32,
        out: &mut Vec<f32>,
    ) -> Result<(), ResampleError> {
        out.clear();
        let err = |reason: String| ResampleError { from: rate, reason };
        if rate == 0 {
            return Err(err("the sample rate is 0".into()));
        }
        if rate == WHISPER_RATE || samples.is_empty() {
            out.extend_from_slice(samples);
            return Ok(());
        }
        let resampler = match &mut self.resampler {
            Some((r, resampler)) if *r == rate => resampler,
            slot => {
                let made = Fft::<f32>::new(
                    rate as usize,
                    WHISPER_RATE as usize,
                    CHUNK,
                    1,
                    FixedSync::Both,
                )
                .map_err(|e| err(e.to_string()))?;
                &mut slot.insert((rate, made)).1
            }
        };
        let input =
            InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| err(e.to_string()))?;
        let resampled = resampler
            .process_all(&input, samples.len(), None)
            .map_err(|e| err(e.to_string()))?;
        out.extend(resampled.take_data());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.5 * (i as f32 * 2.0 * std::f32::consts::PI * hz / rate as f32).sin())
            .collect()
    }

    /// Power of a single frequency (Goertzel), relative to the signal's own power.
    fn share_at(samples: &[f32], rate: u32, hz: f32) -> f32 {
        let w = 2.0 * std::f32::consts::PI * hz / rate as f32;
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &x in samples {
            let s = x + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
        let total: f32 = samples.iter().map(|x| x * x).sum();
        power / (total * samples.len() as f32 / 2.0)
    }

    #[test]
    fn phone_and_cd_rates_become_16k_with_the_tone_kept() {
        let mut r = To16k::default();
        let mut out = Vec::new();
        for rate in [8_000, 22_050, 44_100, 48_000] {
            r.convert(&tone(rate, 440.0, 1.0), rate, &mut out).unwrap();
            assert!(out.len().abs_diff(16_000) <= 2, "{rate}: {}", out.len());
            let share = share_at(&out[1000..15000], WHISPER_RATE, 440.0);
            assert!(share > 0.9, "{rate}: 440 Hz share {share}");
        }
    }

    #[test]
    fn tones_above_8k_do_not_fold_into_the_band() {
        // 11 kHz at 44.1 kHz would alias to 5 kHz if decimated without a filter.
        let mut out = Vec::new();
        To16k::default()
            .convert(&tone(44_100, 11_000.0, 1.0), 44_100, &mut out)
            .unwrap();
        let rms = (out.iter().map(|x| x * x).sum::<f32>() / out.len() as f32).sqrt();
        assert!(rms < 0.01, "rms {rms}");
    }

    #[test]
    fn sixteen_k_passes_and_zero_rate_is_refused() {
        let mut r = To16k::default();
        let mut out = Vec::new();
        r.convert(&[0.1, 0.2], WHISPER_RATE, &mut out).unwrap();
        assert_eq!(out, vec![0.1, 0.2]);
        let e = r.convert(&[0.1], 0, &mut out).unwrap_err();
        assert!(e.to_string().contains("0 Hz"), "{e}");
    }
}
