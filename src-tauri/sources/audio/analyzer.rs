//! One channel's path from samples to voice-activity events. Recorded files and live capture push
//! samples into the same analyzer, in blocks of any size.

use super::bleed::Envelope;
use super::segment::{Report, Segmenter, Spurt};
use super::vad::{EnergyVad, VoiceDetector, FRAME_MS};
use crate::engine::{Event, Speaker};

pub struct ChannelAnalyzer {
    speaker: Speaker,
    sample_rate: u32,
    frame_len: usize,
    /// Samples of the frame being filled; never grows past `frame_len`.
    pending: Vec<f32>,
    vad: Box<dyn VoiceDetector>,
    segmenter: Segmenter,
    /// Recent frame levels, kept when speaker bleed is checked (see `bleed`).
    envelope: Option<Envelope>,
}

impl ChannelAnalyzer {
    /// An analyzer with the energy detector.
    pub fn new(speaker: Speaker, sample_rate: u32) -> ChannelAnalyzer {
        ChannelAnalyzer::with_detector(speaker, sample_rate, Box::new(EnergyVad::default()))
    }

    pub fn with_detector(
        speaker: Speaker,
        sample_rate: u32,
        vad: Box<dyn VoiceDetector>,
    ) -> ChannelAnalyzer {
        let frame_len = ((sample_rate as u64 * FRAME_MS / 1000) as usize).max(1);
        let ms_per_frame = frame_len as f64 * 1000.0 / f64::from(sample_rate.max(1));
        ChannelAnalyzer {
            speaker,
            sample_rate,
            frame_len,
            pending: Vec::with_capacity(frame_len),
            vad,
            segmenter: Segmenter::new(ms_per_frame),
            envelope: None,
        }
    }

    /// Keeps the recent frame levels from now on, for the speaker-bleed check.
    pub fn keep_envelope(&mut self) {
        if self.envelope.is_none() {
            let ms_per_frame = self.segmenter.ms_per_frame();
            self.envelope = Some(Envelope::new(ms_per_frame));
        }
    }

    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_ref()
    }

    pub fn speaker(&self) -> Speaker {
        self.speaker
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The talk spurt still open (speech going on), if one is: its start and the end of its
    /// last speech frame.
    pub fn open_span_ms(&self) -> Option<(u64, u64)> {
        self.segmenter.open_span_ms()
    }

    /// Feeds samples (-1..=1); appends an event for every spurt that ends within them.
    pub fn push(&mut self, mut samples: &[f32], out: &mut Vec<Event>) {
        if !self.pending.is_empty() {
            let need = self.frame_len - self.pending.len();
            let take = need.min(samples.len());
            self.pending.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.pending.len() < self.frame_len {
                return;
            }
            let info = self.vad.frame(&self.pending);
            self.pending.clear();
            self.keep(info.level_db);
            let report = self.segmenter.push(info);
            self.emit(report, out);
        }
        let mut frames = samples.chunks_exact(self.frame_len);
        for frame in &mut frames {
            let info = self.vad.frame(frame);
            self.keep(info.level_db);
            let report = self.segmenter.push(info);
            self.emit(report, out);
        }
        self.pending.extend_from_slice(frames.remainder());
    }

    /// Ends the stream: a spurt still open is closed.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        let last = self.segmenter.finish();
        self.emit(last.map(Report::Closed), out);
    }

    /// Up to when this channel's speech is known (see [`Segmenter::settled_ms`]).
    pub fn settled_ms(&self) -> u64 {
        self.segmenter.settled_ms()
    }

    /// Audio time consumed so far.
    pub fn position_ms(&self) -> u64 {
        self.segmenter.position_ms()
    }

    fn keep(&mut self, level_db: f32) {
        if let Some(e) = &mut self.envelope {
            e.push(level_db);
        }
    }

    fn emit(&self, report: Option<Report>, out: &mut Vec<Event>) {
        match report {
            Some(Report::Closed(s)) => out.push(voice_event(self.speaker, &s)),
            // Only the agent's pacing is coached from speech still going on.
            Some(Report::SoFar(s)) if self.speaker == Speaker::Agent => {
                out.push(speech_so_far(self.speaker, &s))
            }
            Some(Report::SoFar(_)) => {}
            None => {}
        }
    }
}

fn level(s: &Spurt) -> Option<f32> {
    Some((s.level_db * 10.0).round() / 10.0)
}

fn rate(s: &Spurt) -> Option<f32> {
    (s.syllable_rate > 0.0).then(|| (s.syllable_rate * 100.0).round() / 100.0)
}

fn voice_event(speaker: Speaker, s: &Spurt) -> Event {
    Event::VoiceActivity {
        speaker,
        start_ms: s.start_ms,
        end_ms: s.end_ms,
        level_db: level(s),
        syllable_rate: rate(s),
    }
}

fn speech_so_far(speaker: Speaker, s: &Spurt) -> Event {
    Event::SpeechSoFar {
        speaker,
        start_ms: s.start_ms,
        end_ms: s.end_ms,
        level_db: level(s),
        syllable_rate: rate(s),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sample() -> impl Strategy<Value = f32> {
        prop_oneof![
            8 => -1.0f32..1.0,
            1 => Just(0.0f32),
            1 => prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(-4.0f32)],
        ]
    }

    proptest! {
        /// Any samples in any block sizes: no panic, and spurts are ordered, apart, in bounds.
        #[test]
        fn spurts_are_well_formed(
            rate in prop_oneof![Just(8_000u32), Just(22_050), Just(48_000), 1u32..200],
            bursts in prop::collection::vec((0usize..3_000, prop::collection::vec(sample(), 0..400)), 0..30),
        ) {
            let mut a = ChannelAnalyzer::new(Speaker::Agent, rate);
            let mut out = Vec::new();
            let mut total = 0usize;
            for (silence, sound) in &bursts {
                let block = vec![0.0; *silence];
                a.push(&block, &mut out);
                a.push(sound, &mut out);
                total += silence + sound.len();
            }
            a.finish(&mut out);
            let length_ms = total as u64 * 1000 / u64::from(rate) + 20;
            let mut last_end = 0;
            // Speech so far reported since the last spurt closed: (start, end).
            let mut so_far: Vec<(u64, u64)> = Vec::new();
            for e in &out {
                let (closed, start_ms, end_ms, level_db, syllable_rate) = match e {
                    Event::VoiceActivity { start_ms, end_ms, level_db, syllable_rate, .. } => {
                        (true, start_ms, end_ms, level_db, syllable_rate)
                    }
                    Event::SpeechSoFar { start_ms, end_ms, level_db, syllable_rate, .. } => {
                        (false, start_ms, end_ms, level_db, syllable_rate)
                    }
                    other => panic!("{other:?}"),
                };
                prop_assert!(start_ms < end_ms && *end_ms <= length_ms, "{e:?} in {length_ms} ms");
                prop_assert!(*start_ms >= last_end, "overlap: {e:?}");
                prop_assert!(level_db.is_some_and(f32::is_finite));
                prop_assert!(syllable_rate.is_none_or(|r| r.is_finite() && r > 0.0));
                if closed {
                    // Each report was part of this spurt, growing, never past its end.
                    prop_assert!(so_far.windows(2).all(|w| w[0].1 < w[1].1), "{so_far:?}");
                    for &(s, end) in &so_far {
                        prop_assert!(s == *start_ms && end <= *end_ms, "{so_far:?} then {e:?}");
                    }
                    so_far.clear();
                    last_end = *end_ms;
                } else {
                    so_far.push((*start_ms, *end_ms));
                }
            }
        }
    }
}
