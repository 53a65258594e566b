//! One test per behaviour of the engine, on hand-built events.

use super::*;

fn engine() -> Engine {
    Engine::new(Arc::new(Playbook::builtin()))
}

fn say(speaker: Speaker, start_s: f64, end_s: f64, text: &str) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: text.to_string(),
        start_ms: (start_s * 1000.0) as Ms,
        end_ms: (end_s * 1000.0) as Ms,
        is_final: true,
    })
}

fn agent(start: f64, end: f64, text: &str) -> Event {
    say(Speaker::Agent, start, end, text)
}

fn customer(start: f64, end: f64, text: &str) -> Event {
    say(Speaker::Customer, start, end, text)
}

fn tick(s: f64) -> Event {
    Event::Tick {
        at_ms: (s * 1000.0) as Ms,
    }
}

/// Feed events as a live call would deliver them: a partial when speech starts, the final at
/// its end, a tick each second between; collect every output.
fn run(events: &[Event]) -> (Engine, Vec<Output>) {
    let mut timeline: Vec<Event> = Vec::new();
    for ev in events {
        if let Event::Utterance(u) = ev {
            if u.is_final {
                timeline.push(Event::Utterance(Utterance {
                    text: String::new(),
                    end_ms: u.start_ms,
                    is_final: false,
                    ..u.clone()
                }));
            }
        }
        timeline.push(ev.clone());
    }
    timeline.sort_by_key(Event::at_ms);
    let mut e = engine();
    let mut out = Vec::new();
    let mut last = 0;
    for ev in &timeline {
        while last + 1000 < ev.at_ms() {
            last += 1000;
            out.extend(e.feed(&Event::Tick { at_ms: last }));
        }
        last = last.max(ev.at_ms());
        out.extend(e.feed(ev));
    }
    (e, out)
}

fn nudges(out: &[Output]) -> Vec<(Rule, Ms)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Nudge(n) => Some((n.rule, n.at_ms)),
            _ => None,
        })
        .collect()
}

fn fired(out: &[Output], rule: Rule) -> bool {
    nudges(out).iter().any(|(r, _)| *r == rule)
}

fn ticked(out: &[Output], item: &str) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::Tick { item: i, .. } if i == item))
}

#[test]
fn greeting_ticks_open_and_moves_to_listen() {
    let (e, out) = run(&[agent(
        0.5,
        4.0,
        "Thank you for calling Northwind, my name is Sam.",
    )]);
    assert!(ticked(&out, "open"));
    assert_eq!(e.current_phase(), "listen");
    assert!(nudges(&out).is_empty());
}

#[test]
fn fast_speech_is_nudged_with_the_rate_in_the_reason() {
    // 60 words in 15 s = 240 wpm.
    let fast = "word ".repeat(60);
    let (_, out) = run(&[agent(0.0, 15.0, &fast)]);
    let n = out.iter().find_map(|o| match o {
        Output::Nudge(n) if n.rule == Rule::SpeakingFast => Some(n.clone()),
        _ => None,
    });
    let n = n.expect("a speaking_fast nudge");
    assert!(n.reason.contains("240 words/min"), "{}", n.reason);
    assert_eq!(n.headline, "Slow down");
}

#[test]
fn normal_rate_is_not_nudged() {
    // 40 words in 16 s = 150 wpm.
    let (_, out) = run(&[agent(0.0, 16.0, &"word ".repeat(40))]);
    assert!(!fired(&out, Rule::SpeakingFast));
}

#[test]
fn overlap_over_threshold_is_an_interruption_and_short_one_a_backchannel() {
    let (e, out) = run(&[
        customer(
            0.0,
            10.0,
            "I have been waiting for my refund for three weeks now and nobody",
        ),
        agent(9.0, 12.0, "Okay let me look at that for you"),
    ]);
    let reason = out.iter().find_map(|o| match o {
        Output::Nudge(n) if n.rule == Rule::Interruption => Some(n.reason.clone()),
        _ => None,
    });
    assert_eq!(reason.as_deref(), Some("overlap 1.0 s at 00:09"));
    assert_eq!(e.pacing().interruptions, 1);

    let (e, out) = run(&[
        customer(0.0, 10.0, "so the thing is it broke"),
        agent(9.7, 10.2, "mm-hm"),
    ]);
    assert!(!fired(&out, Rule::Interruption));
    assert_eq!(e.pacing().backchannels, 1);
}

