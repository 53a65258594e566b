//! Rules on what the customer says: abuse versus venting, escalation requests, hot buttons,
//! and the concern the agent should restate.

use super::language::intent::INTENT_CLASSES;
use super::language::text::words;
use super::language::understanding::cue_of;
use super::language::AbuseVerdict;
use super::nudges::Candidate;
use super::output::{Output, Rule};
use super::timefmt::{mmss, ms_from_secs};
use super::{CustomerLine, Engine, Utterance};

/// A statement this long (in words) can carry the customer's concern.
const CONCERN_MIN_WORDS: usize = 8;
const CONCERN_MAX_CHARS: usize = 160;

impl Engine {
    pub(super) fn customer_said(
        &mut self,
        u: &Utterance,
        w: &[String],
        _out: &mut [Output],
        candidates: &mut Vec<Candidate>,
    ) {
        let at = u.end_ms;
        let when = mmss(u.start_ms);
        // One embedding per line, kept for the agent's reply.
        let embedding = self
            .compiled
            .understanding
            .as_ref()
            .and_then(|m| m.embed(&u.text));
        self.customer_recent.push_back(CustomerLine {
            at,
            text: u.text.clone(),
            embedding: embedding.clone(),
        });
        let context = ms_from_secs(self.playbook.thresholds.paraphrase_context_s);
        while self
            .customer_recent
            .front()
            .is_some_and(|l| l.at + context < at)
        {
            self.customer_recent.pop_front();
        }
        if !self.solution_offered {
            self.concern_words += w.len() as u32;
        }
        if self.concern.is_none() && w.len() >= CONCERN_MIN_WORDS {
            self.concern = Some(one_line(&u.text));
        }

        let rules = self.compiled.abuse.classify(&u.text);
        let verdict = match (&self.compiled.understanding, &embedding) {
            (Some(m), Some(e)) => m.boundary(&u.text, e, &rules).verdict,
            _ => rules,
        };
        match &verdict {
            AbuseVerdict::Abuse { cue, .. } => {
                self.climb_ladder(at, format!("\"{cue}\" at {when}"), candidates);
            }
            AbuseVerdict::Venting { cue } => {
                if self.awaiting_ack.is_none() {
                    self.awaiting_ack = Some(format!("customer venting (\"{cue}\") at {when}"));
                }
            }
            AbuseVerdict::Clean => {}
        }

        let rule = self.compiled.intent.check(w);
        let (escalation, hot_button) = match (&self.compiled.understanding, &embedding) {
            (Some(m), Some(e)) => {
                let mut reading = m.intent(e, &rule, w.len());
                // A complaint that ends "I want your manager, now." reads as the complaint: the
                // sentence with the phrase in it is asked on its own.
                if reading.look_alike && rule.escalation.is_some() {
                    let phrased = sentences(&u.text)
                        .into_iter()
                        .filter(|s| *s != u.text.trim())
                        .map(|s| {
                            let sw = words(s);
                            let sr = self.compiled.intent.check(&sw);
                            (s, sw.len(), sr)
                        })
                        .find(|(_, _, sr)| sr.escalation.is_some());
                    if let Some((sentence, n, sr)) = phrased {
                        if let Some(se) = m.embed(sentence) {
                            reading = m.intent(&se, &sr, n);
                        }
                    }
                }
                let kinds = &self.playbook.escalation;
                let heard = reading.escalation.and_then(|(id, _)| {
                    let i = kinds.iter().position(|k| k.id == id)?;
                    let phrase = match &rule.escalation {
                        Some((j, p)) if *j == i => p.clone(),
                        _ => cue_of(&u.text),
                    };
                    Some((i, phrase))
                });
                // A phrase the rules heard stands unless the head takes the line for a look-alike:
                // a long complaint that ends "I want your manager" reads as the complaint. A
                // team's own escalation kind, which the head has no class for, stays with the
                // rules too.
                let ruled = rule.escalation.clone().filter(|(i, _)| {
                    !reading.look_alike || !INTENT_CLASSES.contains(&kinds[*i].id.as_str())
                });
                // Abuse climbs the ladder; a hot-button nudge beside it is noise.
                let abusive = matches!(verdict, AbuseVerdict::Abuse { .. });
                let hot = (reading.hot_button && !abusive)
                    .then(|| rule.hot_button.clone().unwrap_or_else(|| cue_of(&u.text)));
                (heard.or(ruled), hot)
            }
            _ => (rule.escalation.clone(), rule.hot_button.clone()),
        };
        let escalation = escalation.map(|(i, phrase)| (&self.playbook.escalation[i], phrase));
        if let Some((kind, phrase)) = escalation {
            self.escalation_requested = true;
            self.actions
                .push(format!("customer raised {} at {when}", kind.id));
            let c = Candidate::new(
                &self.playbook,
                Rule::Escalation,
                at,
                format!("\"{phrase}\" at {when}"),
            )
            .with_words(&kind.headline, Some(&kind.script));
            candidates.push(c);
        }

        if let Some(phrase) = hot_button {
            candidates.push(Candidate::new(
                &self.playbook,
                Rule::HotButton,
                at,
                format!("\"{phrase}\" raised at {when}"),
            ));
        }
    }
}

/// The sentences of a written line (speech-to-text gives one).
fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive(['.', '!', '?'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= CONCERN_MAX_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(CONCERN_MAX_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}
