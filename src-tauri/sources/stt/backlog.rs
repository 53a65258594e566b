//! The queue between the audio analysis and the recognizers, and how it degrades. Pure: every
//! decision takes the time it is made at, so the policy is tested without clocks or threads.
//!
//! Per channel: a queue of finals (one per closed spurt) and one slot for the newest partial.
//! The worker takes finals first. When it falls behind, in this order:
//! 1. partials come every [`SLOW_PARTIAL_EVERY_MS`] instead of [`PARTIAL_EVERY_MS`] of speech
//!    once the oldest undelivered final is [`FEWER_PARTIALS_AFTER`] old;
//! 2. no partials once it is [`NO_PARTIALS_AFTER`] old;
//! 3. "words lagging" once it is [`LAGGING_AFTER`] old, cleared when every final is delivered;
//! 4. only when a channel already holds [`MAX_QUEUED_MS`] of finals' audio is a new spurt's
//!    audio not queued (its voice activity still reaches the engine; counted as skipped).
//!
//! A final that is queued is always transcribed and delivered.
//!
//! A long turn is decoded in pieces: an early decode at a pause that covers at least
//! [`PIECE_MIN_MS`] of speech not yet decoded keeps its words for that stretch whether the turn
//! ends there or goes on, and every later job of the turn decodes only what follows the last
//! piece (the pieces' words are said first). So the turn's final, when it closes, has only the
//! speech since its last pause to decode, not the whole turn.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::engine::{Ms, Speaker};

/// Speech between two partials of a long turn.
pub const PARTIAL_EVERY_MS: Ms = 2_000;
/// The same, once the recognizer is behind.
pub const SLOW_PARTIAL_EVERY_MS: Ms = 4_000;
/// A partial decodes at most this much of the turn (its end): a partial of a 30 s monologue
/// would cost as much as its final, every two seconds.
pub const PARTIAL_MAX_MS: Ms = 10_000;
pub const FEWER_PARTIALS_AFTER: Duration = Duration::from_millis(1_000);
pub const NO_PARTIALS_AFTER: Duration = Duration::from_millis(2_000);
pub const LAGGING_AFTER: Duration = Duration::from_millis(3_000);
/// Silence after which an open spurt is decoded early, before the segmenter closes it (that
/// takes `segment::HANGOVER_MS`); when the spurt does end there, the early decode is its final,
/// and its words come that much sooner. When speech goes on, it was a partial. As long as the
/// context a final gets after its spurt (`CONTEXT_MS`), so the early decode hears the same audio.
pub const EARLY_AFTER_MS: Ms = super::CONTEXT_MS;
/// Audio of finals a channel may hold waiting (two minutes of speech; at 48 kHz, 23 MB).
pub const MAX_QUEUED_MS: Ms = 120_000;
/// Speech an early decode must cover beyond the turn's last piece to become a piece itself:
/// shorter stretches give Whisper too little to go on (and a decode each).
pub const PIECE_MIN_MS: Ms = 3_000;

/// A stretch of one channel's audio to transcribe.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub speaker: Speaker,
    /// The spurt's start: the words' start, whatever stretch `samples` hold.
    pub start_ms: Ms,
    pub end_ms: Ms,
    pub is_final: bool,
    /// A stretch of the spurt (with context) at `rate`.
    pub samples: Vec<f32>,
    pub rate: u32,
    /// The channel's index of `samples[0]`.
    pub first_sample: u64,
    /// Words of the spurt before `samples` (its pieces), said before the decoded ones.
    pub said: String,
    /// A decode of the open spurt up to its last speech, in a pause ([`EARLY_AFTER_MS`]).
    pub early: bool,
    /// Words already known (an early decode the spurt's end confirmed): nothing to decode.
    pub text: Option<String>,
    /// When the job was queued (a final: when the spurt closed).
    pub queued: Instant,
}

impl Job {
    fn audio_ms(&self) -> Ms {
        self.end_ms.saturating_sub(self.start_ms)
    }

    /// Where the decoded audio starts, ms on the channel's clock.
    fn decoded_from_ms(&self) -> Ms {
        self.first_sample * 1000 / u64::from(self.rate.max(1))
    }

