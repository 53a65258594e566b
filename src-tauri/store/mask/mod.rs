//! Masks personal data before any text reaches disk: card numbers (Luhn-checked, typed or spoken
//! digit by digit), security codes, US social security numbers, bank account and routing numbers
//! said as such, and, as configured, email addresses and phone numbers.
//!
//! Masks contain no digits and are barriers to context look-back, so masking twice changes nothing.

use std::sync::OnceLock;

use regex::Regex;

mod tokens;

use tokens::{find_runs, tokenize, unit_digits, Kind, Run, Token};

pub const CARD: &str = "[card]";
pub const CODE: &str = "[code]";
pub const SSN: &str = "[ssn]";
pub const ACCOUNT: &str = "[account]";
pub const ROUTING: &str = "[routing]";
pub const EMAIL: &str = "[email]";
pub const PHONE: &str = "[phone]";

const MARKERS: [&str; 7] = [
    "card", "code", "ssn", "account", "routing", "email", "phone",
];

/// How far back (in words) a keyword such as "CVV" still applies to the digits that follow.
const LOOKBACK_WORDS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskOptions {
    pub emails: bool,
    pub phones: bool,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            emails: true,
            phones: true,
        }
    }
}

/// Masks with the default options (everything on).
pub fn mask(text: &str) -> String {
    static DEFAULT: OnceLock<Masker> = OnceLock::new();
    DEFAULT
        .get_or_init(|| Masker::new(MaskOptions::default()))
        .mask(text)
}

pub struct Masker {
    opts: MaskOptions,
    email: Regex,
    phone: Regex,
}

impl Masker {
    pub fn new(opts: MaskOptions) -> Masker {
        // Both patterns are fixed strings checked by the unit tests; failing to compile is a bug.
        #[allow(clippy::expect_used)]
        let email = Regex::new(r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
            .expect("email pattern");
        #[allow(clippy::expect_used)]
        let phone = Regex::new(
            r"(?x)
            (?:\+\d{1,3}[\ .-]?)?(?:\(\d{3}\)\ ?|\b\d{3}[\ .-])\d{3}[\ .-]\d{4}\b
            | \+\d{1,3}(?:[\ .-]?\d{2,4}){2,5}\b",
        )
        .expect("phone pattern");
        Masker { opts, email, phone }
    }

    pub fn options(&self) -> MaskOptions {
        self.opts
    }

    pub fn mask(&self, text: &str) -> String {
        if !text
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'@' || b.is_ascii_alphabetic())
        {
            return text.to_string();
        }
        let mut out = if self.opts.emails {
            self.email.replace_all(text, EMAIL).into_owned()
        } else {
            text.to_string()
        };
        // Formatted phone numbers go before the digit runs: masking a run first could leave
        // digits that only look like a phone once their neighbours are gone.
        if self.opts.phones {
            out = self.phone.replace_all(&out, PHONE).into_owned();
        }
        mask_runs(&out, self.opts.phones)
    }

    /// Masks every string in a JSON value (keys are ours and left alone).
    pub fn mask_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => {
                let masked = self.mask(s);
                if masked != *s {
                    *s = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.mask_json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.mask_json(v)),
            _ => {}
        }
    }
}

fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A lone spoken digit ("the one on the back") is just a word, not a barrier.
fn is_barrier(tokens: &[Token], run: &Run) -> bool {
    run.units.len() > 1 || tokens[run.units[0]].kind == Kind::Digits
}

/// The words before token `at`, nearest first, up to a barrier (a number or a mask).
fn words_before<'a>(tokens: &'a [Token], at: usize, barriers: &[bool]) -> Vec<&'a str> {
    let mut words = Vec::new();
    let mut k = at;
    while k > 0 && words.len() < LOOKBACK_WORDS {
        k -= 1;
        if barriers[k] || tokens[k].kind == Kind::Marker {
            break;
        }
        match tokens[k].kind {
            Kind::Word | Kind::DigitWord(_) => words.push(tokens[k].lower.as_str()),
            _ => {}
        }
    }
    words.reverse();
    words
}

fn has_phrase(words: &[&str], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    words.windows(p.len()).any(|w| w == p.as_slice())
}

fn any_phrase(words: &[&str], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has_phrase(words, p))
}

const CODE_WORDS: &[&str] = &[
    "security code",
    "cvv",
    "cvv2",
    "cvc",
    "cvc2",
    "csc",
    "verification code",
    "verification value",
    "card code",
    "back of the card",
];
const SSN_WORDS: &[&str] = &["social security", "ssn", "social"];
const ROUTING_WORDS: &[&str] = &["routing", "aba", "sort code", "transit number"];
const ACCOUNT_WORDS: &[&str] = &["account", "acct", "iban"];
const PHONE_WORDS: &[&str] = &["phone", "cell", "mobile", "call me at", "reach me at"];
/// Numbers that belong to the business, not the person: never card-masked.
const NOT_CARD_WORDS: &[&str] = &[
    "order",
    "tracking",
    "confirmation",
    "reference",
    "invoice",
    "ticket",
    "case",
    "transaction",
    "po",
];

