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

/// A stretch of one channel's audio to transcribe.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub speaker: Speaker,
    pub start_ms: Ms,
    pub end_ms: Ms,
    pub is_final: bool,
    /// The spurt's samples (with context) at `rate`.
    pub samples: Vec<f32>,
    pub rate: u32,
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
    /// An early decode of this span.
    Early(Ms, Ms),
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
        }
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
        matches!(lane.busy, Busy::Partial | Busy::Early(..))
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
        if let Some((s, e, text)) = lane.parked.take() {
            if Some((s, e)) == span {
                lane.partial = None;
                lane.finals.push_back(Job {
                    speaker,
                    start_ms: start,
                    end_ms: end,
                    is_final: true,
                    samples: Vec::new(),
                    rate: 0,
                    early: false,
                    text: Some(text),
                    queued: now,
                });
                return true;
            }
        }
        if lane.busy == Busy::Early(start, end) {
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

    /// The worker finished its job, with `text` when it decoded any: what to do with the
    /// words. An early decode the spurt's end confirmed meanwhile is the final; otherwise its
    /// words are kept in case the spurt ends there, and meanwhile are a partial.
    pub fn finished(&mut self, speaker: Speaker, text: Option<&str>) -> Delivery {
        let lane = self.lane(speaker);
        let was = std::mem::replace(&mut lane.busy, Busy::Idle);
        let stale = !lane.finals.is_empty();
        match was {
            Busy::Final(_) => Delivery::Final,
            Busy::Early(s, e) if lane.confirmed.is_some_and(|(cs, ce, _)| (cs, ce) == (s, e)) => {
                lane.confirmed = None;
                Delivery::Final
            }
            Busy::Early(s, e) => {
                if let Some(t) = text {
                    lane.parked = Some((s, e, t.to_string()));
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

    /// The next job for `speaker`'s worker: finals first.
    pub fn take(&mut self, speaker: Speaker) -> Option<Job> {
        let lane = self.lane(speaker);
        if let Some(job) = lane.finals.pop_front() {
            lane.queued_ms = lane.queued_ms.saturating_sub(job.audio_ms());
            lane.busy = Busy::Final(job.queued);
            return Some(job);
        }
        let job = lane.partial.take()?;
        lane.busy = match job.early {
            true => Busy::Early(job.start_ms, job.end_ms),
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
}
