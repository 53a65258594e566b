//! Cost of the language detectors per utterance: abuse on a customer line and paraphrase on an
//! agent line against 90 s of customer context, together. Goal: p99 <= 1 ms on this machine.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use parley::engine::language::{AbuseDetector, ParaphraseDetector};
use parley::engine::Playbook;

const CUSTOMER: &[&str] = &[
    "Hi, I returned a jacket two weeks ago and I still haven't seen the refund on my card.",
    "This is the third time I've called, the damn bill is wrong again and this company is useless.",
    "You people are useless, I want to speak to a manager right now!",
    "I'm not calling you stupid, I'm just really frustrated with the app.",
    "he said \"you idiot\" to me when I asked for help, can you believe that?",
    "this f***ing app logged me out again and I lost the whole order, what a mess",
    "okay yes that's right, it was the order from last Tuesday for 129 dollars",
    "Thanks for nothing, genius. I've explained this four times already and nobody listens to me at all.",
];

const AGENT: &[&str] = &[
    "So what I'm hearing is you sent the jacket back two weeks ago and the refund hasn't reached your card, is that right?",
    "I understand.",
    "I can't wait to help you get this sorted today.",
    "Just to make sure I've got it: your bill is wrong again this month and you were charged for the cancelled line?",
    "Let me look that up for you, one moment please.",
];

fn percentiles(abuse: &AbuseDetector, paraphrase: &ParaphraseDetector) {
    let mut times = Vec::new();
    for round in 0..400 {
        for (i, customer) in CUSTOMER.iter().enumerate() {
            let agent = AGENT[(i + round) % AGENT.len()];
            let start = Instant::now();
            let v = abuse.classify(customer);
            let p = paraphrase.check(CUSTOMER, agent);
            times.push(start.elapsed().as_nanos() as u64);
            std::hint::black_box((v, p));
        }
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize] as f64 / 1000.0;
    println!(
        "abuse + paraphrase per utterance over {} runs: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        times.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}

fn language(c: &mut Criterion) {
    let playbook = Playbook::builtin();
    let built = Instant::now();
    let (abuse, paraphrase) = match (
        AbuseDetector::new(&playbook.language.abuse),
        ParaphraseDetector::new(&playbook.language.paraphrase),
    ) {
        (Ok(a), Ok(p)) => (a, p),
        _ => panic!("built-in language settings must compile"),
    };
    println!(
        "detectors built in {:.2} ms",
        built.elapsed().as_secs_f64() * 1000.0
    );
    percentiles(&abuse, &paraphrase);
    c.bench_function("abuse: one customer utterance", |b| {
        b.iter(|| abuse.classify(CUSTOMER[2]))
    });
    c.bench_function("paraphrase: agent line vs 8 customer lines", |b| {
        b.iter(|| paraphrase.check(CUSTOMER, AGENT[0]))
    });
    c.bench_function("language: abuse + paraphrase", |b| {
        b.iter(|| {
            (
                abuse.classify(CUSTOMER[7]),
                paraphrase.check(CUSTOMER, AGENT[3]),
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = language
}
criterion_main!(benches);
