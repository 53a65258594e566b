//! The desktop runtime without a window: replays through the session task at high speed, with a
//! recording sink in place of the webviews. Tests wait on the sink's state, never on a timer.
#![cfg(feature = "desktop")]

use std::path::Path;
use std::sync::{Arc, Mutex};

use parley::desktop::ipc::OverlayState;
use parley::desktop::replay;
use parley::desktop::session::{self, Op, SessionError, UiSink};
use parley::engine::{CallState, Nudge, Output, Playbook};
use parley::store::{SessionFilter, Store};
use tokio::sync::watch;

struct Recorder {
    latest: watch::Sender<Option<OverlayState>>,
    states: Mutex<Vec<OverlayState>>,
    urgent: Mutex<Vec<Nudge>>,
    saved: Mutex<Vec<i64>>,
}

impl UiSink for Recorder {
    fn state(&self, state: &OverlayState) {
        self.states.lock().unwrap().push(state.clone());
        self.latest.send_replace(Some(state.clone()));
    }
    fn urgent(&self, nudge: &Nudge) {
        self.urgent.lock().unwrap().push(nudge.clone());
    }
    fn sessions_changed(&self, id: i64) {
        self.saved.lock().unwrap().push(id);
    }
}

struct Rig {
    handle: session::SessionHandle,
    sink: Arc<Recorder>,
    rx: watch::Receiver<Option<OverlayState>>,
    store: Store,
    _dir: tempfile::TempDir,
}

fn rig() -> Rig {
    rig_with(None)
}

/// A session on a fresh store; `inbox` links it to an endpoint as the app does.
fn rig_with(inbox: Option<parley::sources::ingest::Inbox>) -> Rig {
    rig_as("Test Agent", inbox)
}

fn rig_as(agent: &str, inbox: Option<parley::sources::ingest::Inbox>) -> Rig {
    rig_on(Playbook::builtin(), agent, inbox)
}

fn rig_on(playbook: Playbook, agent: &str, inbox: Option<parley::sources::ingest::Inbox>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("parley.db")).unwrap();
    let (latest, rx) = watch::channel(None);
    let sink = Arc::new(Recorder {
        latest,
        states: Mutex::default(),
        urgent: Mutex::default(),
        saved: Mutex::default(),
    });
    let config = session::Config {
        playbook: Arc::new(playbook),
        agent: agent.into(),
        expanded: true,
        theme: "dark".into(),
        dock: "right".into(),
    };
    let handle = session::spawn_with_inbox(config, Ok(store.clone()), sink.clone(), inbox);
    Rig {
        handle,
        sink,
        rx,
        store,
        _dir: dir,
    }
}

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// What the engine alone says about the same transcript, with the language model the app uses
/// (when it is installed): the reference the UI must match.
fn engine_nudges(path: &Path) -> Vec<(u32, String)> {
    let mut engine = parley::models::coach(Arc::new(Playbook::builtin())).engine();
    let mut out = Vec::new();
    for e in replay::read(path).unwrap() {
        for o in engine.feed(&e) {
            if let Output::Nudge(n) = o {
                out.push((n.id, n.headline));
            }
        }
    }
    out
}

async fn replay_until_draft(rig: &mut Rig, path: &Path, speed: f64) -> OverlayState {
    let events = replay::read(path).unwrap();
    let first = rig
        .handle
        .send(Op::Replay {
            name: "call.jsonl".into(),
            events,
            speed,
        })
        .await
        .unwrap();
    assert_eq!(first.source, Some(parley::desktop::ipc::CallSource::Replay));
    let state = rig
        .rx
        .wait_for(|s| s.as_ref().is_some_and(|s| s.draft.is_some()))
        .await
        .unwrap();
    state.clone().unwrap()
}

#[tokio::test]
async fn replay_shows_the_engines_nudges_in_order_and_drafts_a_note() {
    let mut rig = rig();
    let path = sample("assets/samples/venting-customer.jsonl");
    let end = replay_until_draft(&mut rig, &path, 50.0).await;

    // Every nudge the engine gives reaches the overlay, once, in firing order.
    let mut seen: Vec<(u32, String)> = Vec::new();
    for s in rig.sink.states.lock().unwrap().iter() {
        if let Some(n) = &s.nudge {
            if seen.last().map(|x| x.0) != Some(n.id) && !seen.iter().any(|x| x.0 == n.id) {
                seen.push((n.id, n.headline.clone()));
            }
        }
    }
    let expected = engine_nudges(&path);
    assert!(!expected.is_empty(), "the sample should earn nudges");
    for pair in seen.windows(2) {
        assert!(pair[0].0 < pair[1].0, "nudges out of order: {seen:?}");
    }
    for n in &seen {
        assert!(expected.contains(n), "{n:?} not from the engine");
    }
    // States only move forward.
    let seqs: Vec<u64> = rig
        .sink
        .states
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.seq)
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    assert_eq!(end.call, CallState::Ended);
    let draft = end.draft.clone().unwrap();
    assert!(draft.text.contains("Outcome:"), "{}", draft.text);
    assert!(end.checklist.iter().any(|i| i.done), "some items tick");

    // The session is in the database at once, with the drafted note; saving replaces it.
    let stored = rig.store.show(draft.session_id).unwrap();
    assert_eq!(stored.note.as_ref().unwrap().body, draft.text);
    assert_eq!(stored.nudges.len(), expected.len());
    assert_eq!(stored.session.source, "replay:call.jsonl");
    let after = rig
        .handle
        .send(Op::SaveNote("Edited by hand".into()))
        .await
        .unwrap();
    assert_eq!(after.call, CallState::Idle);
    let note = rig.store.show(draft.session_id).unwrap().note.unwrap();
    assert_eq!(note.body, "Edited by hand");
    assert_eq!(note.edited_by.as_deref(), Some("Test Agent"));
    assert_eq!(*rig.sink.saved.lock().unwrap(), vec![draft.session_id; 2]);
}

