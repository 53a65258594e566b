//! The call runtime's core, without threads or a clock of its own: events in, the engine, the
//! store writer, listeners out. The desktop session and `parley replay` drive it directly; the
//! endpoint and audio capture reach it through [`super::CallTask`] (or the desktop session's
//! inbox), which calls [`Runtime::submit`].

use std::sync::Arc;

use crate::engine::output::Summary;
use crate::engine::{Engine, Event, Ms, Output, Playbook, Utterance};
use crate::sources::ingest::{ErrorFrame, Reply, Stats, Submission, MAX_REORDER_MS};
use crate::sources::SourceKind;
use crate::store::note::{self, NoteContext};
use crate::store::{SessionId, SessionMeta, SessionWriter, Store};

use super::listener::{Listener, News};

/// Where a call comes from: the kind of source, and the label the saved session gets
/// (`endpoint`, `capture`, `replay:calls/x.jsonl`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    pub label: String,
}

impl Source {
    pub fn new(kind: SourceKind) -> Source {
        Source {
            kind,
            label: kind.as_str().to_string(),
        }
    }

    pub fn labelled(kind: SourceKind, label: impl Into<String>) -> Source {
        Source {
            kind,
            label: label.into(),
        }
    }
}

/// Why an event was not fed. The message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("a call from {} is in progress; it must end before {} can start one", owner.describe(), from.describe())]
    Busy { owner: SourceKind, from: SourceKind },
    #[error("the call in progress comes from {}; {} cannot feed it", owner.describe(), from.describe())]
    NotOwner { owner: SourceKind, from: SourceKind },
    #[error("no call in progress: send call_start first")]
    NoCall,
    #[error(
        "time goes backwards: {at_ms} ms is more than {MAX_REORDER_MS} ms before {latest_ms} ms"
    )]
    Backwards { at_ms: Ms, latest_ms: Ms },
}

/// A call that ended, and where it was kept.
#[derive(Debug, Clone)]
pub struct Ended {
    pub call: u64,
    pub source: SourceKind,
    /// The saved session; None when the call was not saved.
    pub session: Option<SessionId>,
    /// Why saving failed, when it did.
    pub save_error: Option<String>,
    pub summary: Box<Summary>,
    /// The drafted session note (also when the call could not be saved, so it is not lost).
    pub note: String,
}

/// What feeding one event did.
#[derive(Debug, Default)]
pub struct Fed {
    /// The call the event went to.
    pub call: u64,
    /// Every output, in order (the summary included when the call ended).
    pub outputs: Vec<Output>,
    /// A call that ended: this one, or the one a restart closed.
    pub ended: Option<Ended>,
    /// Problems recording the call (the call goes on).
    pub warnings: Vec<String>,
}

/// The call in progress.
pub struct ActiveCall {
    pub id: u64,
    pub source: Source,
    pub engine: Engine,
    pub agent: String,
    /// Wall-clock start (Unix ms).
    pub started_at: i64,
    writer: Option<SessionWriter>,
    /// Latest time the source stamped (ticks the runtime makes do not count).
    source_ms: Ms,
    /// Latest time fed to the engine, and when (the runtime's clock, so paused-time tests work).
    fed_ms: Ms,
    fed_at: tokio::time::Instant,
}

impl ActiveCall {
    /// The saved session, when the call is being saved.
    pub fn session(&self) -> Option<SessionId> {
        self.writer.as_ref().map(SessionWriter::id)
    }

    /// Call time now, for events the source did not stamp (a hotkey during an endpoint call):
    /// the last fed time plus the wall time since.
    pub fn now_ms(&self) -> Ms {
        self.fed_ms + self.fed_at.elapsed().as_millis() as Ms
    }

    /// Latest call time fed.
    pub fn fed_ms(&self) -> Ms {
        self.fed_ms
    }

    pub fn quiet_for(&self) -> std::time::Duration {
        self.fed_at.elapsed()
    }
}

