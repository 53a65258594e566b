#!/usr/bin/env bash
# Installs what is missing, builds the release app and starts it. With no DISPLAY (a server,
# a container) it starts a virtual X display first. On Wayland the app itself switches GTK to
# XWayland so the overlay can stay on top.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# Sentence embeddings and Whisper (install-models.sh runs install-whisper.sh).
scripts/install-models.sh
cargo build --release

app=target/release/parley
if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
  exec "$app" "$@"
fi

if ! command -v Xvfb >/dev/null; then
  scripts/install-deps.sh --test
fi
# -displayfd: Xvfb picks a free display and says which once it accepts clients (no race).
fifo=$(mktemp -u); mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 1600x900x24 -nolisten tcp 3>"$fifo" &
xvfb=$!
trap 'kill -TERM "$xvfb" 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r num <"$fifo"
export DISPLAY=":$num"
echo "no DISPLAY: started Xvfb on $DISPLAY"
if command -v openbox >/dev/null; then openbox >/dev/null 2>&1 & fi
if command -v dbus-run-session >/dev/null; then
  dbus-run-session -- "$app" "$@"
else
  "$app" "$@"
fi
