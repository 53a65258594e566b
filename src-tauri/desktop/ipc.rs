//! Messages between Rust and the web UI. Rust owns the state; the UI renders what arrives here.
//! The UI's copy of these shapes lives in `ui/ipc.js` (JSDoc typedefs); `tests/desktop_ipc.rs`
//! fails when the two drift apart.

use serde::{Deserialize, Serialize};

use crate::engine::output::{ItemStatus, NudgeRecord};
use crate::engine::{CallState, Ms, Nudge, Pacing};

/// The one Tauri event name every message travels on.
pub const EVENT: &str = "parley";

/// Everything Rust pushes to a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UiEvent {
    /// The overlay's full state; each one replaces the last, so a dropped one heals itself.
    State(Box<OverlayState>),
    /// A session was saved or its note changed: the review window refreshes.
    SessionsChanged { id: i64 },
    /// The agent pressed the quick-note hotkey.
    FocusNote,
}

/// Where the running call's events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallSource {
    /// The agent drives it by the buttons and hotkeys.
    Manual,
    /// A transcript played through the engine.
    Replay,
    /// A phone platform or speech-to-text engine pushing to the live endpoint.
    Endpoint,
    /// Live audio capture.
    Capture,
}

/// What the overlay shows, complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlayState {
    /// Increases with every state sent; the UI ignores anything older than what it shows.
    pub seq: u64,
    pub call: CallState,
    pub source: Option<CallSource>,
    /// File name of the transcript being replayed.
    pub replay_file: Option<String>,
    pub replay_speed: f64,
    /// Call time when this state was made.
    pub call_ms: Ms,
    pub phase: Option<PhaseView>,
    pub checklist: Vec<ItemStatus>,
    /// The item the tick hotkey ticks.
    pub current_item: Option<String>,
    /// The nudge on screen (not dismissed, not yet settled).
    pub nudge: Option<Nudge>,
    /// The last few nudges, newest first.
    pub history: Vec<NudgeRecord>,
    pub pacing: Option<Pacing>,
    pub boundary_step: u8,
    pub boundary_steps: u8,
    /// Set after a call ends until its note is saved.
    pub draft: Option<NoteDraft>,
    pub expanded: bool,
    pub theme: String,
    pub dock: String,
    /// Wall-clock time (Unix ms) this state left Rust, for render-latency measurement.
    pub sent_at: f64,
    /// Something the agent should know that is not coaching: the endpoint could not start, a
    /// call could not be saved, a call from elsewhere was refused. The latest one stays.
    pub notice: Option<String>,
    /// What audio capture is doing.
    pub audio: AudioView,
}

/// Audio capture as the overlay shows it (the meters come from the `audio_levels` command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioView {
    pub mode: super::hearing::Mode,
    /// Calls start and end by themselves from the audio.
    pub auto_call: bool,
    /// The microphone hears the call audio (speakers, not a headset).
    pub bleed: bool,
    /// The call on screen was started by the audio, not by the agent.
    pub auto_started: bool,
}

impl Default for AudioView {
    fn default() -> AudioView {
        AudioView {
            mode: super::hearing::Mode::Off,
            auto_call: false,
            bleed: false,
            auto_started: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseView {
    pub id: String,
    pub label: String,
    /// 1-based position and count, so the UI can say "phase 2 of 5".
    pub index: u32,
    pub count: u32,
}

/// The drafted session note, waiting for the agent to edit and save it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteDraft {
    /// 0 when the call could not be saved.
    pub session_id: i64,
    pub text: String,
    pub outcome: String,
    pub duration_ms: Ms,
}

/// An error a person sees: what failed and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmdError {
    pub message: String,
}

impl<E: std::fmt::Display> From<E> for CmdError {
    fn from(e: E) -> CmdError {
        CmdError {
            message: e.to_string(),
        }
    }
}
