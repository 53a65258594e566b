//! `parley replay FILE`: a recorded call through the coach, printed as it happens, and saved
//! as a session unless `--no-save`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;

use super::{Renderer, ReplayArgs};
use crate::engine::{Event, Output, Playbook};
use crate::replay::{self, Replay, Speed};
use crate::store::{SessionMeta, SessionWriter, Store};

/// Exit code for input the user can fix (a bad file, playbook or flag).
pub const EXIT_BAD_INPUT: i32 = 2;

fn bad_input(message: impl std::fmt::Display) -> anyhow::Result<i32> {
    eprintln!("parley: {message}");
    Ok(EXIT_BAD_INPUT)
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<i32> {
    let speed: Speed = match args.speed.parse() {
        Ok(s) => s,
        Err(message) => return bad_input(message),
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
    let mut writer = match args.no_save {
        true => None,
        false => {
            let store =
                Store::open_default(args.db.as_deref()).context("cannot open the session store")?;
            let meta = SessionMeta {
                agent: args.agent.clone(),
                playbook: playbook.name.clone(),
                source: format!("replay:{}", args.file.display()),
                started_at: crate::store::now_ms(),
            };
            Some(
                store
                    .begin_session(meta)
                    .context("cannot start a session in the store")?,
            )
        }
    };
    let mut replay = Replay::new(Arc::new(playbook), &args.file, speed);
    let stdout = std::io::stdout();
    let mut renderer = Renderer::new(stdout.lock(), args.json);
    for event in events {
        let event: Event = match event {
            Ok(e) => e,
            // What was read so far stays saved; the session is closed as interrupted on next open.
            Err(e) => return bad_input(e),
        };
        let outputs = replay.feed(&event);
        if let Some(w) = writer.as_mut() {
            save(w, &event, &outputs)?;
        }
        for output in &outputs {
            renderer
                .output(output)
                .context("cannot write the timeline to stdout")?;
        }
        if let Some(summary) = outputs.iter().find_map(|o| match o {
            Output::Summary(s) => Some(s.clone()),
            _ => None,
        }) {
            if let Some(w) = writer.take() {
                let notes = summary.agent_notes.join("\n");
                let id = w
                    .finish(&summary, &notes)
                    .context("cannot save the session")?;
                if !args.json {
                    println!("\nsaved as session {id} (parley sessions show {id})");
                }
            }
        }
    }
    std::io::stdout()
        .flush()
        .context("cannot write the timeline to stdout")?;
    Ok(0)
}

/// Ticks and partial transcripts are not worth a row each; everything else is kept.
fn save(w: &mut SessionWriter, event: &Event, outputs: &[Output]) -> anyhow::Result<()> {
    let keep = !matches!(
        event,
        Event::Tick { .. }
            | Event::Utterance(crate::engine::Utterance {
                is_final: false,
                ..
            })
    );
    if keep {
        w.append_event(event).context("cannot save an event")?;
    }
    let worth: Vec<Output> = outputs
        .iter()
        .filter(|o| !matches!(o, Output::Pacing { .. } | Output::Summary(_)))
        .cloned()
        .collect();
    if !worth.is_empty() {
        w.append_outputs(&worth)
            .context("cannot save the coaching")?;
    }
    Ok(())
}
