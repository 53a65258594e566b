//! `parley transcribe FILE.wav [CUSTOMER.wav] [--json]`: call audio to utterances, locally, with
//! the recognizer the replay and the live call use.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::sources::stt::{self, ModelChoice, SttError, WhisperModel, WhisperOptions, NO_MODEL};

/// Exit code for input the user can fix (a bad file or flag, no model installed).
const EXIT_BAD_INPUT: i32 = 2;

#[derive(Debug, clap::Args)]
pub struct TranscribeArgs {
    /// Call audio: a stereo WAV (left agent, right customer), or the agent's mono WAV when
    /// CUSTOMER is given.
    pub file: PathBuf,
    /// The customer's mono WAV.
    pub customer: Option<PathBuf>,
    /// One JSON object per line: {"speaker","start_ms","end_ms","text"}.
    #[arg(long)]
    pub json: bool,
    /// base, tiny.en or a ggml file (default: $PARLEY_STT_MODEL, else base).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<ModelChoice>,
    /// CPU threads per decode (default 1: whisper.cpp's threads spin while they wait, and on a
    /// busy machine two threads ran several times slower than one).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// The model to use, loaded; None (with `NO_MODEL` said once on stderr) when none is installed.
pub fn load_model(choice: Option<&ModelChoice>) -> Result<Option<WhisperModel>, SttError> {
    match stt::find_model(choice)? {
        Some(path) => WhisperModel::load(&path).map(Some),
        None => {
            eprintln!("parley: {NO_MODEL}");
            Ok(None)
        }
    }
}

/// Decoding for a recorded file: the defaults (one thread; see `--threads`).
pub fn options_for_file() -> WhisperOptions {
    WhisperOptions::default()
}

pub fn run(args: &TranscribeArgs) -> anyhow::Result<i32> {
    let model = match load_model(args.model.as_ref()) {
        Ok(Some(model)) => model,
        Ok(None) => return Ok(EXIT_BAD_INPUT),
        Err(e) => {
            eprintln!("parley: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let mut options = options_for_file();
    if let Some(n) = args.threads {
        options.threads = n.max(1);
    }
    let words = match &args.customer {
        None => stt::transcribe_wav(&args.file, &model, options),
        Some(customer) => stt::transcribe_wav_pair(&args.file, customer, &model, options),
    };
    let words = match words {
        Ok(w) => w,
        Err(e @ SttError::Audio(_)) => {
            eprintln!("parley: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot transcribe {}", args.file.display()))
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for u in &words.utterances {
        if args.json {
            let line = serde_json::json!({
                "speaker": u.speaker,
                "start_ms": u.start_ms,
                "end_ms": u.end_ms,
                "text": u.text,
            });
            writeln!(out, "{line}")
        } else {
            writeln!(
                out,
                "{} - {}  {:<8} {}",
                clock(u.start_ms),
                clock(u.end_ms),
                u.speaker.as_str(),
                u.text
            )
        }
        .context("cannot write the transcript to stdout")?;
    }
    out.flush()
        .context("cannot write the transcript to stdout")?;
    Ok(0)
}

/// mm:ss.t
fn clock(ms: u64) -> String {
    format!("{:02}:{:02}.{}", ms / 60_000, ms / 1000 % 60, ms / 100 % 10)
}