#[test]
fn customer_talking_over_agent_is_not_the_agents_interruption() {
    let (e, out) = run(&[
        agent(0.0, 6.0, "Let me explain how the refund works here"),
        customer(4.0, 9.0, "No I want it now"),
    ]);
    assert!(!fired(&out, Rule::Interruption));
    assert_eq!(e.pacing().overlaps, 1);
    assert_eq!(e.pacing().interruptions, 0);
}

fn voice(speaker: Speaker, start_ms: Ms, end_ms: Ms) -> Event {
    Event::VoiceActivity {
        speaker,
        start_ms,
        end_ms,
        level_db: None,
        syllable_rate: None,
    }
}

/// What capture reports while both speak: a talk-over every 100 ms of `from..=to`.
fn talk_over(agent_start_ms: Ms, customer_start_ms: Ms, from: Ms, to: Ms) -> Vec<Event> {
    (from / 100..=to / 100)
        .map(|i| Event::TalkOver {
            agent_start_ms,
            customer_start_ms,
            at_ms: i * 100,
        })
        .collect()
}

#[test]
fn an_interruption_is_coached_while_it_happens_and_counted_once() {
    let mut events = talk_over(6_000, 2_000, 6_100, 7_000);
    events.push(voice(Speaker::Customer, 2_000, 7_000));
    events.push(voice(Speaker::Agent, 6_000, 9_000));
    let (e, out) = run(&events);
    // The playbook's limit is 0.6 s of overlap: the nudge comes at 6.6 s, while both still
    // speak, not when the agent's turn ends at 9 s.
    assert_eq!(nudges(&out), vec![(Rule::Interruption, 6_600)]);
    assert_eq!(e.pacing().interruptions, 1);
    assert_eq!(e.pacing().overlaps, 1);
}

#[test]
fn talking_over_without_an_interruption_is_not_coached() {
    // The customer talks over the agent; and a short overlap is a backchannel.
    let mut events = talk_over(0, 4_000, 4_100, 6_000);
    events.extend(talk_over(20_000, 19_000, 20_100, 20_400));
    let (e, out) = run(&events);
    assert!(!fired(&out, Rule::Interruption));
    assert_eq!(e.pacing().interruptions, 0);
}

#[test]
fn dead_air_fires_once_per_silence_and_not_on_hold() {
    let (_, out) = run(&[agent(0.0, 2.0, "One moment please."), tick(12.0)]);
    let dead: Vec<_> = nudges(&out)
        .into_iter()
        .filter(|(r, _)| *r == Rule::DeadAir)
        .collect();
    assert_eq!(dead, vec![(Rule::DeadAir, 10_000)]);

    let (_, out) = run(&[
        agent(0.0, 2.0, "Let me put you on a short hold."),
        Event::HoldStarted { at_ms: 2500 },
        tick(30.0),
    ]);
    assert!(!fired(&out, Rule::DeadAir));
}

#[test]
fn long_hold_is_nudged_and_heeded_when_hold_ends() {
    let (_, out) = run(&[
        Event::HoldStarted { at_ms: 1000 },
        tick(62.0),
        Event::HoldEnded { at_ms: 70_000 },
        agent(70.5, 73.0, "Thanks for holding."),
    ]);
    assert!(fired(&out, Rule::LongHold));
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Heeded {
            rule: Rule::LongHold,
            heeded: true,
            ..
        }
    )));
}

#[test]
fn monologue_fires_while_the_agent_is_still_talking() {
    let mut events = vec![Event::Utterance(Utterance {
        speaker: Speaker::Agent,
        text: String::new(),
        start_ms: 0,
        end_ms: 0,
        is_final: false,
    })];
    events.push(tick(46.0));
    events.push(agent(0.0, 60.0, &"word ".repeat(140)));
    let (_, out) = run(&events);
    let m: Vec<_> = nudges(&out)
        .into_iter()
        .filter(|(r, _)| *r == Rule::Monologue)
        .collect();
    assert_eq!(m, vec![(Rule::Monologue, 45_000)]);
}

#[test]
fn fix_before_paraphrase_is_nudged_and_resolve_waits() {
    let (e, out) = run(&[
        customer(0.0, 14.0, "I cancelled my subscription last month and you still charged my card twice this month, and the app will not let me see the invoice at all, so I have no idea what these charges are even for."),
        agent(15.0, 18.0, "I can refund that for you right away."),
    ]);
    assert!(fired(&out, Rule::ParaphraseFirst));
    assert!(!ticked(&out, "resolve"));
    assert!(!e.checklist().iter().any(|i| i.item == "resolve" && i.done));
}

