//! Rules on timing: interruptions, heat, rate, talk share, monologues, dead air, long holds.

use super::language::text::words;
use super::nudges::Candidate;
use super::output::{Evidence, Output, Rule};
use super::pacing::{SegmentReport, SoFar};
use super::playbook::Detect;
use super::timefmt::{mmss, ms_from_secs, secs};
use super::{Engine, Speaker, Utterance};

impl Engine {
    pub(super) fn final_utterance(
        &mut self,
        u: &Utterance,
        out: &mut Vec<Output>,
        candidates: &mut Vec<Candidate>,
    ) {
        let w = words(&u.text);
        let end = u.end_ms.max(u.start_ms);
        if u.speaker == Speaker::Agent {
            self.agent_words_seen = true;
        }
        self.pacing.add_words(u.speaker, u.start_ms, end, w.len());
        if self.pacing.uses_timing(u.speaker, false) {
            let report = self.pacing.add_segment(
                u.speaker,
                u.start_ms,
                end,
                None,
                &self.playbook.thresholds,
            );
            self.after_segment(u.speaker, &report, out, candidates);
        }
        match u.speaker {
            Speaker::Agent => {
                self.agent_said(u, &w, out, candidates);
                self.rate_and_share(candidates);
            }
            Speaker::Customer => self.customer_said(u, &w, out, candidates),
        }
    }

    pub(super) fn after_segment(
        &mut self,
        speaker: Speaker,
        r: &SegmentReport,
        out: &mut Vec<Output>,
        candidates: &mut Vec<Candidate>,
    ) {
        if let Some((overlap, agent_start)) = r.interruption {
            self.counters.agent_interruptions += 1;
            candidates.push(Candidate::new(
                &self.playbook,
                Rule::Interruption,
                self.now,
                format!("overlap {} at {}", secs(overlap), mmss(agent_start)),
            ));
        }
        if let Some(db) = r.heat_db {
            candidates.push(self.heat_candidate(db));
        }
        if r.calm {
            self.counters.calm_segments += 1;
        }
        if r.customer_turn {
            self.counters.customer_turns += 1;
        }
        if let Some((start, end)) = r.closed_customer_turn {
            let long = ms_from_secs(self.playbook.thresholds.complaint_turn_s);
            if end - start >= long && self.awaiting_ack.is_none() {
                self.awaiting_ack = Some(format!(
                    "customer spoke {} from {}",
                    secs(end - start),
                    mmss(start)
                ));
            }
        }
        let floor = ms_from_secs(self.playbook.thresholds.listen_floor_s);
        if speaker == Speaker::Customer
            && self.pacing.customer_floor_ms() >= floor
            && !self.kind_done(Detect::CustomerFloor)
        {
            let evidence = Evidence {
                at_ms: self.now,
                speaker: Some(Speaker::Customer),
                text: None,
                by_agent: false,
            };
            if let Some(id) = self.playbook.item_for(Detect::CustomerFloor) {
                out.extend(self.checklist.tick(&self.playbook, id, evidence));
            }
        }
    }

    /// The agent's rate and talk share after a finished stretch of speech; a judgement within
    /// the limits counts as the agent keeping to them.
    pub(super) fn rate_and_share(&mut self, candidates: &mut Vec<Candidate>) {
        let t = &self.playbook.thresholds;
        let wpm = self.pacing.agent_wpm(self.now, t);
        let share = self.pacing.recent_share(self.now, t.talk_share_window_s);
        self.judge_rate(wpm, true, candidates);
        self.judge_share(share, true, candidates);
    }

    /// Speech still going on (see `Event::SpeechSoFar`): the rate, share and heat the turn
    /// would have if it ended here, nudged now rather than after the spurt's hangover. Nothing
    /// is kept: the finished spurt brings the same figures and is the one counted, so speech so
    /// far that never becomes a spurt (an echo found later) leaves no trace, and a turn within
    /// the limits is not counted twice.
    pub(super) fn speech_so_far(
        &mut self,
        so_far: &SoFar,
        level_db: Option<f32>,
        candidates: &mut Vec<Candidate>,
    ) {
        // The customer's speech so far changes no rule on the agent's pacing.
        if so_far.speaker != Speaker::Agent
            || !self.pacing.is_new_speech(so_far.speaker, so_far.end)
        {
            return;
        }
        let t = &self.playbook.thresholds;
        let share = self
            .pacing
            .recent_share_so_far(self.now, t.talk_share_window_s, so_far);
        let wpm = self.pacing.agent_wpm_so_far(self.now, t, so_far);
        if let Some(db) = level_db.and_then(|db| self.pacing.heat_so_far(so_far.start, db, t)) {
            candidates.push(self.heat_candidate(db));
        }
        self.judge_rate(wpm, false, candidates);
        self.judge_share(share, false, candidates);
    }

