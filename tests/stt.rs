//! Speech-to-text end to end, on speech made on this machine: espeak-ng speaks an agent (left
//! channel) and a customer (right channel) who complains, is paraphrased, then insults the agent.
//! `parley transcribe` must give the words with each spurt's times, and `parley replay` of the
//! same WAV must tick paraphrase and climb the boundary ladder from those words; the live
//! capture path (rings, analysis thread, recognizer threads) must give the same spurts' words. Needs the Whisper model (scripts/install-whisper.sh, which
//! scripts/test.sh runs) and espeak-ng; without either the tests say SKIPPED and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use parley::sources::stt::{self, WhisperModel, WhisperOptions};

const RATE_WPM: &str = "140";

struct Line {
    customer: bool,
    /// Silence before the line, seconds.
    gap_s: f32,
    text: &'static str,
}

const SCRIPT: [Line; 5] = [
    Line {
        customer: false,
        gap_s: 0.5,
        text: "Thank you for calling, my name is Sam, how can I help you today?",
    },
    Line {
        customer: true,
        gap_s: 0.8,
        text: "I was charged twice for my order and I want my money back.",
    },
    Line {
        customer: false,
        gap_s: 0.8,
        text: "So you were charged twice for your order, is that right?",
    },
    Line {
        customer: true,
        gap_s: 1.2,
        text: "Listen to me, you are a useless idiot.",
    },
    Line {
        customer: false,
        gap_s: 0.8,
        text: "I want to help you, and I need us to keep this respectful.",
    },
];

fn model() -> Option<WhisperModel> {
    let path = match stt::find_model(None) {
        Ok(Some(p)) => p,
        _ => {
            eprintln!("SKIPPED: no Whisper model installed (run scripts/install-whisper.sh)");
            return None;
        }
    };
    Some(WhisperModel::load(&path).expect("the installed model loads"))
}

fn espeak_available() -> bool {
    let ok = Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: espeak-ng is not installed (scripts/install-deps.sh --test)");
    }
    ok
}

/// espeak-ng voices: a British agent, an American customer.
const AGENT_VOICE: &str = "en-gb";
const CUSTOMER_VOICE: &str = "en-us";

fn speak(dir: &Path, n: usize, line: &Line) -> (Vec<i16>, u32) {
    let path = dir.join(format!("line{n}.wav"));
    let voice = if line.customer {
        CUSTOMER_VOICE
    } else {
        AGENT_VOICE
    };
    let text = line.text;
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", RATE_WPM, "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .unwrap();
    assert!(status.success(), "espeak-ng failed on line {n}");
    let mut reader = hound::WavReader::open(&path).unwrap();
    let rate = reader.spec().sample_rate;
    (reader.samples::<i16>().map(Result::unwrap).collect(), rate)
}

/// Where each line was put, in ms, and the files: stereo, agent mono, customer mono.
struct Call {
    dir: tempfile::TempDir,
    spans: Vec<(u64, u64)>,
}

impl Call {
    fn stereo(&self) -> PathBuf {
        self.dir.path().join("call.wav")
    }
}

/// Lines one after another, each on its speaker's channel, the other channel silent.
fn make_call() -> Call {
    let dir = tempfile::tempdir().unwrap();
    let mut tracks: [Vec<i16>; 2] = [Vec::new(), Vec::new()];
    let mut rate = 16_000;
    let mut at = 0usize;
    let mut spans = Vec::new();
    for (n, line) in SCRIPT.iter().enumerate() {
        let (clip, r) = speak(dir.path(), n, line);
        rate = r;
        at += (line.gap_s * r as f32) as usize;
        let track = &mut tracks[usize::from(line.customer)];
        track.resize(at, 0);
        track.extend(clip.iter().map(|s| s / 2));
        let ms = |i: usize| (i as u64 * 1000) / u64::from(r);
        spans.push((ms(at), ms(at + clip.len())));
        at += clip.len();
    }
    let len = at + rate as usize;
    for t in &mut tracks {
        t.resize(len, 0);
    }
    let spec = |channels| hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(dir.path().join("call.wav"), spec(2)).unwrap();
    for (l, r) in tracks[0].iter().zip(&tracks[1]) {
        w.write_sample(*l).unwrap();
        w.write_sample(*r).unwrap();
    }
    w.finalize().unwrap();
    Call { dir, spans }
}

