//! The semantic layer's contract: a sentence embedder the engine is handed. The engine never
//! loads a model itself (no I/O); it asks once per utterance and keeps what it got.

use std::sync::Arc;

/// A sentence embedding, L2-normalised so a dot product is the cosine.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Arc<[f32]>);

impl Embedding {
    /// Normalises `v`; a zero vector stays zero (cosine 0 with everything).
    pub fn new(mut v: Vec<f32>) -> Embedding {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
        Embedding(v.into())
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn cosine(&self, other: &Embedding) -> f32 {
        if self.len() != other.len() {
            return 0.0;
        }
        self.0.iter().zip(other.0.iter()).map(|(a, b)| a * b).sum()
    }

    /// The direction of several sentences together: the normalised mean.
    pub fn mean<'a>(items: impl IntoIterator<Item = &'a Embedding>) -> Option<Embedding> {
        let mut sum: Option<Vec<f32>> = None;
        for e in items {
            match &mut sum {
                None => sum = Some(e.as_slice().to_vec()),
                Some(s) if s.len() == e.len() => {
                    s.iter_mut().zip(e.as_slice()).for_each(|(a, b)| *a += b)
                }
                Some(_) => {}
            }
        }
        sum.map(Embedding::new)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("sentence embedding failed: {0}")]
pub struct EmbedError(pub String);

/// Turns a sentence into an embedding. Must be deterministic: the same text gives the same
/// vector, so a replayed call gets the coaching the live one did.
pub trait Embedder: Send + Sync {
    fn embed(&self, text: &str) -> Result<Embedding, EmbedError>;
    /// What the model is, for the record ("all-MiniLM-L6-v2 int8").
    fn describe(&self) -> String;
    /// The embedding width the trained heads expect.
    fn dimensions(&self) -> usize;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_normalised_vectors() {
        let a = Embedding::new(vec![3.0, 4.0]);
        let b = Embedding::new(vec![6.0, 8.0]);
        let c = Embedding::new(vec![-4.0, 3.0]);
        assert!((a.cosine(&b) - 1.0).abs() < 1e-6);
        assert!(a.cosine(&c).abs() < 1e-6);
        assert_eq!(a.cosine(&Embedding::new(vec![1.0])), 0.0);
    }

    #[test]
    fn mean_points_between() {
        let a = Embedding::new(vec![1.0, 0.0]);
        let b = Embedding::new(vec![0.0, 1.0]);
        let m = Embedding::mean([&a, &b]).expect("two vectors");
        assert!((m.cosine(&a) - m.cosine(&b)).abs() < 1e-6);
        assert!(Embedding::mean([]).is_none());
        assert_eq!(Embedding::new(vec![0.0, 0.0]).as_slice(), &[0.0, 0.0]);
    }
}
