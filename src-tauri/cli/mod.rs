//! The command line: `parley` alone opens the app; subcommands work headless.

mod eval;
mod render;

use clap::{Parser, Subcommand};

pub use render::Renderer;

#[derive(Debug, Parser)]
#[command(
    name = "parley",
    version,
    about = "Parley: a conversation coach for call-center agents"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay a transcript through the coach and print the timeline.
    Replay(ReplayArgs),
    /// Measure the detectors and whole calls on evaluation data.
    Eval(eval::EvalArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Transcript file (.jsonl, .vtt, .srt).
    pub file: std::path::PathBuf,
    /// Playbook TOML (default: the built-in difficult-call playbook).
    #[arg(long)]
    pub playbook: Option<std::path::PathBuf>,
    /// max (as fast as possible), real, or a speed factor such as 4.
    #[arg(long, default_value = "max")]
    pub speed: String,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// Runs a subcommand; returns the process exit code.
pub fn run(command: Command) -> anyhow::Result<i32> {
    match command {
        Command::Replay(_args) => anyhow::bail!("replay is not wired yet"),
        Command::Eval(args) => eval::run(args),
    }
}