#[test]
fn paraphrase_then_fix_ticks_both_and_no_nudge() {
    let (_, out) = run(&[
        customer(0.0, 14.0, "I cancelled my subscription last month and you still charged my card twice this month, and the app will not let me see the invoice at all, so I have no idea what these charges are even for."),
        agent(15.0, 21.0, "So what I'm hearing is you cancelled last month, yet your card was charged twice this month and you can't see the invoice. Is that right?"),
        customer(21.5, 22.5, "Yes exactly."),
        agent(23.0, 26.0, "I can refund both charges right away."),
    ]);
    assert!(ticked(&out, "paraphrase"));
    assert!(ticked(&out, "resolve"));
    assert!(!fired(&out, Rule::ParaphraseFirst));
}

#[test]
fn i_understand_alone_is_neither_acknowledgement_nor_paraphrase() {
    let (_, out) = run(&[
        customer(
            0.0,
            8.0,
            "You charged my card twice after I cancelled my subscription last month.",
        ),
        agent(9.0, 10.5, "I understand."),
    ]);
    assert!(!ticked(&out, "paraphrase"));
    assert!(!ticked(&out, "acknowledge"));
}

#[test]
fn third_apology_is_nudged() {
    let (_, out) = run(&[
        agent(0.0, 2.0, "I'm so sorry about that."),
        agent(10.0, 12.0, "Sorry, one moment."),
        agent(20.0, 22.0, "Again, I do apologize."),
    ]);
    let over: Vec<_> = nudges(&out)
        .into_iter()
        .filter(|(r, _)| *r == Rule::OverApology)
        .collect();
    assert_eq!(over, vec![(Rule::OverApology, 22_000)]);
    assert!(ticked(&out, "apologize"));
}

#[test]
fn negative_phrasing_is_nudged_but_i_cant_wait_is_not() {
    let (_, out) = run(&[agent(0.0, 2.0, "Sir, you need to calm down.")]);
    let n = out.iter().find_map(|o| match o {
        Output::Nudge(n) if n.rule == Rule::NegativePhrasing => Some(n.clone()),
        _ => None,
    });
    assert!(n.expect("a nudge").script.unwrap().starts_with("Try:"));
    let (_, out) = run(&[agent(0.0, 2.0, "I can't wait to help you get this sorted.")]);
    assert!(!fired(&out, Rule::NegativePhrasing));
}

#[test]
fn abuse_at_the_agent_climbs_the_ladder_step_by_step() {
    let (e, out) = run(&[
        customer(0.0, 3.0, "You are a useless idiot."),
        customer(30.0, 33.0, "You're an idiot, seriously."),
        customer(60.0, 63.0, "You stupid moron."),
    ]);
    let steps: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::Nudge(n) if n.rule == Rule::Boundary => n.step,
            _ => None,
        })
        .collect();
    assert_eq!(steps, vec![1, 2, 3]);
    assert_eq!(e.boundary_step(), 3);
    assert_eq!(e.summary().outcome, output::Outcome::EndedForAbuse);
}

#[test]
fn venting_is_not_abuse_and_earns_an_acknowledgement_cue() {
    let (e, out) = run(&[
        customer(
            0.0,
            4.0,
            "This is so damn frustrating, the app crashed again.",
        ),
        agent(5.0, 8.0, "Okay, what is your account number?"),
    ]);
    assert!(!fired(&out, Rule::Boundary));
    assert_eq!(e.boundary_step(), 0);
    assert!(fired(&out, Rule::Acknowledge));
}

#[test]
fn venting_answered_with_acknowledgement_earns_nothing() {
    let (_, out) = run(&[
        customer(
            0.0,
            4.0,
            "This is so damn frustrating, the app crashed again.",
        ),
        agent(
            5.0,
            8.0,
            "That sounds really frustrating, let's sort it out.",
        ),
    ]);
    assert!(!fired(&out, Rule::Acknowledge));
    assert!(ticked(&out, "acknowledge"));
}

#[test]
fn agent_flag_climbs_the_ladder_too() {
    let mut e = engine();
    let out = e.feed(&Event::Agent {
        at_ms: 5000,
        action: AgentAction::FlagAbuse,
    });
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Nudge(n) if n.rule == Rule::Boundary && n.step == Some(1))));
}