    /// The words to deliver: the pieces already said, then `decoded`.
    pub fn words(&self, decoded: &str) -> String {
        join(&self.said, decoded)
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.trim(), b.trim()) {
        ("", b) => b.to_string(),
        (a, "") => a.to_string(),
        (a, b) => format!("{a} {b}"),
    }
}

/// The words of an open turn's first stretch, decoded at a pause.
#[derive(Debug, Clone, PartialEq)]
struct Pieces {
    spurt_start: Ms,
    /// The last speech the pieces cover; later jobs decode from here.
    covered_to: Ms,
    text: String,
}

/// How far behind the recognizers are: each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Keeping,
    FewerPartials,
    NoPartials,
    Lagging,
}

/// The "words lagging" state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagChange {
    /// The oldest undelivered final waits this long.
    Lagging {
        behind: Duration,
    },
    CaughtUp,
}

/// What the worker is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Busy {
    Idle,
    /// A final queued at this moment.
    Final(Instant),
    Partial,
    /// An early decode of this span; true when its words become a piece of the turn.
    Early(Ms, Ms, bool),
}

/// What to do with the words of a finished job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Final,
    Partial,
    /// Stale: a final of the channel is already waiting.
    Drop,
}

#[derive(Debug)]
struct Lane {
    speaker: Speaker,
    finals: VecDeque<Job>,
    partial: Option<Job>,
    busy: Busy,
    queued_ms: Ms,
    /// The open spurt (its start) and how much of it the last partial covered.
    partial_of: Option<(Ms, Ms)>,
    /// The span last decoded early, its words once known, and whether (since when) the
    /// spurt's end confirmed it while it was decoding.
    early_for: Option<(Ms, Ms)>,
    parked: Option<(Ms, Ms, String)>,
    confirmed: Option<(Ms, Ms, Instant)>,
    pieces: Option<Pieces>,
}

impl Lane {
    fn new(speaker: Speaker) -> Lane {
        Lane {
            speaker,
            finals: VecDeque::new(),
            partial: None,
            busy: Busy::Idle,
            queued_ms: 0,
            partial_of: None,
            early_for: None,
            parked: None,
            confirmed: None,
            pieces: None,
        }
    }

    /// The pieces of the turn open since `spurt_start`, if any.
    fn pieces_of(&self, spurt_start: Ms) -> Option<&Pieces> {
        self.pieces
            .as_ref()
            .filter(|p| p.spurt_start == spurt_start)
    }

    /// Cuts what the turn's pieces already cover off `job` and says their words first.
    fn skip_pieces(&self, job: &mut Job) {
        let Some(p) = self.pieces_of(job.start_ms) else {
            return;
        };
        if job.text.is_some() {
            return;
        }
        job.said = p.text.clone();
        let covered = p.covered_to * u64::from(job.rate) / 1000;
        let cut = covered.saturating_sub(job.first_sample) as usize;
        if p.covered_to >= job.end_ms || cut >= job.samples.len() {
            job.samples.clear();
            job.text = Some(String::new());
        } else if cut > 0 {
            job.samples.drain(..cut);
            job.first_sample += cut as u64;
        }
    }

    /// When the oldest final not yet delivered was queued.
    fn oldest_final(&self) -> Option<Instant> {
        let decoding = match self.busy {
            Busy::Final(at) => Some(at),
            _ => None,
        };
        let confirmed = self.confirmed.map(|(_, _, at)| at);
        [decoding, confirmed, self.finals.front().map(|j| j.queued)]
            .into_iter()
            .flatten()
            .min()
    }
}

/// Both channels' queues.
#[derive(Debug)]
pub struct Backlog {
    lanes: [Lane; 2],
    lagging: bool,
    skipped: u64,
    max_queued_ms: Ms,
    /// Long turns decoded in pieces.
    pieces: bool,
}

impl Default for Backlog {
    fn default() -> Self {
        Backlog::new(MAX_QUEUED_MS)
    }
}

impl Backlog {
    /// A backlog holding at most `max_queued_ms` of finals' audio per channel.
    pub fn new(max_queued_ms: Ms) -> Backlog {
        Backlog {
            lanes: [Lane::new(Speaker::Agent), Lane::new(Speaker::Customer)],
            lagging: false,
            skipped: 0,
            max_queued_ms,
            pieces: true,
        }
    }

