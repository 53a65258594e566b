//! The nudge desk: cooldowns per rule, at most one new nudge per gap (urgent ones excepted),
//! the most important waiting nudge first, and heeded tracking for every nudge shown.

use super::counters::{heeded, Counters, Verdict};
use super::event::Ms;
use super::output::{Nudge, NudgeRecord, Output, Rule};
use super::playbook::Playbook;
use super::timefmt::ms_from_secs as ms;

/// A nudge a rule wants to show; the desk decides whether and when.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub rule: Rule,
    pub at_ms: Ms,
    pub reason: String,
    pub headline: String,
    pub script: Option<String>,
    pub priority: u8,
    pub step: Option<u8>,
}

impl Candidate {
    /// A candidate with the rule's own words from the playbook.
    pub fn new(playbook: &Playbook, rule: Rule, at_ms: Ms, reason: String) -> Candidate {
        let text = playbook.rule(rule);
        Candidate {
            rule,
            at_ms,
            reason,
            headline: text.headline.clone(),
            script: text.script.clone(),
            priority: text.priority,
            step: None,
        }
    }

    pub fn with_words(mut self, headline: &str, script: Option<&str>) -> Candidate {
        self.headline = headline.to_string();
        self.script = script.map(str::to_string);
        self
    }
}

#[derive(Debug, Clone)]
struct Open {
    nudge_id: u32,
    rule: Rule,
    deadline: Ms,
    snapshot: Counters,
}

#[derive(Debug, Default)]
pub struct Desk {
    next_id: u32,
    last_fired: [Option<Ms>; Rule::ALL.len()],
    last_shown: Option<Ms>,
    pending: Vec<Candidate>,
    open: Vec<Open>,
    records: Vec<NudgeRecord>,
    muted: Vec<Rule>,
}

fn slot(rule: Rule) -> usize {
    Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0)
}

impl Desk {
    pub fn mute(&mut self, rule: Rule) {
        if !self.muted.contains(&rule) {
            self.muted.push(rule);
        }
        self.pending.retain(|c| c.rule != rule);
    }

    pub fn dismiss(&mut self, nudge_id: u32) -> bool {
        match self.records.iter_mut().find(|r| r.nudge.id == nudge_id) {
            Some(r) => {
                r.dismissed = true;
                true
            }
            None => false,
        }
    }

    fn cooling(&self, playbook: &Playbook, rule: Rule, now: Ms) -> bool {
        self.last_fired[slot(rule)].is_some_and(|t| now < t + ms(playbook.rule(rule).cooldown_s))
    }

    /// Offer a candidate; it waits if the screen had a nudge too recently.
    pub fn offer(&mut self, playbook: &Playbook, candidate: Candidate) {
        let rule = candidate.rule;
        if !playbook.rule(rule).enabled
            || self.muted.contains(&rule)
            || self.cooling(playbook, rule, candidate.at_ms)
        {
            return;
        }
        self.pending.retain(|c| c.rule != rule);
        self.pending.push(candidate);
    }

    /// Show what may be shown now.
    pub fn release(&mut self, playbook: &Playbook, now: Ms, counters: &Counters) -> Vec<Output> {
        let gap = ms(playbook.nudging.min_gap_s);
        let stale = ms(playbook.nudging.stale_after_s);
        self.pending.retain(|c| {
            playbook.rule(c.rule).waits_for_screen || now.saturating_sub(c.at_ms) <= stale
        });
        // Highest priority first; among equals, the oldest.
        self.pending
            .sort_by(|a, b| b.priority.cmp(&a.priority).then(a.at_ms.cmp(&b.at_ms)));
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.pending.len() {
            let urgent = self.pending[i].priority >= playbook.nudging.urgent_priority;
            let gap_open = self.last_shown.is_none_or(|t| now >= t + gap);
            if !(urgent || gap_open) {
                i += 1;
                continue;
            }
            let c = self.pending.remove(i);
            if self.cooling(playbook, c.rule, now) {
                continue;
            }
            out.push(Output::Nudge(self.show(playbook, c, now, counters)));
        }
        out
    }

    fn show(&mut self, playbook: &Playbook, c: Candidate, now: Ms, counters: &Counters) -> Nudge {
        self.next_id += 1;
        let nudge = Nudge {
            id: self.next_id,
            rule: c.rule,
            at_ms: now,
            headline: c.headline,
            script: c.script,
            reason: c.reason,
            priority: c.priority,
            step: c.step,
        };
        self.last_fired[slot(c.rule)] = Some(now);
        self.last_shown = Some(now);
        self.open.push(Open {
            nudge_id: nudge.id,
            rule: c.rule,
            deadline: now + ms(playbook.rule(c.rule).heeded_within_s),
            snapshot: *counters,
        });
        self.records.push(NudgeRecord {
            nudge: nudge.clone(),
            heeded: None,
            dismissed: false,
        });
        nudge
    }

    /// Settle nudges whose fate is known. `closing` settles all of them (the call ended).
    pub fn settle(&mut self, now: Ms, counters: &Counters, closing: bool) -> Vec<Output> {
        let mut out = Vec::new();
        let records = &mut self.records;
        self.open.retain(|o| {
            let window_closed = closing || now >= o.deadline;
            match heeded(o.rule, &o.snapshot, counters, window_closed) {
                Verdict::Open => true,
                // Nothing to judge: the record keeps heeded unknown.
                Verdict::NoChance => false,
                Verdict::Heeded(verdict) => {
                    if let Some(r) = records.iter_mut().find(|r| r.nudge.id == o.nudge_id) {
                        r.heeded = Some(verdict);
                    }
                    out.push(Output::Heeded {
                        nudge_id: o.nudge_id,
                        rule: o.rule,
                        at_ms: now,
                        heeded: verdict,
                    });
                    false
                }
            }
        });
        out
    }

    pub fn records(&self) -> &[NudgeRecord] {
        &self.records
    }
}