#[test]
fn manager_request_asks_for_a_warm_transfer_and_is_heeded_by_offering_one() {
    let (e, out) = run(&[
        customer(0.0, 3.0, "I want to speak to your manager right now."),
        agent(
            4.0,
            8.0,
            "Of course, I can bring in my supervisor and brief them first.",
        ),
    ]);
    assert!(fired(&out, Rule::Escalation));
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Heeded {
            rule: Rule::Escalation,
            heeded: true,
            ..
        }
    )));
    assert_eq!(e.summary().outcome, output::Outcome::Escalated);
}

#[test]
fn follow_up_promise_is_recorded_with_its_due_time() {
    let (e, out) = run(&[agent(
        0.0,
        4.0,
        "I'll call you back within 48 hours with the answer.",
    )]);
    assert!(fired(&out, Rule::FollowUp));
    let s = e.summary();
    assert_eq!(s.follow_ups.len(), 1);
    assert_eq!(s.follow_ups[0].due_in_ms, Some(48 * 3_600_000));
    assert_eq!(s.outcome, output::Outcome::FollowUpOwed);
}

#[test]
fn nudges_respect_the_gap_unless_urgent() {
    // Negative phrasing and over-apology on the same utterance: only one shows now.
    let (_, out) = run(&[
        agent(0.0, 1.0, "Sorry."),
        agent(2.0, 3.0, "Sorry."),
        agent(4.0, 6.0, "Sorry, unfortunately that's our policy."),
    ]);
    let shown: Vec<_> = nudges(&out)
        .into_iter()
        .filter(|(_, at)| *at == 6000)
        .collect();
    assert_eq!(shown.len(), 1);
    // The held one follows once the gap has passed.
    let (_, out) = run(&[
        agent(0.0, 1.0, "Sorry."),
        agent(2.0, 3.0, "Sorry."),
        agent(4.0, 6.0, "Sorry, unfortunately that's our policy."),
        tick(13.0),
    ]);
    assert_eq!(nudges(&out).len(), 2);
    assert!(nudges(&out)[1].1 >= 12_000);
}

#[test]
fn cooldown_stops_a_rule_repeating() {
    let (_, out) = run(&[
        agent(0.0, 2.0, "Unfortunately no."),
        agent(10.0, 12.0, "Unfortunately not today."),
        agent(60.0, 62.0, "Unfortunately that is it."),
    ]);
    let neg: Vec<_> = nudges(&out)
        .into_iter()
        .filter(|(r, _)| *r == Rule::NegativePhrasing)
        .collect();
    assert_eq!(
        neg,
        vec![
            (Rule::NegativePhrasing, 2000),
            (Rule::NegativePhrasing, 62_000)
        ]
    );
}

#[test]
fn muted_rule_stays_quiet() {
    let (_, out) = run(&[
        Event::Agent {
            at_ms: 0,
            action: AgentAction::MuteRule {
                rule: "negative_phrasing".into(),
            },
        },
        agent(1.0, 2.0, "Unfortunately no."),
    ]);
    assert!(!fired(&out, Rule::NegativePhrasing));
}

#[test]
fn agent_tick_and_note_reach_the_summary() {
    let (e, out) = run(&[
        Event::Agent {
            at_ms: 1000,
            action: AgentAction::TickItem {
                item: "follow_up".into(),
            },
        },
        Event::Agent {
            at_ms: 2000,
            action: AgentAction::AddNote {
                text: "customer prefers email".into(),
            },
        },
        Event::CallEnded {
            at_ms: 3000,
            reason: None,
        },
    ]);
    assert!(ticked(&out, "follow_up"));
    let summary = out.iter().find_map(|o| match o {
        Output::Summary(s) => Some(s.clone()),
        _ => None,
    });
    let s = summary.expect("summary at call end");
    assert_eq!(s.agent_notes, vec!["customer prefers email".to_string()]);
    assert_eq!(e.state(), CallState::Ended);
}

#[test]
fn talk_share_counts_from_timings() {
    let (e, _) = run(&[
        agent(0.0, 30.0, &"word ".repeat(70)),
        customer(31.0, 41.0, "some words here"),
    ]);
    let p = e.pacing();
    assert!(
        (p.agent_talk_share - 0.75).abs() < 0.001,
        "{}",
        p.agent_talk_share
    );
}

