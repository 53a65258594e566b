//! Word lists matched at every position, with stems (`idiot*`) and masked spellings (f***, b*tch).

use super::phrases::PhraseError;
use super::text::words;

#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Word(String),
    Prefix(String),
}

impl Part {
    fn text(&self) -> &str {
        match self {
            Part::Word(w) | Part::Prefix(w) => w,
        }
    }

    fn matches(&self, word: &str) -> bool {
        match self {
            Part::Word(w) => w == word,
            Part::Prefix(p) => word.starts_with(p.as_str()),
        }
    }
}

/// Endings a masked word may carry past its stem ("f***ing", "sh*tty").
const ENDINGS: &[&str] = &[
    "ing", "in", "er", "ers", "ed", "s", "y", "ty", "head", "hole",
];

/// "f***ing" is "fuck*" with letters hidden: the visible head starts the entry, the hidden and
/// visible letters together are as long as the entry, and what is left over is an ending.
fn masked_match(word: &str, part: &Part) -> Option<String> {
    let head = word.split('*').next().unwrap_or("");
    let tail = word.rsplit('*').next().unwrap_or("");
    let entry = part.text();
    if head.is_empty() || !entry.starts_with(head) || word.contains(char::is_numeric) {
        return None;
    }
    let hidden = word.len() - head.len() - tail.len();
    if hidden == 0 {
        return None;
    }
    std::iter::once("")
        .chain(ENDINGS.iter().copied())
        .find(|ending| {
            tail.strip_suffix(ending).is_some_and(|core| {
                (ending.is_empty() || matches!(part, Part::Prefix(_)))
                    && entry.ends_with(core)
                    && head.len() + hidden + core.len() == entry.len()
            })
        })
        .map(|ending| format!("{entry}{ending}"))
}

impl Lexicon {
    pub fn new<S: AsRef<str>>(list: &[S]) -> Result<Lexicon, PhraseError> {
        let mut entries = Vec::with_capacity(list.len());
        for item in list {
            let source = item.as_ref().trim().to_lowercase();
            let mut parts = Vec::new();
            for raw in source.split_whitespace() {
                let (body, prefix) = match raw.strip_suffix('*') {
                    Some(b) if !b.contains('*') => (b, true),
                    _ => (raw, false),
                };
                let w = words(body);
                if w.is_empty() || (prefix && w.len() != 1) {
                    return Err(PhraseError {
                        phrase: source.clone(),
                        reason: "each word needs letters; a trailing * must follow one word",
                    });
                }
                let n = w.len();
                for (k, word) in w.into_iter().enumerate() {
                    parts.push(if prefix && k + 1 == n {
                        Part::Prefix(word)
                    } else {
                        Part::Word(word)
                    });
                }
            }
            entries.push(Entry { source, parts });
        }
        Ok(Lexicon { entries })
    }

    /// The plain word a masked one ("f***ing") stands for, from the first entry that fits.
    pub fn unmask(&self, word: &str) -> Option<String> {
        if !word.contains('*') {
            return None;
        }
        self.entries
            .iter()
            .filter(|e| e.parts.len() == 1)
            .find_map(|e| masked_match(word, &e.parts[0]))
    }

    /// The longest entry matching at word `i`, with how many words it covers.
    pub fn at(&self, w: &[String], i: usize) -> Option<(usize, &str)> {
        self.entries
            .iter()
            .filter_map(|e| {
                let n = e.parts.len();
                let fits =
                    i + n <= w.len() && e.parts.iter().zip(&w[i..]).all(|(p, x)| p.matches(x));
                fits.then_some((n, e.source.as_str()))
            })
            .max_by_key(|(n, _)| *n)
    }

    pub fn contains(&self, word: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.parts.len() == 1 && e.parts[0].matches(word))
    }

    /// Every (start, words covered, entry) in order.
    pub fn all(&self, w: &[String]) -> Vec<(usize, usize, &str)> {
        (0..w.len())
            .filter_map(|i| self.at(w, i).map(|(n, s)| (i, n, s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn stems_phrases_and_masks() {
        let lex =
            Lexicon::new(&["fuck*", "shit*", "idiot*", "asshole*", "stfu", "shut up"]).unwrap();
        for (text, hit) in [
            ("what the f***", true),
            ("f***ing hell", true),
            ("f**king", true),
            ("sh*t", true),
            ("a**hole", true),
            ("idiots", true),
            ("please shut up", true),
            ("shutting", false),
            ("***", false),
            ("s**", false),
        ] {
            let words: Vec<String> = w(text)
                .into_iter()
                .map(|x| lex.unmask(&x).unwrap_or(x))
                .collect();
            assert_eq!(!lex.all(&words).is_empty(), hit, "{text}");
        }
    }

    #[test]
    fn masks_resolve_to_the_first_fitting_entry() {
        let lex = Lexicon::new(&["shit*", "stfu", "fuck*"]).unwrap();
        assert_eq!(lex.unmask("s***").as_deref(), Some("shit"));
        assert_eq!(lex.unmask("f***ing").as_deref(), Some("fucking"));
        assert_eq!(lex.unmask("plain"), None);
    }

    #[test]
    fn entries_without_letters_are_refused() {
        assert!(Lexicon::new(&["!!"]).is_err());
        assert!(Lexicon::new(&["go away*"]).is_ok());
    }
}
