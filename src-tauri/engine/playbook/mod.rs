//! Loading and validating playbooks. A bad playbook is refused with the file, line, key and reason.

mod locate;
mod model;
mod validate;

use std::path::{Path, PathBuf};

pub use model::*;

/// The default playbook shipped with Parley.
pub const BUILTIN_NAME: &str = "difficult-call";
const BUILTIN_SOURCE: &str = include_str!("../../../assets/playbooks/difficult-call.toml");

#[derive(Debug, thiserror::Error)]
pub enum PlaybookError {
    #[error("cannot read playbook {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("playbook {origin} line {line}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("playbook {origin} line {line}: `{key}` {reason}")]
    Invalid {
        origin: String,
        line: usize,
        key: String,
        reason: String,
    },
}

impl Playbook {
    /// The built-in "difficult-call" playbook.
    pub fn builtin() -> Playbook {
        match Playbook::parse(BUILTIN_SOURCE, "difficult-call.toml") {
            Ok(p) => p,
            // The shipped file is checked by tests; failing here means a broken build.
            Err(e) => panic!("built-in playbook is invalid: {e}"),
        }
    }

    /// The pacing limits a call coached with this playbook is held to.
    pub fn pacing_limits(&self) -> crate::engine::PacingLimits {
        crate::engine::PacingLimits {
            talk_share_max: self.thresholds.talk_share_max,
            fast_wpm: self.thresholds.fast_wpm,
        }
    }

    pub fn builtin_source() -> &'static str {
        BUILTIN_SOURCE
    }

    pub fn load(path: &Path) -> Result<Playbook, PlaybookError> {
        let src = std::fs::read_to_string(path).map_err(|source| PlaybookError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Playbook::parse(&src, &path.display().to_string())
    }

    /// Parse and validate; `origin` names the source in errors.
    pub fn parse(src: &str, origin: &str) -> Result<Playbook, PlaybookError> {
        let playbook: Playbook = toml::from_str(src).map_err(|e| {
            let line = e
                .span()
                .map(|s| src[..s.start.min(src.len())].lines().count().max(1))
                .unwrap_or(0);
            PlaybookError::Syntax {
                origin: origin.to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        validate::validate(&playbook).map_err(|v| PlaybookError::Invalid {
            origin: origin.to_string(),
            line: locate::line_of(src, &v.table, v.nth, v.key.as_deref()),
            key: v.path(),
            reason: v.reason,
        })?;
        Ok(playbook)
    }

    pub fn rule(&self, rule: crate::engine::output::Rule) -> &RuleText {
        // validate() guarantees every rule is present.
        &self.rules[rule.as_str()]
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The id of the (first) item ticked by this kind of detection.
    pub fn item_for(&self, detect: Detect) -> Option<&str> {
        self.items
            .iter()
            .find(|i| i.detect == detect)
            .map(|i| i.id.as_str())
    }

    pub fn phase_index(&self, id: &str) -> Option<usize> {
        self.phases.iter().position(|p| p.id == id)
    }

    /// Apply `key = value` overrides to the thresholds table (settings, command line).
    pub fn override_thresholds(
        &mut self,
        overrides: &[(String, f64)],
    ) -> Result<(), PlaybookError> {
        let mut table =
            toml::Value::try_from(&self.thresholds).map_err(|e| PlaybookError::Invalid {
                origin: "thresholds".into(),
                line: 0,
                key: "thresholds".into(),
                reason: e.to_string(),
            })?;
        for (key, value) in overrides {
            let Some(slot) = table.get_mut(key) else {
                return Err(PlaybookError::Invalid {
                    origin: "threshold override".into(),
                    line: 0,
                    key: key.clone(),
                    reason: "is not a known threshold".into(),
                });
            };
            *slot = match slot {
                toml::Value::Integer(_) => toml::Value::Integer(*value as i64),
                _ => toml::Value::Float(*value),
            };
        }
        let thresholds: Thresholds =
            table
                .try_into()
                .map_err(|e: toml::de::Error| PlaybookError::Invalid {
                    origin: "threshold override".into(),
                    line: 0,
                    key: "thresholds".into(),
                    reason: e.message().to_string(),
                })?;
        let mut candidate = self.clone();
        candidate.thresholds = thresholds;
        validate::validate(&candidate).map_err(|v| PlaybookError::Invalid {
            origin: "threshold override".into(),
            line: 0,
            key: v.path(),
            reason: v.reason,
        })?;
        *self = candidate;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
