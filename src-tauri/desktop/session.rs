//! The session task: owns the app's call runtime (`crate::call`) and is the only writer of call
//! state. The agent's commands come in on a bounded channel, and the live endpoint's (and audio
//! capture's) events on the runtime's inbox; every change goes out as a full `OverlayState`
//! through a `UiSink`, so the UI never keeps state of its own.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::call::{Ended, Fed, Listener, News, Refused, Runtime, Source};
use crate::engine::output::ItemStatus;
use crate::engine::{AgentAction, CallState, EndReason, Event, Nudge, Playbook, Rule};
use crate::sources::ingest::{Inbox, Submission, AUTO_TICK_EVERY};
use crate::sources::SourceKind;

use super::call::{self, phase_view, Clock, LiveCall, Replaying};
use super::hearing::{self, Hearing, HearingConfig, Meters, StartedCall};
use super::ipc::{AudioView, CallSource, NoteDraft, OverlayState};
use super::replay;
use crate::sources::audio::live::Notice;
use crate::sources::ingest::EventLink;
use crate::store::{outcome_str, SessionId, Store, StoreError};

/// Commands waiting for the session beyond this make the caller wait (never unbounded).
const QUEUE: usize = 64;
/// Live calls get a tick every call-second so timing rules (dead air, long hold) can fire.
const TICK_MS: f64 = replay::TICK_MS as f64;

/// Where the session's news goes: the Tauri windows in the app, a recorder in tests.
pub trait UiSink: Send + Sync + 'static {
    fn state(&self, state: &OverlayState);
    /// A boundary or escalation nudge: worth a desktop notification when the overlay is hidden.
    fn urgent(&self, nudge: &Nudge);
    fn sessions_changed(&self, id: SessionId);
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("a call is already running; end it first")]
    Busy,
    #[error("no call is running; start one first")]
    NoCall,
    #[error("there is no drafted note to save")]
    NoDraft,
    #[error("save the last call's note first")]
    DraftPending,
    #[error(
        "enter your name first (Review, Settings, Agent name): it is recorded with every call"
    )]
    NoAgent,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the session database is not open ({0}); notes cannot be saved")]
    NoStore(String),
    #[error("{0}")]
    Replay(#[from] replay::ReplayError),
    #[error("the session stopped; restart the app")]
    Closed,
    #[error("{0}")]
    Refused(#[from] Refused),
    #[error("{0}")]
    Audio(String),
}

/// Shown on the overlay until the agent has given their name.
const NO_NAME_NOTICE: &str = "enter your name before the first call: Review, Settings, Agent name";

/// What the agent (or the shell) asks of the session.
#[derive(Debug)]
pub enum Op {
    Start,
    End,
    Hold(bool),
    TickCurrent,
    FlagAbuse,
    Dismiss,
    Mute(Rule),
    AddNote(String),
    SaveNote(String),
    Replay {
        name: String,
        events: Vec<crate::engine::Event>,
        speed: f64,
    },
    View {
        expanded: bool,
        theme: String,
        dock: String,
    },
    Playbook(Arc<Playbook>),
    Agent(String),
    /// Something to show the agent (the endpoint did not start, ...).
    Notice(String),
    /// New audio choices from the settings.
    Audio(HearingConfig),
    /// The Settings test: capture these devices without a call (meters only).
    AudioTest(HearingConfig),
    AudioTestEnd,
}

type Reply = oneshot::Sender<Result<OverlayState, SessionError>>;

enum Msg {
    Op(Op, Reply),
    /// From the replay task: the next event, or None when the transcript is done.
    Replayed(u64, Option<Event>),
    Snapshot(oneshot::Sender<OverlayState>),
    /// From the capture thread: a side stopped or came back, the setup bleeds.
    Heard(hearing::Heard),
}

/// A cloneable handle the commands and hotkeys use.
#[derive(Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Msg>,
}

impl SessionHandle {
    pub async fn send(&self, op: Op) -> Result<OverlayState, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Op(op, reply))
            .await
            .map_err(|_| SessionError::Closed)?;
        rx.await.map_err(|_| SessionError::Closed)?
    }

    pub async fn snapshot(&self) -> Result<OverlayState, SessionError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Snapshot(reply))
            .await
            .map_err(|_| SessionError::Closed)?;
        rx.await.map_err(|_| SessionError::Closed)
    }
}