/// One call at a time: see the module docs for who may feed it.
pub struct Runtime {
    playbook: Arc<Playbook>,
    store: Option<Store>,
    agent: String,
    /// The configured agent wins over a name the call start gives.
    agent_fixed: bool,
    listeners: Vec<Arc<dyn Listener>>,
    call: Option<ActiveCall>,
    calls: u64,
    stats: Option<Arc<Stats>>,
    /// Judge language with the word rules only, even when the language model is installed.
    word_rules_only: bool,
    /// The playbook compiled once (with the language model), made at the first call.
    coach: std::sync::OnceLock<crate::engine::Coach>,
}

impl Runtime {
    /// `store`: where calls are saved (None: not saved). `agent`: the name recorded unless the
    /// call start names one.
    pub fn new(playbook: Arc<Playbook>, store: Option<Store>, agent: impl Into<String>) -> Runtime {
        Runtime {
            playbook,
            store,
            agent: agent.into(),
            agent_fixed: false,
            listeners: Vec::new(),
            call: None,
            calls: 0,
            stats: None,
            word_rules_only: false,
            coach: std::sync::OnceLock::new(),
        }
    }

    /// Calls from now on judge language with the playbook's word rules alone.
    pub fn word_rules_only(mut self) -> Runtime {
        self.word_rules_only = true;
        self.coach = std::sync::OnceLock::new();
        self
    }

    fn new_engine(&self) -> crate::engine::Engine {
        self.coach
            .get_or_init(|| {
                if self.word_rules_only {
                    crate::engine::Coach::new(self.playbook.clone())
                } else {
                    crate::models::coach(self.playbook.clone())
                }
            })
            .engine()
    }

    pub fn listen(&mut self, listener: Arc<dyn Listener>) {
        self.listeners.push(listener);
    }

    /// Counts what [`Runtime::submit`] feeds and refuses in the endpoint's statistics.
    pub fn count_in(&mut self, stats: Arc<Stats>) {
        self.stats = Some(stats);
    }

    /// The playbook for calls that start from now on.
    pub fn set_playbook(&mut self, playbook: Arc<Playbook>) {
        self.playbook = playbook;
        self.coach = std::sync::OnceLock::new();
    }

    pub fn playbook(&self) -> &Arc<Playbook> {
        &self.playbook
    }

    pub fn set_agent(&mut self, agent: impl Into<String>) {
        self.agent = agent.into();
    }

