//! `parley eval`: the harness on the command line.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::engine::{Coach, Playbook};

/// Where the shared evaluation data sits next to a checkout.
const DEFAULT_DATA: &str = "../shared/data";

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Folder with olid*.tsv, mrpc*.txt and calls_*/ (default: ../shared/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Playbook TOML (default: the built-in difficult-call playbook).
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// The report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The project's own dev sets (`*_dev.tsv`; default: assets/training of this checkout).
    #[arg(long)]
    pub own: Option<PathBuf>,
    /// Judge language with the word rules only, even when the language model is installed.
    #[arg(long)]
    pub no_model: bool,
    /// Also write the paraphrase score's inputs for every MRPC pair to this CSV (for training).
    #[arg(long)]
    pub features_out: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<i32> {
    let data = args.data.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let (playbook, name) = match &args.playbook {
        Some(path) => (Playbook::load(path)?, path.display().to_string()),
        None => (
            Playbook::builtin(),
            format!("built-in {}", crate::engine::playbook::BUILTIN_NAME),
        ),
    };
    let playbook = Arc::new(playbook);
    if let Some(out) = &args.features_out {
        let n = crate::eval::mrpc::write_features(&data, &playbook, out)?;
        eprintln!("wrote features of {n} pairs to {}", out.display());
    }
    let coach = if args.no_model {
        Coach::new(playbook)
    } else {
        let loaded = crate::models::load_embedder();
        eprintln!("{}", crate::models::describe(&loaded));
        match loaded {
            Ok(embedder) => Coach::with_embedder(playbook.clone(), embedder)
                .context("the language heads do not fit the installed model")?,
            Err(_) => Coach::new(playbook),
        }
    };
    let own = args
        .own
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/training"));
    let report = crate::eval::run(&data, Some(&own), &coach, &name)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("serialising the report")?
        );
    } else {
        print!("{}", crate::eval::table::render(&report));
    }
    Ok(0)
}
