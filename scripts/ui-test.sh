#!/usr/bin/env bash
# The desktop app as a person uses it: builds the release app, starts a virtual display (Xvfb,
# openbox as the window manager) inside its own dbus session, and drives the real app through
# tauri-driver + WebKitWebDriver (tests/desktop_webdriver.rs), with a private PulseAudio server
# whose virtual devices stand in for the softphone (a null sink; its monitor is the call side)
# and the microphone, and espeak-ng speech played into them. Then measures it idle, next to a
# bare Tauri window measured the same way (PSS of the main process and WebKit's processes), and
# while capturing both sides.
#   scripts/ui-test.sh                 test + measure (release build)
#   scripts/ui-test.sh --no-measure
#   scripts/ui-test.sh --debug [...]   the debug build (quicker to build; figures are not release's)
# The team review test starts its own PostgreSQL (skipped, with a SKIPPED line, without one).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

profile=${PARLEY_UI_PROFILE:-release}
if [[ "${1:-}" == "--debug" ]]; then profile=debug; shift; fi
export PARLEY_UI_PROFILE=$profile
cargo_profile=(--release)
if [[ "$profile" == debug ]]; then cargo_profile=(); fi

scripts/install-deps.sh --test
cargo build "${cargo_profile[@]}" --bin parley --example bare_window
cargo test "${cargo_profile[@]}" --no-run --test desktop_webdriver

if [[ -z "${PARLEY_IN_SESSION:-}" ]]; then
  export PARLEY_IN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  # SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver too.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${PULSE_SERVER:-}" ]]; then pactl exit 2>/dev/null || true; fi
  # (The sound server may still be writing its log as it exits.)
  rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }
}
trap cleanup EXIT

mkfifo "$work/fd"
Xvfb -displayfd 3 -screen 0 1600x900x24 -nolisten tcp 3>"$work/fd" &
pids+=($!)
read -r num <"$work/fd"
export DISPLAY=":$num"
openbox >/dev/null 2>&1 &
pids+=($!)

# The app runs with the installed models (scripts/install-models.sh), as a user's does.
export PARLEY_MODELS_DIR="${PARLEY_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/parley/models}"
# Each run starts from empty settings and an empty session file.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" PARLEY_DB="$work/parley.db"
export PARLEY_PICK_FILE="$root/assets/samples/venting-customer.jsonl"
export PARLEY_EXPORT_DIR="$work/export"
mkdir -p "$PARLEY_EXPORT_DIR"
export PARLEY_APP="$root/target/$profile/parley"

# A private PulseAudio server (its own runtime dir; the app finds it through PULSE_SERVER).
mkdir -p "$work/home" && mkdir -m 700 "$work/pulse"
XDG_RUNTIME_DIR="$work/pulse" HOME="$work/home" pulseaudio -D -n --exit-idle-time=-1 --disable-shm=yes \
  --log-target=file:"$work/pulse.log" --load="module-native-protocol-unix auth-anonymous=1"
export PULSE_SERVER="unix:$work/pulse/pulse/native"
# The server keeps its cookie under XDG_CONFIG_HOME, which the app shares and reads it from
# (a client without the cookie is dropped mid-handshake and the app falls back to ALSA).
if [[ ! -s "$XDG_CONFIG_HOME/pulse/cookie" ]]; then
  echo "FAIL: the PulseAudio server wrote no cookie at $XDG_CONFIG_HOME/pulse/cookie"; exit 1
fi
pactl load-module module-null-sink sink_name=softphone sink_properties=device.description=Softphone >/dev/null
pactl load-module module-null-sink sink_name=micfeed sink_properties=device.description=MicFeed >/dev/null
pactl load-module module-remap-source source_name=virtmic master=micfeed.monitor \
  source_properties=device.description=VirtualMic >/dev/null
pactl set-default-source virtmic
export PARLEY_CALL_DIR="$work/call"
mkdir -p "$PARLEY_CALL_DIR"
python3 tests/pulse/make_call.py "$PARLEY_CALL_DIR" >/dev/null

