//! The trained heads of the semantic layer: small linear models over the sentence embedding
//! and the grammar features, fitted offline by scripts/train_language.py and committed as
//! assets/models/language-heads.json. Reading them is pure (the file is compiled in).

use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::features::{ACKNOWLEDGE_FEATURES, BOUNDARY_FEATURES, PARAPHRASE_FEATURES};
use super::intent::{INTENT_CLASSES, INTENT_FEATURES, INTENT_NEIGHBOUR_FEATURES};
use super::neighbours::NEIGHBOUR_FEATURES;

const BUILTIN: &str = include_str!("../../../assets/models/language-heads.json");

#[derive(Debug, Clone, thiserror::Error)]
pub enum HeadsError {
    #[error("language heads: {0}")]
    Parse(String),
    #[error("language heads: {head} expects {expected} inputs, has {got} weights")]
    Width {
        head: &'static str,
        expected: usize,
        got: usize,
    },
    #[error(
        "language heads: {head} was trained on features {trained:?}, this build computes {ours:?}"
    )]
    Features {
        head: &'static str,
        trained: Vec<String>,
        ours: Vec<String>,
    },
}

/// Softmax over classes: one weight row and one bias per class.
#[derive(Debug, Clone, Deserialize)]
pub struct Multiclass {
    pub classes: Vec<String>,
    pub features: Vec<String>,
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

/// One logistic unit.
#[derive(Debug, Clone, Deserialize)]
pub struct Binary {
    pub features: Vec<String>,
    pub weights: Vec<f32>,
    pub bias: f32,
    /// The probability at or above which the head says yes (chosen on held-out data).
    pub threshold: f32,
    /// A lower bar when the word rules say yes too.
    #[serde(default)]
    pub threshold_with_rules: Option<f32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BoundaryHead {
    #[serde(flatten)]
    pub model: Multiclass,
    /// P(abuse) at or above which the ladder climbs when the word rules saw abuse too.
    pub abuse_threshold: f32,
    /// P(abuse) needed when the word rules saw none: the embedding alone must be surer.
    pub abuse_threshold_alone: f32,
    /// P(venting) at or above which the reply should acknowledge.
    pub venting_threshold: f32,
    /// One bank row's nearness as the training script computed it, to check this build's.
    #[serde(default)]
    pub neighbours_check: Option<NeighbourCheck>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NeighbourCheck {
    pub row: usize,
    pub nearness: Vec<f32>,
}

/// What the customer asks for (see `intent.rs`).
#[derive(Debug, Clone, Deserialize)]
pub struct IntentHead {
    #[serde(flatten)]
    pub model: Multiclass,
    /// P(the most likely escalation kind) at or above which it is an escalation.
    pub escalation_threshold: f32,
    pub hot_button_threshold: f32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Heads {
    pub embedder: String,
    pub dimensions: usize,
    pub boundary: BoundaryHead,
    pub paraphrase: Binary,
    pub acknowledge: Binary,
    pub intent: IntentHead,
    /// Where the training data came from, for the record.
    #[serde(default)]
    pub trained_on: Vec<String>,
}

fn dot(w: &[f32], parts: &[&[f32]]) -> f32 {
    let mut sum = 0.0;
    let mut i = 0;
    for part in parts {
        for x in *part {
            sum += w.get(i).copied().unwrap_or(0.0) * x;
            i += 1;
        }
    }
    sum
}

pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Multiclass {
    /// Class probabilities for the inputs given as consecutive slices.
    pub fn probabilities(&self, parts: &[&[f32]]) -> Vec<f32> {
        let z: Vec<f32> = self
            .weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| dot(w, parts) + b)
            .collect();
        let max = z.iter().copied().fold(f32::MIN, f32::max);
        let e: Vec<f32> = z.iter().map(|v| (v - max).exp()).collect();
        let total: f32 = e.iter().sum();
        e.iter().map(|v| v / total).collect()
    }

    pub fn probability_of(&self, class: &str, parts: &[&[f32]]) -> f32 {
        self.class_probability(&self.probabilities(parts), class)
    }

    /// One class's share of `probabilities` already computed (0 for a class the head lacks).
    pub fn class_probability(&self, probabilities: &[f32], class: &str) -> f32 {
        self.classes
            .iter()
            .position(|c| c == class)
            .and_then(|i| probabilities.get(i).copied())
            .unwrap_or(0.0)
    }
}

impl Binary {
    pub fn probability(&self, parts: &[&[f32]]) -> f32 {
        sigmoid(dot(&self.weights, parts) + self.bias)
    }
}

fn check_features(
    head: &'static str,
    trained: &[String],
    ours: &[&str],
    with_embedding: bool,
    dims: usize,
    width: usize,
) -> Result<(), HeadsError> {
    let named: Vec<&String> = trained.iter().filter(|f| !f.starts_with("emb")).collect();
    if named.len() != ours.len() || named.iter().zip(ours).any(|(a, b)| a.as_str() != *b) {
        return Err(HeadsError::Features {
            head,
            trained: named.into_iter().cloned().collect(),
            ours: ours.iter().map(|s| s.to_string()).collect(),
        });
    }
    let expected = ours.len() + if with_embedding { dims } else { 0 };
    if width != expected || trained.len() != expected {
        return Err(HeadsError::Width {
            head,
            expected,
            got: width,
        });
    }
    Ok(())
}

impl Heads {
    pub fn parse(json: &str) -> Result<Heads, HeadsError> {
        let h: Heads = serde_json::from_str(json).map_err(|e| HeadsError::Parse(e.to_string()))?;
        let b = &h.boundary.model;
        let boundary_features: Vec<&str> = BOUNDARY_FEATURES
            .iter()
            .chain(NEIGHBOUR_FEATURES)
            .copied()
            .collect();
        if b.classes.len() != b.weights.len() || b.classes.len() != b.bias.len() {
            return Err(HeadsError::Parse(
                "boundary classes, weights and bias differ in length".into(),
            ));
        }
        for (row, cls) in b.weights.iter().zip(&b.classes) {
            if !["ordinary", "venting", "abuse"].contains(&cls.as_str()) {
                return Err(HeadsError::Parse(format!("unknown boundary class {cls:?}")));
            }
            check_features(
                "boundary",
                &b.features,
                &boundary_features,
                true,
                h.dimensions,
                row.len(),
            )?;
        }
        let p = &h.paraphrase;
        check_features(
            "paraphrase",
            &p.features,
            PARAPHRASE_FEATURES,
            false,
            h.dimensions,
            p.weights.len(),
        )?;
        let i = &h.intent.model;
        if i.classes.len() != i.weights.len()
            || i.classes.len() != i.bias.len()
            || i.classes.iter().zip(INTENT_CLASSES).any(|(a, b)| a != b)
        {
            return Err(HeadsError::Parse(format!(
                "intent classes {:?}, expected {INTENT_CLASSES:?}",
                i.classes
            )));
        }
        let intent_features: Vec<&str> = INTENT_FEATURES
            .iter()
            .chain(INTENT_NEIGHBOUR_FEATURES)
            .copied()
            .collect();
        for row in &i.weights {
            check_features(
                "intent",
                &i.features,
                &intent_features,
                true,
                h.dimensions,
                row.len(),
            )?;
        }
        let a = &h.acknowledge;
        check_features(
            "acknowledge",
            &a.features,
            ACKNOWLEDGE_FEATURES,
            true,
            h.dimensions,
            a.weights.len(),
        )?;
        Ok(h)
    }

    /// The heads this build ships, parsed once per process (every call's engine shares them).
    pub fn builtin() -> Result<Arc<Heads>, HeadsError> {
        static PARSED: OnceLock<Result<Arc<Heads>, HeadsError>> = OnceLock::new();
        PARSED
            .get_or_init(|| Heads::parse(BUILTIN).map(Arc::new))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_heads_match_this_build() {
        let h = Heads::builtin().expect("the committed heads parse and match the features");
        assert_eq!(h.dimensions, 384);
        assert!(h.boundary.abuse_threshold > 0.0 && h.boundary.abuse_threshold < 1.0);
    }

    #[test]
    fn builtin_example_bank_reads_as_the_training_script_wrote_it() {
        use super::super::neighbours::ExampleBank;
        let h = Heads::builtin().expect("heads");
        let bank = ExampleBank::builtin().expect("the committed example bank parses");
        assert_eq!(bank.dimensions(), h.dimensions);
        let check = h.boundary.neighbours_check.as_ref().expect("a check row");
        let row = bank.row(check.row).expect("the check row exists");
        let ours = bank.nearness(&row);
        for (a, b) in ours.iter().zip(&check.nearness) {
            assert!(
                (a - b).abs() < 1e-4,
                "ours {ours:?}, script {:?}",
                check.nearness
            );
        }
    }

    #[test]
    fn softmax_sums_to_one() {
        let m = Multiclass {
            classes: vec!["ordinary".into(), "abuse".into()],
            features: vec!["x".into()],
            weights: vec![vec![1.0], vec![-1.0]],
            bias: vec![0.0, 0.5],
        };
        let p = m.probabilities(&[&[2.0]]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[0] > p[1]);
        assert!(m.probability_of("abuse", &[&[-3.0]]) > 0.9);
        assert_eq!(m.probability_of("venting", &[&[0.0]]), 0.0);
    }

    #[test]
    fn mismatched_features_are_refused() {
        let bad = BUILTIN.replacen("\"second_person\"", "\"second_persons\"", 1);
        assert!(matches!(
            Heads::parse(&bad),
            Err(HeadsError::Features { .. })
        ));
        assert!(matches!(Heads::parse("{"), Err(HeadsError::Parse(_))));
    }
}
