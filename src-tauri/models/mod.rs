//! Model files the app runs locally: where they live and how they load. The engine only sees
//! the traits it defines (`engine::language::semantic::Embedder`); this is the I/O side.

pub mod minilm;
pub mod paths;

use std::sync::Arc;

use crate::engine::language::semantic::Embedder;

pub use minilm::{LoadError, MiniLm};
pub use paths::ModelPaths;

/// The sentence-embedding model from the default place, or why not. Callers say the reason to
/// the person once and carry on with the word rules.
pub fn load_embedder() -> Result<Arc<dyn Embedder>, LoadError> {
    let paths = ModelPaths::default_location().ok_or(LoadError::NoDataDir)?;
    Ok(Arc::new(MiniLm::load(&paths)?))
}

/// One line for a person: what the coach is running on.
pub fn describe(loaded: &Result<Arc<dyn Embedder>, LoadError>) -> String {
    match loaded {
        Ok(e) => format!("language model: {}", e.describe()),
        Err(e) => format!(
            "language model not available ({e}); language nudges use the word rules only. \
             Run scripts/install-models.sh to install it."
        ),
    }
}

/// The embedder this process uses, loaded once on first use (about 100 ms). The outcome is told
/// once on stderr; every later call gets the same answer.
pub fn shared_embedder() -> Option<Arc<dyn Embedder>> {
    static SHARED: std::sync::OnceLock<Option<Arc<dyn Embedder>>> = std::sync::OnceLock::new();
    SHARED
        .get_or_init(|| {
            let loaded = load_embedder();
            eprintln!("{}", describe(&loaded));
            loaded.ok()
        })
        .clone()
}

/// A coach for `playbook` with the language model when it is installed, else the word rules.
pub fn coach(playbook: Arc<crate::engine::Playbook>) -> crate::engine::Coach {
    use crate::engine::Coach;
    match shared_embedder() {
        Some(e) => Coach::with_embedder(playbook.clone(), e).unwrap_or_else(|err| {
            eprintln!("language model not used: {err}; language nudges use the word rules only");
            Coach::new(playbook)
        }),
        None => Coach::new(playbook),
    }
}
