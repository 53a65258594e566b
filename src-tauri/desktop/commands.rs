//! Thin Tauri commands: each forwards to the session, the archive or the settings and returns
//! a typed result. The capabilities grant each window only the commands it uses.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use super::archive::{AgentStats, SessionPage, SessionQuery, SessionRecord};
use super::export::{self, Format};
use super::ipc::{CmdError, OverlayState};
use super::session::Op;
use super::settings::Settings;
use super::{hotkeys, replay, shell, Shell};
use crate::engine::Rule;

type Res<T> = Result<T, CmdError>;

async fn op(shell: &Shell, op: Op) -> Res<OverlayState> {
    Ok(shell.session.send(op).await?)
}

#[tauri::command]
pub async fn get_state(shell: State<'_, Shell>) -> Res<OverlayState> {
    Ok(shell.session.snapshot().await?)
}

#[tauri::command]
pub async fn start_call(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::Start).await
}

#[tauri::command]
pub async fn end_call(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::End).await
}

#[tauri::command]
pub async fn set_hold(shell: State<'_, Shell>, on: bool) -> Res<OverlayState> {
    op(&shell, Op::Hold(on)).await
}

#[tauri::command]
pub async fn tick_current(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::TickCurrent).await
}

#[tauri::command]
pub async fn flag_abuse(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::FlagAbuse).await
}

#[tauri::command]
pub async fn dismiss_nudge(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::Dismiss).await
}

#[tauri::command]
pub async fn mute_rule(shell: State<'_, Shell>, rule: String) -> Res<OverlayState> {
    let rule =
        Rule::parse(&rule).ok_or_else(|| CmdError::from(format!("unknown rule '{rule}'")))?;
    op(&shell, Op::Mute(rule)).await
}

#[tauri::command]
pub async fn add_note(shell: State<'_, Shell>, text: String) -> Res<OverlayState> {
    op(&shell, Op::AddNote(text)).await
}

#[tauri::command]
pub async fn save_note(shell: State<'_, Shell>, text: String) -> Res<OverlayState> {
    op(&shell, Op::SaveNote(text)).await
}

/// Where a file dialog's answer can come from instead, for the WebDriver tests (a GTK file
/// chooser cannot be driven through WebDriver).
const PICK_ENV: &str = "PARLEY_PICK_FILE";
const EXPORT_DIR_ENV: &str = "PARLEY_EXPORT_DIR";

