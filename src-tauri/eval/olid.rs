//! Boundary versus venting on OLID: each tweet is read as something a caller says.
//!
//! The positive group is an insult or threat at an individual (TIN+IND) that addresses someone,
//! read here as: the tweet speaks to a "you". Precision, recall and F1 are taken against the
//! groups that must never climb the ladder (NOT, UNT); GRP, OTH and third-person IND insults are
//! reported as rates, and a strict F1 counts every one of them as a false alarm too.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::metrics::{Confusion, Rate, Scores};
use super::probe;
use super::EvalError;
use crate::engine::language::text::words;
use crate::engine::Coach;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Group {
    /// TIN+IND speaking to a "you": must climb.
    Addressed,
    /// TIN+IND about someone else ("he is an idiot").
    ThirdPerson,
    Grp,
    Oth,
    Unt,
    Not,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Addressed => "IND at you",
            Group::ThirdPerson => "IND 3rd person",
            Group::Grp => "GRP",
            Group::Oth => "OTH",
            Group::Unt => "UNT",
            Group::Not => "NOT",
        }
    }
}

pub struct Example {
    pub id: u64,
    pub text: String,
    pub group: Group,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoundaryReport {
    pub file: String,
    /// Positives: IND at you; negatives: NOT and UNT.
    pub boundary: Scores,
    /// The same, with GRP, OTH and third-person IND counted as negatives as well.
    pub boundary_strict: Scores,
    /// Share of each group flagged as abuse.
    pub abuse_rate: BTreeMap<String, Rate>,
    /// Share of each group given the venting (acknowledge) verdict.
    pub venting_rate: BTreeMap<String, Rate>,
    pub lines: usize,
    pub mean_us_per_utterance: f64,
}

const SECOND_PERSON: &[&str] = &[
    "you",
    "your",
    "yours",
    "you're",
    "youre",
    "yourself",
    "yourselves",
    "you've",
    "you'll",
    "you'd",
    "u",
    "ur",
    "ya",
    "y'all",
    "yall",
    "thou",
    "thee",
];

fn addresses_someone(text: &str) -> bool {
    words(text)
        .iter()
        .any(|w| SECOND_PERSON.contains(&w.as_str()))
}

/// Reads the OLID tab-separated file: id, tweet, subtask_a, subtask_b, subtask_c.
pub fn read(path: &Path) -> Result<Vec<Example>, EvalError> {
    let src = super::read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 5 {
            return Err(EvalError::Format {
                path: path.to_path_buf(),
                line: i + 1,
                reason: format!("expected 5 tab-separated fields, found {}", f.len()),
            });
        }
        let text = unquote(f[1]);
        let group = match (f[2], f[3], f[4]) {
            ("NOT", _, _) => Group::Not,
            ("OFF", "UNT", _) => Group::Unt,
            ("OFF", "TIN", "IND") if addresses_someone(&text) => Group::Addressed,
            ("OFF", "TIN", "IND") => Group::ThirdPerson,
            ("OFF", "TIN", "GRP") => Group::Grp,
            ("OFF", "TIN", "OTH") => Group::Oth,
            (a, b, c) => {
                return Err(EvalError::Format {
                    path: path.to_path_buf(),
                    line: i + 1,
                    reason: format!("unknown labels {a}/{b}/{c}"),
                })
            }
        };
        out.push(Example {
            id: f[0].trim().parse().unwrap_or(0),
            text,
            group,
        });
    }
    Ok(out)
}

/// Tweets exported through a spreadsheet carry CSV quoting: outer quotes, doubled inner ones.
fn unquote(field: &str) -> String {
    let t = field.trim();
    let inner = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    inner.replace("\"\"", "\"")
}

/// Tweets whose id ends in 7, 8 or 9: the ones scripts/train_language.py leaves out.
pub fn held_out(e: &Example) -> bool {
    e.id % 10 >= 7
}

/// Each tweet as a customer line through a whole engine.
pub fn evaluate(file: &str, examples: &[&Example], coach: &Coach) -> BoundaryReport {
    let mut boundary = Confusion::default();
    let mut strict = Confusion::default();
    let mut abuse_rate: BTreeMap<String, Rate> = BTreeMap::new();
    let mut venting_rate: BTreeMap<String, Rate> = BTreeMap::new();
    let started = Instant::now();
    for ex in examples {
        let heard = probe::hear(coach, &ex.text);
        let (flagged, venting) = (heard.climbed, heard.venting);
        let positive = ex.group == Group::Addressed;
        if matches!(ex.group, Group::Addressed | Group::Not | Group::Unt) {
            boundary.add(positive, flagged);
        }
        strict.add(positive, flagged);
        abuse_rate
            .entry(ex.group.label().to_string())
            .or_default()
            .add(flagged);
        venting_rate
            .entry(ex.group.label().to_string())
            .or_default()
            .add(venting);
    }
    let elapsed = started.elapsed().as_secs_f64();
    BoundaryReport {
        file: file.to_string(),
        boundary: boundary.scores(),
        boundary_strict: strict.scores(),
        abuse_rate,
        venting_rate,
        lines: examples.len(),
        mean_us_per_utterance: elapsed * 1e6 / examples.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_tweets_are_unquoted() {
        assert_eq!(unquote("\"say \"\"hi\"\" now\""), "say \"hi\" now");
        assert_eq!(unquote("plain"), "plain");
    }

    #[test]
    fn second_person_marks_the_addressee() {
        assert!(addresses_someone("@USER you are a clown"));
        assert!(addresses_someone("ur a joke"));
        assert!(!addresses_someone("he is a clown"));
    }
}