#[tokio::test]
async fn the_review_draws_the_pacing_and_limits_the_agent_saw_not_todays_playbook() {
    // The call is coached with a stricter rate limit than the playbook of the same name has
    // later, when the lead reviews it.
    let mut strict = Playbook::builtin();
    strict.thresholds.fast_wpm = 140.0;
    strict.thresholds.talk_share_max = 0.5;
    let meters_then = Arc::new(strict.clone());
    let mut rig = rig_on(strict, "Test Agent", None);
    let path = sample("assets/samples/fast-talker.jsonl");
    let end = replay_until_draft(&mut rig, &path, 50.0).await;
    let id = end.draft.unwrap().session_id;

    let today = Arc::new(Playbook::builtin());
    assert_ne!(today.thresholds.fast_wpm, 140.0);
    let r = parley::desktop::review::detail(&rig.store, id, today).unwrap();
    let limits = r.limits.expect("recorded with the call");
    assert_eq!((limits.fast_wpm, limits.talk_share_max), (140.0, 0.5));
    assert_eq!(r.pacing_from, "recorded");
    // The meters as the overlay had them, every call second: kept one per 5 s of call time to
    // the end of the call, where the recorded events alone (no ticks) would give a sparser
    // curve at other moments.
    let stored = rig.store.show(id).unwrap();
    let duration = stored.session.duration_ms.unwrap() as u64;
    assert!(
        r.pacing
            .windows(2)
            .all(|w| (5_000..=6_000).contains(&(w[1].at_ms - w[0].at_ms))),
        "{:?}",
        r.pacing
    );
    let last = r.pacing.last().unwrap().at_ms;
    assert!(duration - last <= 6_000, "last sample {last} of {duration}");
    let replayed = parley::desktop::review::pacing(&stored, meters_then);
    assert!(replayed.len() < r.pacing.len());
    assert!(!r.detail.timeline.iter().any(|t| t.kind == "pacing"));
}

#[tokio::test]
async fn hotkey_actions_drive_a_manual_call() {
    let rig = rig();
    let s = rig.handle.send(Op::Start).await.unwrap();
    assert_eq!(s.call, CallState::Live);
    let first = s.current_item.clone().unwrap();
    let s = rig.handle.send(Op::TickCurrent).await.unwrap();
    assert!(s.checklist.iter().any(|i| i.item == first && i.done));
    assert_ne!(s.current_item.as_deref(), Some(first.as_str()));
    let s = rig.handle.send(Op::Hold(true)).await.unwrap();
    assert_eq!(s.call, CallState::OnHold);
    let s = rig.handle.send(Op::Hold(false)).await.unwrap();
    assert_eq!(s.call, CallState::Live);
    let s = rig.handle.send(Op::FlagAbuse).await.unwrap();
    assert_eq!(s.boundary_step, 1);
    assert_eq!(
        rig.sink.urgent.lock().unwrap().len(),
        1,
        "boundary is urgent"
    );
    assert!(matches!(
        rig.handle.send(Op::Start).await,
        Err(SessionError::Busy)
    ));
    let s = rig.handle.send(Op::End).await.unwrap();
    assert_eq!(s.call, CallState::Ended);
    assert!(matches!(
        rig.handle.send(Op::Start).await,
        Err(SessionError::DraftPending)
    ));
    rig.handle.send(Op::SaveNote("ok".into())).await.unwrap();
    let page = rig
        .store
        .list(&SessionFilter {
            agent: Some("Test Agent".into()),
            ..SessionFilter::default()
        })
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].source, "live");
}

