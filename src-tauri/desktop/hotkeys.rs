//! Global hotkeys: the agent drives the call without leaving the phone software.

use std::str::FromStr;
use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutEvent, ShortcutState};

use super::ipc::{UiEvent, EVENT};
use super::session::Op;
use super::settings::{HotkeyAction, Hotkeys};
use super::{shell, warn, Shell};
use crate::engine::CallState;

/// Which registered shortcut does what.
#[derive(Default)]
pub struct Registered(Mutex<Vec<(u32, HotkeyAction)>>);

/// (Re)registers every hotkey; one that another program holds is reported and skipped.
pub fn register(app: &AppHandle, keys: &Hotkeys, registered: &Registered) {
    let gs = app.global_shortcut();
    if let Err(e) = gs.unregister_all() {
        warn(&format!("could not release the old hotkeys: {e}"));
    }
    let mut table = Vec::new();
    for (action, combo, what) in keys.bindings() {
        match Shortcut::from_str(combo) {
            Ok(shortcut) => match (shortcut.id(), gs.register(shortcut)) {
                (id, Ok(())) => table.push((id, action)),
                (_, Err(e)) => warn(&format!("hotkey {combo} ({what}) is not available: {e}")),
            },
            Err(e) => warn(&format!("hotkey '{combo}' ({what}) is not valid: {e}")),
        }
    }
    match registered.0.lock() {
        Ok(mut t) => *t = table,
        Err(_) => warn("hotkey table lock poisoned; hotkeys may not respond"),
    }
}

pub fn on_shortcut(app: &AppHandle, shortcut: &Shortcut, event: ShortcutEvent) {
    if event.state != ShortcutState::Pressed {
        return;
    }
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let action = match shell.hotkeys.0.lock() {
        Ok(t) => t
            .iter()
            .find(|(id, _)| *id == shortcut.id())
            .map(|(_, a)| *a),
        Err(_) => None,
    };
    let Some(action) = action else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move { run(&app, action).await });
}

async fn run(app: &AppHandle, action: HotkeyAction) {
    let shell = app.state::<Shell>();
    let session = &shell.session;
    let state = match session.snapshot().await {
        Ok(s) => s.call,
        Err(e) => return warn(&e.to_string()),
    };
    let live = matches!(state, CallState::Live | CallState::OnHold);
    let op = match action {
        HotkeyAction::StartEnd if live => Op::End,
        HotkeyAction::StartEnd => Op::Start,
        HotkeyAction::Hold => Op::Hold(state != CallState::OnHold),
        HotkeyAction::Tick => Op::TickCurrent,
        HotkeyAction::FlagAbuse => Op::FlagAbuse,
        HotkeyAction::Dismiss => Op::Dismiss,
        HotkeyAction::Note => {
            // The one hotkey that takes focus: the agent is about to type.
            shell::show_overlay(app);
            if let Some(w) = app.get_webview_window("overlay") {
                if let Err(e) = w.set_focus() {
                    warn(&format!("could not focus the overlay: {e}"));
                }
            }
            if let Err(e) = app.emit_to("overlay", EVENT, UiEvent::FocusNote) {
                warn(&format!("could not reach the overlay: {e}"));
            }
            return;
        }
        HotkeyAction::ShowHide => return shell::toggle_overlay(app),
    };
    // A refused hotkey (e.g. hold with no call) is not an error worth more than a line.
    if let Err(e) = session.send(op).await {
        warn(&format!("hotkey: {e}"));
    }
}
