//! The app hears the call: the microphone (agent) and the call audio (customer) captured into the
//! same call runtime the endpoint and replays feed, through the same `EventLink`.
//!
//! Three ways to run: a call the agent starts and ends (capture runs for the call only), calls
//! found in the audio (capture listens all the time; `AutoCall` starts a call when the call side
//! speaks and ends it after the quiet time; Start and End still work), and the Settings test
//! (capture without a call: only the meters and who hears speech).
//!
//! Owned by the session task, which is the only one to start and stop it. Capture's events
//! reach the session through the link's inbox; its notices (a side stopped, bleed) through the
//! callback the session hands in.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::{Event, Ms, Speaker};
use crate::sources::audio::autocall::AutoCall;
use crate::sources::audio::capture::{Capture, CaptureConfig, CaptureError};
use crate::sources::audio::live::{LiveReport, Notice, Outlets, Tap, STALL_AFTER};
use crate::sources::ingest::{EventLink, Submission, SubmitError};
use crate::sources::stt::{LiveWords, ModelChoice, WhisperOptions, WordsOut, WordsSink, NO_MODEL};
use crate::sources::SourceKind;

/// Speech heard on a side this recently lights its "hears speech" mark in the meters.
const HEARD_FOR: Duration = Duration::from_secs(2);
/// A level meter falls this many dB per reading when the level drops (so it reads smoothly).
const METER_FALL_DB: f32 = 6.0;
/// A peak this loud counts as someone speaking on that side, before the voice-activity path
/// (which reports a talk spurt when it ends) confirms it.
const SPEECH_PEAK_DB: f32 = -40.0;
/// Quietest level a meter shows.
pub const METER_FLOOR_DB: f32 = -90.0;
/// A call start or end the runtime's queue cannot take now is retried this often.
const MUST_DELIVER_TRIES: u32 = 100;

/// The agent's audio choices, from the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HearingConfig {
    /// Microphone input id (see `parley devices`); empty: not captured.
    pub mic: String,
    /// Call-audio input id (the monitor of the softphone's output); empty: not captured.
    pub call: String,
    /// Calls start and end by themselves from the audio.
    pub auto_call: bool,
    pub quiet_end_ms: Ms,
    /// The speech-to-text model for captured calls; None: words off (pacing only).
    pub words: Option<ModelChoice>,
}

impl HearingConfig {
    /// Capture is on when at least one side is chosen.
    pub fn configured(&self) -> bool {
        !self.mic.trim().is_empty() || !self.call.trim().is_empty()
    }

    fn capture_config(&self) -> CaptureConfig {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        CaptureConfig {
            mic: some(&self.mic),
            call: some(&self.call),
            partial: true,
        }
    }
}

/// What capture is doing, for the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No devices chosen: calls come from the buttons, the endpoint and replays only.
    Off,
    /// Devices chosen; capture starts with the next call.
    Ready,
    /// Listening for a call to start by itself.
    Listening,
    /// Capturing the call on screen.
    Call,
    /// The Settings test: meters only, no call.
    Test,
}

/// One side's meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideLevel {
    /// The input in use.
    pub device: String,
    /// Peak level since the last reading, dBFS (falls smoothly).
    pub level_db: f32,
    /// Someone heard speaking on this side in the last two seconds (a speech-loud peak, or a
    /// talk spurt the voice-activity path found).
    pub speech: bool,
}

/// What the level meters show (the overlay during a call, Settings during the test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    pub mode: Mode,
    pub mic: Option<SideLevel>,
    pub call: Option<SideLevel>,
}

/// The meters of the capture in progress, read by the `audio_levels` command without going
/// through the session.
#[derive(Default)]
pub struct Meters {
    inner: Mutex<MeterState>,
}

#[derive(Default)]
struct MeterState {
    mode: Option<Mode>,
    sides: Vec<MeterSide>,
}

struct MeterSide {
    speaker: Speaker,
    device: String,
    peak: Arc<AtomicU32>,
    shown_db: f32,
    /// Milliseconds after `epoch` of the last speech heard (0: none).
    heard: Arc<AtomicU64>,
    epoch: Instant,
    /// When the meter last read a speech-loud peak.
    loud_at: Option<Instant>,
}

impl Meters {
    fn set(&self, mode: Mode, sides: Vec<MeterSide>) {
        if let Ok(mut m) = self.inner.lock() {
            m.mode = Some(mode);
            m.sides = sides;
        }
    }

    fn clear(&self, mode: Mode) {
        self.set(mode, Vec::new());
    }

