//! Where events come from: transcript files, the live endpoint, audio.

pub mod audio;
pub mod ingest;
pub mod schedule;
pub mod stt;
pub mod transcript;

/// Who feeds a call. A call belongs to the kind of source that started it (see `crate::call`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The agent: the overlay's buttons and the hotkeys.
    Manual,
    /// A recorded call played from a file.
    Replay,
    /// A phone platform or speech-to-text engine pushing to the live endpoint.
    Endpoint,
    /// Live audio: the microphone and the call audio.
    Capture,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Manual => "manual",
            SourceKind::Replay => "replay",
            SourceKind::Endpoint => "endpoint",
            SourceKind::Capture => "capture",
        }
    }

    /// How a person reads it in a message.
    pub fn describe(self) -> &'static str {
        match self {
            SourceKind::Manual => "the overlay",
            SourceKind::Replay => "a replay",
            SourceKind::Endpoint => "the live endpoint",
            SourceKind::Capture => "audio capture",
        }
    }
}
