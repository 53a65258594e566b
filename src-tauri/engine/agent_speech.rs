//! Rules on what the agent says: checklist ticks, paraphrase before the fix, apologies,
//! negative phrasing, promised follow-ups, transfers.

use super::language::semantic::Embedding;
use super::language::text::words;
use super::nudges::Candidate;
use super::output::{FollowUp, Output, Rule};
use super::playbook::Detect;
use super::timefmt::{mmss, ms_from_secs};
use super::{followup, Engine, Speaker, Utterance};

/// Replies shorter than this ("okay", "mm-hm") are not a reply to judge.
const MIN_REPLY_WORDS: usize = 3;

/// What the agent's line does, judged before anything in the call changes.
struct AgentReading {
    acknowledged: bool,
    /// The line restates the customer's recent concern (only judged while Paraphrase is open).
    restated: bool,
    /// The line is shaped as the customer's words handed back: a frame, a check-back or a
    /// restatement opener ("so you ...").
    hands_back: bool,
}

impl Engine {
    fn read_agent_line(&self, u: &Utterance, w: &[String]) -> AgentReading {
        let c = &self.compiled;
        let context_from = u
            .end_ms
            .saturating_sub(ms_from_secs(self.playbook.thresholds.paraphrase_context_s));
        let lines: Vec<_> = self
            .customer_recent
            .iter()
            .filter(|l| l.at >= context_from)
            .collect();
        let recent: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        let embeddings: Vec<Embedding> = lines.iter().filter_map(|l| l.embedding.clone()).collect();
        let model = c.understanding.as_ref();
        let agent_embedding = model.and_then(|m| m.embed(&u.text));
        let semantic = model.zip(agent_embedding.as_ref());
        let acknowledged = match semantic {
            Some((m, e)) => {
                m.acknowledge(&c.acknowledge, &embeddings, &u.text, e) >= m.acknowledge_threshold()
            }
            None => {
                c.acknowledge.find_in_words(w).is_some()
                    || self
                        .playbook
                        .item_for(Detect::Acknowledge)
                        .and_then(|id| c.item_phrases(id))
                        .is_some_and(|s| s.find_in_words(w).is_some())
            }
        };
        // Telling the customer what they must do ("you'd need to contact the courier"), with no
        // frame or restatement opener, is instructions, not the concern handed back.
        let hands_back =
            c.paraphrase.strip_frame(&u.text).1 || c.paraphrase.opens_as_restatement(w);
        let instructs = !hands_back
            && (c.paraphrase.instructs(&u.text)
                || self
                    .playbook
                    .negative_phrasing
                    .iter()
                    .zip(&c.negative)
                    .any(|(n, set)| n.fine_in_restatement && set.find_in_words(w).is_some()));
        let restated = !self.kind_done(Detect::Paraphrase) && !recent.is_empty() && !instructs && {
            let rules = c.paraphrase.check(&recent, &u.text);
            match semantic {
                // Embeddings for every recent line, or the comparison is lopsided.
                Some((m, e)) if embeddings.len() == recent.len() => {
                    m.paraphrase(&c.paraphrase, &rules, &recent, &embeddings, &u.text, e)
                        >= m.paraphrase_threshold(rules.is_paraphrase)
                }
                _ => rules.is_paraphrase,
            }
        };
        AgentReading {
            acknowledged,
            restated,
            hands_back,
        }
    }

    pub(super) fn agent_said(
        &mut self,
        u: &Utterance,
        w: &[String],
        out: &mut Vec<Output>,
        candidates: &mut Vec<Candidate>,
    ) {
        let at = u.end_ms;
        let when = mmss(u.start_ms);
        self.counters.agent_turns += 1;
        if self.boundary_step > 0 && self.compiled.boundary_stated.find_in_words(w).is_some() {
            self.counters.boundary_statements += 1;
        }
        let AgentReading {
            acknowledged,
            restated,
            hands_back,
        } = self.read_agent_line(u, w);
        if acknowledged {
            self.counters.acknowledgements += 1;
            self.tick_kind(Detect::Acknowledge, Speaker::Agent, at, &u.text, out);
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

        if restated {
            self.tick_kind(Detect::Paraphrase, Speaker::Agent, at, &u.text, out);
            self.actions.push(format!("restated the concern at {when}"));
        }

        let offers_fix = self.compiled.solution.find_in_words(w).is_some();
        let resolve_words = self
            .playbook
            .item_for(Detect::Resolve)
            .and_then(|id| self.compiled.item_phrases(id))
            .is_some_and(|s| s.find_in_words(w).is_some());
        if offers_fix && !self.solution_offered {
            self.solution_offered = true;
            self.actions.push(format!("offered a fix at {when}"));
        }
        if (offers_fix || resolve_words) && self.kind_done(Detect::Paraphrase) {
            self.tick_kind(Detect::Resolve, Speaker::Agent, at, &u.text, out);
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

        // Order phrases are fine inside a restatement, or a line shaped as one.
        self.negative_phrasing(w, restated || hands_back, at, &when, candidates);

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
            .filter(|i| i.detect == Detect::Phrases && !self.checklist.is_done(&i.id))
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
        restating: bool,
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
                    && !(restating && rephrase.fine_in_restatement)
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

pub(super) fn contains_phrase(w: &[String], phrase: &str) -> bool {
    let p = words(phrase);
    !p.is_empty() && w.windows(p.len()).any(|win| win == p.as_slice())
}
