//! Team sync throughput against a real PostgreSQL started for the run (skipped when the server
//! binaries are missing): sessions/s pushed, the same again when nothing changed, the delay from
//! a call's end to visible on the server, and the lead's review queries over many sessions.
//!
//! `cargo bench --no-default-features --bench sync`; PARLEY_BENCH_SYNC_SESSIONS (default 2000)
//! and PARLEY_BENCH_SERVER_SESSIONS (default 100000) change the sizes.

#[path = "../tests/support/pg.rs"]
mod pg;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use parley::engine::{Engine, Output, Playbook};
use parley::store::{now_ms, ImportedCall, SessionFilter, SessionMeta, Store};
use parley::team::{self, remote, server, PushOptions, ServerUrl};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn calls(agent: &str, n: usize, start: i64) -> Vec<ImportedCall> {
    let playbook = Arc::new(Playbook::builtin());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("samples")
        .map(|e| e.expect("sample").path())
        .collect();
    files.sort();
    let templates: Vec<(Vec<_>, Vec<Output>, _)> = files
        .iter()
        .map(|f| {
            let events: Vec<_> = parley::replay::events(f)
                .expect("sample opens")
                .collect::<Result<_, _>>()
                .expect("sample reads");
            let mut engine = Engine::new(playbook.clone());
            let outputs: Vec<Output> = events.iter().flat_map(|e| engine.feed(e)).collect();
            let summary = engine.summary();
            (events, outputs, summary)
        })
        .collect();
    (0..n)
        .map(|i| {
            let (events, outputs, summary) = &templates[i % templates.len()];
            ImportedCall {
                meta: SessionMeta {
                    agent: agent.into(),
                    playbook: playbook.name.clone(),
                    source: "bench".into(),
                    started_at: start + i as i64 * 60_000,
                },
                events: events.clone(),
                outputs: outputs.clone(),
                summary: summary.clone(),
                agent_notes: String::new(),
                tags: vec![],
            }
        })
        .collect()
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; a plain `cargo test --benches` run passes nothing: stay small.
    let benching = std::env::args().any(|a| a == "--bench");
    let sessions = env_usize(
        "PARLEY_BENCH_SYNC_SESSIONS",
        if benching { 2000 } else { 20 },
    );
    let on_server = env_usize(
        "PARLEY_BENCH_SERVER_SESSIONS",
        if benching { 100_000 } else { 1000 },
    );
    let Some(pg) = pg::Pg::start("sync bench") else {
        return;
    };
    let admin = ServerUrl::parse(&pg.admin_url()).expect("admin url");
    server::setup(&admin).expect("setup");
    let agent =
        server::add_member(&admin, "bench_agent", "bench", server::Kind::Agent).expect("agent");
    let lead = server::add_member(&admin, "bench_lead", "bench", server::Kind::Lead).expect("lead");
    let url = ServerUrl::parse(&agent.url).expect("agent url");

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("bench.db")).expect("store");
    store
        .import(calls("bench_agent", sessions, 1_700_000_000_000))
        .expect("import");
    // The local half alone: reading what a push sends.
    let due = store.outbox_due(now_ms(), sessions as i64).expect("outbox");
    let t = Instant::now();
    for item in &due {
        store.sync_payload(item.session_id).expect("payload");
    }
    println!(
        "sync: reading {} payloads from the local store: {:.2} ms each",
        due.len(),
        t.elapsed().as_secs_f64() * 1000.0 / due.len().max(1) as f64
    );
    let opts = PushOptions::default();
    let t = Instant::now();
    let r = team::push(&store, &url, &opts, |_| {}).expect("push");
    let first = t.elapsed();
    assert_eq!(r.pushed, sessions);
    println!(
        "sync: first push of {sessions} sessions: {:.2} s, {:.0} sessions/s",
        first.as_secs_f64(),
        sessions as f64 / first.as_secs_f64()
    );
    store.outbox_requeue_all().expect("requeue");
    let t = Instant::now();
    let r = team::push(&store, &url, &opts, |_| {}).expect("push");
    let again = t.elapsed();
    assert_eq!(r.unchanged, sessions);
    println!(
        "sync: same {sessions} again (unchanged): {:.2} s, {:.0} sessions/s",
        again.as_secs_f64(),
        sessions as f64 / again.as_secs_f64()
    );

    // A call ends; how long until a lead can read it (the background task adds up to its
    // polling interval on top of this).
    let mut delays: Vec<f64> = Vec::new();
    for i in 0..20 {
        store
            .import(calls("bench_agent", 1, now_ms() + i))
            .expect("import one");
        let t = Instant::now();
        team::push(&store, &url, &opts, |_| {}).expect("push one");
        delays.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "sync: call end to visible on the server, push part: median {:.1} ms, max {:.1} ms (+ up to {} s polling)",
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        team::background::INTERVAL.as_secs()
    );

    // The lead's review over many sessions from 50 agents, filled in on the server directly.
    let mut c = pg.client(&pg.admin_url());
    c.batch_execute(&format!(
        "INSERT INTO parley.sessions (uid, owner, team, local_id, agent, started_at, ended_at,
            duration_ms, playbook, outcome, status, source, nudge_count, heeded_count, heeded_ratio,
            items_done, items_total, tags, rules, note, transcript, summary, checklist, nudges, follow_ups, timeline)
         SELECT md5('bench' || g), 'bench_agent', 'bench', g, 'agent' || (g % 50),
            1700000000000 + g * 60000, 1700000000000 + g * 60000 + 300000, 300000, 'difficult-call',
            (ARRAY['resolved','follow_up_owed','escalated','unresolved'])[1 + g % 4], 'complete',
            'bench', g % 7, g % 5, CASE WHEN g % 7 = 0 THEN NULL ELSE ((g % 5)::float / 7) END,
            g % 9, 9, CASE WHEN g % 10 = 0 THEN ARRAY['coached'] ELSE '{{}}' END,
            CASE WHEN g % 3 = 0 THEN ARRAY['interruption'] ELSE ARRAY['speaking_fast'] END,
            'Call about ' || (ARRAY['billing','refund','outage','contract','password'])[1 + g % 5],
            'customer: my ' || (ARRAY['bill','router','parcel','meter','account'])[1 + g % 5] || ' word' || (g % 997),
            jsonb_build_object('boundary_step', (g % 20 = 0)::int,
                'pacing', jsonb_build_object('interruptions', g % 3, 'agent_talk_share', (g % 60) / 100.0)),
            '[]', '[]',
            CASE WHEN g % 10 = 0 THEN jsonb_build_array(jsonb_build_object('text', 'call back',
                'due_at', 1700000000000 + g * 60000 + 86400000, 'done', g % 20 = 0)) ELSE '[]' END,
            '[]'
         FROM generate_series(1::bigint, {on_server}) g"
    ))
    .expect("fill");
    // What autovacuum would have done by the time anyone reads: statistics and visibility.
    c.batch_execute("VACUUM ANALYZE parley.sessions")
        .expect("vacuum");
    let lead_url = ServerUrl::parse(&lead.url).expect("lead url");
    let filters: Vec<(&str, SessionFilter)> = vec![
        ("list newest 50", SessionFilter::default()),
        (
            "filter agent + outcome",
            SessionFilter {
                agent: Some("agent8".into()),
                outcome: Some("escalated".into()),
                ..SessionFilter::default()
            },
        ),
        (
            "filter rule + heeded <= 0.3",
            SessionFilter {
                rule: Some("interruption".into()),
                heeded_max: Some(0.3),
                ..SessionFilter::default()
            },
        ),
        (
            "full-text 'refund router'",
            SessionFilter {
                text: Some("refund router".into()),
                ..SessionFilter::default()
            },
        ),
    ];
    let total = on_server + sessions + 20;
    let mut lead_client = pg.client(&lead.url);
    let connect = median_ms(|| {
        pg.client(&lead.url);
    });
    println!("server: connecting (SCRAM password check): median {connect:.1} ms");
    for (name, f) in &filters {
        let ms = median_ms(|| {
            let page = remote::list_on(&mut lead_client, &lead_url, f).expect("list");
            assert!(page.total > 0, "{name} finds something");
        });
        println!("server review over {total} sessions as the lead: {name} (page + total): median {ms:.1} ms");
    }
    // Before the rollup: every session aggregated (kept to show what the rollup saves).
    let ms = median_ms(|| {
        lead_client
            .query(
                "SELECT agent, date_trunc('week', to_timestamp(started_at / 1000.0)) AS week,
                        avg(heeded_ratio), avg(nudge_count), count(*)
                 FROM parley.sessions GROUP BY 1, 2",
                &[],
            )
            .expect("trend");
    });
    println!("server review over {total} sessions as the lead: weekly trend per agent, aggregating the sessions: median {ms:.1} ms");
    let now = now_ms();
    let mut weeks = 0;
    let ms = median_ms(|| {
        weeks = team::trends::weekly_on(&mut lead_client, &lead_url, None, None, now)
            .expect("trend")
            .len();
    });
    println!("server review over {total} sessions as the lead: weekly trend per agent (heeded, interruptions, talk share, boundary, overdue follow-ups), whole history from the rollup: median {ms:.1} ms ({weeks} agent-weeks)");
    let ms = median_ms(|| {
        lead_client
            .query(
                "SELECT agent, week, sum(calls), sum(nudges), sum(heeded) FROM parley.weekly
                 GROUP BY 1, 2",
                &[],
            )
            .expect("rollup");
    });
    println!("server review over {total} sessions as the lead: of which the rollup alone: median {ms:.1} ms");
    let from = 1_700_000_000_000 + (on_server as i64 - 12 * 7 * 1440).max(0) * 60_000;
    let ms = median_ms(|| {
        team::trends::weekly_on(&mut lead_client, &lead_url, Some(from), None, now).expect("trend");
    });
    println!("server review over {total} sessions as the lead: weekly trend, last 12 weeks from the rollup: median {ms:.1} ms");
}
