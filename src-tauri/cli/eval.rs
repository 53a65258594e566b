//! `parley eval`: the harness on the command line.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::engine::Playbook;

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
    let report = crate::eval::run(&data, Arc::new(playbook), &name)?;
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
