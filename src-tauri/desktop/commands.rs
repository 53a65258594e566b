//! Thin Tauri commands: each forwards to the session, the archive or the settings and returns
//! a typed result. The capabilities grant each window only the commands it uses.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use super::ipc::{CmdError, OverlayState};
use super::review::{self, ReviewDetail, TeamStats};
use super::session::Op;
use super::settings::Settings;
use super::team_review::{self, TeamServer};
use super::{hotkeys, replay, shell, Shell};
use crate::engine::Rule;
use crate::store::{Format, Page, SessionFilter, SessionRow, Store};
use crate::team::remote::TeamRow;
use crate::team::trends::WeekRow;
use crate::team::TeamError;

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

/// Async so the window is built off the main thread (a sync command runs on it).
#[tauri::command]
pub async fn open_review(app: AppHandle) {
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
    let playbook = Arc::new(playbook);
    match shell.playbook.write() {
        Ok(mut p) => *p = playbook.clone(),
        Err(_) => return Err("playbook lock poisoned".into()),
    }
    shell.session.send(Op::Playbook(playbook)).await?;
    shell
        .session
        .send(Op::Agent(settings.agent.clone()))
        .await?;
    shell.session.send(view_op(&settings)).await?;
    shell.session.send(Op::Audio(settings.hearing())).await?;
    Ok(settings)
}

/// The audio inputs for the Settings pickers (monitors, the call side, marked).
#[tauri::command]
pub async fn audio_devices() -> Res<AudioDevices> {
    let listed =
        tauri::async_runtime::spawn_blocking(crate::sources::audio::capture::input_devices)
            .await
            .map_err(|e| CmdError::from(format!("listing audio inputs failed: {e}")))?;
    let (host, inputs) = listed?;
    Ok(AudioDevices { host, inputs })
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AudioDevices {
    pub host: String,
    pub inputs: Vec<crate::sources::audio::capture::InputDevice>,
}

/// The level meters of the capture in progress (the overlay and Settings poll this).
#[tauri::command]
pub fn audio_levels(shell: State<'_, Shell>) -> super::hearing::Levels {
    shell.meters.read()
}

/// The Settings test: capture the chosen devices without a call.
#[tauri::command]
pub async fn audio_test(shell: State<'_, Shell>, mic: String, call: String) -> Res<OverlayState> {
    let settings = shell
        .settings
        .read()
        .map_err(|_| CmdError::from("settings lock poisoned"))?
        .clone();
    let config = super::hearing::HearingConfig {
        mic,
        call,
        ..settings.hearing()
    };
    op(&shell, Op::AudioTest(config)).await
}

#[tauri::command]
pub async fn audio_test_end(shell: State<'_, Shell>) -> Res<OverlayState> {
    op(&shell, Op::AudioTestEnd).await
}

fn store(shell: &Shell) -> Res<Store> {
    shell
        .store
        .clone()
        .map_err(|e| CmdError::from(format!("the session database is not open: {e}")))
}

/// Runs a store query off the async workers (the store answers over a blocking channel).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CmdError::from(format!("the database request failed: {e}")))?
        .map_err(CmdError::from)
}

#[tauri::command]
pub async fn list_sessions(
    shell: State<'_, Shell>,
    filter: SessionFilter,
) -> Res<Page<SessionRow>> {
    let store = store(&shell)?;
    blocking(move || store.list(&filter)).await
}

#[tauri::command]
pub async fn get_session(shell: State<'_, Shell>, id: i64) -> Res<ReviewDetail> {
    let store = store(&shell)?;
    let playbook = shell
        .playbook
        .read()
        .map_err(|_| CmdError::from("playbook lock poisoned"))?
        .clone();
    blocking(move || review::detail(&store, id, playbook)).await
}

/// A team lead edits the note; the store keeps who and when, and the earlier text.
#[tauri::command]
pub async fn save_session_note(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: i64,
    text: String,
    by: String,
) -> Res<ReviewDetail> {
    let by = by.trim().to_string();
    if by.is_empty() {
        return Err("say who is editing the note (the 'by' field is empty)".into());
    }
    let store = store(&shell)?;
    let s2 = store.clone();
    blocking(move || s2.edit_note(id, text.trim(), &by)).await?;
    super::session::UiSink::sessions_changed(&shell::TauriSink::new(app), id);
    let playbook = shell
        .playbook
        .read()
        .map_err(|_| CmdError::from("playbook lock poisoned"))?
        .clone();
    blocking(move || review::detail(&store, id, playbook)).await
}

