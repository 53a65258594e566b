//! Where events come from: transcript files, the live endpoint, audio.

pub mod schedule;
pub mod transcript;
