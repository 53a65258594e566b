//! The session store on real database files: a call saved and read back, migrations, bad files,
//! recovery, a reader beside a writer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parley::engine::event::{AgentAction, EndReason, Event, Speaker, Utterance};
use parley::engine::output::{Output, Summary};
use parley::engine::{Engine, Playbook};
use parley::store::{schema, SessionId, SessionMeta, Status, Store, StoreError, StoreOptions};
use rusqlite::Connection;

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("sessions.db")
}

fn utt(speaker: Speaker, start_ms: u64, end_ms: u64, text: &str) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: text.into(),
        start_ms,
        end_ms,
        is_final: true,
    })
}

/// A short difficult call with a card number said aloud and a follow-up promised.
fn call_events() -> Vec<Event> {
    use Speaker::{Agent, Customer};
    vec![
        Event::CallStarted {
            at_ms: 0,
            agent: Some("alex".into()),
            customer_name: Some("Ruth".into()),
        },
        utt(Agent, 1_000, 5_000, "Thanks for calling, my name is Alex, I'll help you sort this out."),
        utt(
            Customer,
            5_500,
            30_000,
            "I was charged twice for my subscription after I cancelled it last month, my card is 4111 1111 1111 1111 and I am really upset about this double charge.",
        ),
        utt(Agent, 30_500, 36_000, "Being charged twice after you cancelled is maddening, I'm sorry."),
        utt(Agent, 36_500, 44_000, "So what I'm hearing is you cancelled but were billed twice, is that right?"),
        utt(Customer, 44_500, 46_000, "Yes exactly."),
        utt(
            Agent,
            46_500,
            56_000,
            "Here's what I can do: I'll refund the duplicate charge and I'll call you back within 48 hours to confirm it went through.",
        ),
        Event::Agent {
            at_ms: 56_500,
            action: AgentAction::AddNote {
                text: "prefers email, jane@example.com".into(),
            },
        },
        utt(Customer, 57_000, 59_000, "Thank you."),
        utt(Agent, 59_500, 63_000, "Thank you for your patience, Ruth."),
        Event::CallEnded {
            at_ms: 64_000,
            reason: Some(EndReason::Completed),
        },
    ]
}

fn meta(agent: &str, started_at: i64) -> SessionMeta {
    SessionMeta {
        agent: agent.into(),
        playbook: "difficult-call".into(),
        source: "test".into(),
        started_at,
    }
}

fn summary_of(outputs: &[Output], engine: &Engine) -> Summary {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Summary(s) => Some((**s).clone()),
            _ => None,
        })
        .unwrap_or_else(|| engine.summary())
}

/// Saves a call the way the app does: events and outputs as they happen, then finish.
fn save_call(store: &Store, agent: &str, started_at: i64, notes: &str) -> (SessionId, Summary) {
    let w = store.begin_session(meta(agent, started_at)).unwrap();
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let mut all = Vec::new();
    for e in call_events() {
        w.append_event(&e).unwrap();
        let out = engine.feed(&e);
        w.append_outputs(&out).unwrap();
        all.extend(out);
    }
    let s = summary_of(&all, &engine);
    let id = w.finish(&s, notes).unwrap();
    (id, s)
}

fn integrity_ok(path: &Path) {
    let c = Connection::open(path).unwrap();
    let r: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, "ok");
}

#[test]
fn a_call_is_saved_masked_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let (id, summary) = save_call(
        &store,
        "alex",
        1_700_000_000_000,
        "Refund ticket raised. Card 4111-1111-1111-1111.",
    );

    let d = store.show(id).unwrap();
    assert_eq!(d.session.status, Status::Complete);
    assert_eq!(d.session.agent, "alex");
    assert_eq!(d.session.duration_ms, Some(summary.duration_ms as i64));
    assert_eq!(
        d.session.ended_at,
        Some(1_700_000_000_000 + summary.duration_ms as i64)
    );
    assert_eq!(d.session.nudge_count, summary.nudges.len() as i64);
    let events = d.timeline.iter().filter(|t| t.origin == "event").count();
    assert_eq!(events, call_events().len());
    let note = d.note.expect("note drafted");
    assert!(note.body.contains("**Outcome:**"), "{}", note.body);
    assert!(note.body.contains("Refund ticket raised."), "{}", note.body);
    assert!(note.body.contains("## Pacing"));
    assert_eq!(d.checklist.len(), summary.checklist.len());
    assert_eq!(d.follow_ups.len(), summary.follow_ups.len());
    assert_eq!(d.note_history.len(), 1);

    // Nothing on disk holds the card number or the email, in any table.
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    let wal = std::fs::read(path.with_extension("db-wal")).unwrap_or_default();
    for bytes in [raw, wal] {
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains("4111 1111 1111 1111"));
        assert!(!hay.contains("4111-1111-1111-1111"));
        assert!(!hay.contains("jane@example.com"));
    }
    integrity_ok(&path);
}

