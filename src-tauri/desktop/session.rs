//! The session task: owns the engine for the running call and is the only writer of call state.
//! Commands come in on a bounded channel; every change goes out as a full `OverlayState`
//! through a `UiSink`, so the UI never keeps state of its own.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::engine::output::{ItemStatus, Summary};
use crate::engine::{AgentAction, CallState, EndReason, Event, Nudge, Playbook, Rule};

use super::call::{phase_view, Clock, LiveCall, Replaying};
use super::ipc::{CallSource, NoteDraft, OverlayState};
use super::replay;
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
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the session database is not open ({0}); notes cannot be saved")]
    NoStore(String),
    #[error("{0}")]
    Replay(#[from] replay::ReplayError),
    #[error("the session stopped; restart the app")]
    Closed,
}

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
}

type Reply = oneshot::Sender<Result<OverlayState, SessionError>>;

enum Msg {
    Op(Op, Reply),
    /// From the replay task: the next event, or None when the transcript is done.
    Replayed(u64, Option<Event>),
    Snapshot(oneshot::Sender<OverlayState>),
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
    let (tx, rx) = mpsc::channel(QUEUE);
    let session = Session {
        playbook: config.playbook,
        agent: config.agent,
        expanded: config.expanded,
        theme: config.theme,
        dock: config.dock,
        store,
        sink,
        call: Call::Idle,
        idle_checklist: Vec::new(),
        seq: 0,
        generation: 0,
        tx: tx.clone(),
    };
    let mut session = session;
    session.set_playbook(session.playbook.clone());
    tokio::spawn(session.run(rx));
    SessionHandle { tx }
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
    call: Call,
    /// The checklist shown between calls (all open), made once per playbook.
    idle_checklist: Vec<ItemStatus>,
    seq: u64,
    generation: u64,
    tx: mpsc::Sender<Msg>,
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

impl Session {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
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
                        }
                        Msg::Replayed(generation, event) => self.replayed(generation, event),
                        Msg::Snapshot(reply) => {
                            if reply.send(self.view()).is_err() {
                                super::warn("a state request's caller went away");
                            }
                            continue;
                        }
                    }
                    self.publish();
                }
                _ = next_tick(&mut ticker) => {
                    if let Call::Live(call) = &self.call {
                        let at_ms = call.clock.now_ms();
                        self.feed(Event::Tick { at_ms });
                        self.publish();
                    }
                }
            }
            ticker = self.ticker_for(ticker);
        }
    }

    /// Keeps the ticker while a manual call is live, at one tick per call-second. Replays carry
    /// their own ticks, so a file always coaches the same way.
    fn ticker_for(&self, ticker: Option<Interval>) -> Option<Interval> {
        let Call::Live(call) = &self.call else {
            return None;
        };
        if call.source != CallSource::Manual {
            return None;
        }
        ticker.or_else(|| {
            let period = Duration::from_secs_f64(TICK_MS / 1000.0 / call.clock.speed);
            let mut t = tokio::time::interval_at(Instant::now() + period, period);
            t.set_missed_tick_behavior(MissedTickBehavior::Delay);
            Some(t)
        })
    }

    fn op(&mut self, op: Op) -> Result<OverlayState, SessionError> {
        match op {
            Op::Start => {
                self.begin(CallSource::Manual, Clock::start(1.0), "live".into())?;
                let agent = Some(self.agent.clone());
                self.feed(Event::CallStarted {
                    at_ms: 0,
                    agent,
                    customer_name: None,
                });
            }
            Op::Replay {
                name,
                events,
                speed,
            } => {
                let speed = replay::check_speed(speed)?;
                let clock = Clock::start(speed);
                self.begin(CallSource::Replay, clock, format!("replay:{name}"))?;
                self.generation += 1;
                let generation = self.generation;
                let task = tokio::spawn(replay::play(
                    events,
                    clock.origin(),
                    speed,
                    self.tx.clone(),
                    move |e| Msg::Replayed(generation, e),
                ));
                if let Call::Live(call) = &mut self.call {
                    call.replay = Some(Replaying {
                        name,
                        generation,
                        task,
                    });
                }
            }
            Op::End => {
                let at_ms = self.live()?.clock.now_ms();
                self.feed(Event::CallEnded {
                    at_ms,
                    reason: Some(EndReason::Completed),
                });
            }
            Op::Hold(on) => {
                let call = self.live()?;
                let at_ms = call.clock.now_ms();
                let holding = call.state() == CallState::OnHold;
                match (on, holding) {
                    (true, false) => self.feed(Event::HoldStarted { at_ms }),
                    (false, true) => self.feed(Event::HoldEnded { at_ms }),
                    _ => {}
                }
            }
            Op::TickCurrent => {
                if let Some(item) = self.live()?.current_item() {
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
            Op::Agent(a) => self.agent = a,
        }
        Ok(self.view())
    }

    fn set_playbook(&mut self, playbook: Arc<Playbook>) {
        self.idle_checklist = crate::engine::Engine::new(playbook.clone())
            .checklist()
            .to_vec();
        self.playbook = playbook;
    }

    fn begin(
        &mut self,
        source: CallSource,
        clock: Clock,
        source_name: String,
    ) -> Result<(), SessionError> {
        match self.call {
            Call::Live(_) => Err(SessionError::Busy),
            Call::Ended(_) => Err(SessionError::DraftPending),
            Call::Idle => {
                self.call = Call::Live(Box::new(LiveCall::new(
                    self.playbook.clone(),
                    clock,
                    source,
                    self.agent.clone(),
                    unix_ms(),
                    self.store.as_ref().ok().cloned(),
                    source_name,
                )));
                Ok(())
            }
        }
    }

    fn live(&mut self) -> Result<&mut LiveCall, SessionError> {
        match &mut self.call {
            Call::Live(call) => Ok(call),
            _ => Err(SessionError::NoCall),
        }
    }

    fn act(&mut self, action: AgentAction) -> Result<(), SessionError> {
        let at_ms = self.live()?.clock.now_ms();
        self.feed(Event::Agent { at_ms, action });
        Ok(())
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
        self.feed(event);
    }

    fn feed(&mut self, event: Event) {
        let Call::Live(call) = &mut self.call else {
            return;
        };
        let fed = call.feed(&event);
        for n in &fed.urgent {
            self.sink.urgent(n);
        }
        if let Some(summary) = fed.summary {
            self.finish(*summary);
        }
    }

    /// The call ended: archive it with the drafted note and show the draft for editing.
    fn finish(&mut self, summary: Summary) {
        let Call::Live(call) = std::mem::replace(&mut self.call, Call::Idle) else {
            return;
        };
        let mut last = self.live_view(&call);
        last.call = CallState::Ended;
        last.nudge = None;
        if let Some(r) = &call.replay {
            r.task.abort();
        }
        let outcome = outcome_str(summary.outcome).replace('_', " ");
        let duration_ms = summary.duration_ms;
        let (id, saved, text) = (*call).finish(&summary);
        if let Err(e) = saved {
            super::warn(&format!("the finished call was not saved: {e}"));
        }
        if let Some(id) = id {
            self.sink.sessions_changed(id);
        }
        last.draft = Some(NoteDraft {
            session_id: id.unwrap_or(0),
            text,
            outcome,
            duration_ms,
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
        let state = self.view();
        self.sink.state(&state);
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
            },
        };
        state.seq = self.seq;
        state.expanded = self.expanded;
        state.theme = self.theme.clone();
        state.dock = self.dock.clone();
        state.sent_at = unix_ms() as f64;
        state
    }

    fn live_view(&self, call: &LiveCall) -> OverlayState {
        OverlayState {
            seq: 0,
            call: call.state(),
            source: Some(call.source),
            replay_file: call.replay.as_ref().map(|r| r.name.clone()),
            replay_speed: call.clock.speed,
            call_ms: call.clock.now_ms(),
            phase: Some(call.phase()),
            checklist: call.engine.checklist().to_vec(),
            current_item: call.current_item(),
            nudge: call.nudge.clone(),
            history: call.history(),
            pacing: call.last_pacing.clone(),
            boundary_step: call.engine.boundary_step(),
            boundary_steps: call.engine.playbook().boundary.steps.len() as u8,
            draft: None,
            expanded: self.expanded,
            theme: self.theme.clone(),
            dock: self.dock.clone(),
            sent_at: 0.0,
        }
    }
}
