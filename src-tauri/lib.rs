//! Parley: a conversation coach for call-center agents.
//!
//! `engine` is pure (events in, nudges out); `sources` turn files, audio and the live endpoint
//! into events; `call` runs one call through the engine, the store and its listeners; `store`
//! keeps every call in SQLite; `desktop` is the Tauri shell.

pub mod call;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod models;
pub mod replay;
pub mod sources;
pub mod store;
pub mod team;

#[cfg(feature = "desktop")]
pub mod desktop;
