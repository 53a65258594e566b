//! Did the agent restate the customer's concern in their own words?
//!
//! The restatement frame ("so what I'm hearing is", "is that right?") is found and set aside;
//! what is left is compared with each recent customer utterance (and all of them together) on
//! content-word overlap both ways, shared word runs, numbers and names, after stemming and
//! folding synonyms. A linear score with playbook weights decides; a frame alone never counts.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::lexicon::Lexicon;
use super::overlap::{features, fold_stems, names, score, Side, Weights};
use super::phrases::PhraseError;
use super::text::{is_stopword, stem, words};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParaphraseConfig {
    /// Restatement frames: "so what i'm hearing", "just to make sure".
    pub frames: Vec<String>,
    /// Check-back questions that close a restatement: "is that right", "did i get that right".
    #[serde(default)]
    pub check_backs: Vec<String>,
    /// Groups of words that mean the same here; each folds onto its group's first word.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// Filler words set aside with a frame they touch ("so", "that", "okay").
    #[serde(default)]
    pub frame_fillers: Vec<String>,
    /// Openings that hand the customer's situation back ("so you ...", "right, so you ..."):
    /// an order phrase right after one is the customer's need restated, not an instruction.
    #[serde(default)]
    pub restatement_openers: Vec<String>,
    /// Verbs that, opening a sentence, tell the customer what to do ("Put in the new address"):
    /// instructions, not the concern handed back.
    #[serde(default)]
    pub instruction_verbs: Vec<String>,
    /// Fewest content words the restatement must carry once the frame is set aside.
    pub min_content_words: usize,
    /// Score needed with a frame or check-back, and without one.
    pub min_score_framed: f32,
    pub min_score_bare: f32,
    /// A summary: a restatement much shorter than the concern (at most this share of its content
    /// words) counts when enough of its content words come from what the customer said.
    pub summary_max_length_ratio: f32,
    pub summary_min_coverage_framed: f32,
    pub summary_min_coverage_bare: f32,
    pub weights: Weights,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParaphraseVerdict {
    pub is_paraphrase: bool,
    pub framed: bool,
    /// Share of the restatement's content words found in what the customer said.
    pub overlap: f32,
}

#[derive(Debug, Clone)]
pub struct ParaphraseDetector {
    config: ParaphraseConfig,
    frames: Lexicon,
    check_backs: Lexicon,
    fillers: Lexicon,
    synonyms: HashMap<String, String>,
}

impl ParaphraseDetector {
    pub fn new(config: &ParaphraseConfig) -> Result<ParaphraseDetector, PhraseError> {
        let mut synonyms = HashMap::new();
        for group in &config.synonyms {
            let Some(head) = group.first() else { continue };
            let head = stem(&head.to_lowercase());
            for w in group {
                synonyms.insert(stem(&w.to_lowercase()), head.clone());
            }
        }
        Ok(ParaphraseDetector {
            config: config.clone(),
            frames: Lexicon::new(&config.frames)?,
            check_backs: Lexicon::new(&config.check_backs)?,
            fillers: Lexicon::new(&config.frame_fillers)?,
            synonyms,
        })
    }

    /// Some sentence of the line opens with an instruction verb.
    pub fn instructs(&self, text: &str) -> bool {
        let t = super::text::tokens(text);
        t.iter().enumerate().any(|(i, tok)| {
            (i == 0 || t[i - 1].clause != tok.clause)
                && self.config.instruction_verbs.iter().any(|v| v == &tok.word)
        })
    }

    /// The line opens by handing the customer's situation back: an opener, then "you".
    pub fn opens_as_restatement(&self, w: &[String]) -> bool {
        self.config.restatement_openers.iter().any(|o| {
            let o = words(o);
            !o.is_empty()
                && w.len() > o.len()
                && w[..o.len()] == o[..]
                && matches!(w[o.len()].as_str(), "you" | "you've" | "you're" | "your")
        })
    }

    /// The agent's words with the restatement frame, check-back and their fillers set aside,
    /// and whether there was a frame.
    pub fn strip_frame(&self, agent: &str) -> (Vec<String>, bool) {
        let all = words(agent);
        let mut keep = vec![true; all.len()];
        let mut framed = false;
        // What comes before an opening frame is a preamble ("I can hear that's upsetting.").
        if let Some(&(first, _, _)) = self.frames.all(&all).first() {
            keep[..first].iter_mut().for_each(|k| *k = false);
        }
        for lex in [&self.frames, &self.check_backs] {
            for (i, n, _) in lex.all(&all) {
                framed = true;
                keep[i..i + n].iter_mut().for_each(|k| *k = false);
                let mut before = i;
                while before > 0 && self.fillers.contains(&all[before - 1]) {
                    before -= 1;
                    keep[before] = false;
                }
                let mut after = i + n;
                while after < all.len() && self.fillers.contains(&all[after]) {
                    keep[after] = false;
                    after += 1;
                }
            }
        }
        let rest: Vec<String> = all
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(w, _)| w)
            .collect();
        (rest, framed)
    }

    /// `customer_recent`: the customer's recent utterances, oldest first.
    pub fn check(&self, customer_recent: &[&str], agent: &str) -> ParaphraseVerdict {
        let (rest, framed) = self.strip_frame(agent);
        let agent_side = Side::new(&rest, agent, &self.synonyms);
        let content_words = rest.iter().filter(|w| !is_stopword(w)).count();
        let not = ParaphraseVerdict {
            is_paraphrase: false,
            framed,
            overlap: 0.0,
        };
        if content_words < self.config.min_content_words || customer_recent.is_empty() {
            return not;
        }
        // Each line is read once; all of them together are the same words end to end.
        let mut lines: Vec<(Vec<String>, Vec<String>, HashSet<String>)> = customer_recent
            .iter()
            .map(|text| {
                let w = words(text);
                let stems = fold_stems(&w, &self.synonyms);
                (w, stems, names(text))
            })
            .collect();
        if lines.len() > 1 {
            let mut all = (Vec::new(), Vec::new(), HashSet::new());
            for (w, st, n) in &lines {
                all.0.extend(w.iter().cloned());
                all.1.extend(st.iter().cloned());
                all.2.extend(n.iter().cloned());
            }
            lines.push(all);
        }
        let mut best: Option<(f32, f32)> = None;
        for (cw, stems, all_names) in &lines {
            for (from, to) in windows(cw.len(), rest.len()) {
                let side = Side::from_parts(&cw[from..to], &stems[from..to], all_names);
                if side.is_empty() {
                    continue;
                }
                let f = features(&side, &agent_side);
                let s = score(&self.config.weights, &f);
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, f[0]));
                }
            }
        }
        let Some((s, overlap)) = best else { return not };
        let (needed, coverage_needed) = if framed {
            (
                self.config.min_score_framed,
                self.config.summary_min_coverage_framed,
            )
        } else {
            (
                self.config.min_score_bare,
                self.config.summary_min_coverage_bare,
            )
        };
        // The last entry is every line together (or the only line).
        let summary = lines.last().is_some_and(|(cw, stems, all_names)| {
            let whole = Side::from_parts(cw, stems, all_names);
            let f = features(&whole, &agent_side);
            whole.content.len() as f32 * self.config.summary_max_length_ratio
                >= agent_side.content.len() as f32
                && f[0] >= coverage_needed
        });
        ParaphraseVerdict {
            is_paraphrase: s >= needed || summary,
            framed,
            overlap,
        }
    }

    /// The score's inputs for one pair, for offline training (`parley eval --features-out`).
    pub fn pair_features(&self, customer: &str, agent: &str) -> [f32; 12] {
        let c = Side::new(&words(customer), customer, &self.synonyms);
        let a = Side::new(&words(agent), agent, &self.synonyms);
        features(&c, &a)
    }
}

