//! Which Whisper model to run: base (multilingual, the default: better on phone audio), tiny.en
//! (faster, weaker on phone audio) or a ggml file of the user's own. `scripts/install-whisper.sh`
//! puts the first two in `$XDG_DATA_HOME/parley/models/whisper/`.

use std::path::{Path, PathBuf};

use super::SttError;

/// Overrides the model (a name or a file) for every command and the app.
pub const MODEL_ENV: &str = "PARLEY_STT_MODEL";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    Base,
    TinyEn,
    File(PathBuf),
}

impl std::str::FromStr for ModelChoice {
    type Err = std::convert::Infallible;

    /// "base", "tiny.en", or anything else as a path.
    fn from_str(s: &str) -> Result<ModelChoice, Self::Err> {
        Ok(match s {
            "base" => ModelChoice::Base,
            "tiny.en" => ModelChoice::TinyEn,
            path => ModelChoice::File(PathBuf::from(path)),
        })
    }
}

impl ModelChoice {
    /// The installed file name of a named model.
    fn file_name(&self) -> Option<&'static str> {
        match self {
            ModelChoice::Base => Some("ggml-base-q8_0.bin"),
            ModelChoice::TinyEn => Some("ggml-tiny.en-q8_0.bin"),
            ModelChoice::File(_) => None,
        }
    }
}

/// Where the install script puts models: `$XDG_DATA_HOME/parley/models/whisper`
/// (`~/.local/share/...` when unset).
pub fn models_dir() -> Option<PathBuf> {
    match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => directories::BaseDirs::new().map(|d| d.data_dir().to_path_buf()),
    }
    .map(|d| d.join("parley").join("models").join("whisper"))
}

/// The model file to load: the choice given, else `PARLEY_STT_MODEL`, else base.
/// Ok(None) when a named model is not installed (the app then coaches on pacing); an error when a
/// file the user named does not exist.
pub fn find_model(choice: Option<&ModelChoice>) -> Result<Option<PathBuf>, SttError> {
    let from_env = std::env::var(MODEL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.parse::<ModelChoice>().unwrap_or(ModelChoice::Base));
    let choice = choice.cloned().or(from_env).unwrap_or(ModelChoice::Base);
    resolve(&choice, models_dir().as_deref())
}

fn resolve(choice: &ModelChoice, dir: Option<&Path>) -> Result<Option<PathBuf>, SttError> {
    match (choice, choice.file_name()) {
        (ModelChoice::File(path), _) => {
            if path.is_file() {
                Ok(Some(path.clone()))
            } else {
                Err(SttError::Model {
                    path: path.clone(),
                    reason: "no such file".into(),
                })
            }
        }
        (_, Some(name)) => Ok(dir.map(|d| d.join(name)).filter(|p| p.is_file())),
        (_, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_models_are_found_in_the_models_folder_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(resolve(&ModelChoice::Base, Some(dir.path())).unwrap(), None);
        assert_eq!(resolve(&ModelChoice::Base, None).unwrap(), None);
        let tiny = dir.path().join("ggml-tiny.en-q8_0.bin");
        std::fs::write(&tiny, b"x").unwrap();
        assert_eq!(
            resolve(&"tiny.en".parse().unwrap(), Some(dir.path())).unwrap(),
            Some(tiny.clone())
        );
        assert_eq!(
            resolve(&ModelChoice::File(tiny.clone()), None).unwrap(),
            Some(tiny)
        );
    }

    #[test]
    fn a_missing_file_of_the_users_own_is_an_error_naming_it() {
        let e = resolve(&"/nonexistent/model.bin".parse().unwrap(), None).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/model.bin"), "{e}");
        assert!(e.to_string().contains("no such file"), "{e}");
    }
}
