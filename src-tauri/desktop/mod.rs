//! The Tauri shell: overlay and review windows, tray, hotkeys, notifications.
//!
//! Rust owns all state: `session` runs the call, `archive` keeps finished ones; the windows
//! render what `ipc` messages carry and ask for changes through the thin `commands`.

mod call;
mod commands;
pub mod hearing;
mod hotkeys;
pub mod ipc;
pub mod replay;
pub mod review;
pub mod session;
pub mod settings;
mod shell;
pub mod team_review;

use std::sync::{Arc, RwLock};

use tauri::Manager;

use crate::engine::Playbook;
use crate::sources::ingest::{self, EventLink, IngestConfig, LinkOptions, ServerHandle};
use crate::store::Store;
use session::SessionHandle;
use settings::Settings;

/// What the commands share. Settings change only through `save_settings`.
pub struct Shell {
    pub session: SessionHandle,
    /// The session database, or why it could not be opened (the overlay works without it).
    pub store: Result<Store, String>,
    /// The playbook in use, for recomputing a stored call's pacing.
    pub playbook: RwLock<Arc<Playbook>>,
    pub settings: RwLock<Settings>,
    pub hotkeys: hotkeys::Registered,
    /// The live endpoint while it runs (dropping it stops it).
    pub endpoint: std::sync::Mutex<Option<ServerHandle>>,
    /// Audio capture's level meters.
    pub meters: Arc<hearing::Meters>,
}

/// Problems worth telling whoever runs the app from a terminal; never fatal.
pub(crate) fn warn(msg: &str) {
    eprintln!("parley: {msg}");
}

/// GTK cannot keep a window on top under Wayland; XWayland can. Must run before GTK starts.
fn prefer_x11_on_wayland() {
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some()
        || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t == "wayland");
    if wayland && std::env::var_os("GDK_BACKEND").is_none() {
        std::env::set_var("GDK_BACKEND", "x11");
        warn("Wayland session: using XWayland (GDK_BACKEND=x11) so the overlay can stay on top");
    }
}

/// Runs the desktop app until the user quits.
pub fn run() -> anyhow::Result<()> {
    prefer_x11_on_wayland();
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri_plugin_global_shortcut::Builder::new()
                .with_handler(hotkeys::on_shortcut)
                .build(),
        )
        .invoke_handler(tauri::generate_handler![
            commands::get_state,
            commands::start_call,
            commands::end_call,
            commands::set_hold,
            commands::tick_current,
            commands::flag_abuse,
            commands::dismiss_nudge,
            commands::mute_rule,
            commands::add_note,
            commands::save_note,
            commands::replay_call,
            commands::set_expanded,
            commands::open_review,
            commands::get_settings,
            commands::save_settings,
            commands::list_sessions,
            commands::get_session,
            commands::save_session_note,
            commands::export_sessions,
            commands::team_stats,
            commands::set_follow_up_done,
            commands::team_server,
            commands::team_connect,
            commands::team_sessions,
            commands::team_session,
            commands::team_comment,
            commands::team_override,
            commands::team_trends,
            commands::team_export,
            commands::audio_devices,
            commands::audio_levels,
            commands::audio_test,
            commands::audio_test_end,
        ])
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        })
        .on_window_event(shell::on_window_event)
        .run(tauri::generate_context!())
        .map_err(|e| anyhow::anyhow!("the desktop app failed: {e}"))
}

fn setup(app: &tauri::AppHandle) -> anyhow::Result<()> {
    let settings = shell::load_settings(app);
    let playbook = match settings.validate() {
        Ok(p) => p,
        Err(e) => {
            warn(&format!("{e}; using the built-in playbook"));
            Playbook::builtin()
        }
    };
    let db = settings.database_path();
    let store = Store::open_default(db.as_deref()).map_err(|e| {
        let msg = e.to_string();
        warn(&format!("{msg}; calls will not be saved"));
        msg
    });
    if let Ok(store) = &store {
        // Pushes finished calls to the team server when one is saved (`parley team connect`).
        let source = crate::team::background::UrlSource::Saved;
        let interval = crate::team::background::INTERVAL;
        match crate::team::background::start(store.clone(), source, interval, warn) {
            Ok(task) => {
                app.manage(task);
            }
            Err(e) => warn(&format!("team sync cannot start: {e}")),
        }
    }
    let playbook = Arc::new(playbook);
    let sink = Arc::new(shell::TauriSink::new(app.clone()));
    let config = session::Config {
        playbook: playbook.clone(),
        agent: settings.agent.clone(),
        expanded: settings.expanded,
        theme: settings.theme.clone(),
        dock: settings.dock.clone(),
    };
    let (link, inbox) = ingest::link(&LinkOptions::default());
    let meters = Arc::new(hearing::Meters::default());
    // Capture feeds the same link as the endpoint, so its calls reach the same runtime.
    let audio = session::Audio {
        link: link.clone(),
        meters: meters.clone(),
        config: settings.hearing(),
    };
    let session = tauri::async_runtime::block_on(async {
        session::spawn_hearing(config, store.clone(), sink, Some(inbox), Some(audio))
    });
    let endpoint = if settings.endpoint {
        start_endpoint(&settings, link, &session)
    } else {
        None
    };
    let registered = hotkeys::Registered::default();
    hotkeys::register(app, &settings.hotkeys, &registered);
    shell::dock_overlay(app, &settings);
    app.manage(Shell {
        session,
        store,
        playbook: RwLock::new(playbook),
        settings: RwLock::new(settings),
        hotkeys: registered,
        endpoint: std::sync::Mutex::new(endpoint),
        meters,
    });
    shell::build_tray(app)?;
    shell::show_overlay(app);
    Ok(())
}

/// Starts the live endpoint on loopback with the stored token (the one `parley send` reads).
/// A failure (the port is taken, no token) is told to the agent on the overlay; the app runs on.
fn start_endpoint(
    settings: &Settings,
    link: EventLink,
    session: &SessionHandle,
) -> Option<ServerHandle> {
    let started = tauri::async_runtime::block_on(async {
        let (token, _) = ingest::resolve_token(None, None)?;
        let mut config = IngestConfig::new(token);
        config.addr =
            std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, settings.endpoint_port));
        ingest::serve(config, link).await
    });
    match started {
        Ok(handle) => {
            warn(&format!("live endpoint: {}", handle.live_url()));
            Some(handle)
        }
        Err(e) => {
            let message = format!("the live endpoint did not start: {e}");
            warn(&message);
            let session = session.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = session.send(session::Op::Notice(message)).await {
                    warn(&format!("could not tell the overlay: {e}"));
                }
            });
            None
        }
    }
}
