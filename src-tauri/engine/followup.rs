//! When a promised follow-up is due, from the words of the promise.

use super::language::text::words;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

fn number(word: &str) -> Option<u64> {
    if let Ok(n) = word.parse::<u64>() {
        return Some(n);
    }
    Some(match word {
        "a" | "an" | "one" => 1,
        "two" | "couple" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "fourteen" => 14,
        "fifteen" => 15,
        "few" => 3,
        "twenty" => 20,
        "thirty" => 30,
        "fortyeight" => 48,
        "seventytwo" => 72,
        "twentyfour" => 24,
        _ => return None,
    })
}

fn unit(word: &str) -> Option<u64> {
    Some(match word.trim_end_matches('s') {
        "minute" | "min" => 60_000,
        "hour" | "hr" => HOUR_MS,
        "day" => DAY_MS,
        "week" => 7 * DAY_MS,
        _ => return None,
    })
}

/// How long after the promise the follow-up is due, if the words say ("within 48 hours").
pub fn due_in_ms(text: &str) -> Option<u64> {
    let mut w = words(text);
    // "forty-eight" arrives as two words.
    for i in (1..w.len()).rev() {
        let joined = format!("{}{}", w[i - 1], w[i]);
        if matches!(joined.as_str(), "fortyeight" | "seventytwo" | "twentyfour") {
            w[i - 1] = joined;
            w.remove(i);
        }
    }
    for i in 0..w.len() {
        if let Some(n) = number(&w[i]) {
            // "3 business days", "two working days", "48 hours"
            let next = w.get(i + 1).map(String::as_str);
            let after = w.get(i + 2).map(String::as_str);
            let u = match next {
                Some("business" | "working") => after.and_then(unit),
                Some(x) => unit(x),
                None => None,
            };
            if let Some(u) = u {
                return Some(n * u);
            }
        }
    }
    let joined = w.join(" ");
    let has = |p: &str| joined.contains(p);
    if has("end of day") || has("end of the day") || has("today") || has("this afternoon") {
        Some(8 * HOUR_MS)
    } else if has("tomorrow") {
        Some(DAY_MS)
    } else if has("end of the week") || has("this week") || has("next week") {
        Some(7 * DAY_MS)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_promises() {
        assert_eq!(
            due_in_ms("I'll call you back within 48 hours"),
            Some(48 * HOUR_MS)
        );
        assert_eq!(due_in_ms("within forty-eight hours"), Some(48 * HOUR_MS));
        assert_eq!(due_in_ms("in 3 business days"), Some(3 * DAY_MS));
        assert_eq!(due_in_ms("I'll email you tomorrow"), Some(DAY_MS));
        assert_eq!(due_in_ms("by end of day"), Some(8 * HOUR_MS));
        assert_eq!(due_in_ms("I'll get back to you"), None);
    }
}
