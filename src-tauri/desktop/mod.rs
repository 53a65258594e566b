//! The Tauri shell: overlay and review windows, tray, hotkeys, notifications.

/// Runs the desktop app until the user quits.
pub fn run() -> anyhow::Result<()> {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .map_err(|e| anyhow::anyhow!("the desktop app failed: {e}"))
}
