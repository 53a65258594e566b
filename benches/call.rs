//! Speech end to pacing nudge through the call runtime: a voice-activity event for an agent turn
//! that overlapped the customer is queued the way audio capture queues it, and the time until the
//! interruption nudge reaches a subscriber (the overlay's or an endpoint client's path) is
//! measured, with the runtime saving the call to a real SQLite file as it goes.
//!
//! The audio path adds a fixed delay before this: a turn is reported once the segmenter has seen
//! `HANGOVER_MS` of silence after it (plus one 10 ms frame and at most one 20 ms analysis poll).

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley::call::{CallTask, Runtime, TaskOptions};
use parley::engine::{Event, Output, Playbook, Rule, Speaker};
use parley::sources::audio::live::POLL;
use parley::sources::audio::segment::HANGOVER_MS;
use parley::sources::ingest::Submission;
use parley::sources::SourceKind;
use parley::store::Store;

const CALLS: usize = 300;

fn voice(speaker: Speaker, start_ms: u64, end_ms: u64) -> Event {
    Event::VoiceActivity {
        speaker,
        start_ms,
        end_ms,
        level_db: Some(-20.0),
        syllable_rate: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("bench.db")).expect("store");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut latencies = rt.block_on(async {
        let runtime = Runtime::new(Arc::new(Playbook::builtin()), Some(store), "Bench");
        let task = CallTask::spawn(runtime, TaskOptions::default());
        let link = task.link();
        let mut outputs = task.subscribe();
        let mut latencies = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let start = Event::CallStarted {
                at_ms: 0,
                agent: None,
                customer_name: None,
            };
            let submit = |e| Submission::new(SourceKind::Capture, e);
            link.try_submit(submit(start)).expect("queue");
            link.try_submit(submit(voice(Speaker::Customer, 1_000, 6_000)))
                .expect("queue");
            let sent = Instant::now();
            link.try_submit(submit(voice(Speaker::Agent, 3_000, 5_000)))
                .expect("queue");
            loop {
                let e = outputs.recv().await.expect("outputs");
                if let Output::Nudge(n) = &e.output {
                    if n.rule == Rule::Interruption {
                        latencies.push(sent.elapsed());
                        break;
                    }
                }
            }
            let end = Event::CallEnded {
                at_ms: 8_000,
                reason: None,
            };
            link.try_submit(submit(end)).expect("queue");
            loop {
                let e = outputs.recv().await.expect("outputs");
                if matches!(e.output, Output::Summary(_)) {
                    break;
                }
            }
        }
        drop(link);
        task.shutdown().await.expect("shutdown");
        latencies
    });
    latencies.sort();
    let audio = Duration::from_millis(HANGOVER_MS + 10) + POLL;
    println!(
        "speech end -> interruption nudge through the runtime ({CALLS} calls, saved): p50 {:?}, p95 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies[latencies.len() - 1]
    );
    println!(
        "with the audio path's segmenter hangover and poll ({audio:?} at most): p95 {:?}",
        percentile(&latencies, 0.95) + audio
    );
}
