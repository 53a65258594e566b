//! Whisper through whisper.cpp (whisper-rs), in the app's process. One loaded model serves both
//! channels: each `WhisperRecognizer` owns a decoding state (its own buffers and KV cache) and
//! shares the weights.

use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use super::resample::{To16k, WHISPER_RATE};
use super::{RecognizeError, Recognizer, SttError};

/// whisper.cpp refuses input shorter than a second; shorter spurts are padded with silence.
const MIN_INPUT_MS: usize = 1_100;
/// A segment Whisper itself judges this likely to be no speech is dropped (hallucinated
/// "Thank you." on breaths and line noise).
const NO_SPEECH_DROP: f32 = 0.6;
/// Encoder frames per second of audio (20 ms each), and the most it takes (30 s).
const AUDIO_CTX_PER_S: usize = 50;
const AUDIO_CTX_MAX: usize = 1_500;
/// Extra encoder context beyond the spurt, so the last word is not cut.
const AUDIO_CTX_MARGIN: usize = 64;
/// Tokens a spurt may produce per second of audio, plus a few: fast speech (190 wpm) is about 4
/// tokens a second. With a fitted window Whisper sometimes loops on its own sentence until the
/// 224-token limit; this bound stops the loop early (and `collapse_repeats` removes what is left).
const MAX_TOKENS_PER_S: usize = 6;
const MAX_TOKENS_EXTRA: usize = 8;
/// What the decoder is told came before each spurt. On espeak phone-line speech with noise it
/// cut base's word error rate by a third (benches/stt.rs): Whisper then expects a conversation.
pub const CALL_PROMPT: &str = "A customer service phone call.";
/// A prompt longer than this is cut (Whisper keeps at most half its 448-token context for it).
const PROMPT_MAX_TOKENS: usize = 64;

/// How a recognizer decodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WhisperOptions {
    /// CPU threads per decode.
    pub threads: usize,
    /// How much of Whisper's 30 s window the encoder runs over.
    pub window: Window,
    /// 1 decodes greedily; more keeps that many hypotheses (beam search).
    pub beam_size: usize,
    /// Text that conditions the decoder, as if it came before the spurt.
    pub prompt: Option<&'static str>,
    /// whisper.cpp's temperature fallback: a decode that looks like a loop or scores too low is
    /// redone at a higher temperature (0.2 more each time).
    pub fallback: bool,
}

/// Whisper encodes a 30 s window whatever the input's length. `Fit` encodes only what the spurt
/// fills (plus a margin), at least `min_s` seconds: a 3 s spurt then costs a fraction of the
/// encoder time, at some cost in accuracy when the window gets very short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Full,
    Fit { min_s: u32 },
}

impl Default for WhisperOptions {
    fn default() -> Self {
        WhisperOptions {
            threads: 1,
            window: Window::Fit { min_s: 0 },
            beam_size: 1,
            prompt: Some(CALL_PROMPT),
            fallback: true,
        }
    }
}

/// Loaded weights.
pub struct WhisperModel {
    ctx: WhisperContext,
    path: PathBuf,
    load_time: Duration,
}

static QUIET: Once = Once::new();

