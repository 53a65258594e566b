//! Paraphrase on MRPC: sentence 1 is what the customer said, sentence 2 the agent's restatement.
//! Measured bare and inside a restatement frame; the frame alone must never count.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::metrics::{Confusion, Rate, Scores};
use super::{probe, EvalError};
use crate::engine::language::overlap::FEATURE_NAMES;
use crate::engine::language::ParaphraseDetector;
use crate::engine::{Coach, Playbook};

pub struct Pair {
    /// The first sentence's id.
    pub id: u64,
    pub customer: String,
    pub agent: String,
    pub paraphrase: bool,
}

/// Frames an agent might put around a restatement; rotated over the pairs.
const FRAMES: &[(&str, &str)] = &[
    ("So just to make sure I've got it:", "Is that right?"),
    ("What I'm hearing is that", ""),
    ("Let me check I understand.", "Did I get that right?"),
];

#[derive(Debug, Clone, Serialize)]
pub struct ParaphraseReport {
    pub file: String,
    pub framed: Scores,
    pub bare: Scores,
    /// The frame with nothing inside it, after each customer sentence.
    pub frame_alone: Rate,
    /// How many pairs were measured.
    pub pairs: usize,
    pub mean_us_per_check: f64,
}

/// Reads MRPC: Quality, #1 ID, #2 ID, #1 String, #2 String (tab-separated, header first).
pub fn read(path: &Path) -> Result<Vec<Pair>, EvalError> {
    let src = super::read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |reason: String| EvalError::Format {
            path: path.to_path_buf(),
            line: i + 1,
            reason,
        };
        if f.len() != 5 {
            return Err(bad(format!(
                "expected 5 tab-separated fields, found {}",
                f.len()
            )));
        }
        let paraphrase = match f[0].trim() {
            "1" => true,
            "0" => false,
            other => return Err(bad(format!("quality {other:?} is neither 0 nor 1"))),
        };
        out.push(Pair {
            id: f[1].trim().parse().unwrap_or(0),
            customer: f[3].to_string(),
            agent: f[4].to_string(),
            paraphrase,
        });
    }
    Ok(out)
}

pub fn frame(i: usize, sentence: &str) -> String {
    let (before, after) = FRAMES[i % FRAMES.len()];
    format!("{before} {sentence} {after}").trim().to_string()
}

/// Pairs whose first id ends in 7, 8 or 9: the ones scripts/train_language.py leaves out.
pub fn held_out(p: &Pair) -> bool {
    p.id % 10 >= 7
}

/// Each pair through whole engines: bare, framed, and the frame alone.
pub fn evaluate(file: &str, pairs: &[(usize, &Pair)], coach: &Coach) -> ParaphraseReport {
    let mut framed = Confusion::default();
    let mut bare = Confusion::default();
    let mut frame_alone = Rate::default();
    let started = Instant::now();
    for &(i, p) in pairs {
        let customer = [p.customer.as_str()];
        bare.add(
            p.paraphrase,
            probe::reply(coach, &customer, &p.agent).paraphrase,
        );
        let framed_tick = probe::reply(coach, &customer, &frame(i, &p.agent)).paraphrase;
        framed.add(p.paraphrase, framed_tick);
        frame_alone.add(probe::reply(coach, &customer, &frame(i, "")).paraphrase);
    }
    let elapsed = started.elapsed().as_secs_f64();
    ParaphraseReport {
        file: file.to_string(),
        framed: framed.scores(),
        bare: bare.scores(),
        frame_alone,
        pairs: pairs.len(),
        mean_us_per_check: elapsed * 1e6 / (3 * pairs.len()).max(1) as f64,
    }
}

/// Writes `label,feature...` for every pair of every `mrpc*.txt` in `data`; returns the count.
pub fn write_features(data: &Path, playbook: &Playbook, out: &Path) -> Result<usize, EvalError> {
    let detector = ParaphraseDetector::new(&playbook.language.paraphrase)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let mut csv = format!("label,{}\n", FEATURE_NAMES.join(","));
    let mut n = 0;
    for path in super::sorted_entries(data)? {
        let name = super::name_of(&path).to_lowercase();
        if !(name.starts_with("mrpc") && name.ends_with(".txt")) {
            continue;
        }
        for p in read(&path)? {
            let f = detector.pair_features(&p.customer, &p.agent);
            let values: Vec<String> = f.iter().map(|v| format!("{v:.5}")).collect();
            csv.push_str(&format!(
                "{},{}\n",
                u8::from(p.paraphrase),
                values.join(",")
            ));
            n += 1;
        }
    }
    std::fs::write(out, csv).map_err(|source| EvalError::Read {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(n)
}
