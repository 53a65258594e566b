//! The coaching engine: events in, outputs out. No clock, no I/O, no threads; time comes from
//! the events, so the same call always gives the same coaching.

mod agent_speech;
mod checklist;
mod counters;
mod customer_speech;
pub mod event;
mod followup;
pub mod language;
mod nudges;
pub mod output;
mod pacing;
pub mod playbook;
mod summary;
pub mod timefmt;
mod timing_rules;

pub use event::{AgentAction, EndReason, Event, Ms, Speaker, Utterance};
pub use output::{CallState, Nudge, Output, Pacing, PacingLimits, Rule, Snapshot, Summary};

pub use playbook::Playbook;

use std::collections::VecDeque;
use std::sync::Arc;

use checklist::Checklist;
use counters::Counters;
use language::intent::IntentRules;
use language::semantic::{Embedder, Embedding};
use language::understanding::Understanding;
use language::{AbuseDetector, ParaphraseDetector, PhraseSet};
use nudges::{Candidate, Desk};
use output::{Evidence, FollowUp};
use pacing::{PacingTracker, SoFar};
use playbook::Detect;

/// Phrase lists compiled once per playbook.
struct Compiled {
    items: Vec<(String, PhraseSet)>,
    apology: PhraseSet,
    acknowledge: PhraseSet,
    solution: PhraseSet,
    follow_up: PhraseSet,
    hot_button: PhraseSet,
    transfer: PhraseSet,
    boundary_stated: PhraseSet,
    intent: IntentRules,
    negative: Vec<PhraseSet>,
    abuse: AbuseDetector,
    paraphrase: ParaphraseDetector,
    /// The semantic layer, when the engine was given an embedder.
    understanding: Option<Understanding>,
}

/// A customer line kept for the agent's reply: restatement and acknowledgement read it.
struct CustomerLine {
    at: Ms,
    text: String,
    embedding: Option<Embedding>,
}

impl Compiled {
    fn new(p: &Playbook) -> Compiled {
        // The playbook was validated on load, so every list compiles; an empty set is the safe fallback.
        let set = |list: &[String]| PhraseSet::new(list).unwrap_or_default();
        Compiled {
            items: p
                .items
                .iter()
                .map(|i| (i.id.clone(), set(&i.phrases)))
                .collect(),
            apology: set(&p.phrases.apology),
            acknowledge: set(&p.phrases.acknowledge),
            solution: set(&p.phrases.solution),
            follow_up: set(&p.phrases.follow_up),
            hot_button: set(&p.phrases.hot_button),
            transfer: set(&p.phrases.transfer),
            boundary_stated: set(&p.phrases.boundary_stated),
            intent: IntentRules::new(p).unwrap_or_else(|_| {
                IntentRules::new(&Playbook::builtin()).expect("built-in escalation lists compile")
            }),
            negative: p
                .negative_phrasing
                .iter()
                .map(|n| set(std::slice::from_ref(&n.phrase)))
                .collect(),
            abuse: AbuseDetector::new(&p.language.abuse).unwrap_or_else(|_| {
                AbuseDetector::new(&Playbook::builtin().language.abuse)
                    .expect("built-in abuse lists compile")
            }),
            paraphrase: ParaphraseDetector::new(&p.language.paraphrase).unwrap_or_else(|_| {
                ParaphraseDetector::new(&Playbook::builtin().language.paraphrase)
                    .expect("built-in frames compile")
            }),
            understanding: None,
        }
    }

    fn item_phrases(&self, id: &str) -> Option<&PhraseSet> {
        self.items.iter().find(|(i, _)| i == id).map(|(_, s)| s)
    }
}

/// A playbook compiled once, with the language model if there is one: it hands out one engine
/// per call without compiling the phrase lists again.
#[derive(Clone)]
pub struct Coach {
    playbook: Arc<Playbook>,
    compiled: Arc<Compiled>,
}

impl Coach {
    pub fn new(playbook: Arc<Playbook>) -> Coach {
        let compiled = Arc::new(Compiled::new(&playbook));
        Coach { playbook, compiled }
    }

    /// Language detectors that read sentence embeddings from `embedder` through the trained
    /// heads; an error when the heads do not fit the embedder.
    pub fn with_embedder(
        playbook: Arc<Playbook>,
        embedder: Arc<dyn Embedder>,
    ) -> Result<Coach, language::understanding::UnderstandingError> {
        let mut compiled = Compiled::new(&playbook);
        compiled.understanding = Some(Understanding::new(embedder, &playbook.language.abuse)?);
        Ok(Coach {
            playbook,
            compiled: Arc::new(compiled),
        })
    }

