//! The call's checklist: items tick once with evidence; the phase moves forward as they do.

use super::output::{Evidence, ItemStatus, Output};
use super::playbook::Playbook;

#[derive(Debug, Clone)]
pub struct Checklist {
    items: Vec<ItemStatus>,
    /// Index into the playbook's phases.
    phase: usize,
}

impl Checklist {
    pub fn new(playbook: &Playbook) -> Checklist {
        let items = playbook
            .items
            .iter()
            .map(|i| ItemStatus {
                item: i.id.clone(),
                label: i.label.clone(),
                done: false,
                evidence: None,
            })
            .collect();
        Checklist { items, phase: 0 }
    }

    pub fn is_done(&self, id: &str) -> bool {
        self.items.iter().any(|i| i.item == id && i.done)
    }

    pub fn phase_id<'p>(&self, playbook: &'p Playbook) -> &'p str {
        &playbook.phases[self.phase].id
    }

    pub fn items(&self) -> &[ItemStatus] {
        &self.items
    }

    pub fn done_count(&self) -> u32 {
        self.items.iter().filter(|i| i.done).count() as u32
    }

    /// Tick an item; returns the tick (and a phase change) or nothing if it was already done
    /// or is not in this playbook.
    pub fn tick(&mut self, playbook: &Playbook, id: &str, evidence: Evidence) -> Vec<Output> {
        let Some(status) = self.items.iter_mut().find(|i| i.item == id) else {
            return Vec::new();
        };
        if status.done {
            return Vec::new();
        }
        status.done = true;
        status.evidence = Some(evidence.clone());
        let mut out = vec![Output::Tick {
            item: id.to_string(),
            at_ms: evidence.at_ms,
            evidence: evidence.clone(),
        }];
        if let Some(phase) = self.advance(playbook) {
            out.push(Output::Phase {
                phase,
                at_ms: evidence.at_ms,
            });
        }
        out
    }

    /// The phase is the furthest one where work happened, moved past phases already complete.
    fn advance(&mut self, playbook: &Playbook) -> Option<String> {
        let phase_of = |status: &ItemStatus| {
            playbook
                .item(&status.item)
                .and_then(|i| playbook.phase_index(&i.phase))
                .unwrap_or(0)
        };
        let mut target = self
            .items
            .iter()
            .filter(|s| s.done)
            .map(phase_of)
            .max()
            .unwrap_or(0)
            .max(self.phase);
        let complete = |p: usize| {
            self.items
                .iter()
                .filter(|s| phase_of(s) == p)
                .all(|s| s.done)
        };
        while target + 1 < playbook.phases.len() && complete(target) {
            target += 1;
        }
        if target != self.phase {
            self.phase = target;
            Some(playbook.phases[target].id.clone())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at_ms: crate::engine::Ms) -> Evidence {
        Evidence {
            at_ms,
            speaker: None,
            text: None,
            by_agent: true,
        }
    }

    #[test]
    fn ticks_once_and_moves_the_phase_forward() {
        let pb = Playbook::builtin();
        let mut c = Checklist::new(&pb);
        assert_eq!(c.phase_id(&pb), "open");
        let out = c.tick(&pb, "open", ev(1000));
        assert!(
            matches!(&out[..], [Output::Tick { .. }, Output::Phase { phase, .. }] if phase == "listen")
        );
        assert!(c.tick(&pb, "open", ev(2000)).is_empty());
        assert!(c.tick(&pb, "no_such_item", ev(2000)).is_empty());
        c.tick(&pb, "apologize", ev(3000));
        assert_eq!(c.phase_id(&pb), "resolve");
        // Work in an earlier phase does not move the phase back.
        c.tick(&pb, "listen", ev(4000));
        assert_eq!(c.phase_id(&pb), "resolve");
        assert_eq!(c.done_count(), 3);
    }
}
