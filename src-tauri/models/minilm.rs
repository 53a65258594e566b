//! all-MiniLM-L6-v2 (int8 ONNX) through ONNX Runtime: one forward pass per sentence, mean
//! pooled over the real tokens, L2-normalised. Unpadded: padding costs five times the work and
//! a mask that counts pad tokens gives plausible but wrong vectors.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;
use tokenizers::Tokenizer;

use super::paths::ModelPaths;
use crate::engine::language::semantic::{EmbedError, Embedder, Embedding};

pub const DIMENSIONS: usize = 384;
/// Longer turns are cut here (the model was trained on up to 128 word pieces; a long turn's
/// gist is in its opening).
const MAX_TOKENS: usize = 128;
/// One thread per sentence: the other core stays free for capture and the UI.
const THREADS: usize = 1;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no data directory for this user (HOME unset?)")]
    NoDataDir,
    #[error("{what} is not installed at {}", path.display())]
    Missing { what: &'static str, path: PathBuf },
    #[error("cannot load {what} from {}: {reason}", path.display())]
    Load {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
}

pub struct MiniLm {
    tokenizer: Tokenizer,
    session: Mutex<Session>,
}

/// ONNX Runtime binds one library per process; remember which and whether it loaded.
static RUNTIME: OnceLock<Result<PathBuf, String>> = OnceLock::new();

fn init_runtime(lib: &Path) -> Result<(), LoadError> {
    let outcome = RUNTIME.get_or_init(|| {
        let path = lib.to_path_buf();
        // ort panics when the library cannot be opened or is too old; turn that into an error.
        let committed =
            std::panic::catch_unwind(|| ort::init_from(path.display().to_string()).commit());
        match committed {
            Ok(Ok(_)) => Ok(path),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the library could not be opened or is not ONNX Runtime >= 1.22".into()),
        }
    });
    match outcome {
        Ok(_) => Ok(()),
        Err(reason) => Err(LoadError::Load {
            what: "ONNX Runtime",
            path: lib.to_path_buf(),
            reason: reason.clone(),
        }),
    }
}

fn require(path: PathBuf, what: &'static str) -> Result<PathBuf, LoadError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(LoadError::Missing { what, path })
    }
}

impl MiniLm {
    pub fn load(paths: &ModelPaths) -> Result<MiniLm, LoadError> {
        let lib = require(paths.onnxruntime(), "ONNX Runtime")?;
        let model = require(paths.minilm_model(), "the sentence-embedding model")?;
        let tok_path = require(paths.minilm_tokenizer(), "the sentence-embedding tokenizer")?;
        let load_err = |what: &'static str, path: &Path, reason: String| LoadError::Load {
            what,
            path: path.to_path_buf(),
            reason,
        };
        let mut tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| load_err("the tokenizer", &tok_path, e.to_string()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| load_err("the tokenizer", &tok_path, e.to_string()))?;
        init_runtime(&lib)?;
        let built = std::panic::catch_unwind(|| {
            Session::builder()
                .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::Level3))
                .and_then(|b| b.with_intra_threads(THREADS))
                .and_then(|b| b.commit_from_file(&model))
        });
        let session = match built {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(load_err(
                    "the sentence-embedding model",
                    &model,
                    e.to_string(),
                ))
            }
            Err(_) => {
                return Err(load_err(
                    "the sentence-embedding model",
                    &model,
                    "ONNX Runtime failed while reading it".into(),
                ))
            }
        };
        let m = MiniLm {
            tokenizer,
            session: Mutex::new(session),
        };
        // A model of another width would silently mismatch the trained heads.
        let probe = m
            .embed("hello")
            .map_err(|e| load_err("the sentence-embedding model", &model, e.to_string()))?;
        if probe.len() != DIMENSIONS {
            return Err(load_err(
                "the sentence-embedding model",
                &model,
                format!("gives {} dimensions, expected {DIMENSIONS}", probe.len()),
            ));
        }
        Ok(m)
    }

    fn forward(&self, ids: Vec<i64>) -> Result<Vec<f32>, EmbedError> {
        let err = |e: ort::Error| EmbedError(e.to_string());
        let n = ids.len();
        let mask = vec![1i64; n];
        let types = vec![0i64; n];
        let inputs = ort::inputs! {
            "input_ids" => Tensor::from_array(([1usize, n], ids)).map_err(err)?,
            "attention_mask" => Tensor::from_array(([1usize, n], mask)).map_err(err)?,
            "token_type_ids" => Tensor::from_array(([1usize, n], types)).map_err(err)?,
        };
        let mut session = self
            .session
            .lock()
            .map_err(|_| EmbedError("the model lock was poisoned".into()))?;
        let outputs = session.run(inputs).map_err(err)?;
        let (shape, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .map_err(err)?;
        let width = shape.last().copied().unwrap_or(0).max(0) as usize;
        if width == 0 || hidden.len() != n * width {
            return Err(EmbedError(format!("unexpected output shape {shape:?}")));
        }
        let mut pooled = vec![0f32; width];
        for row in hidden.chunks_exact(width) {
            pooled.iter_mut().zip(row).for_each(|(p, h)| *p += h);
        }
        pooled.iter_mut().for_each(|p| *p /= n as f32);
        Ok(pooled)
    }
}

impl Embedder for MiniLm {
    fn embed(&self, text: &str) -> Result<Embedding, EmbedError> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError(format!("tokenizing: {e}")))?;
        let ids: Vec<i64> = enc.get_ids().iter().map(|&i| i64::from(i)).collect();
        Ok(Embedding::new(self.forward(ids)?))
    }

    fn describe(&self) -> String {
        "all-MiniLM-L6-v2 int8 (ONNX Runtime)".into()
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }
}