#[test]
fn voice_activity_drives_pacing_and_heat_without_words() {
    let mut events = Vec::new();
    // Baselines: agent at -30 dB, customer at -30 dB, alternating turns.
    for i in 0..6 {
        let t = i as f64 * 10.0;
        events.push(Event::VoiceActivity {
            speaker: Speaker::Customer,
            start_ms: (t * 1000.0) as Ms,
            end_ms: ((t + 4.0) * 1000.0) as Ms,
            level_db: Some(-30.0),
            syllable_rate: None,
        });
        events.push(Event::VoiceActivity {
            speaker: Speaker::Agent,
            start_ms: ((t + 5.0) * 1000.0) as Ms,
            end_ms: ((t + 9.0) * 1000.0) as Ms,
            level_db: Some(-30.0),
            syllable_rate: Some(3.0),
        });
    }
    // The customer gets loud, then the agent matches it.
    events.push(Event::VoiceActivity {
        speaker: Speaker::Customer,
        start_ms: 60_000,
        end_ms: 64_000,
        level_db: Some(-20.0),
        syllable_rate: None,
    });
    events.push(Event::VoiceActivity {
        speaker: Speaker::Agent,
        start_ms: 65_000,
        end_ms: 69_000,
        level_db: Some(-22.0),
        syllable_rate: Some(3.0),
    });
    let (e, out) = run(&events);
    assert!(fired(&out, Rule::Heat));
    assert!(e.pacing().agent_talk_share > 0.45 && e.pacing().agent_talk_share < 0.55);
}

#[test]
fn same_events_give_same_outputs() {
    let events = [
        customer(
            0.0,
            10.0,
            "You people are useless, I want my money back now",
        ),
        agent(9.0, 14.0, "Unfortunately that's our policy, sorry."),
        tick(30.0),
        Event::CallEnded {
            at_ms: 31_000,
            reason: None,
        },
    ];
    assert_eq!(run(&events).1, run(&events).1);
}

fn so_far(speaker: Speaker, start_ms: Ms, end_ms: Ms, db: f32, rate: f32) -> Event {
    Event::SpeechSoFar {
        speaker,
        start_ms,
        end_ms,
        level_db: Some(db),
        syllable_rate: Some(rate),
    }
}

fn spurt(speaker: Speaker, start_ms: Ms, end_ms: Ms, db: f32, rate: f32) -> Event {
    Event::VoiceActivity {
        speaker,
        start_ms,
        end_ms,
        level_db: Some(db),
        syllable_rate: Some(rate),
    }
}

#[test]
fn fast_speech_is_coached_when_the_turn_pauses_not_after_its_hangover() {
    let mut e = engine();
    e.feed(&Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    });
    // 6 syllables a second for 10 s: about 257 words a minute.
    let paused = e.feed(&so_far(Speaker::Agent, 1_000, 11_000, -30.0, 6.0));
    assert_eq!(nudges(&paused), vec![(Rule::SpeakingFast, 11_000)]);
    // The spurt's end brings the same figures: nothing new to say.
    let closed = e.feed(&spurt(Speaker::Agent, 1_000, 11_000, -30.0, 6.0));
    assert!(nudges(&closed).is_empty(), "{closed:?}");
    assert_eq!(e.pacing().agent_speech_ms, 10_000);
}

#[test]
fn speech_so_far_that_never_becomes_a_spurt_leaves_no_trace() {
    let mut e = engine();
    // Fast speech so far whose spurt is then dropped (an echo found at its end), then a calm
    // turn: the rate and the talk time are the calm turn's alone.
    e.feed(&so_far(Speaker::Agent, 1_000, 11_000, -30.0, 6.0));
    e.feed(&spurt(Speaker::Agent, 40_000, 60_000, -30.0, 3.0));
    let p = e.pacing();
    assert_eq!(p.agent_speech_ms, 20_000);
    let wpm = p.agent_wpm.expect("a rate from the calm turn");
    assert!((wpm - 3.0 / 1.4 * 60.0).abs() < 1.0, "{wpm}");
    // Speech so far that a finished spurt already covers is old news.
    let late = e.feed(&so_far(Speaker::Agent, 40_000, 60_000, -30.0, 9.0));
    assert!(nudges(&late).is_empty(), "{late:?}");
}

