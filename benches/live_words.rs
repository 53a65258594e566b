//! Words on a live call, measured on the live path: an espeak-ng call (both sides, one long
//! customer turn that gets partials) pushed into the capture rings in real time, 20 ms blocks as
//! a device delivers them; the analysis thread, the speech-to-text tap and its two recognizer
//! threads, and a call runtime fed by both. Reports speech end to final words in the engine
//! (p50, p95, max), the CPU of the whole process over the call as a share of the two cores, and
//! what the backlog did (partials, lagging, skipped).
//!
//! `cargo bench --no-default-features --bench live_words`; LIVE_BENCH_MODEL=tiny.en (or a ggml
//! file) picks the model (default base); LIVE_BENCH_RATE=8000 feeds 8 kHz phone-band audio
//! instead of espeak's own 22.05 kHz; LIVE_BENCH_NO_PARTIALS=1 streams finals only;
//! LIVE_BENCH_NO_PIECES=1 decodes each long turn whole at its end instead of in pieces;
//! LIVE_BENCH_SPEED=4 pushes the audio four times faster than real time, a CPU that cannot keep
//! up: the backlog degrades (fewer partials, "words lagging") and every final still arrives.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parley::call::{Runtime, Source};
use parley::engine::{Event, Playbook, Speaker, Utterance};
use parley::sources::audio::live::{self, LiveAudio, Outlets, Tap, STALL_AFTER};
use parley::sources::stt::{
    self, LiveWords, ModelChoice, Recognizer, Streaming, WhisperOptions, WordsOut, WordsSink,
};
use parley::sources::SourceKind;

mod speech;

/// (customer?, text); a turn of several sentences is one long turn.
const TURNS: [(bool, &str); 7] = [
    (
        true,
        "I was charged twice for my order and I want my money back.",
    ),
    (
        false,
        "So you are saying the payment went out but the account still shows it as owed.",
    ),
    (
        true,
        "Yes, and my internet has been dropping out every evening for a week. This is the third \
         time I have called about the same problem, and nobody has called me back.",
    ),
    (
        false,
        "Let me put you on hold for a moment while I check that for you.",
    ),
    (
        true,
        "I would like to cancel my subscription at the end of the month.",
    ),
    (
        false,
        "I will send you an email with the reference number today.",
    ),
    (
        false,
        "I can see both payments on your account. I have refunded the second one, and it \
         should be back on your card within five working days. I have also added a note, so \
         whoever you speak to next will know the whole story.",
    ),
];
const GAP_S: f32 = 1.0;
const BREATH_S: f32 = 0.25;
const BLOCK_MS: u64 = 20;
const CORES: f64 = 2.0;

