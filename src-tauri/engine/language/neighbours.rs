//! Nearest written examples: how close a line sits to the project's own labelled call-centre
//! lines of each class (boundary: ordinary, venting, abuse; intent: see `intent.rs`). A linear head over the mean-pooled embedding misses insults
//! that carry no insulting word ("someone who wasn't born yesterday"); their nearest labelled
//! neighbours do not. The banks (assets/models/*-examples.bin) are written by
//! scripts/train_language.py from the training lines' embeddings, int8 per row with a scale.
//!
//! Layout, little-endian: b"PXB1", u32 dims, u32 k, u32 classes, each class as u8 length +
//! UTF-8 name, u32 rows, then per row: u8 class, f32 scale, dims x i8.

use std::sync::{Arc, OnceLock};

use super::heads::HeadsError;
use super::intent::INTENT_CLASSES;
use super::semantic::Embedding;

const BOUNDARY: &[u8] = include_bytes!("../../../assets/models/boundary-examples.bin");
const INTENT: &[u8] = include_bytes!("../../../assets/models/intent-examples.bin");
const MAGIC: &[u8; 4] = b"PXB1";

/// The boundary head's inputs after the grammar features, one per class, in this order.
pub const NEIGHBOUR_FEATURES: &[&str] = &["near_ordinary", "near_venting", "near_abuse"];
const BOUNDARY_CLASSES: &[&str] = &["ordinary", "venting", "abuse"];

#[derive(Debug, Clone)]
pub struct ExampleBank {
    dims: usize,
    k: usize,
    classes: Vec<String>,
    labels: Vec<u8>,
    scales: Vec<f32>,
    values: Vec<i8>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], HeadsError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| {
            HeadsError::Parse(format!(
                "example bank ends inside {what} (byte {})",
                self.at
            ))
        })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<usize, HeadsError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}