    /// Records every call under the configured agent, even when a call start names another
    /// (`parley replay --agent`).
    pub fn fix_agent(&mut self) {
        self.agent_fixed = true;
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn call(&self) -> Option<&ActiveCall> {
        self.call.as_ref()
    }

    /// Calls started so far.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Feeds one event from `source`.
    pub fn feed(&mut self, source: &Source, event: &Event) -> Result<Fed, Refused> {
        self.feed_at(source, event, None)
    }

    /// As [`Runtime::feed`], with when the event reached Parley (for latency figures).
    pub fn feed_at(
        &mut self,
        source: &Source,
        event: &Event,
        received: Option<std::time::Instant>,
    ) -> Result<Fed, Refused> {
        let at = event.at_ms();
        let starting = matches!(event, Event::CallStarted { .. });
        let Some(call) = self.call.as_mut() else {
            if !starting {
                return Err(Refused::NoCall);
            }
            let mut fed = Fed::default();
            self.start(source, event, received, &mut fed);
            return Ok(fed);
        };
        let owner = call.source.kind;
        if starting {
            if owner != source.kind {
                return Err(Refused::Busy {
                    owner,
                    from: source.kind,
                });
            }
            // A platform that restarts mid-call starts again: the old call ends first.
            let end = Event::CallEnded {
                at_ms: call.fed_ms,
                reason: None,
            };
            let mut fed = Fed::default();
            self.feed_live(&end, None, &mut fed);
            self.start(source, event, received, &mut fed);
            return Ok(fed);
        }
        if owner != source.kind && !agent_may_act(source.kind, event) {
            return Err(Refused::NotOwner {
                owner,
                from: source.kind,
            });
        }
        if at + MAX_REORDER_MS < call.source_ms && !late_words(source.kind, event) {
            return Err(Refused::Backwards {
                at_ms: at,
                latest_ms: call.source_ms,
            });
        }
        call.source_ms = call.source_ms.max(at);
        let mut fed = Fed::default();
        self.feed_live(event, received, &mut fed);
        Ok(fed)
    }

    /// A tick the runtime makes itself (the source's clock continued by the wall clock), for an
    /// endpoint call whose sender has gone quiet for `every`. Returns what it fed, if anything.
    pub fn tick_if_quiet(&mut self, every: std::time::Duration) -> Option<Fed> {
        let call = self.call.as_ref()?;
        if call.source.kind != SourceKind::Endpoint || call.quiet_for() < every {
            return None;
        }
        let at_ms = call.now_ms();
        let mut fed = Fed::default();
        self.feed_live(&Event::Tick { at_ms }, None, &mut fed);
        Some(fed)
    }

    /// Ends the call in progress as the agent would (the End button), at its current time.
    pub fn end_now(&mut self, reason: Option<crate::engine::EndReason>) -> Option<Fed> {
        let at_ms = self.call.as_ref()?.now_ms();
        let mut fed = Fed::default();
        self.feed_live(&Event::CallEnded { at_ms, reason }, None, &mut fed);
        Some(fed)
    }

    /// Handles a queued submission: feeds it and answers its sender.
    pub fn submit(&mut self, sub: Submission) -> Option<Fed> {
        let source = Source::new(sub.source);
        let result = self.feed_at(&source, &sub.event, Some(sub.received));
        let bump = |stats: &Option<Arc<Stats>>, f: fn(&Stats) -> &std::sync::atomic::AtomicU64| {
            if let Some(s) = stats {
                Stats::bump(f(s));
            }
        };
        match (result, sub.reply) {
            (Ok(fed), reply) => {
                if let Some(Reply::Ack(ack)) = reply {
                    acknowledge(ack, Ok(()));
                }
                Some(fed)
            }
            (Err(refused), reply) => {
                bump(&self.stats, |s| &s.refused_by_state);
                let reason = refused.to_string();
                match reply {
                    Some(Reply::Ack(ack)) => acknowledge(ack, Err(reason)),
                    Some(Reply::Errors(frames)) => {
                        let frame = ErrorFrame {
                            seq: sub.seq,
                            reason,
                        };
                        if frames.try_send(frame).is_err() {
                            bump(&self.stats, |s| &s.error_frames_dropped);
                        }
                    }
                    // A source without a reply channel (capture) hears about a refused call
                    // start; its other refused events (every tick) are only counted.
                    None if matches!(sub.event, Event::CallStarted { .. }) => {
                        self.warn(None, &reason)
                    }
                    None => {}
                }
                None
            }
        }
    }

    /// Tells every listener about a problem that is not any one event's.
    pub fn warn(&self, call: Option<u64>, message: &str) {
        self.tell(&News::Warning { call, message });
    }

    fn tell(&self, news: &News<'_>) {
        for l in &self.listeners {
            l.news(news);
        }
    }

    fn start(
        &mut self,
        source: &Source,
        event: &Event,
        received: Option<std::time::Instant>,
        fed: &mut Fed,
    ) {
        self.calls += 1;
        if let Some(s) = &self.stats {
            Stats::bump(&s.calls);
        }
        let agent = match event {
            Event::CallStarted { agent: Some(a), .. }
                if !a.trim().is_empty() && !self.agent_fixed =>
            {
                a.trim().to_string()
            }
            _ => self.agent.clone(),
        };
        let started_at = crate::store::now_ms();
        let writer = self.store.as_ref().and_then(|store| {
            let meta = SessionMeta {
                agent: agent.clone(),
                playbook: self.playbook.name.clone(),
                source: source.label.clone(),
                started_at,
            };
            match store.begin_session(meta) {
                Ok(w) => Some(w),
                Err(e) => {
                    fed.warnings
                        .push(format!("this call will not be saved: {e}"));
                    None
                }
            }
        });
        for message in &fed.warnings {
            self.tell(&News::Warning {
                call: Some(self.calls),
                message,
            });
        }
        let at = event.at_ms();
        let call = ActiveCall {
            id: self.calls,
            source: source.clone(),
            engine: self.new_engine(),
            agent,
            started_at,
            writer,
            source_ms: at,
            fed_ms: at,
            fed_at: tokio::time::Instant::now(),
        };
        self.tell(&News::Started {
            call: call.id,
            source: source.kind,
            session: call.session(),
        });
        self.call = Some(call);
        self.feed_live(event, received, fed);
    }

    /// Feeds the call in progress, records, tells the listeners, and closes it at its end.
    fn feed_live(&mut self, event: &Event, received: Option<std::time::Instant>, fed: &mut Fed) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        let told = fed.warnings.len();
        if let Some(s) = &self.stats {
            Stats::bump(&s.fed);
        }
        call.fed_ms = call.fed_ms.max(event.at_ms());
        call.fed_at = tokio::time::Instant::now();
        if let Some(w) = &call.writer {
            if worth_keeping(event) {
                // Appends are queued; a failure is reported again (in full) when the call ends.
                if let Err(e) = w.append_event(event) {
                    fed.warnings.push(format!("recording the call: {e}"));
                }
            }
        }
        let outputs = call.engine.feed(event);
        if let Some(w) = &call.writer {
            // The store keeps what is worth keeping (the summary is saved when the call ends).
            if let Err(e) = w.append_outputs(&outputs) {
                fed.warnings.push(format!("recording the call: {e}"));
            }
        }
        if let Some(s) = &self.stats {
            Stats::add(&s.outputs, outputs.len() as u64);
        }
        let id = call.id;
        for output in &outputs {
            self.tell(&News::Output {
                call: id,
                output,
                received,
            });
        }
        for w in &fed.warnings[told..] {
            self.tell(&News::Warning {
                call: Some(id),
                message: w,
            });
        }
        let summary = outputs.iter().find_map(|o| match o {
            Output::Summary(s) => Some(s.clone()),
            _ => None,
        });
        fed.call = id;
        fed.outputs.extend(outputs);
        if let Some(summary) = summary {
            if let Some(call) = self.call.take() {
                let ended = finish(call, summary);
                self.tell(&News::Ended(&ended));
                if let Some(e) = &ended.save_error {
                    let message = format!("the finished call was not saved: {e}");
                    self.tell(&News::Warning {
                        call: Some(id),
                        message: &message,
                    });
                    fed.warnings.push(message);
                }
                fed.ended = Some(ended);
            }
        }
    }
}

