//! Turns per-frame voice decisions into talk spurts: an onset needs a short run of speech frames,
//! and a spurt ends only after a pause longer than the hangover, so the gaps between words do not
//! split it. Each spurt carries its loudness and its syllable rate.

use super::rate::syllable_count;
use super::vad::{FrameInfo, FRAME_MS};

/// Consecutive speech frames needed to open a spurt (shorter is a click or a breath).
pub const ONSET_FRAMES: u32 = 4;
/// Silence that closes a spurt. Pauses between words and at commas are shorter.
pub const HANGOVER_MS: u64 = 350;
/// Spurts shorter than this are dropped.
pub const MIN_SPURT_MS: u64 = 120;
/// A spurt is cut here and a new one begins, so a long monologue is reported while it goes on.
pub const MAX_SPURT_MS: u64 = 30_000;
/// A pause this long inside an open spurt reports the speech so far: the turn may be over, and
/// its rate and level need not wait for the hangover to be coached.
pub const PAUSE_REPORT_MS: u64 = 100;

const HANGOVER_FRAMES: u64 = HANGOVER_MS / FRAME_MS;
const PAUSE_REPORT_FRAMES: u64 = PAUSE_REPORT_MS / FRAME_MS;
const MAX_SPURT_FRAMES: usize = (MAX_SPURT_MS / FRAME_MS) as usize;

/// A stretch of speech on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Spurt {
    pub start_ms: u64,
    pub end_ms: u64,
    /// Mean power over the speech frames, dBFS.
    pub level_db: f32,
    /// Syllable nuclei per second of the spurt.
    pub syllable_rate: f32,
}

/// What a frame told about the spurts.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// The open spurt paused: its speech so far (the spurt may still go on).
    SoFar(Spurt),
    /// A spurt ended.
    Closed(Spurt),
}

#[derive(Debug)]
pub struct Segmenter {
    /// Exact frame length: a 22.05 kHz file has 220-sample frames of 9.977 ms, and rounding to
    /// 10 ms would drift 140 ms a minute.
    ms_per_frame: f64,
    /// Frame index of the next frame.
    frame: u64,
    /// Consecutive speech frames while no spurt is open.
    run: u32,
    open: Option<Open>,
    /// Frames of the open spurt (kept for the rate estimate; bounded by MAX_SPURT_FRAMES).
    frames: Vec<FrameInfo>,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    start: u64,
    last_speech: u64,
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter::new(FRAME_MS as f64)
    }
}

impl Segmenter {
    pub fn new(ms_per_frame: f64) -> Segmenter {
        Segmenter {
            ms_per_frame,
            frame: 0,
            run: 0,
            open: None,
            frames: Vec::with_capacity(MAX_SPURT_FRAMES + ONSET_FRAMES as usize),
        }
    }

    pub fn ms_per_frame(&self) -> f64 {
        self.ms_per_frame
    }

    /// Feeds one frame; reports a spurt this frame closes, or the speech so far of one that has
    /// just paused.
    pub fn push(&mut self, info: FrameInfo) -> Option<Report> {
        let index = self.frame;
        self.frame += 1;
        match self.open {
            None => {
                self.run = if info.speech { self.run + 1 } else { 0 };
                if info.speech {
                    if self.frames.len() >= ONSET_FRAMES as usize {
                        self.frames.remove(0);
                    }
                    self.frames.push(info);
                } else {
                    self.frames.clear();
                }
                if self.run >= ONSET_FRAMES {
                    self.open = Some(Open {
                        start: index + 1 - u64::from(self.run),
                        last_speech: index,
                    });
                }
                None
            }
            Some(mut open) => {
                self.frames.push(info);
                if info.speech {
                    open.last_speech = index;
                }
                self.open = Some(open);
                let silent = index - open.last_speech;
                if silent >= HANGOVER_FRAMES {
                    return self.close().map(Report::Closed);
                }
                if self.frames.len() >= MAX_SPURT_FRAMES {
                    let spurt = self.close();
                    // Still speaking: carry on at once.
                    if info.speech {
                        self.open = Some(Open {
                            start: index + 1,
                            last_speech: index,
                        });
                    }
                    return spurt.map(Report::Closed);
                }
                if silent == PAUSE_REPORT_FRAMES {
                    return self.so_far(open).map(Report::SoFar);
                }
                None
            }
        }
    }

    /// Closes a spurt still open at the end of the audio.
    pub fn finish(&mut self) -> Option<Spurt> {
        self.close()
    }

    /// Up to when this channel's speech is known: the start of a spurt still open (or of a run
    /// of speech frames that may open one), else the time covered. Nothing reported later can
    /// begin before this, so silence up to here is real.
    pub fn settled_ms(&self) -> u64 {
        match self.open {
            Some(open) => self.ms(open.start),
            None => self.ms(self.frame - u64::from(self.run)),
        }
    }

