//! Speaker bleed: an agent on speakers instead of a headset. The customer's voice comes out of
//! the speakers and back into the microphone a few tens of milliseconds later, so every customer
//! turn shows up on the agent's channel too and looks like an interruption.
//!
//! The echo is recognised by its shape: over an agent talk spurt, the microphone's level
//! envelope (10 ms frames, in dB) follows the call channel's envelope at some short delay.
//! Pearson correlation of the two envelopes, taken at every delay in `0..=MAX_LAG_FRAMES`,
//! is near 1 for an echo, whatever the loudspeaker's gain; the agent's own speech, even while
//! the customer talks (real double talk), has an envelope of its own and correlates poorly.
//! A spurt judged to be echo is not agent speech and is dropped.

use std::collections::VecDeque;

use super::analyzer::ChannelAnalyzer;
use crate::engine::{Event, Ms, Speaker};

/// Frame levels kept per channel: longer than the longest spurt (the segmenter cuts at 30 s).
pub const ENVELOPE_FRAMES: usize = 3_200;
/// Longest echo delay looked for, in 10 ms frames: loudspeaker playback plus the room, with
/// the sound server's buffering on both sides.
pub const MAX_LAG_FRAMES: usize = 40;
/// Spurts shorter than this many frames are too short to judge (chance correlations).
const MIN_FRAMES: usize = 20;
/// Correlation at or above which a spurt is the call's echo (short spurts need more).
const ECHO_R: f32 = 0.75;
const ECHO_R_SHORT: f32 = 0.85;
/// Below this many frames a spurt counts as short.
const SHORT_FRAMES: usize = 60;
/// Levels are clamped here so digital silence does not dominate the correlation.
const FLOOR_DB: f32 = -70.0;
/// The call channel must move this much over the window, or there is nothing to echo.
const MIN_CALL_SPREAD_DB: f32 = 10.0;

/// One channel's recent frame levels.
#[derive(Debug, Clone)]
pub struct Envelope {
    levels: VecDeque<f32>,
    /// Index of the first kept frame since the start of the stream.
    first: u64,
    ms_per_frame: f64,
}

impl Envelope {
    pub fn new(ms_per_frame: f64) -> Envelope {
        Envelope {
            levels: VecDeque::with_capacity(ENVELOPE_FRAMES),
            first: 0,
            ms_per_frame: ms_per_frame.max(0.001),
        }
    }

    pub fn push(&mut self, level_db: f32) {
        if self.levels.len() == ENVELOPE_FRAMES {
            self.levels.pop_front();
            self.first += 1;
        }
        let level = if level_db.is_finite() {
            level_db.max(FLOOR_DB)
        } else {
            FLOOR_DB
        };
        self.levels.push_back(level);
    }

    fn frame_at(&self, ms: Ms) -> u64 {
        (ms as f64 / self.ms_per_frame).round() as u64
    }

    /// The levels of frames `from..to` (stream indices), when all are kept.
    fn window(&self, from: u64, to: u64) -> Option<impl Iterator<Item = f32> + '_> {
        let end = self.first + self.levels.len() as u64;
        if from < self.first || to > end || from >= to {
            return None;
        }
        let skip = (from - self.first) as usize;
        Some(
            self.levels
                .range(skip..skip + (to - from) as usize)
                .copied(),
        )
    }
}

/// What was found about the setup: the microphone hears the call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bleed {
    /// Delay of the echo behind the call audio.
    pub delay_ms: u32,
    /// Correlation of the envelopes at that delay, 0..=1.
    pub r: f32,
}

/// What to tell the agent about a bleeding setup.
pub fn describe(bleed: &Bleed) -> String {
    format!(
        "the microphone hears the call audio ({} ms behind it): speakers, not a headset? \
         The echo is not counted as the agent's speech; a headset stops it",
        bleed.delay_ms
    )
}

/// Judges agent spurts against the call channel and drops the echoes.
#[derive(Debug, Default)]
pub struct BleedGuard {
    found: Option<Bleed>,
    /// Agent spurts dropped as echo.
    pub dropped: u64,
}

impl BleedGuard {
    pub fn new() -> BleedGuard {
        BleedGuard::default()
    }

    /// The bleed found so far, if any.
    pub fn found(&self) -> Option<Bleed> {
        self.found
    }

