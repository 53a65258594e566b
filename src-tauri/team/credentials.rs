//! The team server URL (it holds the password) in a file only its user can read: mode 0600,
//! in Parley's config folder, apart from the settings. A file others could read is refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ServerUrl, TeamError};

/// Overrides where the credentials file is (tests, several profiles on one machine).
pub const FILE_ENV: &str = "PARLEY_TEAM_FILE";
const FILE_NAME: &str = "team-server.url";

/// `$PARLEY_TEAM_FILE`, else `team-server.url` in the OS config folder for Parley.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(FILE_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "parley").map(|d| d.config_dir().join(FILE_NAME))
}

fn err(path: &Path, detail: impl Into<String>) -> TeamError {
    TeamError::Credentials {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Saves the URL (checked first), readable and writable by this user only.
pub fn save(path: &Path, url: &str) -> Result<ServerUrl, TeamError> {
    let parsed = ServerUrl::parse(url)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| err(path, format!("cannot create its folder: {e}")))?;
    }
    let tmp = path.with_extension("url.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .map_err(|e| err(path, format!("cannot write: {e}")))?;
    #[cfg(unix)]
    {
        // The mode above only applies to a new file; an old temporary file keeps its own.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| err(path, format!("cannot restrict its permissions: {e}")))?;
    }
    f.write_all(url.trim().as_bytes())
        .and_then(|()| f.write_all(b"\n"))
        .and_then(|()| f.sync_all())
        .map_err(|e| err(path, format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| err(path, format!("cannot write: {e}")))?;
    Ok(parsed)
}

/// Reads the URL, or None when there is no file (no team server set).
pub fn load(path: &Path) -> Result<Option<ServerUrl>, TeamError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(path, format!("cannot read: {e}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(err(
                path,
                format!(
                    "others can read it (mode {mode:o}): run `chmod 600 {}` or save it again with `parley team connect`",
                    path.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path).map_err(|e| err(path, format!("cannot read: {e}")))?;
    ServerUrl::parse(text.trim())
        .map(Some)
        .map_err(|e| err(path, e.to_string()))
}

/// `--url` if given, else the saved URL.
pub fn resolve(cli: Option<&str>) -> Result<Option<ServerUrl>, TeamError> {
    if let Some(u) = cli {
        return ServerUrl::parse(u).map(Some);
    }
    match default_path() {
        Some(p) => load(&p),
        None => Ok(None),
    }
}