fn parley(args: &[&str], data_home: &Path) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(args)
        .env("PARLEY_DB", data_home.join("parley.db"))
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn transcribe_gives_each_spurt_its_words_and_replay_ticks_and_climbs_the_boundary_ladder() {
    if model().is_none() || !espeak_available() {
        return;
    }
    let call = make_call();
    let wav = call.stereo();
    let wav = wav.to_str().unwrap();

    let (stdout, stderr, code) = parley(&["transcribe", wav, "--json"], call.dir.path());
    assert_eq!(code, 0, "{stderr}");
    let transcript = stdout.clone();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), SCRIPT.len(), "{stdout}");
    for ((line, (start, end)), got) in SCRIPT.iter().zip(&call.spans).zip(&lines) {
        let speaker = if line.customer { "customer" } else { "agent" };
        assert_eq!(got["speaker"], speaker, "{got}");
        // Each utterance carries its own spurt's times (espeak's clips have a little silence
        // at both ends, which the voice-activity path leaves out).
        let (s, e) = (
            got["start_ms"].as_u64().unwrap(),
            got["end_ms"].as_u64().unwrap(),
        );
        assert!(s + 50 >= *start && s < start + 400, "{got} vs {start}");
        assert!(e <= end + 50 && e + 600 > *end, "{got} vs {end}");
    }
    let insult = words(lines[3]["text"].as_str().unwrap());
    for w in ["you", "useless", "idiot"] {
        assert!(insult.contains(&w.to_string()), "{insult:?}");
    }
    let complaint = words(lines[1]["text"].as_str().unwrap());
    for w in ["charged", "twice", "money", "back"] {
        assert!(complaint.contains(&w.to_string()), "{complaint:?}");
    }

    let (stdout, stderr, code) = parley(&["replay", wav, "--json", "--no-save"], call.dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("pacing only"), "{stderr}");
    let outputs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let boundary = outputs
        .iter()
        .find(|o| o["type"] == "nudge" && o["rule"] == "boundary");
    let boundary =
        boundary.unwrap_or_else(|| panic!("no boundary nudge from\n{transcript}\nin\n{stdout}"));
    // It fires on the insult, not before.
    let at = boundary["at_ms"].as_u64().unwrap();
    assert!(
        at >= call.spans[3].0,
        "{boundary} before the insult at {:?}",
        call.spans[3]
    );
    let paraphrase = outputs
        .iter()
        .find(|o| o["type"] == "tick" && o["item"] == "paraphrase")
        .unwrap_or_else(|| panic!("no paraphrase tick from\n{transcript}\nin\n{stdout}"));
    let at = paraphrase["at_ms"].as_u64().unwrap();
    assert!(
        at >= call.spans[2].0 && at < call.spans[3].0,
        "{paraphrase}"
    );
}

#[test]
fn two_mono_files_at_phone_rate_give_the_same_words() {
    let Some(model) = model() else { return };
    if !espeak_available() {
        return;
    }
    let call = make_call();
    // The stereo call split and brought down to 8 kHz by picking samples after a 3-tap
    // moving-average low-pass (the recognizer must bring it back up to 16 kHz itself).
    let mut reader = hound::WavReader::open(call.stereo()).unwrap();
    let rate = reader.spec().sample_rate;
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let files = [
        call.dir.path().join("agent8k.wav"),
        call.dir.path().join("customer8k.wav"),
    ];
    for (ch, path) in files.iter().enumerate() {
        let mono: Vec<f32> = samples
            .iter()
            .skip(ch)
            .step_by(2)
            .map(|s| f32::from(*s))
            .collect();
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        let step = rate as f64 / 8_000.0;
        let mut t = 0.0;
        while (t as usize) + 2 < mono.len() {
            let i = t as usize;
            w.write_sample(((mono[i] + mono[i + 1] + mono[i + 2]) / 3.0) as i16)
                .unwrap();
            t += step;
        }
        w.finalize().unwrap();
    }
    let got =
        stt::transcribe_wav_pair(&files[0], &files[1], &model, WhisperOptions::default()).unwrap();
    assert_eq!(got.utterances.len(), SCRIPT.len(), "{:?}", got.utterances);
    let insult = words(&got.utterances[3].text);
    assert!(insult.contains(&"idiot".to_string()), "{insult:?}");
    assert!(!got.voice.is_empty());
}

