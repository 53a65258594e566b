//! The audio path on real speech made on this machine: espeak-ng speaks a scripted agent and
//! customer into two channels with known timings (an interruption, a long silence, a fast
//! passage); the test checks the detected speech against where each clip was placed, then the
//! nudges the engine gives from audio alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use parley::engine::{Engine, Event, Output, Playbook, Rule, Speaker};
use parley::sources::audio;

/// Detected speech edges must fall within this of the clip's own edges.
const TOLERANCE_MS: i64 = 150;
const NORMAL_WPM: u32 = 130;
const FAST_WPM: u32 = 320;
/// Samples louder than this (1% of full scale) are where a clip really speaks.
const SPEAKING: i16 = 328;

#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

struct Line {
    speaker: Speaker,
    /// The line (and which edge of it) this one is placed after; None for the call start.
    after: Option<(usize, Edge)>,
    gap_s: f64,
    wpm: u32,
    /// Voices are laid down at `QUIET`; a heated line at `LOUD`.
    gain: f32,
    text: &'static str,
}

const QUIET: f32 = 0.25;
/// Four times the amplitude: 12 dB over the speaker's own baseline.
const LOUD: f32 = 1.0;

const SCRIPT: [Line; 13] = [
    Line {
        speaker: Speaker::Agent,
        after: None,
        gap_s: 0.5,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Thank you for calling Northwind Energy, my name is Sam. How can I help you today?",
    },
    Line {
        speaker: Speaker::Customer,
        after: Some((0, Edge::End)),
        gap_s: 0.7,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "I moved out of my flat at the start of the month and closed my account, but this \
               morning I got a bill for the whole of October, and it is almost two hundred pounds.",
    },
    // The agent cuts in four seconds into the customer's complaint.
    Line {
        speaker: Speaker::Agent,
        after: Some((1, Edge::Start)),
        gap_s: 4.0,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Right, have you checked the meter reading?",
    },
    // Ten seconds of nobody after the complaint ends.
    Line {
        speaker: Speaker::Agent,
        after: Some((1, Edge::End)),
        gap_s: DEAD_AIR_S,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Sorry for the wait, I was checking your account.",
    },
    Line {
        speaker: Speaker::Customer,
        after: Some((3, Edge::End)),
        gap_s: 0.6,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Okay, and what did you find?",
    },
    Line {
        speaker: Speaker::Agent,
        after: Some((4, Edge::End)),
        gap_s: 0.6,
        wpm: FAST_WPM,
        gain: QUIET,
        text: "So what happened is that the final meter reading was not sent through in time, \
               which means the system estimated your usage for October, and then it produced a \
               full monthly bill automatically, but I can see your closing reading here now, so I \
               will cancel that bill, issue a corrected final statement, and refund anything you \
               paid on top within five working days, and you will get an email confirming all of \
               this today.",
    },
    Line {
        speaker: Speaker::Customer,
        after: Some((5, Edge::End)),
        gap_s: 0.8,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Thank you, that sounds good.",
    },
    // A few calm turns, so each speaker has a baseline of five stretches of speech.
    Line {
        speaker: Speaker::Customer,
        after: Some((6, Edge::End)),
        gap_s: 0.7,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Will I get a letter as well?",
    },
    Line {
        speaker: Speaker::Agent,
        after: Some((7, Edge::End)),
        gap_s: 0.6,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Yes, a letter will follow by post.",
    },
    Line {
        speaker: Speaker::Customer,
        after: Some((8, Edge::End)),
        gap_s: 0.7,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "And the refund goes back to my card?",
    },
    Line {
        speaker: Speaker::Agent,
        after: Some((9, Edge::End)),
        gap_s: 0.6,
        wpm: NORMAL_WPM,
        gain: QUIET,
        text: "Yes, to the same card you paid with.",
    },
    // Then it heats up: the customer shouts, and the agent matches it.
    Line {
        speaker: Speaker::Customer,
        after: Some((10, Edge::End)),
        gap_s: 1.0,
        wpm: NORMAL_WPM,
        gain: LOUD,
        text: "But this is the third time I have called about this, and nobody ever fixes it!",
    },
    Line {
        speaker: Speaker::Agent,
        after: Some((11, Edge::End)),
        gap_s: 0.6,
        wpm: NORMAL_WPM,
        gain: LOUD,
        text: "Well I have already told you exactly what we can do about it!",
    },
];
const DEAD_AIR_S: f64 = 10.0;

