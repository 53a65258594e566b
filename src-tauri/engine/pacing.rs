//! Pacing from timings alone: who speaks when, for how long, how fast, how loud.
//! Utterance timings are used unless the audio's voice activity is present for a speaker,
//! in which case the audio gives the timing and the words only give the rate.

use std::collections::VecDeque;

use super::event::{Ms, Speaker};
use super::output::Pacing;
use super::playbook::Thresholds;
use super::timefmt::ms_from_secs as ms;

/// Speech shorter than this is a backchannel ("mm-hm"): it neither takes nor ends a turn.
const TURN_MIN_MS: Ms = 1000;
/// A loud customer counts as "loud right now" for this long after their loud speech.
const CUSTOMER_LOUD_MEMORY_MS: Ms = 10_000;

#[derive(Debug, Clone, Copy)]
struct Segment {
    speaker: Speaker,
    start: Ms,
    end: Ms,
}

#[derive(Debug, Clone, Copy)]
struct WordSpan {
    end: Ms,
    duration: Ms,
    words: f32,
    /// Estimated from syllables in the audio, not counted from words.
    estimated: bool,
}

/// What a new stretch of speech revealed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SegmentReport {
    /// The agent started over the customer: (overlap, when the agent started).
    pub interruption: Option<(Ms, Ms)>,
    /// The agent's speech is louder than their baseline by this many dB while the customer is loud.
    pub heat_db: Option<f32>,
    /// The agent's level came back under the heat limit.
    pub calm: bool,
    /// The customer's turn that this agent speech closed: (start, end).
    pub closed_customer_turn: Option<(Ms, Ms)>,
    /// The customer took the floor (speech long enough to be a turn).
    pub customer_turn: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Level {
    sum: f64,
    count: u32,
}

