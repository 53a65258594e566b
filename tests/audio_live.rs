//! The live audio path without a device: samples pushed into the rings the capture callback
//! writes, analyzed on the dedicated thread, which stops on a message and reports.

use std::sync::mpsc;

use parley::engine::{Event, Speaker};
use parley::sources::audio::live::{self, LiveAudio, RING_SECONDS};
use parley::sources::audio::{talk_over, ChannelAnalyzer};

const RATE: u32 = 16_000;

/// `on` seconds of a voiced, syllable-like signal after `off` seconds of silence, then silence.
fn burst(off: f32, on: f32, total: f32) -> Vec<f32> {
    syllables(off, on, total, 4.0)
}

/// As [`burst`], with `per_s` syllables a second (two voices' envelopes must differ, or one
/// looks like the other's echo).
fn syllables(off: f32, on: f32, total: f32, per_s: f32) -> Vec<f32> {
    (0..(total * RATE as f32) as usize)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            if t < off || t >= off + on {
                return 0.0;
            }
            let envelope = (t * per_s / 2.0 * 2.0 * std::f32::consts::PI).sin().abs();
            0.3 * envelope * (t * 2.0 * std::f32::consts::PI * 150.0).sin()
        })
        .collect()
}

fn offline(speaker: Speaker, samples: &[f32]) -> Vec<Event> {
    let mut a = ChannelAnalyzer::new(speaker, RATE);
    let mut out = Vec::new();
    a.push(samples, &mut out);
    a.finish(&mut out);
    out
}

/// Live analysis of an agent and a customer channel, with the feeds a device callback would
/// write and the events it sends.
fn start_both() -> (
    live::ChannelFeed,
    live::ChannelFeed,
    LiveAudio,
    mpsc::Receiver<Event>,
) {
    let (agent_feed, agent_in) = live::channel(Speaker::Agent, RATE);
    let (customer_feed, customer_in) = live::channel(Speaker::Customer, RATE);
    // Bounded like everything else: the analysis thread may fall behind by a whole ring.
    let (tx, rx) = mpsc::sync_channel(1024);
    let sink = Box::new(move |e: Event| {
        tx.send(e).expect("test receiver alive");
    });
    let audio = LiveAudio::start(vec![agent_in, customer_in], sink).unwrap();
    (agent_feed, customer_feed, audio, rx)
}

#[test]
fn live_rings_give_the_same_events_as_a_file_and_stop_with_a_report() {
    let agent = burst(1.0, 2.0, 5.0);
    let customer = burst(2.5, 1.5, 5.0);
    let (mut agent_feed, mut customer_feed, audio, rx) = start_both();
    // 10 ms callbacks, as a device would deliver them; interleaved stereo for the customer.
    let block = RATE as usize / 100;
    for (a, c) in agent.chunks(block).zip(customer.chunks(block)) {
        agent_feed.push(a);
        let stereo: Vec<i16> = c
            .iter()
            .flat_map(|s| [(s * 32767.0) as i16, (s * 32767.0) as i16])
            .collect();
        customer_feed.push_interleaved(&stereo, 2, |s| f32::from(s) / 32768.0);
        // A device delivers in real time; here the test outruns the analysis thread, so it
        // waits for room as a device's clock would.
        while agent_feed.free_slots() < 2 * block || customer_feed.free_slots() < 2 * block {
            std::thread::yield_now();
        }
    }
    let report = audio.stop().unwrap();
    let events: Vec<Event> = rx.try_iter().collect();
    assert_eq!(report.samples, [agent.len() as u64, customer.len() as u64]);
    assert_eq!((report.overruns, report.events), (0, events.len() as u64));

    let mut expected = offline(Speaker::Agent, &agent);
    expected.extend(offline(Speaker::Customer, &customer));
    // Talk-overs depend on when the thread happened to look (see the paced test below).
    let (talk_overs, voice): (Vec<Event>, Vec<Event>) = events
        .iter()
        .cloned()
        .partition(|e| matches!(e, Event::TalkOver { .. }));
    let replayed = talk_over::from_spurts(&expected);
    assert!(
        talk_overs.iter().all(|t| replayed.contains(t)),
        "{talk_overs:?}"
    );
    let key = |e: &Event| (e.at_ms(), format!("{e:?}"));
    let (mut got, mut want) = (voice, expected);
    got.sort_by_key(key);
    want.sort_by_key(key);
    // The customer went through 16-bit stereo, so levels may differ in the last decimal.
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        match (g, w) {
            (
                Event::VoiceActivity {
                    speaker: s1,
                    start_ms: a1,
                    end_ms: b1,
                    ..
                },
                Event::VoiceActivity {
                    speaker: s2,
                    start_ms: a2,
                    end_ms: b2,
                    ..
                },
            ) => assert_eq!((s1, a1, b1), (s2, a2, b2)),
            // The agent's speech so far, sent at its pauses, is the same live as from the file.
            (
                Event::SpeechSoFar {
                    speaker: s1,
                    start_ms: a1,
                    end_ms: b1,
                    ..
                },
                Event::SpeechSoFar {
                    speaker: s2,
                    start_ms: a2,
                    end_ms: b2,
                    ..
                },
            ) => assert_eq!((s1, a1, b1), (s2, a2, b2)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        got.iter().any(|e| matches!(
            e,
            Event::SpeechSoFar {
                speaker: Speaker::Agent,
                ..
            }
        )),
        "the agent's turn ends with a pause: its speech so far is sent"
    );
    let agent_spurt = events
        .iter()
        .find(|e| {
            matches!(
                e,
                Event::VoiceActivity {
                    speaker: Speaker::Agent,
                    ..
                }
            )
        })
        .unwrap();
    match agent_spurt {
        Event::VoiceActivity {
            start_ms, end_ms, ..
        } => {
            assert!(
                start_ms.abs_diff(1_000) <= 60 && end_ms.abs_diff(3_000) <= 60,
                "{agent_spurt:?}"
            )
        }
        _ => unreachable!(),
    }
}

#[test]
fn agent_speech_over_the_customer_is_reported_while_both_still_speak() {
    let customer = burst(1.0, 3.0, 5.0);
    let agent = syllables(2.0, 1.5, 5.0, 2.6);
    let (mut agent_feed, mut customer_feed, audio, rx) = start_both();
    // Four times real time: the thread looks every 20 ms, so every 80 ms of audio.
    let block = RATE as usize / 100;
    for (a, c) in agent.chunks(block).zip(customer.chunks(block)) {
        agent_feed.push(a);
        customer_feed.push(c);
        std::thread::sleep(std::time::Duration::from_micros(2_500));
    }
    audio.stop().unwrap();
    let events: Vec<Event> = rx.try_iter().collect();
    let mut offline_events = offline(Speaker::Agent, &agent);
    offline_events.extend(offline(Speaker::Customer, &customer));
    let replayed = talk_over::from_spurts(&offline_events);
    let live: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::TalkOver { .. }))
        .collect();
    assert!(live.len() >= 5, "{live:?}");
    assert!(live.iter().all(|t| replayed.contains(t)), "{live:?}");
    let agent_end = events
        .iter()
        .find_map(|e| match e {
            Event::VoiceActivity {
                speaker: Speaker::Agent,
                end_ms,
                ..
            } => Some(*end_ms),
            _ => None,
        })
        .unwrap();
    // Reported while it happens: 0.6 s of the agent over the customer is known well before
    // the agent's turn ends (and its spurt is reported 350 ms after that).
    let known = live.iter().find_map(|e| match e {
        Event::TalkOver {
            agent_start_ms,
            at_ms,
            ..
        } if at_ms - agent_start_ms >= 600 => Some(*at_ms),
        _ => None,
    });
    assert!(
        known.is_some_and(|at| at + 500 < agent_end),
        "{known:?} {agent_end}"
    );
    let sent_at = |wanted: &Event| events.iter().position(|e| e == wanted);
    let spurt_at = events
        .iter()
        .position(|e| {
            matches!(
                e,
                Event::VoiceActivity {
                    speaker: Speaker::Agent,
                    ..
                }
            )
        })
        .unwrap();
    assert!(live.iter().all(|t| sent_at(t) < Some(spurt_at)));
}