pub struct Config {
    pub playbook: Arc<Playbook>,
    pub agent: String,
    pub expanded: bool,
    pub theme: String,
    pub dock: String,
}

/// Starts the session task on the current tokio runtime.
/// `store` is the session database, or why it could not be opened.
pub fn spawn(config: Config, store: Result<Store, String>, sink: Arc<dyn UiSink>) -> SessionHandle {
    spawn_with_inbox(config, store, sink, None)
}

/// As [`spawn`], also taking the events of the live endpoint (and capture) from `inbox`; the
/// endpoint's subscribers get every call's outputs, whichever source it came from.
pub fn spawn_with_inbox(
    config: Config,
    store: Result<Store, String>,
    sink: Arc<dyn UiSink>,
    inbox: Option<Inbox>,
) -> SessionHandle {
    spawn_hearing(config, store, sink, inbox, None)
}

/// What the session needs to capture audio: the link capture feeds (the inbox's), the meters
/// the level command reads, and the agent's choices.
pub struct Audio {
    pub link: EventLink,
    pub meters: Arc<Meters>,
    pub config: HearingConfig,
}

/// As [`spawn_with_inbox`], also capturing the call's audio when `audio` is given and devices
/// are chosen: Start and End (or the audio itself, with automatic calls) start and end capture.
pub fn spawn_hearing(
    config: Config,
    store: Result<Store, String>,
    sink: Arc<dyn UiSink>,
    inbox: Option<Inbox>,
    audio: Option<Audio>,
) -> SessionHandle {
    let (tx, rx) = mpsc::channel(QUEUE);
    let hearing = audio.map(|a| {
        let to_session = tx.clone();
        let notices: hearing::NoticeSink = Arc::new(move |n| {
            // Bounded: a session too busy to take a notice loses it, never the capture thread.
            if to_session.try_send(Msg::Heard(n)).is_err() {
                super::warn("the overlay missed an audio notice (the session was busy)");
            }
        });
        Hearing::new(a.config, a.link, a.meters, notices)
    });
    let mut runtime = Runtime::new(
        config.playbook.clone(),
        store.as_ref().ok().cloned(),
        config.agent.clone(),
    );
    runtime.listen(Arc::new(Notifier { sink: sink.clone() }));
    if let Some(inbox) = &inbox {
        runtime.listen(Arc::new(crate::call::BroadcastListener::new(
            inbox.outputs.clone(),
        )));
        runtime.count_in(inbox.stats.clone());
    }
    let mut session = Session {
        playbook: config.playbook,
        agent: config.agent.clone(),
        expanded: config.expanded,
        theme: config.theme,
        dock: config.dock,
        store,
        sink,
        runtime,
        call: Call::Idle,
        idle_checklist: Vec::new(),
        // Loaded now rather than at the first call; the person learns once if it is missing.
        notice: if config.agent.trim().is_empty() {
            Some(NO_NAME_NOTICE.to_string())
        } else {
            crate::models::shared_embedder().is_none().then(|| {
                "language model not installed: language nudges use the word rules only \
                 (run scripts/install-models.sh)"
                    .to_string()
            })
        },
        replay_label: String::new(),
        seq: 0,
        generation: 0,
        tx: tx.clone(),
        hearing,
        heard: Heard::default(),
        capture_end: None,
        unseen: false,
    };
    session.set_playbook(session.playbook.clone());
    if let Some(h) = &mut session.hearing {
        let problems = h.listen();
        session.tell(problems);
    }
    tokio::spawn(session.run(rx, inbox));
    SessionHandle { tx }
}

/// The overlay's listener on the runtime: urgent nudges become desktop notifications and saved
/// calls refresh the review window.
struct Notifier {
    sink: Arc<dyn UiSink>,
}

