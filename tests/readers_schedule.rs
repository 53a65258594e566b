//! The replay scheduler: arrival order, partials before finals, ticks, synthesised start and end.

use parley::engine::{AgentAction, Event, Speaker, Utterance};
use parley::sources::schedule::schedule;
use parley::sources::transcript::start_ms;
use proptest::prelude::*;

fn said(speaker: Speaker, start_ms: u64, end_ms: u64, text: &str) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: text.to_string(),
        start_ms,
        end_ms,
        is_final: true,
    })
}

fn partial(speaker: Speaker, start_ms: u64) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: String::new(),
        start_ms,
        end_ms: start_ms,
        is_final: false,
    })
}

fn started(at_ms: u64) -> Event {
    Event::CallStarted {
        at_ms,
        agent: None,
        customer_name: None,
    }
}

fn ended(at_ms: u64) -> Event {
    Event::CallEnded {
        at_ms,
        reason: None,
    }
}

fn run(events: Vec<Event>, tick_ms: Option<u64>) -> Vec<Event> {
    let input = events.into_iter().map(Ok::<Event, String>);
    schedule(input, tick_ms).map(|r| r.unwrap()).collect()
}

#[test]
fn overlapping_speech_in_arrival_order() {
    let input = vec![
        said(Speaker::Customer, 1_000, 9_000, "long"),
        said(Speaker::Agent, 2_000, 3_000, "short"),
        Event::HoldStarted { at_ms: 9_000 },
        said(Speaker::Agent, 9_000, 9_000, "blip"),
    ];
    assert_eq!(
        run(input, None),
        vec![
            started(0),
            partial(Speaker::Customer, 1_000),
            partial(Speaker::Agent, 2_000),
            said(Speaker::Agent, 2_000, 3_000, "short"),
            Event::HoldStarted { at_ms: 9_000 },
            partial(Speaker::Agent, 9_000),
            said(Speaker::Customer, 1_000, 9_000, "long"),
            said(Speaker::Agent, 9_000, 9_000, "blip"),
            ended(9_000),
        ]
    );
}

#[test]
fn ticks_fill_the_time_between_events() {
    let input = vec![
        started(500),
        said(Speaker::Agent, 1_000, 3_000, "hi"),
        Event::CallEnded {
            at_ms: 4_500,
            reason: Some(parley::engine::EndReason::Completed),
        },
    ];
    let got = run(input, Some(1_000));
    let tick = |at_ms| Event::Tick { at_ms };
    assert_eq!(
        got,
        vec![
            started(500),
            partial(Speaker::Agent, 1_000),
            tick(2_000),
            said(Speaker::Agent, 1_000, 3_000, "hi"),
            tick(4_000),
            Event::CallEnded {
                at_ms: 4_500,
                reason: Some(parley::engine::EndReason::Completed),
            },
        ]
    );
    assert!(!run(vec![said(Speaker::Agent, 0, 5_000, "x")], Some(0))
        .iter()
        .any(|e| matches!(e, Event::Tick { .. })));
}

#[test]
fn voice_and_actions_arrive_on_time() {
    let input = vec![
        Event::VoiceActivity {
            speaker: Speaker::Agent,
            start_ms: 1_000,
            end_ms: 5_000,
            level_db: None,
            syllable_rate: None,
        },
        Event::Agent {
            at_ms: 2_000,
            action: AgentAction::FlagAbuse,
        },
    ];
    let got = run(input, None);
    let times: Vec<u64> = got.iter().map(Event::at_ms).collect();
    assert_eq!(times, vec![0, 2_000, 5_000, 5_000]);
    assert!(matches!(got[2], Event::VoiceActivity { .. }));
}

#[test]
fn errors_pass_through_where_they_occur() {
    let input = vec![
        Ok(said(Speaker::Agent, 1_000, 2_000, "a")),
        Err("line 2 is bad".to_string()),
        Ok(said(Speaker::Agent, 3_000, 4_000, "b")),
    ];
    let got: Vec<Result<Event, String>> = schedule(input, None).collect();
    assert_eq!(got[0], Ok(started(0)));
    assert_eq!(got[1], Err("line 2 is bad".to_string()));
    assert_eq!(got[2], Ok(partial(Speaker::Agent, 1_000)));
    assert_eq!(got.len(), 7);
    assert_eq!(got[6], Ok(ended(4_000)));
    let only_errors: Vec<Result<Event, String>> =
        schedule(vec![Err("empty".to_string())], Some(1000)).collect();
    assert_eq!(only_errors, vec![Err("empty".to_string())]);
}

/// Rank among equal arrival times, as documented on the scheduler.
fn rank(e: &Event) -> u8 {
    match e {
        Event::Utterance(u) if u.is_final => 1,
        Event::CallEnded { .. } => 2,
        _ => 0,
    }
}

