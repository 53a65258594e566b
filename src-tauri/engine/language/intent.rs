//! What the customer asks for: an escalation (a manager, legal action, leaving) or a
//! hot-button topic. The playbook's phrase rules (with their exceptions and a negation before
//! the phrase) read each line; with the language model their findings are inputs of the intent
//! head, which also hears "put someone more senior on" and "I'll see you in court" that no list
//! holds.

use super::features::flag;
use super::phrases::{PhraseError, PhraseSet};
use super::text::words;
use crate::engine::playbook::Playbook;

/// The intent head's inputs after the embedding, before the neighbours.
pub const INTENT_FEATURES: &[&str] = &[
    "rules_escalation",
    "rules_set_aside",
    "rules_hot_button",
    "length",
];

/// The intent head's classes: escalation classes carry the playbook's escalation ids.
pub const INTENT_CLASSES: &[&str] = &[
    "ordinary",
    "not_escalation",
    "manager",
    "legal",
    "churn",
    "hot_button",
];

/// The head's inputs after the intent features: one nearness per class.
pub const INTENT_NEIGHBOUR_FEATURES: &[&str] = &[
    "near_intent_ordinary",
    "near_intent_not_escalation",
    "near_intent_manager",
    "near_intent_legal",
    "near_intent_churn",
    "near_intent_hot_button",
];

/// The phrase rules' reading of one line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleIntent {
    /// The playbook escalation kind (its index) and the phrase heard.
    pub escalation: Option<(usize, String)>,
    /// An escalation phrase was heard but an exception or a negation set it aside.
    pub set_aside: bool,
    pub hot_button: Option<String>,
}

pub struct IntentRules {
    kinds: Vec<(PhraseSet, Vec<Vec<String>>)>,
    negations: Vec<String>,
    lookback: usize,
    hot_button: PhraseSet,
}

fn contains(w: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && w.windows(phrase.len()).any(|win| win == phrase)
}

impl IntentRules {
    pub fn new(p: &Playbook) -> Result<IntentRules, PhraseError> {
        let mut kinds = Vec::with_capacity(p.escalation.len());
        for k in &p.escalation {
            let except = k.except.iter().map(|e| words(e)).collect();
            kinds.push((PhraseSet::new(&k.phrases)?, except));
        }
        Ok(IntentRules {
            kinds,
            negations: p.language.abuse.negations.clone(),
            lookback: p.language.abuse.negation_lookback_words,
            hot_button: PhraseSet::new(&p.phrases.hot_button)?,
        })
    }

    pub fn check(&self, w: &[String]) -> RuleIntent {
        let mut out = RuleIntent::default();
        for (i, (set, except)) in self.kinds.iter().enumerate() {
            let Some((at, phrase)) = set.find_position(w) else {
                continue;
            };
            let excepted = except.iter().any(|e| contains(w, e));
            // "I'm not going to cancel" asks for nothing.
            let negated = w[at.saturating_sub(self.lookback)..at]
                .iter()
                .any(|x| self.negations.iter().any(|n| n == x));
            if excepted || negated {
                out.set_aside = true;
            } else {
                out.escalation = Some((i, phrase.to_string()));
                break;
            }
        }
        out.hot_button = self.hot_button.find_in_words(w).map(str::to_string);
        out
    }
}

/// See [`INTENT_FEATURES`].
pub fn features(rules: &RuleIntent, word_count: usize) -> Vec<f32> {
    vec![
        flag(rules.escalation.is_some()),
        flag(rules.set_aside),
        flag(rules.hot_button.is_some()),
        (word_count as f32 / 20.0).min(2.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_and_negations_set_a_phrase_aside() {
        let p = Playbook::builtin();
        let r = IntentRules::new(&p).expect("built-in lists compile");
        let manager = p.escalation.iter().position(|k| k.id == "manager");
        let got = r.check(&words("I want to speak to your manager now"));
        assert_eq!(got.escalation.map(|(i, _)| i), manager);
        let got = r.check(&words("my manager asked me to call about the invoice"));
        assert!(got.escalation.is_none() && got.set_aside, "{got:?}");
        let got = r.check(&words("i'm not going to cancel i just want it fixed"));
        assert!(got.escalation.is_none(), "{got:?}");
        assert!(r
            .check(&words("is the election on the news"))
            .hot_button
            .is_some());
        assert_eq!(
            features(&RuleIntent::default(), 10),
            vec![0.0, 0.0, 0.0, 0.5]
        );
    }
}
