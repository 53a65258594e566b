//! Speech to interruption nudge through the call runtime, queued the way audio capture queues it,
//! until the nudge reaches a subscriber (the overlay's or an endpoint client's path), with the
//! runtime saving the call to a real SQLite file as it goes. Two ways capture reports an agent
//! turn over the customer's:
//! - closed: the agent's voice-activity spurt, known once the segmenter has seen `HANGOVER_MS`
//!   of silence after it (plus one 10 ms frame and at most one 20 ms analysis poll);
//! - talk-over: while both still speak, a `TalkOver` every `GRID_MS` of audio; the nudge comes
//!   with the one at the playbook's overlap limit (plus a frame and a poll).

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley::call::{CallTask, Runtime, TaskOptions};
use parley::engine::{Event, Output, Playbook, Rule, Speaker};
use parley::sources::audio::live::POLL;
use parley::sources::audio::segment::HANGOVER_MS;
use parley::sources::audio::talk_over::GRID_MS;
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

/// Agent speech over the customer's, as capture reports it: by its end (`closed`) or while
/// both still speak (the talk-over at the playbook's overlap limit).
#[derive(Clone, Copy)]
enum Report {
    Closed,
    TalkOver,
}

fn measure(report: Report) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("bench.db")).expect("store");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let playbook = Arc::new(Playbook::builtin());
    let limit_ms = (playbook.thresholds.interruption_overlap_s * 1000.0).round() as u64;
    rt.block_on(async {
        let runtime = Runtime::new(playbook, Some(store), "Bench");
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
            let sent = match report {
                Report::Closed => {
                    link.try_submit(submit(voice(Speaker::Customer, 1_000, 6_000)))
                        .expect("queue");
                    let sent = Instant::now();
                    link.try_submit(submit(voice(Speaker::Agent, 3_000, 5_000)))
                        .expect("queue");
                    sent
                }
                Report::TalkOver => {
                    let talk_over = |at_ms| Event::TalkOver {
                        agent_start_ms: 3_000,
                        customer_start_ms: 1_000,
                        at_ms,
                    };
                    let mut at = 3_000 + GRID_MS;
                    while at < 3_000 + limit_ms {
                        link.try_submit(submit(talk_over(at))).expect("queue");
                        at += GRID_MS;
                    }
                    let sent = Instant::now();
                    link.try_submit(submit(talk_over(at))).expect("queue");
                    sent
                }
            };
            loop {
                let e = outputs.recv().await.expect("outputs");
                if let Output::Nudge(n) = &e.output {
                    if n.rule == Rule::Interruption {
                        latencies.push(sent.elapsed());
                        break;
                    }
                }
            }
            if let Report::TalkOver = report {
                // The turns end as capture then reports them; the interruption is not told twice.
                link.try_submit(submit(voice(Speaker::Customer, 1_000, 6_000)))
                    .expect("queue");
                link.try_submit(submit(voice(Speaker::Agent, 3_000, 5_000)))
                    .expect("queue");
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
        latencies.sort();
        latencies
    })
}

fn main() {
    let closed = measure(Report::Closed);
    let audio = Duration::from_millis(HANGOVER_MS + 10) + POLL;
    println!(
        "speech end -> interruption nudge through the runtime ({CALLS} calls, saved): p50 {:?}, p95 {:?}, max {:?}",
        percentile(&closed, 0.5),
        percentile(&closed, 0.95),
        closed[closed.len() - 1]
    );
    println!(
        "with the audio path's segmenter hangover and poll ({audio:?} at most): p95 {:?}",
        percentile(&closed, 0.95) + audio
    );
    let live = measure(Report::TalkOver);
    let grid = Duration::from_millis(GRID_MS + 10) + POLL;
    println!(
        "overlap at the playbook's limit -> interruption nudge, reported while both speak ({CALLS} calls, saved): p50 {:?}, p95 {:?}, max {:?}",
        percentile(&live, 0.5),
        percentile(&live, 0.95),
        live[live.len() - 1]
    );
    println!(
        "with the audio path's talk-over grid and poll ({grid:?} at most): p95 {:?}",
        percentile(&live, 0.95) + grid
    );
}