/// "order number 4111..." names a business number; "ticket raised, card 4111..." does not.
fn names_business_number(words: &[&str]) -> bool {
    let near = &words[words.len().saturating_sub(3)..];
    any_phrase(near, NOT_CARD_WORDS) && !near.contains(&"card")
}

fn classify(words: &[&str], digits: &str, groups: &[usize], typed: bool) -> Option<&'static str> {
    let n = digits.len();
    if (13..=19).contains(&n) && luhn(digits) && !names_business_number(words) {
        return Some(CARD);
    }
    if typed && groups == [3, 2, 4] && valid_ssn(digits) {
        return Some(SSN);
    }
    if any_phrase(words, CODE_WORDS) && (3..=4).contains(&n) {
        return Some(CODE);
    }
    if any_phrase(words, SSN_WORDS) && (n == 9 || n == 4) {
        return Some(SSN);
    }
    if any_phrase(words, ROUTING_WORDS) && (6..=9).contains(&n) {
        return Some(ROUTING);
    }
    if any_phrase(words, ACCOUNT_WORDS) && (4..=17).contains(&n) {
        return Some(ACCOUNT);
    }
    None
}

fn valid_ssn(d: &str) -> bool {
    let (area, group, serial) = (&d[0..3], &d[3..5], &d[5..9]);
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

type Cut = (usize, usize, &'static str);

/// Finds numbers in the text and replaces those that are personal data.
fn mask_runs(text: &str, phones: bool) -> String {
    let tokens = tokenize(text);
    let runs = find_runs(&tokens);
    let mut barriers = vec![false; tokens.len()];
    for run in &runs {
        if is_barrier(&tokens, run) {
            for &u in &run.units {
                barriers[u] = true;
            }
        }
    }
    let mut cuts: Vec<Cut> = Vec::new();
    for run in &runs {
        let words = words_before(&tokens, run.units[0], &barriers);
        let parts: Vec<String> = run
            .units
            .iter()
            .map(|&u| unit_digits(&tokens[u], text))
            .collect();
        let segment = Segment {
            tokens: &tokens,
            units: &run.units,
            parts: &parts,
            phones,
        };
        if !segment.mask_whole(&words, &mut cuts) && segment.digits() > 19 {
            segment.cards_within(&words, &mut cuts);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (start, end, m) in cuts {
        out.push_str(&text[pos..start]);
        out.push_str(m);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Some consecutive units of a run.
struct Segment<'a> {
    tokens: &'a [Token],
    units: &'a [usize],
    parts: &'a [String],
    phones: bool,
}

impl Segment<'_> {
    fn digits(&self) -> usize {
        self.parts.iter().map(String::len).sum()
    }

    fn sub(&self, from: usize, to: usize) -> Segment<'_> {
        Segment {
            tokens: self.tokens,
            units: &self.units[from..to],
            parts: &self.parts[from..to],
            phones: self.phones,
        }
    }

    fn mask_whole(&self, words: &[&str], cuts: &mut Vec<Cut>) -> bool {
        if self.units.is_empty() {
            return false;
        }
        let digits = self.parts.concat();
        let typed = self
            .units
            .iter()
            .all(|&u| self.tokens[u].kind == Kind::Digits);
        let groups: Vec<usize> = self.parts.iter().map(String::len).collect();
        let found = classify(words, &digits, &groups, typed).or_else(|| {
            (self.phones && any_phrase(words, PHONE_WORDS) && (7..=15).contains(&digits.len()))
                .then_some(PHONE)
        });
        match found {
            Some(m) => {
                let first = self.units[0];
                let last = self.units[self.units.len() - 1];
                cuts.push((self.tokens[first].start, self.tokens[last].end, m));
                true
            }
            None => false,
        }
    }

    /// A card inside a longer run ("4111 1111 1111 1111 12 25"): tries unit-aligned slices;
    /// what is left around a card is judged on its own, as a second pass would see it.
    fn cards_within(&self, words: &[&str], cuts: &mut Vec<Cut>) {
        if names_business_number(words) {
            return;
        }
        let mut i = 0;
        let mut rest_from = 0;
        while i < self.parts.len() {
            let mut found = None;
            let mut len = 0;
            for j in i..self.parts.len() {
                len += self.parts[j].len();
                if len > 19 {
                    break;
                }
                if len >= 13 && luhn(&self.parts[i..=j].concat()) {
                    found = Some(j);
                }
            }
            match found {
                Some(j) => {
                    let before = if rest_from == 0 { words } else { &[] };
                    self.sub(rest_from, i).mask_whole(before, cuts);
                    cuts.push((
                        self.tokens[self.units[i]].start,
                        self.tokens[self.units[j]].end,
                        CARD,
                    ));
                    i = j + 1;
                    rest_from = i;
                }
                None => i += 1,
            }
        }
        if rest_from > 0 {
            self.sub(rest_from, self.parts.len()).mask_whole(&[], cuts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(luhn("378282246310005"));
    }

    #[test]
    fn patterns_compile() {
        let m = Masker::new(MaskOptions::default());
        assert_eq!(m.mask("a@b.co"), EMAIL);
    }
}