/// A long concern is compared piece by piece with a shorter restatement: stretches half again
/// as long as the restatement, overlapping by half. Sentence pairs of similar length stay whole.
fn windows(customer_len: usize, agent_len: usize) -> Vec<(usize, usize)> {
    let size = (agent_len * 3).div_ceil(2).max(4);
    if customer_len <= size + 2 {
        return vec![(0, customer_len)];
    }
    let step = (size / 2).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + size).min(customer_len);
        out.push((start, end));
        if end == customer_len {
            break;
        }
        start += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playbook;

    fn detector() -> ParaphraseDetector {
        match ParaphraseDetector::new(&Playbook::builtin().language.paraphrase) {
            Ok(d) => d,
            Err(e) => panic!("built-in paraphrase settings: {e}"),
        }
    }

    const CONCERN: &str =
        "I was charged twice for my subscription this month and the app won't show me the invoice.";

    #[test]
    fn a_framed_restatement_counts() {
        let v = detector().check(
            &[CONCERN],
            "So what I'm hearing is you were billed twice for the subscription this month and can't see the invoice. Is that right?",
        );
        assert!(v.framed);
        assert!(v.is_paraphrase, "{v:?}");
    }

    #[test]
    fn a_bare_close_restatement_counts() {
        let v = detector().check(
            &["My package was supposed to arrive on Monday but it still hasn't come."],
            "Your package was supposed to arrive Monday and it still hasn't come.",
        );
        assert!(!v.framed);
        assert!(v.is_paraphrase, "{v:?}");
    }

    #[test]
    fn frame_alone_and_i_understand_are_not_restatements() {
        let d = detector();
        for agent in [
            "I understand.",
            "So what I'm hearing is... is that right?",
            "Just to make sure I've got it: did I get that right?",
            "I can't wait to help you with that.",
        ] {
            assert!(!d.check(&[CONCERN], agent).is_paraphrase, "{agent}");
        }
    }

    #[test]
    fn a_frame_around_something_else_does_not_count() {
        let v = detector().check(
            &[CONCERN],
            "So what I'm hearing is you'd like to upgrade to the family plan next week. Is that right?",
        );
        assert!(v.framed);
        assert!(!v.is_paraphrase, "{v:?}");
    }

    #[test]
    fn a_long_concern_is_matched_piece_by_piece() {
        let earlier = "Hi, thanks for picking up. I've been a customer for years and never had trouble before.";
        let v = detector().check(
            &[earlier, CONCERN],
            "Just to confirm: you were charged twice this month and the app won't show the invoice?",
        );
        assert!(v.is_paraphrase, "{v:?}");
    }

    #[test]
    fn windows_cover_the_whole_concern() {
        let parts = windows(30, 6);
        assert_eq!(parts.first(), Some(&(0, 9)));
        assert_eq!(parts.last().map(|p| p.1), Some(30));
        assert!(parts.windows(2).all(|p| p[1].0 < p[0].1));
        assert_eq!(windows(8, 6), vec![(0, 8)]);
    }
}
