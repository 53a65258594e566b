#!/usr/bin/env bash
# Sets up what is missing and runs every check: formatting, lints, unit, golden, store, ingest,
# audio and evaluation tests, then the desktop app driven through WebDriver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
# The Whisper models the speech-to-text tests run on (skipped when already installed).
scripts/install-whisper.sh

cargo fmt --check
cargo clippy --all-targets -- -D warnings
# The live-capture code is not in the default build; lint it too.
cargo clippy --no-default-features --features capture --all-targets -- -D warnings
cargo test

if [[ -x scripts/ui-test.sh ]]; then
  scripts/ui-test.sh --no-measure
fi