    /// The levels now (each reading takes the peaks since the last one).
    pub fn read(&self) -> Levels {
        let Ok(mut m) = self.inner.lock() else {
            return Levels {
                mode: Mode::Off,
                mic: None,
                call: None,
            };
        };
        let mode = m.mode.unwrap_or(Mode::Off);
        let (mut mic, mut call) = (None, None);
        for side in m.sides.iter_mut() {
            let peak = f32::from_bits(side.peak.swap(0, Ordering::Relaxed));
            let db = if peak > 0.0 {
                (20.0 * peak.log10()).max(METER_FLOOR_DB)
            } else {
                METER_FLOOR_DB
            };
            side.shown_db = db.max(side.shown_db - METER_FALL_DB);
            if db >= SPEECH_PEAK_DB {
                side.loud_at = Some(Instant::now());
            }
            let heard = side.heard.load(Ordering::Relaxed);
            let now = side.epoch.elapsed().as_millis() as u64;
            let spurt = heard > 0 && now.saturating_sub(heard) <= HEARD_FOR.as_millis() as u64;
            let loud = side.loud_at.is_some_and(|t| t.elapsed() <= HEARD_FOR);
            let level = SideLevel {
                device: side.device.clone(),
                level_db: (side.shown_db * 10.0).round() / 10.0,
                speech: spurt || loud,
            };
            match side.speaker {
                Speaker::Agent => mic = Some(level),
                Speaker::Customer => call = Some(level),
            }
        }
        Levels { mode, mic, call }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HearError {
    #[error("audio capture could not start: {0}")]
    Capture(#[from] CaptureError),
    #[error("no audio devices are chosen (Settings: microphone and call audio)")]
    NotConfigured,
}

/// What capture tells the agent: the devices' notices, and the words' (lagging, caught up,
/// the recognizer failed, no model installed).
#[derive(Debug)]
pub enum Heard {
    Capture(Notice),
    Words(String),
}

/// Where capture's notices go (the session's channel).
pub type NoticeSink = Arc<dyn Fn(Heard) + Send + Sync>;

struct Running {
    capture: Capture,
    mode: Mode,
    /// The call finder, when calls start by themselves.
    gate: Option<Arc<Mutex<AutoCall>>>,
    /// Speech-to-text on both sides, when a model is installed and words are on.
    words: Option<LiveWords>,
}

/// Capture, owned by the session.
pub struct Hearing {
    config: HearingConfig,
    link: EventLink,
    meters: Arc<Meters>,
    notices: NoticeSink,
    running: Option<Running>,
}

impl Hearing {
    pub fn new(
        config: HearingConfig,
        link: EventLink,
        meters: Arc<Meters>,
        notices: NoticeSink,
    ) -> Hearing {
        let hearing = Hearing {
            config,
            link,
            meters,
            notices,
            running: None,
        };
        hearing.meters.clear(hearing.idle_mode());
        hearing
    }

    pub fn config(&self) -> &HearingConfig {
        &self.config
    }

    pub fn mode(&self) -> Mode {
        self.running.as_ref().map_or(self.idle_mode(), |r| r.mode)
    }

    fn idle_mode(&self) -> Mode {
        if self.config.configured() {
            Mode::Ready
        } else {
            Mode::Off
        }
    }

    /// The devices in use now, by side.
    pub fn devices(&self) -> Vec<(Speaker, String)> {
        self.running.as_ref().map_or_else(Vec::new, |r| {
            r.capture
                .devices
                .iter()
                .map(|(s, d)| (*s, d.id.clone()))
                .collect()
        })
    }

    /// Takes new choices; a capture in progress for a call keeps its devices until the call
    /// ends. Returns what could not be started, if anything.
    pub fn reconfigure(&mut self, config: HearingConfig) -> Vec<String> {
        if config == self.config {
            return Vec::new();
        }
        self.config = config;
        if self.mode() == Mode::Call {
            return Vec::new();
        }
        let mut problems = self.stop().err().into_iter().collect::<Vec<_>>();
        problems.extend(self.listen());
        problems
    }

    /// With automatic calls on, listens for the next call (no-op otherwise or when already
    /// capturing). Returns what went wrong, for the overlay.
    pub fn listen(&mut self) -> Vec<String> {
        if self.running.is_some() || !self.config.auto_call || !self.config.configured() {
            self.meters.clear(self.mode());
            return Vec::new();
        }
        let gate = Arc::new(Mutex::new(AutoCall::new(self.config.quiet_end_ms)));
        match self.start(Mode::Listening, Some(gate)) {
            Ok(missing) => missing,
            Err(e) => vec![e.to_string()],
        }
    }

    /// The agent starts a call. Automatic mode: the listening capture starts it at its next
    /// event. Otherwise capture opens now and the caller starts the call in the runtime (the
    /// capture's clock starts with it). Returns what could not be opened (the call goes on
    /// with the rest).
    pub fn start_call(&mut self) -> Result<StartedCall, HearError> {
        // (Err only when nothing is chosen: the caller then runs the call without audio.)
        if !self.config.configured() {
            return Err(HearError::NotConfigured);
        }
        let mut missing = Vec::new();
        if self.mode() == Mode::Test {
            missing.extend(self.stop().err());
        }
        if self.config.auto_call {
            if self.running.is_none() {
                missing.extend(self.listen());
            }
            return Ok(match self.running.as_ref().and_then(|r| r.gate.clone()) {
                Some(gate) => {
                    lock(&gate).start_now();
                    StartedCall::Pending { missing }
                }
                None => StartedCall::Failed {
                    reason: missing.join("; "),
                },
            });
        }
        match self.start(Mode::Call, None) {
            Ok(more) => {
                missing.extend(more);
                Ok(StartedCall::Now { missing })
            }
            Err(e) => Ok(StartedCall::Failed {
                reason: e.to_string(),
            }),
        }
    }

    /// The agent ends the call. Automatic mode: the capture ends it at its next event and goes
    /// on listening (None). Otherwise capture stops; the caller feeds what is still queued and
    /// then the end, at the returned audio time.
    pub fn end_call(&mut self) -> Result<Option<Ms>, String> {
        match self.running.as_ref().map(|r| (r.mode, r.gate.clone())) {
            Some((_, Some(gate))) => {
                lock(&gate).end_now();
                Ok(None)
            }
            Some((Mode::Call, None)) => self.stop().map(|r| Some(r.map_or(0, |r| r.position_ms))),
            _ => Ok(None),
        }
    }

    /// Whether the call in progress was started by the audio (automatic mode).
    pub fn automatic(&self) -> bool {
        self.running.as_ref().is_some_and(|r| r.gate.is_some())
    }

    /// The Settings test: opens `config`'s devices without a call, for the meters and the
    /// "hears speech" marks. Refused while a call is captured.
    pub fn test(&mut self, config: &HearingConfig) -> Result<Vec<String>, String> {
        if self.mode() == Mode::Call {
            return Err("a call is being captured: its meters are on the overlay".into());
        }
        if !config.configured() {
            return Err(HearError::NotConfigured.to_string());
        }
        self.stop()?;
        let saved = std::mem::replace(&mut self.config, config.clone());
        let started = self.start(Mode::Test, None);
        self.config = saved;
        started.map_err(|e| e.to_string())
    }

    /// Ends the Settings test and goes back to listening when automatic calls are on.
    pub fn end_test(&mut self) -> Vec<String> {
        if self.mode() != Mode::Test {
            return Vec::new();
        }
        let mut problems: Vec<String> = self.stop().err().into_iter().collect();
        problems.extend(self.listen());
        problems
    }

    /// Stops capture (whatever it was doing); returns what it analysed.
    pub fn stop(&mut self) -> Result<Option<LiveReport>, String> {
        let Some(running) = self.running.take() else {
            return Ok(None);
        };
        self.meters.clear(self.idle_mode());
        let report = running
            .capture
            .stop()
            .map_err(|e| format!("audio capture did not stop cleanly: {e}"))?;
        // Every queued final reaches the call before it ends.
        if let Some(words) = running.words {
            if let Err(e) = words.finish() {
                (self.notices)(Heard::Words(format!("speech-to-text stopped badly: {e}")));
            }
        }
        if let Some(gate) = running.gate {
            let mut ends = Vec::new();
            lock(&gate).finish(report.position_ms, &mut ends);
            for end in ends {
                deliver(&self.link, end);
            }
        }
        Ok(Some(report))
    }

    fn start(
        &mut self,
        mode: Mode,
        gate: Option<Arc<Mutex<AutoCall>>>,
    ) -> Result<Vec<String>, HearError> {
        let epoch = Instant::now();
        let heard = [Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0))];
        let route = router(mode, &self.link, gate.clone());
        let (words, tap) = match self.words(mode, route.clone()) {
            Some(s) => (Some(s.words), Some(Box::new(s.tap) as Box<dyn Tap>)),
            None => (None, None),
        };
        let outlets = outlets(route, tap, heard.clone(), epoch, self.notices.clone());
        let capture = Capture::start(&self.config.capture_config(), outlets)?;
        let missing = capture
            .missing
            .iter()
            .map(|(side, e)| format!("the {} is not captured: {e}", side_name(*side)))
            .collect();
        let sides = capture
            .meters
            .iter()
            .map(|(speaker, peak)| MeterSide {
                speaker: *speaker,
                device: capture
                    .devices
                    .iter()
                    .find(|(s, _)| s == speaker)
                    .map_or_else(String::new, |(_, d)| d.id.clone()),
                peak: peak.clone(),
                shown_db: METER_FLOOR_DB,
                heard: heard[index(*speaker)].clone(),
                epoch,
                loud_at: None,
            })
            .collect();
        self.meters.set(mode, sides);
        self.running = Some(Running {
            capture,
            mode,
            gate,
            words,
        });
        Ok(missing)
    }

    /// Both sides' recognizers for a call (not for the Settings test), or None: words off, no
    /// model installed (said once), or the model failed to load (said, the call goes on with
    /// pacing).
    fn words(
        &self,
        mode: Mode,
        route: Arc<dyn Fn(Event) + Send + Sync>,
    ) -> Option<crate::sources::stt::Started> {
        let choice = self.config.words.as_ref()?;
        if mode == Mode::Test {
            return None;
        }
        let notices = self.notices.clone();
        let sink: WordsSink = Arc::new(move |out: WordsOut| match out {
            WordsOut::Words(event) => route(event),
            other => {
                if let Some(message) = other.message() {
                    notices(Heard::Words(message));
                }
            }
        });
        match LiveWords::for_choice(Some(choice), WhisperOptions::default(), sink) {
            Ok(Some(started)) => Some(started),
            Ok(None) => {
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| (self.notices)(Heard::Words(NO_MODEL.to_string())));
                None
            }
            Err(e) => {
                (self.notices)(Heard::Words(format!(
                    "speech-to-text could not start ({e}); coaching on pacing only"
                )));
                None
            }
        }
    }

