//! Window plumbing: the Tauri side of the UI sink, docking, tray, settings persistence.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{
    AppHandle, Emitter, Manager, PhysicalPosition, PhysicalSize, WebviewWindow, Window, WindowEvent,
};
use tauri_plugin_store::StoreExt;

use super::ipc::{OverlayState, UiEvent, EVENT};
use super::session::UiSink;
use super::settings::Settings;
use super::{warn, Shell};
use crate::engine::Nudge;

const STORE_FILE: &str = "settings.json";
const STORE_KEY: &str = "settings";
/// Logical sizes of the overlay: the full panel and the compact strip.
const OVERLAY_WIDTH: f64 = 320.0;
const EXPANDED_HEIGHT: f64 = 720.0;
const COMPACT_HEIGHT: f64 = 148.0;

pub struct TauriSink {
    app: AppHandle,
}

impl TauriSink {
    pub fn new(app: AppHandle) -> TauriSink {
        TauriSink { app }
    }
}

impl UiSink for TauriSink {
    fn state(&self, state: &OverlayState) {
        // Emitting only queues a script for the webview; a slow page never blocks the session.
        if let Err(e) = self
            .app
            .emit_to("overlay", EVENT, UiEvent::State(Box::new(state.clone())))
        {
            warn(&format!("could not update the overlay: {e}"));
        }
    }

    fn urgent(&self, nudge: &Nudge) {
        let wanted = self
            .app
            .try_state::<Shell>()
            .and_then(|s| s.settings.read().ok().map(|s| s.notifications))
            .unwrap_or(true);
        if !wanted || overlay_in_sight(&self.app) {
            return;
        }
        let summary = nudge.headline.clone();
        let body = nudge.script.clone().unwrap_or_else(|| nudge.reason.clone());
        // D-Bus can block for a while; keep it off the session task.
        tauri::async_runtime::spawn_blocking(move || {
            let shown = notify_rust::Notification::new()
                .appname("Parley")
                .summary(&summary)
                .body(&body)
                .urgency(notify_rust::Urgency::Critical)
                .show();
            if let Err(e) = shown {
                warn(&format!("desktop notification failed: {e}"));
            }
        });
    }

    fn sessions_changed(&self, id: crate::store::SessionId) {
        if let Err(e) = self
            .app
            .emit_to("review", EVENT, UiEvent::SessionsChanged { id })
        {
            warn(&format!("could not update the review window: {e}"));
        }
    }
}

fn overlay_in_sight(app: &AppHandle) -> bool {
    app.get_webview_window("overlay")
        .is_some_and(|w| w.is_visible().unwrap_or(false) && !w.is_minimized().unwrap_or(false))
}

pub fn load_settings(app: &AppHandle) -> Settings {
    let stored = match app.store(STORE_FILE) {
        Ok(store) => store.get(STORE_KEY),
        Err(e) => {
            warn(&format!("cannot open {STORE_FILE}: {e}; using defaults"));
            None
        }
    };
    match stored.map(serde_json::from_value::<Settings>) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            warn(&format!(
                "saved settings are unreadable ({e}); using defaults"
            ));
            Settings::default()
        }
        None => Settings::default(),
    }
}

pub fn save_settings(app: &AppHandle, settings: &Settings) -> Result<(), String> {
    let store = app
        .store(STORE_FILE)
        .map_err(|e| format!("cannot open {STORE_FILE}: {e}"))?;
    let value = serde_json::to_value(settings).map_err(|e| e.to_string())?;
    store.set(STORE_KEY, value);
    store
        .save()
        .map_err(|e| format!("cannot save settings to {STORE_FILE}: {e}"))
}

/// Places the overlay against the chosen edge of its monitor's visible area, at the height the
/// agent left it on that monitor, clamped so it is always fully on screen.
pub fn dock_overlay(app: &AppHandle, settings: &Settings) {
    let Some(w) = app.get_webview_window("overlay") else {
        return;
    };
    if let Err(e) = dock(&w, settings) {
        warn(&format!("could not dock the overlay: {e}"));
    }
}

