//! One call in progress: the engine, its clock, and the record being built for the archive.

use std::sync::Arc;

use tokio::time::Instant;

use crate::engine::output::{NudgeRecord, Summary};
use crate::engine::{CallState, Engine, Event, Ms, Nudge, Output, Pacing, Playbook, Rule};
use crate::store::note::{self, NoteContext};
use crate::store::{SessionId, SessionMeta, SessionWriter, Store, StoreError};

use super::ipc::{CallSource, PhaseView};
use super::warn;

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
    /// Where the call is recorded as it happens, from its first event on; None without a
    /// database (it could not be opened) or when starting the session record failed.
    writer: Option<SessionWriter>,
    store: Option<Store>,
    source_name: String,
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
        store: Option<Store>,
        source_name: String,
    ) -> LiveCall {
        LiveCall {
            engine: crate::models::coach(playbook).engine(),
            clock,
            source,
            replay: None,
            agent,
            started_at,
            nudge: None,
            last_pacing: None,
            writer: None,
            store,
            source_name,
        }
    }

    /// Opens the session record at the first event, so a transcript's agent name is used.
    fn record(&mut self, event: &Event) {
        if let Event::CallStarted {
            agent: Some(agent), ..
        } = event
        {
            self.agent = agent.clone();
        }
        let Some(store) = self.store.take() else {
            return;
        };
        let meta = SessionMeta {
            agent: self.agent.clone(),
            playbook: self.engine.playbook().name.clone(),
            source: self.source_name.clone(),
            started_at: self.started_at,
        };
        match store.begin_session(meta) {
            Ok(w) => self.writer = Some(w),
            Err(e) => warn(&format!("this call will not be saved: {e}")),
        }
    }

    pub fn feed(&mut self, event: &Event) -> Fed {
        self.record(event);
        if let Some(w) = &self.writer {
            // Appends are queued; a failure is reported again (and in full) by finish().
            if let Err(e) = w.append_event(event) {
                warn(&format!("recording the call: {e}"));
            }
        }
        let mut fed = Fed::default();
        let outputs = self.engine.feed(event);
        if let Some(w) = &self.writer {
            let kept: Vec<Output> = outputs
                .iter()
                .filter(|o| !matches!(o, Output::Summary(_)))
                .cloned()
                .collect();
            if let Err(e) = w.append_outputs(&kept) {
                warn(&format!("recording the call: {e}"));
            }
        }
        for out in outputs {
            match out {
                Output::Pacing { pacing, .. } => self.last_pacing = Some(pacing),
                Output::Summary(s) => fed.summary = Some(s),
                out => match &out {
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
                },
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

    /// Closes the recorded session; returns its id and the drafted note. Without a database
    /// the note is still drafted, so the agent does not lose it.
    pub fn finish(self, summary: &Summary) -> (Option<SessionId>, Result<(), StoreError>, String) {
        let notes = summary.agent_notes.join("\n");
        let ctx = NoteContext {
            agent: &self.agent,
            started_at: self.started_at,
            offset: note::local_offset(),
            interrupted: false,
        };
        let fallback = note::draft(&ctx, summary, &notes);
        match self.writer {
            Some(w) => match w.finish(summary, &notes) {
                Ok(id) => (Some(id), Ok(()), fallback),
                Err(e) => (None, Err(e), fallback),
            },
            None => (None, Ok(()), fallback),
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