    /// The call the runtime has from capture ended (by itself or by the agent): a capture
    /// for that call only is stopped.
    pub fn call_ended(&mut self) -> Result<(), String> {
        if self.mode() == Mode::Call {
            self.stop()?;
        }
        Ok(())
    }
}

/// How the agent's Start went.
#[derive(Debug)]
pub enum StartedCall {
    /// Capture is open: start the call in the runtime now.
    Now { missing: Vec<String> },
    /// The listening capture starts the call at its next event.
    Pending { missing: Vec<String> },
    /// Capture could not start at all: the call runs without audio.
    Failed { reason: String },
}

/// Where capture's events (from the analysis thread) and words (from the recognizers) go:
/// nowhere in the Settings test, through the call finder when calls start by themselves, else
/// straight to the call runtime.
fn router(
    mode: Mode,
    link: &EventLink,
    gate: Option<Arc<Mutex<AutoCall>>>,
) -> Arc<dyn Fn(Event) + Send + Sync> {
    let link = link.clone();
    Arc::new(move |event: Event| match (&gate, mode) {
        (_, Mode::Test) => {}
        (Some(gate), _) => {
            let mut found = Vec::new();
            lock(gate).push(&event, &mut found);
            for e in found {
                deliver(&link, e);
            }
        }
        (None, _) => deliver(&link, event),
    })
}

