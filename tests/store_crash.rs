//! Crash safety: a real `parley` process appending a call is killed with SIGKILL; the next open
//! finds the events up to about a second before the kill, closes the session as interrupted
//! with a drafted note, and the database passes its integrity check.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parley::store::{Status, Store};
use rusqlite::Connection;

const RATE: u64 = 200;
const KILL_AFTER: u64 = 600;

#[test]
fn a_writer_killed_mid_call_loses_at_most_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .arg("sessions")
        .arg("_write-test")
        .arg("--db")
        .arg(&path)
        .args(["--events", "1000000", "--rate", &RATE.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let id: i64 = first.strip_prefix("session ").unwrap().parse().unwrap();
    let mut seen: Vec<(Instant, u64)> = Vec::new();
    for line in lines {
        let line = line.unwrap();
        let n: u64 = line.strip_prefix("appended ").unwrap().parse().unwrap();
        seen.push((Instant::now(), n));
        if n >= KILL_AFTER {
            break;
        }
    }
    child.kill().unwrap();
    let killed_at = Instant::now();
    child.wait().unwrap();

    // What had been appended a second before the kill must be on disk.
    let floor = seen
        .iter()
        .rev()
        .find(|(t, _)| killed_at.duration_since(*t) >= Duration::from_secs(1))
        .map(|(_, n)| *n)
        .unwrap();
    let last = seen.last().unwrap().1;

    let store = Store::open(&path).unwrap();
    assert_eq!(store.recovered(), &[id]);
    let d = store.show(id).unwrap();
    assert_eq!(d.session.status, Status::Interrupted);
    let saved = d
        .timeline
        .iter()
        .filter(|t| t.origin == "event" && t.kind == "utterance")
        .count() as u64;
    assert!(
        saved >= floor && saved <= last + RATE,
        "saved {saved} utterances; {floor} were appended a second before the kill, {last} in all"
    );
    eprintln!("kill after {last} appended: {saved} saved, {floor} required");
    let note = d.note.expect("note drafted on recovery");
    assert!(note.body.contains("Interrupted"), "{}", note.body);
    assert!(d.session.duration_ms.is_some());
    for t in &d.timeline {
        assert!(
            !t.json.to_string().contains("4111 1111"),
            "unmasked: {}",
            t.json
        );
    }
    drop(store);

    let c = Connection::open(&path).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let live: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM sessions WHERE status = 'live'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(live, 0);
}
