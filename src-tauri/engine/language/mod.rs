//! Language detectors: what the words say. Pure functions of text and the playbook's settings.

pub mod abuse;
pub mod features;
pub mod heads;
pub mod intent;
pub mod lexicon;
pub mod neighbours;
pub mod overlap;
pub mod paraphrase;
pub mod phrases;
pub mod semantic;
pub mod text;
pub mod understanding;

pub use abuse::{AbuseConfig, AbuseDetector, AbuseKind, AbuseVerdict};
pub use paraphrase::{ParaphraseConfig, ParaphraseDetector, ParaphraseVerdict};
pub use phrases::PhraseSet;