    /// Removes from `events` the agent spurts (and speech so far) that are the call's echo.
    /// Returns the finding the first time the setup is seen to bleed.
    pub fn review(
        &mut self,
        mic: &ChannelAnalyzer,
        call: &ChannelAnalyzer,
        events: &mut Vec<Event>,
    ) -> Option<Bleed> {
        let (Some(mic_env), Some(call_env)) = (mic.envelope(), call.envelope()) else {
            return None;
        };
        let first_time = self.found.is_none();
        let mut echoes = Vec::new();
        let known = self.found;
        events.retain_mut(|e| match e {
            Event::VoiceActivity {
                speaker: Speaker::Agent,
                start_ms,
                end_ms,
                ..
            } => match echo(mic_env, call_env, *start_ms, *end_ms) {
                Some(b) => {
                    echoes.push(b);
                    false
                }
                None => {
                    // The agent starting while the echo still sounds: the spurt opened on the
                    // echo, so it starts where the agent's own voice does.
                    if let Some(b) = known {
                        *start_ms = echo_head(mic_env, call_env, *start_ms, *end_ms, b.delay_ms);
                    }
                    true
                }
            },
            // As with a talk-over: kept only when it can be told from the echo, and once the
            // setup is known to bleed, agent speech waits for its spurt's end (where the echo
            // head is cut off). Only the spurt's verdict counts towards the finding.
            Event::SpeechSoFar {
                speaker: Speaker::Agent,
                start_ms,
                end_ms,
                ..
            } => {
                known.is_none()
                    && judgeable(mic_env, *start_ms, *end_ms)
                    && echo(mic_env, call_env, *start_ms, *end_ms).is_none()
            }
            _ => true,
        });
        self.dropped += echoes.len() as u64;
        if let Some(best) = echoes.into_iter().max_by(|a, b| a.r.total_cmp(&b.r)) {
            if self.found.is_none_or(|f| best.r > f.r) {
                self.found = Some(best);
            }
        }
        self.found.filter(|_| first_time)
    }
}

/// Long spurts are judged in windows of this many frames, half overlapping, each at its own
/// delay: the two devices' clocks drift apart over a long turn, so no single delay fits it all.
const WINDOW_FRAMES: u64 = 100;
/// Share of a long spurt's windows that must follow the call for it to be the echo.
const ECHO_SHARE: f32 = 0.8;

/// Whether the microphone's spurt `start_ms..end_ms` is long enough for [`echo`] to judge.
pub fn judgeable(mic: &Envelope, start_ms: Ms, end_ms: Ms) -> bool {
    mic.frame_at(end_ms).saturating_sub(mic.frame_at(start_ms)) >= MIN_FRAMES as u64
}

/// The echo the spurt `start_ms..end_ms` of the microphone is, if it is one.
pub fn echo(mic: &Envelope, call: &Envelope, start_ms: Ms, end_ms: Ms) -> Option<Bleed> {
    let (from, to) = (mic.frame_at(start_ms), mic.frame_at(end_ms));
    if to.saturating_sub(from) < 2 * WINDOW_FRAMES {
        return echo_frames(mic, call, from, to);
    }
    let mut windows = 0u32;
    let mut echoes: Vec<Bleed> = Vec::new();
    let mut at = from;
    while at + WINDOW_FRAMES <= to {
        windows += 1;
        echoes.extend(echo_frames(mic, call, at, at + WINDOW_FRAMES));
        at += WINDOW_FRAMES / 2;
    }
    if (echoes.len() as f32) < ECHO_SHARE * windows as f32 {
        return None;
    }
    // The delay where the echo was first heard; the correlation of the weakest window.
    let first = echoes.first().copied()?;
    let r = echoes.iter().map(|b| b.r).fold(f32::MAX, f32::min);
    Some(Bleed { r, ..first })
}

