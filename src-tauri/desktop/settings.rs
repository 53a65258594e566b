//! The agent's settings: checked as a whole before anything is saved or applied.
//! Persisted by tauri-plugin-store (see `mod.rs`); this module has no Tauri dependency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::engine::Playbook;
use crate::sources::stt::ModelChoice;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The agent's name, recorded with each session.
    pub agent: String,
    /// A playbook TOML file; empty means the built-in difficult-call playbook.
    pub playbook: String,
    /// Threshold overrides, e.g. `fast_wpm = 170`.
    pub thresholds: BTreeMap<String, f64>,
    /// "left" or "right".
    pub dock: String,
    /// "dark", "light" or "system".
    pub theme: String,
    pub expanded: bool,
    /// Where finished sessions are kept; empty means the app's data folder.
    pub database: String,
    /// Desktop notifications for boundary and escalation nudges while the overlay is hidden.
    pub notifications: bool,
    pub hotkeys: Hotkeys,
    /// Run the live endpoint with the app (loopback only, token required), so a phone platform
    /// or speech-to-text engine can push the call; its calls show here and are saved.
    pub endpoint: bool,
    /// The endpoint's port on 127.0.0.1.
    pub endpoint_port: u16,
    /// Overlay top offset per monitor name, so it comes back where the agent left it.
    pub dock_offsets: BTreeMap<String, i32>,
    /// Speech-to-text for captured calls: "base" (the default), "tiny.en", "off", or the path
    /// of a ggml Whisper file. See [`Settings::stt_choice`].
    pub stt_model: String,
    /// The review window reads the team server (the URL saved with `parley team connect` or in
    /// the review's settings; never kept here) instead of this machine's calls.
    pub review_team: bool,
    /// The microphone (the agent's side): an input id from the device list; empty: none.
    pub mic: String,
    /// The call audio (the customer's side): the monitor of the softphone's output; empty: none.
    pub call_audio: String,
    /// Calls start when the call audio carries speech after silence and end after `quiet_end_s`.
    pub auto_call: bool,
    pub quiet_end_s: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hotkeys {
    pub start_end: String,
    pub hold: String,
    pub tick: String,
    pub flag_abuse: String,
    pub dismiss: String,
    pub note: String,
    pub show_hide: String,
}

impl Default for Hotkeys {
    fn default() -> Hotkeys {
        Hotkeys {
            start_end: "Ctrl+Alt+S".into(),
            hold: "Ctrl+Alt+H".into(),
            tick: "Ctrl+Alt+T".into(),
            flag_abuse: "Ctrl+Alt+A".into(),
            dismiss: "Ctrl+Alt+D".into(),
            note: "Ctrl+Alt+N".into(),
            show_hide: "Ctrl+Alt+P".into(),
        }
    }
}

/// What a hotkey does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotkeyAction {
    StartEnd,
    Hold,
    Tick,
    FlagAbuse,
    Dismiss,
    Note,
    ShowHide,
}

