//! `parley team ...` (the admin's setup and people, an agent's or lead's connection) and
//! `parley sync` (push what is pending to the team server).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;

use crate::store::Store;
use crate::team::push::Progress;
use crate::team::server::{self, Kind};
use crate::team::{self, credentials, PushOptions, ServerUrl};

/// Where the admin URL comes from when `--admin-url` is not given.
pub const ADMIN_URL_ENV: &str = "PARLEY_ADMIN_URL";

#[derive(Debug, clap::Args)]
pub struct TeamArgs {
    #[command(subcommand)]
    pub command: TeamCommand,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create or migrate the team server's schema and roles (safe to run again).
    Setup {
        /// A PostgreSQL URL of a user who may create roles and schemas (default: $PARLEY_ADMIN_URL).
        #[arg(long)]
        admin_url: Option<String>,
    },
    /// Add an agent to a team; prints the URL to give them (a new password each time).
    AddAgent {
        name: String,
        #[arg(long)]
        team: String,
        #[arg(long)]
        admin_url: Option<String>,
    },
    /// Add a team lead (one role may lead several teams); prints the URL to give them.
    AddLead {
        name: String,
        #[arg(long)]
        team: String,
        #[arg(long)]
        admin_url: Option<String>,
    },
    /// Save the URL you were given, in a file only you can read. An agent's URL is this PC's
    /// sync credential (the app then syncs on its own); a lead's is kept for reviewing only, so
    /// it never takes over an agent's pushes on a shared PC.
    Connect {
        url: String,
        /// Save without trying the connection (saved as the sync credential).
        #[arg(long)]
        no_check: bool,
    },
    /// What is waiting to be pushed, and where to.
    Status {
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Comment on a session of your team (as a lead), optionally at a moment (mm:ss).
    Comment {
        uid: String,
        text: String,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Team server URL (default: the one saved with `parley team connect`).
    #[arg(long)]
    pub url: Option<String>,
    /// Session database (default: $PARLEY_DB, else parley.db in the OS data folder).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Tries in a row while the server is unreachable before giving up for now.
    #[arg(long, default_value_t = 8)]
    pub retries: u32,
    /// Print one line per session pushed.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Milliseconds to wait between sessions (fault tests).
    #[arg(long, hide = true, default_value_t = 0)]
    pub pace_ms: u64,
}

fn admin(url: Option<String>) -> anyhow::Result<ServerUrl> {
    let url = match url {
        Some(u) => u,
        None => std::env::var(ADMIN_URL_ENV)
            .ok()
            .filter(|u| !u.is_empty())
            .with_context(|| format!("pass --admin-url URL or set {ADMIN_URL_ENV}"))?,
    };
    Ok(ServerUrl::parse(&url)?)
}

/// The URL for `--url`, else the saved one; an error saying how to set one when neither.
pub fn server_url(cli: Option<&str>) -> anyhow::Result<ServerUrl> {
    credentials::resolve(cli)?
        .context("no team server set: pass --url URL or save one with `parley team connect URL`")
}

fn parse_at(s: &str) -> anyhow::Result<i64> {
    let (m, sec) = s
        .split_once(':')
        .with_context(|| format!("--at '{s}' is not mm:ss"))?;
    let m: i64 = m
        .parse()
        .with_context(|| format!("--at '{s}' is not mm:ss"))?;
    let sec: i64 = sec
        .parse()
        .with_context(|| format!("--at '{s}' is not mm:ss"))?;
    anyhow::ensure!(m >= 0 && (0..60).contains(&sec), "--at '{s}' is not mm:ss");
    Ok((m * 60 + sec) * 1000)
}

pub fn run_team(args: TeamArgs) -> anyhow::Result<i32> {
    match args.command {
        TeamCommand::Setup { admin_url } => {
            let url = admin(admin_url)?;
            let r = server::setup(&url)?;
            if r.from == r.to {
                println!("team server {url}: schema already at version {}", r.to);
            } else {
                println!(
                    "team server {url}: schema migrated from version {} to {}; roles {} and {} ready",
                    r.from,
                    r.to,
                    server::AGENT_ROLE,
                    server::LEAD_ROLE
                );
            }
        }
        TeamCommand::AddAgent {
            name,
            team,
            admin_url,
        } => add(admin(admin_url)?, &name, &team, Kind::Agent)?,
        TeamCommand::AddLead {
            name,
            team,
            admin_url,
        } => add(admin(admin_url)?, &name, &team, Kind::Lead)?,
        TeamCommand::Connect { url, no_check } => {
            let parsed = ServerUrl::parse(&url)?;
            let kind = if no_check {
                "agent".to_string()
            } else {
                team::remote::member_kind(&mut parsed.connect()?, &parsed)?
            };
            let path = credentials::save_for_kind(&url, &kind)?;
            let role = match credentials::Slot::for_kind(&kind) {
                credentials::Slot::Review => {
                    "a lead's: kept for reviewing; this PC's calls still sync as before"
                }
                credentials::Slot::Sync => "this PC's calls sync with it",
            };
            println!(
                "team server {parsed} saved in '{}' (readable only by you; {role})",
                path.display()
            );
        }
        TeamCommand::Status { db } => {
            let store = Store::open_default(db.as_deref())?;
            let outbox = store.outbox()?;
            let failing = outbox.iter().filter(|i| i.last_error.is_some()).count();
            match credentials::resolve(None)? {
                Some(u) => println!("team server: {u}"),
                None => println!("team server: none set (parley team connect URL)"),
            }
            if let Some(p) = credentials::path_for(credentials::Slot::Review) {
                if let Some(u) = credentials::load(&p)? {
                    println!("reviewing as: {u} (a lead's credential; it does not sync)");
                }
            }
            println!(
                "{} session(s) waiting to be pushed, {failing} refused so far",
                outbox.len()
            );
            for i in outbox.iter().filter(|i| i.last_error.is_some()) {
                println!(
                    "  session {}: {}",
                    i.session_id,
                    i.last_error.as_deref().unwrap_or("")
                );
            }
        }
        TeamCommand::Comment { uid, text, at, url } => {
            let url = server_url(url.as_deref())?;
            let at_ms = at.as_deref().map(parse_at).transpose()?;
            let id = team::remote::comment(&url, &uid, at_ms, &text)?;
            println!("comment #{id} saved");
        }
    }
    Ok(0)
}

fn add(url: ServerUrl, name: &str, team: &str, kind: Kind) -> anyhow::Result<()> {
    let m = server::add_member(&url, name, team, kind)?;
    // The URL carries the password: it goes to standard output only, for the admin to pass on.
    println!("{}", m.url);
    eprintln!(
        "{} '{}' is in team '{}'. Give them the URL above; they run `parley team connect URL`.",
        kind.as_str(),
        m.name,
        m.team
    );
    Ok(())
}

pub fn run_sync(args: SyncArgs) -> anyhow::Result<i32> {
    let url = server_url(args.url.as_deref())?;
    let store = Store::open_default(args.db.as_deref())?;
    let opts = PushOptions {
        retries: args.retries,
        pace: Duration::from_millis(args.pace_ms),
        ..PushOptions::default()
    };
    let verbose = args.verbose;
    let report = team::push(&store, &url, &opts, |p| match p {
        Progress::Pushed { id, uid } if verbose => println!("pushed session {id} ({uid})"),
        Progress::Retrying { wait, error } => eprintln!(
            "parley: {error}; trying again in {:.1} s",
            wait.as_secs_f64()
        ),
        Progress::Pushed { .. } => {}
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "pushed {} session(s) to {url} ({} already there unchanged), {} refused, {} left in the outbox",
            report.pushed,
            report.unchanged,
            report.failed.len(),
            report.left
        );
        for (id, why) in &report.failed {
            println!("  session {id}: {why}");
        }
    }
    Ok(if report.failed.is_empty() { 0 } else { 1 })
}
