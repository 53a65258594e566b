//! Text normalisation shared by the detectors: lowercase words, de-obfuscation, light stemming.

/// Lowercase word tokens; apostrophes kept inside words ("don't"), everything else splits.
/// Common obfuscations are undone first (f***, sh1t, a$$).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev_alpha = i > 0 && chars[i - 1].is_alphabetic();
        let next_alpha = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        let mapped = match c {
            '\'' | '\u{2019}' if prev_alpha && next_alpha => Some('\''),
            '*' if prev_alpha || (!cur.is_empty()) => Some('*'),
            '$' | '@' | '0' | '1' | '3' | '!'
                if prev_alpha
                    && (next_alpha
                        || chars.get(i + 1) == Some(&'*')
                        || chars.get(i + 1) == Some(&c)) =>
            {
                Some(deleet(c))
            }
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        };
        match mapped {
            Some(m) => cur.extend(m.to_lowercase()),
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
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
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for",
    "from", "had", "has", "have", "having", "he", "her", "here", "him", "his", "how", "i", "i'd",
    "i'll", "i'm", "i've", "if", "in", "into", "is", "it", "it's", "its", "just", "let", "me",
    "my", "of", "oh", "ok", "okay", "on", "or", "our", "out", "so", "some", "than", "that",
    "that's", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to",
    "too", "uh", "um", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "why", "will", "with", "would", "yeah", "yes", "you", "you're", "your",
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
    }

    #[test]
    fn stems_match_inflections() {
        assert_eq!(stem("charged"), stem("charges"));
        assert_eq!(stem("charging"), stem("charge"));
        assert_eq!(stem("stopped"), stem("stop"));
        assert_eq!(stem("refunds"), stem("refund"));
    }
}
