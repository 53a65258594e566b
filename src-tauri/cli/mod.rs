//! The command line: `parley` alone opens the app; subcommands work headless.

mod eval;
mod live;
mod render;
mod replay;
pub mod sessions;
mod transcribe;

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
    /// Run the local live endpoint and print coaching as it happens.
    Serve(live::ServeArgs),
    /// Stream a transcript file to a running `parley serve`.
    Send(live::SendArgs),
    /// Measure the detectors and whole calls on evaluation data.
    Eval(eval::EvalArgs),
    /// Transcribe call audio locally and print each utterance.
    Transcribe(transcribe::TranscribeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Transcript (.jsonl, .vtt, .srt) or call audio (.wav, stereo: left agent, right customer).
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
    /// Do not keep the replayed call in the session store.
    #[arg(long)]
    pub no_save: bool,
    /// Session database (default: $PARLEY_DB, else parley.db in the OS data folder).
    #[arg(long, value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,
    /// Agent name recorded with the saved session.
    #[arg(long, default_value = "replay")]
    pub agent: String,
    /// Speech-to-text model for call audio: base, tiny.en or a ggml file (default:
    /// $PARLEY_STT_MODEL, else base when installed).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<crate::sources::stt::ModelChoice>,
}

/// Runs a subcommand; returns the process exit code.
pub fn run(command: Command) -> anyhow::Result<i32> {
    match command {
        Command::Replay(args) => replay::run(&args),
        Command::Sessions(args) => sessions::run_sessions(*args),
        Command::Followups(args) => sessions::run_followups(args),
        Command::Serve(args) => live::serve(args),
        Command::Send(args) => live::send(args),
        Command::Eval(args) => eval::run(args),
        Command::Transcribe(args) => transcribe::run(&args),
    }
}
