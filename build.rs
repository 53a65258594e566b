fn main() {
    #[cfg(feature = "desktop")]
    desktop_build();
}

/// The app's own commands, so that capabilities can grant them per window.
/// Keep in step with `generate_handler!` in src-tauri/desktop/mod.rs (a test checks it).
#[cfg(feature = "desktop")]
const COMMANDS: &[&str] = &[
    "get_state",
    "start_call",
    "end_call",
    "set_hold",
    "tick_current",
    "flag_abuse",
    "dismiss_nudge",
    "mute_rule",
    "add_note",
    "save_note",
    "replay_call",
    "set_expanded",
    "open_review",
    "get_settings",
    "save_settings",
    "list_sessions",
    "get_session",
    "save_session_note",
    "export_sessions",
    "team_stats",
    "set_follow_up_done",
    "team_server",
    "team_connect",
    "team_sessions",
    "team_session",
    "team_comment",
    "team_override",
    "team_trends",
    "team_export",
    "audio_devices",
    "audio_levels",
    "audio_test",
    "audio_test_end",
];

#[cfg(feature = "desktop")]
fn desktop_build() {
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        panic!("tauri build step failed: {e:#}");
    }
}
