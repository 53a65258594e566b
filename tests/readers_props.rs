//! Property tests for every reader: any bytes give a clean error or a valid stream, and valid
//! files written in each format read back to the events they were written from.

use std::path::Path;

use parley::engine::{Event, Speaker, Utterance};
use parley::sources::schedule::schedule;
use parley::sources::transcript::{self, start_ms, Format, ReadError, SpeakerMap};
use proptest::prelude::*;

const FORMATS: [Option<Format>; 4] = [
    Some(Format::Jsonl),
    Some(Format::Vtt),
    Some(Format::Srt),
    None,
];

/// Reads everything and checks what every reader promises; returns the events when valid.
fn read_checked(bytes: &[u8], format: Option<Format>) -> Result<Option<Vec<Event>>, TestCaseError> {
    let items: Vec<Result<Event, ReadError>> =
        transcript::from_reader(bytes, "fuzz", format, &SpeakerMap::default()).collect();
    prop_assert!(!items.is_empty(), "neither events nor an error");
    let errors = items.iter().filter(|r| r.is_err()).count();
    prop_assert!(errors <= 1);
    if let Some(Err(e)) = items.last() {
        prop_assert!(e.to_string().starts_with("fuzz"));
        return Ok(None);
    }
    prop_assert_eq!(errors, 0);
    let events: Vec<Event> = items.into_iter().flatten().collect();
    for w in events.windows(2) {
        prop_assert!(start_ms(&w[0]) <= start_ms(&w[1]));
    }
    for e in &events {
        match e {
            Event::Utterance(u) => prop_assert!(u.end_ms >= u.start_ms),
            Event::VoiceActivity {
                start_ms, end_ms, ..
            } => prop_assert!(end_ms >= start_ms),
            _ => {}
        }
    }
    let replay: Vec<Event> = schedule(events.iter().cloned().map(Ok::<_, ()>), Some(1000))
        .flatten()
        .collect();
    for w in replay.windows(2) {
        prop_assert!(w[0].at_ms() <= w[1].at_ms());
    }
    Ok(Some(events))
}

#[derive(Debug, Clone)]
struct Turn {
    name: &'static str,
    speaker: Speaker,
    start_ms: u64,
    end_ms: u64,
    text: String,
}

fn turns() -> impl Strategy<Value = Vec<Turn>> {
    let names = prop::sample::select(vec![
        ("Agent", Speaker::Agent),
        ("rep", Speaker::Agent),
        ("Rep Jo", Speaker::Agent),
        ("CSR", Speaker::Agent),
        ("Customer", Speaker::Customer),
        ("caller", Speaker::Customer),
        ("Client Dana", Speaker::Customer),
    ]);
    let words = prop::collection::vec("[a-zA-Z0-9',.?!é]{1,8}", 1..12);
    let turn = (names, 0u64..5_000, 0u64..9_000, words);
    prop::collection::vec(turn, 1..25).prop_map(|raw| {
        let mut t = 0;
        raw.into_iter()
            .map(|((name, speaker), gap, len, words)| {
                t += gap;
                Turn {
                    name,
                    speaker,
                    start_ms: t,
                    end_ms: t + len,
                    text: words.join(" "),
                }
            })
            .collect()
    })
}

fn stamp(ms: u64, mark: char) -> String {
    let (h, m, s, t) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{mark}{t:03}")
}

fn render(turns: &[Turn], format: Format) -> String {
    let mut out = String::new();
    if format == Format::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (i, t) in turns.iter().enumerate() {
        match format {
            Format::Jsonl => out.push_str(&format!(
                "{{\"speaker\":\"{}\",\"start\":{},\"end\":{},\"text\":{}}}\n",
                t.name,
                t.start_ms as f64 / 1000.0,
                t.end_ms as f64 / 1000.0,
                serde_json::to_string(&t.text).unwrap()
            )),
            Format::Vtt => out.push_str(&format!(
                "{}\n{} --> {}\n<v {}>{}\n\n",
                i + 1,
                stamp(t.start_ms, '.'),
                stamp(t.end_ms, '.'),
                t.name,
                t.text
            )),
            Format::Srt => out.push_str(&format!(
                "{}\n{} --> {}\n{}: {}\n\n",
                i + 1,
                stamp(t.start_ms, ','),
                stamp(t.end_ms, ','),
                t.name,
                t.text
            )),
        }
    }
    out
}

