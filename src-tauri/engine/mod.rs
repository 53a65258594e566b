//! The coaching engine: events in, outputs out. No clock, no I/O, no threads; time comes from
//! the events, so the same call always gives the same coaching.

pub mod event;
pub mod language;
pub mod output;
pub mod playbook;
pub mod timefmt;

pub use event::{AgentAction, EndReason, Event, Ms, Speaker, Utterance};
pub use output::{CallState, Nudge, Output, Pacing, Rule, Summary};
pub use playbook::Playbook;

use std::sync::Arc;

/// One engine per call.
pub struct Engine {
    playbook: Arc<Playbook>,
}

impl Engine {
    pub fn new(playbook: Arc<Playbook>) -> Engine {
        Engine { playbook }
    }

    pub fn playbook(&self) -> &Playbook {
        &self.playbook
    }

    /// Feed one event; returns what the agent (and the record) should learn from it.
    pub fn feed(&mut self, _event: &Event) -> Vec<Output> {
        Vec::new()
    }
}
