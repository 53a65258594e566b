//! The sync outbox in the local store (no server needed): what gets queued, when it is queued
//! again, and that an acknowledgement for an older version leaves a newer one queued.

use std::sync::Arc;

use parley::engine::event::{Event, Speaker, Utterance};
use parley::engine::output::Output;
use parley::engine::{Engine, Playbook};
use parley::store::{schema, SessionMeta, Store};
use parley::team::credentials;
use rusqlite::Connection;

fn meta() -> SessionMeta {
    SessionMeta {
        agent: "alice".into(),
        playbook: "difficult-call".into(),
        source: "test".into(),
        started_at: 1_760_000_000_000,
    }
}

/// Runs a short call through the engine into the store; returns its id.
fn call(store: &Store, finish: bool) -> i64 {
    let w = store.begin_session(meta()).unwrap();
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let events = [
        Event::CallStarted {
            at_ms: 0,
            agent: Some("alice".into()),
            customer_name: None,
        },
        Event::Utterance(Utterance {
            speaker: Speaker::Customer,
            text: "My bill is wrong again, card 4111 1111 1111 1111".into(),
            start_ms: 500,
            end_ms: 4000,
            is_final: true,
        }),
        Event::CallEnded {
            at_ms: 9000,
            reason: None,
        },
    ];
    let mut summary = None;
    for e in &events {
        w.append_event(e).unwrap();
        let out = engine.feed(e);
        w.append_outputs(&out).unwrap();
        summary = summary.or_else(|| {
            out.into_iter().find_map(|o| match o {
                Output::Summary(s) => Some(*s),
                _ => None,
            })
        });
    }
    let id = w.id();
    if finish {
        w.finish(&summary.unwrap(), "").unwrap();
    } else {
        w.flush().unwrap();
        std::mem::forget(w);
    }
    id
}

#[test]
fn a_closed_session_is_queued_once_with_a_global_id_and_a_live_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    let done = call(&store, true);
    let live = call(&store, false);
    let queued: Vec<i64> = store
        .outbox()
        .unwrap()
        .iter()
        .map(|i| i.session_id)
        .collect();
    assert_eq!(queued, [done]);
    assert!(store.sync_payload(live).unwrap().is_none());
    let p = store.sync_payload(done).unwrap().unwrap();
    assert_eq!(p.uid.len(), 32);
    assert!(p.uid.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(p.transcript.contains("customer: My bill is wrong again"));
    assert!(!p.transcript.contains("4111"), "masked: {}", p.transcript);
    assert_eq!(p.detail.session.id, done);
    assert!(!p.detail.timeline.is_empty());
    assert!(p.summary.is_some());
    // Another session gets another id.
    let other = call(&store, true);
    assert_ne!(store.sync_payload(other).unwrap().unwrap().uid, p.uid);
}

#[test]
fn an_edit_during_a_push_stays_queued_for_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    let id = call(&store, true);
    let read = store.sync_payload(id).unwrap().unwrap();
    // The note is edited after the push read the session but before it was acknowledged.
    store.edit_note(id, "Refund agreed.", "alice").unwrap();
    assert!(!store.outbox_done(id, read.version).unwrap());
    let again = store.sync_payload(id).unwrap().unwrap();
    assert!(again.version > read.version);
    assert_eq!(again.detail.note.unwrap().body, "Refund agreed.");
    assert_eq!(again.detail.note_history.len(), 2);
    assert!(store.outbox_done(id, again.version).unwrap());
    assert!(store.outbox().unwrap().is_empty());
    // Tags changed later queue it again.
    store.set_tags(id, &["coached".into()]).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 1);
}

#[test]
fn a_follow_up_marked_done_later_queues_the_session_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(&path).unwrap();
    let id = call(&store, true);
    let fu: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "INSERT INTO follow_ups (session_id, at_ms, text, due_at) VALUES (?1, 5000, 'call back', 0)
             RETURNING id",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    let read = store.sync_payload(id).unwrap().unwrap();
    assert!(store.outbox_done(id, read.version).unwrap());
    assert!(store.outbox().unwrap().is_empty());
    store.set_follow_up_done(fu, true).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 1);
    let again = store.sync_payload(id).unwrap().unwrap();
    assert!(again.detail.follow_ups.iter().all(|f| f.done));
}

#[test]
fn a_refused_session_waits_out_its_backoff_and_keeps_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    let id = call(&store, true);
    store.outbox_failed(id, "not in a team", i64::MAX).unwrap();
    assert!(store.outbox_due(0, 10).unwrap().is_empty());
    let item = &store.outbox().unwrap()[0];
    assert_eq!(item.attempts, 1);
    assert_eq!(item.last_error.as_deref(), Some("not in a team"));
    // Requeueing everything (after a server reset, say) makes it due again.
    assert_eq!(store.outbox_requeue_all().unwrap(), 1);
    assert_eq!(store.outbox_due(0, 10).unwrap().len(), 1);
}

#[test]
fn upgrading_queues_sessions_closed_before_the_outbox_existed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut c = Connection::open(&path).unwrap();
        schema::migrate_to(&mut c, &path, 2).unwrap();
        c.execute_batch(
            "INSERT INTO sessions (agent, started_at, playbook, status, source) VALUES
                ('old', 1, 'difficult-call', 'complete', 'test'),
                ('old', 2, 'difficult-call', 'interrupted', 'test');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 2);
    let c = Connection::open(&path).unwrap();
    let distinct: i64 = c
        .query_row(
            "SELECT count(DISTINCT uid) FROM sessions WHERE uid IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(distinct, 2);
}

#[test]
fn the_credentials_file_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf").join("team-server.url");
    assert!(credentials::load(&path).unwrap().is_none());
    let url = "postgresql://alice:s3cret@127.0.0.1:5432/parley";
    let saved = credentials::save(&path, url).unwrap();
    assert_eq!(saved.to_string(), "alice@127.0.0.1:5432/parley");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        credentials::load(&path).unwrap().unwrap().to_string(),
        "alice@127.0.0.1:5432/parley"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let err = credentials::load(&path).err().unwrap().to_string();
    assert!(
        err.contains("others can read it") && err.contains("team-server.url"),
        "{err}"
    );
    assert!(!err.contains("s3cret"));
    // Saving again fixes the permissions.
    credentials::save(&path, url).unwrap();
    assert!(credentials::load(&path).is_ok());
    // A URL that cannot be read is refused without repeating it (it may hold a password).
    for bad in [
        "mysql://a:s3cret@h/db",
        "postgresql://a:s3cret@h:notaport/db",
    ] {
        let e = parley::team::ServerUrl::parse(bad)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not valid") && !e.contains("s3cret"), "{e}");
    }
}