#[tokio::test]
async fn calls_tick_every_call_second() {
    let rig = rig();
    // A transcript that ends at 60 s; at 20x a call-second is 50 ms.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quiet.jsonl");
    std::fs::write(
        &file,
        r#"{"speaker": "agent", "start": 59, "end": 60, "text": "Hello?"}"#,
    )
    .unwrap();
    let events = replay::read(&file).unwrap();
    let speed = 20.0;
    rig.handle
        .send(Op::Replay {
            name: "t".into(),
            events,
            speed,
        })
        .await
        .unwrap();
    let mut rx = rig.rx.clone();
    let s = rx
        .wait_for(|s| s.as_ref().is_some_and(|s| s.call_ms >= 3_000))
        .await
        .unwrap()
        .clone()
        .unwrap();
    assert_eq!(s.call, CallState::Live);
    // One state per call-second (the replay's ticks), not a flood.
    assert!(rig.sink.states.lock().unwrap().len() <= 6);
}

#[tokio::test]
async fn idle_session_sends_nothing_and_refuses_call_actions() {
    let rig = rig();
    assert!(matches!(
        rig.handle.send(Op::TickCurrent).await,
        Err(SessionError::NoCall)
    ));
    let states = rig.sink.states.lock().unwrap().len();
    assert_eq!(states, 1, "only the refused command's state; no idle ticks");
    let s = rig.handle.snapshot().await.unwrap();
    assert_eq!(s.call, CallState::Idle);
    assert!(!s.checklist.is_empty());
}

/// The app's endpoint: a call pushed to it shows on the overlay, is saved with source
/// `endpoint`, and a second call from the endpoint may start while the last note waits.
#[tokio::test]
async fn a_call_pushed_to_the_endpoint_shows_on_the_overlay_and_is_saved() {
    use parley::sources::ingest::{self, IngestConfig, LinkOptions};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (link, inbox) = ingest::link(&LinkOptions::default());
    let Rig {
        handle,
        sink,
        mut rx,
        store,
        _dir,
    } = rig_with(Some(inbox));
    let token = "desktop-endpoint-token-0123456789";
    let mut ingest_config = IngestConfig::new(token.into());
    ingest_config.addr = "127.0.0.1:0".parse().unwrap();
    let server = ingest::serve(ingest_config, link).await.unwrap();
    let post = |body: &'static str| {
        let addr = server.local_addr();
        async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            s.read_to_string(&mut response).await.unwrap();
            response
        }
    };
    let started = post(
        r#"[{"type":"call_start","agent":"Priya"},
            {"type":"final","speaker":"customer","start_ms":500,"end_ms":4000,"text":"My bill is wrong and nobody helps me."}]"#,
    )
    .await;
    assert!(started.starts_with("HTTP/1.1 202"), "{started}");
    let live = rx
        .wait_for(|s| s.as_ref().is_some_and(|s| s.call == CallState::Live))
        .await
        .unwrap()
        .clone()
        .unwrap();
    assert_eq!(
        live.source,
        Some(parley::desktop::ipc::CallSource::Endpoint)
    );
    // The overlay's own Start is refused while the endpoint's call runs; its hotkeys work.
    assert!(matches!(
        handle.send(Op::Start).await,
        Err(SessionError::Busy)
    ));
    let flagged = handle.send(Op::FlagAbuse).await.unwrap();
    assert_eq!(flagged.boundary_step, 1);
    let ended = post(r#"{"type":"call_end","at_ms":9000,"reason":"completed"}"#).await;
    assert!(ended.starts_with("HTTP/1.1 202"), "{ended}");
    let end = rx
        .wait_for(|s| s.as_ref().is_some_and(|s| s.draft.is_some()))
        .await
        .unwrap()
        .clone()
        .unwrap();
    let id = end.draft.unwrap().session_id;
    let stored = store.show(id).unwrap();
    assert_eq!(stored.session.source, "endpoint");
    assert_eq!(stored.session.agent, "Priya");
    assert!(stored.nudges.iter().any(|n| n.rule == "boundary"));
    // A new endpoint call takes the overlay even though the last note was not edited.
    let again = post(r#"{"type":"call_start"}"#).await;
    assert!(again.starts_with("HTTP/1.1 202"), "{again}");
    rx.wait_for(|s| s.as_ref().is_some_and(|s| s.call == CallState::Live))
        .await
        .unwrap();
    assert_eq!(sink.saved.lock().unwrap().as_slice(), &[id]);
    server.shutdown().await.unwrap();
}

/// Regression: calls were filed under a made-up "Agent" when nobody had given a name.
#[tokio::test]
async fn a_call_needs_the_agents_name_first() {
    let rig = rig_as("", None);
    let state = rig.handle.snapshot().await.unwrap();
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("enter your name")),
        "{:?}",
        state.notice
    );
    let err = rig.handle.send(Op::Start).await.unwrap_err().to_string();
    assert!(err.contains("enter your name first"), "{err}");
    let state = rig.handle.send(Op::Agent("Priya".into())).await.unwrap();
    assert_eq!(state.notice, None);
    rig.handle.send(Op::Start).await.unwrap();
}