/// Everything the capture's analysis thread sends out, the words' tap beside the events.
fn outlets(
    route: Arc<dyn Fn(Event) + Send + Sync>,
    tap: Option<Box<dyn Tap>>,
    heard: [Arc<AtomicU64>; 2],
    epoch: Instant,
    notices: NoticeSink,
) -> Outlets {
    Outlets {
        events: Box::new(move |event: Event| {
            if let Event::VoiceActivity { speaker, .. } = &event {
                let now = (epoch.elapsed().as_millis() as u64).max(1);
                heard[index(*speaker)].store(now, Ordering::Relaxed);
            }
            route(event)
        }),
        notices: Box::new(move |n| notices(Heard::Capture(n))),
        ticks: true,
        stall_after: STALL_AFTER,
        align: true,
        tap,
    }
}

fn index(speaker: Speaker) -> usize {
    match speaker {
        Speaker::Agent => 0,
        Speaker::Customer => 1,
    }
}

pub fn side_name(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Agent => "microphone (you)",
        Speaker::Customer => "call audio (customer)",
    }
}

fn lock(gate: &Mutex<AutoCall>) -> std::sync::MutexGuard<'_, AutoCall> {
    match gate.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Voice and ticks may be dropped when the queue is full (counted); a call's start and end
/// are retried for a moment, since without them the rest is refused.
fn deliver(link: &EventLink, event: Event) {
    let must = match &event {
        Event::CallStarted { .. } | Event::CallEnded { .. } => true,
        Event::Utterance(u) => u.is_final,
        _ => false,
    };
    if !must {
        // A full queue is counted in the link's stats.
        match link.try_submit(Submission::new(SourceKind::Capture, event)) {
            Ok(()) | Err(SubmitError::QueueFull) | Err(SubmitError::Stopped) => return,
        }
    }
    for _ in 0..MUST_DELIVER_TRIES {
        match link.try_submit(Submission::new(SourceKind::Capture, event.clone())) {
            Ok(()) | Err(SubmitError::Stopped) => return,
            Err(SubmitError::QueueFull) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    crate::desktop::warn(
        "the call runtime's queue stayed full: a captured call start or end was lost",
    );
}