#[test]
fn the_note_lists_follow_up_nudges_and_notes_when_the_engine_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let (id, s) = save_call(&store, "alex", 1_700_000_000_000, "");
    let body = store.show(id).unwrap().note.unwrap().body;
    for f in &s.follow_ups {
        assert!(
            body.contains("## Follow-up") && body.contains(&parley::engine::timefmt::mmss(f.at_ms))
        );
        if f.due_in_ms.is_some() {
            assert!(body.contains("due 20"), "{body}");
        }
    }
    for n in &s.nudges {
        assert!(body.contains(&n.nudge.headline), "{body}");
    }
    for n in &s.agent_notes {
        assert!(body.contains(&parley::store::mask::mask(n)), "{body}");
    }
    assert!(!body.contains("jane@example.com"));
}

#[test]
fn migrations_run_from_empty_and_from_every_earlier_version() {
    for from in 0..=schema::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = db(&dir);
        {
            let mut c = Connection::open(&path).unwrap();
            schema::migrate_to(&mut c, &path, from).unwrap();
            if from >= 1 {
                c.execute(
                    "INSERT INTO sessions (agent, started_at, playbook, status, source, nudge_count, heeded_count)
                     VALUES ('old', 1, 'difficult-call', 'complete', 'test', 4, 3)",
                    [],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        let c = Connection::open(&path).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema::LATEST, "from version {from}");
        if from >= 1 {
            let page = store.list(&Default::default()).unwrap();
            assert_eq!(page.total, 1, "from version {from}");
            // Version 2 derived the ratio for rows written before it.
            let want = (from < 2).then_some(0.75);
            assert_eq!(page.items[0].heeded_ratio, want, "from version {from}");
        }
        drop(store);
        integrity_ok(&path);
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", schema::LATEST + 1)
        .unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found, .. } if found == schema::LATEST + 1));
    let msg = err.to_string();
    assert!(
        msg.contains("sessions.db") && msg.contains("update Parley"),
        "{msg}"
    );
    let v: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, schema::LATEST + 1);
}

#[test]
fn a_negative_schema_version_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", -3)
        .unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(
        matches!(err, StoreError::BadVersion { found: -3, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("sessions.db") && msg.contains("-3") && msg.contains("move it aside"),
        "{msg}"
    );
    let v: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, -3, "the file is left as it was");
}

#[test]
fn a_garbage_file_is_reported_corrupt_and_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("move it aside"));
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[cfg(unix)]
#[test]
fn read_only_file_and_folder_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("--db"));

    let ro_dir = dir.path().join("ro");
    std::fs::create_dir(&ro_dir).unwrap();
    std::fs::set_permissions(&ro_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let err = Store::open(ro_dir.join("new.db")).err().expect("refused");
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    std::fs::set_permissions(&ro_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_database_locked_by_another_connection_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    let other = Connection::open(&path).unwrap();
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO tags SELECT 0, 'x' WHERE 0;")
        .unwrap();
    let opts = StoreOptions {
        busy_timeout_ms: 50,
        ..StoreOptions::default()
    };
    let err = Store::open_with(&path, opts).err().expect("refused");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("another process"));
    other.execute_batch("COMMIT").unwrap();
}

#[test]
fn a_writer_busy_elsewhere_gives_locked_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open_with(
        &path,
        StoreOptions {
            busy_timeout_ms: 50,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.begin_session(meta("a", 1)).err().expect("refused");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    other.execute_batch("COMMIT").unwrap();
    // And it works again once the other writer is done.
    save_call(&store, "a", 1, "");
}

#[test]
fn a_session_left_live_by_a_dead_process_is_closed_as_interrupted_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(Store::open(&path).unwrap());
    // What a killed process leaves: a live row and its events, no lock held.
    {
        let c = Connection::open(&path).unwrap();
        c.execute(
            "INSERT INTO sessions (id, agent, started_at, playbook, status, source) VALUES (7, 'alex', 1700000000000, 'difficult-call', 'live', 'test')",
            [],
        )
        .unwrap();
        let events = call_events();
        for (i, e) in events[..events.len() - 1].iter().enumerate() {
            c.execute(
                "INSERT INTO events (session_id, seq, at_ms, kind, json) VALUES (7, ?1, ?2, 'x', ?3)",
                rusqlite::params![i as i64, e.at_ms() as i64, serde_json::to_string(e).unwrap()],
            )
            .unwrap();
        }
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.recovered(), &[7]);
    let d = store.show(7).unwrap();
    assert_eq!(d.session.status, Status::Interrupted);
    assert!(d.session.outcome.is_some());
    assert_eq!(d.session.duration_ms, Some(63_000));
    let note = d.note.expect("drafted");
    assert!(note.body.contains("Interrupted"), "{}", note.body);
    // Re-opening does not recover it again.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert!(store.recovered().is_empty());
    integrity_ok(&path);
}

