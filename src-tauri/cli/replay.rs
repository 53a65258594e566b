//! `parley replay FILE`: a recorded call through the call runtime, printed as it happens, and
//! saved as a session unless `--no-save`.

use std::sync::Arc;

use anyhow::Context;

use super::ReplayArgs;
use crate::call::{PrinterListener, Runtime, Source};
use crate::engine::Playbook;
use crate::replay::{self, Pacer, Speed};
use crate::sources::SourceKind;
use crate::store::Store;

/// Exit code for input the user can fix (a bad file, playbook or flag).
pub const EXIT_BAD_INPUT: i32 = 2;

fn bad_input(message: impl std::fmt::Display) -> anyhow::Result<i32> {
    eprintln!("parley: {message}");
    Ok(EXIT_BAD_INPUT)
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<i32> {
    let speed: Speed = match args.speed.parse() {
        Ok(s) => s,
        Err(message) => return bad_input(format!("--speed: {message}")),
    };
    let playbook = match &args.playbook {
        Some(path) => match Playbook::load(path) {
            Ok(p) => p,
            Err(e) => return bad_input(e),
        },
        None => Playbook::builtin(),
    };
    let model = match replay::is_wav(&args.file) {
        true => match super::transcribe::load_model(args.model.as_ref()) {
            Ok(model) => model,
            Err(e) => return bad_input(e),
        },
        false => None,
    };
    let words = model
        .as_ref()
        .map(|m| (m, super::transcribe::options_for_file()));
    let events = match replay::events_with_words(&args.file, words) {
        Ok(events) => events,
        Err(e) => return bad_input(e),
    };
    let store = match args.no_save {
        true => None,
        false => {
            Some(Store::open_default(args.db.as_deref()).context("cannot open the session store")?)
        }
    };
    let mut runtime = Runtime::new(Arc::new(playbook), store, args.agent.clone());
    runtime.fix_agent();
    let printer = Arc::new(PrinterListener::new(std::io::stdout(), args.json));
    runtime.listen(printer.clone());
    let source = Source::labelled(
        SourceKind::Replay,
        format!("replay:{}", args.file.display()),
    );
    let pacer = Pacer::new(speed);
    for event in events {
        let event = match event {
            Ok(e) => e,
            // What was read so far stays saved; the session is closed as interrupted.
            Err(e) => return bad_input(e),
        };
        pacer.wait(event.at_ms());
        let fed = runtime.feed(&source, &event);
        if let Some(e) = printer.take_error() {
            return Err(e).context("cannot write the timeline to stdout");
        }
        match fed {
            Ok(fed) => {
                if let Some(e) = fed.ended.and_then(|e| e.save_error) {
                    anyhow::bail!("cannot save the session: {e}");
                }
            }
            Err(refused) => return bad_input(format!("{}: {refused}", args.file.display())),
        }
    }
    Ok(0)
}
