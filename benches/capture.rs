//! CPU and memory of hearing a call: capture (the device side), voice activity and bleed on both
//! channels, and the call runtime (engine and store writer) for a call with both sides speaking,
//! at real time. Prints figures; run with
//!   cargo bench --bench capture            (release)
//!   cargo test --bench capture             (debug build of Parley, optimised dependencies)
//! `PARLEY_BENCH_SECONDS` sets the length (default 60). With `PARLEY_BENCH_MIC` and
//! `PARLEY_BENCH_CALL` naming inputs (e.g. under scripts/test-pulse.sh's server) the real
//! devices are captured through cpal; otherwise a stand-in device thread delivers the recorded
//! call tests/fixtures/audio/bleed.wav (both sides speaking, looped) as 48 kHz stereo in 10 ms
//! blocks, the way PulseAudio delivers to the callback.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parley::call::{CallTask, Runtime, TaskOptions};
use parley::engine::{Event, Output, Playbook, Speaker};
use parley::sources::audio::capture::{
    AudioBackend, Capture, CaptureConfig, CaptureError, CpalBackend, InputDevice, OpenStream,
};
use parley::sources::audio::live::{self, Outlets, STALL_AFTER};
use parley::sources::ingest::Submission;
use parley::sources::SourceKind;
use parley::store::Store;

const RATE: u32 = 48_000;
const FIXTURE: &str = "tests/fixtures/audio/bleed.wav";

/// The fixture's two sides at 48 kHz (each 8 kHz sample held for six).
fn sides() -> [Vec<f32>; 2] {
    let mut reader = hound::WavReader::open(FIXTURE).expect("fixture");
    let up = (RATE / reader.spec().sample_rate).max(1) as usize;
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let side = |offset: usize| {
        samples
            .iter()
            .skip(offset)
            .step_by(2)
            .flat_map(|&s| std::iter::repeat_n(f32::from(s) / 32768.0, up))
            .collect()
    };
    [side(0), side(1)]
}

/// A stand-in device: a thread writing 10 ms of interleaved stereo i16 at a time, in real time.
struct Fake {
    sides: [Arc<Vec<f32>>; 2],
}

struct Feeder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Feeder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                eprintln!("capture bench: a feeder thread panicked");
            }
        }
    }
}

impl AudioBackend for Fake {
    fn host(&self) -> String {
        "stand-in device".into()
    }

    fn inputs(&self) -> Result<Vec<InputDevice>, CaptureError> {
        let dev = |id: &str, monitor| InputDevice {
            id: id.into(),
            name: id.into(),
            monitor,
            default: !monitor,
        };
        Ok(vec![dev("mic", false), dev("call.monitor", true)])
    }

    fn open(
        &self,
        _device: &InputDevice,
        speaker: Speaker,
        _errors: Arc<AtomicU64>,
    ) -> Result<(OpenStream, live::ChannelInput), CaptureError> {
        let (mut feed, input) = live::channel(speaker, RATE);
        let signal = self.sides[usize::from(speaker == Speaker::Customer)].clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let block = RATE as usize / 100;
            let mut frame = vec![0i16; block * 2];
            let start = Instant::now();
            let mut at = 0usize;
            let mut n = 0u64;
            while !stopping.load(Ordering::Relaxed) {
                for (i, pair) in frame.chunks_exact_mut(2).enumerate() {
                    let s = signal[(at + i) % signal.len()];
                    let v = (s * 32767.0) as i16;
                    pair[0] = v;
                    pair[1] = v;
                }
                at = (at + block) % signal.len();
                feed.push_interleaved(&frame, 2, |s| f32::from(s) / 32768.0);
                n += 1;
                let due = Duration::from_millis(10 * n);
                if let Some(wait) = due.checked_sub(start.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        });
        let stream: OpenStream = Box::new(Feeder {
            stop,
            thread: Some(thread),
        });
        Ok((stream, input))
    }
}

