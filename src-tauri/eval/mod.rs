//! The evaluation harness: every language detector and whole calls, measured on outside data.
//!
//! The data folder holds `olid*.tsv` (boundary vs venting), `mrpc*.txt` (paraphrase) and
//! `calls_*/` folders of JSONL transcripts; see ../shared/data/README.md for how each maps.

pub mod callcenter;
pub mod calls;
pub mod features;
pub mod metrics;
pub mod mrpc;
pub mod olid;
pub mod probe;
pub mod table;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::Coach;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("no evaluation data at {}: {reason} (pass --data DIR)", path.display())]
    NoData { path: PathBuf, reason: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} line {line}: {reason}", path.display())]
    Format {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("playbook language settings: {0}")]
    Detector(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub playbook: String,
    pub data: String,
    /// The language model the engines ran with, or None for the word rules alone.
    pub language_model: Option<String>,
    pub boundary: Vec<olid::BoundaryReport>,
    pub paraphrase: Vec<mrpc::ParaphraseReport>,
    pub callcenter_lines: Vec<callcenter::LineSetReport>,
    pub callcenter_pairs: Vec<callcenter::PairSetReport>,
    /// Negative phrasing, escalation and hot-button rules on call-centre lines.
    pub callcenter_rules: Vec<callcenter::RuleSetReport>,
    pub calls: Vec<calls::CallSetReport>,
    /// Every whole call together.
    pub calls_overall: Option<calls::Overall>,
}

pub(crate) fn read_text(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(text.trim_start_matches('\u{feff}').to_string())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let read = std::fs::read_dir(dir).map_err(|source| EvalError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|source| EvalError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        out.push(entry.path());
    }
    out.sort();
    Ok(out)
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The files scripts/train_language.py fits on (ids ending 0-6 only).
const TRAINED_OLID: &str = "olid_train.tsv";
const TRAINED_MRPC: &str = "mrpc_train.txt";

/// A measured file's name, saying which part was left out of training.
fn held_out_label(name: &str, trained_on: bool, ids: &str) -> String {
    if trained_on {
        format!("{name}, {ids} ending 7-9 (not trained on)")
    } else {
        name.to_string()
    }
}

/// Runs every evaluation the folders have data for: `data` (the shared evaluation data) and
/// `own` (the project's call-centre dev sets, `*_dev.tsv`). Every example goes through engines
/// from `coach`, the way a call would.
pub fn run(
    data: &Path,
    own: Option<&Path>,
    coach: &Coach,
    playbook_name: &str,
) -> Result<Report, EvalError> {
    if !data.is_dir() {
        return Err(EvalError::NoData {
            path: data.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    let mut report = Report {
        playbook: playbook_name.to_string(),
        data: data.display().to_string(),
        language_model: coach.understanding(),
        boundary: Vec::new(),
        paraphrase: Vec::new(),
        callcenter_lines: Vec::new(),
        callcenter_pairs: Vec::new(),
        callcenter_rules: Vec::new(),
        calls: Vec::new(),
        calls_overall: None,
    };
    let mut sets: Vec<(String, PathBuf)> = Vec::new();
    for path in sorted_entries(data)? {
        let name = name_of(&path);
        let lower = name.to_lowercase();
        if path.is_dir() && lower.starts_with("calls") {
            let files: Vec<PathBuf> = sorted_entries(&path)?
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
                .collect();
            if !files.is_empty() {
                report
                    .calls
                    .push(calls::evaluate_set(&name, &files, coach)?);
            }
        } else if path.is_dir() && lower == "callcenter" {
            for f in sorted_entries(&path)? {
                if f.extension().is_some_and(|e| e == "tsv") {
                    sets.push((format!("{name}/{}", name_of(&f)), f));
                }
            }
        } else if lower.starts_with("olid") && lower.ends_with(".tsv") {
            let examples = olid::read(&path)?;
            // The training script fits on part of this file; measure on the rest only.
            let trained_on = lower == TRAINED_OLID;
            let held: Vec<&olid::Example> = examples
                .iter()
                .filter(|e| !trained_on || olid::held_out(e))
                .collect();
            let label = held_out_label(&name, trained_on, "ids");
            report.boundary.push(olid::evaluate(&label, &held, coach));
        } else if lower.starts_with("mrpc") && lower.ends_with(".txt") {
            let pairs = mrpc::read(&path)?;
            let trained_on = lower == TRAINED_MRPC;
            let held: Vec<(usize, &mrpc::Pair)> = pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| !trained_on || mrpc::held_out(p))
                .collect();
            let label = held_out_label(&name, trained_on, "first ids");
            report.paraphrase.push(mrpc::evaluate(&label, &held, coach));
        }
    }
    if let Some(own) = own.filter(|d| d.is_dir()) {
        for f in sorted_entries(own)? {
            let n = name_of(&f);
            if n.ends_with("_dev.tsv") {
                sets.push((format!("project/{n}"), f));
            }
        }
    }
    for (name, path) in sets {
        match callcenter::read(&path)? {
            Some(callcenter::Set::Lines(lines)) => {
                for form in [callcenter::Form::Written, callcenter::Form::Asr] {
                    report
                        .callcenter_lines
                        .push(callcenter::evaluate_lines(&name, &lines, form, coach));
                }
            }
            Some(callcenter::Set::Pairs(pairs)) => {
                for form in [callcenter::Form::Written, callcenter::Form::Asr] {
                    report
                        .callcenter_pairs
                        .push(callcenter::evaluate_pairs(&name, &pairs, form, coach));
                }
            }
            Some(callcenter::Set::AgentLines(lines)) => {
                for form in [callcenter::Form::Written, callcenter::Form::Asr] {
                    report
                        .callcenter_rules
                        .push(callcenter::evaluate_agent_lines(&name, &lines, form, coach));
                }
            }
            Some(callcenter::Set::Intents(lines)) => {
                for form in [callcenter::Form::Written, callcenter::Form::Asr] {
                    report
                        .callcenter_rules
                        .extend(callcenter::evaluate_intents(&name, &lines, form, coach));
                }
            }
            None => {}
        }
    }
    report.calls_overall = calls::overall(&report.calls);
    if report.boundary.is_empty()
        && report.paraphrase.is_empty()
        && report.calls.is_empty()
        && report.callcenter_lines.is_empty()
        && report.callcenter_pairs.is_empty()
    {
        return Err(EvalError::NoData {
            path: data.to_path_buf(),
            reason: "no olid*.tsv, mrpc*.txt, callcenter/ or calls_*/ inside".into(),
        });
    }
    Ok(report)
}