async fn pick_transcript(app: &AppHandle) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(PICK_ENV) {
        return Some(PathBuf::from(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Replay a call")
        .add_filter("Transcript (JSONL)", &["jsonl"])
        .pick_file(move |f| {
            // The command may have been abandoned; then nobody waits for the answer.
            if tx.send(f.and_then(|f| f.into_path().ok())).is_err() {
                super::warn("file chosen after the replay request was gone");
            }
        });
    rx.await.ok().flatten()
}

/// "Replay a call…": pick a transcript and play it through the engine at `speed` × real time.
#[tauri::command]
pub async fn replay_call(
    app: AppHandle,
    shell: State<'_, Shell>,
    speed: Option<f64>,
) -> Res<OverlayState> {
    let Some(path) = pick_transcript(&app).await else {
        return Ok(shell.session.snapshot().await?);
    };
    let events = replay::read(&path)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    op(
        &shell,
        Op::Replay {
            name,
            events,
            speed: speed.unwrap_or(1.0),
        },
    )
    .await
}

#[tauri::command]
pub async fn set_expanded(
    app: AppHandle,
    shell: State<'_, Shell>,
    expanded: bool,
) -> Res<OverlayState> {
    let settings = {
        let mut s = shell
            .settings
            .write()
            .map_err(|_| CmdError::from("settings lock poisoned"))?;
        s.expanded = expanded;
        s.clone()
    };
    shell::save_settings(&app, &settings)?;
    shell::dock_overlay(&app, &settings);
    op(&shell, view_op(&settings)).await
}

fn view_op(s: &Settings) -> Op {
    Op::View {
        expanded: s.expanded,
        theme: s.theme.clone(),
        dock: s.dock.clone(),
    }
}

#[tauri::command]
pub fn open_review(app: AppHandle) {
    shell::open_review(&app);
}

#[tauri::command]
pub fn get_settings(shell: State<'_, Shell>) -> Res<Settings> {
    Ok(shell
        .settings
        .read()
        .map_err(|_| CmdError::from("settings lock poisoned"))?
        .clone())
}

/// Validates everything first: nothing is saved or applied when any field is wrong.
#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    shell: State<'_, Shell>,
    settings: Settings,
) -> Res<Settings> {
    let playbook = settings.validate()?;
    let mut settings = settings;
    settings.agent = settings.agent.trim().to_string();
    let old = {
        let mut s = shell
            .settings
            .write()
            .map_err(|_| CmdError::from("settings lock poisoned"))?;
        // The dock offsets belong to the overlay, not to the form.
        settings.dock_offsets = s.dock_offsets.clone();
        std::mem::replace(&mut *s, settings.clone())
    };
    shell::save_settings(&app, &settings)?;
    if old.hotkeys != settings.hotkeys {
        hotkeys::register(&app, &settings.hotkeys, &shell.hotkeys);
    }
    if old.database != settings.database {
        super::warn("the new database location is used from the next start");
    }
    shell::dock_overlay(&app, &settings);
    shell.session.send(Op::Playbook(Arc::new(playbook))).await?;
    shell
        .session
        .send(Op::Agent(settings.agent.clone()))
        .await?;
    shell.session.send(view_op(&settings)).await?;
    Ok(settings)
}

#[tauri::command]
pub fn list_sessions(shell: State<'_, Shell>, query: SessionQuery) -> Res<SessionPage> {
    Ok(shell.archive.page(&query)?)
}

#[tauri::command]
pub fn get_session(shell: State<'_, Shell>, id: u64) -> Res<SessionRecord> {
    Ok(shell.archive.get(id)?)
}

/// A team lead edits the note; who and when are recorded with it.
#[tauri::command]
pub fn save_session_note(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: u64,
    text: String,
    by: String,
) -> Res<SessionRecord> {
    let by = by.trim();
    if by.is_empty() {
        return Err("say who is editing the note (the 'by' field is empty)".into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    shell.archive.set_note(id, text.trim(), by, now)?;
    super::session::UiSink::sessions_changed(&shell::TauriSink::new(app), id);
    Ok(shell.archive.get(id)?)
}

/// Exports the given sessions, or every session the query matches; returns the file written.
#[tauri::command]
pub async fn export_sessions(
    app: AppHandle,
    shell: State<'_, Shell>,
    query: SessionQuery,
    ids: Option<Vec<u64>>,
    format: String,
) -> Res<Option<String>> {
    let format = Format::from_str(&format)?;
    let records = match ids {
        Some(ids) => ids
            .iter()
            .map(|id| shell.archive.get(*id))
            .collect::<Result<Vec<_>, _>>()?,
        None => shell.archive.select(&query)?,
    };
    let text = export::render(&records, format)?;
    let name = match records.as_slice() {
        [one] => format!("parley-session-{}.{}", one.id, format.extension()),
        _ => format!("parley-sessions.{}", format.extension()),
    };
    let path = match std::env::var_os(EXPORT_DIR_ENV) {
        Some(dir) => Some(PathBuf::from(dir).join(&name)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .set_title("Export sessions")
                .set_file_name(&name)
                .save_file(move |f| {
                    if tx.send(f.and_then(|f| f.into_path().ok())).is_err() {
                        super::warn("export location chosen after the request was gone");
                    }
                });
            rx.await.ok().flatten()
        }
    };
    let Some(path) = path else { return Ok(None) };
    std::fs::write(&path, text)
        .map_err(|e| CmdError::from(format!("cannot write '{}': {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
pub fn team_stats(
    shell: State<'_, Shell>,
    from: Option<i64>,
    to: Option<i64>,
) -> Res<Vec<AgentStats>> {
    Ok(shell.archive.team(from, to)?)
}