/// Exports one session (`id`) or the sessions the filter selects; returns the file written,
/// or nothing when the person cancelled the save dialog.
#[tauri::command]
pub async fn export_sessions(
    app: AppHandle,
    shell: State<'_, Shell>,
    filter: SessionFilter,
    id: Option<i64>,
    format: String,
) -> Res<Option<String>> {
    let format = Format::parse(&format).ok_or_else(|| {
        CmdError::from(format!("export format must be csv or json, not '{format}'"))
    })?;
    let ext = match format {
        Format::Csv => "csv",
        Format::Json => "json",
    };
    let name = match id {
        Some(id) => format!("parley-session-{id}.{ext}"),
        None => format!("parley-sessions.{ext}"),
    };
    let store = store(&shell)?;
    let text = blocking(move || match id {
        Some(id) => store.export_session(id, format),
        None => store.export(&filter, format),
    })
    .await?;
    write_export(&app, &name, text).await
}

/// Asks where to save (or uses `$PARLEY_EXPORT_DIR`), then writes; None when cancelled.
async fn write_export(app: &AppHandle, name: &str, text: String) -> Res<Option<String>> {
    let path = match std::env::var_os(EXPORT_DIR_ENV) {
        Some(dir) => Some(PathBuf::from(dir).join(name)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .set_title("Export sessions")
                .set_file_name(name)
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
pub async fn team_stats(
    shell: State<'_, Shell>,
    from: Option<i64>,
    to: Option<i64>,
) -> Res<TeamStats> {
    let store = store(&shell)?;
    blocking(move || review::team(&store, from, to)).await
}

fn loaded_playbook(shell: &Shell) -> Res<Arc<crate::engine::Playbook>> {
    Ok(shell
        .playbook
        .read()
        .map_err(|_| CmdError::from("playbook lock poisoned"))?
        .clone())
}

/// Marks a follow-up of a local session done (or owed again); returns the session again.
#[tauri::command]
pub async fn set_follow_up_done(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: i64,
    follow_up: i64,
    done: bool,
) -> Res<ReviewDetail> {
    let store = store(&shell)?;
    let s2 = store.clone();
    blocking(move || s2.set_follow_up_done(follow_up, done)).await?;
    super::session::UiSink::sessions_changed(&shell::TauriSink::new(app), id);
    let playbook = loaded_playbook(&shell)?;
    blocking(move || review::detail(&store, id, playbook)).await
}

/// Runs a team server request off the async workers (the client is blocking).
async fn team<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TeamError> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CmdError::from(format!("the team server request failed: {e}")))?
        .map_err(CmdError::from)
}

#[tauri::command]
pub async fn team_server() -> Res<TeamServer> {
    tauri::async_runtime::spawn_blocking(team_review::server)
        .await
        .map_err(|e| CmdError::from(format!("the team server request failed: {e}")))
}

/// Saves the team server URL (checked first) in the credentials file, never in the settings.
#[tauri::command]
pub async fn team_connect(url: String) -> Res<TeamServer> {
    team(move || team_review::connect(&url)).await
}

#[tauri::command]
pub async fn team_sessions(filter: SessionFilter) -> Res<Page<TeamRow>> {
    team(move || team_review::list(&filter)).await
}

#[tauri::command]
pub async fn team_session(shell: State<'_, Shell>, uid: String) -> Res<ReviewDetail> {
    let playbook = loaded_playbook(&shell)?;
    team(move || team_review::session(&uid, playbook)).await
}

#[tauri::command]
pub async fn team_comment(
    shell: State<'_, Shell>,
    uid: String,
    at_ms: Option<i64>,
    body: String,
) -> Res<ReviewDetail> {
    let playbook = loaded_playbook(&shell)?;
    team(move || team_review::comment(&uid, at_ms, &body, playbook)).await
}

#[tauri::command]
pub async fn team_override(
    shell: State<'_, Shell>,
    uid: String,
    criterion: String,
    met: bool,
    reason: String,
) -> Res<ReviewDetail> {
    let playbook = loaded_playbook(&shell)?;
    team(move || team_review::override_score(&uid, &criterion, met, &reason, playbook)).await
}

#[tauri::command]
pub async fn team_trends(from: Option<i64>, to: Option<i64>) -> Res<Vec<WeekRow>> {
    team(move || team_review::weekly(from, to)).await
}

/// Exports the team sessions the filter selects; returns the file written, or nothing when
/// the person cancelled the save dialog.
#[tauri::command]
pub async fn team_export(
    app: AppHandle,
    filter: SessionFilter,
    format: String,
) -> Res<Option<String>> {
    let format = Format::parse(&format).ok_or_else(|| {
        CmdError::from(format!("export format must be csv or json, not '{format}'"))
    })?;
    let name = match format {
        Format::Csv => "parley-team-sessions.csv",
        Format::Json => "parley-team-sessions.json",
    };
    let text = team(move || team_review::export(&filter, format)).await?;
    write_export(&app, name, text).await
}
