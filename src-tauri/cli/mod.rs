//! The command line: `parley` alone opens the app; subcommands work headless.

mod eval;
mod features;
mod live;
mod render;
mod replay;
pub mod sessions;
pub mod team;
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
    /// Run the local live endpoint (and optionally audio capture), print coaching as it
    /// happens, and save every call.
    Serve(live::ServeArgs),
    /// Stream a transcript file to a running `parley serve` (or the app).
    Send(live::SendArgs),
    /// List the audio inputs live capture can use; monitors (the call side) are marked.
    Devices {
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure the detectors and whole calls on evaluation data.
    Eval(eval::EvalArgs),
    /// The language model's inputs for a file of lines or pairs (for training the heads).
    Features(features::FeaturesArgs),
    /// The team server: set it up, add agents and leads, connect to it.
    Team(team::TeamArgs),
    /// Push finished sessions waiting in the outbox to the team server.
    Sync(team::SyncArgs),
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
        Command::Devices { json } => live::devices(json),
        Command::Eval(args) => eval::run(args),
        Command::Features(args) => features::run(args),
        Command::Team(args) => team::run_team(args),
        Command::Sync(args) => team::run_sync(args),
        Command::Transcribe(args) => transcribe::run(&args),
    }
}
