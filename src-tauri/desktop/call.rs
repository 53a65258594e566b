//! One call in progress: the engine, its clock, and the record being built for the archive.

use std::sync::Arc;

use tokio::time::Instant;

use crate::engine::output::{NudgeRecord, Summary};
use crate::engine::{CallState, Engine, Event, Ms, Nudge, Output, Pacing, Playbook, Rule};

use super::archive::{PacingSample, SessionRecord};
use super::ipc::{CallSource, PhaseView};

/// Pacing is sampled for the review charts no more often than this.
const PACING_SAMPLE_MS: Ms = 5_000;
/// Nudges kept in the overlay's history.
const HISTORY: usize = 5;

/// Call time: starts at zero when the call does and runs `speed` times real time (replays).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
    pub speed: f64,
}

impl Clock {
    pub fn start(speed: f64) -> Clock {
        Clock {
            origin: Instant::now(),
            speed,
        }
    }

    pub fn origin(&self) -> Instant {
        self.origin
    }

    pub fn now_ms(&self) -> Ms {
        (self.origin.elapsed().as_secs_f64() * 1000.0 * self.speed) as Ms
    }
}

pub struct Replaying {
    pub name: String,
    pub generation: u64,
    pub task: tokio::task::JoinHandle<()>,
}

pub struct LiveCall {
    pub engine: Engine,
    pub clock: Clock,
    pub source: CallSource,
    pub replay: Option<Replaying>,
    pub agent: String,
    pub started_at: i64,
    /// The nudge on screen.
    pub nudge: Option<Nudge>,
    pub last_pacing: Option<Pacing>,
    record: Vec<Output>,
    transcript: Vec<crate::engine::Utterance>,
    pacing: Vec<PacingSample>,
}

/// What feeding one event produced that the session must act on.
#[derive(Default)]
pub struct Fed {
    /// High-priority nudges (boundary, escalation) that may need a desktop notification.
    pub urgent: Vec<Nudge>,
    pub summary: Option<Box<Summary>>,
}

impl LiveCall {
    pub fn new(
        playbook: Arc<Playbook>,
        clock: Clock,
        source: CallSource,
        agent: String,
        started_at: i64,
    ) -> LiveCall {
        LiveCall {
            engine: Engine::new(playbook),
            clock,
            source,
            replay: None,
            agent,
            started_at,
            nudge: None,
            last_pacing: None,
            record: Vec::new(),
            transcript: Vec::new(),
            pacing: Vec::new(),
        }
    }

    pub fn feed(&mut self, event: &Event) -> Fed {
        if let Event::Utterance(u) = event {
            if u.is_final {
                self.transcript.push(u.clone());
            }
        }
        if let Event::CallStarted {
            agent: Some(agent), ..
        } = event
        {
            self.agent = agent.clone();
        }
        let mut fed = Fed::default();
        for out in self.engine.feed(event) {
            match out {
                Output::Pacing { at_ms, pacing } => {
                    let due = self
                        .pacing
                        .last()
                        .is_none_or(|p| at_ms >= p.at_ms + PACING_SAMPLE_MS);
                    if due {
                        self.pacing.push(PacingSample {
                            at_ms,
                            talk_share: pacing.agent_talk_share,
                            recent_talk_share: pacing.recent_talk_share,
                            wpm: pacing.agent_wpm,
                        });
                    }
                    self.last_pacing = Some(pacing);
                }
                Output::Summary(s) => fed.summary = Some(s),
                out => {
                    match &out {
                        Output::Nudge(n) => {
                            if matches!(n.rule, Rule::Boundary | Rule::Escalation) {
                                fed.urgent.push(n.clone());
                            }
                            self.nudge = Some(n.clone());
                        }
                        Output::Heeded { nudge_id, .. }
                            if self.nudge.as_ref().is_some_and(|n| n.id == *nudge_id) =>
                        {
                            self.nudge = None;
                        }
                        _ => {}
                    }
                    self.record.push(out);
                }
            }
        }
        fed
    }

    /// The item the tick hotkey ticks: the first open one in the current phase, else the first open one.
    pub fn current_item(&self) -> Option<String> {
        let playbook = self.engine.playbook();
        let phase = self.engine.current_phase();
        let open = |i: &&crate::engine::output::ItemStatus| !i.done;
        let in_phase = self.engine.checklist().iter().filter(open).find(|i| {
            playbook
                .item(&i.item)
                .is_some_and(|item| item.phase == phase)
        });
        in_phase
            .or_else(|| self.engine.checklist().iter().find(open))
            .map(|i| i.item.clone())
    }

    pub fn phase(&self) -> PhaseView {
        phase_view(self.engine.playbook(), self.engine.current_phase())
    }

    pub fn history(&self) -> Vec<NudgeRecord> {
        self.engine
            .nudges()
            .iter()
            .rev()
            .take(HISTORY)
            .cloned()
            .collect()
    }

    pub fn state(&self) -> CallState {
        self.engine.state()
    }

    pub fn into_record(self, summary: Summary, note: String) -> SessionRecord {
        SessionRecord {
            id: 0,
            started_at: self.started_at,
            agent: self.agent.clone(),
            source: match (&self.replay, self.source) {
                (Some(r), _) => format!("replay: {}", r.name),
                (None, CallSource::Replay) => "replay".to_string(),
                (None, CallSource::Manual) => "live".to_string(),
            },
            summary,
            note_by: self.agent,
            note,
            note_at: self.started_at,
            transcript: self.transcript,
            timeline: self.record,
            pacing: self.pacing,
        }
    }
}

pub fn phase_view(playbook: &Playbook, id: &str) -> PhaseView {
    let index = playbook.phase_index(id).unwrap_or(0);
    PhaseView {
        id: id.to_string(),
        label: playbook
            .phases
            .get(index)
            .map(|p| p.label.clone())
            .unwrap_or_else(|| id.to_string()),
        index: index as u32 + 1,
        count: playbook.phases.len() as u32,
    }
}
