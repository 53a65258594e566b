//! What the overlay keeps about the call in progress, beside the call runtime that owns it: the
//! call clock, the nudge on screen and the last pacing meters.

use tokio::time::Instant;

use crate::engine::output::{ItemStatus, NudgeRecord};
use crate::engine::{Engine, Ms, Nudge, Output, Pacing, Playbook};

use super::ipc::{CallSource, OverlayState, PhaseView};

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
    /// The runtime's id for the call.
    pub id: u64,
    pub clock: Clock,
    pub source: CallSource,
    pub replay: Option<Replaying>,
    /// The nudge on screen.
    pub nudge: Option<Nudge>,
    pub last_pacing: Option<Pacing>,
    /// What the overlay last showed of this call.
    pub last_view: Option<Box<OverlayState>>,
}

impl LiveCall {
    pub fn new(id: u64, clock: Clock, source: CallSource) -> LiveCall {
        LiveCall {
            id,
            clock,
            source,
            replay: None,
            nudge: None,
            last_pacing: None,
            last_view: None,
        }
    }

    /// Keeps the overlay's view of the call up to date with what the engine said.
    pub fn see(&mut self, outputs: &[Output]) {
        for out in outputs {
            match out {
                Output::Pacing { pacing, .. } => self.last_pacing = Some(pacing.clone()),
                Output::Nudge(n) => self.nudge = Some(n.clone()),
                Output::Heeded { nudge_id, .. }
                    if self.nudge.as_ref().is_some_and(|n| n.id == *nudge_id) =>
                {
                    self.nudge = None;
                }
                _ => {}
            }
        }
    }
}

/// The item the tick hotkey ticks: the first open one in the current phase, else the first open one.
pub fn current_item(engine: &Engine) -> Option<String> {
    let playbook = engine.playbook();
    let phase = engine.current_phase();
    let open = |i: &&ItemStatus| !i.done;
    let in_phase = engine.checklist().iter().filter(open).find(|i| {
        playbook
            .item(&i.item)
            .is_some_and(|item| item.phase == phase)
    });
    in_phase
        .or_else(|| engine.checklist().iter().find(open))
        .map(|i| i.item.clone())
}

pub fn history(engine: &Engine) -> Vec<NudgeRecord> {
    engine
        .nudges()
        .iter()
        .rev()
        .take(HISTORY)
        .cloned()
        .collect()
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
