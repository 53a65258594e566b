//! The trained heads' inputs for a file of lines or pairs, computed by the same code the engine
//! runs, for scripts/train_language.py to fit on. Input is tab-separated with a header:
//! `id<TAB>text` for lines; `id<TAB>customer<TAB>agent` for pairs, where the customer's recent
//! lines are joined with ` ||| `. Output is one JSON object per input row.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::EvalError;
use crate::engine::language::features::{self, Grammar, PairInputs};
use crate::engine::language::intent::{self, IntentRules};
use crate::engine::language::semantic::{Embedder, Embedding};
use crate::engine::language::text::words;
use crate::engine::language::{AbuseDetector, ParaphraseDetector, PhraseSet};
use crate::engine::Playbook;

pub const CUSTOMER_LINE_SEPARATOR: &str = " ||| ";

#[derive(Serialize)]
struct LineRow<'a> {
    id: &'a str,
    emb: &'a [f32],
    grammar: Vec<f32>,
    intent: Vec<f32>,
}

#[derive(Serialize)]
struct PairRow<'a> {
    id: &'a str,
    paraphrase: Vec<f32>,
    agent_emb: &'a [f32],
    acknowledge: Vec<f32>,
}

fn rows(path: &Path, columns: usize) -> Result<Vec<(usize, Vec<String>)>, EvalError> {
    let text = super::read_text(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<String> = line.split('\t').map(str::to_string).collect();
        if cols.len() != columns {
            return Err(EvalError::Format {
                path: path.to_path_buf(),
                line: i + 1,
                reason: format!(
                    "expected {columns} tab-separated columns, found {}",
                    cols.len()
                ),
            });
        }
        out.push((i + 1, cols));
    }
    Ok(out)
}

fn embed(e: &dyn Embedder, text: &str, path: &Path, line: usize) -> Result<Embedding, EvalError> {
    e.embed(text).map_err(|err| EvalError::Format {
        path: path.to_path_buf(),
        line,
        reason: err.to_string(),
    })
}

fn write_err(out: &Path, e: std::io::Error) -> EvalError {
    EvalError::Read {
        path: out.to_path_buf(),
        source: e,
    }
}

/// Writes the boundary and intent inputs of every line; returns how many.
pub fn lines(
    input: &Path,
    out: &Path,
    playbook: &Playbook,
    embedder: &dyn Embedder,
) -> Result<usize, EvalError> {
    let abuse = AbuseDetector::new(&playbook.language.abuse)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let grammar =
        Grammar::new(&playbook.language.abuse).map_err(|e| EvalError::Detector(e.to_string()))?;
    let intents = IntentRules::new(playbook).map_err(|e| EvalError::Detector(e.to_string()))?;
    let file = std::fs::File::create(out).map_err(|e| write_err(out, e))?;
    let mut w = std::io::BufWriter::new(file);
    let rows = rows(input, 2)?;
    for (line, cols) in &rows {
        let text = &cols[1];
        let emb = embed(embedder, text, input, *line)?;
        let verdict = abuse.classify(text);
        let row = LineRow {
            id: &cols[0],
            emb: emb.as_slice(),
            grammar: grammar.boundary(text, &verdict),
            intent: {
                let w = words(text);
                intent::features(&intents.check(&w), w.len())
            },
        };
        let json = serde_json::to_string(&row).map_err(|e| EvalError::Detector(e.to_string()))?;
        writeln!(w, "{json}").map_err(|e| write_err(out, e))?;
    }
    w.flush().map_err(|e| write_err(out, e))?;
    Ok(rows.len())
}

/// Writes the paraphrase and acknowledge inputs of every pair; returns how many.
pub fn pairs(
    input: &Path,
    out: &Path,
    playbook: &Playbook,
    embedder: &dyn Embedder,
) -> Result<usize, EvalError> {
    let detector = ParaphraseDetector::new(&playbook.language.paraphrase)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let ack = PhraseSet::new(&playbook.phrases.acknowledge)
        .map_err(|e| EvalError::Detector(e.to_string()))?;
    let file = std::fs::File::create(out).map_err(|e| write_err(out, e))?;
    let mut w = std::io::BufWriter::new(file);
    let rows = rows(input, 3)?;
    for (line, cols) in &rows {
        let customer: Vec<&str> = cols[1].split(CUSTOMER_LINE_SEPARATOR).collect();
        let agent = &cols[2];
        let customer_embs = customer
            .iter()
            .map(|c| embed(embedder, c, input, *line))
            .collect::<Result<Vec<_>, _>>()?;
        let agent_emb = embed(embedder, agent, input, *line)?;
        let (core, framed) = detector.strip_frame(agent);
        let core_emb = match features::core_text(&core, framed) {
            Some(text) => embed(embedder, &text, input, *line)?,
            None => agent_emb.clone(),
        };
        let rules = detector.check(&customer, agent);
        let row = PairRow {
            id: &cols[0],
            paraphrase: features::paraphrase(
                &detector,
                &rules,
                &PairInputs {
                    customer: &customer,
                    customer_embeddings: &customer_embs,
                    agent,
                    agent_embedding: &agent_emb,
                    core_embedding: &core_emb,
                },
            ),
            agent_emb: agent_emb.as_slice(),
            acknowledge: features::acknowledge(&ack, &customer_embs, agent, &agent_emb),
        };
        let json = serde_json::to_string(&row).map_err(|e| EvalError::Detector(e.to_string()))?;
        writeln!(w, "{json}").map_err(|e| write_err(out, e))?;
    }
    w.flush().map_err(|e| write_err(out, e))?;
    Ok(rows.len())
}