impl Listener for Notifier {
    fn news(&self, news: &News<'_>) {
        match news {
            News::Output {
                output: crate::engine::Output::Nudge(n),
                ..
            } if matches!(n.rule, Rule::Boundary | Rule::Escalation) => self.sink.urgent(n),
            News::Ended(Ended {
                session: Some(id), ..
            }) => self.sink.sessions_changed(*id),
            News::Warning { message, .. } => super::warn(message),
            _ => {}
        }
    }
}

enum Call {
    Idle,
    Live(Box<LiveCall>),
    /// The call ended; its note waits to be edited and saved. The last view stays on screen.
    Ended(Box<OverlayState>),
}

struct Session {
    playbook: Arc<Playbook>,
    agent: String,
    expanded: bool,
    theme: String,
    dock: String,
    store: Result<Store, String>,
    sink: Arc<dyn UiSink>,
    runtime: Runtime,
    call: Call,
    /// The checklist shown between calls (all open), made once per playbook.
    idle_checklist: Vec<ItemStatus>,
    notice: Option<String>,
    /// The label the replay being played is saved under.
    replay_label: String,
    seq: u64,
    generation: u64,
    tx: mpsc::Sender<Msg>,
    /// Audio capture, when the app has it (devices are chosen in the settings).
    hearing: Option<Hearing>,
    heard: Heard,
    /// The agent ended a captured call: its audio time, to end it once what capture queued is fed.
    capture_end: Option<u64>,
    /// Something the overlay has not been sent yet (more than a pacing update).
    unseen: bool,
}

/// What the overlay says about the captured call.
#[derive(Default)]
struct Heard {
    bleed: bool,
    /// The call on screen was started by the audio.
    auto_started: bool,
    /// The agent pressed Start or End; the capture does it at its next event.
    start_asked: bool,
    end_asked: bool,
}