fn expected(turns: &[Turn]) -> Vec<Event> {
    turns
        .iter()
        .map(|t| {
            Event::Utterance(Utterance {
                speaker: t.speaker,
                text: t.text.clone(),
                start_ms: t.start_ms,
                end_ms: t.end_ms,
                is_final: true,
            })
        })
        .collect()
}

/// Byte-level damage: cut, insert, duplicate or overwrite somewhere in a valid file.
#[derive(Debug, Clone)]
enum Damage {
    Cut(usize, usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, u8),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let interesting =
        prop::sample::select(b"0123456789:.,-> <v{}\"\n\r\t\0\xff\xc3\\WEBVTNOabc".to_vec());
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Damage::Cut(at, n)),
        (
            any::<usize>(),
            prop::collection::vec(interesting.clone(), 1..6)
        )
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<usize>(), interesting).prop_map(|(at, b)| Damage::Overwrite(at, b)),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ]
}

fn apply(file: &str, damages: &[Damage]) -> Vec<u8> {
    let mut bytes = file.as_bytes().to_vec();
    for d in damages {
        let len = bytes.len().max(1);
        match d {
            Damage::Cut(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Damage::Insert(at, new) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Damage::Overwrite(at, b) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *b;
                }
            }
            Damage::DuplicateLine(i) | Damage::SwapLines(i, _) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let a = i % lines.len();
                match d {
                    Damage::SwapLines(_, j) => {
                        let b = j % lines.len();
                        lines.swap(a, b);
                    }
                    _ => {
                        let copy = lines[a].clone();
                        lines.insert(a, copy);
                    }
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    bytes
}

fn format_strategy() -> impl Strategy<Value = Format> {
    prop::sample::select(vec![Format::Jsonl, Format::Vtt, Format::Srt])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for format in FORMATS {
            read_checked(&bytes, format)?;
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(WEBVTT\n|1\n|\\{|<v |[0-9:.,> -]{1,30}\n|[a-zA-Z:\" ]{0,20}\n|\n){0,30}") {
        for format in FORMATS {
            read_checked(text.as_bytes(), format)?;
        }
    }

    #[test]
    fn valid_files_read_back(turns in turns(), format in format_strategy()) {
        let file = render(&turns, format);
        let events = read_checked(file.as_bytes(), Some(format))?;
        prop_assert_eq!(events, Some(expected(&turns)), "{}", file);
        let sniffed = read_checked(file.as_bytes(), None)?;
        prop_assert_eq!(sniffed, Some(expected(&turns)));
    }

    #[test]
    fn damaged_files_give_errors_or_valid_streams(
        turns in turns(),
        format in format_strategy(),
        damages in prop::collection::vec(damage(), 1..5),
    ) {
        let bytes = apply(&render(&turns, format), &damages);
        read_checked(&bytes, Some(format))?;
        read_checked(&bytes, None)?;
    }
}

#[test]
fn extension_decides_the_format() {
    assert_eq!(
        Format::from_path(Path::new("a.NDJSON")),
        Some(Format::Jsonl)
    );
    assert_eq!(Format::from_path(Path::new("a.vtt")), Some(Format::Vtt));
    assert_eq!(Format::from_path(Path::new("a.srt")), Some(Format::Srt));
    assert_eq!(Format::from_path(Path::new("a")), None);
    assert_eq!("VTT".parse::<Format>(), Ok(Format::Vtt));
    assert_eq!("ndjson".parse::<Format>(), Ok(Format::Jsonl));
    assert_eq!(Format::Srt.to_string(), "srt");
    assert_eq!(
        "doc".parse::<Format>(),
        Err("unknown transcript format \"doc\"; use jsonl, vtt or srt".to_string())
    );
}
