//! Phrase lists from the playbook, matched on normalised words.
//!
//! Pattern syntax, word by word: a plain word matches itself; `word*` matches any word starting
//! with `word`; `_` matches exactly one word; `..` matches up to three words.

use super::text::words;

#[derive(Debug, Clone, Default)]
pub struct PhraseSet {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Prefix(String),
    Any,
    Gap,
}

/// A pattern that cannot match anything useful.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("phrase {phrase:?}: {reason}")]
pub struct PhraseError {
    pub phrase: String,
    pub reason: &'static str,
}

impl PhraseSet {
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Result<PhraseSet, PhraseError> {
        let mut patterns = Vec::with_capacity(phrases.len());
        for p in phrases {
            let source = p.as_ref().trim().to_string();
            let mut tokens = Vec::new();
            for raw in source.split_whitespace() {
                let raw = raw.to_lowercase();
                let tok = if raw == "_" {
                    Token::Any
                } else if raw == ".." {
                    Token::Gap
                } else if let Some(prefix) = raw.strip_suffix('*') {
                    let w = words(prefix);
                    if w.len() != 1 {
                        return Err(PhraseError {
                            phrase: source,
                            reason: "a wildcard must follow letters",
                        });
                    }
                    Token::Prefix(w[0].clone())
                } else {
                    let w = words(&raw);
                    if w.is_empty() {
                        return Err(PhraseError {
                            phrase: source,
                            reason: "contains a token with no letters",
                        });
                    }
                    // "e-mail" becomes two words.
                    tokens.extend(w.into_iter().map(Token::Word));
                    continue;
                };
                tokens.push(tok);
            }
            if tokens.is_empty() || tokens.iter().all(|t| matches!(t, Token::Any | Token::Gap)) {
                return Err(PhraseError {
                    phrase: source,
                    reason: "has no words to match",
                });
            }
            patterns.push(Pattern { source, tokens });
        }
        Ok(PhraseSet { patterns })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern found in the text, as written in the playbook.
    pub fn find(&self, text: &str) -> Option<&str> {
        let w = words(text);
        self.find_in_words(&w)
    }

    pub fn find_in_words(&self, w: &[String]) -> Option<&str> {
        self.patterns
            .iter()
            .find(|p| (0..w.len()).any(|i| matches_at(&p.tokens, &w[i..])))
            .map(|p| p.source.as_str())
    }

    /// Word index where a pattern first matches (for negation and quoting checks).
    pub fn find_position(&self, w: &[String]) -> Option<(usize, &str)> {
        (0..w.len()).find_map(|i| {
            self.patterns
                .iter()
                .find(|p| matches_at(&p.tokens, &w[i..]))
                .map(|p| (i, p.source.as_str()))
        })
    }

    pub fn count(&self, text: &str) -> usize {
        let w = words(text);
        let mut n = 0;
        let mut i = 0;
        while i < w.len() {
            if self.patterns.iter().any(|p| matches_at(&p.tokens, &w[i..])) {
                n += 1;
            }
            i += 1;
        }
        n
    }
}

fn matches_at(tokens: &[Token], w: &[String]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return true;
    };
    match first {
        Token::Gap => (0..=3.min(w.len())).any(|skip| matches_at(rest, &w[skip..])),
        _ => {
            let Some((word, wrest)) = w.split_first() else {
                return false;
            };
            let ok = match first {
                Token::Word(s) => word == s,
                Token::Prefix(p) => word.starts_with(p.as_str()),
                Token::Any => true,
                Token::Gap => unreachable!(),
            };
            ok && matches_at(rest, wrest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_prefix_and_gaps() {
        let set = PhraseSet::new(&[
            "call you back",
            "apolog*",
            "within _ hours",
            "i .. help you",
        ])
        .unwrap();
        assert_eq!(
            set.find("I'll call you back tomorrow"),
            Some("call you back")
        );
        assert_eq!(set.find("My apologies for that"), Some("apolog*"));
        assert_eq!(set.find("within 48 hours"), Some("within _ hours"));
        assert_eq!(set.find("I can definitely help you"), Some("i .. help you"));
        assert_eq!(set.find("nothing here"), None);
        assert_eq!(set.count("sorry, I apologize, apologies"), 2);
    }

    #[test]
    fn hyphenated_words_split_in_order() {
        let set = PhraseSet::new(&["follow-up call"]).unwrap();
        assert_eq!(set.find("a follow up call"), Some("follow-up call"));
    }

    #[test]
    fn empty_patterns_are_refused() {
        assert!(PhraseSet::new(&["_ .."]).is_err());
        assert!(PhraseSet::new(&["!!!"]).is_err());
    }
}