#[test]
fn a_session_another_store_is_writing_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let app = Store::open(&path).unwrap();
    let w = app.begin_session(meta("alex", 1)).unwrap();
    w.append_events(&call_events()[..3]).unwrap();
    w.flush().unwrap();
    // Another opener (say the CLI) while the call is live.
    let cli = Store::open(&path).unwrap();
    assert!(cli.recovered().is_empty());
    assert_eq!(cli.show(w.id()).unwrap().session.status, Status::Live);
    // Dropped without finishing: closed as interrupted right away.
    let id = w.id();
    drop(w);
    app.flush().unwrap();
    assert_eq!(cli.show(id).unwrap().session.status, Status::Interrupted);
}

#[test]
fn a_reader_sees_appends_while_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let w = store.begin_session(meta("alex", 1)).unwrap();
    let id = w.id();
    // The writer reports each committed chunk and goes straight on with the next one, so the
    // reader's queries run while appends are in flight.
    let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<u64>(16);
    let writer = std::thread::spawn(move || {
        for chunk in 1..=10u64 {
            for i in 0..2_000u64 {
                w.append_event(&Event::Tick {
                    at_ms: chunk * 10_000 + i,
                })
                .unwrap();
            }
            w.flush().unwrap();
            chunk_tx.send(chunk * 2_000).unwrap();
        }
        w
    });
    let reader = Store::open(&path).unwrap();
    let c = Connection::open(&path).unwrap();
    let mut last = 0;
    for committed in chunk_rx.iter() {
        let n: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM events WHERE session_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            n >= committed as i64 && n >= last,
            "read {n} after {committed} committed (before: {last})"
        );
        last = n;
        let page = reader.list(&Default::default()).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].status, Status::Live);
    }
    assert_eq!(last, 20_000);
    let w = writer.join().unwrap();
    let s = Engine::new(Arc::new(Playbook::builtin())).summary();
    w.finish(&s, "").unwrap();
    integrity_ok(&path);
}

#[test]
fn edits_to_the_note_keep_history_and_stay_masked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(db(&dir)).unwrap();
    let (id, _) = save_call(&store, "alex", 1, "");
    store
        .edit_note(id, "Customer refunded; zebra. SSN 123-45-6789", "alex")
        .unwrap();
    let d = store.show(id).unwrap();
    let note = d.note.unwrap();
    assert_eq!(note.body, "Customer refunded; zebra. SSN [ssn]");
    assert_eq!(note.edited_by.as_deref(), Some("alex"));
    assert!(note.edited_at.is_some());
    assert_eq!(d.note_history.len(), 2);
    assert_eq!(d.note_history[0].saved_by, "parley");
    assert_eq!(d.note_history[1].saved_by, "alex");
    assert_eq!(store.search("zebra", 10, 0).unwrap().total, 1);
    assert_eq!(store.search("Pacing", 10, 0).unwrap().total, 0);
    assert!(matches!(
        store.edit_note(999, "x", "alex"),
        Err(StoreError::NotFound { id: 999, .. })
    ));
}

#[test]
fn default_path_prefers_flag_then_env_then_data_dir() {
    let flag = Path::new("/tmp/flag.db");
    assert_eq!(parley::store::default_path(Some(flag)).unwrap(), flag);
    std::env::set_var(parley::store::DB_ENV, "/tmp/env.db");
    assert_eq!(
        parley::store::default_path(None).unwrap(),
        Path::new("/tmp/env.db")
    );
    assert_eq!(parley::store::default_path(Some(flag)).unwrap(), flag);
    std::env::remove_var(parley::store::DB_ENV);
    let p = parley::store::default_path(None).unwrap();
    assert!(p.ends_with("parley.db"), "{}", p.display());
}