impl WhisperModel {
    pub fn load(path: &Path) -> Result<WhisperModel, SttError> {
        // whisper.cpp logs every step to stderr; send it to the (absent) log backend instead.
        QUIET.call_once(whisper_rs::install_logging_hooks);
        let model_err = |reason: String| SttError::Model {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(model_err("no such file".into()));
        }
        let started = Instant::now();
        let ctx = WhisperContext::new_with_params(path, WhisperContextParameters::default())
            .map_err(|e| model_err(format!("whisper.cpp cannot load it ({e}); is it a ggml Whisper model? scripts/install-whisper.sh makes one")))?;
        Ok(WhisperModel {
            ctx,
            path: path.to_path_buf(),
            load_time: started.elapsed(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    pub fn is_multilingual(&self) -> bool {
        self.ctx.is_multilingual()
    }

    /// A recognizer for one channel.
    pub fn recognizer(&self, options: WhisperOptions) -> Result<WhisperRecognizer, SttError> {
        let model_err = |reason: String| SttError::Model {
            path: self.path.clone(),
            reason,
        };
        let state = self
            .ctx
            .create_state()
            .map_err(|e| model_err(format!("cannot create a decoding state: {e}")))?;
        let prompt = match options.prompt {
            Some(text) => self
                .ctx
                .tokenize(text, PROMPT_MAX_TOKENS)
                .map_err(|e| model_err(format!("cannot tokenize the prompt {text:?}: {e}")))?,
            None => Vec::new(),
        };
        Ok(WhisperRecognizer {
            state,
            prompt,
            options,
            multilingual: self.is_multilingual(),
            resampler: To16k::default(),
            audio: Vec::new(),
            abort: Arc::new(AtomicBool::new(false)),
        })
    }
}

pub struct WhisperRecognizer {
    state: whisper_rs::WhisperState,
    /// The prompt's tokens, tokenized once.
    prompt: Vec<i32>,
    options: WhisperOptions,
    multilingual: bool,
    resampler: To16k,
    /// The spurt at 16 kHz (reused between calls).
    audio: Vec<f32>,
    /// Set while a decode runs to give it up (see [`Recognizer::interrupter`]).
    abort: Arc<AtomicBool>,
}

/// Decoding parameters for a spurt of `samples` at 16 kHz.
fn params<'p>(
    options: &WhisperOptions,
    multilingual: bool,
    prompt: &'p [i32],
    samples: usize,
) -> FullParams<'static, 'p> {
    let strategy = match options.beam_size {
        0 | 1 => SamplingStrategy::Greedy { best_of: 1 },
        n => SamplingStrategy::BeamSearch {
            beam_size: n.min(8) as i32,
            patience: -1.0,
        },
    };
    let mut p = FullParams::new(strategy);
    if !prompt.is_empty() {
        p.set_tokens(prompt);
    }
    p.set_n_threads(options.threads.clamp(1, 16) as i32);
    if !options.fallback {
        p.set_temperature_inc(0.0);
    }
    // Calls are in English (the coaching phrase lists are); a multilingual model is told so
    // rather than left to guess the language from two seconds of phone audio.
    if multilingual {
        p.set_language(Some("en"));
    }
    p.set_translate(false);
    p.set_no_context(true);
    p.set_single_segment(true);
    p.set_no_timestamps(true);
    p.set_suppress_blank(true);
    p.set_suppress_nst(true);
    p.set_print_special(false);
    p.set_print_progress(false);
    p.set_print_realtime(false);
    p.set_print_timestamps(false);
    let seconds = samples.div_ceil(WHISPER_RATE as usize);
    p.set_max_tokens((seconds * MAX_TOKENS_PER_S + MAX_TOKENS_EXTRA) as i32);
    if let Window::Fit { min_s } = options.window {
        let ctx = (seconds * AUDIO_CTX_PER_S + AUDIO_CTX_MARGIN)
            .max(min_s as usize * AUDIO_CTX_PER_S)
            .min(AUDIO_CTX_MAX);
        p.set_audio_ctx(ctx as i32);
    }
    p
}

/// Silence decoded once before a live call's first spurt: whisper.cpp allocates a state's
/// buffers on its first decode, which held the call's first words back by a second or more.
const WARM_UP_SAMPLES: usize = WHISPER_RATE as usize;

/// whisper.cpp asks this between steps of a decode; true gives up.
unsafe extern "C" fn abort_requested(user_data: *mut c_void) -> bool {
    // SAFETY: `user_data` is the `Arc<AtomicBool>` of the recognizer running the decode (see
    // `transcribe`); it is never null and never freed while the decode runs.
    let flag = unsafe { &*(user_data as *const AtomicBool) };
    flag.load(Ordering::Relaxed)
}

impl Recognizer for WhisperRecognizer {
    fn interrupter(&self) -> Option<Arc<AtomicBool>> {
        Some(self.abort.clone())
    }

    fn warm_up(&mut self) {
        let silence = vec![0.0; WARM_UP_SAMPLES];
        // Nothing to say about silence; a real failure shows on a real spurt.
        match self.transcribe(&silence, WHISPER_RATE) {
            Ok(_) | Err(_) => {}
        }
    }

    fn transcribe(&mut self, samples: &[f32], sample_rate: u32) -> Result<String, RecognizeError> {
        let mut audio = std::mem::take(&mut self.audio);
        self.resampler
            .convert(samples, sample_rate, &mut audio)
            .map_err(|e| RecognizeError(e.to_string()))?;
        // A broken source (NaN, infinities) is silence to Whisper, as it is to the VAD.
        for s in audio.iter_mut() {
            *s = if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            };
        }
        let min = MIN_INPUT_MS * WHISPER_RATE as usize / 1000;
        if audio.len() < min {
            audio.resize(min, 0.0);
        }
        let mut params = params(&self.options, self.multilingual, &self.prompt, audio.len());
        // SAFETY: the callback only reads the AtomicBool behind `user_data`, which `self.abort`
        // keeps alive for the whole of `full` (the Arc outlives this call); whisper.cpp calls it
        // from this thread and the ggml worker threads of this decode, and atomics allow that.
        unsafe {
            params.set_abort_callback(Some(abort_requested));
            params.set_abort_callback_user_data(Arc::as_ptr(&self.abort) as *mut c_void);
        }
        let result = self.state.full(params, &audio);
        self.audio = audio;
        result.map_err(|e| RecognizeError(format!("whisper.cpp: {e}")))?;
        let mut text = String::new();
        for segment in self.state.as_iter() {
            if segment.no_speech_probability() > NO_SPEECH_DROP {
                continue;
            }
            let words = segment
                .to_str_lossy()
                .map_err(|e| RecognizeError(format!("whisper.cpp segment text: {e}")))?;
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(words.trim());
        }
        Ok(collapse_repeats(&text))
    }
}

/// Whisper's loops, undone: a run of sentences said again straight after itself is kept once
/// ("A. B. A. B." -> "A. B."), and a trailing fragment that only restarts the sentence before it
/// is dropped ("Hold on. Hold on. Hold" -> "Hold on.").
pub fn collapse_repeats(text: &str) -> String {
    let mut sentences: Vec<&str> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let cut = rest.find(['.', '?', '!']).map_or(rest.len(), |i| i + 1);
        let (sentence, tail) = rest.split_at(cut);
        sentences.push(sentence.trim());
        rest = tail.trim_start();
    }
    let key = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut kept: Vec<(&str, String)> = Vec::new();
    let last_index = sentences.len().saturating_sub(1);
    for (i, sentence) in sentences.into_iter().enumerate() {
        let k = key(sentence);
        let unfinished = !sentence.ends_with(['.', '?', '!']);
        let restarts = kept.last().is_some_and(|(_, last)| last.starts_with(&k));
        if k.is_empty() || (i == last_index && unfinished && restarts) {
            continue;
        }
        kept.push((sentence, k));
        // A block of the last n sentences equal to the n before it: drop the second copy.
        let len = kept.len();
        if let Some(n) = (1..=len / 2).find(|&n| {
            kept[len - n..]
                .iter()
                .zip(&kept[len - 2 * n..len - n])
                .all(|(a, b)| a.1 == b.1)
        }) {
            kept.truncate(len - n);
        }
    }
    kept.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::collapse_repeats;

    #[test]
    fn loops_are_kept_once_and_real_repeats_in_one_sentence_stay() {
        assert_eq!(
            collapse_repeats(
                "Listen to me, you are useless. Listen to me, you are useless. Listen to me, you"
            ),
            "Listen to me, you are useless."
        );
        assert_eq!(
            collapse_repeats("Hello? Hello? Is anyone there?"),
            "Hello? Is anyone there?"
        );
        assert_eq!(
            collapse_repeats("No, no, no. I said no."),
            "No, no, no. I said no."
        );
        assert_eq!(
            collapse_repeats("So it went out. It shows owed. So it went out. It shows owed."),
            "So it went out. It shows owed."
        );
        assert_eq!(collapse_repeats("  "), "");
        assert_eq!(collapse_repeats("I want a refund"), "I want a refund");
    }
}
