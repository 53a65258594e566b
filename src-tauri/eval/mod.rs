//! The evaluation harness: every language detector and whole calls, measured on outside data.
//!
//! The data folder holds `olid*.tsv` (boundary vs venting), `mrpc*.txt` (paraphrase) and
//! `calls_*/` folders of JSONL transcripts; see ../shared/data/README.md for how each maps.

pub mod calls;
pub mod metrics;
pub mod mrpc;
pub mod olid;
pub mod table;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::language::{AbuseDetector, ParaphraseDetector};
use crate::engine::Playbook;

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
    pub boundary: Vec<olid::BoundaryReport>,
    pub paraphrase: Vec<mrpc::ParaphraseReport>,
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

/// Runs every evaluation the folder has data for. `playbook_name` is what the report prints.
pub fn run(data: &Path, playbook: Arc<Playbook>, playbook_name: &str) -> Result<Report, EvalError> {
    if !data.is_dir() {
        return Err(EvalError::NoData {
            path: data.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    let abuse = AbuseDetector::new(&playbook.language.abuse)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let paraphrase = ParaphraseDetector::new(&playbook.language.paraphrase)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let mut report = Report {
        playbook: playbook_name.to_string(),
        data: data.display().to_string(),
        boundary: Vec::new(),
        paraphrase: Vec::new(),
        calls: Vec::new(),
        calls_overall: None,
    };
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
                    .push(calls::evaluate_set(&name, &files, &playbook)?);
            }
        } else if lower.starts_with("olid") && lower.ends_with(".tsv") {
            let examples = olid::read(&path)?;
            report
                .boundary
                .push(olid::evaluate(&name, &examples, &abuse));
        } else if lower.starts_with("mrpc") && lower.ends_with(".txt") {
            let pairs = mrpc::read(&path)?;
            report
                .paraphrase
                .push(mrpc::evaluate(&name, &pairs, &paraphrase));
        }
    }
    report.calls_overall = calls::overall(&report.calls);
    if report.boundary.is_empty() && report.paraphrase.is_empty() && report.calls.is_empty() {
        return Err(EvalError::NoData {
            path: data.to_path_buf(),
            reason: "no olid*.tsv, mrpc*.txt or calls_*/ inside".into(),
        });
    }
    Ok(report)
}
