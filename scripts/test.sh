#!/usr/bin/env bash
# Sets up what is missing and runs every check: formatting, lints, unit, golden, store, ingest,
# audio and evaluation tests, live capture against a real PulseAudio server, then the desktop app
# driven through WebDriver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
# The language and Whisper models (install-models.sh runs install-whisper.sh; skips what is there).
scripts/install-models.sh

echo "disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
# The headless build (engine, store, sources with live capture, CLI) without WebKit.
cargo clippy --no-default-features --all-targets -- -D warnings
cargo test
scripts/test-pulse.sh target/debug/parley

if [[ -x scripts/ui-test.sh ]]; then
  # The release build below needs several GB more. On a machine short of disk (a CI runner), the
  # debug build's test binaries, done with by now, make room for it.
  free_mb=$(df --output=avail -BM target | tail -1 | tr -dc 0-9)
  if ((free_mb < ${PARLEY_MIN_FREE_MB:-12000})); then
    echo "only ${free_mb} MB free: removing target/debug ($(du -sh target/debug | cut -f1)) before the release build"
    rm -rf target/debug
  fi
  scripts/ui-test.sh --no-measure
fi
