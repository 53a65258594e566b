//! What the trained heads read besides the embedding: a few facts of grammar and the word
//! rules' own findings. The same functions feed training (`parley eval features`) and the live
//! engine, so the heads see exactly the inputs they were fitted on.

use super::abuse::{AbuseConfig, AbuseVerdict};
use super::lexicon::Lexicon;
use super::paraphrase::{ParaphraseDetector, ParaphraseVerdict};
use super::phrases::{PhraseError, PhraseSet};
use super::semantic::Embedding;
use super::text::{is_stopword, tokens, words, Token};

/// Names of the grammar features after the embedding, in order. The heads file lists the names
/// it was trained with; a mismatch refuses the heads instead of scoring garbage.
pub const BOUNDARY_FEATURES: &[&str] = &[
    "second_person",
    "possessive",
    "starts_with_you",
    "third_person",
    "reported",
    "negated",
    "profanity",
    "first_person",
    "polite_request",
    "rules_abuse",
    "rules_venting",
    "length",
];

pub const PARAPHRASE_FEATURES: &[&str] = &[
    "cos_core_concern",
    "cos_core_best_line",
    "cos_full_concern",
    "rules_overlap",
    "rules_paraphrase",
    "framed",
    "asks_question",
    "content_words",
    "number_mismatch",
    "negation_mismatch",
];

pub const ACKNOWLEDGE_FEATURES: &[&str] = &[
    "cos_customer",
    "rules_acknowledge",
    "length",
    "asks_question",
];

const POLITE_OPENERS: &[&str] = &[
    "can", "could", "would", "will", "please", "may", "do", "did", "is", "are", "have",
];
const QUESTION_OPENERS: &[&str] = &[
    "what", "when", "where", "which", "who", "whose", "why", "how", "can", "could", "would",
    "will", "do", "does", "did", "is", "are", "was", "have", "has", "may", "shall",
];
const THIRD_PERSON: &[&str] = &["he", "she", "him", "her", "his", "they", "them", "their"];
const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "half", "twice",
    "double", "doubled", "triple",
];
const NEGATIONS: &[&str] = &[
    "not",
    "never",
    "no",
    "nothing",
    "nobody",
    "none",
    "don't",
    "didn't",
    "doesn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "won't",
    "can't",
    "cannot",
    "couldn't",
    "haven't",
    "hasn't",
    "hadn't",
    "wouldn't",
    "shouldn't",
];

/// The word lists grammar is read with, from the playbook's abuse settings.
#[derive(Debug, Clone)]
pub struct Grammar {
    targets: Lexicon,
    possessives: Lexicon,
    first_person: Lexicon,
    negations: Lexicon,
    profanity: Lexicon,
    reporting: PhraseSet,
}

