//! The semantic layer: one embedding per utterance, read by the trained heads for boundary,
//! paraphrase and acknowledgement, with the word rules' findings among their inputs. Built when
//! an embedder is available; without one the engine uses the word rules alone.

use std::sync::Arc;

use super::abuse::{AbuseConfig, AbuseKind, AbuseVerdict};
use super::features::{self, Grammar, PairInputs};
use super::heads::{Heads, HeadsError};
use super::intent::{self as intent_rules, RuleIntent};
use super::neighbours::ExampleBank;
use super::paraphrase::{ParaphraseDetector, ParaphraseVerdict};
use super::phrases::{PhraseError, PhraseSet};
use super::semantic::{Embedder, Embedding};
use super::text::{is_stopword, words};

#[derive(Debug, thiserror::Error)]
pub enum UnderstandingError {
    #[error(transparent)]
    Heads(#[from] HeadsError),
    #[error("language heads need {heads} dimensions, the embedder gives {embedder}")]
    Dimensions { heads: usize, embedder: usize },
    #[error("abuse word lists: {0}")]
    Phrases(#[from] PhraseError),
}

/// The boundary head's reading of one customer line.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryReading {
    pub abuse: f32,
    pub venting: f32,
    pub verdict: AbuseVerdict,
}

#[derive(Clone)]
pub struct Understanding {
    embedder: Arc<dyn Embedder>,
    heads: Arc<Heads>,
    examples: Arc<ExampleBank>,
    intent_examples: Arc<ExampleBank>,
    grammar: Grammar,
}

/// The intent head's reading of one customer line.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentReading {
    /// The escalation kind (a playbook escalation id) and its probability, when it clears the bar.
    pub escalation: Option<(&'static str, f32)>,
    /// The most likely class is a look-alike ("my manager asked me to call"): a phrase the rules
    /// heard asks for nothing.
    pub look_alike: bool,
    pub hot_button: bool,
}

/// A restatement carries at most this many times the content words of the longest recent
/// customer line (counted from at least MIN_CONCERN_CONTENT).
const MAX_RESTATEMENT_RATIO: usize = 2;
const MIN_CONCERN_CONTENT: usize = 6;
/// Replies longer than this are acknowledgements only with the feeling words in them.
const LONG_REPLY_WORDS: usize = 40;

/// A short quote of the line for a nudge's reason.
pub fn cue_of(text: &str) -> String {
    let w: Vec<&str> = text.split_whitespace().collect();
    let mut cue = w.iter().take(8).copied().collect::<Vec<_>>().join(" ");
    if w.len() > 8 {
        cue.push('…');
    }
    cue
}

impl Understanding {
    pub fn new(
        embedder: Arc<dyn Embedder>,
        abuse: &AbuseConfig,
    ) -> Result<Understanding, UnderstandingError> {
        let heads = Heads::builtin()?;
        let examples = ExampleBank::builtin()?;
        let intent_examples = ExampleBank::builtin_intent()?;
        for bank in [&examples, &intent_examples] {
            if bank.dimensions() != heads.dimensions {
                return Err(UnderstandingError::Dimensions {
                    heads: heads.dimensions,
                    embedder: bank.dimensions(),
                });
            }
        }
        if heads.dimensions != embedder.dimensions() {
            return Err(UnderstandingError::Dimensions {
                heads: heads.dimensions,
                embedder: embedder.dimensions(),
            });
        }
        Ok(Understanding {
            embedder,
            heads,
            examples,
            intent_examples,
            grammar: Grammar::new(abuse)?,
        })
    }

    pub fn describe(&self) -> String {
        self.embedder.describe()
    }

    /// None when the model failed on this line; the caller falls back to the rules for it.
    pub fn embed(&self, text: &str) -> Option<Embedding> {
        self.embedder.embed(text).ok()
    }

    pub fn boundary(&self, text: &str, emb: &Embedding, rules: &AbuseVerdict) -> BoundaryReading {
        let g = self.grammar.boundary(text, rules);
        let head = &self.heads.boundary;
        let near = self.examples.nearness(emb);
        let p = head.model.probabilities(&[emb.as_slice(), &g, &near]);
        let abuse = head.model.class_probability(&p, "abuse");
        let venting = head.model.class_probability(&p, "venting");
        let rules_abuse = matches!(rules, AbuseVerdict::Abuse { .. });
        let needed = if rules_abuse {
            head.abuse_threshold
        } else {
            head.abuse_threshold_alone.max(head.abuse_threshold)
        };
        let verdict = if abuse >= needed {
            match rules {
                // The rules name the kind and the words when they saw it too.
                AbuseVerdict::Abuse { kind, cue, .. } => AbuseVerdict::Abuse {
                    kind: *kind,
                    cue: cue.clone(),
                    score: abuse,
                },
                _ => AbuseVerdict::Abuse {
                    kind: AbuseKind::Insult,
                    cue: cue_of(text),
                    score: abuse,
                },
            }
        } else if venting >= head.venting_threshold || matches!(rules, AbuseVerdict::Venting { .. })
        {
            match rules {
                AbuseVerdict::Venting { cue } => AbuseVerdict::Venting { cue: cue.clone() },
                _ => AbuseVerdict::Venting { cue: cue_of(text) },
            }
        } else {
            AbuseVerdict::Clean
        };
        BoundaryReading {
            abuse,
            venting,
            verdict,
        }
    }

