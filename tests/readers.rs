//! JSONL transcripts: what a good file gives, and the message each kind of bad file gets.

use std::io::Write;
use std::path::Path;

use parley::engine::{AgentAction, EndReason, Event, Speaker, Utterance};
use parley::sources::schedule::schedule;
use parley::sources::transcript::{self, ErrorKind, Format, ReadError, SpeakerMap};

fn read(name: &str, content: &[u8]) -> Result<Vec<Event>, ReadError> {
    read_with(name, content, &SpeakerMap::default())
}

fn read_with(name: &str, content: &[u8], speakers: &SpeakerMap) -> Result<Vec<Event>, ReadError> {
    let format = Format::from_path(Path::new(name));
    transcript::from_reader(content, name, format, speakers).collect()
}

fn error(name: &str, content: &str) -> String {
    match read(name, content.as_bytes()) {
        Ok(events) => panic!("expected an error, got {events:?}"),
        Err(e) => e.to_string(),
    }
}

fn said(speaker: Speaker, start_ms: u64, end_ms: u64, text: &str) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: text.to_string(),
        start_ms,
        end_ms,
        is_final: true,
    })
}

#[test]
fn minimal_lines_convert_seconds_to_ms() {
    let file = r#"{"speaker": "agent", "start": 12.3, "end": 15.1, "text": "Hello there"}
{"speaker": "Customer", "start": 14, "end": 20.0005, "text": "Hi", "confidence": 0.9}
"#;
    assert_eq!(
        read("call.jsonl", file.as_bytes()).unwrap(),
        vec![
            said(Speaker::Agent, 12_300, 15_100, "Hello there"),
            said(Speaker::Customer, 14_000, 20_001, "Hi"),
        ]
    );
}

#[test]
fn every_event_kind() {
    let file = r#"# a comment
// another comment

{"event":"call_start","at":0.0,"agent":"Sam","customer_name":"Dana"}
{"speaker":"caller","start":1,"end":2,"text":"so","final":false}
{"event":"utterance","speaker":"rep","start":1.5,"end":3,"text":"yes"}
{"event":"voice","speaker":"agent","start":3.5,"end":4.5,"level_db":-20.5,"syllable_rate":4.2}
{"event":"hold_start","at":40.0}
{"event":"hold_end","at":45.0}
{"event":"tick_item","item":"paraphrase","at":46}
{"event":"flag_abuse","at":47}
{"event":"note","text":"refund promised","at":48}
{"event":"mute_rule","rule":"dead_air","at":49}
{"event":"dismiss_nudge","nudge_id":3,"at":49.5}
{"event":"call_end","at":50,"reason":"customer_hung_up"}
"#;
    let agent = |at_ms, action| Event::Agent { at_ms, action };
    let want = vec![
        Event::CallStarted {
            at_ms: 0,
            agent: Some("Sam".into()),
            customer_name: Some("Dana".into()),
        },
        Event::Utterance(Utterance {
            speaker: Speaker::Customer,
            text: "so".into(),
            start_ms: 1000,
            end_ms: 2000,
            is_final: false,
        }),
        said(Speaker::Agent, 1500, 3000, "yes"),
        Event::VoiceActivity {
            speaker: Speaker::Agent,
            start_ms: 3500,
            end_ms: 4500,
            level_db: Some(-20.5),
            syllable_rate: Some(4.2),
        },
        Event::HoldStarted { at_ms: 40_000 },
        Event::HoldEnded { at_ms: 45_000 },
        agent(
            46_000,
            AgentAction::TickItem {
                item: "paraphrase".into(),
            },
        ),
        agent(47_000, AgentAction::FlagAbuse),
        agent(
            48_000,
            AgentAction::AddNote {
                text: "refund promised".into(),
            },
        ),
        agent(
            49_000,
            AgentAction::MuteRule {
                rule: "dead_air".into(),
            },
        ),
        agent(49_500, AgentAction::DismissNudge { nudge_id: 3 }),
        Event::CallEnded {
            at_ms: 50_000,
            reason: Some(EndReason::CustomerHungUp),
        },
    ];
    assert_eq!(read("call.ndjson", file.as_bytes()).unwrap(), want);
}

