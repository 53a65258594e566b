//! Engine cost: per event (p50/p99 printed) and a synthetic one-hour call end to end.

use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use parley::engine::{Engine, Event, Playbook, Speaker, Utterance};

const CUSTOMER_LINES: &[&str] = &[
    "I was charged twice for the same order last week and nobody has called me back about it",
    "this is so damn frustrating, I have called three times already",
    "yes that's right, the second charge came through on Tuesday",
    "my account number is on the letter, hold on while I find it",
    "I just want the money back before my rent goes out on Friday",
    "okay",
    "can I speak to someone else about this, you people keep passing me around",
];
const AGENT_LINES: &[&str] = &[
    "thank you for calling, my name is Sam, how can I help today",
    "that sounds really frustrating, especially after calling three times",
    "so what I'm hearing is you were charged twice last week and nobody called you back, is that right",
    "let me pull up the account, one moment while I check the payments",
    "unfortunately that's our policy for pending charges",
    "here's what I can do, I'll refund the second charge now and you'll see it within three working days",
    "I'm sorry about that",
    "I'll call you back tomorrow to confirm it has landed",
];

/// An hour of alternating talk with partials, ticks, a hold every ten minutes.
fn one_hour_call() -> Vec<Event> {
    let mut events = vec![Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    }];
    let mut t = 500u64;
    let mut i = 0usize;
    let mut next_tick = 1000u64;
    while t < 3_600_000 {
        let (speaker, text) = if i % 2 == 0 {
            (
                Speaker::Customer,
                CUSTOMER_LINES[i / 2 % CUSTOMER_LINES.len()],
            )
        } else {
            (Speaker::Agent, AGENT_LINES[i / 2 % AGENT_LINES.len()])
        };
        let dur = text.split_whitespace().count() as u64 * 400;
        while next_tick < t {
            events.push(Event::Tick { at_ms: next_tick });
            next_tick += 1000;
        }
        events.push(Event::Utterance(Utterance {
            speaker,
            text: String::new(),
            start_ms: t,
            end_ms: t,
            is_final: false,
        }));
        while next_tick < t + dur {
            events.push(Event::Tick { at_ms: next_tick });
            next_tick += 1000;
        }
        events.push(Event::Utterance(Utterance {
            speaker,
            text: text.to_string(),
            start_ms: t,
            end_ms: t + dur,
            is_final: true,
        }));
        t += dur + 700;
        if i % 200 == 199 {
            events.push(Event::HoldStarted { at_ms: t });
            t += 45_000;
            events.push(Event::HoldEnded { at_ms: t });
        }
        i += 1;
    }
    events.push(Event::CallEnded {
        at_ms: t,
        reason: None,
    });
    events
}

fn print_per_event_percentiles(playbook: &Arc<Playbook>, events: &[Event]) {
    let mut times = Vec::with_capacity(events.len());
    for _ in 0..5 {
        let mut engine = Engine::new(playbook.clone());
        for ev in events {
            let start = Instant::now();
            let out = engine.feed(ev);
            times.push(start.elapsed().as_nanos() as u64);
            std::hint::black_box(out);
        }
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0;
    println!(
        "engine per event over {} events: p50 {:.2} µs, p99 {:.2} µs, p99.9 {:.2} µs, max {:.2} µs",
        times.len(),
        pct(0.50),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
}

fn engine(c: &mut Criterion) {
    let playbook = Arc::new(Playbook::builtin());
    let events = one_hour_call();
    print_per_event_percentiles(&playbook, &events);
    let utterance = events
        .iter()
        .find(|e| matches!(e, Event::Utterance(u) if u.is_final))
        .cloned();
    c.bench_function("engine: one final utterance", |b| {
        let ev = utterance
            .clone()
            .expect("the synthetic call has utterances");
        let mut engine = Engine::new(playbook.clone());
        b.iter(|| engine.feed(&ev))
    });
    c.bench_function(
        &format!("engine: one-hour call ({} events)", events.len()),
        |b| {
            b.iter(|| {
                let mut engine = Engine::new(playbook.clone());
                let mut n = 0;
                for ev in &events {
                    n += engine.feed(ev).len();
                }
                n
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = engine
}
criterion_main!(benches);