pub(super) fn flag(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// ln(1 + n) scaled so ordinary lines sit between 0 and 1.
fn length_feature(n: usize) -> f32 {
    ((1 + n) as f32).ln() / 4.0
}

fn unquoted(t: &[Token]) -> impl Iterator<Item = &str> {
    t.iter().filter(|t| !t.quoted).map(|t| t.word.as_str())
}

fn starts_with_any(w: &[String], list: &[&str]) -> bool {
    w.first().is_some_and(|f| list.contains(&f.as_str()))
}

impl Grammar {
    pub fn new(c: &AbuseConfig) -> Result<Grammar, PhraseError> {
        Ok(Grammar {
            targets: Lexicon::new(&c.targets)?,
            possessives: Lexicon::new(&c.possessives)?,
            first_person: Lexicon::new(&c.first_person)?,
            negations: Lexicon::new(&c.negations)?,
            profanity: Lexicon::new(&c.profanity)?,
            reporting: PhraseSet::new(&c.reporting)?,
        })
    }

    /// The boundary head's inputs after the embedding; see `BOUNDARY_FEATURES`.
    pub fn boundary(&self, text: &str, rules: &AbuseVerdict) -> Vec<f32> {
        let t = tokens(text);
        let w: Vec<String> = t.iter().map(|t| t.word.clone()).collect();
        let free: Vec<&str> = unquoted(&t).collect();
        let any = |lex: &Lexicon| free.iter().any(|x| lex.contains(x));
        // Clause starts: "you ..." at the head of any sentence addresses the listener.
        let starts_with_you = t.iter().enumerate().any(|(i, tok)| {
            (i == 0 || t[i - 1].clause != tok.clause) && self.targets.contains(&tok.word)
        });
        vec![
            flag(any(&self.targets)),
            flag(any(&self.possessives)),
            flag(starts_with_you),
            flag(free.iter().any(|x| THIRD_PERSON.contains(x))),
            flag(self.reporting.find_in_words(&w).is_some() || t.iter().any(|t| t.quoted)),
            flag(any(&self.negations)),
            flag(any(&self.profanity)),
            flag(any(&self.first_person)),
            flag(starts_with_any(&w, POLITE_OPENERS) || w.iter().any(|x| x == "please")),
            flag(matches!(rules, AbuseVerdict::Abuse { .. })),
            flag(matches!(rules, AbuseVerdict::Venting { .. })),
            length_feature(w.len()),
        ]
    }
}

/// What the paraphrase head needs to know about one agent line against the customer's recent
/// lines (oldest first), all embedded.
pub struct PairInputs<'a> {
    pub customer: &'a [&'a str],
    pub customer_embeddings: &'a [Embedding],
    pub agent: &'a str,
    pub agent_embedding: &'a Embedding,
    /// The agent's line without its frame, embedded (the same as `agent_embedding` unframed).
    pub core_embedding: &'a Embedding,
}

fn numbers(w: &[String]) -> Vec<&str> {
    w.iter()
        .map(String::as_str)
        .filter(|x| x.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(x))
        .collect()
}

/// The text whose embedding is the line's core: its words without the frame, when a frame was
/// set aside and something is left; None means the whole line's embedding serves.
pub fn core_text(core: &[String], framed: bool) -> Option<String> {
    (framed && !core.is_empty()).then(|| core.join(" "))
}

/// The paraphrase head's inputs; see `PARAPHRASE_FEATURES`.
pub fn paraphrase(
    detector: &ParaphraseDetector,
    rules: &ParaphraseVerdict,
    p: &PairInputs,
) -> Vec<f32> {
    let (core, framed) = detector.strip_frame(p.agent);
    let concern = Embedding::mean(p.customer_embeddings);
    let cos_concern = |e: &Embedding| concern.as_ref().map_or(0.0, |c| c.cosine(e));
    let best_line = p
        .customer_embeddings
        .iter()
        .map(|c| c.cosine(p.core_embedding))
        .fold(0.0f32, f32::max);
    let customer_words: Vec<String> = p.customer.iter().flat_map(|c| words(c)).collect();
    let customer_numbers = numbers(&customer_words);
    let number_mismatch = numbers(&core).iter().any(|n| !customer_numbers.contains(n));
    let negated = |w: &[String]| w.iter().any(|x| NEGATIONS.contains(&x.as_str()));
    let content = core.iter().filter(|w| !is_stopword(w)).count();
    vec![
        cos_concern(p.core_embedding),
        best_line,
        cos_concern(p.agent_embedding),
        rules.overlap,
        flag(rules.is_paraphrase),
        flag(framed),
        flag(starts_with_any(&core, QUESTION_OPENERS)),
        length_feature(content),
        flag(number_mismatch),
        flag(negated(&core) != negated(&customer_words)),
    ]
}

/// The acknowledge head's inputs after the agent line's embedding; see `ACKNOWLEDGE_FEATURES`.
pub fn acknowledge(
    acknowledge_phrases: &PhraseSet,
    customer_embeddings: &[Embedding],
    agent: &str,
    agent_embedding: &Embedding,
) -> Vec<f32> {
    let w = words(agent);
    let concern = Embedding::mean(customer_embeddings);
    vec![
        concern.map_or(0.0, |c| c.cosine(agent_embedding)),
        flag(acknowledge_phrases.find_in_words(&w).is_some()),
        length_feature(w.len()),
        flag(starts_with_any(&w, QUESTION_OPENERS)),
    ]
}