    /// The spurt still open, if one is: its start and the end of its last speech frame.
    pub fn open_span_ms(&self) -> Option<(u64, u64)> {
        self.open
            .map(|open| (self.ms(open.start), self.ms(open.last_speech + 1)))
    }

    /// Time covered so far.
    pub fn position_ms(&self) -> u64 {
        self.ms(self.frame)
    }

    fn ms(&self, frame: u64) -> u64 {
        (frame as f64 * self.ms_per_frame).round() as u64
    }

    fn close(&mut self) -> Option<Spurt> {
        let open = self.open.take()?;
        self.run = 0;
        let spurt = self.so_far(open);
        self.frames.clear();
        spurt
    }

    /// The spurt up to its last speech frame: what closing it now would report.
    fn so_far(&self, open: Open) -> Option<Spurt> {
        let speech_frames = (open.last_speech + 1 - open.start) as usize;
        let frames = &self.frames[..speech_frames.min(self.frames.len())];
        spurt(self.ms(open.start), self.ms(open.last_speech + 1), frames)
    }
}

fn spurt(start_ms: u64, end_ms: u64, frames: &[FrameInfo]) -> Option<Spurt> {
    if end_ms - start_ms < MIN_SPURT_MS {
        return None;
    }
    let voiced: Vec<f32> = frames
        .iter()
        .filter(|f| f.speech)
        .map(|f| f.level_db)
        .collect();
    let mean_power =
        voiced.iter().map(|db| 10f32.powf(db / 10.0)).sum::<f32>() / voiced.len().max(1) as f32;
    let level_db = 10.0 * mean_power.max(1e-12).log10();
    let seconds = (end_ms - start_ms) as f32 / 1000.0;
    Some(Spurt {
        start_ms,
        end_ms,
        level_db,
        syllable_rate: syllable_count(frames) as f32 / seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(speech: bool) -> FrameInfo {
        FrameInfo {
            speech,
            level_db: if speech { -20.0 } else { -90.0 },
            zcr: 0.05,
        }
    }

    fn reports(pattern: &[(bool, u64)]) -> Vec<Report> {
        let mut s = Segmenter::default();
        let mut out = Vec::new();
        for &(speech, ms) in pattern {
            for _ in 0..ms / FRAME_MS {
                out.extend(s.push(frame(speech)));
            }
        }
        out.extend(s.finish().map(Report::Closed));
        out
    }

    fn run(pattern: &[(bool, u64)]) -> Vec<Spurt> {
        reports(pattern)
            .into_iter()
            .filter_map(|r| match r {
                Report::Closed(s) => Some(s),
                Report::SoFar(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_pause_reports_the_speech_so_far_before_the_spurt_closes() {
        let r = reports(&[
            (false, 500),
            (true, 1000),
            (false, 200),
            (true, 800),
            (false, 600),
        ]);
        let spans: Vec<(bool, u64, u64)> = r
            .iter()
            .map(|r| match r {
                Report::SoFar(s) => (false, s.start_ms, s.end_ms),
                Report::Closed(s) => (true, s.start_ms, s.end_ms),
            })
            .collect();
        // The pause inside the spurt and its end each report once; then the spurt closes.
        assert_eq!(
            spans,
            vec![(false, 500, 1500), (false, 500, 2500), (true, 500, 2500)]
        );
        // The last report before the close carries what the close does.
        let (Report::SoFar(so_far), Report::Closed(closed)) = (&r[1], &r[2]) else {
            panic!("{r:?}")
        };
        assert_eq!(so_far, closed);
    }

    #[test]
    fn pauses_shorter_than_the_report_pause_report_nothing() {
        let r = reports(&[(true, 1000), (false, 90), (true, 500), (false, 50)]);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(matches!(r[0], Report::Closed(_)));
    }

    #[test]
    fn bridges_short_pauses_and_splits_long_ones() {
        let spurts = run(&[
            (false, 500),
            (true, 1000),
            (false, 200),
            (true, 800),
            (false, 600),
            (true, 500),
        ]);
        let spans: Vec<(u64, u64)> = spurts.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(spans, vec![(500, 2500), (3100, 3600)]);
        assert!((spurts[0].level_db + 20.0).abs() < 0.01);
    }

    #[test]
    fn ignores_clicks_and_cuts_long_speech() {
        assert!(run(&[(true, 30), (false, 1000)]).is_empty());
        assert!(run(&[(true, 100), (false, 1000)]).is_empty());
        let long = run(&[(true, 70_000)]);
        assert_eq!(long.len(), 3);
        assert_eq!(long[0].end_ms, long[1].start_ms);
        assert_eq!(long[2].end_ms, 70_000);
    }
}