fn dock(w: &WebviewWindow, settings: &Settings) -> tauri::Result<()> {
    let monitor = match w.current_monitor()? {
        Some(m) => m,
        None => match w.primary_monitor()? {
            Some(m) => m,
            None => return Ok(()),
        },
    };
    let scale = monitor.scale_factor();
    let area = monitor.work_area();
    let (ax, ay) = (area.position.x, area.position.y);
    let (aw, ah) = (area.size.width as i32, area.size.height as i32);
    let logical_h = if settings.expanded {
        EXPANDED_HEIGHT
    } else {
        COMPACT_HEIGHT
    };
    let width = ((OVERLAY_WIDTH * scale) as i32).min(aw);
    let height = ((logical_h * scale) as i32).min(ah);
    let name = monitor.name().cloned().unwrap_or_default();
    let offset = settings.dock_offsets.get(&name).copied().unwrap_or(0);
    let y = ay + offset.clamp(0, (ah - height).max(0));
    let x = match settings.dock.as_str() {
        "left" => ax,
        _ => ax + aw - width,
    };
    w.set_size(PhysicalSize::new(width as u32, height as u32))?;
    w.set_position(PhysicalPosition::new(x, y))
}

/// Shows the overlay without taking focus from the agent's phone software.
pub fn show_overlay(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("overlay") {
        let shown = w.show().and_then(|()| w.set_always_on_top(true));
        if let Err(e) = shown {
            warn(&format!("could not show the overlay: {e}"));
        }
    }
}

pub fn toggle_overlay(app: &AppHandle) {
    let Some(w) = app.get_webview_window("overlay") else {
        return;
    };
    if overlay_in_sight(app) {
        if let Err(e) = w.hide() {
            warn(&format!("could not hide the overlay: {e}"));
        }
    } else {
        if let Err(e) = w.unminimize() {
            warn(&format!("could not restore the overlay: {e}"));
        }
        show_overlay(app);
    }
}

/// The review window is made on first use: an unused webview would cost ~80 MiB all shift.
pub fn open_review(app: &AppHandle) {
    if app.get_webview_window("review").is_none() {
        let config = app
            .config()
            .app
            .windows
            .iter()
            .find(|w| w.label == "review")
            .cloned();
        let built = config.map(|c| {
            tauri::WebviewWindowBuilder::from_config(app, &c).and_then(|b| b.visible(true).build())
        });
        if let Some(Err(e)) = built {
            warn(&format!("could not create the review window: {e}"));
        }
    }
    if let Some(w) = app.get_webview_window("review") {
        let shown = w
            .show()
            .and_then(|()| w.unminimize())
            .and_then(|()| w.set_focus());
        if let Err(e) = shown {
            warn(&format!("could not open the review window: {e}"));
        }
    }
}

pub fn build_tray(app: &AppHandle) -> tauri::Result<()> {
    let toggle = MenuItem::with_id(app, "toggle", "Show/hide overlay", true, None::<&str>)?;
    let review = MenuItem::with_id(app, "review", "Open review", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Parley", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&toggle, &review, &sep, &quit])?;
    let mut tray = TrayIconBuilder::with_id("parley")
        .tooltip("Parley")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "toggle" => toggle_overlay(app),
            "review" => open_review(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_overlay(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Closing the overlay hides it (the tray quits); closing the review window frees its webview.
/// Moving the overlay remembers where, per monitor.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    match event {
        WindowEvent::CloseRequested { api, .. } if window.label() == "overlay" => {
            api.prevent_close();
            if let Err(e) = window.hide() {
                warn(&format!("could not hide {}: {e}", window.label()));
            }
        }
        WindowEvent::Moved(pos) if window.label() == "overlay" => remember_offset(window, pos),
        _ => {}
    }
}

fn remember_offset(window: &Window, pos: &PhysicalPosition<i32>) {
    let Ok(Some(monitor)) = window.current_monitor() else {
        return;
    };
    let app = window.app_handle();
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let name = monitor.name().cloned().unwrap_or_default();
    let offset = pos.y - monitor.work_area().position.y;
    let snapshot = match shell.settings.write() {
        Ok(mut s) if s.dock_offsets.get(&name) != Some(&offset) => {
            s.dock_offsets.insert(name, offset);
            s.clone()
        }
        _ => return,
    };
    if let Err(e) = save_settings(app, &snapshot) {
        warn(&e);
    }
}
