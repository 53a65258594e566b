//! Voice activity on phone-like audio: Parley's energy detector against earshot (a small trained
//! detector, pure Rust). Speech from espeak-ng is taken through what a phone line does to it
//! (8 kHz, mu-law), then mixed with line noise, hold music, keyboard clicks and breathing. The
//! truth is which 10 ms frames of the clean speech carry voice. Reports frame accuracy, speech
//! recall, false alarms on the non-speech sounds, and the error at the edges of each turn.
//!
//! Needs espeak-ng on the path (scripts/install-deps.sh --test); prints SKIPPED without it.

use std::f32::consts::PI;
use std::process::Command;

use parley::sources::audio::{EnergyVad, VoiceDetector};

const PHONE: u32 = 8_000;
const FRAME: usize = 80; // 10 ms at 8 kHz

fn espeak(text: &str) -> Option<(u32, Vec<f32>)> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("s.wav");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "165", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let mut r = hound::WavReader::open(&path).ok()?;
    let rate = r.spec().sample_rate;
    let s = r
        .samples::<i16>()
        .filter_map(Result::ok)
        .map(|v| f32::from(v) / 32768.0)
        .collect();
    Some((rate, s))
}

/// Linear resampling; enough for a telephone band.
fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    let n = (x.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 * f64::from(from) / f64::from(to);
            let j = t as usize;
            let f = (t - j as f64) as f32;
            let a = x.get(j).copied().unwrap_or(0.0);
            let b = x.get(j + 1).copied().unwrap_or(a);
            a + (b - a) * f
        })
        .collect()
}

/// G.711 mu-law encode and decode.
fn mulaw(x: f32) -> f32 {
    let mu = 255.0f32;
    let y = x.signum() * (1.0 + mu * x.abs().min(1.0)).ln() / (1.0 + mu).ln();
    let q = (y * 127.0).round() / 127.0;
    q.signum() * ((1.0 + mu).powf(q.abs()) - 1.0) / mu
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

/// A call side: speech turns with gaps, the gaps filled by `gap` sounds; returns samples at
/// 8 kHz after the line and the truth per 10 ms frame.
fn fixture(
    turns: &[Vec<f32>],
    gap: &dyn Fn(usize, &mut Rng) -> f32,
    noise_db: f32,
) -> (Vec<f32>, Vec<bool>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut clean = Vec::new();
    let mut truth_src = Vec::new();
    let gap_len = PHONE as usize * 3;
    for t in turns {
        for i in 0..gap_len {
            clean.push(gap(i, &mut rng));
            truth_src.push(0.0);
        }
        clean.extend_from_slice(t);
        truth_src.extend_from_slice(t);
    }
    for i in 0..gap_len {
        clean.push(gap(i, &mut rng));
        truth_src.push(0.0);
    }
    let peak = truth_src
        .chunks(FRAME)
        .map(|f| f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32)
        .fold(0.0f32, f32::max);
    let truth: Vec<bool> = truth_src
        .chunks(FRAME)
        .map(|f| {
            let p = f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32;
            p > peak * 10f32.powf(-35.0 / 10.0)
        })
        .collect();
    let noise = 10f32.powf(noise_db / 20.0);
    let line = clean
        .iter()
        .map(|s| mulaw((s + noise * rng.next()).clamp(-1.0, 1.0)))
        .collect();
    (line, truth)
}

#[derive(Default)]
struct Score {
    frames: usize,
    right: usize,
    speech: usize,
    hit: usize,
    other: usize,
    false_alarm: usize,
}

impl Score {
    fn add(&mut self, truth: bool, said: bool) {
        self.frames += 1;
        self.right += usize::from(truth == said);
        if truth {
            self.speech += 1;
            self.hit += usize::from(said);
        } else {
            self.other += 1;
            self.false_alarm += usize::from(said);
        }
    }
    fn line(&self) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        format!(
            "accuracy {:5.1}%  speech found {:5.1}%  false alarms {:5.1}%",
            pct(self.right, self.frames),
            pct(self.hit, self.speech),
            pct(self.false_alarm, self.other)
        )
    }
}

fn energy(line: &[f32]) -> Vec<bool> {
    let mut vad = EnergyVad::default();
    line.chunks_exact(FRAME)
        .map(|f| vad.frame(f).speech)
        .collect()
}

fn earshot(line: &[f32]) -> Vec<bool> {
    let wide = resample(line, PHONE, 16_000);
    let mut d = earshot::Detector::default();
    let scores: Vec<f32> = wide.chunks_exact(256).map(|f| d.predict_f32(f)).collect();
    // earshot frames are 16 ms; read the score at each 10 ms frame's middle.
    (0..line.len() / FRAME)
        .map(|i| {
            let t_ms = i as f64 * 10.0 + 5.0;
            let j = (t_ms / 16.0) as usize;
            scores.get(j).is_some_and(|s| *s >= 0.5)
        })
        .collect()
}

