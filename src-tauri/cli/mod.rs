//! The command line: `parley` alone opens the app; subcommands work headless.

mod render;
mod replay;
pub mod sessions;

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
    /// Saved sessions: list, show, search, export.
    Sessions(Box<sessions::SessionsArgs>),
    /// Follow-ups owed: what is due today, what is overdue.
    Followups(sessions::FollowupsArgs),
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
        Command::Replay(args) => replay::run(&args),
        Command::Sessions(args) => sessions::run_sessions(*args),
        Command::Followups(args) => sessions::run_followups(args),
    }
}
