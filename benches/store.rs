//! Store benchmarks: durable append rate, and the review queries over 100k synthetic sessions
//! (generated once per run in a temp folder; PARLEY_BENCH_SESSIONS overrides the count).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parley::engine::event::{Event, Speaker, Utterance};
use parley::engine::output::{
    Evidence, FollowUp, ItemStatus, Nudge, NudgeRecord, Outcome, Pacing, Rule, Summary,
};
use parley::engine::Engine;
use parley::engine::Playbook;
use parley::store::{ImportedCall, SessionFilter, SessionMeta, SortKey, Store};

const APPEND_BATCH: u64 = 2_000;

/// Deterministic pseudo-random numbers (no extra dependency for a benchmark).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "bill",
    "charged",
    "twice",
    "cancelled",
    "subscription",
    "refund",
    "engineer",
    "visit",
    "broadband",
    "outage",
    "contract",
    "manager",
    "meter",
    "reading",
    "parcel",
    "delivery",
    "password",
    "locked",
    "account",
    "upgrade",
    "roaming",
    "fee",
    "discount",
    "complaint",
];

/// One word in five is a common call word (each in roughly a fifth of sessions); the rest come
/// from 2,000 rarer terms.
fn sentence(rng: &mut Lcg, n: usize) -> String {
    (0..n)
        .map(|_| {
            if rng.below(5) == 0 {
                WORDS[rng.below(WORDS.len() as u64) as usize].to_string()
            } else {
                format!("term{}", rng.below(2_000))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn utterance(i: u64, text: String) -> Event {
    Event::Utterance(Utterance {
        speaker: if i % 2 == 0 {
            Speaker::Customer
        } else {
            Speaker::Agent
        },
        text,
        start_ms: i * 1_000,
        end_ms: i * 1_000 + 900,
        is_final: true,
    })
}

fn synthetic(rng: &mut Lcg, i: u64, checklist: &[(String, String)]) -> ImportedCall {
    let started_at = 1_700_000_000_000 + i as i64 * 600_000;
    let outcome = [
        Outcome::Resolved,
        Outcome::FollowUpOwed,
        Outcome::Escalated,
        Outcome::CustomerHungUp,
        Outcome::Unresolved,
        Outcome::EndedForAbuse,
    ][rng.below(6) as usize];
    let nudges: Vec<NudgeRecord> = (0..rng.below(5))
        .map(|k| NudgeRecord {
            nudge: Nudge {
                id: k as u32 + 1,
                rule: Rule::ALL[rng.below(Rule::ALL.len() as u64) as usize],
                at_ms: k * 20_000,
                headline: "Let them finish".into(),
                script: None,
                reason: "overlap 1.2 s".into(),
                priority: 5,
                step: None,
            },
            heeded: Some(rng.below(2) == 0),
            dismissed: false,
        })
        .collect();
    let concern = sentence(rng, 8);
    let events = vec![
        utterance(0, concern.clone()),
        utterance(1, sentence(rng, 12)),
        utterance(2, sentence(rng, 6)),
    ];
    let summary = Summary {
        duration_ms: 60_000 + rng.below(900_000),
        playbook: "difficult-call".into(),
        concern: Some(concern),
        outcome,
        checklist: checklist
            .iter()
            .map(|(item, label)| {
                let done = rng.below(2) == 0;
                ItemStatus {
                    item: item.clone(),
                    label: label.clone(),
                    done,
                    evidence: done.then(|| Evidence {
                        at_ms: 1_000,
                        speaker: Some(Speaker::Agent),
                        text: Some("so what I'm hearing is".into()),
                        by_agent: false,
                    }),
                }
            })
            .collect(),
        items_done: 4,
        items_total: checklist.len() as u32,
        pacing: Pacing::default(),
        nudges_heeded: nudges.iter().filter(|n| n.heeded == Some(true)).count() as u32,
        nudges,
        follow_ups: (outcome == Outcome::FollowUpOwed)
            .then(|| FollowUp {
                at_ms: 50_000,
                text: "I'll call you back within 48 hours".into(),
                due_in_ms: Some(172_800_000),
            })
            .into_iter()
            .collect(),
        boundary_step: 0,
        escalated: outcome == Outcome::Escalated,
        reset_suggested: false,
        agent_notes: vec![],
        limits: None,
        actions: vec!["apologized at 00:40".into()],
    };
    ImportedCall {
        meta: SessionMeta {
            agent: format!("agent{:02}", rng.below(20)),
            playbook: "difficult-call".into(),
            source: "bench".into(),
            started_at,
        },
        events,
        outputs: vec![],
        summary,
        agent_notes: sentence(rng, 5),
        tags: if rng.below(10) == 0 {
            vec!["coaching".into()]
        } else {
            vec![]
        },
    }
}

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("append.db")).expect("open");
    let mut rng = Lcg(7);
    let events: Vec<Event> = (0..APPEND_BATCH)
        .map(|i| utterance(i, sentence(&mut rng, 12)))
        .collect();
    let summary = Engine::new(std::sync::Arc::new(Playbook::builtin())).summary();
    let mut g = c.benchmark_group("store_append");
    g.throughput(Throughput::Elements(APPEND_BATCH));
    g.sample_size(20);
    g.bench_function("events_committed", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let w = store
                    .begin_session(SessionMeta {
                        agent: "bench".into(),
                        playbook: "difficult-call".into(),
                        source: "bench".into(),
                        started_at: i as i64,
                    })
                    .expect("begin");
                let t = Instant::now();
                for e in &events {
                    w.append_event(e).expect("append");
                }
                // Counted only once it is committed to disk (synchronous = FULL).
                w.flush().expect("flush");
                total += t.elapsed();
                w.finish(&summary, "").expect("finish");
            }
            total
        })
    });
    g.finish();
}