/// Where a clip speaks in the call, in ms.
#[derive(Debug, Clone, Copy)]
struct Placed {
    speaker: Speaker,
    start_ms: i64,
    end_ms: i64,
    fast: bool,
}

struct Call {
    _dir: tempfile::TempDir,
    stereo: PathBuf,
    agent: PathBuf,
    customer: PathBuf,
    placed: Vec<Placed>,
}

fn espeak_available() -> bool {
    Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn speak(dir: &Path, n: usize, line: &Line) -> (Vec<i16>, u32) {
    let path = dir.join(format!("line{n}.wav"));
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", &line.wpm.to_string(), "-w"])
        .arg(&path)
        .arg(line.text)
        .status()
        .unwrap();
    assert!(status.success(), "espeak-ng failed on line {n}");
    let mut reader = hound::WavReader::open(&path).unwrap();
    let rate = reader.spec().sample_rate;
    let samples = reader.samples::<i16>().map(Result::unwrap).collect();
    (samples, rate)
}

/// Speaks the script and lays it out on two channels.
fn make_call() -> Call {
    let dir = tempfile::tempdir().unwrap();
    let mut tracks: [Vec<i16>; 2] = [Vec::new(), Vec::new()];
    let mut placed: Vec<Placed> = Vec::new();
    let mut rate = 0;
    for (n, line) in SCRIPT.iter().enumerate() {
        let (clip, r) = speak(dir.path(), n, line);
        rate = r;
        let ms = |i: usize| (i as i64 * 1000) / i64::from(r);
        let first = clip.iter().position(|s| s.abs() > SPEAKING).unwrap();
        let last = clip.iter().rposition(|s| s.abs() > SPEAKING).unwrap();
        let anchor = match line.after {
            None => 0,
            Some((i, Edge::Start)) => placed[i].start_ms,
            Some((i, Edge::End)) => placed[i].end_ms,
        };
        let speech_start = anchor + (line.gap_s * 1000.0) as i64;
        let offset_ms = speech_start - ms(first);
        let offset = (offset_ms * i64::from(r) / 1000) as usize;
        let track = &mut tracks[usize::from(line.speaker == Speaker::Customer)];
        if track.len() < offset + clip.len() {
            track.resize(offset + clip.len(), 0);
        }
        for (i, s) in clip.iter().enumerate() {
            let scaled = (f32::from(*s) * line.gain) as i16;
            track[offset + i] = track[offset + i].saturating_add(scaled);
        }
        let p = Placed {
            speaker: line.speaker,
            start_ms: ms(offset + first),
            end_ms: ms(offset + last),
            fast: line.wpm == FAST_WPM,
        };
        placed.push(p);
    }
    let len = tracks[0].len().max(tracks[1].len()) + rate as usize;
    for t in &mut tracks {
        t.resize(len, 0);
    }
    let stereo = dir.path().join("call.wav");
    write_wav(&stereo, rate, &[&tracks[0], &tracks[1]]);
    let agent = dir.path().join("agent.wav");
    write_wav(&agent, rate, &[&tracks[0]]);
    let customer = dir.path().join("customer.wav");
    write_wav(&customer, rate, &[&tracks[1]]);
    Call {
        _dir: dir,
        stereo,
        agent,
        customer,
        placed,
    }
}

fn write_wav(path: &Path, rate: u32, channels: &[&Vec<i16>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[derive(Debug, Clone, Copy)]
struct Spurt {
    speaker: Speaker,
    start_ms: i64,
    end_ms: i64,
    rate: Option<f32>,
}

fn spurts(events: &[Event]) -> Vec<Spurt> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::VoiceActivity {
                speaker,
                start_ms,
                end_ms,
                syllable_rate,
                ..
            } => Some(Spurt {
                speaker: *speaker,
                start_ms: *start_ms as i64,
                end_ms: *end_ms as i64,
                rate: *syllable_rate,
            }),
            _ => None,
        })
        .collect()
}

/// Spurts of the clip's speaker that overlap it.
fn within(all: &[Spurt], clip: &Placed) -> Vec<Spurt> {
    all.iter()
        .filter(|s| s.speaker == clip.speaker)
        .filter(|s| {
            s.end_ms > clip.start_ms - TOLERANCE_MS && s.start_ms < clip.end_ms + TOLERANCE_MS
        })
        .copied()
        .collect()
}

