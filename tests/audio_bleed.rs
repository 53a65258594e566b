//! Speaker bleed: the agent on speakers, the customer's voice leaking into the microphone
//! (tests/fixtures/audio/bleed.wav, made by make_bleed.py next to it: the customer's side 90 ms
//! late and 12 dB down mixed into the agent's). The echo must not count as agent speech; the
//! agent's own words, after the customer and over them, must.

use std::path::Path;
use std::sync::mpsc;

use parley::engine::{Event, Speaker};
use parley::sources::audio::events_from_wav;
use parley::sources::audio::live::{self, LiveAudio, Notice, Outlets, STALL_AFTER};

const FIXTURE: &str = "tests/fixtures/audio/bleed.wav";

fn agent_spurts(events: &[Event]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::VoiceActivity {
                speaker: Speaker::Agent,
                start_ms,
                end_ms,
                ..
            } => Some((*start_ms, *end_ms)),
            _ => None,
        })
        .collect()
}

/// The agent's turns in the fixture: a reply at 6.5 s and words over the customer at 11.0 s;
/// the customer speaks 1.0-5.8 s and 10.0-13.8 s.
fn assert_only_the_agents_own_words(spurts: &[(u64, u64)]) {
    assert!(
        spurts.iter().all(|&(start, _)| start >= 6_000),
        "the customer's echo counted as agent speech: {spurts:?}"
    );
    assert!(
        spurts.iter().any(|&(s, _)| s.abs_diff(6_500) <= 100),
        "the reply is kept: {spurts:?}"
    );
    assert!(
        spurts.iter().any(|&(s, _)| s.abs_diff(11_000) <= 250),
        "talking over the customer is still agent speech: {spurts:?}"
    );
}

#[test]
fn a_recording_on_speakers_keeps_the_agents_words_and_drops_the_echo() {
    let events = events_from_wav(Path::new(FIXTURE)).unwrap();
    assert_only_the_agents_own_words(&agent_spurts(&events));
    // So the engine sees one interruption (the real one at 11 s), not one per customer turn.
    let mut engine =
        parley::engine::Engine::new(std::sync::Arc::new(parley::engine::Playbook::builtin()));
    let interruptions: Vec<u64> = events
        .iter()
        .flat_map(|e| engine.feed(e))
        .filter_map(|o| match o {
            parley::engine::Output::Nudge(n) if n.rule == parley::engine::Rule::Interruption => {
                Some(n.at_ms)
            }
            _ => None,
        })
        .collect();
    assert!(
        interruptions.iter().all(|&at| at >= 11_000),
        "{interruptions:?}"
    );
}

#[test]
fn live_capture_reports_the_bleed_once_and_drops_the_echo() {
    let mut reader = hound::WavReader::open(FIXTURE).unwrap();
    let rate = reader.spec().sample_rate;
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let (mut mic_feed, mic_in) = live::channel(Speaker::Agent, rate);
    let (mut call_feed, call_in) = live::channel(Speaker::Customer, rate);
    let (events_tx, events_rx) = mpsc::sync_channel(4096);
    let (notices_tx, notices_rx) = mpsc::sync_channel(16);
    let outlets = Outlets {
        events: Box::new(move |e| events_tx.send(e).expect("test receiver alive")),
        notices: Box::new(move |n| notices_tx.send(n).expect("test receiver alive")),
        ticks: false,
        stall_after: STALL_AFTER,
        align: false,
        tap: None,
    };
    let audio = LiveAudio::start_with(vec![mic_in, call_in], outlets).unwrap();
    // 20 ms device blocks, the microphone's and the call's delivered one after the other.
    let block = rate as usize / 50;
    for frame in samples.chunks(2 * block) {
        let left: Vec<f32> = frame
            .iter()
            .step_by(2)
            .map(|&s| f32::from(s) / 32768.0)
            .collect();
        let right: Vec<f32> = frame
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&s| f32::from(s) / 32768.0)
            .collect();
        while mic_feed.free_slots() < 2 * block || call_feed.free_slots() < 2 * block {
            std::thread::yield_now();
        }
        mic_feed.push(&left);
        call_feed.push(&right);
        // Four times real time, so the thread sees both sides' spurts while they are open.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    audio.stop().unwrap();
    let events: Vec<Event> = events_rx.try_iter().collect();
    assert_only_the_agents_own_words(&agent_spurts(&events));
    // The echo is never reported as the agent talking over the customer while it sounds.
    let echo_talk_over: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::TalkOver { agent_start_ms, .. } if *agent_start_ms < 6_000))
        .collect();
    assert!(echo_talk_over.is_empty(), "{echo_talk_over:?}");
    let bleeds: Vec<Notice> = notices_rx
        .try_iter()
        .filter(|n| matches!(n, Notice::Bleed(_)))
        .collect();
    match bleeds.as_slice() {
        [Notice::Bleed(b)] => assert!(b.delay_ms.abs_diff(90) <= 10 && b.r > 0.9, "{b:?}"),
        other => panic!("one bleed notice expected: {other:?}"),
    }
}