    /// Decodes each turn whole (an early decode is only ever the final of a turn that ends at
    /// its pause): what the live path did before pieces, kept for measuring them.
    pub fn whole_turns(mut self) -> Backlog {
        self.pieces = false;
        self
    }

    fn lane(&mut self, speaker: Speaker) -> &mut Lane {
        match speaker {
            Speaker::Agent => &mut self.lanes[0],
            Speaker::Customer => &mut self.lanes[1],
        }
    }

    /// Spurts whose words were not queued because the backlog was full.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Whether "words lagging" is on.
    pub fn lagging(&self) -> bool {
        self.lagging
    }

    /// Whether a final of `audio_ms` fits; false counts it as skipped.
    pub fn has_room(&mut self, speaker: Speaker, audio_ms: Ms) -> bool {
        let max = self.max_queued_ms;
        let lane = self.lane(speaker);
        if lane.queued_ms > 0 && lane.queued_ms + audio_ms > max {
            self.skipped += 1;
            return false;
        }
        true
    }

    /// Queues a closed spurt's words (see [`Backlog::has_room`] first). The channel's waiting
    /// partial is dropped: the final supersedes it. Returns true when the channel's worker is
    /// decoding a partial, which is then worth interrupting.
    pub fn push_final(&mut self, job: Job) -> bool {
        let lane = self.lane(job.speaker);
        lane.partial = None;
        lane.partial_of = None;
        lane.parked = None;
        lane.queued_ms += job.audio_ms();
        lane.finals.push_back(job);
        // A piece in progress is kept: the final decodes only what follows it.
        matches!(lane.busy, Busy::Partial | Busy::Early(_, _, false))
    }

    /// Whether the spurt open since `start`, quiet since `speech_end`, is due an early decode.
    pub fn early_due(
        &mut self,
        speaker: Speaker,
        start: Ms,
        speech_end: Ms,
        position_ms: Ms,
        now: Instant,
    ) -> bool {
        if self.level(now) >= Level::NoPartials {
            return false;
        }
        let lane = self.lane(speaker);
        position_ms >= speech_end + EARLY_AFTER_MS && lane.early_for != Some((start, speech_end))
    }

    /// Queues an early decode in the partial slot (it is one until the spurt ends there).
    /// Returns true when the channel's worker is decoding a partial, which the early decode is
    /// worth interrupting for.
    pub fn push_early(&mut self, job: Job) -> bool {
        let lane = self.lane(job.speaker);
        lane.early_for = Some((job.start_ms, job.end_ms));
        lane.parked = None;
        lane.partial = Some(job);
        lane.busy == Busy::Partial
    }

    /// The spurt `start..end` closed. True when an early decode covers it (its final is then
    /// owed by that decode, queued here if its words are known); false: queue a final.
    pub fn spurt_closed(&mut self, speaker: Speaker, start: Ms, end: Ms, now: Instant) -> bool {
        let lane = self.lane(speaker);
        let span = Some((start, end));
        let known = |text: String| Job {
            speaker,
            start_ms: start,
            end_ms: end,
            is_final: true,
            samples: Vec::new(),
            rate: 0,
            first_sample: 0,
            said: String::new(),
            early: false,
            text: Some(text),
            queued: now,
        };
        if let Some((s, e, text)) = lane.parked.take() {
            if Some((s, e)) == span {
                lane.partial = None;
                lane.finals.push_back(known(text));
                return true;
            }
        }
        if lane.pieces_of(start).is_some_and(|p| p.covered_to >= end) {
            let text = lane.pieces.take().map(|p| p.text).unwrap_or_default();
            lane.partial = None;
            lane.finals.push_back(known(text));
            return true;
        }
        if matches!(lane.busy, Busy::Early(s, e, _) if (s, e) == (start, end)) {
            lane.partial = None;
            lane.confirmed = Some((start, end, now));
            return true;
        }
        let queued_early = lane
            .partial
            .as_ref()
            .is_some_and(|p| p.early && (p.start_ms, p.end_ms) == (start, end));
        if let (true, Some(mut job)) = (queued_early, lane.partial.take()) {
            job.is_final = true;
            job.early = false;
            job.queued = now;
            lane.queued_ms += job.audio_ms();
            lane.finals.push_back(job);
            return true;
        }
        false
    }