#[test]
fn espeak_call_segments_rates_and_nudges() {
    if !espeak_available() {
        eprintln!(
            "skipping: espeak-ng is not installed (scripts/install-deps.sh --test installs it)"
        );
        return;
    }
    let call = make_call();
    let events = audio::events_from_wav(&call.stereo).unwrap();
    let found = spurts(&events);

    for clip in &call.placed {
        let mine = within(&found, clip);
        assert!(
            !mine.is_empty(),
            "no speech found for {clip:?}; found {found:?}"
        );
        let start = mine.iter().map(|s| s.start_ms).min().unwrap();
        let end = mine.iter().map(|s| s.end_ms).max().unwrap();
        assert!(
            (start - clip.start_ms).abs() <= TOLERANCE_MS,
            "start {start} vs {clip:?}"
        );
        assert!(
            (end - clip.end_ms).abs() <= TOLERANCE_MS,
            "end {end} vs {clip:?}"
        );
    }
    for s in &found {
        let explained = call.placed.iter().any(|c| !within(&[*s], c).is_empty());
        assert!(explained, "speech where nobody spoke: {s:?}");
    }

    // The fast passage reads clearly faster than the normal lines.
    let rate_of = |fast: bool| {
        let (mut syllables, mut seconds) = (0.0, 0.0);
        for clip in call
            .placed
            .iter()
            .filter(|c| c.fast == fast && c.speaker == Speaker::Agent)
        {
            for s in within(&found, clip) {
                let d = (s.end_ms - s.start_ms) as f32 / 1000.0;
                syllables += s.rate.unwrap_or(0.0) * d;
                seconds += d;
            }
        }
        syllables / seconds
    };
    for (clip, line) in call.placed.iter().zip(&SCRIPT) {
        let syl: f32 = within(&found, clip)
            .iter()
            .map(|s| s.rate.unwrap_or(0.0) * (s.end_ms - s.start_ms) as f32 / 1000.0)
            .sum();
        let vowels = line
            .text
            .to_lowercase()
            .split(|c: char| !"aeiouy".contains(c))
            .filter(|g| !g.is_empty())
            .count();
        eprintln!(
            "clip {:?} {} ms: measured {syl:.0} syllables, vowel groups {vowels}",
            clip.speaker,
            clip.end_ms - clip.start_ms
        );
    }
    let (normal, fast) = (rate_of(false), rate_of(true));
    eprintln!("syllables/s: normal {normal:.2}, fast {fast:.2}");
    assert!(
        fast > normal * 1.5,
        "normal {normal:.2}/s, fast {fast:.2}/s"
    );
    assert!((2.0..=5.0).contains(&normal), "normal {normal:.2}/s");

    // The engine coaches from this audio alone.
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let nudges: Vec<(Rule, u64)> = events
        .iter()
        .flat_map(|e| engine.feed(e))
        .filter_map(|o| match o {
            Output::Nudge(n) => Some((n.rule, n.at_ms)),
            _ => None,
        })
        .collect();
    eprintln!("nudges: {nudges:?}");
    let at = |rule: Rule| {
        nudges
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, t)| *t as i64)
    };
    let interrupted = call.placed[2];
    let t = at(Rule::Interruption).expect("interruption nudge");
    assert!(
        t >= interrupted.start_ms && t <= call.placed[1].end_ms + 1_500,
        "interruption at {t}"
    );
    let t = at(Rule::DeadAir).expect("dead-air nudge");
    assert!(
        t > call.placed[1].end_ms && t < call.placed[3].start_ms,
        "dead air at {t}"
    );
    let fast = call.placed[5];
    let t = at(Rule::SpeakingFast).expect("speaking-fast nudge");
    assert!(
        t > fast.start_ms && t <= fast.end_ms + 1_500,
        "speaking fast at {t} vs {fast:?}"
    );
    let shouted = call.placed[12];
    let t = at(Rule::Heat).expect("heat nudge");
    assert!(
        t >= shouted.start_ms && t <= shouted.end_ms + 1_500,
        "heat at {t} vs {shouted:?}"
    );
}

#[test]
fn two_mono_files_read_like_one_stereo_file() {
    if !espeak_available() {
        eprintln!(
            "skipping: espeak-ng is not installed (scripts/install-deps.sh --test installs it)"
        );
        return;
    }
    let call = make_call();
    let stereo = audio::events_from_wav(&call.stereo).unwrap();
    let pair = audio::events_from_wav_pair(&call.agent, &call.customer).unwrap();
    assert_eq!(stereo, pair);
    let e = audio::events_from_wav(&call.agent).unwrap_err().to_string();
    assert!(e.contains("mono"), "{e}");
    let e = audio::events_from_wav(Path::new("/nonexistent/call.wav"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/call.wav"), "{e}");
}