impl Level {
    fn mean(&self) -> Option<f32> {
        (self.count > 0).then(|| (self.sum / self.count as f64) as f32)
    }
    fn add(&mut self, db: f32) {
        self.sum += db as f64;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
pub struct PacingTracker {
    audio_timing: [bool; 2],
    recent: VecDeque<Segment>,
    rate_spans: VecDeque<WordSpan>,
    speech_ms: [Ms; 2],
    agent_words: f32,
    agent_word_ms: Ms,
    speaking_since: [Option<Ms>; 2],
    last_end: [Option<Ms>; 2],
    silence_from: Ms,
    longest_silence: Ms,
    pub interruptions: u32,
    pub overlaps: u32,
    pub backchannels: u32,
    monologue: Option<(Ms, Ms)>,
    longest_monologue: Ms,
    last_customer_turn_start: Option<Ms>,
    customer_turn: Option<(Ms, Ms)>,
    hold_since: Option<Ms>,
    hold_ms: Ms,
    levels: [Level; 2],
    customer_loud_until: Option<Ms>,
    customer_floor_ms: Ms,
    /// Start of the agent speech last reported as an interruption while it went on: its end
    /// does not report it again.
    interruption_in_progress: Option<Ms>,
    /// Start of the agent speech whose heat was reported while it went on (see `heat_so_far`).
    heat_in_progress: Option<Ms>,
}

/// Speech still going on, as a window would count it if the turn ended now.
#[derive(Debug, Clone, Copy)]
pub struct SoFar {
    pub speaker: Speaker,
    pub start: Ms,
    pub end: Ms,
    /// Words it carries, for the agent's rate (None: the rate comes from elsewhere).
    pub words: Option<f32>,
}

fn idx(s: Speaker) -> usize {
    match s {
        Speaker::Agent => 0,
        Speaker::Customer => 1,
    }
}

impl PacingTracker {
    /// Someone started speaking (a partial transcript).
    pub fn speech_started(&mut self, speaker: Speaker, start: Ms) {
        let slot = &mut self.speaking_since[idx(speaker)];
        if slot.is_none() {
            *slot = Some(start);
        }
    }

    pub fn is_speaking(&self) -> bool {
        self.speaking_since.iter().any(Option::is_some)
    }

    /// Words of a final utterance, for the speaking rate (agent only).
    pub fn add_words(&mut self, speaker: Speaker, start: Ms, end: Ms, words: usize) {
        if speaker == Speaker::Agent && end > start && words > 0 {
            // The spurt's syllable estimate came first (audio is quicker than words); its
            // words replace it rather than counting the same speech twice.
            let (estimate, spans): (Vec<WordSpan>, Vec<WordSpan>) =
                self.rate_spans.drain(..).partition(|s| {
                    s.estimated && s.end > start && s.end.saturating_sub(s.duration) < end
                });
            self.rate_spans = spans.into();
            for s in estimate {
                self.agent_words -= s.words;
                self.agent_word_ms -= s.duration;
            }
            self.rate_spans.push_back(WordSpan {
                end,
                duration: end - start,
                words: words as f32,
                estimated: false,
            });
            self.agent_words += words as f32;
            self.agent_word_ms += end - start;
        }
    }

    /// A syllable rate measured from audio, turned into words for the rate.
    pub fn add_syllables(&mut self, start: Ms, end: Ms, syllables_per_s: f32, t: &Thresholds) {
        if let Some(words) = PacingTracker::syllable_words(start, end, syllables_per_s, t) {
            self.rate_spans.push_back(WordSpan {
                end,
                duration: end - start,
                words,
                estimated: true,
            });
            self.agent_words += words;
            self.agent_word_ms += end - start;
        }
    }

    /// Words a syllable rate stands for over `start..end`.
    pub fn syllable_words(start: Ms, end: Ms, syllables_per_s: f32, t: &Thresholds) -> Option<f32> {
        (end > start && syllables_per_s.is_finite() && syllables_per_s > 0.0)
            .then(|| syllables_per_s * (end - start) as f32 / 1000.0 / t.syllables_per_word)
    }

    /// Speech so far that no finished spurt of the speaker covers yet; what is older was
    /// already counted when its spurt ended.
    pub fn is_new_speech(&self, speaker: Speaker, end: Ms) -> bool {
        self.last_end[idx(speaker)].is_none_or(|e| e < end)
    }

    /// The agent's level so far is heated while the customer is loud: the excess in dB, once per
    /// stretch of speech (its end does not report it again).
    pub fn heat_so_far(&mut self, start: Ms, db: f32, t: &Thresholds) -> Option<f32> {
        let baseline = self.baseline(Speaker::Agent, t)?;
        let hot = db.is_finite() && self.heated(start, db, baseline, t);
        (hot && self.heat_in_progress != Some(start)).then(|| {
            self.heat_in_progress = Some(start);
            db - baseline
        })
    }

    /// The speaker's usual level this call, once enough of their speech has been heard.
    fn baseline(&self, speaker: Speaker, t: &Thresholds) -> Option<f32> {
        let level = &self.levels[idx(speaker)];
        (level.count >= t.heat_baseline_segments)
            .then(|| level.mean())
            .flatten()
    }

    /// Agent speech from `start` at `db` is heat: over their baseline while the customer is loud.
    fn heated(&self, start: Ms, db: f32, baseline: f32, t: &Thresholds) -> bool {
        db >= baseline + t.heat_db && self.customer_loud_until.is_some_and(|u| start <= u)
    }

    /// Whether this kind of timing should count for the speaker (audio wins once seen).
    pub fn uses_timing(&mut self, speaker: Speaker, from_audio: bool) -> bool {
        if from_audio {
            self.audio_timing[idx(speaker)] = true;
        }
        from_audio || !self.audio_timing[idx(speaker)]
    }

    /// Both sides talking at `at` (see `Event::TalkOver`): the agent who started over the
    /// customer is an interruption as soon as the overlap reaches the playbook's limit.
    pub fn talk_over(
        &mut self,
        agent_start: Ms,
        customer_start: Ms,
        at: Ms,
        t: &Thresholds,
    ) -> SegmentReport {
        let mut report = SegmentReport::default();
        let overlap = at.saturating_sub(agent_start.max(customer_start));
        if agent_start > customer_start
            && overlap >= ms(t.interruption_overlap_s)
            && self.interrupted(overlap, agent_start, &mut report)
        {
            self.interruption_in_progress = Some(agent_start);
        }
        report
    }

    /// Counts the agent's speech from `agent_start` as an interruption, unless it was already
    /// reported while it went on; true when it is counted now.
    fn interrupted(&mut self, overlap: Ms, agent_start: Ms, report: &mut SegmentReport) -> bool {
        if self.interruption_in_progress == Some(agent_start) {
            return false;
        }
        self.interruptions += 1;
        self.customer_floor_ms = 0;
        report.interruption = Some((overlap, agent_start));
        true
    }

    /// A finished stretch of speech.
    pub fn add_segment(
        &mut self,
        speaker: Speaker,
        start: Ms,
        end: Ms,
        level_db: Option<f32>,
        t: &Thresholds,
    ) -> SegmentReport {
        let mut report = SegmentReport::default();
        let i = idx(speaker);
        self.speaking_since[i] = None;
        self.speech_ms[i] += end - start;
        let long = end - start >= TURN_MIN_MS;

        let everyone_last = self.last_end.iter().flatten().copied().max();
        if let Some(last) = everyone_last {
            if start > last && self.hold_since.is_none() {
                self.longest_silence = self
                    .longest_silence
                    .max(start - last.max(self.silence_from));
            }
        } else if self.hold_since.is_none() {
            self.longest_silence = self
                .longest_silence
                .max(start.saturating_sub(self.silence_from));
        }
        self.last_end[i] = Some(self.last_end[i].map_or(end, |e| e.max(end)));

        self.find_overlaps(speaker, start, end, t, &mut report);
        self.recent.push_back(Segment {
            speaker,
            start,
            end,
        });

        match speaker {
            Speaker::Customer => {
                if long {
                    report.customer_turn = true;
                    self.last_customer_turn_start = Some(start);
                    self.customer_turn = Some(match self.customer_turn {
                        Some((s, e)) => (s, e.max(end)),
                        None => (start, end),
                    });
                }
                self.customer_floor_ms += end - start;
            }
            Speaker::Agent => {
                self.extend_monologue(start, end, t);
                if long {
                    if let Some(turn) = self.customer_turn.take() {
                        report.closed_customer_turn = Some(turn);
                    }
                }
            }
        }
        if let Some(db) = level_db.filter(|d| d.is_finite()) {
            self.judge_level(speaker, start, end, db, t, &mut report);
        }
        report
    }

    fn find_overlaps(
        &mut self,
        speaker: Speaker,
        start: Ms,
        end: Ms,
        t: &Thresholds,
        report: &mut SegmentReport,
    ) {
        let threshold = ms(t.interruption_overlap_s);
        // By index: counting an interruption borrows the whole tracker.
        for i in 0..self.recent.len() {
            let other = self.recent[i];
            if other.speaker == speaker {
                continue;
            }
            let overlap = end.min(other.end).saturating_sub(start.max(other.start));
            if overlap == 0 {
                continue;
            }
            if overlap < threshold {
                self.backchannels += 1;
                continue;
            }
            self.overlaps += 1;
            let (agent_start, customer_start) = match speaker {
                Speaker::Agent => (start, other.start),
                Speaker::Customer => (other.start, start),
            };
            if agent_start > customer_start {
                self.interrupted(overlap, agent_start, report);
            }
        }
    }

    fn extend_monologue(&mut self, start: Ms, end: Ms, t: &Thresholds) {
        let pause = ms(t.monologue_pause_s);
        let run = match self.monologue {
            Some((run_start, run_end))
                if start <= run_end + pause
                    && self.last_customer_turn_start.is_none_or(|c| c < run_start) =>
            {
                (run_start, run_end.max(end))
            }
            _ => (start, end),
        };
        self.monologue = Some(run);
        self.longest_monologue = self.longest_monologue.max(run.1 - run.0);
    }

    /// Length of the agent's current run without a pause for the customer, counting speech in progress.
    pub fn monologue_ms(&self, now: Ms, t: &Thresholds) -> Option<(Ms, Ms)> {
        let pause = ms(t.monologue_pause_s);
        let customer_took_turn =
            |since: Ms| self.last_customer_turn_start.is_some_and(|c| c >= since);
        let run = match (self.monologue, self.speaking_since[0]) {
            (Some((start, end)), Some(s)) if s <= end + pause => (start, now.max(end)),
            (Some(run), None) => run,
            (_, Some(s)) => (s, now.max(s)),
            (None, None) => return None,
        };
        (!customer_took_turn(run.0)).then_some((run.0, run.1 - run.0))
    }

    fn judge_level(
        &mut self,
        speaker: Speaker,
        start: Ms,
        end: Ms,
        db: f32,
        t: &Thresholds,
        report: &mut SegmentReport,
    ) {
        let i = idx(speaker);
        let baseline = self.baseline(speaker, t);
        match speaker {
            Speaker::Customer => {
                if baseline.is_some_and(|b| db >= b + t.heat_customer_db) {
                    self.customer_loud_until = Some(end + CUSTOMER_LOUD_MEMORY_MS);
                }
                self.levels[i].add(db);
            }
            Speaker::Agent => {
                let Some(b) = baseline else {
                    self.levels[i].add(db);
                    return;
                };
                if self.heated(start, db, b, t) {
                    // Reported while it went on: the spurt's end keeps it out of the baseline only.
                    if self.heat_in_progress.is_none_or(|s| s < start || s >= end) {
                        report.heat_db = Some(db - b);
                    }
                } else {
                    report.calm = db < b + t.heat_db;
                    // Heated speech stays out of the baseline so it cannot raise the bar.
                    self.levels[i].add(db);
                }
            }
        }
    }

    /// Agent words per minute of speech over the recent rate window; None with too few words.
    pub fn agent_wpm(&self, now: Ms, t: &Thresholds) -> Option<f32> {
        self.agent_wpm_with(now, t, None)
    }

    /// The rate as it would be if the agent's speech so far ended now.
    /// None when the speech so far carries no words for the rate.
    pub fn agent_wpm_so_far(&self, now: Ms, t: &Thresholds, so_far: &SoFar) -> Option<f32> {
        let span = WordSpan {
            end: so_far.end,
            duration: so_far.end.saturating_sub(so_far.start),
            words: so_far.words?,
            // Never kept, so never replaced.
            estimated: false,
        };
        self.agent_wpm_with(now, t, Some(span))
    }

    fn agent_wpm_with(&self, now: Ms, t: &Thresholds, extra: Option<WordSpan>) -> Option<f32> {
        let from = now.saturating_sub(ms(t.rate_window_s));
        let (words, dur) = self
            .rate_spans
            .iter()
            .chain(extra.as_ref())
            .filter(|s| s.end > from)
            .fold((0.0f32, 0u64), |(w, d), s| (w + s.words, d + s.duration));
        (words >= t.rate_min_words as f32 && dur > 0).then(|| words / (dur as f32 / 60_000.0))
    }

    /// Agent share of speech over the window ending now, and the speech it was judged on.
    pub fn recent_share(&self, now: Ms, window_s: f32) -> (f32, Ms) {
        self.recent_share_with(now, window_s, None)
    }

    /// The share as it would be if the speech so far ended now.
    pub fn recent_share_so_far(&self, now: Ms, window_s: f32, so_far: &SoFar) -> (f32, Ms) {
        let segment = Segment {
            speaker: so_far.speaker,
            start: so_far.start,
            end: so_far.end,
        };
        self.recent_share_with(now, window_s, Some(segment))
    }

    fn recent_share_with(&self, now: Ms, window_s: f32, extra: Option<Segment>) -> (f32, Ms) {
        let from = now.saturating_sub(ms(window_s));
        let mut per = [0u64; 2];
        for s in self.recent.iter().chain(extra.as_ref()) {
            let a = s.start.max(from);
            let b = s.end.min(now);
            if b > a {
                per[idx(s.speaker)] += b - a;
            }
        }
        let total = per[0] + per[1];
        (
            if total > 0 {
                per[0] as f32 / total as f32
            } else {
                0.0
            },
            total,
        )
    }

    /// Drop what no window can reach any more.
    pub fn prune(&mut self, now: Ms, t: &Thresholds) {
        let keep = ms(t
            .talk_share_window_s
            .max(t.rate_window_s)
            .max(t.monologue_s))
            + 60_000;
        let from = now.saturating_sub(keep);
        while self.recent.front().is_some_and(|s| s.end < from) {
            self.recent.pop_front();
        }
        let rate_from = now.saturating_sub(ms(t.rate_window_s) + 1000);
        while self.rate_spans.front().is_some_and(|s| s.end < rate_from) {
            self.rate_spans.pop_front();
        }
    }

    /// Silence so far: how long nobody has spoken, outside holds. None while someone speaks.
    pub fn silence_ms(&self, now: Ms) -> Option<(Ms, Ms)> {
        if self.is_speaking() || self.hold_since.is_some() {
            return None;
        }
        let from = self
            .last_end
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.silence_from);
        Some((from, now.saturating_sub(from)))
    }

    pub fn hold_started(&mut self, at: Ms) {
        if self.hold_since.is_none() {
            self.hold_since = Some(at);
        }
    }

    pub fn hold_ended(&mut self, at: Ms) -> bool {
        match self.hold_since.take() {
            Some(since) => {
                self.hold_ms += at.saturating_sub(since);
                self.silence_from = self.silence_from.max(at);
                true
            }
            None => false,
        }
    }

    pub fn hold_since(&self) -> Option<Ms> {
        self.hold_since
    }

    pub fn customer_floor_ms(&self) -> Ms {
        self.customer_floor_ms
    }

    /// Close the books at call end: a silence running at the end counts too.
    pub fn finish(&mut self, now: Ms) {
        if let Some((_, silence)) = self.silence_ms(now) {
            self.longest_silence = self.longest_silence.max(silence);
        }
        if let Some(since) = self.hold_since.take() {
            self.hold_ms += now.saturating_sub(since);
        }
    }

    pub fn snapshot(&self, now: Ms, t: &Thresholds, recent_window_s: f32) -> Pacing {
        let [agent, customer] = self.speech_ms;
        let total = agent + customer;
        let customer_speaking = self.speaking_since[1].is_some();
        Pacing {
            agent_talk_share: if total > 0 {
                agent as f32 / total as f32
            } else {
                0.0
            },
            recent_talk_share: self.recent_share(now, recent_window_s).0,
            agent_wpm: self.agent_wpm(now, t),
            agent_wpm_overall: (self.agent_word_ms > 0
                && self.agent_words >= t.rate_min_words as f32)
                .then(|| self.agent_words / (self.agent_word_ms as f32 / 60_000.0)),
            agent_speech_ms: agent,
            customer_speech_ms: customer,
            interruptions: self.interruptions,
            overlaps: self.overlaps,
            backchannels: self.backchannels,
            longest_silence_ms: self.longest_silence,
            longest_monologue_ms: self.longest_monologue,
            hold_ms: self.hold_ms + self.hold_since.map_or(0, |s| now.saturating_sub(s)),
            since_customer_spoke_ms: if customer_speaking {
                Some(0)
            } else {
                self.last_end[1].map(|e| now.saturating_sub(e))
            },
        }
    }
}
