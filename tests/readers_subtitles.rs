//! WebVTT and SRT transcripts: voice tags, name prefixes, cue layout, and their errors.

use std::path::Path;

use parley::engine::{Event, Speaker, Utterance};
use parley::sources::transcript::{self, Format, ReadError, SpeakerMap};

fn read(name: &str, content: &str) -> Result<Vec<Event>, ReadError> {
    read_with(name, content, &SpeakerMap::default())
}

fn read_with(name: &str, content: &str, map: &SpeakerMap) -> Result<Vec<Event>, ReadError> {
    let format = Format::from_path(Path::new(name));
    transcript::from_reader(content.as_bytes(), name, format, map).collect()
}

fn error(name: &str, content: &str) -> String {
    match read(name, content) {
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

const VTT: &str = "\u{feff}WEBVTT - a call
Kind: captions

NOTE the greeting is scripted
and this note has two lines

STYLE
::cue { color: white }

greeting-1
00:00:01.400 --> 00:00:05.000 align:start
<v Agent>Thanks for calling, this is Tom.

00:05.600 --> 01:00:25.200
<v.loud Customer>Hi. I've been <i>charged</i>
for roaming &amp; I want it gone.</v>

3
01:00:25.800 --> 01:00:30.200
<v Rep Jo>Okay.</v> <v Caller>Thanks.

4
01:00:31.000 --> 01:00:32.000
Agent: as meeting tools write it
";

#[test]
fn vtt_voice_tags_ids_notes_and_multi_line_cues() {
    let long = 3_600_000;
    assert_eq!(
        read("call.vtt", VTT).unwrap(),
        vec![
            said(
                Speaker::Agent,
                1_400,
                5_000,
                "Thanks for calling, this is Tom."
            ),
            said(
                Speaker::Customer,
                5_600,
                long + 25_200,
                "Hi. I've been charged for roaming & I want it gone."
            ),
            said(Speaker::Agent, long + 25_800, long + 30_200, "Okay."),
            said(Speaker::Customer, long + 25_800, long + 30_200, "Thanks."),
            said(
                Speaker::Agent,
                long + 31_000,
                long + 32_000,
                "as meeting tools write it"
            ),
        ]
    );
}

#[test]
fn vtt_errors_name_the_line() {
    let cases = [
        ("", "c.vtt: no events: the file is empty or holds only blank lines and comments"),
        ("WEBVTT\n", "c.vtt: no events: the file is empty or holds only blank lines and comments"),
        (
            "00:01.000 --> 00:02.000\n<v Agent>hi\n",
            "c.vtt:1: a WebVTT file must start with the line WEBVTT",
        ),
        (
            "WEBVTT\n\n1\n00:01.000 --> 00:02.000\n<v Agent>hi\n\nfree text\nmore\n",
            "c.vtt:8: expected a cue timing line like 00:00:01.000 --> 00:00:04.000 after the cue id",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02,000\n<v Agent>hi\n",
            "c.vtt:3: field \"end\": \"00:02,000\" is not a timestamp like 00:01:02.500 or 01:02.500",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:99.000\n<v Agent>hi\n",
            "c.vtt:3: field \"end\": \"00:99.000\": minutes and seconds must be below 60",
        ),
        (
            "WEBVTT\n\n00:03.000 --> 00:02.000\n<v Agent>hi\n",
            "c.vtt:3: field \"end\": ends (00:02.000) before it starts (00:03.000)",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Agent>hi\n\n00:00.500 --> 00:02.000\n<v Agent>hi\n",
            "c.vtt:6: times go backwards: this starts at 00:00.500 but the event on line 3 \
             started at 00:01.000; keep events in start-time order (overlaps are fine)",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\nhello there\n",
            "c.vtt:4: cue text has no speaker: begin it with a voice tag like <v Agent> or a \
             prefix like Customer:",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Agent>fine\n<v Boss Man>hello\n",
            "c.vtt:5: field \"speaker\": unknown speaker \"Boss Man\": map it to agent or \
             customer in the speaker map (for example \"Boss Man=agent\")",
        ),
    ];
    for (file, want) in cases {
        assert_eq!(error("c.vtt", file), want, "for {file:?}");
    }
}

#[test]
fn vtt_speaker_map() {
    let file = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Mary>hi\n";
    let mut map = SpeakerMap::default();
    map.add_spec("Mary=agent").unwrap();
    assert_eq!(
        read_with("c.vtt", file, &map).unwrap(),
        vec![said(Speaker::Agent, 1_000, 2_000, "hi")]
    );
}

const SRT: &str = "1
00:00:01,400 --> 00:00:07,000
Agent: Thank you for calling Harbor Bank,
how can I help you?

2
00:00:07,600 --> 00:00:14,800
Customer: Your bank took a fee.
Note: not a speaker, so it stays text.
Rep: Let me look.

3
00:00:15.400 --> 01:00:24.600 X1:10 X2:20
<i>Caller: Fine.</i>
";

#[test]
fn srt_prefixes_and_multi_line_subtitles() {
    assert_eq!(
        read("call.srt", SRT).unwrap(),
        vec![
            said(
                Speaker::Agent,
                1_400,
                7_000,
                "Thank you for calling Harbor Bank, how can I help you?"
            ),
            said(
                Speaker::Customer,
                7_600,
                14_800,
                "Your bank took a fee. Note: not a speaker, so it stays text."
            ),
            said(Speaker::Agent, 7_600, 14_800, "Let me look."),
            said(Speaker::Customer, 15_400, 3_624_600, "Fine."),
        ]
    );
}

#[test]
fn srt_names_go_through_the_map() {
    let file = "1\n00:00:01,000 --> 00:00:02,000\nJo Smith: hi\n";
    assert_eq!(
        error("c.srt", file),
        "c.srt:3: field \"speaker\": unknown speaker \"Jo Smith\": map it to agent or customer \
         in the speaker map (for example \"Jo Smith=agent\")"
    );
    let mut map = SpeakerMap::empty();
    map.add_spec("jo smith=customer").unwrap();
    assert_eq!(
        read_with("c.srt", file, &map).unwrap(),
        vec![said(Speaker::Customer, 1_000, 2_000, "hi")]
    );
}

#[test]
fn srt_errors_name_the_line() {
    let cases = [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nAgent: a\n\nhello\n",
            "c.srt:5: expected a subtitle number or a timing line like 00:00:01,000 --> 00:00:04,000",
        ),
        (
            "1\nAgent: a\n",
            "c.srt:2: expected a timing line like 00:00:01,000 --> 00:00:04,000 after subtitle number 1",
        ),
        (
            "1\n00:00:01 --> 00:00:02,000\nAgent: a\n",
            "c.srt:2: field \"start\": \"00:00:01\" is not a timestamp like 00:01:02,500",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\njust words\n",
            "c.srt:3: cue text has no speaker: begin it with a voice tag like <v Agent> or a \
             prefix like Customer:",
        ),
        (
            "1\n00:00:05,000 --> 00:00:06,000\nAgent: a\n\n2\n00:00:04,000 --> 00:00:06,000\nAgent: b\n",
            "c.srt:6: times go backwards: this starts at 00:04.000 but the event on line 2 \
             started at 00:05.000; keep events in start-time order (overlaps are fine)",
        ),
        (
            "1\n00:00:05,000 --> 00:00:04,000\nAgent: a\n",
            "c.srt:2: field \"end\": ends (00:04.000) before it starts (00:05.000)",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nAgent: a\n2\n00:00:03,000 --> 00:00:04,000\nAgent: b\n",
            "c.srt:5: a timing line inside a cue; is the blank line before it missing?",
        ),
        (
            "1\n25:00:00,000 --> 25:00:01,000\nAgent: a\n",
            "c.srt:2: field \"start\": \"25:00:00,000\" is more than 24 hours into the call",
        ),
    ];
    for (file, want) in cases {
        assert_eq!(error("c.srt", file), want, "for {file:?}");
    }
}

#[test]
fn empty_cues_are_skipped() {
    let file = "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nAgent: b\n";
    assert_eq!(
        read("c.srt", file).unwrap(),
        vec![said(Speaker::Agent, 3_000, 4_000, "b")]
    );
}

#[test]
fn crlf_line_endings() {
    let file = "WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v Agent>hi\r\n";
    assert_eq!(
        read("c.vtt", file).unwrap(),
        vec![said(Speaker::Agent, 1_000, 2_000, "hi")]
    );
}