#[test]
fn overlaps_are_legal_and_equal_starts_too() {
    let file = r#"{"speaker":"customer","start":1,"end":9,"text":"long"}
{"speaker":"agent","start":2,"end":3,"text":"over"}
{"speaker":"agent","start":2,"end":2,"text":""}
"#;
    assert_eq!(read("c.jsonl", file.as_bytes()).unwrap().len(), 3);
}

#[test]
fn speaker_map_is_configurable() {
    let file = r#"{"speaker":"Mary Jones","start":1,"end":2,"text":"hi"}"#;
    let e = read("c.jsonl", file.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "c.jsonl:1: field \"speaker\": unknown speaker \"Mary Jones\": map it to agent or \
         customer in the speaker map (for example \"Mary Jones=agent\")"
    );
    assert_eq!((e.line, e.field), (1, Some("speaker")));
    let mut map = SpeakerMap::default();
    map.add_spec("mary=customer").unwrap();
    let events = read_with("c.jsonl", file.as_bytes(), &map).unwrap();
    assert_eq!(events, vec![said(Speaker::Customer, 1000, 2000, "hi")]);
}

#[test]
fn malformed_json_line() {
    let file = "{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"a\"}\n{\"speaker\":\"agent\",\"start\":3,\n";
    let msg = error("call.jsonl", file);
    assert!(
        msg.starts_with("call.jsonl:2: malformed JSON (column "),
        "{msg}"
    );
    assert_eq!(
        error("call.jsonl", "[1, 2]\n"),
        "call.jsonl:1: expected a JSON object per line, like {\"speaker\": \"agent\", \"start\": \
         1.0, \"end\": 2.5, \"text\": \"...\"}"
    );
}

