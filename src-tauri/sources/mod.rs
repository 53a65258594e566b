//! Where events come from: transcript files, the live endpoint, audio.

pub mod audio;
pub mod ingest;
pub mod schedule;
pub mod stt;
pub mod transcript;
