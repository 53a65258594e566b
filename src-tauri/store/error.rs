use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// What can go wrong with the session database. Every message names the file and says what to do.
/// Causes are part of the message (not chained), so showing `to_string()` alone is enough.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("session database '{path}' is not a valid database (corrupt or not SQLite): move it aside and Parley will create a new one")]
    Corrupt { path: PathBuf },
    #[error("session database '{path}' cannot be written (read-only file or folder): fix its permissions or pass --db / PARLEY_DB with a writable path")]
    ReadOnly { path: PathBuf },
    #[error("session database '{path}' is locked by another process: close the other Parley (or tool) using it and try again")]
    Locked { path: PathBuf },
    #[error("session database '{path}' has schema version {found}, newer than this build understands ({supported}): update Parley, or use another file with --db")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("session database '{path}' has schema version {found}, which no Parley writes (it was changed by another tool): move it aside and Parley will create a new one, or use another file with --db")]
    BadVersion { path: PathBuf, found: i64 },
    #[error("session database '{path}' is a folder: pass --db (or PARLEY_DB) with a file path")]
    IsFolder { path: PathBuf },
    #[error("cannot create the folder for session database '{path}': {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("session database '{path}': cannot start the store's thread: {cause}")]
    Thread {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "no data folder for the session database on this system: pass --db PATH or set PARLEY_DB"
    )]
    NoDataDir,
    #[error("session database '{path}': {cause}")]
    Sqlite {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("session database '{path}': cannot use lock file '{lock}': {cause}")]
    LockFile {
        path: PathBuf,
        lock: PathBuf,
        cause: std::io::Error,
    },
    #[error("session database '{path}': session {id} not found")]
    NotFound { path: PathBuf, id: i64 },
    #[error("session database '{path}': saving session {id} failed ({detail}); what was saved before is kept")]
    WriteFailed {
        path: PathBuf,
        id: i64,
        detail: String,
    },
    #[error("session database '{path}': stored data in session {id} is unreadable: {detail}")]
    BadRow {
        path: PathBuf,
        id: i64,
        detail: String,
    },
    #[error("session database '{path}': invalid query: {detail}")]
    BadQuery { path: PathBuf, detail: String },
    #[error("session database '{path}': the store's worker stopped (it failed earlier or was shut down)")]
    Closed { path: PathBuf },
    #[error("export failed: {0}")]
    Export(String),
}

impl StoreError {
    /// Sorts a SQLite error into the kinds a person can act on.
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path }
            }
            Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen)
                if is_read_only(&path)
                    || source.sqlite_error_code() == Some(ErrorCode::ReadOnly) =>
            {
                StoreError::ReadOnly { path }
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path }
            }
            _ => StoreError::Sqlite {
                path,
                cause: source,
            },
        }
    }
}

fn is_read_only(path: &Path) -> bool {
    let meta = std::fs::metadata(path)
        .or_else(|_| std::fs::metadata(path.parent().unwrap_or_else(|| Path::new("."))));
    meta.map(|m| m.permissions().readonly()).unwrap_or(false)
}

/// Adds the database path to rusqlite results.
pub(crate) trait Ctx<T> {
    fn ctx(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> Ctx<T> for Result<T, rusqlite::Error> {
    fn ctx(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::sqlite(path, e))
    }
}
