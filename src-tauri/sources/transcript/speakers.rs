//! Speaker names in transcripts ("Agent", "Rep Jo", "Caller") mapped to roles.

use std::collections::HashMap;

use crate::engine::Speaker;

/// Case-insensitive name-to-role map. A multi-word name that is not in the map is tried by its
/// first word too, so "Rep Jo" resolves through "rep".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerMap {
    names: HashMap<String, Speaker>,
}

const DEFAULT_AGENT: [&str; 4] = ["agent", "rep", "csr", "representative"];
const DEFAULT_CUSTOMER: [&str; 3] = ["customer", "caller", "client"];

impl Default for SpeakerMap {
    fn default() -> SpeakerMap {
        let mut map = SpeakerMap::empty();
        for name in DEFAULT_AGENT {
            map.insert(name, Speaker::Agent);
        }
        for name in DEFAULT_CUSTOMER {
            map.insert(name, Speaker::Customer);
        }
        map
    }
}

/// A `NAME=ROLE` entry that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("speaker mapping \"{entry}\": {reason}")]
pub struct SpeakerSpecError {
    pub entry: String,
    pub reason: &'static str,
}

impl SpeakerMap {
    /// A map that knows no names at all.
    pub fn empty() -> SpeakerMap {
        SpeakerMap {
            names: HashMap::new(),
        }
    }

    /// Maps `name` (any case, surrounding spaces ignored) to `role`, replacing an earlier mapping.
    pub fn insert(&mut self, name: &str, role: Speaker) {
        self.names.insert(normalise(name), role);
    }

    /// Adds a `NAME=ROLE` entry as a command line or config would give it, e.g. `Jo=agent`.
    pub fn add_spec(&mut self, entry: &str) -> Result<(), SpeakerSpecError> {
        let fail = |reason| SpeakerSpecError {
            entry: entry.to_string(),
            reason,
        };
        let (name, role) = entry
            .rsplit_once('=')
            .ok_or_else(|| fail("expected NAME=agent or NAME=customer"))?;
        if name.trim().is_empty() {
            return Err(fail("the name is empty"));
        }
        let role = match role.trim().to_ascii_lowercase().as_str() {
            "agent" => Speaker::Agent,
            "customer" => Speaker::Customer,
            _ => return Err(fail("the role must be agent or customer")),
        };
        self.insert(name, role);
        Ok(())
    }

    /// The role for a name: the whole name, then its first word, then the role names
    /// themselves ("agent", "customer"), which every map understands.
    pub fn resolve(&self, name: &str) -> Option<Speaker> {
        let name = normalise(name);
        if let Some(role) = self.names.get(&name) {
            return Some(*role);
        }
        let first = name.split_whitespace().next()?;
        self.names.get(first).copied().or(match first {
            "agent" => Some(Speaker::Agent),
            "customer" => Some(Speaker::Customer),
            _ => None,
        })
    }
}

/// Lowercase, single spaces, no spaces at the ends.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_first_word() {
        let map = SpeakerMap::default();
        assert_eq!(map.resolve("AGENT"), Some(Speaker::Agent));
        assert_eq!(map.resolve(" Caller "), Some(Speaker::Customer));
        assert_eq!(map.resolve("Rep  Jo"), Some(Speaker::Agent));
        assert_eq!(map.resolve("Jo"), None);
        assert_eq!(map.resolve(""), None);
    }

    #[test]
    fn specs() {
        let mut map = SpeakerMap::empty();
        map.add_spec("Mary Smith=Agent").unwrap();
        assert_eq!(map.resolve("mary smith"), Some(Speaker::Agent));
        assert_eq!(map.resolve("Mary"), None);
        assert_eq!(map.resolve("Customer"), Some(Speaker::Customer));
        assert!(map.add_spec("Mary").is_err());
        assert!(map.add_spec("=agent").is_err());
        assert!(map.add_spec("Mary=boss").is_err());
    }
}