impl Hotkeys {
    pub fn bindings(&self) -> [(HotkeyAction, &str, &'static str); 7] {
        [
            (HotkeyAction::StartEnd, &self.start_end, "start/end call"),
            (HotkeyAction::Hold, &self.hold, "hold"),
            (HotkeyAction::Tick, &self.tick, "tick item"),
            (HotkeyAction::FlagAbuse, &self.flag_abuse, "flag abuse"),
            (HotkeyAction::Dismiss, &self.dismiss, "dismiss nudge"),
            (HotkeyAction::Note, &self.note, "quick note"),
            (HotkeyAction::ShowHide, &self.show_hide, "show/hide overlay"),
        ]
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            // No made-up name: the agent gives theirs before the first call.
            agent: String::new(),
            playbook: String::new(),
            thresholds: BTreeMap::new(),
            dock: "right".into(),
            theme: "dark".into(),
            expanded: true,
            database: String::new(),
            notifications: true,
            hotkeys: Hotkeys::default(),
            endpoint: true,
            endpoint_port: crate::sources::ingest::DEFAULT_PORT,
            dock_offsets: BTreeMap::new(),
            stt_model: "base".into(),
            review_team: false,
            mic: String::new(),
            call_audio: String::new(),
            auto_call: false,
            quiet_end_s: crate::sources::audio::autocall::DEFAULT_QUIET_MS / 1000,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("setting '{field}': {reason}")]
    Invalid { field: String, reason: String },
}

fn invalid(field: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

impl Settings {
    /// Checks every field; returns the playbook the settings describe (with overrides applied).
    pub fn validate(&self) -> Result<Playbook, SettingsError> {
        // Empty until the agent gives their name; a call cannot start before (session.rs).
        if self.agent.trim().chars().count() > 60 {
            return Err(invalid("agent", "must be at most 60 characters"));
        }
        if !matches!(self.dock.as_str(), "left" | "right") {
            return Err(invalid(
                "dock",
                format!("must be left or right, not '{}'", self.dock),
            ));
        }
        if !matches!(self.theme.as_str(), "dark" | "light" | "system") {
            return Err(invalid(
                "theme",
                format!("must be dark, light or system, not '{}'", self.theme),
            ));
        }
        let mut seen: Vec<(u32, &str)> = Vec::new();
        for (_, keys, what) in self.hotkeys.bindings() {
            let shortcut = tauri_plugin_global_shortcut::Shortcut::from_str(keys).map_err(|e| {
                invalid(
                    &format!("hotkeys.{what}"),
                    format!("'{keys}' is not a key combination like Ctrl+Alt+S ({e})"),
                )
            })?;
            let canon = shortcut.id();
            if let Some((_, other)) = seen.iter().find(|(k, _)| *k == canon) {
                return Err(invalid(
                    &format!("hotkeys.{what}"),
                    format!("'{keys}' is already used for {other}"),
                ));
            }
            seen.push((canon, what));
        }
        if let Some(ModelChoice::File(path)) = self.stt_choice() {
            if !path.is_file() {
                return Err(invalid(
                    "stt_model",
                    format!(
                        "no file '{}': give base, tiny.en, off, or the path of a ggml Whisper model",
                        path.display()
                    ),
                ));
            }
        }
        if !(3..=3600).contains(&self.quiet_end_s) {
            return Err(invalid("quiet_end_s", "must be 3 to 3600 seconds"));
        }
        if self.auto_call && self.mic.trim().is_empty() && self.call_audio.trim().is_empty() {
            return Err(invalid(
                "auto_call",
                "automatic calls need the call audio (or the microphone) chosen",
            ));
        }
        if self.endpoint && self.endpoint_port == 0 {
            return Err(invalid("endpoint_port", "must be a port from 1 to 65535"));
        }
        if !self.database.trim().is_empty() {
            let db = Path::new(self.database.trim());
            match db.parent() {
                Some(dir) if dir.as_os_str().is_empty() || dir.is_dir() => {}
                _ => {
                    return Err(invalid(
                        "database",
                        format!("the folder of '{}' does not exist", db.display()),
                    ))
                }
            }
        }
        let mut playbook = if self.playbook.trim().is_empty() {
            Playbook::builtin()
        } else {
            Playbook::load(Path::new(self.playbook.trim()))
                .map_err(|e| invalid("playbook", e.to_string()))?
        };
        let overrides: Vec<(String, f64)> = self
            .thresholds
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        if let Some((k, _)) = overrides.iter().find(|(_, v)| !v.is_finite()) {
            return Err(invalid(&format!("thresholds.{k}"), "must be a number"));
        }
        playbook
            .override_thresholds(&overrides)
            .map_err(|e| invalid("thresholds", e.to_string()))?;
        Ok(playbook)
    }

    /// The speech-to-text model capture should use; None when words are off. A named model
    /// that is not installed is found missing at capture time (the app then says once that it
    /// coaches on pacing only).
    pub fn stt_choice(&self) -> Option<ModelChoice> {
        match self.stt_model.trim() {
            "off" => None,
            "" => Some(ModelChoice::Base),
            other => other.parse().ok(),
        }
    }

    /// The audio choices, as capture takes them.
    pub fn hearing(&self) -> super::hearing::HearingConfig {
        super::hearing::HearingConfig {
            mic: self.mic.trim().to_string(),
            call: self.call_audio.trim().to_string(),
            auto_call: self.auto_call,
            quiet_end_ms: self.quiet_end_s * 1000,
            words: self.stt_choice(),
        }
    }

    /// The configured database file; None means the store's default (`$PARLEY_DB`, then the
    /// OS data folder).
    pub fn database_path(&self) -> Option<PathBuf> {
        match self.database.trim() {
            "" => None,
            db => Some(PathBuf::from(db)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
        assert_eq!(Settings::default().agent, "", "no default agent name");
    }

    #[test]
    fn refuses_bad_values_with_the_field_named() {
        let mut s = Settings {
            dock: "top".into(),
            ..Settings::default()
        };
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("setting 'dock'"));
        s.dock = "left".into();
        s.hotkeys.hold = s.hotkeys.tick.clone();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("already used for hold"), "{err}");
        s.hotkeys = Hotkeys::default();
        s.thresholds.insert("no_such".into(), 1.0);
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("no_such"), "{err}");
        s.thresholds.clear();
        s.hotkeys.note = "Ctrl+Banana".into();
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("hotkeys.quick note"));
    }

    #[test]
    fn the_speech_to_text_model_is_named_or_a_file_that_exists() {
        let mut s = Settings::default();
        assert_eq!(s.stt_choice(), Some(ModelChoice::Base));
        s.stt_model = "tiny.en".into();
        assert_eq!(s.stt_choice(), Some(ModelChoice::TinyEn));
        s.validate().unwrap();
        s.stt_model = "off".into();
        assert_eq!(s.stt_choice(), None);
        s.validate().unwrap();
        s.stt_model = "/nonexistent/ggml-small.bin".into();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("setting 'stt_model'"), "{err}");
        assert!(err.contains("/nonexistent/ggml-small.bin"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("ggml-own.bin");
        std::fs::write(&own, b"x").unwrap();
        s.stt_model = own.display().to_string();
        s.validate().unwrap();
        assert_eq!(s.stt_choice(), Some(ModelChoice::File(own)));
    }
}
