//! The summary a session note is drafted from.

use super::output::{Outcome, Summary};
use super::{EndReason, Engine};

impl Engine {
    pub fn summary(&self) -> Summary {
        let last_step_ends_call = self.boundary_step > 0
            && self.playbook.boundary.steps[self.boundary_step as usize - 1].ends_call;
        let outcome = match self.end_reason {
            Some(EndReason::AgentEndedForAbuse) => Outcome::EndedForAbuse,
            _ if last_step_ends_call => Outcome::EndedForAbuse,
            Some(EndReason::CustomerHungUp) => Outcome::CustomerHungUp,
            Some(EndReason::Transferred) => Outcome::Escalated,
            _ if self.transfer_offered => Outcome::Escalated,
            _ if !self.follow_ups.is_empty() => Outcome::FollowUpOwed,
            _ if self.kind_done(super::Detect::Resolve) || self.solution_offered => {
                Outcome::Resolved
            }
            _ => Outcome::Unresolved,
        };
        let nudges = self.desk.records().to_vec();
        Summary {
            duration_ms: self.now.saturating_sub(self.started_at),
            playbook: self.playbook.name.clone(),
            concern: self.concern.clone(),
            outcome,
            checklist: self.checklist.items().to_vec(),
            items_done: self.checklist.done_count(),
            items_total: self.checklist.items().len() as u32,
            pacing: self.pacing(),
            nudges_heeded: nudges.iter().filter(|n| n.heeded == Some(true)).count() as u32,
            nudges,
            follow_ups: self.follow_ups.clone(),
            boundary_step: self.boundary_step,
            escalated: self.escalation_requested || last_step_ends_call,
            reset_suggested: self.boundary_step >= 2 || self.escalation_requested,
            agent_notes: self.agent_notes.clone(),
            actions: self.actions.clone(),
            limits: Some(self.playbook.pacing_limits()),
        }
    }
}
