//! Text normalisation shared by the detectors: lowercase words, de-obfuscation, light stemming.

/// Lowercase word tokens; apostrophes kept inside words ("don't"), everything else splits.
/// Common obfuscations are undone first (sh1t, a$$, b@stard, fuuuck); masked letters stay as
/// `*` ("f***ing") for the lexicons to resolve.
pub fn words(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.word).collect()
}

/// A word with where it sits: inside quotation marks, and which clause of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub word: String,
    pub quoted: bool,
    pub clause: u16,
}

/// Words with quotation and clause marks. Quoting only counts when the marks pair up.
pub fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let straight_quotes = chars.iter().filter(|&&c| c == '"').count();
    let opening = chars.iter().filter(|&&c| c == '\u{201c}').count();
    let closing = chars.iter().filter(|&&c| c == '\u{201d}').count();
    let quotes_pair = straight_quotes % 2 == 0 && opening == closing;
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut clause: u16 = 0;
    let flush = |cur: &mut String, out: &mut Vec<Token>, quoted: bool, clause: u16| {
        if !cur.is_empty() {
            out.push(Token {
                word: collapse_runs(&std::mem::take(cur)),
                quoted,
                clause,
            });
        }
    };
    let mut skip_until = 0;
    for (i, &c) in chars.iter().enumerate() {
        if i < skip_until {
            continue;
        }
        // A handle ("@someone") names an account, it is not a word of the sentence.
        if c == '@' && cur.is_empty() && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) {
            skip_until = i + 1;
            while chars
                .get(skip_until)
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
            {
                skip_until += 1;
            }
            continue;
        }
        let prev_alpha = i > 0 && chars[i - 1].is_alphabetic();
        let next = chars.get(i + 1).copied();
        let next_alpha = next.is_some_and(|n| n.is_alphabetic());
        let in_word = !cur.is_empty();
        let mapped = match c {
            '\'' | '\u{2019}' if prev_alpha && next_alpha => Some('\''),
            '*' if in_word => Some('*'),
            '$' | '@' if in_word || (c == '$' && next_alpha) => Some(deleet(c)),
            '0' | '1' | '3' | '!' if prev_alpha && (next_alpha || next == Some('*')) => {
                Some(deleet(c))
            }
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        };
        match mapped {
            Some(m) => cur.extend(m.to_lowercase()),
            None => {
                flush(&mut cur, &mut out, quoted, clause);
                match c {
                    '"' | '\u{201c}' | '\u{201d}' if quotes_pair => {
                        quoted = match c {
                            '\u{201c}' => true,
                            '\u{201d}' => false,
                            _ => !quoted,
                        };
                    }
                    '.' | '!' | '?' | ';' | '\n' => clause = clause.saturating_add(1),
                    _ => {}
                }
            }
        }
    }
    flush(&mut cur, &mut out, quoted, clause);
    out
}

/// "fuuuuck" -> "fuck", "stuuupid" -> "stupid": runs of three or more letters become one.
fn collapse_runs(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let run = if j - i >= 3 && chars[i].is_alphabetic() {
            1
        } else {
            j - i
        };
        out.extend(std::iter::repeat_n(chars[i], run));
        i = j;
    }
    out
}

fn deleet(c: char) -> char {
    match c {
        '$' => 's',
        '@' => 'a',
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        other => other,
    }
}

/// A light suffix-stripping stemmer: enough to match "charged"/"charges"/"charging".
pub fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s");
    let len = w.chars().count();
    if len <= 3 {
        return w.to_string();
    }
    for (suffix, min_stem, replace) in [
        ("ational", 3, "ate"),
        ("ization", 3, "ize"),
        ("fulness", 3, "ful"),
        ("iveness", 3, "ive"),
        ("ements", 3, ""),
        ("ement", 3, ""),
        ("ments", 3, ""),
        ("ment", 3, ""),
        ("ness", 3, ""),
        ("ingly", 3, ""),
        ("edly", 3, ""),
        ("ings", 3, ""),
        ("ing", 3, ""),
        ("ies", 2, "y"),
        ("ied", 2, "y"),
        ("ed", 3, ""),
        ("ly", 3, ""),
        ("es", 3, ""),
        ("s", 3, ""),
    ] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= min_stem && !(suffix == "s" && base.ends_with('s')) {
                let mut s = base.to_string();
                // "stopp" -> "stop", "charg" stays.
                let b: Vec<char> = s.chars().collect();
                if replace.is_empty()
                    && b.len() >= 2
                    && b[b.len() - 1] == b[b.len() - 2]
                    && !matches!(b[b.len() - 1], 'l' | 's' | 'z')
                {
                    s.pop();
                }
                s.push_str(replace);
                return s.trim_end_matches('e').to_string();
            }
        }
    }
    w.trim_end_matches('e').to_string()
}

/// Words with stems, for overlap measures.
pub fn stems(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

/// Short function words that carry no content.
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

// Sorted for binary search.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "aren't", "as", "at",
    "be", "been", "before", "being", "but", "by", "can", "can't", "could", "did", "didn't", "do",
    "does", "doesn't", "doing", "don't", "for", "from", "had", "has", "hasn't", "have", "haven't",
    "having", "he", "her", "here", "him", "his", "how", "i", "i'd", "i'll", "i'm", "i've", "if",
    "in", "into", "is", "isn't", "it", "it'll", "it's", "its", "just", "let", "me", "my", "of",
    "oh", "ok", "okay", "on", "or", "our", "out", "so", "some", "than", "that", "that's", "the",
    "their", "them", "then", "there", "there's", "these", "they", "they're", "this", "those", "to",
    "too", "uh", "um", "up", "very", "was", "wasn't", "we", "we're", "we've", "were", "what",
    "what's", "when", "where", "which", "while", "who", "why", "will", "with", "won't", "would",
    "yeah", "yes", "you", "you'd", "you'll", "you're", "you've", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
    }

    #[test]
    fn words_keep_contractions_and_undo_leet() {
        assert_eq!(
            words("I don't KNOW, sh1t!"),
            vec!["i", "don't", "know", "shit"]
        );
        assert_eq!(
            words("what a f***ing mess"),
            vec!["what", "a", "f***ing", "mess"]
        );
        assert_eq!(
            words("a$$hole b@stard $hit"),
            vec!["asshole", "bastard", "shit"]
        );
        assert_eq!(words("fuuuuck @USER 24 hours"), vec!["fuck", "24", "hours"]);
        assert_eq!(words("great!! really"), vec!["great", "really"]);
    }

    #[test]
    fn tokens_mark_quotes_and_clauses() {
        let t = tokens("He said \"you idiot\". Then you left");
        let quoted: Vec<&str> = t
            .iter()
            .filter(|t| t.quoted)
            .map(|t| t.word.as_str())
            .collect();
        assert_eq!(quoted, vec!["you", "idiot"]);
        assert_eq!(t.last().map(|t| t.clause), Some(1));
        // An unpaired quote mark quotes nothing.
        assert!(tokens("you \"idiot").iter().all(|t| !t.quoted));
    }

    #[test]
    fn stems_match_inflections() {
        assert_eq!(stem("charged"), stem("charges"));
        assert_eq!(stem("charging"), stem("charge"));
        assert_eq!(stem("stopped"), stem("stop"));
        assert_eq!(stem("refunds"), stem("refund"));
    }
}
