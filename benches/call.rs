//! Speech to pacing nudge through the call runtime, queued the way audio capture queues it,
//! until the nudge reaches a subscriber (the overlay's or an endpoint client's path), with the
//! runtime saving the call to a real SQLite file as it goes. How capture reports the speech:
//! - closed: the spurt's voice activity, known once the segmenter has seen `HANGOVER_MS` of
//!   silence after it (plus one 10 ms frame and at most one 20 ms analysis poll);
//! - talk-over: while both still speak, a `TalkOver` every `GRID_MS` of audio; the nudge comes
//!   with the one at the playbook's overlap limit (plus a frame and a poll);
//! - so far: the agent's speech so far, sent once the spurt has paused for `PAUSE_REPORT_MS`
//!   (plus a frame and a poll), before the hangover ends it.
//!
//! Interruptions are measured on the first two, a fast turn (speaking-rate nudge) on the first
//! and the last.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley::call::{CallTask, Runtime, TaskOptions};
use parley::engine::{Event, Output, Playbook, Rule, Speaker};
use parley::sources::audio::live::POLL;
use parley::sources::audio::segment::{HANGOVER_MS, PAUSE_REPORT_MS};
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

/// What is measured, and how capture reports it.
#[derive(Clone, Copy)]
enum Report {
    /// Agent speech over the customer's, by the agent's spurt.
    Closed,
    /// Agent speech over the customer's, while both still speak.
    TalkOver,
    /// A fast agent turn, by its spurt.
    FastClosed,
    /// A fast agent turn, by its speech so far at the pause that ends it.
    FastSoFar,
}

impl Report {
    fn rule(self) -> Rule {
        match self {
            Report::Closed | Report::TalkOver => Rule::Interruption,
            Report::FastClosed | Report::FastSoFar => Rule::SpeakingFast,
        }
    }
}

/// A 10 s agent turn at 6 syllables a second (about 257 words a minute).
const FAST: (u64, u64, f32) = (3_000, 13_000, 6.0);

fn fast_turn(so_far: bool) -> Event {
    let (start_ms, end_ms, rate) = FAST;
    if so_far {
        Event::SpeechSoFar {
            speaker: Speaker::Agent,
            start_ms,
            end_ms,
            level_db: Some(-20.0),
            syllable_rate: Some(rate),
        }
    } else {
        Event::VoiceActivity {
            speaker: Speaker::Agent,
            start_ms,
            end_ms,
            level_db: Some(-20.0),
            syllable_rate: Some(rate),
        }
    }
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
                Report::FastClosed | Report::FastSoFar => {
                    link.try_submit(submit(voice(Speaker::Customer, 0, 2_500)))
                        .expect("queue");
                    let sent = Instant::now();
                    let so_far = matches!(report, Report::FastSoFar);
                    link.try_submit(submit(fast_turn(so_far))).expect("queue");
                    sent
                }
            };
            loop {
                let e = outputs.recv().await.expect("outputs");
                if let Output::Nudge(n) = &e.output {
                    if n.rule == report.rule() {
                        latencies.push(sent.elapsed());
                        break;
                    }
                }
            }
            match report {
                // The turns end as capture then reports them; nothing is told twice.
                Report::TalkOver => {
                    link.try_submit(submit(voice(Speaker::Customer, 1_000, 6_000)))
                        .expect("queue");
                    link.try_submit(submit(voice(Speaker::Agent, 3_000, 5_000)))
                        .expect("queue");
                }
                Report::FastSoFar => link.try_submit(submit(fast_turn(false))).expect("queue"),
                Report::Closed | Report::FastClosed => {}
            }
            let end = Event::CallEnded {
                at_ms: 15_000,
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
    let pause = Duration::from_millis(PAUSE_REPORT_MS + 10) + POLL;
    for (report, how, wait) in [
        (Report::FastClosed, "its spurt", audio),
        (Report::FastSoFar, "its speech so far at the pause", pause),
    ] {
        let fast = measure(report);
        println!(
            "fast turn reported by {how} -> speaking-rate nudge ({CALLS} calls, saved): p50 {:?}, p95 {:?}, max {:?}",
            percentile(&fast, 0.5),
            percentile(&fast, 0.95),
            fast[fast.len() - 1]
        );
        println!(
            "speech end -> speaking-rate nudge with the audio path's wait ({wait:?} at most): p95 {:?}",
            percentile(&fast, 0.95) + wait
        );
    }
}