# The app's endpoint on a free port (the settings file the app reads), for `parley send`.
endpoint_port=18754
while (echo >"/dev/tcp/127.0.0.1/$endpoint_port") 2>/dev/null; do endpoint_port=$((endpoint_port + 1)); done
export PARLEY_ENDPOINT_PORT=$endpoint_port
seed_settings() { # extra JSON fields for the settings the app starts with
  mkdir -p "$XDG_DATA_HOME/dev.parley.coach"
  printf '{"settings":{"endpoint_port":%d%s}}\n' "$endpoint_port" "${1:-}" >"$XDG_DATA_HOME/dev.parley.coach/settings.json"
}
seed_settings

port=4444
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
# WebKitWebDriver's own port too: another run on the machine may hold the default one.
native=$((port + 1))
while (echo >"/dev/tcp/127.0.0.1/$native") 2>/dev/null; do native=$((native + 1)); done
tauri-driver --port "$port" --native-port "$native" >"$work/driver.log" 2>&1 &
pids+=($!)
export WEBDRIVER_ADDR="127.0.0.1:$port"
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "== WebDriver: replay, note, review, export; devices, meters, a captured call, parley send; the team review"
# One app at a time: the tests share the session file and the endpoint's port.
cargo test "${cargo_profile[@]}" --test desktop_webdriver -- --ignored --nocapture --test-threads=1

if [[ "${1:-}" == "--no-measure" ]]; then exit 0; fi

# ---- measurements ----
pss_tree() { # total PSS (KiB) of a process and all its descendants
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true) $(for c in $(pgrep -P "$1" || true); do pgrep -P "$c" || true; done); do
    local kb
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
pss_detail() {
  local p
  for p in $1 $(pgrep -P "$1" || true) $(for c in $(pgrep -P "$1" || true); do pgrep -P "$c" || true; done); do
    printf '    %-22s %6d KiB\n' "$(cat /proc/$p/comm 2>/dev/null)" "$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)"
  done
}
cpu_ticks() { # utime+stime of a process tree, in clock ticks
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true) $(for c in $(pgrep -P "$1" || true); do pgrep -P "$c" || true; done); do
    local t
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
measure() { # name, window title, command...
  local name=$1 title=$2; shift 2
  rm -rf "$work/data" "$work/config" "$work"/parley.db*
  seed_settings "${SEED:-}"
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  # Shown = the window is mapped and viewable (polling here measures, it does not test).
  id=""
  for _ in $(seq 1000); do
    for w in $(xwininfo -root -tree 2>/dev/null | grep "\"$title\"" | awk '{print $1}'); do
      if xwininfo -id "$w" 2>/dev/null | grep -q IsViewable; then id=$w; break 2; fi
    done
    sleep 0.005
  done
  t1=$(date +%s%N)
  sleep 15
  local c0 c1
  c0=$(cpu_ticks "$pid"); sleep 30; c1=$(cpu_ticks "$pid")
  local hz; hz=$(getconf CLK_TCK)
  local pss; pss=$(pss_tree "$pid")
  awk -v n="$name" -v ms=$(((t1 - t0) / 1000000)) -v pss="$pss" -v d=$((c1 - c0)) -v hz="$hz" \
    'BEGIN { printf "%s: shown after %d ms, idle PSS %.1f MiB, idle CPU %.2f%%\n", n, ms, pss / 1024, d * 100 / hz / 30 }'
  pss_detail "$pid"
  if [[ "$name" == parley && -n "$id" ]]; then
    xprop -id "$id" _NET_WM_STATE | sed 's/^/    overlay /'
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
echo "== idle measurements ($profile build, Xvfb + openbox, 15 s settle, 30 s CPU window)"
measure bare "Bare" "target/$profile/examples/bare_window"
measure parley "Parley" "target/$profile/parley"
# Listening for calls: both sides captured and analysed all the time, speech playing on both.
(while true; do
  paplay --device=softphone "$PARLEY_CALL_DIR/customer.wav" & paplay --device=micfeed "$PARLEY_CALL_DIR/agent.wav"; wait
done) >/dev/null 2>&1 &
pids+=($!)
SEED=',"mic":"virtmic","call_audio":"softphone.monitor","auto_call":true' \
  measure parley-capturing "Parley" "target/$profile/parley"
