//! Did the agent restate the customer's concern in their own words?
//!
//! First version: content-stem overlap with a restatement frame. The evaluation issue replaces the
//! internals; the interface (`ParaphraseDetector::check`) stays.

use serde::{Deserialize, Serialize};

use super::phrases::PhraseSet;
use super::text::{is_stopword, stem, words};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParaphraseConfig {
    /// Restatement frames: "so what i'm hearing is", "just to make sure".
    pub frames: Vec<String>,
    /// Share of the agent's content words found in the customer's recent words, with a frame.
    pub min_overlap_framed: f32,
    /// The same without a frame (a bare restatement needs more overlap).
    pub min_overlap_bare: f32,
    /// Fewest content words the agent's restatement must carry.
    pub min_content_words: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParaphraseVerdict {
    pub is_paraphrase: bool,
    pub framed: bool,
    pub overlap: f32,
}

#[derive(Debug, Clone)]
pub struct ParaphraseDetector {
    config: ParaphraseConfig,
    frames: PhraseSet,
}

impl ParaphraseDetector {
    pub fn new(
        config: &ParaphraseConfig,
    ) -> Result<ParaphraseDetector, super::phrases::PhraseError> {
        Ok(ParaphraseDetector {
            config: config.clone(),
            frames: PhraseSet::new(&config.frames)?,
        })
    }

    /// `customer_recent`: the customer's recent utterances, oldest first.
    pub fn check(&self, customer_recent: &[&str], agent: &str) -> ParaphraseVerdict {
        let framed = self.frames.find(agent).is_some();
        let content = |t: &str| -> Vec<String> {
            words(t)
                .into_iter()
                .filter(|w| !is_stopword(w))
                .map(|w| stem(&w))
                .collect()
        };
        let agent_stems = content(agent);
        let customer: std::collections::HashSet<String> =
            customer_recent.iter().flat_map(|t| content(t)).collect();
        if agent_stems.len() < self.config.min_content_words || customer.is_empty() {
            return ParaphraseVerdict {
                is_paraphrase: false,
                framed,
                overlap: 0.0,
            };
        }
        let shared = agent_stems.iter().filter(|s| customer.contains(*s)).count();
        let overlap = shared as f32 / agent_stems.len() as f32;
        let needed = if framed {
            self.config.min_overlap_framed
        } else {
            self.config.min_overlap_bare
        };
        ParaphraseVerdict {
            is_paraphrase: overlap >= needed,
            framed,
            overlap,
        }
    }
}