#[test]
fn heat_is_coached_while_the_agent_still_speaks_and_counted_once() {
    let mut events = Vec::new();
    for i in 0..6 {
        let t = i * 10_000;
        events.push(spurt(Speaker::Customer, t, t + 4_000, -30.0, 3.0));
        events.push(spurt(Speaker::Agent, t + 5_000, t + 9_000, -30.0, 3.0));
    }
    events.push(spurt(Speaker::Customer, 60_000, 64_000, -20.0, 3.0));
    events.push(so_far(Speaker::Agent, 65_000, 67_000, -22.0, 3.0));
    let (mut e, out) = run(&events);
    assert_eq!(nudges(&out), vec![(Rule::Heat, 67_000)]);
    // Its end (after the heat rule's cooldown would have passed) does not report it again.
    let mut later = e.feed(&Event::Tick { at_ms: 200_000 });
    later.extend(e.feed(&spurt(Speaker::Agent, 65_000, 69_000, -22.0, 3.0)));
    assert!(!fired(&later, Rule::Heat), "{later:?}");
}

#[test]
fn the_customers_speech_so_far_changes_nothing() {
    let base = vec![
        spurt(Speaker::Customer, 0, 9_000, -30.0, 4.0),
        spurt(Speaker::Agent, 10_000, 30_000, -30.0, 6.0),
    ];
    let mut with = base.clone();
    with.insert(0, so_far(Speaker::Customer, 0, 8_000, -10.0, 9.0));
    let ((plain, plain_out), (heard, heard_out)) = (run(&base), run(&with));
    assert_eq!(nudges(&plain_out), nudges(&heard_out));
    assert_eq!(plain.pacing(), heard.pacing());
}

fn partial(speaker: Speaker, start_ms: Ms, end_ms: Ms, words: usize) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: "word ".repeat(words),
        start_ms,
        end_ms,
        is_final: false,
    })
}

fn final_words(speaker: Speaker, start_ms: Ms, end_ms: Ms, words: usize) -> Event {
    Event::Utterance(Utterance {
        is_final: true,
        ..match partial(speaker, start_ms, end_ms, words) {
            Event::Utterance(u) => u,
            _ => unreachable!(),
        }
    })
}

/// A live call with words: the agent's first turn is calm, so its words (not syllables) rate
/// every later turn.
fn call_with_words() -> Engine {
    let mut e = engine();
    e.feed(&Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    });
    e.feed(&spurt(Speaker::Agent, 1_000, 11_000, -30.0, 3.0));
    e.feed(&final_words(Speaker::Agent, 1_000, 11_000, 25));
    e
}

#[test]
fn fast_words_so_far_are_coached_while_the_agent_still_speaks() {
    let mut e = call_with_words();
    // Two seconds into the turn: too few words in the window to judge.
    let early = e.feed(&partial(Speaker::Agent, 13_000, 15_000, 9));
    assert!(nudges(&early).is_empty(), "{early:?}");
    // 45 words in 10 s with 25 in the 10 s before: 210 words a minute over the window.
    let so_far = e.feed(&partial(Speaker::Agent, 13_000, 23_000, 45));
    assert_eq!(nudges(&so_far), vec![(Rule::SpeakingFast, 23_000)]);
    // The turn's end brings the same rate: nothing new to say.
    let mut closed = e.feed(&spurt(Speaker::Agent, 13_000, 24_000, -30.0, 6.0));
    closed.extend(e.feed(&final_words(Speaker::Agent, 13_000, 24_000, 47)));
    assert!(nudges(&closed).is_empty(), "{closed:?}");
}

#[test]
fn words_so_far_are_not_counted_and_late_ones_are_old_news() {
    let mut e = call_with_words();
    // Calm words so far leave the call's rate as the finished turns make it.
    // (The first turn's syllable estimate gave way to its words.)
    e.feed(&partial(Speaker::Agent, 13_000, 23_000, 20));
    assert_eq!(
        e.pacing().agent_wpm_overall,
        None,
        "25 words are too few for a rate"
    );
    e.feed(&spurt(Speaker::Agent, 13_000, 23_000, -30.0, 3.0));
    e.feed(&final_words(Speaker::Agent, 13_000, 23_000, 25));
    let wpm = e.pacing().agent_wpm_overall.expect("50 words make a rate");
    assert!((wpm - 150.0).abs() < 0.5, "{wpm}");
    // A partial decoded after its turn was closed says nothing, however fast it reads.
    let late = e.feed(&partial(Speaker::Agent, 13_000, 23_000, 90));
    assert!(nudges(&late).is_empty(), "{late:?}");
    // The customer's words so far change no rule on the agent's pacing.
    let theirs = e.feed(&partial(Speaker::Customer, 24_000, 34_000, 90));
    assert!(nudges(&theirs).is_empty(), "{theirs:?}");
}