    /// The agent's words so far in a turn still going on (a partial): the turn's rate is judged
    /// on them while the agent speaks, as the syllable estimate is on a call without words.
    pub(super) fn partial_words(&mut self, u: &Utterance, candidates: &mut Vec<Candidate>) {
        let count = words(&u.text).len();
        if u.speaker != Speaker::Agent || count == 0 {
            return;
        }
        let so_far = SoFar {
            speaker: u.speaker,
            start: u.start_ms,
            end: u.end_ms.max(u.start_ms),
            words: Some(count as f32),
        };
        self.speech_so_far(&so_far, None, candidates);
    }

    fn heat_candidate(&self, db: f32) -> Candidate {
        Candidate::new(
            &self.playbook,
            Rule::Heat,
            self.now,
            format!(
                "voice {db:+.1} dB over your baseline at {} while the customer is loud",
                mmss(self.now)
            ),
        )
    }

    fn judge_rate(&mut self, wpm: Option<f32>, count_ok: bool, candidates: &mut Vec<Candidate>) {
        let t = &self.playbook.thresholds;
        let Some(wpm) = wpm else { return };
        if wpm > t.fast_wpm {
            candidates.push(Candidate::new(
                &self.playbook,
                Rule::SpeakingFast,
                self.now,
                format!(
                    "{wpm:.0} words/min over the last {:.0} s at {}",
                    t.rate_window_s,
                    mmss(self.now)
                ),
            ));
        } else if count_ok {
            self.counters.rate_ok += 1;
        }
    }

    /// `share`: the agent's share of the recent window and the speech it was judged on.
    fn judge_share(&mut self, share: (f32, u64), count_ok: bool, candidates: &mut Vec<Candidate>) {
        let t = &self.playbook.thresholds;
        let now = self.now;
        let limit = self
            .playbook
            .phases
            .iter()
            .find(|p| p.id == self.current_phase())
            .and_then(|p| p.talk_share_max)
            .unwrap_or(t.talk_share_max);
        let (share, judged) = share;
        // A share "over the last two minutes" needs two minutes of call behind it, except in a
        // phase with its own limit (Listen), which is judged as soon as there is enough speech.
        let window_full =
            now.saturating_sub(self.started_at) as f32 >= t.talk_share_window_s * 1000.0;
        let phase_limit = limit != t.talk_share_max;
        if judged as f32 >= t.talk_share_min_speech_s * 1000.0 && (window_full || phase_limit) {
            if share > limit {
                candidates.push(Candidate::new(
                    &self.playbook,
                    Rule::TalkShare,
                    now,
                    format!(
                        "you spoke {:.0}% of the last {:.0} s (limit {:.0}%) at {}",
                        share * 100.0,
                        t.talk_share_window_s,
                        limit * 100.0,
                        mmss(now)
                    ),
                ));
            } else if count_ok {
                self.counters.talk_share_ok += 1;
            }
        }
    }

    /// Rules that fire on time passing, checked after every event.
    pub(super) fn timing_checks(&mut self, candidates: &mut Vec<Candidate>) {
        let t = &self.playbook.thresholds;
        let now = self.now;
        if let Some((from, silence)) = self.pacing.silence_ms(now) {
            if silence as f32 >= t.dead_air_s * 1000.0 && self.dead_air_nudged_for != Some(from) {
                self.dead_air_nudged_for = Some(from);
                candidates.push(Candidate::new(
                    &self.playbook,
                    Rule::DeadAir,
                    now,
                    format!("silence {} since {}", secs(silence), mmss(from)),
                ));
            }
        }
        if let Some(since) = self.pacing.hold_since() {
            let long = ms_from_secs(t.long_hold_s);
            let due = self.hold_nudged_at.map_or(since + long, |last| last + long);
            if now >= due {
                self.hold_nudged_at = Some(now);
                candidates.push(Candidate::new(
                    &self.playbook,
                    Rule::LongHold,
                    now,
                    format!("on hold {} since {}", secs(now - since), mmss(since)),
                ));
            }
        } else {
            self.hold_nudged_at = None;
        }
        if let Some((run_start, run)) = self.pacing.monologue_ms(now, t) {
            if run as f32 >= t.monologue_s * 1000.0 && self.monologue_nudged_for != Some(run_start)
            {
                self.monologue_nudged_for = Some(run_start);
                candidates.push(Candidate::new(
                    &self.playbook,
                    Rule::Monologue,
                    now,
                    format!(
                        "you have spoken {} without a pause since {}",
                        secs(run),
                        mmss(run_start)
                    ),
                ));
            }
        }
    }
}