    /// The worker finished its job, with the words it decoded if any (without the pieces said
    /// before them): what to do with the words. An early decode the spurt's end confirmed
    /// meanwhile is the final; otherwise its words are kept, as a piece of the turn or in case
    /// the spurt ends there, and meanwhile are a partial.
    pub fn finished(&mut self, speaker: Speaker, text: Option<&str>) -> Delivery {
        let lane = self.lane(speaker);
        let was = std::mem::replace(&mut lane.busy, Busy::Idle);
        let stale = !lane.finals.is_empty();
        match was {
            Busy::Final(_) => Delivery::Final,
            Busy::Early(s, e, _)
                if lane.confirmed.is_some_and(|(cs, ce, _)| (cs, ce) == (s, e)) =>
            {
                lane.confirmed = None;
                lane.pieces = None;
                Delivery::Final
            }
            Busy::Early(s, e, piece) => {
                if let Some(t) = text {
                    let said = lane.pieces_of(s).map(|p| p.text.as_str()).unwrap_or("");
                    let whole = join(said, t);
                    if piece {
                        lane.pieces = Some(Pieces {
                            spurt_start: s,
                            covered_to: e,
                            text: whole,
                        });
                    } else {
                        lane.parked = Some((s, e, whole));
                    }
                }
                if stale {
                    Delivery::Drop
                } else {
                    Delivery::Partial
                }
            }
            Busy::Partial | Busy::Idle if stale => Delivery::Drop,
            Busy::Partial | Busy::Idle => Delivery::Partial,
        }
    }

    /// How far behind the recognizers are at `now`.
    pub fn level(&self, now: Instant) -> Level {
        let oldest = self.lanes.iter().filter_map(Lane::oldest_final).min();
        let waited = oldest.map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        if waited >= LAGGING_AFTER {
            Level::Lagging
        } else if waited >= NO_PARTIALS_AFTER {
            Level::NoPartials
        } else if waited >= FEWER_PARTIALS_AFTER {
            Level::FewerPartials
        } else {
            Level::Keeping
        }
    }

    /// Whether a partial of the spurt open since `open_since_ms`, now at `position_ms`, is due.
    pub fn partial_due(
        &mut self,
        speaker: Speaker,
        open_since_ms: Ms,
        position_ms: Ms,
        now: Instant,
    ) -> bool {
        let every = match self.level(now) {
            Level::Keeping => PARTIAL_EVERY_MS,
            Level::FewerPartials => SLOW_PARTIAL_EVERY_MS,
            Level::NoPartials | Level::Lagging => return false,
        };
        let lane = self.lane(speaker);
        let covered = match lane.partial_of {
            Some((start, covered)) if start == open_since_ms => covered,
            _ => open_since_ms,
        };
        position_ms >= covered + every
    }

    /// Queues a partial, replacing one the worker has not started.
    pub fn push_partial(&mut self, job: Job, open_since_ms: Ms) {
        let lane = self.lane(job.speaker);
        lane.partial_of = Some((open_since_ms, job.end_ms));
        lane.partial = Some(job);
    }

    /// The next job for `speaker`'s worker: finals first. What the turn's pieces cover is
    /// cut off the job, their words said first.
    pub fn take(&mut self, speaker: Speaker) -> Option<Job> {
        let pieces = self.pieces;
        let lane = self.lane(speaker);
        if let Some(mut job) = lane.finals.pop_front() {
            lane.queued_ms = lane.queued_ms.saturating_sub(job.audio_ms());
            lane.busy = Busy::Final(job.queued);
            lane.skip_pieces(&mut job);
            if lane.pieces_of(job.start_ms).is_some() {
                lane.pieces = None;
            }
            return Some(job);
        }
        let mut job = lane.partial.take()?;
        lane.skip_pieces(&mut job);
        lane.busy = match job.early {
            true => {
                let piece = pieces
                    && job.text.is_none()
                    && job.end_ms.saturating_sub(job.decoded_from_ms()) >= PIECE_MIN_MS;
                Busy::Early(job.start_ms, job.end_ms, piece)
            }
            false => Busy::Partial,
        };
        Some(job)
    }

