//! Local speech-to-text, measured: word error rate per condition on espeak-ng speech (several
//! voices and rates), real-time factor per channel, model load time, memory with the model
//! loaded. Prints a table; `cargo bench --no-default-features --bench stt`.
//!
//! Conditions:
//! - clean: espeak-ng's own 22.05 kHz output;
//! - phone: band-limited to 300-3400 Hz, resampled to 8 kHz, G.711 mu-law encoded and decoded,
//!   handed to the recognizer at 8 kHz (it resamples to 16 kHz itself);
//! - noisy: phone, with white noise added before the codec at 10 dB SNR (speech-active power).
//!
//! STT_BENCH_MODELS=base,tiny.en picks the models; STT_BENCH_QUICK=1 uses fewer clips;
//! STT_BENCH_SWEEP=1 measures only phone-line WER, for decoding parameters side by side.

use std::process::Command;
use std::time::Instant;

use parley::sources::stt::{self, ModelChoice, Recognizer, WhisperModel, WhisperOptions, Window};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

mod speech;
use speech::{edits, espeak, normalise};

const SENTENCES: [&str; 8] = [
    "I was charged twice for my order and I want my money back.",
    "Can you tell me when the engineer is going to arrive?",
    "My internet has been dropping out every evening for a week.",
    "I would like to cancel my subscription at the end of the month.",
    "So you are saying the payment went out but the account still shows it as owed.",
    "I will send you an email with the reference number today.",
    "This is the third time I have called about the same problem.",
    "Let me put you on hold for a moment while I check that for you.",
];
/// espeak-ng voice and words per minute.
const VOICES: [(&str, u32); 6] = [
    ("en-us", 150),
    ("en-us+f3", 175),
    ("en-gb", 140),
    ("en-gb+m3", 190),
    ("en-gb-scotland", 160),
    ("en-029+f2", 150),
];
const NOISE_SNR_DB: f32 = 10.0;

fn main() {
    if !Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("SKIPPED: espeak-ng is not installed");
        return;
    }
    let quick = std::env::var_os("STT_BENCH_QUICK").is_some();
    let names = std::env::var("STT_BENCH_MODELS").unwrap_or_else(|_| "base,tiny.en".into());
    let clips = make_clips(quick);
    let audio_s: f64 = clips.iter().map(|c| c.clean.len() as f64 / 22_050.0).sum();
    println!(
        "{} clips ({} sentences x {} voices/rates), {:.1} s of speech",
        clips.len(),
        if quick { 4 } else { SENTENCES.len() },
        if quick { 2 } else { VOICES.len() },
        audio_s
    );
    for name in names.split(',') {
        let choice: ModelChoice = name.parse().unwrap_or(ModelChoice::Base);
        let Ok(Some(path)) = stt::find_model(Some(&choice)) else {
            println!("\n{name}: SKIPPED (not installed; scripts/install-whisper.sh)");
            continue;
        };
        if std::env::var_os("STT_BENCH_SWEEP").is_some() {
            sweep(name, &path, &clips);
        } else {
            bench_model(name, &path, &clips);
        }
    }
}

/// Phone-line (and noisy) WER and CPU-RTF for decoding parameters side by side.
fn sweep(name: &str, path: &std::path::Path, clips: &[Clip]) {
    let model = WhisperModel::load(path).unwrap();
    let d = WhisperOptions::default;
    let variants = [
        ("default (greedy, fallback, prompt)", d()),
        (
            "no temperature fallback",
            WhisperOptions {
                fallback: false,
                ..d()
            },
        ),
        (
            "beam search 5",
            WhisperOptions {
                beam_size: 5,
                ..d()
            },
        ),
        (
            "beam search 5, no prompt",
            WhisperOptions {
                beam_size: 5,
                prompt: None,
                ..d()
            },
        ),
        (
            "window >= 5 s",
            WhisperOptions {
                window: Window::Fit { min_s: 5 },
                ..d()
            },
        ),
    ];
    println!("\n== {name}: phone 8 kHz mu-law / noisy phone, WER and CPU-RTF");
    for (label, options) in variants {
        let mut r = model.recognizer(options).unwrap();
        let phone = run(&mut r, clips, |c| (&c.phone, 8_000));
        let noisy = run(&mut r, clips, |c| (&c.noisy, 8_000));
        println!(
            "{label:<36} phone {:5.1}% {:.3}   noisy {:5.1}% {:.3}",
            phone.wer * 100.0,
            phone.cpu_rtf,
            noisy.wer * 100.0,
            noisy.cpu_rtf
        );
    }
}

struct Clip {
    text: &'static str,
    clean: Vec<f32>,
    phone: Vec<f32>,
    noisy: Vec<f32>,
}

