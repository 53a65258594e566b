//! The audio path's speed in multiples of real time: one channel through VAD, segmentation,
//! loudness and rate; and a whole stereo WAV file read from disk.

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use parley::engine::Speaker;
use parley::sources::audio::{self, ChannelAnalyzer};

const RATE: u32 = 16_000;
const SECONDS: usize = 60;

/// Speech-like test signal: 4 Hz syllable bumps on a buzzy carrier, 3 s on, 1 s off.
fn signal(seconds: usize, rate: u32) -> Vec<f32> {
    let mut noise = 0x2545_f491_u32;
    (0..seconds * rate as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            if t % 4.0 > 3.0 {
                return 0.0;
            }
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            let hiss = (noise as f32 / u32::MAX as f32 - 0.5) * 0.02;
            let envelope = (t * 4.0 * std::f32::consts::PI).sin().abs();
            let carrier = (t * 2.0 * std::f32::consts::PI * 140.0).sin()
                + 0.5 * (t * 2.0 * std::f32::consts::PI * 280.0).sin();
            0.2 * envelope * carrier + hiss
        })
        .collect()
}

fn analyze(samples: &[f32]) -> usize {
    let mut analyzer = ChannelAnalyzer::new(Speaker::Agent, RATE);
    let mut out = Vec::new();
    // Blocks of 20 ms, as live capture delivers them.
    for block in samples.chunks(RATE as usize / 50) {
        analyzer.push(block, &mut out);
    }
    analyzer.finish(&mut out);
    out.len()
}

fn write_stereo(path: &std::path::Path, left: &[f32], right: &[f32]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for (l, r) in left.iter().zip(right) {
        w.write_sample((l * 32767.0) as i16).expect("write");
        w.write_sample((r * 32767.0) as i16).expect("write");
    }
    w.finalize().expect("finalize");
}

fn benches(c: &mut Criterion) {
    let samples = signal(SECONDS, RATE);
    let mut group = c.benchmark_group("audio");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("channel_60s_16k", |b| b.iter(|| analyze(&samples)));
    group.finish();

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("call.wav");
    let mut right = samples.clone();
    right.rotate_left(RATE as usize * 2);
    write_stereo(&path, &samples, &right);
    c.bench_function("audio/stereo_wav_60s_16k", |b| {
        b.iter(|| audio::events_from_wav(&path).expect("wav"))
    });

    // The figures the issue asks for, measured directly.
    let runs = 5;
    let start = Instant::now();
    for _ in 0..runs {
        analyze(&samples);
    }
    let per_channel = start.elapsed() / runs;
    let start = Instant::now();
    for _ in 0..runs {
        audio::events_from_wav(&path).expect("wav");
    }
    let per_file = start.elapsed() / runs;
    let audio_s = Duration::from_secs(SECONDS as u64).as_secs_f64();
    println!(
        "audio: one channel, {SECONDS} s at {RATE} Hz in {per_channel:?}: {:.0}x real time",
        audio_s / per_channel.as_secs_f64()
    );
    println!(
        "audio: stereo WAV (decode + both channels), {SECONDS} s in {per_file:?}: {:.0}x real time \
         ({:.0}x per channel)",
        audio_s / per_file.as_secs_f64(),
        2.0 * audio_s / per_file.as_secs_f64()
    );
}

/// User + system CPU time of this process, from /proc (Linux), in clock ticks of 10 ms.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The live path at real time: a feeder thread stands in for the device callback, pushing 10 ms
/// of 48 kHz stereo into both rings, while the analysis thread drains them.
fn live_cpu(seconds: u64) {
    use parley::sources::audio::live::{self, LiveAudio};
    const LIVE_RATE: u32 = 48_000;
    let (mut mic, mic_in) = live::channel(Speaker::Agent, LIVE_RATE);
    let (mut call, call_in) = live::channel(Speaker::Customer, LIVE_RATE);
    let audio = LiveAudio::start(vec![mic_in, call_in], Box::new(|_| {})).expect("analysis thread");
    let mono = signal(seconds as usize + 1, LIVE_RATE);
    let stereo: Vec<i16> = mono
        .iter()
        .flat_map(|s| [(s * 32767.0) as i16; 2])
        .collect();
    let block = LIVE_RATE as usize / 100;
    let Some(before) = cpu_ticks() else {
        println!("audio: live CPU not measured (no /proc/self/stat here)");
        return;
    };
    let start = Instant::now();
    for (i, chunk) in stereo
        .chunks(block * 2)
        .take(seconds as usize * 100)
        .enumerate()
    {
        mic.push_interleaved(chunk, 2, |s| f32::from(s) / 32768.0);
        call.push_interleaved(chunk, 2, |s| f32::from(s) / 32768.0);
        let due = Duration::from_millis(10 * (i as u64 + 1));
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    let report = audio.stop().expect("stop");
    let after = cpu_ticks().unwrap_or(before);
    let busy = (after - before) as f64 / 100.0;
    println!(
        "audio: live path at real time, 2 channels of 48 kHz stereo for {seconds} s: {:.2}% of one \
         core (process CPU incl. the feeder; {} overruns, {} events)",
        100.0 * busy / start.elapsed().as_secs_f64(),
        report.overruns,
        report.events
    );
}

criterion_group! {
    name = audio_benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = benches
}

fn main() {
    audio_benches();
    Criterion::default().configure_from_args().final_summary();
    live_cpu(20);
}
