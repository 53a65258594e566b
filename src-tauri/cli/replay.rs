//! `parley replay FILE`: a recorded call through the coach, printed as it happens.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use super::{Renderer, ReplayArgs};
use crate::engine::{Event, Playbook};
use crate::replay::{self, Replay, Speed};

/// Exit code for input the user can fix (a bad file, playbook or flag).
pub const EXIT_BAD_INPUT: i32 = 2;

pub fn run(args: &ReplayArgs) -> anyhow::Result<i32> {
    let speed: Speed = match args.speed.parse() {
        Ok(s) => s,
        Err(message) => {
            eprintln!("parley: {message}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let playbook = match &args.playbook {
        Some(path) => match Playbook::load(path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("parley: {e}");
                return Ok(EXIT_BAD_INPUT);
            }
        },
        None => Playbook::builtin(),
    };
    let events = match replay::events(&args.file) {
        Ok(events) => events,
        Err(e) => {
            eprintln!("parley: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let mut replay = Replay::new(Arc::new(playbook), &args.file, speed);
    let stdout = std::io::stdout();
    let mut renderer = Renderer::new(stdout.lock(), args.json);
    for event in events {
        let event: Event = match event {
            Ok(e) => e,
            Err(e) => {
                eprintln!("parley: {e}");
                return Ok(EXIT_BAD_INPUT);
            }
        };
        for output in replay.feed(&event) {
            renderer
                .output(&output)
                .context("cannot write the timeline to stdout")?;
        }
    }
    std::io::stdout()
        .flush()
        .context("cannot write the timeline to stdout")?;
    Ok(0)
}
