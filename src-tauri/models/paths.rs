//! Where the installed model files are: `$XDG_DATA_HOME/parley/models/` unless
//! `PARLEY_MODELS_DIR` says otherwise (scripts/install-models.sh honours the same variable).

use std::path::{Path, PathBuf};

pub const MODELS_DIR_ENV: &str = "PARLEY_MODELS_DIR";

#[derive(Debug, Clone)]
pub struct ModelPaths {
    pub root: PathBuf,
}

impl ModelPaths {
    pub fn new(root: impl Into<PathBuf>) -> ModelPaths {
        ModelPaths { root: root.into() }
    }

    pub fn default_location() -> Option<ModelPaths> {
        if let Some(dir) = std::env::var_os(MODELS_DIR_ENV).filter(|d| !d.is_empty()) {
            return Some(ModelPaths::new(dir));
        }
        directories::ProjectDirs::from("", "", "parley")
            .map(|d| ModelPaths::new(d.data_dir().join("models")))
    }

    pub fn onnxruntime(&self) -> PathBuf {
        self.root.join("onnxruntime").join("libonnxruntime.so")
    }

    pub fn minilm_dir(&self) -> PathBuf {
        self.root.join("minilm")
    }

    pub fn minilm_model(&self) -> PathBuf {
        self.minilm_dir().join("model.onnx")
    }

    pub fn minilm_tokenizer(&self) -> PathBuf {
        self.minilm_dir().join("tokenizer.json")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}