/// As [`echo`], over frames `from..to` at one delay.
fn echo_frames(mic: &Envelope, call: &Envelope, from: u64, to: u64) -> Option<Bleed> {
    let n = to.saturating_sub(from) as usize;
    if n < MIN_FRAMES {
        return None;
    }
    let x: Vec<f32> = mic.window(from, to)?.collect();
    let mut best: Option<Bleed> = None;
    for lag in 0..=MAX_LAG_FRAMES as u64 {
        let Some(from_c) = from.checked_sub(lag) else {
            break;
        };
        let Some(y) = call.window(from_c, to - lag) else {
            continue;
        };
        let y: Vec<f32> = y.collect();
        let (lo, hi) = y
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        if hi - lo < MIN_CALL_SPREAD_DB {
            continue;
        }
        let r = pearson(&x, &y);
        if best.is_none_or(|b| r > b.r) {
            best = Some(Bleed {
                delay_ms: (lag as f64 * call.ms_per_frame).round() as u32,
                r,
            });
        }
    }
    let needed = if n < SHORT_FRAMES {
        ECHO_R_SHORT
    } else {
        ECHO_R
    };
    best.filter(|b| b.r >= needed)
}

/// Frames per window when looking for the echo at the head of a spurt, and the step.
const HEAD_WINDOW: u64 = 30;
const HEAD_STEP: u64 = 10;

/// Where the agent's own voice starts in a spurt that opens on the call's echo at `delay_ms`:
/// the first window that no longer follows the call.
fn echo_head(mic: &Envelope, call: &Envelope, start_ms: Ms, end_ms: Ms, delay_ms: u32) -> Ms {
    let lag = mic.frame_at(Ms::from(delay_ms));
    let (from, to) = (mic.frame_at(start_ms), mic.frame_at(end_ms));
    let mut head = from;
    while head + HEAD_WINDOW + MIN_FRAMES as u64 <= to {
        let end = head + HEAD_WINDOW;
        let (Some(x), Some(y)) = (
            mic.window(head, end),
            head.checked_sub(lag)
                .and_then(|h| call.window(h, end - lag)),
        ) else {
            break;
        };
        let (x, y): (Vec<f32>, Vec<f32>) = (x.collect(), y.collect());
        if pearson(&x, &y) < ECHO_R {
            break;
        }
        head += HEAD_STEP;
    }
    if head == from {
        start_ms
    } else {
        (head as f64 * mic.ms_per_frame).round() as Ms
    }
}

fn pearson(x: &[f32], y: &[f32]) -> f32 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let mx = x.iter().sum::<f32>() / n as f32;
    let my = y.iter().sum::<f32>() / n as f32;
    let (mut sxy, mut sxx, mut syy) = (0.0f32, 0.0f32, 0.0f32);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= f32::EPSILON || syy <= f32::EPSILON {
        return 0.0;
    }
    sxy / (sxx.sqrt() * syy.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(levels: &[f32]) -> Envelope {
        let mut e = Envelope::new(10.0);
        levels.iter().for_each(|&l| e.push(l));
        e
    }

    /// A speech-like envelope: syllables of varying loudness and length.
    fn speechy(frames: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        let mut out = Vec::with_capacity(frames);
        while out.len() < frames {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let len = 8 + (s >> 16) as usize % 15;
            let peak = -30.0 + ((s >> 8) % 20) as f32;
            for i in 0..len {
                let shape = (std::f32::consts::PI * i as f32 / len as f32).sin();
                out.push(-60.0 + (peak + 60.0) * shape);
            }
        }
        out.truncate(frames);
        out
    }

    #[test]
    fn a_delayed_quieter_copy_is_an_echo_and_its_delay_is_found() {
        let call = speechy(400, 7);
        // 8 frames late, 15 dB down, over a -65 dB room.
        let mic: Vec<f32> = (0..400)
            .map(|i| {
                if i < 8 {
                    -65.0
                } else {
                    (call[i - 8] - 15.0).max(-65.0)
                }
            })
            .collect();
        let found = echo(&env(&mic), &env(&call), 1_000, 3_500).expect("an echo");
        assert_eq!(found.delay_ms, 80);
        assert!(found.r > 0.9, "{found:?}");
    }

    #[test]
    fn the_agents_own_voice_over_the_customer_is_not_an_echo() {
        let call = speechy(400, 7);
        let agent = speechy(400, 99);
        assert!(echo(&env(&agent), &env(&call), 1_000, 3_500).is_none());
        // Nor is anything when the call is silent, or a spurt too short to judge.
        assert!(echo(&env(&agent), &env(&[-70.0; 400]), 1_000, 3_500).is_none());
        assert!(echo(&env(&call), &env(&call), 1_000, 1_150).is_none());
    }
}