fn make_clips(quick: bool) -> Vec<Clip> {
    let dir = tempfile::tempdir().unwrap();
    let sentences = if quick {
        &SENTENCES[..4]
    } else {
        &SENTENCES[..]
    };
    let voices = if quick { &VOICES[..2] } else { &VOICES[..] };
    let mut clips = Vec::new();
    let mut seed = 0x2545_f491_u32;
    for (i, text) in sentences.iter().enumerate() {
        for (j, (voice, wpm)) in voices.iter().enumerate() {
            // Each sentence with a different subset order, so voices and sentences mix.
            if !quick && (i + j) % 2 == 1 {
                continue;
            }
            let path = dir.path().join(format!("{i}-{j}.wav"));
            let clean = espeak(voice, *wpm, text, &path);
            let phone = phone_line(&clean, None);
            let noisy = phone_line(&clean, Some((NOISE_SNR_DB, &mut seed)));
            clips.push(Clip {
                text,
                clean,
                phone,
                noisy,
            });
        }
    }
    clips
}

/// 300-3400 Hz, 8 kHz, mu-law; optionally white noise at `snr_db` first.
fn phone_line(clean: &[f32], noise: Option<(f32, &mut u32)>) -> Vec<f32> {
    let mut x = clean.to_vec();
    if let Some((snr_db, seed)) = noise {
        let active: Vec<f32> = x.iter().copied().filter(|s| s.abs() > 0.01).collect();
        let power = active.iter().map(|s| s * s).sum::<f32>() / active.len().max(1) as f32;
        let noise_rms = (power / 10f32.powf(snr_db / 10.0)).sqrt();
        for s in &mut x {
            *s += noise_rms * gaussian(seed);
        }
    }
    let mut hp = Biquad::highpass(22_050.0, 300.0);
    let mut lp = Biquad::lowpass(22_050.0, 3_400.0);
    for s in &mut x {
        *s = lp.run(hp.run(*s));
    }
    let mut fft = Fft::<f32>::new(22_050, 8_000, 1024, 1, FixedSync::Both).unwrap();
    let input = InterleavedSlice::new(&x, 1, x.len()).unwrap();
    let narrow = fft.process_all(&input, x.len(), None).unwrap().take_data();
    narrow
        .iter()
        .map(|s| mulaw_decode(mulaw_encode(*s)))
        .collect()
}

fn gaussian(seed: &mut u32) -> f32 {
    let mut uniform = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 17;
        *seed ^= *seed << 5;
        (*seed as f32 + 1.0) / (u32::MAX as f32 + 2.0)
    };
    let (a, b) = (uniform(), uniform());
    (-2.0 * a.ln()).sqrt() * (2.0 * std::f32::consts::PI * b).cos()
}

/// G.711 mu-law, 14-bit linear in, one byte out.
fn mulaw_encode(x: f32) -> u8 {
    const BIAS: i32 = 0x84;
    let mut pcm = (x.clamp(-1.0, 1.0) * 32_767.0) as i32;
    let sign = if pcm < 0 { 0x80 } else { 0 };
    if pcm < 0 {
        pcm = -pcm;
    }
    pcm = (pcm + BIAS).min(32_635 + BIAS);
    let top = pcm >> 7;
    let exponent = if top == 0 {
        0
    } else {
        31 - top.leading_zeros() as i32
    };
    let mantissa = (pcm >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

fn mulaw_decode(byte: u8) -> f32 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0f);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    let v = if sign != 0 { -magnitude } else { magnitude };
    v as f32 / 32_768.0
}

struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    z: [f32; 2],
}