fn queries(c: &mut Criterion) {
    let n: u64 = std::env::var("PARLEY_BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // PARLEY_BENCH_DB keeps the generated database for a look afterwards.
    let path = std::env::var_os("PARLEY_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("review.db"));
    let store = Store::open(&path).expect("open");
    let pb = Playbook::builtin();
    let checklist: Vec<(String, String)> = pb
        .items
        .iter()
        .map(|i| (i.id.clone(), i.label.clone()))
        .collect();
    let mut rng = Lcg(42);
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let chunk: Vec<ImportedCall> = (i..(i + 5_000).min(n))
            .map(|k| synthetic(&mut rng, k, &checklist))
            .collect();
        i += chunk.len() as u64;
        store.import(chunk).expect("import");
    }
    eprintln!(
        "generated {n} sessions in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut g = c.benchmark_group(format!("store_{n}_sessions"));
    g.sample_size(20);
    let cases: Vec<(&str, SessionFilter)> = vec![
        ("list_newest_page", SessionFilter::default()),
        (
            "filter_agent_outcome",
            SessionFilter {
                agent: Some("agent07".into()),
                outcome: Some("resolved".into()),
                ..SessionFilter::default()
            },
        ),
        (
            "filter_rule_heeded_sorted",
            SessionFilter {
                rule: Some("interruption".into()),
                heeded_min: Some(0.5),
                sort: SortKey::Heeded,
                ..SessionFilter::default()
            },
        ),
        (
            "filter_tag_date_range",
            SessionFilter {
                tags: vec!["coaching".into()],
                from: Some(1_700_000_000_000 + 10_000 * 600_000),
                to: Some(1_700_000_000_000 + 60_000 * 600_000),
                ..SessionFilter::default()
            },
        ),
        (
            "search_two_words",
            SessionFilter {
                text: Some("refund engineer".into()),
                ..SessionFilter::default()
            },
        ),
        (
            "search_common_word",
            SessionFilter {
                text: Some("outage".into()),
                ..SessionFilter::default()
            },
        ),
        (
            "search_rare_word",
            SessionFilter {
                text: Some("term1234".into()),
                ..SessionFilter::default()
            },
        ),
    ];
    for (name, f) in cases {
        let total = store.list(&f).expect("query").total;
        eprintln!("{name}: {total} matching");
        g.bench_function(name, |b| b.iter(|| store.list(&f).expect("query")));
    }
    g.finish();
}

criterion_group!(benches, append, queries);
criterion_main!(benches);
