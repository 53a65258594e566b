//! Pair features for restatement: how much of each side the other carries, word by word and in
//! short runs, and whether numbers and names agree. A restatement frame is removed first.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::text::{is_stopword, stem};

/// One side of a pair, reduced to what the comparison needs. Stems and runs are kept as hashes:
/// only equality matters, and this runs on every agent utterance.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub len: usize,
    /// Sorted, without repeats.
    pub content: Vec<u64>,
    pub bigrams: Vec<u64>,
    pub trigrams: Vec<u64>,
    pub numbers: HashSet<String>,
    pub names: HashSet<String>,
}

impl Side {
    /// `words` are the normalised words; `raw` the original text, for capitalised names.
    pub fn new(words: &[String], raw: &str, synonyms: &HashMap<String, String>) -> Side {
        let stems = fold_stems(words, synonyms);
        Side::from_parts(words, &stems, &names(raw))
    }

    /// A stretch of a text whose stems and names were worked out once for the whole text.
    pub fn from_parts(words: &[String], stems: &[String], all_names: &HashSet<String>) -> Side {
        let content = set(words
            .iter()
            .zip(stems)
            .filter(|(w, _)| !is_stopword(w))
            .map(|(_, s)| hash(std::slice::from_ref(s))));
        let numbers = words
            .iter()
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .cloned()
            .collect();
        // Only names inside these words: the text may be longer than this stretch.
        let names = if all_names.is_empty() {
            HashSet::new()
        } else {
            words
                .iter()
                .filter(|w| all_names.contains(w.as_str()))
                .cloned()
                .collect()
        };
        Side {
            len: stems.len(),
            content,
            bigrams: set(stems.windows(2).map(hash)),
            trigrams: set(stems.windows(3).map(hash)),
            numbers,
            names,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// FNV-1a over the words of a run, with a separator so "ab c" and "a bc" differ.
fn hash(run: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in run {
        for b in w.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn set(values: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// How many values two sorted, repeat-free lists share.
fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Each word's stem, with synonyms folded onto their group's first word.
pub fn fold_stems(words: &[String], synonyms: &HashMap<String, String>) -> Vec<String> {
    words
        .iter()
        .map(|w| {
            let s = stem(w);
            synonyms.get(&s).cloned().unwrap_or(s)
        })
        .collect()
}

/// Capitalised words other than function words: people, places, products. Sentence starts are
/// not skipped, so a restatement frame in front of a name does not change what counts.
pub fn names(raw: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for piece in raw.split_whitespace() {
        let word: String = piece
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'')
            .collect();
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let shouting = word.chars().all(|c| !c.is_lowercase());
        if capital && !shouting && !is_stopword(&word.to_lowercase()) {
            out.insert(word.to_lowercase());
        }
    }
    out
}

/// Weights of the linear restatement score; trained offline (scripts/train_paraphrase.py).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub bias: f32,
    pub uni_agent: f32,
    pub uni_customer: f32,
    pub bi_agent: f32,
    pub bi_customer: f32,
    pub tri_agent: f32,
    pub tri_customer: f32,
    pub length_gap: f32,
    pub numbers_same: f32,
    pub numbers_extra: f32,
    pub numbers_missing: f32,
    pub names_shared: f32,
    pub names_extra: f32,
}

/// Feature values in the order `Weights` lists them (bias excluded).
pub const FEATURE_NAMES: [&str; 12] = [
    "uni_agent",
    "uni_customer",
    "bi_agent",
    "bi_customer",
    "tri_agent",
    "tri_customer",
    "length_gap",
    "numbers_same",
    "numbers_extra",
    "numbers_missing",
    "names_shared",
    "names_extra",
];

fn share(part: usize, whole: usize) -> f32 {
    if whole == 0 {
        0.0
    } else {
        part as f32 / whole as f32
    }
}

pub fn features(customer: &Side, agent: &Side) -> [f32; 12] {
    let uni = shared(&customer.content, &agent.content);
    let mut f = [0.0; 12];
    f[0] = share(uni, agent.content.len());
    f[1] = share(uni, customer.content.len());
    for (k, c, a) in [
        (2, &customer.bigrams, &agent.bigrams),
        (4, &customer.trigrams, &agent.trigrams),
    ] {
        let both = shared(c, a);
        f[k] = share(both, a.len());
        f[k + 1] = share(both, c.len());
    }
    let (lc, la) = (customer.len, agent.len);
    f[6] = share(lc.abs_diff(la), lc.max(la));
    f[7] = f32::from(u8::from(customer.numbers == agent.numbers));
    f[8] = agent.numbers.difference(&customer.numbers).count() as f32;
    f[9] = customer.numbers.difference(&agent.numbers).count() as f32;
    let names_all = customer.names.union(&agent.names).count();
    f[10] = share(customer.names.intersection(&agent.names).count(), names_all);
    f[11] = agent.names.difference(&customer.names).count() as f32;
    f
}

pub fn score(w: &Weights, f: &[f32; 12]) -> f32 {
    let ws = [
        w.uni_agent,
        w.uni_customer,
        w.bi_agent,
        w.bi_customer,
        w.tri_agent,
        w.tri_customer,
        w.length_gap,
        w.numbers_same,
        w.numbers_extra,
        w.numbers_missing,
        w.names_shared,
        w.names_extra,
    ];
    let z = w.bias + ws.iter().zip(f).map(|(a, b)| a * b).sum::<f32>();
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::language::text::words;

    fn side(t: &str) -> Side {
        Side::new(&words(t), t, &HashMap::new())
    }

    #[test]
    fn names_are_capitalised_content_words() {
        let n = names("So Maria called. Then she rang Acme Bank, I think");
        assert!(n.contains("maria") && n.contains("acme") && n.contains("bank"));
        assert!(!n.contains("so") && !n.contains("then") && !n.contains("i"));
    }

    #[test]
    fn identical_sides_overlap_fully() {
        let a = side("I was charged twice for order 1234");
        let f = features(&a, &a);
        assert_eq!(&f[..6], &[1.0; 6]);
        assert_eq!(f[7], 1.0);
        assert_eq!(f[8] + f[9], 0.0);
    }
}