    pub fn engine(&self) -> Engine {
        Engine::from_parts(self.playbook.clone(), self.compiled.clone())
    }

    /// The language model in use, or None when the word rules alone judge language.
    pub fn understanding(&self) -> Option<String> {
        self.compiled.understanding.as_ref().map(|u| u.describe())
    }

    pub fn playbook(&self) -> &Arc<Playbook> {
        &self.playbook
    }
}

/// One engine per call.
pub struct Engine {
    playbook: Arc<Playbook>,
    compiled: Arc<Compiled>,
    state: CallState,
    now: Ms,
    started_at: Ms,
    checklist: Checklist,
    pacing: PacingTracker,
    desk: Desk,
    counters: Counters,
    customer_recent: VecDeque<CustomerLine>,
    concern: Option<String>,
    boundary_step: u8,
    last_boundary_at: Option<Ms>,
    escalation_requested: bool,
    transfer_offered: bool,
    /// Something the customer said that the agent's next reply should acknowledge: (reason).
    awaiting_ack: Option<String>,
    solution_offered: bool,
    follow_ups: Vec<FollowUp>,
    agent_notes: Vec<String>,
    actions: Vec<String>,
    dead_air_nudged_for: Option<Ms>,
    monologue_nudged_for: Option<Ms>,
    hold_nudged_at: Option<Ms>,
    agent_words_seen: bool,
    /// Customer words before the first fix was offered: how much concern there was to restate.
    concern_words: u32,
    end_reason: Option<EndReason>,
}

impl Engine {
    pub fn new(playbook: Arc<Playbook>) -> Engine {
        Coach::new(playbook).engine()
    }

    fn from_parts(playbook: Arc<Playbook>, compiled: Arc<Compiled>) -> Engine {
        let checklist = Checklist::new(&playbook);
        Engine {
            playbook,
            compiled,
            state: CallState::Idle,
            now: 0,
            started_at: 0,
            checklist,
            pacing: PacingTracker::default(),
            desk: Desk::default(),
            counters: Counters::default(),
            customer_recent: VecDeque::new(),
            concern: None,
            boundary_step: 0,
            last_boundary_at: None,
            escalation_requested: false,
            transfer_offered: false,
            awaiting_ack: None,
            solution_offered: false,
            follow_ups: Vec::new(),
            agent_notes: Vec::new(),
            actions: Vec::new(),
            dead_air_nudged_for: None,
            monologue_nudged_for: None,
            hold_nudged_at: None,
            agent_words_seen: false,
            concern_words: 0,
            end_reason: None,
        }
    }

    pub fn playbook(&self) -> &Playbook {
        &self.playbook
    }

    pub fn state(&self) -> CallState {
        self.state
    }

    pub fn now(&self) -> Ms {
        self.now
    }

    /// The checklist as it stands (for a UI that resyncs).
    pub fn checklist(&self) -> &[output::ItemStatus] {
        self.checklist.items()
    }

    pub fn current_phase(&self) -> &str {
        self.checklist.phase_id(&self.playbook)
    }

    /// The customer vented (or held a long turn) and the agent has not replied yet.
    pub fn awaits_acknowledgement(&self) -> bool {
        self.awaiting_ack.is_some()
    }

    pub fn boundary_step(&self) -> u8 {
        self.boundary_step
    }

    pub fn nudges(&self) -> &[output::NudgeRecord] {
        self.desk.records()
    }

    pub fn pacing(&self) -> Pacing {
        self.pacing.snapshot(
            self.now,
            &self.playbook.thresholds,
            self.playbook.thresholds.talk_share_window_s,
        )
    }

    /// The whole call state, for a screen that needs to redraw from scratch.
    pub fn snapshot(&self) -> output::Snapshot {
        output::Snapshot {
            at_ms: self.now,
            state: self.state,
            phase: self.current_phase().to_string(),
            checklist: self.checklist.items().to_vec(),
            pacing: self.pacing(),
            nudges: self.desk.records().to_vec(),
            boundary_step: self.boundary_step,
            boundary_steps: self.playbook.boundary.steps.len() as u8,
            follow_ups: self.follow_ups.clone(),
        }
    }