#[test]
fn a_full_ring_drops_and_counts_instead_of_blocking() {
    let (mut feed, input) = live::channel(Speaker::Agent, RATE);
    let capacity = (RATE * RING_SECONDS) as usize;
    // Nobody drains yet: the callback must not block or allocate, it drops and counts.
    feed.push(&vec![0.1; capacity + 500]);
    let audio = LiveAudio::start(vec![input], Box::new(|_| {})).unwrap();
    let report = audio.stop().unwrap();
    assert_eq!(report.overruns, 500);
    assert_eq!(report.samples[0], capacity as u64);
}

/// A device that stops delivering (unplugged, unloaded) is reported, and the call's ticks go on
/// from the channel that still works, on its audio clock.
#[test]
fn a_channel_that_stops_is_reported_and_ticks_go_on_from_the_other() {
    use parley::sources::audio::live::{Notice, Outlets, TICK_MS};
    use std::time::Duration;

    let (mut agent_feed, agent_in) = live::channel(Speaker::Agent, RATE);
    let (_customer_feed, customer_in) = live::channel(Speaker::Customer, RATE);
    let (events_tx, events_rx) = mpsc::sync_channel(1024);
    let (notices_tx, notices_rx) = mpsc::sync_channel(16);
    let outlets = Outlets {
        events: Box::new(move |e| events_tx.send(e).expect("test receiver alive")),
        notices: Box::new(move |n| notices_tx.send(n).expect("test receiver alive")),
        ticks: true,
        // The customer's device never delivers.
        stall_after: Duration::from_millis(200),
        align: true,
        tap: None,
    };
    let audio = LiveAudio::start_with(vec![agent_in, customer_in], outlets).unwrap();
    let wait = Duration::from_secs(20);
    // (The microphone has not delivered yet either, and may be reported too.)
    while notices_rx.recv_timeout(wait).unwrap() != Notice::Stalled(Speaker::Customer) {}
    // Four seconds of silence on the microphone, pushed faster than real time: ticks at least
    // TICK_MS of audio apart, up to its end (a device delivers in real time: one per TICK_MS).
    let block = RATE as usize / 100;
    let silence = vec![0.0f32; block];
    let mut ticks = Vec::new();
    for _ in 0..400 {
        while agent_feed.free_slots() < block {
            std::thread::yield_now();
        }
        agent_feed.push(&silence);
    }
    // The last tick comes within TICK_MS of the end of the audio, whatever the poll timing.
    while ticks.last().is_none_or(|&t| t <= 4_000 - TICK_MS) {
        match events_rx.recv_timeout(wait).unwrap() {
            Event::Tick { at_ms } => ticks.push(at_ms),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        ticks.windows(2).all(|w| w[1] >= w[0] + TICK_MS),
        "{ticks:?}"
    );
    assert!(
        ticks[0] >= TICK_MS && ticks.last().is_some_and(|&t| t <= 4_000),
        "{ticks:?}"
    );
    let report = audio.stop().unwrap();
    assert_eq!(report.samples, [400 * block as u64, 0]);
}
