//! The team server: each agent's Parley pushes its closed sessions to a shared PostgreSQL, where
//! team leads review them. Local SQLite stays the source of truth on the agent's machine; the
//! server enforces who sees what with roles, grants and row-level security.
//!
//! - [`server`]: the server's schema and roles (append-only migrations), and adding people.
//! - [`push`]: the outbox pushed with retries and backoff, idempotently (by global session id).
//! - [`remote`]: the review queries against the server, as the connected role.
//! - [`trends`]: per-agent weekly figures from the server's rollup.
//! - [`scorecard`]: the playbook's weighted criteria filled from the checklist, with overrides.
//! - [`credentials`]: the connection URL kept in a file only its user can read.
//! - [`background`]: the task that pushes on its own while the app runs.

pub mod background;
pub mod credentials;
pub mod push;
pub mod remote;
pub mod scorecard;
pub mod server;
pub mod trends;

use std::sync::OnceLock;
use std::time::Duration;

pub use push::{push, PushOptions, PushReport};

/// A PEM file with the certificate of a private CA that signed the team server's certificate.
pub const CA_ENV: &str = "PARLEY_TEAM_CA";

/// How long a connection attempt may take before it counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What can go wrong with the team server. Messages name the server (never the password).
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("team server URL is not valid: {0}")]
    BadUrl(String),
    /// A request that cannot be asked as given (the message says what and why).
    #[error("{0}")]
    BadRequest(String),
    #[error("team server {server}: cannot set up TLS: {detail}")]
    Tls { server: String, detail: String },
    #[error("team server {server}: cannot connect: {}", chain(.cause))]
    Connect {
        server: String,
        cause: postgres::Error,
    },
    #[error("team server {server}: {what}: {cause}")]
    Sql {
        server: String,
        what: String,
        cause: postgres::Error,
    },
    #[error("team server {server}: gave up after {attempts} tries: {last}")]
    Unreachable {
        server: String,
        attempts: u32,
        last: String,
    },
    #[error("'{name}' cannot be a {kind} name: use 1-40 lowercase letters, digits or '_', starting with a letter")]
    BadName { name: String, kind: &'static str },
    #[error("team server {server}: role '{name}' already exists and is not a Parley {kind}: pick another name")]
    RoleTaken {
        server: String,
        name: String,
        kind: &'static str,
    },
    #[error("team server {server}: the schema is at version {found}, newer than this build understands ({supported}): update Parley")]
    TooNew {
        server: String,
        found: i32,
        supported: i32,
    },
    #[error("team server {server}: the schema is not set up: ask the admin to run `parley team setup --admin-url URL`")]
    NotSetUp { server: String },
    #[error("team server {server}: session '{uid}' not found (or not visible to this role)")]
    NotFound { server: String, uid: String },
    #[error("team server credentials '{path}': {detail}")]
    Credentials {
        path: std::path::PathBuf,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// A parsed connection URL. `Display` shows it without the password.
#[derive(Clone)]
pub struct ServerUrl {
    config: postgres::Config,
    shown: String,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerUrl({})", self.shown)
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl ServerUrl {
    pub fn parse(url: &str) -> Result<ServerUrl, TeamError> {
        let url = url.trim();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(TeamError::BadUrl(
                "it must start with postgresql:// (for example postgresql://NAME:PASSWORD@HOST:5432/DB)"
                    .into(),
            ));
        }
        // The parser's message may quote the URL; it is not passed on.
        let mut config: postgres::Config = url
            .parse()
            .map_err(|_| TeamError::BadUrl("it cannot be read as a PostgreSQL URL".into()))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("parley");
        }
        let shown = describe(&config);
        Ok(ServerUrl { config, shown })
    }

    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    pub fn dbname(&self) -> Option<&str> {
        self.config.get_dbname()
    }

    /// The first host and port, for URLs handed to new members.
    pub fn host_port(&self) -> (String, u16) {
        let host = match self.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        (host, port)
    }

    /// Connects. With `sslmode=disable` in the URL the connection is plain; otherwise TLS is
    /// used when the server offers it (`prefer`, the default) or required (`require`), and the
    /// server's certificate is checked against the system's roots (plus `$PARLEY_TEAM_CA`, a PEM
    /// file, for a private CA) and its name.
    pub fn connect(&self) -> Result<postgres::Client, TeamError> {
        let result = if self.config.get_ssl_mode() == postgres::config::SslMode::Disable {
            self.config.connect(postgres::NoTls)
        } else {
            self.config.connect(self.tls()?)
        };
        result.map_err(|cause| TeamError::Connect {
            server: self.shown.clone(),
            cause,
        })
    }

    /// The TLS connector, built once per process (loading the system's roots takes tens of
    /// milliseconds, more than a push).
    fn tls(&self) -> Result<postgres_native_tls::MakeTlsConnector, TeamError> {
        static CONNECTOR: OnceLock<Result<postgres_native_tls::MakeTlsConnector, String>> =
            OnceLock::new();
        CONNECTOR
            .get_or_init(build_tls)
            .clone()
            .map_err(|detail| TeamError::Tls {
                server: self.shown.clone(),
                detail,
            })
    }

    /// Wraps an error from a statement with what was being done.
    pub(crate) fn sql(&self, what: impl Into<String>) -> impl FnOnce(postgres::Error) -> TeamError {
        let server = self.shown.clone();
        let what = what.into();
        move |cause| TeamError::Sql {
            server,
            what,
            cause,
        }
    }
}

fn build_tls() -> Result<postgres_native_tls::MakeTlsConnector, String> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(ca) = std::env::var_os(CA_ENV).filter(|p| !p.is_empty()) {
        let path = std::path::PathBuf::from(ca);
        let pem = std::fs::read(&path)
            .map_err(|e| format!("cannot read {CA_ENV} '{}': {e}", path.display()))?;
        let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
            format!(
                "{CA_ENV} '{}' is not a PEM certificate: {e}",
                path.display()
            )
        })?;
        builder.add_root_certificate(cert);
    }
    let connector = builder.build().map_err(|e| e.to_string())?;
    Ok(postgres_native_tls::MakeTlsConnector::new(connector))
}

/// `user@host:port/db`, the way messages name a server.
fn describe(c: &postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let user = c.get_user().unwrap_or("?");
    let db = c.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{db}")
}

impl TeamError {
    /// True when trying again later may work: the server is down, restarting, or the
    /// connection was cut. Refusals (bad password, no permission, bad data) are not.
    pub fn is_transient(&self) -> bool {
        match self {
            TeamError::Connect { cause, .. } | TeamError::Sql { cause, .. } => transient(cause),
            TeamError::Unreachable { .. } => true,
            _ => false,
        }
    }
}

pub(crate) fn transient(e: &postgres::Error) -> bool {
    // A certificate that does not check out will not check out on the next try either.
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<native_tls::Error>().is_some() {
            return false;
        }
        source = s.source();
    }
    if e.is_closed() {
        return true;
    }
    match e.as_db_error() {
        // No SQL error: I/O, a refused or cut connection, a timeout.
        None => true,
        Some(db) => {
            let code = db.code().code();
            // 08 connection exception, 57 operator intervention (shutdown, restart),
            // 53 insufficient resources, 40 transaction rollback (serialization, deadlock).
            ["08", "57", "53", "40"].iter().any(|c| code.starts_with(c))
        }
    }
}

/// An error and its causes on one line ("error performing TLS handshake: certificate verify
/// failed ..."): the driver's own message often leaves the cause out.
fn chain(e: &postgres::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