    /// Feed one event; returns what the agent (and the record) should learn from it.
    pub fn feed(&mut self, event: &Event) -> Vec<Output> {
        if self.state == CallState::Ended {
            return Vec::new();
        }
        let mut out = Vec::new();
        // Time never runs backwards inside the engine, whatever a source sends.
        self.now = self.now.max(event.at_ms());
        if self.state == CallState::Idle {
            self.state = CallState::Live;
            self.started_at = match event {
                Event::CallStarted { at_ms, .. } => *at_ms,
                _ => 0,
            };
            out.push(Output::CallState {
                at_ms: self.now,
                state: CallState::Live,
            });
        }
        let mut candidates = Vec::new();
        let mut speech = false;
        match event {
            Event::CallStarted { .. } | Event::Tick { .. } => {}
            Event::CallEnded { reason, .. } => {
                self.end_reason = *reason;
                return self.end_call(out);
            }
            Event::Utterance(u) if !u.is_final => {
                if self.pacing.uses_timing(u.speaker, false) {
                    self.pacing.speech_started(u.speaker, u.start_ms);
                }
                self.counters.speech_starts += 1;
                self.partial_words(u, &mut candidates);
            }
            Event::Utterance(u) => {
                speech = true;
                self.counters.speech_starts += 1;
                self.final_utterance(u, &mut out, &mut candidates);
            }
            Event::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => {
                speech = true;
                self.counters.speech_starts += 1;
                self.pacing.uses_timing(*speaker, true);
                if *speaker == Speaker::Agent {
                    self.counters.agent_turns += 1;
                }
                if let (Speaker::Agent, Some(rate), false) =
                    (speaker, syllable_rate, self.agent_words_seen)
                {
                    self.pacing
                        .add_syllables(*start_ms, *end_ms, *rate, &self.playbook.thresholds);
                }
                let report = self.pacing.add_segment(
                    *speaker,
                    *start_ms,
                    (*end_ms).max(*start_ms),
                    *level_db,
                    &self.playbook.thresholds,
                );
                self.after_segment(*speaker, &report, &mut out, &mut candidates);
                if *speaker == Speaker::Agent {
                    self.rate_and_share(&mut candidates);
                }
            }
            Event::SpeechSoFar {
                speaker,
                start_ms,
                end_ms,
                level_db,
                syllable_rate,
            } => {
                let words = syllable_rate
                    .filter(|_| *speaker == Speaker::Agent && !self.agent_words_seen)
                    .and_then(|rate| {
                        PacingTracker::syllable_words(
                            *start_ms,
                            *end_ms,
                            rate,
                            &self.playbook.thresholds,
                        )
                    });
                let so_far = SoFar {
                    speaker: *speaker,
                    start: *start_ms,
                    end: (*end_ms).max(*start_ms),
                    words,
                };
                self.speech_so_far(&so_far, *level_db, &mut candidates);
            }
            Event::TalkOver {
                agent_start_ms,
                customer_start_ms,
                at_ms,
            } => {
                let report = self.pacing.talk_over(
                    *agent_start_ms,
                    *customer_start_ms,
                    *at_ms,
                    &self.playbook.thresholds,
                );
                self.after_segment(Speaker::Agent, &report, &mut out, &mut candidates);
            }
            Event::HoldStarted { at_ms } => {
                self.pacing.hold_started(*at_ms);
                self.state = CallState::OnHold;
                self.actions.push(format!(
                    "put the customer on hold at {}",
                    timefmt::mmss(*at_ms)
                ));
                out.push(Output::CallState {
                    at_ms: *at_ms,
                    state: CallState::OnHold,
                });
            }
            Event::HoldEnded { at_ms } => {
                if self.pacing.hold_ended(*at_ms) {
                    self.counters.holds_ended += 1;
                    self.state = CallState::Live;
                    out.push(Output::CallState {
                        at_ms: *at_ms,
                        state: CallState::Live,
                    });
                }
            }
            Event::Agent { at_ms, action } => {
                self.agent_action(*at_ms, action, &mut out, &mut candidates)
            }
        }
        self.timing_checks(&mut candidates);
        for c in candidates {
            self.desk.offer(&self.playbook, c);
        }
        out.extend(self.desk.release(&self.playbook, self.now, &self.counters));
        out.extend(self.desk.settle(self.now, &self.counters, false));
        if speech || matches!(event, Event::Tick { .. }) {
            self.pacing.prune(self.now, &self.playbook.thresholds);
            out.push(Output::Pacing {
                at_ms: self.now,
                pacing: self.pacing(),
            });
        }
        out
    }