/// Whatever source owns the call, the agent can still act on it: tick, flag, note, dismiss,
/// hold and end it from the overlay.
fn agent_may_act(from: SourceKind, event: &Event) -> bool {
    from == SourceKind::Manual
        && matches!(
            event,
            Event::Agent { .. }
                | Event::HoldStarted { .. }
                | Event::HoldEnded { .. }
                | Event::CallEnded { .. }
        )
}

/// Ticks and partial transcripts are not worth a row each; everything else is kept.
/// Local speech-to-text may fall behind the audio clock by more than the reorder window when
/// the CPU is short; its finals carry the spurt's own times and are still the call's words.
fn late_words(kind: SourceKind, event: &Event) -> bool {
    kind == SourceKind::Capture
        && matches!(event, Event::Utterance(Utterance { is_final: true, .. }))
}

fn worth_keeping(event: &Event) -> bool {
    !matches!(
        event,
        Event::Tick { .. }
            | Event::Utterance(Utterance {
                is_final: false,
                ..
            })
    )
}

fn finish(call: ActiveCall, summary: Box<Summary>) -> Ended {
    let notes = summary.agent_notes.join("\n");
    let ctx = NoteContext {
        agent: &call.agent,
        started_at: call.started_at,
        offset: note::local_offset(),
        interrupted: false,
    };
    let draft = note::draft(&ctx, &summary, &notes);
    let (session, save_error) = match call.writer {
        Some(w) => match w.finish(&summary, &notes) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e.to_string())),
        },
        None => (None, None),
    };
    Ended {
        call: call.id,
        source: call.source.kind,
        session,
        save_error,
        summary,
        note: draft,
    }
}

fn acknowledge(ack: tokio::sync::oneshot::Sender<Result<(), String>>, result: Result<(), String>) {
    // Fails only when the POST handler stopped waiting (its client left): nobody to tell.
    match ack.send(result) {
        Ok(()) | Err(_) => {}
    }
}