impl ExampleBank {
    /// A bank whose classes are `expected`, in that order.
    pub fn parse(bytes: &[u8], expected: &[&str]) -> Result<ExampleBank, HeadsError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4, "the header")? != MAGIC {
            return Err(HeadsError::Parse("example bank: not a PXB1 file".into()));
        }
        let dims = r.u32("the width")?;
        let k = r.u32("k")?;
        let n_classes = r.u32("the class count")?;
        if dims == 0 || k == 0 || n_classes != expected.len() {
            return Err(HeadsError::Parse(format!(
                "example bank: width {dims}, k {k}, {n_classes} classes (need {})",
                expected.len()
            )));
        }
        let mut classes = Vec::with_capacity(n_classes);
        for _ in 0..n_classes {
            let len = r.take(1, "a class name")?[0] as usize;
            let name = std::str::from_utf8(r.take(len, "a class name")?)
                .map_err(|_| HeadsError::Parse("example bank: class name not UTF-8".into()))?;
            classes.push(name.to_string());
        }
        if classes.iter().zip(expected).any(|(a, b)| a != b) {
            return Err(HeadsError::Parse(format!(
                "example bank classes {classes:?}, expected {expected:?}"
            )));
        }
        let rows = r.u32("the row count")?;
        let mut labels = Vec::with_capacity(rows);
        let mut scales = Vec::with_capacity(rows);
        let mut values = Vec::with_capacity(rows.saturating_mul(dims).min(bytes.len()));
        for i in 0..rows {
            let label = r.take(1, "a row label")?[0];
            if label as usize >= n_classes {
                return Err(HeadsError::Parse(format!(
                    "example bank row {i}: class {label} out of range"
                )));
            }
            let s = r.take(4, "a row scale")?;
            let row: Vec<i8> = r.take(dims, "a row")?.iter().map(|b| *b as i8).collect();
            // Rounding to int8 moves a row off unit length; folding its norm into the scale
            // keeps every product a cosine.
            let norm = row.iter().map(|v| (*v as f32).powi(2)).sum::<f32>().sqrt();
            let scale = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            if !scale.is_finite() || scale <= 0.0 {
                return Err(HeadsError::Parse(format!(
                    "example bank row {i}: scale {scale} is not a positive number"
                )));
            }
            labels.push(label);
            scales.push(if norm > 0.0 { 1.0 / norm } else { 0.0 });
            values.extend(row);
        }
        if r.at != bytes.len() {
            return Err(HeadsError::Parse(format!(
                "example bank: {} bytes after the last row",
                bytes.len() - r.at
            )));
        }
        for c in 0..n_classes as u8 {
            if labels.iter().filter(|l| **l == c).count() < k {
                return Err(HeadsError::Parse(format!(
                    "example bank: fewer than {k} rows of class {}",
                    classes[c as usize]
                )));
            }
        }
        Ok(ExampleBank {
            dims,
            k,
            classes,
            labels,
            scales,
            values,
        })
    }

    /// The boundary head's bank this build ships, parsed once per process.
    pub fn builtin() -> Result<Arc<ExampleBank>, HeadsError> {
        static PARSED: OnceLock<Result<Arc<ExampleBank>, HeadsError>> = OnceLock::new();
        PARSED
            .get_or_init(|| ExampleBank::parse(BOUNDARY, BOUNDARY_CLASSES).map(Arc::new))
            .clone()
    }

    /// The intent head's bank (customer lines asking for a manager, legal action, leaving, a
    /// hot-button topic, their look-alikes and ordinary requests).
    pub fn builtin_intent() -> Result<Arc<ExampleBank>, HeadsError> {
        static PARSED: OnceLock<Result<Arc<ExampleBank>, HeadsError>> = OnceLock::new();
        PARSED
            .get_or_init(|| ExampleBank::parse(INTENT, INTENT_CLASSES).map(Arc::new))
            .clone()
    }

    pub fn dimensions(&self) -> usize {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Per class, the mean cosine of the `k` nearest examples of that class (see
    /// [`NEIGHBOUR_FEATURES`]); zeros for an embedding of another width.
    pub fn nearness(&self, emb: &Embedding) -> Vec<f32> {
        let n = self.classes.len();
        if emb.len() != self.dims {
            return vec![0.0; n];
        }
        let q = emb.as_slice();
        let mut best: Vec<Vec<f32>> = vec![Vec::with_capacity(self.k + 1); n];
        for (row, (label, scale)) in self.labels.iter().zip(&self.scales).enumerate() {
            let v = &self.values[row * self.dims..(row + 1) * self.dims];
            let cos = scale * v.iter().zip(q).map(|(a, b)| *a as f32 * b).sum::<f32>();
            let top = &mut best[*label as usize];
            if top.len() < self.k {
                top.push(cos);
            } else if let Some((i, min)) = top
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
            {
                if cos > min {
                    top[i] = cos;
                }
            }
        }
        best.iter()
            .map(|top| top.iter().sum::<f32>() / top.len().max(1) as f32)
            .collect()
    }

    /// Row `i` as the vector it stands for (for checks against the training script).
    pub fn row(&self, i: usize) -> Option<Embedding> {
        let v = self.values.get(i * self.dims..(i + 1) * self.dims)?;
        Some(Embedding::new(v.iter().map(|x| *x as f32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(rows: &[(u8, [i8; 2])], k: u32) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        for v in [2u32, k, 3] {
            b.extend(v.to_le_bytes());
        }
        for c in ["ordinary", "venting", "abuse"] {
            b.push(c.len() as u8);
            b.extend(c.as_bytes());
        }
        b.extend((rows.len() as u32).to_le_bytes());
        for (label, v) in rows {
            b.push(*label);
            b.extend((1.0f32 / 127.0).to_le_bytes());
            b.extend(v.iter().map(|x| *x as u8));
        }
        b
    }

    #[test]
    fn nearness_is_the_mean_of_the_k_closest_per_class() {
        let rows = [
            (0, [127, 0]),
            (0, [0, 127]),
            (1, [0, -127]),
            (1, [-127, 0]),
            (2, [90, 90]),
            (2, [127, 0]),
        ];
        let b = ExampleBank::parse(&bank(&rows, 1), BOUNDARY_CLASSES).expect("a valid bank");
        let near = b.nearness(&Embedding::new(vec![1.0, 0.0]));
        assert!((near[0] - 1.0).abs() < 1e-3, "{near:?}");
        assert!(near[1].abs() < 1e-3, "{near:?}");
        assert!((near[2] - 1.0).abs() < 1e-3, "{near:?}");
        let b = ExampleBank::parse(&bank(&rows, 2), BOUNDARY_CLASSES).expect("a valid bank");
        let near = b.nearness(&Embedding::new(vec![1.0, 0.0]));
        assert!((near[0] - 0.5).abs() < 1e-3, "{near:?}");
        assert!(
            (near[2] - (1.0 + 90.0 / 127.0) / 2.0).abs() < 1e-3,
            "{near:?}"
        );
        assert_eq!(b.nearness(&Embedding::new(vec![1.0])), vec![0.0; 3]);
    }

    #[test]
    fn damaged_banks_are_refused_not_panicked_on() {
        let good = bank(&[(0, [1, 2]), (1, [3, 4]), (2, [5, 6])], 1);
        assert!(ExampleBank::parse(&good, BOUNDARY_CLASSES).is_ok());
        assert!(ExampleBank::parse(&good, INTENT_CLASSES).is_err());
        for cut in 0..good.len() {
            assert!(
                ExampleBank::parse(&good[..cut], BOUNDARY_CLASSES).is_err(),
                "cut at {cut}"
            );
        }
        let mut bad_label = good.clone();
        let first_row = good.len() - 3 * 7;
        bad_label[first_row] = 9;
        assert!(ExampleBank::parse(&bad_label, BOUNDARY_CLASSES).is_err());
        let mut extra = good.clone();
        extra.push(0);
        assert!(ExampleBank::parse(&extra, BOUNDARY_CLASSES).is_err());
        // k larger than a class's rows
        assert!(ExampleBank::parse(
            &bank(&[(0, [1, 2]), (1, [3, 4]), (2, [5, 6])], 2),
            BOUNDARY_CLASSES,
        )
        .is_err());
    }
}