    fn agent_action(
        &mut self,
        at: Ms,
        action: &AgentAction,
        out: &mut Vec<Output>,
        candidates: &mut Vec<Candidate>,
    ) {
        match action {
            AgentAction::TickItem { item } => {
                let evidence = Evidence {
                    at_ms: at,
                    speaker: None,
                    text: None,
                    by_agent: true,
                };
                let ticks = self.checklist.tick(&self.playbook, item, evidence);
                if !ticks.is_empty() {
                    self.on_ticked(item);
                }
                out.extend(ticks);
            }
            AgentAction::FlagAbuse => {
                let reason = format!("flagged by the agent at {}", timefmt::mmss(at));
                self.climb_ladder(at, reason, candidates);
            }
            AgentAction::AddNote { text } => self.agent_notes.push(text.clone()),
            AgentAction::DismissNudge { nudge_id } => {
                self.desk.dismiss(*nudge_id);
            }
            AgentAction::MuteRule { rule } => {
                if let Some(rule) = Rule::parse(rule) {
                    self.desk.mute(rule);
                }
            }
        }
    }

    /// Bookkeeping when an item ticks, whoever ticked it.
    fn on_ticked(&mut self, item: &str) {
        match self.playbook.item(item).map(|i| i.detect) {
            Some(Detect::Paraphrase) => self.counters.paraphrases += 1,
            Some(Detect::Acknowledge) => self.counters.acknowledgements += 1,
            Some(Detect::FollowUp) => self.counters.follow_up_ticks += 1,
            _ => {}
        }
    }

    /// Whether the playbook's item of this kind is ticked.
    fn kind_done(&self, detect: Detect) -> bool {
        self.playbook
            .item_for(detect)
            .is_some_and(|id| self.checklist.is_done(id))
    }

    fn tick_kind(
        &mut self,
        detect: Detect,
        speaker: Speaker,
        at: Ms,
        text: &str,
        out: &mut Vec<Output>,
    ) {
        if let Some(id) = self.playbook.item_for(detect).map(str::to_string) {
            self.tick_detected(&id, speaker, at, text, out);
        }
    }

    fn tick_detected(
        &mut self,
        item: &str,
        speaker: Speaker,
        at: Ms,
        text: &str,
        out: &mut Vec<Output>,
    ) {
        let evidence = Evidence {
            at_ms: at,
            speaker: Some(speaker),
            text: Some(text.to_string()),
            by_agent: false,
        };
        let ticks = self.checklist.tick(&self.playbook, item, evidence);
        if !ticks.is_empty() {
            self.on_ticked(item);
        }
        out.extend(ticks);
    }

    fn climb_ladder(&mut self, at: Ms, reason: String, candidates: &mut Vec<Candidate>) {
        self.counters.abusive_remarks += 1;
        let gap = timefmt::ms_from_secs(self.playbook.boundary.step_gap_s);
        let steps = self.playbook.boundary.steps.len() as u8;
        if self.last_boundary_at.is_some_and(|t| at < t + gap) || self.boundary_step >= steps {
            return;
        }
        self.boundary_step += 1;
        self.last_boundary_at = Some(at);
        let step = &self.playbook.boundary.steps[self.boundary_step as usize - 1];
        let reason = format!("{reason} (step {} of {steps})", self.boundary_step);
        let mut c = Candidate::new(&self.playbook, Rule::Boundary, at, reason)
            .with_words(&step.headline, Some(&step.script));
        c.step = Some(self.boundary_step);
        self.actions.push(format!(
            "boundary step {} at {}",
            self.boundary_step,
            timefmt::mmss(at)
        ));
        candidates.push(c);
    }

    fn end_call(&mut self, mut out: Vec<Output>) -> Vec<Output> {
        self.pacing.finish(self.now);
        out.extend(self.desk.settle(self.now, &self.counters, true));
        self.state = CallState::Ended;
        out.push(Output::CallState {
            at_ms: self.now,
            state: CallState::Ended,
        });
        out.push(Output::Summary(Box::new(self.summary())));
        out
    }
}

#[cfg(test)]
mod tests;