    /// The worker finished its job. Returns whether a partial's words are still worth
    /// delivering (not when a final of the channel is already waiting).
    pub fn done(&mut self, speaker: Speaker) -> bool {
        self.finished(speaker, None) != Delivery::Drop
    }

    /// Whether `speaker`'s worker has nothing to do.
    pub fn idle(&self, speaker: Speaker) -> bool {
        let lane = &self.lanes[usize::from(speaker == Speaker::Customer)];
        debug_assert_eq!(lane.speaker, speaker);
        lane.busy == Busy::Idle
            && lane.finals.is_empty()
            && lane.partial.is_none()
            && lane.confirmed.is_none()
    }

    /// Drops waiting partials (the capture has stopped); finals stay.
    pub fn drop_partials(&mut self) {
        for lane in &mut self.lanes {
            lane.partial = None;
        }
    }

    /// Turns "words lagging" on or off as the backlog says; Some when it changed.
    pub fn lag_change(&mut self, now: Instant) -> Option<LagChange> {
        let oldest = self.lanes.iter().filter_map(Lane::oldest_final).min();
        match (self.lagging, oldest) {
            (false, Some(t)) if now.saturating_duration_since(t) >= LAGGING_AFTER => {
                self.lagging = true;
                Some(LagChange::Lagging {
                    behind: now.saturating_duration_since(t),
                })
            }
            (true, None) => {
                self.lagging = false;
                Some(LagChange::CaughtUp)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(speaker: Speaker, start_ms: Ms, end_ms: Ms, is_final: bool, queued: Instant) -> Job {
        Job {
            speaker,
            start_ms,
            end_ms,
            is_final,
            samples: vec![0.0; 4],
            rate: 16_000,
            first_sample: start_ms * 16,
            said: String::new(),
            early: false,
            text: None,
            queued,
        }
    }

    const A: Speaker = Speaker::Agent;
    const C: Speaker = Speaker::Customer;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn finals_go_before_partials_and_supersede_the_waiting_one() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        assert!(b.partial_due(A, 1_000, 3_000, t0));
        b.push_partial(job(A, 1_000, 3_000, false, t0), 1_000);
        assert!(!b.partial_due(A, 1_000, 4_900, t0), "2 s after the last");
        assert!(b.partial_due(A, 1_000, 5_000, t0));
        b.push_partial(job(A, 1_000, 5_000, false, t0), 1_000);
        assert!(!b.push_final(job(C, 0, 2_000, true, t0)));
        // The customer's final goes first on its own worker; the agent's newest partial waits.
        assert_eq!(b.take(C).map(|j| j.is_final), Some(true));
        assert_eq!(
            b.take(A).map(|j| (j.end_ms, j.is_final)),
            Some((5_000, false))
        );
        // A final queued while the partial decodes: the partial's words are stale.
        assert!(b.push_final(job(A, 1_000, 6_000, true, t0 + ms(100))));
        assert!(!b.done(A), "the partial is superseded");
        assert!(b.done(C));
        assert_eq!(b.take(A).map(|j| j.is_final), Some(true));
        assert!(b.done(A));
        assert!(b.idle(A) && b.idle(C));
        assert_eq!(b.take(A), None);
    }

    #[test]
    fn degrades_in_order_and_never_drops_a_queued_final() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        for i in 0..5 {
            b.push_final(job(A, i * 3_000, i * 3_000 + 2_000, true, t0));
        }
        assert_eq!(b.level(t0 + ms(999)), Level::Keeping);
        assert!(b.partial_due(C, 0, 2_000, t0 + ms(999)));
        assert_eq!(b.level(t0 + ms(1_000)), Level::FewerPartials);
        assert!(!b.partial_due(C, 0, 3_999, t0 + ms(1_000)));
        assert!(b.partial_due(C, 0, 4_000, t0 + ms(1_000)));
        assert_eq!(b.level(t0 + ms(2_000)), Level::NoPartials);
        assert!(!b.partial_due(C, 0, 20_000, t0 + ms(2_000)));
        assert_eq!(b.lag_change(t0 + ms(2_999)), None);
        assert_eq!(
            b.lag_change(t0 + ms(3_500)),
            Some(LagChange::Lagging { behind: ms(3_500) })
        );
        assert_eq!(b.lag_change(t0 + ms(3_600)), None, "said once");
        let mut delivered = Vec::new();
        while let Some(j) = b.take(A) {
            // Still lagging while the last final decodes.
            assert_eq!(b.lag_change(t0 + ms(4_000)), None);
            assert!(b.done(A));
            delivered.push(j.start_ms);
        }
        assert_eq!(delivered, vec![0, 3_000, 6_000, 9_000, 12_000]);
        assert_eq!(b.lag_change(t0 + ms(5_000)), Some(LagChange::CaughtUp));
        assert_eq!(b.level(t0 + ms(5_000)), Level::Keeping);
    }

    #[test]
    fn a_full_channel_skips_new_spurts_and_counts_them() {
        let t0 = Instant::now();
        let mut b = Backlog::new(5_000);
        assert!(b.has_room(A, 8_000), "an empty channel takes any spurt");
        b.push_final(job(A, 0, 8_000, true, t0));
        assert!(!b.has_room(A, 1_000));
        assert!(b.has_room(C, 1_000), "the other channel has its own room");
        assert_eq!(b.skipped(), 1);
        b.take(A);
        assert!(b.has_room(A, 1_000), "room again once the worker took it");
    }

    #[test]
    fn an_early_decode_is_the_final_when_the_spurt_ends_where_it_paused() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        assert!(
            !b.early_due(A, 1_000, 3_000, 3_199, t0),
            "not quiet long enough"
        );
        assert!(b.early_due(A, 1_000, 3_000, 3_200, t0));
        let mut early = job(A, 1_000, 3_000, false, t0);
        early.early = true;
        b.push_early(early.clone());
        assert!(!b.early_due(A, 1_000, 3_000, 3_300, t0), "once per pause");
        // 1. The spurt closes while the early decode runs: its words are the final.
        assert!(b.take(A).is_some_and(|j| j.early));
        assert!(b.spurt_closed(A, 1_000, 3_000, t0 + ms(150)));
        assert_eq!(
            b.level(t0 + ms(1_200)),
            Level::FewerPartials,
            "a final is owed"
        );
        assert_eq!(b.finished(A, Some("hello")), Delivery::Final);
        assert!(b.idle(A));
        // 2. Speech went on after the pause: the early words were a partial; the spurt that
        // closes later needs its own final.
        b.push_early(job(A, 5_000, 6_000, false, t0));
        b.lane(A).partial.as_mut().unwrap().early = true;
        assert!(b.take(A).is_some());
        assert_eq!(b.finished(A, Some("so")), Delivery::Partial);
        assert!(!b.spurt_closed(A, 5_000, 7_500, t0));
        // 3. The early decode finished before the spurt closed there: its words are queued as
        // the final, with nothing left to decode.
        b.push_early(job(A, 9_000, 10_000, false, t0));
        b.lane(A).partial.as_mut().unwrap().early = true;
        assert!(b.take(A).is_some());
        assert_eq!(b.finished(A, Some("right")), Delivery::Partial);
        assert!(b.spurt_closed(A, 9_000, 10_000, t0));
        let last = b.take(A).unwrap();
        assert!(last.is_final && last.samples.is_empty());
        assert_eq!(last.text.as_deref(), Some("right"));
        // 4. Still queued when the spurt closed: it becomes the final job itself.
        b.finished(A, None);
        let mut queued = job(A, 12_000, 13_000, false, t0);
        queued.early = true;
        b.push_early(queued);
        assert!(b.spurt_closed(A, 12_000, 13_000, t0));
        let j = b.take(A).unwrap();
        assert!(j.is_final && !j.early && j.text.is_none());
    }

