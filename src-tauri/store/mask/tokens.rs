//! Splits text into words, numbers, punctuation and our own masks, and finds runs of digits
//! (typed groups or digits said as words).

use super::MARKERS;

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// ASCII digits only.
    Digits,
    /// A digit said as a word ("four"); the char is the digit.
    DigitWord(char),
    /// "double four", "triple one": the digit and how many times.
    Repeated(char, usize),
    Word,
    /// One of our own masks, e.g. `[card]`.
    Marker,
    Punct(char),
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub lower: String,
}

fn digit_word(w: &str) -> Option<char> {
    Some(match w {
        "zero" | "oh" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        _ => return None,
    })
}

pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if n.is_alphanumeric() || n == '_' {
                    end = i + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &text[start..end];
            let lower = word.to_lowercase();
            let kind = if word.bytes().all(|b| b.is_ascii_digit()) {
                Kind::Digits
            } else if let Some(d) = digit_word(&lower) {
                Kind::DigitWord(d)
            } else {
                Kind::Word
            };
            tokens.push(Token {
                kind,
                start,
                end,
                lower,
            });
        } else {
            tokens.push(Token {
                kind: Kind::Punct(c),
                start,
                end: start + c.len_utf8(),
                lower: String::new(),
            });
        }
    }
    merge_repeats(mark_markers(text, tokens))
}

/// Folds "double"/"triple" and the spoken digit after it into one token.
fn merge_repeats(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let times = match tokens[i].lower.as_str() {
            "double" => 2,
            "triple" => 3,
            _ => 0,
        };
        if let (
            true,
            Some(Token {
                kind: Kind::DigitWord(d),
                end,
                ..
            }),
        ) = (times > 0, tokens.get(i + 1))
        {
            out.push(Token {
                kind: Kind::Repeated(*d, times),
                start: tokens[i].start,
                end: *end,
                lower: String::new(),
            });
            i += 2;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Folds `[` word `]` into one marker token when it is one of our masks.
fn mark_markers(text: &str, tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let (Kind::Punct('['), Some(w), Some(close)) =
            (&tokens[i].kind, tokens.get(i + 1), tokens.get(i + 2))
        {
            let joined = text.get(tokens[i].start..close.end);
            if close.kind == Kind::Punct(']')
                && MARKERS.contains(&w.lower.as_str())
                && joined == Some(&format!("[{}]", w.lower))
            {
                out.push(Token {
                    kind: Kind::Marker,
                    start: tokens[i].start,
                    end: close.end,
                    lower: w.lower.clone(),
                });
                i += 3;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// A run of digit units (typed groups or spoken digits) joined by spaces or single `-` `,` `.`.
pub struct Run {
    /// Token indexes of the units.
    pub units: Vec<usize>,
}

fn is_unit(t: &Token) -> bool {
    matches!(
        t.kind,
        Kind::Digits | Kind::DigitWord(_) | Kind::Repeated(..)
    )
}

pub fn find_runs(tokens: &[Token]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_unit(&tokens[i]) {
            i += 1;
            continue;
        }
        let mut units = vec![i];
        let mut j = i + 1;
        loop {
            match tokens.get(j) {
                Some(t) if is_unit(t) => {
                    units.push(j);
                    j += 1;
                }
                Some(Token {
                    kind: Kind::Punct('-' | ',' | '.'),
                    ..
                }) if tokens.get(j + 1).is_some_and(is_unit) => {
                    units.push(j + 1);
                    j += 2;
                }
                _ => break,
            }
        }
        runs.push(Run { units });
        i = j;
    }
    runs
}

pub fn unit_digits(t: &Token, text: &str) -> String {
    match t.kind {
        Kind::DigitWord(d) => d.to_string(),
        Kind::Repeated(d, n) => d.to_string().repeat(n),
        _ => text[t.start..t.end].to_string(),
    }
}