#[test]
fn missing_and_invalid_fields() {
    let cases = [
        (
            r#"{"speaker":"agent","end":2,"text":"a"}"#,
            "call.jsonl:1: field \"start\": missing; an utterance needs speaker, start, end and text",
        ),
        (
            r#"{"speaker":"agent","start":1,"end":2}"#,
            "call.jsonl:1: field \"text\": missing; an utterance needs speaker, start, end and text",
        ),
        (
            r#"{"speaker":"agent","start":"1","end":2,"text":"a"}"#,
            "call.jsonl:1: field \"start\": expected a number of seconds",
        ),
        (
            r#"{"speaker":"agent","start":-1,"end":2,"text":"a"}"#,
            "call.jsonl:1: field \"start\": must not be negative (got -1)",
        ),
        (
            r#"{"speaker":"agent","start":1,"end":2e9,"text":"a"}"#,
            "call.jsonl:1: field \"end\": 2000000000 s is more than 24 hours; times are seconds \
             from the call start",
        ),
        (
            r#"{"speaker":"agent","start":1,"end":2,"text":"a","final":"no"}"#,
            "call.jsonl:1: field \"final\": must be true or false",
        ),
        (
            r#"{"speaker":7,"start":1,"end":2,"text":"a"}"#,
            "call.jsonl:1: field \"speaker\": expected a string",
        ),
        (
            r#"{"event":"hold_start"}"#,
            "call.jsonl:1: field \"at\": missing; this event needs at (seconds from the call start)",
        ),
        (
            r#"{"event":"note","at":3}"#,
            "call.jsonl:1: field \"text\": missing; a note line needs text and at",
        ),
        (
            r#"{"event":5,"at":3}"#,
            "call.jsonl:1: field \"event\": expected a string",
        ),
        (
            r#"{"event":"tick_item","item":" ","at":1}"#,
            "call.jsonl:1: field \"item\": must not be empty",
        ),
        (
            r#"{"event":"call_end","at":1,"reason":"bored"}"#,
            "call.jsonl:1: field \"reason\": unknown reason \"bored\"; expected completed, \
             customer_hung_up, agent_ended_for_abuse or transferred",
        ),
        (
            r#"{"event":"voice","speaker":"agent","start":1,"end":2,"level_db":900}"#,
            "call.jsonl:1: field \"level_db\": 900 is outside -200 to 60",
        ),
        (
            r#"{"event":"party","at":1}"#,
            "call.jsonl:1: field \"event\": unknown event \"party\"; expected one of utterance, \
             call_start, call_end, hold_start, hold_end, voice, tick_item, flag_abuse, note, \
             mute_rule, dismiss_nudge",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(error("call.jsonl", line), want, "for {line}");
    }
}

#[test]
fn nan_like_numbers_are_refused() {
    let msg = error(
        "call.jsonl",
        r#"{"speaker":"agent","start":NaN,"end":2,"text":"a"}"#,
    );
    assert!(msg.starts_with("call.jsonl:1: malformed JSON"), "{msg}");
    let msg = error(
        "call.jsonl",
        r#"{"speaker":"agent","start":1e400,"end":2,"text":"a"}"#,
    );
    assert!(msg.starts_with("call.jsonl:1: malformed JSON"), "{msg}");
}

#[test]
fn times_going_backwards() {
    let file = r#"{"speaker":"agent","start":1,"end":2,"text":"a"}

{"speaker":"customer","start":5,"end":6,"text":"b"}
{"speaker":"agent","start":4.5,"end":7,"text":"c"}
"#;
    assert_eq!(
        error("call.jsonl", file),
        "call.jsonl:4: times go backwards: this starts at 00:04.500 but the event on line 3 \
         started at 00:05.000; keep events in start-time order (overlaps are fine)"
    );
    let point = "{\"speaker\":\"agent\",\"start\":10,\"end\":12,\"text\":\"a\"}\n{\"event\":\"note\",\"text\":\"x\",\"at\":9}\n";
    assert!(error("call.jsonl", point).starts_with("call.jsonl:2: times go backwards"));
}

#[test]
fn end_before_start() {
    assert_eq!(
        error(
            "call.jsonl",
            r#"{"speaker":"agent","start":3,"end":2.5,"text":"a"}"#
        ),
        "call.jsonl:1: field \"end\": ends (00:02.500) before it starts (00:03.000)"
    );
}

#[test]
fn call_structure() {
    let late_start = "{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"a\"}\n{\"event\":\"call_start\",\"at\":3}\n";
    assert_eq!(
        error("c.jsonl", late_start),
        "c.jsonl:2: call_start must be the first event, but line 1 comes before it"
    );
    let after_end =
        "{\"event\":\"call_end\",\"at\":3}\n{\"event\":\"note\",\"text\":\"x\",\"at\":4}\n";
    assert_eq!(
        error("c.jsonl", after_end),
        "c.jsonl:2: event after the call_end on line 1; call_end must be the last event"
    );
    let early_end = "{\"speaker\":\"agent\",\"start\":1,\"end\":20,\"text\":\"a\"}\n{\"event\":\"call_end\",\"at\":3}\n";
    assert_eq!(
        error("c.jsonl", early_end),
        "c.jsonl:2: field \"at\": call_end at 00:03.000 is before the speech on line 1 ends \
         (00:20.000)"
    );
    assert_eq!(
        error("c.jsonl", "{\"event\":\"hold_end\",\"at\":3}"),
        "c.jsonl:1: hold_end without a hold_start before it"
    );
    let double = "{\"event\":\"hold_start\",\"at\":3}\n{\"event\":\"hold_start\",\"at\":4}";
    assert_eq!(
        error("c.jsonl", double),
        "c.jsonl:2: hold_start while already on hold since line 1; add a hold_end first"
    );
}

#[test]
fn empty_files_have_no_events() {
    let want = "c.jsonl: no events: the file is empty or holds only blank lines and comments";
    assert_eq!(error("c.jsonl", ""), want);
    assert_eq!(error("c.jsonl", "\n  \n# nothing\n"), want);
}

#[test]
fn binary_garbage() {
    let e = read("c.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(matches!(e.kind, ErrorKind::InvalidUtf8));
    assert_eq!(
        e.to_string(),
        "c.jsonl:1: not UTF-8 text (binary data?); save the transcript as UTF-8"
    );
    let e = read("c.jsonl", b"# ok\n{\"a\":\x01}\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "c.jsonl:2: binary data (control byte 0x01); is this really a transcript?"
    );
}

#[test]
fn overlong_line() {
    let mut file = b"{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"".to_vec();
    file.resize(transcript::MAX_LINE_BYTES + 10, b'a');
    let e = read("c.jsonl", &file).unwrap_err();
    assert_eq!(
        e.to_string(),
        "c.jsonl:1: line is longer than 1048576 bytes; is this really a transcript?"
    );
}

#[test]
fn reader_stops_after_the_first_error() {
    let file = "{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"a\"}\nbad\nbad\n";
    let items: Vec<_> =
        transcript::from_reader(file.as_bytes(), "c.jsonl", None, &SpeakerMap::default()).collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert_eq!(items[1].as_ref().unwrap_err().line, 2);
}

#[test]
fn format_from_extension_or_content() {
    let jsonl = "\n# hi\n{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"a\"}\n";
    assert_eq!(read("notes.txt", jsonl.as_bytes()).unwrap().len(), 1);
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Agent>a\n";
    assert_eq!(read("x", vtt.as_bytes()).unwrap().len(), 1);
    let srt = "1\n00:00:01,000 --> 00:00:02,000\nAgent: a\n";
    assert_eq!(read("x.txt", srt.as_bytes()).unwrap().len(), 1);
    assert_eq!(
        error("notes.txt", "Dear diary\n"),
        "notes.txt: unknown transcript format: use a .jsonl, .vtt or .srt file, or start the \
         content with a JSON object, a WEBVTT header or an SRT cue number"
    );
    // The extension wins over the content.
    assert!(error("x.srt", jsonl).starts_with("x.srt:2: expected a subtitle number"));
}

#[test]
fn open_reads_files_and_names_them_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        "{{\"speaker\":\"agent\",\"start\":1,\"end\":2,\"text\":\"a\"}}"
    )
    .unwrap();
    writeln!(
        f,
        "{{\"speaker\":\"boss\",\"start\":1,\"end\":2,\"text\":\"a\"}}"
    )
    .unwrap();
    drop(f);
    let items: Vec<_> = transcript::open(&path, &SpeakerMap::default())
        .unwrap()
        .collect();
    let e = items[1].as_ref().unwrap_err();
    assert!(e
        .to_string()
        .starts_with(&format!("{}:2: field \"speaker\"", path.display())));
    let missing = dir.path().join("nope.jsonl");
    let e = transcript::open(&missing, &SpeakerMap::default())
        .err()
        .unwrap();
    assert_eq!(e.line, 0);
    assert!(e
        .to_string()
        .starts_with(&format!("{}: cannot read the file", missing.display())));
}

#[test]
fn every_sample_reads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let events: Result<Vec<Event>, ReadError> = transcript::open(&path, &SpeakerMap::default())
            .unwrap()
            .collect();
        let events = events.unwrap_or_else(|e| panic!("{e}"));
        assert!(events.len() > 3, "{}", path.display());
        let replay: Vec<Event> = schedule(events.into_iter().map(Ok::<_, ()>), Some(1000))
            .flatten()
            .collect();
        assert!(replay.windows(2).all(|w| w[0].at_ms() <= w[1].at_ms()));
        assert!(matches!(replay.last(), Some(Event::CallEnded { .. })));
        count += 1;
    }
    assert!(count >= 8);
}
