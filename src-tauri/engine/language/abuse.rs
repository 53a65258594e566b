//! Abuse aimed at the agent versus venting about the situation.
//!
//! First version: insult words near second-person targeting. The evaluation issue replaces the
//! internals; the interface (`AbuseDetector::classify`) stays.

use serde::{Deserialize, Serialize};

use super::phrases::PhraseSet;
use super::text::words;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbuseConfig {
    /// Words that insult a person ("idiot", "useless").
    pub insults: Vec<String>,
    /// Profanity: abusive when aimed at someone, venting otherwise.
    pub profanity: Vec<String>,
    /// Threats against the person ("i'll find you").
    pub threats: Vec<String>,
    /// Phrases that aim at the listener or staff ("you", "you people", "your staff").
    pub targets: Vec<String>,
    /// Words that cancel a following insult ("not", "never").
    pub negations: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbuseKind {
    Insult,
    Threat,
    Slur,
    Harassment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum AbuseVerdict {
    Clean,
    /// Strong language about the situation, not at a person: acknowledge it.
    Venting {
        cue: String,
    },
    /// Aimed at the agent or staff: the boundary ladder climbs.
    Abuse {
        kind: AbuseKind,
        cue: String,
        score: f32,
    },
}

#[derive(Debug, Clone)]
pub struct AbuseDetector {
    insults: PhraseSet,
    profanity: PhraseSet,
    threats: PhraseSet,
    targets: PhraseSet,
    negations: PhraseSet,
}

impl AbuseDetector {
    pub fn new(config: &AbuseConfig) -> Result<AbuseDetector, super::phrases::PhraseError> {
        Ok(AbuseDetector {
            insults: PhraseSet::new(&config.insults)?,
            profanity: PhraseSet::new(&config.profanity)?,
            threats: PhraseSet::new(&config.threats)?,
            targets: PhraseSet::new(&config.targets)?,
            negations: PhraseSet::new(&config.negations)?,
        })
    }

    pub fn classify(&self, text: &str) -> AbuseVerdict {
        let w = words(text);
        if let Some(cue) = self.threats.find_in_words(&w) {
            return AbuseVerdict::Abuse {
                kind: AbuseKind::Threat,
                cue: cue.to_string(),
                score: 1.0,
            };
        }
        let targeted = self.targets.find_position(&w);
        let insult = self
            .insults
            .find_position(&w)
            .or_else(|| self.profanity.find_position(&w));
        match (targeted, insult) {
            (Some((ti, _)), Some((ii, cue))) if ii >= ti && ii - ti <= 4 => {
                let negated = w[ti..ii].iter().any(|x| {
                    self.negations
                        .find_in_words(std::slice::from_ref(x))
                        .is_some()
                });
                if negated {
                    AbuseVerdict::Clean
                } else {
                    AbuseVerdict::Abuse {
                        kind: AbuseKind::Insult,
                        cue: cue.to_string(),
                        score: 0.8,
                    }
                }
            }
            (_, Some((_, cue))) if self.profanity.find_in_words(&w).is_some() => {
                AbuseVerdict::Venting {
                    cue: cue.to_string(),
                }
            }
            _ => AbuseVerdict::Clean,
        }
    }
}
