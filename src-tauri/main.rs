use clap::Parser;
use parley::cli::{self, Cli};

fn main() {
    // Before any thread starts: it may set an environment variable.
    parley::sources::audio::capture::find_pulse_cookie();
    let parsed = Cli::parse();
    let code = match parsed.command {
        Some(command) => match cli::run(command) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("parley: {e:#}");
                1
            }
        },
        None => run_app(),
    };
    std::process::exit(code);
}

#[cfg(feature = "desktop")]
fn run_app() -> i32 {
    match parley::desktop::run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("parley: {e:#}");
            1
        }
    }
}

#[cfg(not(feature = "desktop"))]
fn run_app() -> i32 {
    eprintln!("parley: this build has no desktop app (built without the `desktop` feature); try `parley --help`");
    2
}
