//! The team server URL (it holds the password) in a file only its user can read: mode 0600,
//! in Parley's config folder, apart from the settings. A file others could read is refused.
//!
//! Two slots. The sync credential is the agent's: this PC's calls are pushed with it. A lead's
//! credential saved for reviewing goes in the review slot, so a lead signing in at an agent's PC
//! to review the team never takes over the agent's pushes (a lead's role may not file calls).
//! The review window uses the review slot when it holds one, else the sync credential.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ServerUrl, TeamError};

/// Overrides where the credentials file is (tests, several profiles on one machine).
pub const FILE_ENV: &str = "PARLEY_TEAM_FILE";
const FILE_NAME: &str = "team-server.url";
const REVIEW_FILE_NAME: &str = "team-review.url";

/// Which credential: the one this PC's calls are pushed with, or one kept for reviewing only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Sync,
    Review,
}

impl Slot {
    /// The slot a credential of this kind of member belongs in ("lead" or "agent").
    pub fn for_kind(kind: &str) -> Slot {
        if kind == "lead" {
            Slot::Review
        } else {
            Slot::Sync
        }
    }
}

/// The sync credential: `$PARLEY_TEAM_FILE`, else `team-server.url` in the OS config folder.
pub fn default_path() -> Option<PathBuf> {
    path_for(Slot::Sync)
}

/// Where a slot's file is. With `$PARLEY_TEAM_FILE` set, the review slot sits beside it
/// (`NAME.review.url`).
pub fn path_for(slot: Slot) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(FILE_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return Some(match slot {
            Slot::Sync => p,
            Slot::Review => p.with_extension("review.url"),
        });
    }
    let name = match slot {
        Slot::Sync => FILE_NAME,
        Slot::Review => REVIEW_FILE_NAME,
    };
    directories::ProjectDirs::from("", "", "parley").map(|d| d.config_dir().join(name))
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

/// Saves a checked URL in the slot its member kind belongs in; returns where. Saving an agent's
/// credential also forgets a review-only one, so the review window shows that agent's own
/// calls again.
pub fn save_for_kind(url: &str, kind: &str) -> Result<PathBuf, TeamError> {
    let slot = Slot::for_kind(kind);
    let path = path_for(slot).ok_or_else(|| {
        TeamError::BadRequest(format!("no config folder on this system: set {FILE_ENV}"))
    })?;
    save(&path, url)?;
    if slot == Slot::Sync {
        if let Some(review) = path_for(Slot::Review) {
            match std::fs::remove_file(&review) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(&review, format!("cannot remove it: {e}"))),
            }
        }
    }
    Ok(path)
}

/// The credential the review window reads with: the review slot's, else the sync one.
pub fn resolve_review() -> Result<Option<ServerUrl>, TeamError> {
    if let Some(p) = path_for(Slot::Review) {
        if let Some(url) = load(&p)? {
            return Ok(Some(url));
        }
    }
    resolve(None)
}

/// `--url` if given, else the saved sync credential.
pub fn resolve(cli: Option<&str>) -> Result<Option<ServerUrl>, TeamError> {
    if let Some(u) = cli {
        return ServerUrl::parse(u).map(Some);
    }
    match default_path() {
        Some(p) => load(&p),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leads_credential_goes_to_the_review_slot_and_an_agents_to_sync() {
        assert_eq!(Slot::for_kind("lead"), Slot::Review);
        assert_eq!(Slot::for_kind("agent"), Slot::Sync);
        assert_eq!(Slot::for_kind("none"), Slot::Sync);
    }
}