fn main() {
    if !Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("SKIPPED: espeak-ng is not installed");
        return;
    }
    let choice: ModelChoice = std::env::var("LIVE_BENCH_MODEL")
        .unwrap_or_else(|_| "base".into())
        .parse()
        .unwrap_or(ModelChoice::Base);
    let Ok(Some(path)) = stt::find_model(Some(&choice)) else {
        println!("SKIPPED: no Whisper model installed (scripts/install-whisper.sh)");
        return;
    };
    let rate: u32 = std::env::var("LIVE_BENCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(22_050);
    let (agent, customer) = make_call(rate);
    let seconds = agent.len() as f64 / f64::from(rate);
    println!(
        "call: {seconds:.1} s at {rate} Hz, model {}",
        path.display()
    );

    let runtime = Arc::new(Mutex::new(Runtime::new(
        Arc::new(Playbook::builtin()),
        None,
        "bench",
    )));
    let source = Source::new(SourceKind::Capture);
    let feed = {
        let runtime = runtime.clone();
        let source = source.clone();
        move |event: &Event| {
            let mut r = runtime.lock().unwrap_or_else(|p| p.into_inner());
            // Refusals (none expected) would show as missing words below.
            r.feed(&source, event).is_ok()
        }
    };
    feed(&Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    });
    let arrivals: Arc<Mutex<Vec<(Utterance, Instant)>>> = Arc::default();
    let lagged = Arc::new(Mutex::new(0u32));
    // How long the engine (and its language model) takes over each final.
    let engine_ms: Arc<Mutex<Vec<f64>>> = Arc::default();
    let sink: WordsSink = {
        let feed = feed.clone();
        let engine_ms = engine_ms.clone();
        let arrivals = arrivals.clone();
        let lagged = lagged.clone();
        Arc::new(move |out| match out {
            WordsOut::Words(event) => {
                let took = Instant::now();
                let fed = feed(&event);
                if matches!(&event, Event::Utterance(u) if u.is_final) {
                    let ms = took.elapsed().as_secs_f64() * 1000.0;
                    engine_ms.lock().unwrap_or_else(|p| p.into_inner()).push(ms);
                }
                if let (true, Event::Utterance(u)) = (fed, event) {
                    if u.is_final {
                        let mut a = arrivals.lock().unwrap_or_else(|p| p.into_inner());
                        a.push((u, Instant::now()));
                    }
                }
            }
            WordsOut::Lagging { .. } => *lagged.lock().unwrap_or_else(|p| p.into_inner()) += 1,
            WordsOut::CaughtUp => {}
            WordsOut::Failed(e) => println!("failed: {e}"),
        })
    };
    let model = stt::WhisperModel::load(&path).expect("the installed model loads");
    let streaming = Streaming {
        partials: std::env::var_os("LIVE_BENCH_NO_PARTIALS").is_none(),
        pieces: std::env::var_os("LIVE_BENCH_NO_PIECES").is_none(),
    };
    let options = WhisperOptions::default();
    let recognizers: [Box<dyn Recognizer>; 2] = [
        Box::new(model.recognizer(options).unwrap()),
        Box::new(model.recognizer(options).unwrap()),
    ];
    let (words, tap) = LiveWords::start_with(recognizers, sink, streaming).unwrap();
    let (mut agent_feed, agent_in) = live::channel(Speaker::Agent, rate);
    let (mut customer_feed, customer_in) = live::channel(Speaker::Customer, rate);
    let voice_feed = feed.clone();
    let outlets = Outlets {
        events: Box::new(move |e| {
            voice_feed(&e);
        }),
        notices: Box::new(|_| {}),
        ticks: true,
        stall_after: STALL_AFTER,
        align: false,
        tap: Some(Box::new(tap) as Box<dyn Tap>),
    };
    let cpu0 = process_cpu_s();
    let audio = LiveAudio::start_with(vec![agent_in, customer_in], outlets).unwrap();
    let block = (u64::from(rate) * BLOCK_MS / 1000) as usize;
    let speed: f64 = std::env::var("LIVE_BENCH_SPEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    let t0 = Instant::now();
    for (i, (a, c)) in agent.chunks(block).zip(customer.chunks(block)).enumerate() {
        let due = t0 + Duration::from_secs_f64((i as u64 * BLOCK_MS) as f64 / 1000.0 / speed);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        agent_feed.push(a);
        customer_feed.push(c);
    }
    let fed_until = Instant::now();
    let report = audio.stop().unwrap();
    let words = words.finish().unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = process_cpu_s() - cpu0;
    feed(&Event::CallEnded {
        at_ms: report.position_ms,
        reason: None,
    });

    let arrivals = arrivals.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut latencies: Vec<f64> = arrivals
        .iter()
        .map(|(u, at)| {
            let spoken_end = t0 + Duration::from_secs_f64(u.end_ms as f64 / 1000.0 / speed);
            at.saturating_duration_since(spoken_end).as_secs_f64()
        })
        .collect();
    for ((u, _), late) in arrivals.iter().zip(&latencies) {
        println!(
            "  {:>5.1}-{:>5.1} {:<8} +{late:.2} s  {}",
            u.start_ms as f64 / 1000.0,
            u.end_ms as f64 / 1000.0,
            u.speaker.as_str(),
            u.text
        );
    }
    // Word error rate of each side's finals against what it said.
    let (mut errors, mut words_said) = (0, 0);
    for customer in [false, true] {
        let said: Vec<&str> = TURNS
            .iter()
            .filter(|t| t.0 == customer)
            .map(|t| t.1)
            .collect();
        let heard: Vec<&str> = arrivals
            .iter()
            .filter(|(u, _)| (u.speaker == Speaker::Customer) == customer)
            .map(|(u, _)| u.text.as_str())
            .collect();
        let reference = speech::normalise(&said.join(" "));
        errors += speech::edits(&reference, &speech::normalise(&heard.join(" ")));
        words_said += reference.len();
    }
    println!(
        "word error rate of the finals: {:.1} % ({errors} errors in {words_said} words)",
        errors as f64 * 100.0 / words_said.max(1) as f64
    );
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "speech end to final words in the engine: p50 {:.2} s, p95 {:.2} s, max {:.2} s ({} finals)",
        at(0.5),
        at(0.95),
        at(1.0),
        latencies.len()
    );
    let engine_ms = engine_ms.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!(
        "engine time per final: {}",
        engine_ms
            .iter()
            .map(|ms| format!("{ms:.0} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "CPU of the call (whole process, {wall:.1} s): {:.1} % of {CORES} cores ({:.2} core-seconds per second of call)",
        cpu / wall / CORES * 100.0,
        cpu / wall
    );
    println!(
        "recognizers: {} finals ({} of them in pieces), {} empty, {} partials ({} more interrupted by their final), {} skipped, {} failed; words lagging {} times; {:.2} s from the last audio to the last words",
        words.finals,
        words.pieced,
        words.empty,
        words.partials,
        words.interrupted,
        words.skipped,
        words.failed,
        lagged.lock().unwrap_or_else(|p| p.into_inner()),
        fed_until.elapsed().as_secs_f64()
    );
}

/// Both sides of the call, same length, at `rate` (espeak-ng's 22.05 kHz, resampled when
/// `rate` is lower). A turn's sentences are spoken one by one with a short breath between them
/// ([`BREATH_S`]): a pause too short to end the turn, long enough for an early decode.
fn make_call(rate: u32) -> (Vec<f32>, Vec<f32>) {
    let dir = tempfile::tempdir().unwrap();
    let gap = (GAP_S * 22_050.0) as usize;
    let breath = (BREATH_S * 22_050.0) as usize;
    let (mut agent, mut customer) = (Vec::new(), Vec::new());
    for (i, (is_customer, text)) in TURNS.iter().enumerate() {
        let (voice, wpm) = match is_customer {
            true => ("en-us", 150),
            false => ("en-gb", 140),
        };
        let mut spoken = Vec::new();
        for (j, sentence) in text.split_inclusive(". ").enumerate() {
            if j > 0 {
                spoken.extend(std::iter::repeat_n(0.0, breath));
            }
            let path = dir.path().join(format!("{i}-{j}.wav"));
            spoken.extend(trimmed(&speech::espeak(voice, wpm, sentence.trim(), &path)));
        }
        let (talks, listens) = match is_customer {
            true => (&mut customer, &mut agent),
            false => (&mut agent, &mut customer),
        };
        talks.extend(std::iter::repeat_n(0.0, gap));
        listens.extend(std::iter::repeat_n(0.0, gap));
        listens.extend(std::iter::repeat_n(0.0, spoken.len()));
        talks.extend(spoken);
    }
    for side in [&mut agent, &mut customer] {
        side.extend(std::iter::repeat_n(0.0, 2 * gap));
    }
    if rate == 22_050 {
        return (agent, customer);
    }
    (resample(&agent, rate), resample(&customer, rate))
}

/// Without espeak's own silence before and after the speech.
fn trimmed(x: &[f32]) -> &[f32] {
    let loud = |s: &f32| s.abs() > 1e-3;
    let start = x.iter().position(loud).unwrap_or(0);
    let end = x.iter().rposition(loud).map_or(start, |e| e + 1);
    &x[start..end]
}

/// Phone band: a moving-average low-pass, then linear interpolation to `rate`.
fn resample(x: &[f32], rate: u32) -> Vec<f32> {
    let taps = (22_050 / rate.max(1)).max(1) as usize;
    let smooth: Vec<f32> = (0..x.len())
        .map(|i| {
            let from = i.saturating_sub(taps / 2);
            let to = (i + taps.div_ceil(2)).min(x.len());
            x[from..to].iter().sum::<f32>() / (to - from) as f32
        })
        .collect();
    let step = 22_050.0 / f64::from(rate);
    let n = (x.len() as f64 / step) as usize;
    (0..n)
        .map(|j| {
            let t = j as f64 * step;
            let i = t as usize;
            let f = (t - i as f64) as f32;
            let a = smooth[i];
            let b = smooth.get(i + 1).copied().unwrap_or(a);
            a + (b - a) * f
        })
        .collect()
}

/// User and system CPU time of the whole process, seconds.
fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}
