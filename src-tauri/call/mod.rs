//! One runtime per call: every source (file replay, the live endpoint, audio capture, the
//! overlay's buttons and hotkeys) feeds it events; it feeds the engine, records every kept event
//! and output in the store as it goes (the store masks them), and tells its listeners (the
//! overlay, endpoint subscribers, the terminal, tests) what happened. A call therefore gets the
//! same coaching and the same saved session whichever way it came in.
//!
//! # Who may feed a call
//!
//! - One call at a time. It belongs to the kind of source that started it ([`SourceKind`]).
//! - A `call_start` from the owner while its call is live ends that call (saved, no end
//!   reason) and starts a new one: a platform that restarts mid-call starts again.
//! - A `call_start` from another kind of source while a call is live is refused
//!   ([`Refused::Busy`]): a call pushed to the endpoint while `parley serve --capture` captures a
//!   call gets an error frame naming audio capture, and the captured call goes on untouched.
//!   Likewise the overlay's Start while an endpoint call is live.
//! - Other events go to the owner's call only ([`Refused::NotOwner`]), except that the agent
//!   ([`SourceKind::Manual`]) can always act on the call in front of them: tick, flag, note,
//!   dismiss, mute, hold and end it.
//! - Events more than [`MAX_REORDER_MS`](crate::sources::ingest::MAX_REORDER_MS) behind the
//!   latest one are refused ([`Refused::Backwards`]), except final utterances from audio
//!   capture: local speech-to-text may lag the audio clock further when the CPU is short.
//! - An event with no call in progress is refused ([`Refused::NoCall`]).
//!
//! # Ticks
//!
//! Replays carry their own ticks, audio capture ticks on its audio clock, the desktop ticks a
//! manual call on its call clock, and [`CallTask`] (or the desktop session) ticks an endpoint
//! call whose sender is quiet, continuing the sender's clock.
//!
//! # Saving
//!
//! With a store, the session row is made at the call start; events (all but ticks and partial
//! transcripts) and outputs (all but pacing meters) are appended as they come; the summary and
//! the drafted note close it at the call end. A call that never ends (the process stops, the
//! sender disappears) is closed as interrupted.

mod listener;
mod runtime;
mod task;

pub use listener::{BroadcastListener, Heard, Listener, MemoryListener, News, PrinterListener};
pub use runtime::{ActiveCall, Ended, Fed, Refused, Runtime, Source};
pub use task::{CallTask, TaskOptions, MUST_DELIVER_WAIT};

pub use crate::sources::SourceKind;

#[cfg(test)]
mod tests;
