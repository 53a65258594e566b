use super::*;
use crate::sources::audio::ChannelAnalyzer;

const RATE: u32 = 16_000;

/// Stands in for a model: reports how much audio it was given.
struct Counting;

impl Recognizer for Counting {
    fn transcribe(&mut self, samples: &[f32], sample_rate: u32) -> Result<String, RecognizeError> {
        if samples.iter().all(|s| *s == 0.0) {
            return Ok(String::new());
        }
        Ok(format!("{} samples at {sample_rate}", samples.len()))
    }
}

struct Failing;

impl Recognizer for Failing {
    fn transcribe(&mut self, _: &[f32], _: u32) -> Result<String, RecognizeError> {
        Err(RecognizeError("model crashed".into()))
    }
}

fn burst(off_s: f32, on_s: f32, total_s: f32) -> Vec<f32> {
    (0..(total_s * RATE as f32) as usize)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            if t < off_s || t >= off_s + on_s {
                0.0
            } else {
                0.3 * (t * 4.0 * std::f32::consts::PI).sin().abs()
                    * (t * 2.0 * std::f32::consts::PI * 150.0).sin()
            }
        })
        .collect()
}

#[test]
fn each_spurt_becomes_an_utterance_with_its_own_times() {
    let samples = burst(1.0, 2.0, 4.0);
    let mut analyzer = ChannelAnalyzer::new(Speaker::Agent, RATE);
    let mut stt = Transcriber::new(Box::new(Counting), Speaker::Agent, RATE);
    let mut voice = Vec::new();
    let mut words = Vec::new();
    for block in samples.chunks(320) {
        stt.push(block);
        let before = voice.len();
        analyzer.push(block, &mut voice);
        for e in &voice[before..] {
            words.extend(stt.utterance_for(e).unwrap());
        }
    }
    // The speech so far sent at the spurt's pause gets no words of its own.
    voice.retain(|e| matches!(e, Event::VoiceActivity { .. }));
    assert_eq!(voice.len(), 1);
    let Event::VoiceActivity {
        start_ms, end_ms, ..
    } = voice[0]
    else {
        panic!("{voice:?}")
    };
    match &words[..] {
        [Event::Utterance(u)] => {
            assert_eq!(
                (u.start_ms, u.end_ms, u.speaker),
                (start_ms, end_ms, Speaker::Agent)
            );
            // The spurt and the context on each side (the burst has silence around it).
            let n = (end_ms - start_ms + 2 * CONTEXT_MS) * u64::from(RATE) / 1000;
            assert_eq!(u.text, format!("{n} samples at {RATE}"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn old_audio_other_speakers_and_failures() {
    let mut stt = Transcriber::new(Box::new(Counting), Speaker::Customer, RATE);
    // Far more than is kept: the start is gone.
    stt.push(&vec![0.1; (RATE as usize) * 40]);
    let voice = |speaker, start_ms, end_ms| Event::VoiceActivity {
        speaker,
        start_ms,
        end_ms,
        level_db: None,
        syllable_rate: None,
    };
    assert_eq!(
        stt.utterance_for(&voice(Speaker::Customer, 0, 1_000))
            .unwrap(),
        None
    );
    assert_eq!(
        stt.utterance_for(&voice(Speaker::Agent, 39_000, 39_500))
            .unwrap(),
        None
    );
    assert!(stt
        .utterance_for(&voice(Speaker::Customer, 39_000, 39_500))
        .unwrap()
        .is_some());
    assert_eq!(
        stt.utterance_for(&voice(Speaker::Customer, 39_000, 41_000))
            .unwrap(),
        None
    );

    let mut broken = Transcriber::new(Box::new(Failing), Speaker::Customer, RATE);
    broken.push(&[0.1; 16_000]);
    let e = broken
        .utterance_for(&voice(Speaker::Customer, 0, 500))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("customer speech at 0 ms: model crashed"),
        "{e}"
    );
}

#[test]
fn a_model_that_is_not_whisper_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.bin");
    std::fs::write(&fake, b"not a model").unwrap();
    let e = WhisperModel::load(&fake).err().unwrap();
    assert!(e.to_string().contains("fake.bin"), "{e}");
    assert!(e.to_string().contains("install-whisper.sh"), "{e}");
    let e = WhisperModel::load(&dir.path().join("none.bin"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("no such file"), "{e}");
    assert!(NO_MODEL.contains("pacing only"));
}
