//! Cost of the language detectors with the model, through a whole engine: every final utterance
//! is embedded once and read by the heads. Goals: p99 <= 10 ms per utterance; non-utterance
//! events p99 <= 20 µs; a one-hour call replays in <= 10 s with the model, <= 50 ms without.
//! Prints figures (not a criterion harness: percentiles are the point). Needs
//! scripts/install-models.sh; says so and measures the word rules alone without it.

use std::sync::Arc;
use std::time::Instant;

use parley::engine::{Coach, Engine, Event, Ms, Playbook, Speaker, Utterance};

const CUSTOMER: &[&str] = &[
    "Hi, I returned a jacket two weeks ago and I still haven't seen the refund on my card.",
    "This is the third time I've called, the bill is wrong again and this company is useless.",
    "you people are useless i want to speak to someone who actually knows what they are doing",
    "I'm not calling you stupid, I'm just really frustrated with the app.",
    "okay yes that's right it was the order from last tuesday for a hundred and twenty nine dollars",
    "The engineer was meant to come on Monday, nobody showed up and I took the day off work for it.",
];

const AGENT: &[&str] = &[
    "So what I'm hearing is you sent the jacket back two weeks ago and the refund hasn't reached your card, is that right?",
    "I understand.",
    "Taking a day off for a visit that never happened is really frustrating, I'm sorry.",
    "let me look that up for you one moment please",
    "Here's what I can do: I'll book the first slot tomorrow morning and credit the wasted day.",
];

fn utterance(speaker: Speaker, text: &str, start_ms: Ms) -> (Utterance, Ms) {
    let end_ms = start_ms + 400 * text.split_whitespace().count() as Ms;
    let u = Utterance {
        speaker,
        text: text.to_string(),
        start_ms,
        end_ms,
        is_final: true,
    };
    (u, end_ms + 700)
}

/// An hour of alternating turns with a tick every second, as a live call brings them.
fn one_hour_call() -> Vec<Event> {
    let mut events = vec![Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    }];
    let mut at: Ms = 1000;
    let mut next_tick: Ms = 1000;
    let mut i = 0;
    while at < 3_600_000 {
        let (u, next) = if i % 2 == 0 {
            utterance(Speaker::Customer, CUSTOMER[(i / 2) % CUSTOMER.len()], at)
        } else {
            utterance(Speaker::Agent, AGENT[(i / 2) % AGENT.len()], at)
        };
        while next_tick < u.end_ms {
            events.push(Event::Tick { at_ms: next_tick });
            next_tick += 1000;
        }
        events.push(Event::Utterance(u));
        at = next;
        i += 1;
    }
    events.push(Event::CallEnded {
        at_ms: at,
        reason: None,
    });
    events
}

fn pct(times: &mut [u64], p: f64) -> f64 {
    times.sort_unstable();
    times[((times.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0
}

fn measure(name: &str, coach: &Coach, events: &[Event]) {
    let mut engine: Engine = coach.engine();
    let mut utterances = Vec::new();
    let mut others = Vec::new();
    let started = Instant::now();
    for e in events {
        let t = Instant::now();
        std::hint::black_box(engine.feed(e));
        let ns = t.elapsed().as_nanos() as u64;
        match e {
            Event::Utterance(_) => utterances.push(ns),
            _ => others.push(ns),
        }
    }
    let total = started.elapsed();
    println!(
        "{name}: one-hour call ({} utterances, {} other events) replayed in {:.2} s",
        utterances.len(),
        others.len(),
        total.as_secs_f64()
    );
    println!(
        "{name}: per utterance p50 {:.1} µs  p99 {:.1} µs  max {:.1} µs",
        pct(&mut utterances, 0.5),
        pct(&mut utterances, 0.99),
        pct(&mut utterances, 1.0)
    );
    println!(
        "{name}: other events p50 {:.2} µs  p99 {:.2} µs",
        pct(&mut others, 0.5),
        pct(&mut others, 0.99)
    );
}

fn main() {
    // `cargo bench` passes flags such as --bench; nothing here takes arguments.
    let playbook = Arc::new(Playbook::builtin());
    let events = one_hour_call();
    measure("word rules", &Coach::new(playbook.clone()), &events);
    let load = Instant::now();
    match parley::models::load_embedder() {
        Ok(e) => {
            println!(
                "model load: {:.0} ms",
                load.elapsed().as_secs_f64() * 1000.0
            );
            match Coach::with_embedder(playbook, e) {
                Ok(coach) => measure("with the model", &coach, &events),
                Err(err) => println!("heads do not fit the model: {err}"),
            }
        }
        Err(e) => println!("SKIPPED with the model: {e} (run scripts/install-models.sh)"),
    }
}
