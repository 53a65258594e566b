//! `parley features`: the semantic layer's inputs for training (scripts/train_language.py).

use std::path::PathBuf;

use anyhow::Context;

use crate::engine::Playbook;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// `id<TAB>text` rows: boundary inputs.
    Lines,
    /// `id<TAB>customer<TAB>agent` rows: paraphrase and acknowledge inputs.
    Pairs,
}

#[derive(Debug, clap::Args)]
pub struct FeaturesArgs {
    pub kind: Kind,
    /// Tab-separated input with a header row.
    pub input: PathBuf,
    /// JSON lines out.
    pub output: PathBuf,
}

pub fn run(args: FeaturesArgs) -> anyhow::Result<i32> {
    let loaded = crate::models::load_embedder();
    let embedder = match loaded {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}", crate::models::describe(&Err(e)));
            return Ok(1);
        }
    };
    let playbook = Playbook::builtin();
    let n = match args.kind {
        Kind::Lines => {
            crate::eval::features::lines(&args.input, &args.output, &playbook, &*embedder)
        }
        Kind::Pairs => {
            crate::eval::features::pairs(&args.input, &args.output, &playbook, &*embedder)
        }
    }
    .with_context(|| format!("computing features of {}", args.input.display()))?;
    eprintln!("wrote {n} rows to {}", args.output.display());
    Ok(0)
}