    #[test]
    fn a_new_spurt_starts_its_partials_afresh() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        b.push_partial(job(A, 0, 2_000, false, t0), 0);
        assert!(!b.partial_due(A, 0, 3_000, t0));
        // Another spurt opened (the first closed without its final reaching here yet).
        assert!(!b.partial_due(A, 5_000, 6_000, t0));
        assert!(b.partial_due(A, 5_000, 7_000, t0));
    }

    /// A job with real audio of `from_ms..end_ms` of the spurt open since `start_ms`.
    fn audio(start_ms: Ms, from_ms: Ms, end_ms: Ms, early: bool, t0: Instant) -> Job {
        Job {
            samples: vec![0.0; ((end_ms - from_ms) * 16) as usize],
            first_sample: from_ms * 16,
            early,
            ..job(A, start_ms, end_ms, !early, t0)
        }
    }

    #[test]
    fn a_long_turn_is_decoded_in_pieces_at_its_pauses() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        // A pause 4 s in: the first stretch is a piece of the turn.
        b.push_early(audio(0, 0, 4_000, true, t0));
        b.take(A).unwrap();
        assert_eq!(b.finished(A, Some("my bill doubled")), Delivery::Partial);
        // Another pause 4 s later: the next stretch only, the piece said first.
        b.push_early(audio(0, 0, 8_000, true, t0));
        let second = b.take(A).unwrap();
        assert_eq!(second.said, "my bill doubled");
        assert_eq!(second.first_sample, 4_000 * 16);
        assert_eq!(second.samples.len(), 4_000 * 16);
        assert_eq!(b.finished(A, Some("this month")), Delivery::Partial);
        // The turn ends at 9 s: the final decodes the last second.
        assert!(!b.spurt_closed(A, 0, 9_000, t0));
        assert!(!b.push_final(audio(0, 0, 9_000, false, t0)));
        let last = b.take(A).unwrap();
        assert!(last.is_final && last.text.is_none());
        assert_eq!(last.samples.len(), 1_000 * 16);
        assert_eq!(
            last.words("while we were away"),
            "my bill doubled this month while we were away"
        );
        assert_eq!(b.finished(A, Some("while we were away")), Delivery::Final);
        // The next turn starts afresh.
        b.push_final(audio(10_000, 10_000, 12_000, false, t0));
        let next = b.take(A).unwrap();
        assert!(next.said.is_empty() && next.samples.len() == 2_000 * 16);
    }

    #[test]
    fn a_piece_in_progress_is_kept_and_a_turn_ending_at_it_has_its_words() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        b.push_early(audio(0, 0, 4_000, true, t0));
        b.take(A).unwrap();
        // The turn closed later while the piece decodes: the piece is not interrupted...
        assert!(!b.spurt_closed(A, 0, 6_000, t0));
        assert!(!b.push_final(audio(0, 0, 6_000, false, t0)));
        assert_eq!(
            b.finished(A, Some("first")),
            Delivery::Drop,
            "stale as a partial"
        );
        // ...and the final decodes only what followed it.
        let last = b.take(A).unwrap();
        assert_eq!(
            (last.said.as_str(), last.samples.len()),
            ("first", 2_000 * 16)
        );
        b.finished(A, Some("second"));
        // A turn that closes where its piece ended has nothing left to decode.
        b.push_early(audio(10_000, 10_000, 14_000, true, t0));
        b.take(A).unwrap();
        assert_eq!(b.finished(A, Some("all of it")), Delivery::Partial);
        assert!(b.spurt_closed(A, 10_000, 14_000, t0));
        let known = b.take(A).unwrap();
        assert!(known.is_final && known.samples.is_empty());
        assert_eq!(known.words(known.text.as_deref().unwrap()), "all of it");
    }

    #[test]
    fn short_stretches_and_whole_turns_are_not_pieces() {
        let t0 = Instant::now();
        // Under 3 s of speech at the pause; 4 s with pieces off.
        for (mut b, pause) in [
            (Backlog::default(), 2_000),
            (Backlog::default().whole_turns(), 4_000),
        ] {
            b.push_early(audio(0, 0, pause, true, t0));
            b.take(A).unwrap();
            b.finished(A, Some("so"));
            // The turn went on: its final decodes it whole.
            b.push_final(audio(0, 0, 7_000, false, t0));
            let last = b.take(A).unwrap();
            assert!(last.said.is_empty());
            assert_eq!(last.samples.len(), 7_000 * 16);
        }
    }
}
