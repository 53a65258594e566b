//! Any well-formed call written as JSONL, every event kind included, reads back exactly.

use parley::engine::{AgentAction, EndReason, Event, Speaker, Utterance};
use parley::sources::transcript::{self, Format, SpeakerMap};
use proptest::prelude::*;
use serde_json::{json, Value};

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn role(s: Speaker) -> &'static str {
    s.as_str()
}

/// The JSONL line for an event, as docs/transcript-formats.md describes it.
fn line(event: &Event) -> Value {
    match event {
        Event::CallStarted {
            at_ms,
            agent,
            customer_name,
        } => {
            json!({"event": "call_start", "at": secs(*at_ms), "agent": agent, "customer_name": customer_name})
        }
        Event::CallEnded { at_ms, reason } => {
            let reason = reason.map(|r| serde_json::to_value(r).unwrap());
            json!({"event": "call_end", "at": secs(*at_ms), "reason": reason})
        }
        Event::Utterance(u) => json!({
            "speaker": role(u.speaker), "start": secs(u.start_ms), "end": secs(u.end_ms),
            "text": u.text, "final": u.is_final
        }),
        Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            level_db,
            syllable_rate,
        } => json!({
            "event": "voice", "speaker": role(*speaker), "start": secs(*start_ms),
            "end": secs(*end_ms), "level_db": level_db.map(f64::from),
            "syllable_rate": syllable_rate.map(f64::from)
        }),
        Event::HoldStarted { at_ms } => json!({"event": "hold_start", "at": secs(*at_ms)}),
        Event::HoldEnded { at_ms } => json!({"event": "hold_end", "at": secs(*at_ms)}),
        Event::Agent { at_ms, action } => {
            let at = secs(*at_ms);
            match action {
                AgentAction::TickItem { item } => {
                    json!({"event": "tick_item", "item": item, "at": at})
                }
                AgentAction::FlagAbuse => json!({"event": "flag_abuse", "at": at}),
                AgentAction::AddNote { text } => json!({"event": "note", "text": text, "at": at}),
                AgentAction::MuteRule { rule } => {
                    json!({"event": "mute_rule", "rule": rule, "at": at})
                }
                AgentAction::DismissNudge { nudge_id } => {
                    json!({"event": "dismiss_nudge", "nudge_id": nudge_id, "at": at})
                }
            }
        }
        Event::Tick { .. } | Event::TalkOver { .. } | Event::SpeechSoFar { .. } => {
            unreachable!("transcripts hold no ticks, talk-overs or speech so far")
        }
    }
}

fn speaker() -> impl Strategy<Value = Speaker> {
    prop_oneof![Just(Speaker::Agent), Just(Speaker::Customer)]
}

/// One step of a call at time `t`; returns the events and how far time moves.
fn step() -> impl Strategy<Value = (u64, u8, u64, Speaker, String, Option<f32>, Option<f32>, u32)> {
    (
        0u64..4_000,
        0u8..10,
        0u64..9_000,
        speaker(),
        any::<String>(),
        prop::option::of(-200.0f32..60.0),
        prop::option::of(0.0f32..50.0),
        any::<u32>(),
    )
}

fn call() -> impl Strategy<Value = Vec<Event>> {
    let start = prop::option::of((
        prop::option::of("[A-Za-z ]{1,10}"),
        prop::option::of("[A-Za-z ]{1,10}"),
    ));
    let end = prop::option::of((
        0u64..5_000,
        prop::option::of(prop::sample::select(vec![
            EndReason::Completed,
            EndReason::CustomerHungUp,
            EndReason::AgentEndedForAbuse,
            EndReason::Transferred,
        ])),
    ));
    (start, prop::collection::vec(step(), 1..30), end).prop_map(|(start, steps, end)| {
        let mut events = Vec::new();
        if let Some((agent, customer_name)) = start {
            events.push(Event::CallStarted {
                at_ms: 0,
                agent,
                customer_name,
            });
        }
        let (mut t, mut last_end) = (0u64, 0u64);
        for (gap, kind, len, speaker, text, level_db, syllable_rate, id) in steps {
            t += gap;
            let at = |action| Event::Agent { at_ms: t, action };
            match kind {
                0..=2 => events.push(Event::Utterance(Utterance {
                    speaker,
                    text,
                    start_ms: t,
                    end_ms: t + len,
                    is_final: kind != 2,
                })),
                3 => events.push(Event::VoiceActivity {
                    speaker,
                    start_ms: t,
                    end_ms: t + len,
                    level_db,
                    syllable_rate,
                }),
                4 => {
                    events.push(Event::HoldStarted { at_ms: t });
                    t += len;
                    events.push(Event::HoldEnded { at_ms: t });
                }
                5 => events.push(at(AgentAction::TickItem {
                    item: format!("item{}", id % 9),
                })),
                6 => events.push(at(AgentAction::FlagAbuse)),
                7 => events.push(at(AgentAction::AddNote { text })),
                8 => events.push(at(AgentAction::MuteRule {
                    rule: "dead_air".into(),
                })),
                _ => events.push(at(AgentAction::DismissNudge { nudge_id: id })),
            }
            if kind <= 3 {
                last_end = last_end.max(t + len);
            }
        }
        if let Some((after, reason)) = end {
            events.push(Event::CallEnded {
                at_ms: last_end.max(t) + after,
                reason,
            });
        }
        events
    })
}

proptest! {
    #[test]
    fn jsonl_round_trip(events in call()) {
        let mut file = String::from("# written by the round-trip test\n\n");
        for event in &events {
            file.push_str(&line(event).to_string());
            file.push('\n');
        }
        let read: Result<Vec<Event>, _> = transcript::from_reader(
            file.as_bytes(),
            "trip.jsonl",
            Some(Format::Jsonl),
            &SpeakerMap::empty(),
        )
        .collect();
        match read {
            Ok(read) => prop_assert_eq!(read, events),
            Err(e) => prop_assert!(false, "{e}\n{file}"),
        }
    }
}
