//! Abuse aimed at the agent versus venting about the situation.
//!
//! Targeting grammar over the playbook's lexicons: an insult climbs only when it is bound to the
//! listener ("you ... idiot", "you people are useless", "your staff are clueless", "shut up"),
//! in the same clause, with no third party in between, not negated and not quoted or reported.
//! Strong words without such a binding are venting, which earns an acknowledgement instead.

use serde::{Deserialize, Serialize};

use super::lexicon::Lexicon;
use super::phrases::PhraseError;
use super::text::{tokens, Token};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbuseConfig {
    /// Words that insult a person ("idiot*", "useless"). Abuse when bound to the listener.
    pub insults: Vec<String>,
    /// Words that insult only as something said of the listener ("you're useless", "you guys are a
    /// joke"), not when they describe a thing ("you sent me a ridiculous bill").
    #[serde(default)]
    pub descriptors: Vec<String>,
    /// The only words allowed between a target and a descriptor ("are", "so", "a", "being").
    #[serde(default)]
    pub links: Vec<String>,
    /// Words before a descriptor that aim it at a trailing "you are" ("how useless you are").
    #[serde(default)]
    pub degree_words: Vec<String>,
    /// Slurs: like insults, reported as slurs.
    #[serde(default)]
    pub slurs: Vec<String>,
    /// Profanity: venting on its own, never abuse by itself.
    pub profanity: Vec<String>,
    /// Threats against the person ("i'll find you"): abuse wherever they appear.
    pub threats: Vec<String>,
    /// Harm done to the listener ("kill you", "beat you"): a threat only when the speaker is the
    /// one to do it ("i'll ... kill you"), not "they will beat you".
    #[serde(default)]
    pub threat_acts: Vec<String>,
    /// Words that make the speaker the subject of a threat act ("i", "i'll", "we").
    #[serde(default)]
    pub first_person: Vec<String>,
    /// Abuse aimed at the listener without a "you" ("shut up", "go to hell").
    #[serde(default)]
    pub imperatives: Vec<String>,
    /// Words that address the listener ("you", "you're", "u").
    pub targets: Vec<String>,
    /// Possessives that aim at the listener only through staff ("your people", "your an idiot").
    #[serde(default)]
    pub possessives: Vec<String>,
    /// People at the company: "your staff are useless" is aimed at them.
    #[serde(default)]
    pub staff: Vec<String>,
    /// A word between the target and the insult that moves the insult onto someone or something
    /// else ("you know he is an idiot", "you said the app is useless").
    #[serde(default)]
    pub breakers: Vec<String>,
    /// Words that cancel a following insult ("not", "never").
    pub negations: Vec<String>,
    /// Words after a possessive that show it is a misspelt "you're" ("your an idiot").
    #[serde(default)]
    pub possessive_as_target: Vec<String>,
    /// Words before an imperative in its clause that show it is not said to the listener
    /// ("he can go to hell", "they need to shut up"); breakers count too.
    #[serde(default)]
    pub not_imperative: Vec<String>,
    /// Reported speech before the target: "he called you an idiot", "she said you suck".
    #[serde(default)]
    pub reporting: Vec<String>,
    /// Sarcasm markers ("thanks for nothing") and the mock praise they turn into insults ("genius").
    #[serde(default)]
    pub sarcasm_markers: Vec<String>,
    #[serde(default)]
    pub sarcastic_names: Vec<String>,
    /// Phrases after an insult that aim it back at the listener: "clowns like you",
    /// "what an idiot you are".
    #[serde(default)]
    pub trailing_targets: Vec<String>,
    /// Names for a person that insult on their own ("Idiot!", "Hypocrite."): abuse when they make
    /// up a short sentence of an utterance that speaks to the listener and to nobody else.
    #[serde(default)]
    pub vocatives: Vec<String>,
    /// Words that may stand beside a vocative in its sentence ("what a", "total", "hey").
    #[serde(default)]
    pub vocative_fillers: Vec<String>,
    /// Words before "of" that keep a name on the listener ("a bunch of clowns", "a piece of work").
    #[serde(default)]
    pub kind_words: Vec<String>,
    /// Prepositions: a name after one belongs to its object ("you talk to idiots").
    #[serde(default)]
    pub prepositions: Vec<String>,
    /// Furthest an insult may sit after its target, in words.
    #[serde(default = "default_gap")]
    pub max_gap_words: usize,
    /// How far before the target a negation still cancels ("i'm not calling you stupid").
    #[serde(default = "default_lookback")]
    pub negation_lookback_words: usize,
    /// Scores per kind of evidence; a verdict needs `min_score`.
    #[serde(default)]
    pub scores: AbuseScores,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbuseScores {
    pub threat: f32,
    pub imperative: f32,
    pub insult: f32,
    pub staff_insult: f32,
    pub sarcasm: f32,
    pub min_score: f32,
}

impl Default for AbuseScores {
    fn default() -> Self {
        AbuseScores {
            threat: 1.0,
            imperative: 0.9,
            insult: 0.8,
            staff_insult: 0.7,
            sarcasm: 0.5,
            min_score: 0.5,
        }
    }
}

fn default_gap() -> usize {
    5
}

fn default_lookback() -> usize {
    3
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
    insults: Lexicon,
    descriptors: Lexicon,
    links: Lexicon,
    degree_words: Lexicon,
    slurs: Lexicon,
    profanity: Lexicon,
    threats: Lexicon,
    threat_acts: Lexicon,
    first_person: Lexicon,
    imperatives: Lexicon,
    targets: Lexicon,
    possessives: Lexicon,
    staff: Lexicon,
    breakers: Lexicon,
    possessive_as_target: Lexicon,
    trailing_targets: Lexicon,
    not_imperative: Lexicon,
    masks: Lexicon,
    negations: Lexicon,
    reporting: Lexicon,
    sarcasm_markers: Lexicon,
    sarcastic_names: Lexicon,
    vocatives: Lexicon,
    vocative_fillers: Lexicon,
    kind_words: Lexicon,
    prepositions: Lexicon,
    max_gap: usize,
    lookback: usize,
    scores: AbuseScores,
}

/// The words of one utterance, with their quote and clause marks.
struct Words {
    toks: Vec<Token>,
    w: Vec<String>,
}

impl Words {
    fn same_clause(&self, a: usize, b: usize) -> bool {
        self.toks[a].clause == self.toks[b].clause
    }

    /// A phrase of `n` words at `i` that does not run across a sentence end ("damn. you are").
    fn one_clause(&self, i: usize, n: usize) -> bool {
        n == 0 || self.same_clause(i, i + n - 1)
    }
}

/// Breakers that name a person other than the speaker and the listener.
fn is_person(breaker: &str) -> bool {
    matches!(
        breaker,
        "he" | "she"
            | "they"
            | "him"
            | "her"
            | "them"
            | "his"
            | "their"
            | "he's"
            | "she's"
            | "they're"
    )
}

impl AbuseDetector {
    pub fn new(config: &AbuseConfig) -> Result<AbuseDetector, PhraseError> {
        Ok(AbuseDetector {
            insults: Lexicon::new(&config.insults)?,
            descriptors: Lexicon::new(&config.descriptors)?,
            links: Lexicon::new(&config.links)?,
            degree_words: Lexicon::new(&config.degree_words)?,
            slurs: Lexicon::new(&config.slurs)?,
            profanity: Lexicon::new(&config.profanity)?,
            threats: Lexicon::new(&config.threats)?,
            threat_acts: Lexicon::new(&config.threat_acts)?,
            first_person: Lexicon::new(&config.first_person)?,
            imperatives: Lexicon::new(&config.imperatives)?,
            targets: Lexicon::new(&config.targets)?,
            possessives: Lexicon::new(&config.possessives)?,
            staff: Lexicon::new(&config.staff)?,
            breakers: Lexicon::new(&config.breakers)?,
            possessive_as_target: Lexicon::new(&config.possessive_as_target)?,
            trailing_targets: Lexicon::new(&config.trailing_targets)?,
            not_imperative: Lexicon::new(&config.not_imperative)?,
            masks: Lexicon::new(
                &[
                    &config.profanity[..],
                    &config.insults[..],
                    &config.descriptors[..],
                    &config.slurs[..],
                    &config.vocatives[..],
                ]
                .concat(),
            )?,
            negations: Lexicon::new(&config.negations)?,
            reporting: Lexicon::new(&config.reporting)?,
            sarcasm_markers: Lexicon::new(&config.sarcasm_markers)?,
            sarcastic_names: Lexicon::new(&config.sarcastic_names)?,
            vocatives: Lexicon::new(&config.vocatives)?,
            vocative_fillers: Lexicon::new(&config.vocative_fillers)?,
            kind_words: Lexicon::new(&config.kind_words)?,
            prepositions: Lexicon::new(&config.prepositions)?,
            max_gap: config.max_gap_words,
            lookback: config.negation_lookback_words,
            scores: config.scores.clone(),
        })
    }

    pub fn classify(&self, text: &str) -> AbuseVerdict {
        let toks = tokens(text);
        let w: Vec<String> = toks
            .iter()
            .map(|t| self.masks.unmask(&t.word).unwrap_or_else(|| t.word.clone()))
            .collect();
        let words = Words { toks, w };
        let best = [
            self.threat(&words),
            self.threat_act(&words),
            self.imperative(&words),
            self.bound_insult(&words),
            self.trailing_insult(&words),
            self.sarcasm(&words),
            self.vocative(&words),
        ]
        .into_iter()
        .flatten()
        .max_by(|a, b| a.2.total_cmp(&b.2));
        if let Some((kind, cue, score)) = best.filter(|b| b.2 >= self.scores.min_score) {
            return AbuseVerdict::Abuse { kind, cue, score };
        }
        self.venting(&words)
            .map_or(AbuseVerdict::Clean, |cue| AbuseVerdict::Venting { cue })
    }

    /// A negation at `k` followed by "but" ("nothing but a liar") affirms what follows.
    fn nothing_but(&self, w: &[String], k: usize) -> bool {
        self.negations.contains(&w[k]) && w.get(k + 1).is_some_and(|n| n == "but")
    }

    /// Quoted, negated shortly before, or reported: the words are not the speaker's own attack.
    /// A negation counts from shortly before `from` up to `cue`, where the insult itself starts,
    /// so an insult that carries its own "not" ("not very bright") is not read as negated.
    fn disowned(&self, words: &Words, from: usize, cue: usize, to: usize) -> bool {
        if words.toks[from..to].iter().any(|t| t.quoted) {
            return true;
        }
        let start = from.saturating_sub(self.lookback);
        let negated = (start..cue.max(from + 1).min(to)).any(|k| {
            words.same_clause(k, from)
                && self.negations.contains(&words.w[k])
                && !self.nothing_but(&words.w, k)
        });
        let reported = (0..from)
            .any(|k| words.same_clause(k, from) && self.reporting.at(&words.w, k).is_some());
        negated || reported
    }

    fn threat(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        self.threats
            .all(&words.w)
            .into_iter()
            .find(|&(i, n, _)| words.one_clause(i, n) && !self.disowned(words, i, i + n, i + n))
            .map(|(_, _, cue)| (AbuseKind::Threat, cue.to_string(), self.scores.threat))
    }

    /// "I'm going to kill you": the act with the speaker as its subject earlier in the clause,
    /// and nobody else named in between.
    fn threat_act(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        let w = &words.w;
        self.threat_acts
            .all(w)
            .into_iter()
            .find(|&(i, n, _)| {
                let subject = (0..i)
                    .rev()
                    .take_while(|&k| words.same_clause(k, i))
                    .find(|&k| self.first_person.at(w, k).is_some() || is_person(&w[k]));
                words.one_clause(i, n)
                    && subject.is_some_and(|k| self.first_person.at(w, k).is_some())
                    && !self.disowned(words, i, i, i + n)
            })
            .map(|(_, _, cue)| (AbuseKind::Threat, cue.to_string(), self.scores.threat))
    }

    fn imperative(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        self.imperatives
            .all(&words.w)
            .into_iter()
            .find(|&(i, n, _)| {
                words.one_clause(i, n)
                    && !self.disowned(words, i, i + n, i + n)
                    && !self.has_subject(words, i)
            })
            .map(|(_, _, cue)| {
                (
                    AbuseKind::Harassment,
                    cue.to_string(),
                    self.scores.imperative,
                )
            })
    }

    /// Someone else before the imperative in its clause: "he can go to hell" is not an order.
    fn has_subject(&self, words: &Words, i: usize) -> bool {
        (0..i).any(|k| {
            words.same_clause(k, i)
                && (self.breakers.at(&words.w, k).is_some()
                    || self.not_imperative.at(&words.w, k).is_some())
        })
    }

    /// The insult or slur starting at `j`, if any.
    fn insult_at(&self, w: &[String], j: usize) -> Option<(AbuseKind, usize, &str)> {
        if let Some((n, cue)) = self.slurs.at(w, j) {
            return Some((AbuseKind::Slur, n, cue));
        }
        self.insults
            .at(w, j)
            .map(|(n, cue)| (AbuseKind::Insult, n, cue))
    }

    fn bound_insult(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        let w = &words.w;
        for t in 0..w.len() {
            let (from, score) = if let Some((n, _)) = self.targets.at(w, t) {
                (t + n, self.scores.insult)
            } else if let Some((n, _)) = self.possessives.at(w, t) {
                // "your an idiot" is a misspelt "you're"; "your staff are useless" aims at staff.
                if self.possessive_as_target.at(w, t + n).is_some() {
                    (t + n, self.scores.insult)
                } else if let Some((m, _)) =
                    (t + n < w.len()).then(|| self.staff.at(w, t + n)).flatten()
                {
                    (t + n + m, self.scores.staff_insult)
                } else {
                    continue;
                }
            } else {
                continue;
            };
            for j in from..w.len().min(from + self.max_gap + 1) {
                if !words.same_clause(t, j) {
                    break;
                }
                if let Some((kind, n, cue)) = self.insult_at(w, j) {
                    let named = (from..j).all(|k| self.names_the_listener(w, from, k));
                    if named && !self.disowned(words, t, j, j + n) {
                        return Some((kind, cue.to_string(), score));
                    }
                    break;
                }
                if let Some((n, cue)) = self.descriptors.at(w, j) {
                    let predicate = (from..j).all(|k| self.links.contains(&w[k]));
                    if predicate && !self.disowned(words, t, j, j + n) {
                        return Some((AbuseKind::Insult, cue.to_string(), score));
                    }
                }
                // Its "but" joins nothing: the name that follows is still the listener's.
                let after_nothing_but = j > 0 && self.nothing_but(w, j - 1);
                if self.breakers.at(w, j).is_some() && !after_nothing_but {
                    break;
                }
            }
        }
        None
    }

    /// A preposition, or a past-tense verb straight after "you", between "you" and a name puts
    /// the name on someone else ("you talk to idiots", "you challenged libtards"); "a bunch of
    /// clowns" and "you're a scared little creep" do not.
    fn names_the_listener(&self, w: &[String], from: usize, k: usize) -> bool {
        let x = &w[k];
        if self.links.contains(x) || self.descriptors.contains(x) || self.profanity.contains(x) {
            return true;
        }
        let of_a_kind = x == "of" && k > 0 && self.kind_words.contains(&w[k - 1]);
        let preposition = self.prepositions.contains(x) && !of_a_kind;
        let past = k == from && x.len() > 4 && x.ends_with("ed");
        !preposition && !past
    }

    /// An insult shortly before a trailing target in the same clause: "losers like you", or a
    /// descriptor after a degree word: "how useless you are".
    fn trailing_insult(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        let w = &words.w;
        for (t, n, _) in self.trailing_targets.all(w) {
            for j in (t.saturating_sub(3)..t).rev() {
                if !words.same_clause(j, t) || self.breakers.at(w, j).is_some() {
                    break;
                }
                if let Some((kind, _, cue)) = self.insult_at(w, j) {
                    if !self.disowned(words, j, j, t + n) {
                        return Some((kind, cue.to_string(), self.scores.insult));
                    }
                    break;
                }
                let exclaimed = |(m, _): (usize, &str)| {
                    j + m == t
                        && (j.saturating_sub(2)..j)
                            .any(|k| words.same_clause(k, j) && self.degree_words.contains(&w[k]))
                };
                if let Some((_, cue)) = self.descriptors.at(w, j).filter(|&d| exclaimed(d)) {
                    if !self.disowned(words, j, j, t + n) {
                        return Some((AbuseKind::Insult, cue.to_string(), self.scores.insult));
                    }
                }
            }
        }
        None
    }

    /// "Thanks for nothing, genius": mock praise after a sarcasm marker.
    fn sarcasm(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        let (m, _, _) = *self.sarcasm_markers.all(&words.w).first()?;
        let (i, n, cue) = self
            .sarcastic_names
            .all(&words.w)
            .into_iter()
            .find(|&(i, _, _)| i > m)?;
        // The marker itself may carry a negation ("thanks for nothing"); only quoting disarms.
        let quoted = words.toks[m..i + n].iter().any(|t| t.quoted);
        (!quoted).then(|| (AbuseKind::Harassment, cue.to_string(), self.scores.sarcasm))
    }

    /// "Hypocrite! You run ads about ...": a sentence that is nothing but a name for a person,
    /// in an utterance that speaks to the listener and mentions no one else.
    fn vocative(&self, words: &Words) -> Option<(AbuseKind, String, f32)> {
        let w = &words.w;
        let addressed = (0..w.len()).any(|k| self.targets.at(w, k).is_some());
        let third_party = w.iter().any(|x| is_person(x));
        if !addressed || third_party {
            return None;
        }
        self.vocatives.all(w).into_iter().find_map(|(i, n, cue)| {
            let clause = words.toks[i].clause;
            let others = (0..w.len())
                .filter(|&k| words.toks[k].clause == clause && !(i..i + n).contains(&k))
                .all(|k| self.vocative_fillers.at(w, k).is_some());
            let alone = words.toks[i..i + n].iter().all(|t| !t.quoted);
            (others && alone).then(|| (AbuseKind::Insult, cue.to_string(), self.scores.insult))
        })
    }

    fn venting(&self, words: &Words) -> Option<String> {
        let own = |i: usize| !words.toks[i].quoted;
        [
            &self.profanity,
            &self.insults,
            &self.descriptors,
            &self.slurs,
            &self.sarcasm_markers,
        ]
        .into_iter()
        .flat_map(|lex| lex.all(&words.w))
        .find(|&(i, _, _)| own(i))
        .map(|(_, _, cue)| cue.to_string())
    }
}

#[cfg(test)]
#[path = "abuse_tests.rs"]
mod tests;