/// Events in start order, the shape every reader produces.
fn call() -> impl Strategy<Value = Vec<Event>> {
    let step = (0u64..3_000, 0u8..7, 0u64..8_000, any::<bool>());
    (
        any::<bool>(),
        prop::collection::vec(step, 0..40),
        prop::option::of(0u64..5_000),
    )
        .prop_map(|(with_start, steps, end_after)| {
            let mut t = 0;
            let mut last_end = 0;
            let mut events = Vec::new();
            if with_start {
                events.push(started(0));
            }
            for (gap, kind, len, agent) in steps {
                t += gap;
                let speaker = if agent {
                    Speaker::Agent
                } else {
                    Speaker::Customer
                };
                let event = match kind {
                    0..=2 => said(speaker, t, t + len, "words"),
                    3 => Event::Utterance(Utterance {
                        is_final: false,
                        ..Utterance {
                            speaker,
                            text: "wor".into(),
                            start_ms: t,
                            end_ms: t + len / 2,
                            is_final: true,
                        }
                    }),
                    4 => Event::VoiceActivity {
                        speaker,
                        start_ms: t,
                        end_ms: t + len,
                        level_db: Some(-20.0),
                        syllable_rate: None,
                    },
                    5 => Event::Agent {
                        at_ms: t,
                        action: AgentAction::AddNote { text: "n".into() },
                    },
                    _ => Event::Agent {
                        at_ms: t,
                        action: AgentAction::TickItem {
                            item: "listen".into(),
                        },
                    },
                };
                last_end = last_end.max(event.at_ms());
                events.push(event);
            }
            if let Some(after) = end_after {
                events.push(ended(last_end.max(t) + after));
            }
            events
        })
}

proptest! {
    #[test]
    fn schedule_properties(input in call(), tick in prop::option::of(1u64..3_000)) {
        let sorted_input = input.windows(2).all(|w| start_ms(&w[0]) <= start_ms(&w[1]));
        prop_assert!(sorted_input);
        let out = run(input.clone(), tick);
        if input.is_empty() {
            prop_assert!(out.is_empty());
            return Ok(());
        }

        // Arrival times never go back.
        for w in out.windows(2) {
            prop_assert!(w[0].at_ms() <= w[1].at_ms(), "{:?} then {:?}", w[0], w[1]);
        }
        // One start first, one end last.
        let first_is_start = matches!(out.first(), Some(Event::CallStarted { .. }));
        let last_is_end = matches!(out.last(), Some(Event::CallEnded { .. }));
        prop_assert!(first_is_start && last_is_end);
        let starts = out.iter().filter(|e| matches!(e, Event::CallStarted { .. })).count();
        let ends = out.iter().filter(|e| matches!(e, Event::CallEnded { .. })).count();
        prop_assert_eq!((starts, ends), (1, 1));

        // Every final comes after its own empty partial.
        let mut open: Vec<(Speaker, u64)> = Vec::new();
        for e in &out {
            if let Event::Utterance(u) = e {
                if !u.is_final && u.text.is_empty() {
                    prop_assert_eq!(u.end_ms, u.start_ms);
                    open.push((u.speaker, u.start_ms));
                } else if u.is_final {
                    let i = open.iter().position(|p| *p == (u.speaker, u.start_ms));
                    prop_assert!(i.is_some(), "final without partial: {:?}", u);
                    if let Some(i) = i {
                        open.remove(i);
                    }
                }
            }
        }
        prop_assert!(open.is_empty());

        // Ticks sit on the tick grid, strictly between their neighbours, with none missing.
        for (i, e) in out.iter().enumerate() {
            if let Event::Tick { at_ms } = e {
                let step = tick.unwrap_or(0);
                prop_assert!(step > 0 && at_ms % step == 0);
                prop_assert!(out[i - 1].at_ms() < *at_ms && *at_ms < out[i + 1].at_ms());
            }
        }
        if let Some(step) = tick {
            for w in out.windows(2) {
                let next_grid = (w[0].at_ms() / step + 1) * step;
                prop_assert!(next_grid >= w[1].at_ms(), "missing tick after {:?}", w[0]);
            }
        }

        // The input comes out whole, stably ordered by arrival.
        let mut want = input.clone();
        if !matches!(want.first(), Some(Event::CallStarted { .. })) {
            want.insert(0, started(0));
        }
        want.sort_by_key(|e| (e.at_ms(), rank(e)));
        let synthetic_end = !input.iter().any(|e| matches!(e, Event::CallEnded { .. }));
        let mut got: Vec<Event> = out
            .into_iter()
            .filter(|e| !matches!(e, Event::Tick { .. }))
            .filter(|e| !matches!(e, Event::Utterance(u) if !u.is_final && u.text.is_empty()))
            .collect();
        if synthetic_end {
            got.pop();
        }
        prop_assert_eq!(got, want);
    }
}
