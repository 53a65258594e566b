//! Subtitle cues (WebVTT and SRT): the timing line, the text lines, and who speaks them.

use std::collections::VecDeque;
use std::io::BufRead;

use crate::engine::{Event, Ms, Speaker, Utterance};

use super::error::{ErrorKind, Fail};
use super::lines::{Lines, MAX_LINE_BYTES};
use super::speakers::SpeakerMap;
use super::time::{parse_timestamp, Mark};

/// Reads the rest of a cue after its timing line and queues one utterance per speaker turn.
pub fn read_cue<R: BufRead>(
    lines: &mut Lines<R>,
    timing: (u64, &str),
    mark: Mark,
    speakers: &SpeakerMap,
    out: &mut VecDeque<(Event, u64)>,
) -> Result<(), Fail> {
    let (timing_line, timing_text) = timing;
    let (start_ms, end_ms) = parse_timing(timing_line, timing_text, mark)?;
    let mut turns: Vec<Turn> = Vec::new();
    let mut size = 0usize;
    while let Some((n, text)) = lines.next_line()? {
        if text.trim().is_empty() {
            break;
        }
        if text.contains("-->") {
            return Err(Fail::syntax(
                n,
                "a timing line inside a cue; is the blank line before it missing?",
            ));
        }
        size += text.len();
        if size > MAX_LINE_BYTES {
            return Err(Fail::syntax(
                n,
                format!("cue text is longer than {MAX_LINE_BYTES} bytes; is a blank line missing?"),
            ));
        }
        add_line(&mut turns, n, text, speakers)?;
    }
    for turn in turns {
        let text = clean(&turn.text);
        out.push_back((
            Event::Utterance(Utterance {
                speaker: turn.speaker,
                text,
                start_ms,
                end_ms,
                is_final: true,
            }),
            timing_line,
        ));
    }
    Ok(())
}

fn parse_timing(line: u64, text: &str, mark: Mark) -> Result<(Ms, Ms), Fail> {
    let (start, rest) = text.split_once("-->").ok_or_else(|| {
        Fail::syntax(
            line,
            "expected a timing line like 00:00:01.000 --> 00:00:04.000",
        )
    })?;
    let end = rest.split_whitespace().next().unwrap_or("");
    let start = parse_timestamp(start.trim(), mark).map_err(|r| Fail::invalid(line, "start", r))?;
    let end = parse_timestamp(end, mark).map_err(|r| Fail::invalid(line, "end", r))?;
    Ok((start, end))
}

struct Turn {
    speaker: Speaker,
    text: String,
}

/// One text line: a voice tag or a `Name:` prefix starts a new turn; anything else continues
/// the current one. Later in a cue, `Word:` starts a turn only when it is a known speaker, so
/// "Note: the fee" stays text.
fn add_line(turns: &mut Vec<Turn>, n: u64, text: &str, speakers: &SpeakerMap) -> Result<(), Fail> {
    let mut rest = text.trim();
    if let Some(body) = rest.strip_prefix("- ") {
        rest = body.trim_start();
    }
    // Styling such as <i> may wrap the whole line, name included.
    while rest.starts_with('<') && voice_tag_at(rest, 0).is_none() {
        match rest.find('>') {
            Some(close) => rest = rest[close + 1..].trim_start(),
            None => break,
        }
    }
    if voice_tag_at(rest, 0).is_none() {
        if let Some((name, body)) = name_prefix(rest) {
            match speakers.resolve(name) {
                Some(speaker) => {
                    turns.push(Turn {
                        speaker,
                        text: String::new(),
                    });
                    rest = body;
                }
                None if turns.is_empty() => {
                    return Err(unknown_speaker(n, name));
                }
                None => {}
            }
        }
    }
    loop {
        let next_tag = rest
            .match_indices("<v")
            .find_map(|(i, _)| voice_tag_at(rest, i).map(|tag| (i, tag)));
        let (before, tag) = match next_tag {
            Some((i, tag)) => (&rest[..i], Some(tag)),
            None => (rest, None),
        };
        if !before.trim().is_empty() {
            let turn = turns.last_mut().ok_or_else(|| {
                Fail::syntax(
                    n,
                    "cue text has no speaker: begin it with a voice tag like <v Agent> or a prefix like Customer:",
                )
            })?;
            turn.text.push(' ');
            turn.text.push_str(before);
        }
        let Some((name, after)) = tag else { break };
        let speaker = speakers
            .resolve(name)
            .ok_or_else(|| unknown_speaker(n, name))?;
        turns.push(Turn {
            speaker,
            text: String::new(),
        });
        rest = after;
    }
    Ok(())
}

