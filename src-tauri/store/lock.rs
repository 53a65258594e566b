//! Per-session lock files: a live session's writer holds `<db>-live/<id>.lock` so that another
//! process opening the same database knows the session is still being written and leaves it
//! alone. The OS drops the lock when the writer dies, even by SIGKILL.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

use super::error::StoreError;
use super::types::SessionId;

#[derive(Debug, Clone)]
pub struct LockDir {
    db: PathBuf,
    dir: PathBuf,
}

/// Held while a session is live; dropping it releases the lock.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
    path: PathBuf,
}

impl SessionLock {
    /// Removes the lock file once the session is closed in the database.
    pub fn release(self) -> Result<(), std::io::Error> {
        let path = self.path.clone();
        drop(self);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

impl LockDir {
    pub fn new(db: &Path) -> LockDir {
        let mut name = db.file_name().unwrap_or_default().to_os_string();
        name.push("-live");
        LockDir {
            db: db.to_path_buf(),
            dir: db.with_file_name(name),
        }
    }

    fn err(&self, lock: PathBuf, cause: std::io::Error) -> StoreError {
        StoreError::LockFile {
            path: self.db.clone(),
            lock,
            cause,
        }
    }

    /// Takes the session's lock, or None when another process holds it.
    pub fn try_take(&self, id: SessionId) -> Result<Option<SessionLock>, StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.err(self.dir.clone(), e))?;
        let path = self.dir.join(format!("{id}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.err(path.clone(), e))?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => Ok(Some(SessionLock { _file: file, path })),
            Ok(false) => Ok(None),
            Err(e) => Err(self.err(path, e)),
        }
    }
}