/// Mean distance (ms) from each true speech edge to the nearest edge the detector saw, over
/// edges with one within 500 ms (smoothed like the segmenter: 4 frames on, 35 off); "n/a" when
/// the detector never found the gaps between turns.
fn edge_error(truth: &[bool], said: &[bool]) -> String {
    let smooth = |x: &[bool]| {
        let mut out = vec![false; x.len()];
        let (mut on, mut run, mut quiet) = (false, 0, 0);
        for (i, &v) in x.iter().enumerate() {
            if v {
                run += 1;
                quiet = 0;
            } else {
                run = 0;
                quiet += 1;
            }
            if !on && run >= 4 {
                on = true;
                for o in out.iter_mut().take(i + 1).skip(i + 1 - run) {
                    *o = true;
                }
            }
            if on && quiet >= 35 {
                on = false;
                for o in out.iter_mut().take(i + 1).skip(i + 1 - quiet) {
                    *o = false;
                }
            }
            out[i] = out[i] || on;
        }
        out
    };
    let edges = |x: &[bool]| -> Vec<usize> { (1..x.len()).filter(|&i| x[i] != x[i - 1]).collect() };
    let (t, s) = (edges(&smooth(truth)), edges(&smooth(said)));
    let d: Vec<f64> = t
        .iter()
        .filter_map(|&e| s.iter().map(|&f| e.abs_diff(f)).min())
        .filter(|&d| d <= 50)
        .map(|d| d as f64 * 10.0)
        .collect();
    if d.is_empty() {
        return "n/a".into();
    }
    format!("{:.0} ms", d.iter().sum::<f64>() / d.len() as f64)
}

fn main() {
    let lines = [
        "I have been waiting three weeks for my refund and nobody has called me back.",
        "Let me check that for you, can I have your account number please?",
        "It's four one one two, and the name is Ruth Baker.",
        "Thank you, I can see the refund here, it was sent on Monday.",
    ];
    let mut turns = Vec::new();
    for l in lines {
        let Some((rate, s)) = espeak(l) else {
            println!("SKIPPED: the VAD comparison needs espeak-ng");
            return;
        };
        turns.push(resample(&s, rate, PHONE));
    }
    let silence = |_: usize, _: &mut Rng| 0.0;
    let music = |i: usize, _: &mut Rng| {
        let t = i as f32 / PHONE as f32;
        let note = [262.0, 330.0, 392.0, 523.0][(t * 2.0) as usize % 4];
        0.05 * (2.0 * PI * note * t).sin() + 0.03 * (2.0 * PI * note * 1.5 * t).sin()
    };
    let keys = |i: usize, r: &mut Rng| {
        if i % 1400 < 40 {
            0.3 * r.next() * (-((i % 1400) as f32) / 8.0).exp()
        } else {
            0.0
        }
    };
    let breath = |i: usize, r: &mut Rng| {
        let phase = (i % 16_000) as f32 / 16_000.0;
        let env = if phase < 0.3 {
            (phase / 0.3 * PI).sin()
        } else {
            0.0
        };
        0.02 * env * r.next()
    };
    type Gap<'a> = &'a dyn Fn(usize, &mut Rng) -> f32;
    let cases: [(&str, Gap, f32); 5] = [
        ("quiet line", &silence, -60.0),
        ("line noise (-30 dBFS)", &silence, -30.0),
        ("hold music between turns", &music, -55.0),
        ("keyboard clicks between turns", &keys, -55.0),
        ("breathing between turns", &breath, -55.0),
    ];
    println!("phone-like audio: espeak-ng speech at 8 kHz through mu-law, 10 ms frames");
    let (mut all_e, mut all_s) = (Score::default(), Score::default());
    for (name, gap, noise) in cases {
        let (line, truth) = fixture(&turns, gap, noise);
        let (e, s) = (energy(&line), earshot(&line));
        let (mut se, mut ss) = (Score::default(), Score::default());
        for (i, &t) in truth.iter().enumerate() {
            let (a, b) = (
                e.get(i).copied().unwrap_or(false),
                s.get(i).copied().unwrap_or(false),
            );
            se.add(t, a);
            ss.add(t, b);
            all_e.add(t, a);
            all_s.add(t, b);
        }
        println!("{name}:");
        println!(
            "  energy   {}  edge error {:>7}",
            se.line(),
            edge_error(&truth, &e)
        );
        println!(
            "  earshot  {}  edge error {:>7}",
            ss.line(),
            edge_error(&truth, &s)
        );
    }
    println!(
        "all:\n  energy   {}\n  earshot  {}",
        all_e.line(),
        all_s.line()
    );
}