fn unknown_speaker(n: u64, name: &str) -> Fail {
    Fail::field(
        n,
        "speaker",
        ErrorKind::UnknownSpeaker {
            name: name.to_string(),
        },
    )
}

/// `<v Name>` or `<v.class Name>` starting at byte `i`: the name and the text after the tag.
fn voice_tag_at(s: &str, i: usize) -> Option<(&str, &str)> {
    let tail = s[i..].strip_prefix("<v")?;
    if !tail.starts_with([' ', '\t', '.']) {
        return None;
    }
    let close = tail.find('>')?;
    let inside = &tail[..close];
    let name = inside
        .split_once([' ', '\t'])
        .map(|(_, name)| name.trim())
        .unwrap_or("");
    if name.is_empty() {
        return None;
    }
    Some((name, &tail[close + 1..]))
}

/// `Name: text` where the name looks like a name (a few words, starting with a letter).
fn name_prefix(s: &str) -> Option<(&str, &str)> {
    let (name, body) = s.split_once(':')?;
    let name = name.trim();
    let looks_like_name = !name.is_empty()
        && name.len() <= 40
        && name.split_whitespace().count() <= 4
        && name.chars().next().is_some_and(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '\'' | '_'));
    looks_like_name.then_some((name, body))
}

/// Cue text without markup: tags dropped, entities decoded, spaces collapsed.
fn clean(raw: &str) -> String {
    let mut plain = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find(['<', '{']) {
        plain.push_str(&rest[..open]);
        let closer = if rest[open..].starts_with('<') {
            '>'
        } else {
            '}'
        };
        let is_markup = closer == '>' || rest[open..].starts_with("{\\");
        match rest[open..].find(closer) {
            Some(close) if is_markup => rest = &rest[open + close + 1..],
            _ => {
                plain.push_str(&rest[open..open + 1]);
                rest = &rest[open + 1..];
            }
        }
    }
    plain.push_str(rest);
    if plain.contains('&') {
        plain = plain
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ")
            .replace("&lrm;", "")
            .replace("&rlm;", "")
            .replace("&amp;", "&");
    }
    let mut text = String::with_capacity(plain.len());
    for word in plain.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_markup() {
        assert_eq!(
            clean(" <i>Hi</i> &amp; <00:00:01.000>bye {\\an8}now {ok} "),
            "Hi & bye now {ok}"
        );
        assert_eq!(clean("a < b"), "a < b");
    }

    #[test]
    fn finds_names() {
        assert_eq!(name_prefix("Rep Jo: hi"), Some(("Rep Jo", " hi")));
        assert_eq!(name_prefix("10:30 works"), None);
        assert_eq!(name_prefix("no colon"), None);
        assert_eq!(voice_tag_at("<v.loud Rep Jo>hi", 0), Some(("Rep Jo", "hi")));
        assert_eq!(voice_tag_at("<vx>hi", 0), None);
    }

    #[test]
    fn turns_split_on_tags_and_known_prefixes() {
        let map = SpeakerMap::default();
        let mut turns = Vec::new();
        add_line(&mut turns, 1, "<v Agent>Hello <v Customer>Hi", &map).unwrap();
        add_line(&mut turns, 2, "Note: the fee", &map).unwrap();
        add_line(&mut turns, 3, "- Agent: right", &map).unwrap();
        let got: Vec<(Speaker, String)> =
            turns.iter().map(|t| (t.speaker, clean(&t.text))).collect();
        assert_eq!(
            got,
            vec![
                (Speaker::Agent, "Hello".to_string()),
                (Speaker::Customer, "Hi Note: the fee".to_string()),
                (Speaker::Agent, "right".to_string()),
            ]
        );
        let mut turns = Vec::new();
        let e = add_line(&mut turns, 4, "Bob: hi", &map).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnknownSpeaker { .. }));
        let e = add_line(&mut turns, 4, "just text", &map).unwrap_err();
        assert_eq!(e.line, 4);
    }
}