/// The live path without a device: the call's samples pushed into the capture rings (faster
/// than real time, as fast as the analysis takes them), the speech-to-text tap on the analysis
/// thread, a recognizer thread per side. Every spurt's final arrives with the same times the
/// file path gives, and the insult's words with it.
#[test]
fn live_capture_rings_give_every_spurt_its_words_with_the_file_paths_times() {
    use std::sync::{mpsc, Mutex};

    use parley::engine::{Event, Speaker};
    use parley::sources::audio::live::{self, LiveAudio, Outlets, Tap, STALL_AFTER};
    use parley::sources::stt::{LiveWords, WordsOut, WordsSink};

    let Some(model) = model() else { return };
    if !espeak_available() {
        return;
    }
    let call = make_call();
    let file = stt::transcribe_wav(&call.stereo(), &model, WhisperOptions::default()).unwrap();

    let mut reader = hound::WavReader::open(call.stereo()).unwrap();
    let rate = reader.spec().sample_rate;
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    let (words_tx, words_rx) = mpsc::channel();
    let words_tx = Mutex::new(words_tx);
    let sink: WordsSink = std::sync::Arc::new(move |out| {
        if let WordsOut::Words(Event::Utterance(u)) = out {
            if u.is_final {
                let tx = words_tx.lock().unwrap_or_else(|p| p.into_inner());
                tx.send(u).expect("test receiver alive");
            }
        }
    });
    let (recognizers, tap) = LiveWords::whisper(&model, WhisperOptions::default(), sink).unwrap();
    let (mut agent_feed, agent_in) = live::channel(Speaker::Agent, rate);
    let (mut customer_feed, customer_in) = live::channel(Speaker::Customer, rate);
    let outlets = Outlets {
        events: Box::new(|_| {}),
        notices: Box::new(|_| {}),
        ticks: false,
        stall_after: STALL_AFTER,
        align: false,
        tap: Some(Box::new(tap) as Box<dyn Tap>),
    };
    let audio = LiveAudio::start_with(vec![agent_in, customer_in], outlets).unwrap();
    let block = rate as usize / 50;
    for frame in samples.chunks(2 * block) {
        let left: Vec<f32> = frame.iter().step_by(2).copied().collect();
        let right: Vec<f32> = frame.iter().skip(1).step_by(2).copied().collect();
        // As a device would: the next block once there is room for it.
        while agent_feed.free_slots() < left.len() || customer_feed.free_slots() < right.len() {
            std::thread::yield_now();
        }
        agent_feed.push(&left);
        customer_feed.push(&right);
    }
    let report = audio.stop().unwrap();
    assert_eq!(report.overruns, 0);
    let done = recognizers.finish().unwrap();
    let mut live: Vec<_> = words_rx.try_iter().collect();
    live.sort_by_key(|u| (u.start_ms, u.end_ms));
    let spans = |us: &[parley::engine::Utterance]| -> Vec<(Speaker, u64, u64)> {
        us.iter()
            .map(|u| (u.speaker, u.start_ms, u.end_ms))
            .collect()
    };
    assert_eq!(spans(&live), spans(&file.utterances), "{live:?}");
    assert_eq!(
        (done.finals, done.failed, done.skipped),
        (SCRIPT.len() as u64, 0, 0)
    );
    let insult = words(&live[3].text);
    assert!(
        insult.contains(&"idiot".to_string()) || insult.contains(&"useless".to_string()),
        "{insult:?}"
    );
}