/// Waits for the next tick, or forever when there is no call to tick.
async fn next_tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The next submission from the endpoint or capture, or never without an inbox.
async fn next_submission(inbox: &mut Option<Inbox>) -> Option<Submission> {
    match inbox {
        Some(i) => i.rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Session {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>, mut inbox: Option<Inbox>) {
        let mut ticker: Option<Interval> = None;
        loop {
            tokio::select! {
                msg = rx.recv() => {
                    let Some(msg) = msg else { return };
                    match msg {
                        Msg::Op(op, reply) => {
                            let result = self.op(op);
                            if reply.send(result).is_err() {
                                super::warn("a command's caller went away before its reply");
                            }
                            self.end_capture(&mut inbox);
                        }
                        Msg::Replayed(generation, event) => self.replayed(generation, event),
                        Msg::Heard(notice) => self.heard(notice),
                        Msg::Snapshot(reply) => {
                            if reply.send(self.view()).is_err() {
                                super::warn("a state request's caller went away");
                            }
                            continue;
                        }
                    }
                    self.publish();
                }
                sub = next_submission(&mut inbox) => match sub {
                    Some(sub) => {
                        let tick = matches!(sub.event, Event::Tick { .. });
                        let before = self.runtime.call().map(|c| (c.id, c.now_ms() / 1000));
                        self.submitted(sub);
                        // Capture ticks four times a second; the overlay needs a new state when
                        // the call-second changes or something else happened, not every tick.
                        let after = self.runtime.call().map(|c| (c.id, c.now_ms() / 1000));
                        if !tick || before != after || self.unseen {
                            self.publish();
                        }
                    }
                    // Every sender is gone (the endpoint stopped): nothing more will come.
                    None => inbox = None,
                },
                _ = next_tick(&mut ticker) => {
                    if let Call::Live(call) = &self.call {
                        if call.source == CallSource::Manual {
                            let at_ms = call.clock.now_ms();
                            self.feed(SourceKind::Manual, Event::Tick { at_ms });
                            self.publish();
                        } else if let Some(fed) = self.runtime.tick_if_quiet(AUTO_TICK_EVERY) {
                            self.after(fed);
                            self.publish();
                        }
                    }
                }
            }
            ticker = self.ticker_for(ticker);
        }
    }

    /// Keeps a ticker while a manual call is live, at one tick per call-second, and while an
    /// endpoint call is live, to tick it when its sender goes quiet. Replays carry their own
    /// ticks, so a file always coaches the same way; capture ticks on its audio clock.
    fn ticker_for(&self, ticker: Option<Interval>) -> Option<Interval> {
        let Call::Live(call) = &self.call else {
            return None;
        };
        let period = match call.source {
            CallSource::Manual => Duration::from_secs_f64(TICK_MS / 1000.0 / call.clock.speed),
            CallSource::Endpoint => AUTO_TICK_EVERY / 4,
            CallSource::Replay | CallSource::Capture => return None,
        };
        ticker.or_else(|| {
            let mut t = tokio::time::interval_at(Instant::now() + period, period);
            t.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Some(t)
        })
    }

    /// An event from the endpoint or capture. A new call from there may start while the last
    /// call's note waits: that note was saved as drafted and the new call takes the overlay.
    fn submitted(&mut self, sub: Submission) {
        if matches!(sub.event, Event::CallStarted { .. }) && matches!(self.call, Call::Ended(_)) {
            self.call = Call::Idle;
        }
        let from = sub.source;
        let is_start = matches!(sub.event, Event::CallStarted { .. });
        match self.runtime.submit(sub) {
            Some(fed) => self.after(fed),
            None if is_start => {
                self.notice = Some(format!(
                    "a call from {} was refused: another call is in progress",
                    from.describe()
                ));
            }
            None => {}
        }
    }

    fn op(&mut self, op: Op) -> Result<OverlayState, SessionError> {
        match op {
            Op::Start => {
                self.begin()?;
                if self.start_captured()? {
                    return Ok(self.view());
                }
                let agent = Some(self.agent.clone());
                let start = Event::CallStarted {
                    at_ms: 0,
                    agent,
                    customer_name: None,
                };
                let fed = self
                    .runtime
                    .feed(&Source::labelled(SourceKind::Manual, "live"), &start)?;
                self.opened(CallSource::Manual, Clock::start(1.0));
                self.after(fed);
            }
            Op::Replay {
                name,
                events,
                speed,
            } => {
                let speed = replay::check_speed(speed)?;
                self.begin()?;
                let clock = Clock::start(speed);
                self.generation += 1;
                let generation = self.generation;
                self.replay_label = format!("replay:{name}");
                let task = tokio::spawn(replay::play(
                    events,
                    clock.origin(),
                    speed,
                    self.tx.clone(),
                    move |e| Msg::Replayed(generation, e),
                ));
                let mut call = LiveCall::new(0, clock, CallSource::Replay);
                call.replay = Some(Replaying {
                    name,
                    generation,
                    task,
                });
                self.call = Call::Live(Box::new(call));
            }
            Op::End => {
                if self.end_captured()? {
                    return Ok(self.view());
                }
                let at_ms = self.now_ms()?;
                self.feed_checked(
                    SourceKind::Manual,
                    Event::CallEnded {
                        at_ms,
                        reason: Some(EndReason::Completed),
                    },
                )?;
            }
            Op::Hold(on) => {
                let at_ms = self.now_ms()?;
                let holding = self.engine_state() == CallState::OnHold;
                match (on, holding) {
                    (true, false) => {
                        self.feed_checked(SourceKind::Manual, Event::HoldStarted { at_ms })?
                    }
                    (false, true) => {
                        self.feed_checked(SourceKind::Manual, Event::HoldEnded { at_ms })?
                    }
                    _ => {}
                }
            }
            Op::TickCurrent => {
                self.live()?;
                let item = self
                    .runtime
                    .call()
                    .and_then(|c| call::current_item(&c.engine));
                if let Some(item) = item {
                    self.act(AgentAction::TickItem { item })?;
                }
            }
            Op::FlagAbuse => self.act(AgentAction::FlagAbuse)?,
            Op::Dismiss => {
                let call = self.live()?;
                if let Some(n) = call.nudge.take() {
                    self.act(AgentAction::DismissNudge { nudge_id: n.id })?;
                }
            }
            Op::Mute(rule) => {
                let call = self.live()?;
                if call.nudge.as_ref().is_some_and(|n| n.rule == rule) {
                    call.nudge = None;
                }
                self.act(AgentAction::MuteRule {
                    rule: rule.as_str().to_string(),
                })?;
            }
            Op::AddNote(text) => {
                let text = text.trim().to_string();
                if !text.is_empty() {
                    self.act(AgentAction::AddNote { text })?;
                }
            }
            Op::SaveNote(text) => self.save_note(&text)?,
            Op::View {
                expanded,
                theme,
                dock,
            } => {
                self.expanded = expanded;
                self.theme = theme;
                self.dock = dock;
            }
            Op::Playbook(p) => self.set_playbook(p),
            Op::Agent(a) => {
                self.runtime.set_agent(a.clone());
                if !a.trim().is_empty() && self.notice.as_deref() == Some(NO_NAME_NOTICE) {
                    self.notice = None;
                }
                self.agent = a;
            }
            Op::Notice(text) => self.notice = Some(text),
            Op::Audio(config) => {
                if let Some(h) = &mut self.hearing {
                    let problems = h.reconfigure(config);
                    self.tell(problems);
                }
            }
            Op::AudioTest(config) => {
                let h = self.hearing.as_mut().ok_or_else(no_audio)?;
                let missing = h.test(&config).map_err(SessionError::Audio)?;
                self.tell(missing);
            }
            Op::AudioTestEnd => {
                if let Some(h) = &mut self.hearing {
                    let problems = h.end_test();
                    self.tell(problems);
                }
            }
        }
        Ok(self.view())
    }

    /// Problems worth showing, joined into the notice.
    fn tell(&mut self, problems: Vec<String>) {
        if !problems.is_empty() {
            self.notice = Some(problems.join("; "));
        }
    }

    /// The agent's Start with devices chosen: capture opens and the call is the capture's.
    /// False when there is no audio to capture (the call is then the agent's own, as before).
    fn start_captured(&mut self) -> Result<bool, SessionError> {
        let Some(h) = &mut self.hearing else {
            return Ok(false);
        };
        let started = match h.start_call() {
            Ok(s) => s,
            Err(_) => return Ok(false),
        };
        self.heard = Heard::default();
        match started {
            StartedCall::Now { missing } => {
                self.tell(missing);
                let start = Event::CallStarted {
                    at_ms: 0,
                    agent: Some(self.agent.clone()),
                    customer_name: None,
                };
                let fed = self
                    .runtime
                    .feed(&Source::new(SourceKind::Capture), &start)?;
                self.opened(CallSource::Capture, Clock::start(1.0));
                self.after(fed);
                Ok(true)
            }
            StartedCall::Pending { missing } => {
                self.tell(missing);
                self.heard.start_asked = true;
                Ok(true)
            }
            StartedCall::Failed { reason } => {
                self.notice = Some(format!("{reason}; this call runs without audio"));
                Ok(false)
            }
        }
    }

    /// The agent's End on a captured call. True when capture ends it (now or at its next event).
    fn end_captured(&mut self) -> Result<bool, SessionError> {
        let captured = matches!(&self.call, Call::Live(c) if c.source == CallSource::Capture);
        let Some(h) = self.hearing.as_mut().filter(|_| captured) else {
            return Ok(false);
        };
        match h.end_call() {
            Ok(Some(at_ms)) => {
                self.capture_end = Some(at_ms);
                Ok(true)
            }
            Ok(None) if h.automatic() => {
                self.heard.end_asked = true;
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => {
                self.notice = Some(e);
                Ok(false)
            }
        }
    }

    /// After the agent ended a captured call: what capture queued before it stopped is fed
    /// first (nothing captured is lost), then the end.
    fn end_capture(&mut self, inbox: &mut Option<Inbox>) {
        let Some(at_ms) = self.capture_end.take() else {
            return;
        };
        if let Some(inbox) = inbox {
            while let Ok(sub) = inbox.rx.try_recv() {
                self.submitted(sub);
            }
        }
        let end = Event::CallEnded {
            at_ms,
            reason: Some(EndReason::Completed),
        };
        // The call may already be over (a device error ended it).
        if let Ok(fed) = self.runtime.feed(&Source::new(SourceKind::Capture), &end) {
            self.after(fed);
        }
        self.publish();
    }

    /// A notice from the capture thread.
    fn heard(&mut self, heard: hearing::Heard) {
        let notice = match heard {
            hearing::Heard::Capture(notice) => notice,
            hearing::Heard::Words(message) => {
                self.notice = Some(message);
                return;
            }
        };
        self.notice = Some(match notice {
            Notice::Stalled(side) => format!(
                "the {} stopped delivering audio (device gone?); the call goes on with the other side",
                hearing::side_name(side)
            ),
            Notice::Resumed(side) => {
                format!("the {} delivers audio again", hearing::side_name(side))
            }
            Notice::Bleed(b) => {
                self.heard.bleed = true;
                crate::sources::audio::bleed::describe(&b)
            }
        });
    }

    fn set_playbook(&mut self, playbook: Arc<Playbook>) {
        self.idle_checklist = crate::engine::Engine::new(playbook.clone())
            .checklist()
            .to_vec();
        self.runtime.set_playbook(playbook.clone());
        self.playbook = playbook;
    }

    /// The agent may start a call (or a replay) only with none in progress and the last note saved.
    fn begin(&mut self) -> Result<(), SessionError> {
        if self.agent.trim().is_empty() {
            return Err(SessionError::NoAgent);
        }
        match self.call {
            Call::Live(_) => Err(SessionError::Busy),
            Call::Ended(_) => Err(SessionError::DraftPending),
            Call::Idle => Ok(()),
        }
    }

    /// The runtime started a call: the overlay follows it.
    fn opened(&mut self, source: CallSource, clock: Clock) {
        let Some(active) = self.runtime.call() else {
            return;
        };
        match &mut self.call {
            Call::Live(call) if call.id == 0 || call.id == active.id => call.id = active.id,
            _ => self.call = Call::Live(Box::new(LiveCall::new(active.id, clock, source))),
        }
    }

    fn live(&mut self) -> Result<&mut LiveCall, SessionError> {
        match &mut self.call {
            Call::Live(call) => Ok(call),
            _ => Err(SessionError::NoCall),
        }
    }

    fn engine_state(&self) -> CallState {
        self.runtime
            .call()
            .map_or(CallState::Idle, |c| c.engine.state())
    }

    /// Call time now: the overlay's clock for its own calls and replays, the runtime's for calls
    /// that come from the endpoint or capture.
    fn now_ms(&mut self) -> Result<u64, SessionError> {
        let call = self.live()?;
        let (source, clock_ms) = (call.source, call.clock.now_ms());
        Ok(match source {
            CallSource::Manual | CallSource::Replay => clock_ms,
            CallSource::Endpoint | CallSource::Capture => {
                self.runtime.call().map_or(clock_ms, |c| c.now_ms())
            }
        })
    }

    fn act(&mut self, action: AgentAction) -> Result<(), SessionError> {
        let at_ms = self.now_ms()?;
        self.feed_checked(SourceKind::Manual, Event::Agent { at_ms, action })
    }

    fn replayed(&mut self, generation: u64, event: Option<Event>) {
        let Call::Live(call) = &self.call else { return };
        if call.replay.as_ref().map(|r| r.generation) != Some(generation) {
            return;
        }
        let event = event.unwrap_or_else(|| Event::CallEnded {
            at_ms: call.clock.now_ms(),
            reason: Some(EndReason::Completed),
        });
        let clock = call.clock;
        let source = Source::labelled(SourceKind::Replay, self.replay_label.clone());
        match self.runtime.feed(&source, &event) {
            Ok(fed) => {
                self.opened(CallSource::Replay, clock);
                self.after(fed);
            }
            Err(e) => self.notice = Some(format!("the replay stopped: {e}")),
        }
    }

    /// Feeds the agent's own event (a manual call's tick); a refusal becomes the notice.
    fn feed(&mut self, from: SourceKind, event: Event) {
        if let Err(e) = self.feed_checked(from, event) {
            self.notice = Some(e.to_string());
        }
    }

    fn feed_checked(&mut self, from: SourceKind, event: Event) -> Result<(), SessionError> {
        let fed = self.runtime.feed(&Source::new(from), &event)?;
        self.after(fed);
        Ok(())
    }

    /// Brings the overlay up to date with what one event did to the runtime's call(s).
    fn after(&mut self, fed: Fed) {
        if let Some(w) = fed.warnings.last() {
            self.notice = Some(w.clone());
        }
        let news = fed.ended.is_some()
            || !fed.warnings.is_empty()
            || fed
                .outputs
                .iter()
                .any(|o| !matches!(o, crate::engine::Output::Pacing { .. }));
        self.unseen |= news;
        if let Call::Live(call) = &mut self.call {
            if call.id == fed.call || call.id == 0 {
                // The runtime's notifier listener already sent the notifications.
                call.see(&fed.outputs);
            }
        }
        if let Some(ended) = fed.ended {
            self.finish(ended);
        }
        // A call the runtime started from the endpoint or capture (or a restart by its owner).
        if let Some(active) = self.runtime.call() {
            let source = match active.source.kind {
                SourceKind::Manual => CallSource::Manual,
                SourceKind::Replay => CallSource::Replay,
                SourceKind::Endpoint => CallSource::Endpoint,
                SourceKind::Capture => CallSource::Capture,
            };
            let known = matches!(&self.call, Call::Live(c) if c.id == active.id);
            if !known && matches!(source, CallSource::Endpoint | CallSource::Capture) {
                if source == CallSource::Capture {
                    let automatic = self.hearing.as_ref().is_some_and(Hearing::automatic);
                    self.heard.auto_started = automatic && !self.heard.start_asked;
                    self.heard.start_asked = false;
                    if self.heard.auto_started {
                        self.notice = Some(
                            "call started automatically: the call audio carries speech".into(),
                        );
                    }
                }
                let mut call = LiveCall::new(active.id, Clock::start(1.0), source);
                call.see(&fed.outputs);
                self.call = Call::Live(Box::new(call));
            }
        }
    }

    /// The call ended: show the drafted note for editing (the call is already saved with it).
    fn finish(&mut self, ended: Ended) {
        let Call::Live(call) = std::mem::replace(&mut self.call, Call::Idle) else {
            return;
        };
        if call.source == CallSource::Capture {
            if let Some(h) = &mut self.hearing {
                if h.automatic() && !self.heard.end_asked {
                    self.notice = Some(format!(
                        "call ended automatically after {} s of quiet",
                        h.config().quiet_end_ms / 1000
                    ));
                }
                if let Err(e) = h.call_ended() {
                    self.notice = Some(e);
                }
            }
            self.heard.end_asked = false;
        }
        // The engine is gone with the call: start from what the overlay last showed and take
        // the final figures from the summary.
        let mut last = match call.last_view.clone() {
            Some(v) => *v,
            None => self.live_view(&call),
        };
        last.call = CallState::Ended;
        last.nudge = None;
        last.call_ms = ended.summary.duration_ms;
        last.checklist = ended.summary.checklist.clone();
        last.history = ended.summary.nudges.iter().rev().take(5).cloned().collect();
        last.pacing = Some(ended.summary.pacing.clone());
        last.boundary_step = ended.summary.boundary_step;
        last.current_item = None;
        if let Some(r) = &call.replay {
            r.task.abort();
        }
        if let Some(e) = &ended.save_error {
            self.notice = Some(format!("the finished call was not saved: {e}"));
        }
        last.draft = Some(NoteDraft {
            session_id: ended.session.unwrap_or(0),
            text: ended.note,
            outcome: outcome_str(ended.summary.outcome).replace('_', " "),
            duration_ms: ended.summary.duration_ms,
        });
        self.call = Call::Ended(Box::new(last));
    }

    fn save_note(&mut self, text: &str) -> Result<(), SessionError> {
        let Call::Ended(last) = &self.call else {
            return Err(SessionError::NoDraft);
        };
        let id = last.draft.as_ref().map_or(0, |d| d.session_id);
        if id != 0 {
            let store = self
                .store
                .as_ref()
                .map_err(|e| SessionError::NoStore(e.clone()))?;
            store.edit_note(id, text.trim(), &self.agent)?;
            self.sink.sessions_changed(id);
        }
        self.call = Call::Idle;
        Ok(())
    }

    fn publish(&mut self) {
        self.unseen = false;
        let state = self.view();
        self.sink.state(&state);
        if let Call::Live(call) = &mut self.call {
            call.last_view = Some(Box::new(state));
        }
    }

    fn view(&mut self) -> OverlayState {
        self.seq += 1;
        let mut state = match &self.call {
            Call::Live(call) => self.live_view(call),
            Call::Ended(last) => (**last).clone(),
            Call::Idle => OverlayState {
                seq: 0,
                call: CallState::Idle,
                source: None,
                replay_file: None,
                replay_speed: 1.0,
                call_ms: 0,
                phase: self
                    .playbook
                    .phases
                    .first()
                    .map(|p| phase_view(&self.playbook, &p.id)),
                checklist: self.idle_checklist.clone(),
                current_item: None,
                nudge: None,
                history: Vec::new(),
                pacing: None,
                boundary_step: 0,
                boundary_steps: self.playbook.boundary.steps.len() as u8,
                draft: None,
                expanded: false,
                theme: String::new(),
                dock: String::new(),
                sent_at: 0.0,
                notice: None,
                audio: AudioView::default(),
            },
        };
        state.seq = self.seq;
        state.expanded = self.expanded;
        state.theme = self.theme.clone();
        state.dock = self.dock.clone();
        state.sent_at = unix_ms() as f64;
        state.notice = self.notice.clone();
        state.audio = self.audio_view();
        state
    }

    fn audio_view(&self) -> AudioView {
        match &self.hearing {
            None => AudioView {
                mode: hearing::Mode::Off,
                auto_call: false,
                bleed: false,
                auto_started: false,
            },
            Some(h) => AudioView {
                // A call found by the listening capture is a captured call like any other.
                mode: match (&self.call, h.mode()) {
                    (Call::Live(c), hearing::Mode::Listening)
                        if c.source == CallSource::Capture =>
                    {
                        hearing::Mode::Call
                    }
                    (_, mode) => mode,
                },
                auto_call: h.config().auto_call && h.config().configured(),
                bleed: self.heard.bleed,
                auto_started: self.heard.auto_started
                    && matches!(&self.call, Call::Live(c) if c.source == CallSource::Capture),
            },
        }
    }

    fn live_view(&self, call: &LiveCall) -> OverlayState {
        let active = self.runtime.call().filter(|c| c.id == call.id);
        let engine = active.map(|c| &c.engine);
        let call_ms = match (call.source, active) {
            (CallSource::Endpoint | CallSource::Capture, Some(c)) => c.now_ms(),
            _ => call.clock.now_ms(),
        };
        let playbook = engine.map_or(&*self.playbook, |e| e.playbook());
        OverlayState {
            seq: 0,
            call: engine.map_or(CallState::Live, |e| e.state()),
            source: Some(call.source),
            replay_file: call.replay.as_ref().map(|r| r.name.clone()),
            replay_speed: call.clock.speed,
            call_ms,
            phase: Some(match engine {
                Some(e) => phase_view(playbook, e.current_phase()),
                None => self
                    .playbook
                    .phases
                    .first()
                    .map(|p| phase_view(&self.playbook, &p.id))
                    .unwrap_or_else(|| phase_view(&self.playbook, "")),
            }),
            checklist: engine
                .map_or_else(|| self.idle_checklist.clone(), |e| e.checklist().to_vec()),
            current_item: engine.and_then(call::current_item),
            nudge: call.nudge.clone(),
            history: engine.map(call::history).unwrap_or_default(),
            pacing: call.last_pacing.clone(),
            boundary_step: engine.map_or(0, |e| e.boundary_step()),
            boundary_steps: playbook.boundary.steps.len() as u8,
            draft: None,
            expanded: self.expanded,
            theme: self.theme.clone(),
            dock: self.dock.clone(),
            sent_at: 0.0,
            notice: None,
            audio: AudioView::default(),
        }
    }
}

fn no_audio() -> SessionError {
    SessionError::Audio("audio capture is not available in this session".into())
}
