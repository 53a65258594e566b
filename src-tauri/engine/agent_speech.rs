//! Rules on what the agent says: checklist ticks, paraphrase before the fix, apologies,
//! negative phrasing, promised follow-ups, transfers.

use super::language::text::words;
use super::nudges::Candidate;
use super::output::{FollowUp, Output, Rule};
use super::playbook::Detect;
use super::timefmt::{mmss, ms_from_secs};
use super::{followup, Engine, Speaker, Utterance};

/// Replies shorter than this ("okay", "mm-hm") are not a reply to judge.
const MIN_REPLY_WORDS: usize = 3;

impl Engine {
    pub(super) fn agent_said(
        &mut self,
        u: &Utterance,
        w: &[String],
        out: &mut Vec<Output>,
        candidates: &mut Vec<Candidate>,
    ) {
        let at = u.end_ms;
        let when = mmss(u.start_ms);
        let c = &self.compiled;

        let acknowledged = c.acknowledge.find_in_words(w).is_some();
        if acknowledged {
            self.counters.acknowledgements += 1;
        }
        if w.len() >= MIN_REPLY_WORDS {
            if let Some(reason) = self.awaiting_ack.take() {
                if !acknowledged {
                    candidates.push(Candidate::new(
                        &self.playbook,
                        Rule::Acknowledge,
                        at,
                        format!("{reason}; reply at {when} did not name the feeling"),
                    ));
                }
            }
        }

        self.tick_phrase_items(u, w, out);

        if !self.checklist.is_done("paraphrase") {
            let context_from =
                at.saturating_sub(ms_from_secs(self.playbook.thresholds.paraphrase_context_s));
            let recent: Vec<&str> = self
                .customer_recent
                .iter()
                .filter(|(t, _)| *t >= context_from)
                .map(|(_, s)| s.as_str())
                .collect();
            if !recent.is_empty()
                && self
                    .compiled
                    .paraphrase
                    .check(&recent, &u.text)
                    .is_paraphrase
            {
                self.tick_detected("paraphrase", Speaker::Agent, at, &u.text, out);
                self.actions.push(format!("restated the concern at {when}"));
            }
        }

        let offers_fix = self.compiled.solution.find_in_words(w).is_some();
        let resolve_words = self
            .compiled
            .item_phrases("resolve")
            .is_some_and(|s| s.find_in_words(w).is_some());
        if offers_fix && !self.solution_offered {
            self.solution_offered = true;
            self.actions.push(format!("offered a fix at {when}"));
        }
        if (offers_fix || resolve_words) && self.checklist.is_done("paraphrase") {
            self.tick_detected("resolve", Speaker::Agent, at, &u.text, out);
        } else if offers_fix
            && self.concern_words >= self.playbook.thresholds.paraphrase_min_concern_words
        {
            candidates.push(Candidate::new(
                &self.playbook,
                Rule::ParaphraseFirst,
                at,
                format!("fix offered at {when} before restating the concern"),
            ));
        }

        if self.compiled.apology.find_in_words(w).is_some() {
            self.counters.apologies += 1;
            if self.counters.apologies == 1 {
                self.actions.push(format!("apologized at {when}"));
            }
            if self.counters.apologies >= self.playbook.thresholds.apology_limit {
                candidates.push(Candidate::new(
                    &self.playbook,
                    Rule::OverApology,
                    at,
                    format!("apology number {} at {when}", self.counters.apologies),
                ));
            }
        }

        self.negative_phrasing(w, at, &when, candidates);

        if let Some(phrase) = self.compiled.follow_up.find_in_words(w) {
            let promise = FollowUp {
                at_ms: at,
                text: u.text.clone(),
                due_in_ms: followup::due_in_ms(&u.text),
            };
            self.actions.push(format!("promised a follow-up at {when}"));
            candidates.push(Candidate::new(
                &self.playbook,
                Rule::FollowUp,
                at,
                format!("\"{phrase}\" promised at {when}"),
            ));
            self.follow_ups.push(promise.clone());
            out.push(Output::FollowUp(promise));
        }

        if self.compiled.transfer.find_in_words(w).is_some() {
            self.counters.transfer_offers += 1;
            if self.escalation_requested && !self.transfer_offered {
                self.transfer_offered = true;
                self.actions.push(format!("offered a transfer at {when}"));
            }
        }
        if self.compiled.hot_button.find_in_words(w).is_some() {
            self.counters.agent_hot_button += 1;
        }
    }

    fn tick_phrase_items(&mut self, u: &Utterance, w: &[String], out: &mut Vec<Output>) {
        let hits: Vec<String> = self
            .playbook
            .items
            .iter()
            .filter(|i| {
                i.detect == Detect::Phrases && i.id != "resolve" && !self.checklist.is_done(&i.id)
            })
            .filter(|i| {
                self.compiled
                    .item_phrases(&i.id)
                    .is_some_and(|s| s.find_in_words(w).is_some())
            })
            .map(|i| i.id.clone())
            .collect();
        for id in hits {
            self.tick_detected(&id, Speaker::Agent, u.end_ms, &u.text, out);
        }
    }

    fn negative_phrasing(
        &mut self,
        w: &[String],
        at: u64,
        when: &str,
        candidates: &mut Vec<Candidate>,
    ) {
        let hit = self
            .playbook
            .negative_phrasing
            .iter()
            .zip(&self.compiled.negative)
            .find(|(rephrase, set)| {
                set.find_in_words(w).is_some()
                    && !rephrase.except.iter().any(|e| contains_phrase(w, e))
            });
        if let Some((rephrase, _)) = hit {
            self.counters.negative_phrases += 1;
            let mut c = Candidate::new(
                &self.playbook,
                Rule::NegativePhrasing,
                at,
                format!("\"{}\" at {when}", rephrase.phrase),
            );
            c.script = Some(format!("Try: \"{}\"", rephrase.instead));
            candidates.push(c);
        }
    }
}

fn contains_phrase(w: &[String], phrase: &str) -> bool {
    let p = words(phrase);
    !p.is_empty() && w.windows(p.len()).any(|win| win == p.as_slice())
}