    /// What the customer asks for, the phrase rules' reading among the inputs.
    pub fn intent(&self, emb: &Embedding, rules: &RuleIntent, word_count: usize) -> IntentReading {
        let head = &self.heads.intent;
        let x = intent_rules::features(rules, word_count);
        let near = self.intent_examples.nearness(emb);
        let p = head.model.probabilities(&[emb.as_slice(), &x, &near]);
        let class = |name: &str| head.model.class_probability(&p, name);
        let escalation = ["manager", "legal", "churn"]
            .into_iter()
            .map(|k| (k, class(k)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|(_, p)| *p >= head.escalation_threshold);
        let top = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        IntentReading {
            escalation,
            look_alike: top
                .and_then(|i| head.model.classes.get(i))
                .map(String::as_str)
                == Some("not_escalation"),
            hot_button: class("hot_button") >= head.hot_button_threshold,
        }
    }

    /// P(the agent's line restates the customer's recent concern): the best of the recent turns
    /// together and each turn alone (the heads were fitted on one concern at a time, and a
    /// "thanks" after the complaint must not dilute it).
    pub fn paraphrase(
        &self,
        detector: &ParaphraseDetector,
        rules: &ParaphraseVerdict,
        customer: &[&str],
        customer_embeddings: &[Embedding],
        agent: &str,
        agent_embedding: &Embedding,
    ) -> f32 {
        let (core, framed) = detector.strip_frame(agent);
        // A restatement hands the concern back in about as many words; a line several times
        // longer than anything the customer said is an explanation or instructions.
        let content = |w: &[String]| w.iter().filter(|x| !is_stopword(x)).count();
        let longest = customer
            .iter()
            .map(|c| content(&words(c)))
            .max()
            .unwrap_or(0);
        if content(&core) > MAX_RESTATEMENT_RATIO * longest.max(MIN_CONCERN_CONTENT) {
            return 0.0;
        }
        let core_embedding = features::core_text(&core, framed)
            .and_then(|text| self.embed(&text))
            .unwrap_or_else(|| agent_embedding.clone());
        let score = |lines: &[&str], embeddings: &[Embedding], rules: &ParaphraseVerdict| {
            let x = features::paraphrase(
                detector,
                rules,
                &PairInputs {
                    customer: lines,
                    customer_embeddings: embeddings,
                    agent,
                    agent_embedding,
                    core_embedding: &core_embedding,
                },
            );
            self.heads.paraphrase.probability(&[&x])
        };
        let mut best = score(customer, customer_embeddings, rules);
        if customer.len() > 1 && customer.len() == customer_embeddings.len() {
            for (line, emb) in customer.iter().zip(customer_embeddings) {
                let one = [*line];
                let alone = detector.check(&one, agent);
                best = best.max(score(&one, std::slice::from_ref(emb), &alone));
            }
        }
        best
    }

    /// The probability needed, given whether the word rules saw a restatement too.
    pub fn paraphrase_threshold(&self, rules_agree: bool) -> f32 {
        let h = &self.heads.paraphrase;
        match h.threshold_with_rules {
            Some(t) if rules_agree => t.min(h.threshold),
            _ => h.threshold,
        }
    }

    /// P(the agent's line names the customer's feeling or situation).
    pub fn acknowledge(
        &self,
        phrases: &PhraseSet,
        customer_embeddings: &[Embedding],
        agent: &str,
        agent_embedding: &Embedding,
    ) -> f32 {
        // A long explanation is judged by whether it carries the feeling words too: the head
        // was fitted on replies of a sentence or two.
        let w = words(agent);
        if w.len() > LONG_REPLY_WORDS && phrases.find_in_words(&w).is_none() {
            return 0.0;
        }
        let x = features::acknowledge(phrases, customer_embeddings, agent, agent_embedding);
        self.heads
            .acknowledge
            .probability(&[agent_embedding.as_slice(), &x])
    }

    pub fn acknowledge_threshold(&self) -> f32 {
        self.heads.acknowledge.threshold
    }

    pub fn grammar(&self) -> &Grammar {
        &self.grammar
    }
}
