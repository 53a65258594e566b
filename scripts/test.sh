#!/usr/bin/env bash
# Sets up what is missing and runs every check: formatting, lints, unit, golden, store, ingest,
# audio and evaluation tests, live capture against a real PulseAudio server, then the desktop app
# driven through WebDriver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
# The language and Whisper models (install-models.sh runs install-whisper.sh; skips what is there).
scripts/install-models.sh

cargo fmt --check
cargo clippy --all-targets -- -D warnings
# The headless build (engine, store, sources with live capture, CLI) without WebKit.
cargo clippy --no-default-features --all-targets -- -D warnings
cargo test
scripts/test-pulse.sh target/debug/parley

if [[ -x scripts/ui-test.sh ]]; then
  scripts/ui-test.sh --no-measure
fi