impl Biquad {
    fn new(rate: f32, hz: f32, high: bool) -> Biquad {
        let w = 2.0 * std::f32::consts::PI * hz / rate;
        let alpha = w.sin() / (2.0 * std::f32::consts::FRAC_1_SQRT_2);
        let c = w.cos();
        let a0 = 1.0 + alpha;
        let b = if high {
            [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0]
        } else {
            [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0]
        };
        Biquad {
            b: [b[0] / a0, b[1] / a0, b[2] / a0],
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }
    fn highpass(rate: f32, hz: f32) -> Biquad {
        Biquad::new(rate, hz, true)
    }
    fn lowpass(rate: f32, hz: f32) -> Biquad {
        Biquad::new(rate, hz, false)
    }
    fn run(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// CPU time of the calling thread, seconds (10 ms resolution).
fn thread_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0);
    ticks / 100.0
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        v.get(((v.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    (at(0.5).unwrap_or(0.0), at(0.95).unwrap_or(0.0))
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Which audio of a clip a condition uses, and its rate.
type Pick = fn(&Clip) -> (&[f32], u32);

struct Run {
    wer: f64,
    /// Wall time over audio time.
    rtf: f64,
    /// This thread's CPU time over audio time: what the decode costs with the CPU to itself
    /// (one decode thread runs in the calling thread), whatever else the machine is doing.
    cpu_rtf: f64,
    /// Decode time of each clip, seconds: speech end to words when nothing is queued.
    latencies: Vec<f64>,
    worst: Option<(String, String)>,
}

fn run(recognizer: &mut dyn Recognizer, clips: &[Clip], pick: Pick) -> Run {
    let (mut errors, mut words, mut spent, mut audio) = (0usize, 0usize, 0.0f64, 0.0f64);
    let cpu_before = thread_cpu_s();
    let mut worst = (0usize, None);
    let mut latencies = Vec::new();
    for clip in clips {
        let (samples, rate) = pick(clip);
        let t = Instant::now();
        let text = recognizer.transcribe(samples, rate).unwrap();
        latencies.push(t.elapsed().as_secs_f64());
        spent += t.elapsed().as_secs_f64();
        audio += samples.len() as f64 / f64::from(rate);
        let (r, h) = (normalise(clip.text), normalise(&text));
        let e = edits(&r, &h);
        if e > worst.0 {
            worst = (e, Some((clip.text.to_string(), text)));
        }
        errors += e;
        words += r.len();
    }
    Run {
        wer: errors as f64 / words.max(1) as f64,
        rtf: spent / audio,
        cpu_rtf: (thread_cpu_s() - cpu_before) / audio,
        latencies,
        worst: worst.1,
    }
}

fn bench_model(name: &str, path: &std::path::Path, clips: &[Clip]) {
    let before = rss_kib("VmRSS:");
    let model = WhisperModel::load(path).unwrap();
    let after_load = rss_kib("VmRSS:");
    println!(
        "\n== {name} ({}): load {:.0} ms, RSS +{:.0} MiB with the model loaded",
        path.display(),
        model.load_time().as_secs_f64() * 1000.0,
        (after_load.saturating_sub(before)) as f64 / 1024.0
    );
    let conditions: [(&str, Pick); 3] = [
        ("clean 22.05 kHz", |c| (&c.clean, 22_050)),
        ("phone 8 kHz mu-law", |c| (&c.phone, 8_000)),
        ("noisy phone, 10 dB SNR", |c| (&c.noisy, 8_000)),
    ];
    // The default (encoder window fitted to the spurt, call-centre prompt), without the prompt,
    // and with a window of at least 10 s; RTF on 1 thread.
    let variants = [
        WhisperOptions::default(),
        WhisperOptions {
            prompt: None,
            ..WhisperOptions::default()
        },
        WhisperOptions {
            window: Window::Fit { min_s: 10 },
            ..WhisperOptions::default()
        },
    ];
    println!(
        "{:<24} {:>18} {:>18} {:>18}",
        "WER RTF CPU-RTF", "default", "no prompt", "window >= 10 s"
    );
    for (label, pick) in conditions {
        let mut cells = Vec::new();
        let mut worst = None;
        for options in variants {
            let mut r = model.recognizer(options).unwrap();
            let got = run(&mut r, clips, pick);
            cells.push(format!(
                "{:5.1}% {:.3} {:.3}",
                got.wer * 100.0,
                got.rtf,
                got.cpu_rtf
            ));
            if options == WhisperOptions::default() {
                let (p50, p95) = percentiles(got.latencies.clone());
                worst = got.worst.map(|w| (w, p50, p95));
            }
        }
        println!(
            "{label:<24} {:>18} {:>18} {:>18}",
            cells[0], cells[1], cells[2]
        );
        if let Some(((want, got), p50, p95)) = worst {
            println!("    default: speech end to words p50 {p50:.2} s, p95 {p95:.2} s (1 thread)");
            println!("    worst: {want:?} -> {got:?}");
        }
    }
    let few = &clips[..clips.len().min(8)];
    for (label, options) in [
        (
            "full 30 s window, 1 thread",
            WhisperOptions {
                window: Window::Full,
                ..WhisperOptions::default()
            },
        ),
        (
            "beam search 5",
            WhisperOptions {
                beam_size: 5,
                ..WhisperOptions::default()
            },
        ),
        (
            "default window, 2 threads",
            WhisperOptions {
                threads: 2,
                ..WhisperOptions::default()
            },
        ),
    ] {
        let mut r = model.recognizer(options).unwrap();
        let f = run(&mut r, few, |c| (&c.noisy, 8_000));
        println!(
            "noisy phone, {label} (first {} clips): WER {:.1}%, RTF {:.3}{}",
            few.len(),
            f.wer * 100.0,
            f.rtf,
            match options.threads {
                1 => format!(", CPU-RTF {:.3}", f.cpu_rtf),
                _ => String::new(),
            }
        );
    }
    // Both channels at once, one thread each, as in a live call.
    let t = Instant::now();
    let rtfs: Vec<(f64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let mut r = model.recognizer(WhisperOptions::default()).unwrap();
                s.spawn(move || {
                    let got = run(&mut r, clips, |c| (&c.phone, 8_000));
                    (got.rtf, got.cpu_rtf)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    println!(
        "two channels at once (1 thread each, phone): RTF {:.3} / {:.3}, CPU-RTF {:.3} / {:.3} \
         per channel, {:.1} s wall",
        rtfs[0].0,
        rtfs[1].0,
        rtfs[0].1,
        rtfs[1].1,
        t.elapsed().as_secs_f64()
    );
    println!(
        "machine load while measuring: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "peak RSS {:.0} MiB (process, both decoding states)",
        rss_kib("VmHWM:") as f64 / 1024.0
    );
}
