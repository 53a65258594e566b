//! The local live endpoint: a phone platform or a speech-to-text engine pushes the transcript of
//! the current call over a WebSocket (`/v1/live`) or plain HTTP (`POST /v1/events`), on loopback
//! only, with a token. Messages go into the call runtime (`crate::call`) through an
//! [`EventLink`]; the runtime's outputs come back to every subscriber.
//! The message format is documented in docs/live-endpoint.md.

mod auth;
mod link;
pub mod message;
mod server;
mod stats;
pub mod token;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use link::{
    link, Emitted, ErrorFrame, EventLink, Inbox, LinkOptions, Reply, Submission, SubmitError,
    AUTO_TICK_EVERY, MAX_REORDER_MS,
};
pub use message::{Inbound, Message, MessageError, Speech};
pub use stats::{Stats, StatsSnapshot};
pub use token::{resolve_token, TokenSource, TOKEN_ENV};

/// Bumped when a message or frame changes incompatibly; sent in the hello frame.
pub const PROTOCOL_VERSION: u32 = 1;
/// The port `parley serve` and `parley send` use unless told otherwise.
pub const DEFAULT_PORT: u16 = 8754;

#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Must be a loopback address; port 0 picks a free one.
    pub addr: SocketAddr,
    pub token: String,
    /// A WebSocket message or POSTed event larger than this gets an error frame.
    pub max_message_bytes: usize,
    /// Frames beyond this close the connection (1009): nobody sends megabytes of transcript.
    pub max_frame_bytes: usize,
    /// Largest POST body.
    pub max_body_bytes: usize,
    /// Most events in one POSTed array.
    pub max_batch: usize,
    /// How long a client waits for room in the engine queue before its message is dropped.
    pub enqueue_wait: Duration,
    pub max_connections: usize,
    /// Error frames waiting for a client that does not read.
    pub client_queue: usize,
}

impl IngestConfig {
    pub fn new(token: String) -> IngestConfig {
        IngestConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
            token,
            max_message_bytes: 64 * 1024,
            max_frame_bytes: 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            max_batch: 256,
            enqueue_wait: Duration::from_millis(250),
            max_connections: 16,
            client_queue: 256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the live endpoint listens on loopback only; {0} is not a loopback address")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source} (is another `parley serve` running? try --port)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no config directory on this system: pass --token or set PARLEY_TOKEN")]
    NoConfigDir,
    #[error("token must be at least 16 printable ASCII characters without spaces")]
    BadToken,
    #[error("cannot generate a token: {0}")]
    Random(String),
    #[error("server stopped with an error: {0}")]
    Server(std::io::Error),
    #[error("server task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A running endpoint. Dropping it stops the server too.
pub struct ServerHandle {
    addr: SocketAddr,
    close: watch::Sender<bool>,
    join: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:PORT/v1/live`
    pub fn live_url(&self) -> String {
        format!("ws://{}/v1/live", self.addr)
    }

    /// Closes open connections and stops listening.
    pub async fn shutdown(self) -> Result<(), IngestError> {
        self.close.send_replace(true);
        self.join.await?.map_err(IngestError::Server)
    }
}

/// Starts the endpoint in front of a call runtime reading the other end of `engine`.
pub async fn serve(config: IngestConfig, engine: EventLink) -> Result<ServerHandle, IngestError> {
    server::start(config, engine).await
}