/// User + system CPU time of this process, in clock ticks of 10 ms.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Proportional set size of this process, KiB.
fn pss_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let seconds: u64 = std::env::var("PARLEY_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let real = match (
        std::env::var("PARLEY_BENCH_MIC"),
        std::env::var("PARLEY_BENCH_CALL"),
    ) {
        (Ok(mic), Ok(call)) => Some((mic, call)),
        _ => None,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("bench.db")).expect("store");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let [agent, customer] = sides();
    let (busy, wall, pss_added, counts, host) = rt.block_on(async move {
        let runtime = Runtime::new(Arc::new(Playbook::builtin()), Some(store), "Bench");
        let task = CallTask::spawn(runtime, TaskOptions::default());
        let link = task.link();
        let mut outputs = task.subscribe();
        let counter = tokio::spawn(async move {
            let (mut all, mut nudges) = (0u64, 0u64);
            while let Ok(o) = outputs.recv().await {
                all += 1;
                nudges += u64::from(matches!(o.output, Output::Nudge(_)));
            }
            (all, nudges)
        });
        let start = Event::CallStarted {
            at_ms: 0,
            agent: None,
            customer_name: None,
        };
        link.try_submit(Submission::new(SourceKind::Capture, start))
            .expect("queue");
        // Let the runtime settle (store, engine, language model) before measuring.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let pss_before = pss_kib();
        let events = link.clone();
        let outlets = Outlets {
            events: Box::new(move |e| {
                // A full queue is counted in the link's stats, as capture does.
                match events.try_submit(Submission::new(SourceKind::Capture, e)) {
                    Ok(()) | Err(_) => {}
                }
            }),
            notices: Box::new(|n| eprintln!("capture bench: {n:?}")),
            ticks: true,
            stall_after: STALL_AFTER,
            align: true,
            tap: None,
        };
        let config = CaptureConfig {
            mic: Some(real.as_ref().map_or("mic".into(), |r| r.0.clone())),
            call: Some(real.as_ref().map_or("call.monitor".into(), |r| r.1.clone())),
            partial: false,
        };
        let capture = tokio::task::spawn_blocking(move || {
            let (agent, customer) = (Arc::new(agent), Arc::new(customer));
            Capture::start_with(&config, outlets, move || match real {
                Some(_) => Ok(Box::new(CpalBackend::new()) as Box<dyn AudioBackend>),
                None => Ok(Box::new(Fake {
                    sides: [agent, customer],
                })),
            })
        })
        .await
        .expect("join")
        .expect("capture starts");
        let host = capture.host.clone();
        let before = cpu_ticks().expect("/proc/self/stat");
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let after = cpu_ticks().expect("/proc/self/stat");
        let wall = t0.elapsed();
        let pss_during = pss_kib();
        let report = tokio::task::spawn_blocking(move || capture.stop())
            .await
            .expect("join")
            .expect("capture stops");
        let end = Event::CallEnded {
            at_ms: report.position_ms,
            reason: None,
        };
        link.try_submit(Submission::new(SourceKind::Capture, end))
            .expect("queue");
        drop(link);
        task.shutdown().await.expect("runtime stops");
        let outputs = counter.await.expect("counter");
        let pss_added = match (pss_before, pss_during) {
            (Some(b), Some(d)) => Some(d as i64 - b as i64),
            _ => None,
        };
        (
            (after - before) as f64 / 100.0,
            wall,
            pss_added,
            (report, outputs),
            host,
        )
    });
    let (report, (outputs, nudges)) = counts;
    println!(
        "capture: {seconds} s of a call, both sides speaking, through {host}: capture + voice \
         activity + bleed check + call runtime (engine, store) used {:.2}% of one core",
        100.0 * busy / wall.as_secs_f64()
    );
    println!(
        "capture: {} voice events and ticks, {} outputs ({} nudges), {} samples dropped, {} device errors",
        report.events, outputs, nudges, report.overruns, report.device_errors
    );
    // The process's PSS moves by more than capture adds (the runtime and the language model
    // settle meanwhile), so it is printed beside what capture allocates itself.
    let rings = 2 * (RATE * live::RING_SECONDS) as usize * std::mem::size_of::<f32>();
    let envelopes = 2 * parley::sources::audio::bleed::ENVELOPE_FRAMES * std::mem::size_of::<f32>();
    println!(
        "capture: allocates {:.2} MiB (two {} s rings at 48 kHz, two bleed envelopes); process PSS \
         during minus before: {}",
        (rings + envelopes) as f64 / (1024.0 * 1024.0),
        live::RING_SECONDS,
        pss_added.map_or("not measured".into(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0))
    );
}
