//! The endpoint's shared secret: generated once, kept in the OS config directory, overridable by
//! a flag or `PARLEY_TOKEN`.

use std::path::{Path, PathBuf};

use super::IngestError;

/// Environment variable that overrides the stored token.
pub const TOKEN_ENV: &str = "PARLEY_TOKEN";
const TOKEN_FILE: &str = "ingest-token";
const TOKEN_BYTES: usize = 24;
/// Shorter secrets are guessable by a local process that tries many.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Where the token came from, so `parley serve` can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Flag,
    Env,
    File(PathBuf),
    Generated(PathBuf),
}

/// `<config dir>/parley/ingest-token`, when the OS has a config directory.
pub fn default_token_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "parley").map(|d| d.config_dir().join(TOKEN_FILE))
}

/// The flag, else `PARLEY_TOKEN`, else the stored token (created on first use).
pub fn resolve_token(
    flag: Option<&str>,
    file: Option<&Path>,
) -> Result<(String, TokenSource), IngestError> {
    if let Some(t) = flag {
        return check(t).map(|t| (t, TokenSource::Flag));
    }
    if let Ok(t) = std::env::var(TOKEN_ENV) {
        return check(&t).map(|t| (t, TokenSource::Env));
    }
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => default_token_path().ok_or(IngestError::NoConfigDir)?,
    };
    load_or_create(&path)
}

/// Reads the token at `path`, creating the file with a fresh token if it does not exist.
pub fn load_or_create(path: &Path) -> Result<(String, TokenSource), IngestError> {
    let io = |source| IngestError::TokenFile {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => check(text.trim()).map(|t| (t, TokenSource::File(path.to_path_buf()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = generate()?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            write_private(path, &token).map_err(io)?;
            Ok((token, TokenSource::Generated(path.to_path_buf())))
        }
        Err(e) => Err(io(e)),
    }
}

/// A fresh random token, hex.
pub fn generate() -> Result<String, IngestError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| IngestError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn check(token: &str) -> Result<String, IngestError> {
    let ok = token.len() >= MIN_TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(token.to_string())
    } else {
        Err(IngestError::BadToken)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    writeln!(f, "{token}")
}

#[cfg(not(unix))]
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{token}\n"))
}

/// Compares without stopping at the first differing byte, so timing tells nothing.
pub(crate) fn same_token(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_then_reuses_the_stored_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("ingest-token");
        let (first, src) = load_or_create(&path).unwrap();
        assert_eq!(src, TokenSource::Generated(path.clone()));
        assert_eq!(first.len(), TOKEN_BYTES * 2);
        let (again, src) = load_or_create(&path).unwrap();
        assert_eq!(again, first);
        assert_eq!(src, TokenSource::File(path));
    }

    #[test]
    fn refuses_short_tokens() {
        assert!(matches!(check("short"), Err(IngestError::BadToken)));
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("ab", "abc"));
    }
}
