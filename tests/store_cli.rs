//! `parley sessions ...` and `parley followups` against a real database file.

use std::path::Path;
use std::process::{Command, Output};

fn parley(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("PARLEY_DB")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn sessions_commands_work_on_a_saved_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let wrote = ok(&parley(
        &db,
        &[
            "sessions",
            "_write-test",
            "--events",
            "20",
            "--rate",
            "100000",
        ],
    ));
    assert!(wrote.contains("finished 1"), "{wrote}");

    let list = ok(&parley(&db, &["sessions", "list"]));
    assert!(
        list.contains("write-test") && list.contains("complete"),
        "{list}"
    );
    assert!(list.contains("1-1 of 1"), "{list}");
    let none = ok(&parley(&db, &["sessions", "list", "--agent", "nobody"]));
    assert!(none.contains("no sessions"), "{none}");

    let show = ok(&parley(&db, &["sessions", "show", "1"]));
    assert!(
        show.contains("## Timeline") && show.contains("[card]"),
        "{show}"
    );
    assert!(!show.contains("4111"), "{show}");

    let found = ok(&parley(&db, &["sessions", "search", "refund"]));
    assert!(found.contains("1-1 of 1"), "{found}");

    let csv = ok(&parley(&db, &["sessions", "export", "--format", "csv"]));
    assert!(csv.starts_with("id,agent,started_at"), "{csv}");
    assert_eq!(
        csv.lines()
            .filter(|l| l.starts_with("1,write-test,"))
            .count(),
        1
    );
    let json = ok(&parley(&db, &["sessions", "export", "--id", "1"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["session"]["id"], 1);

    let fu = ok(&parley(&db, &["followups", "--due", "overdue"]));
    assert!(fu.contains("no follow-ups"), "{fu}");

    let note = dir.path().join("note.md");
    std::fs::write(&note, "Called back; card 4111 1111 1111 1111 noted.").unwrap();
    ok(&parley(
        &db,
        &[
            "sessions",
            "note",
            "1",
            "--by",
            "lead",
            "--file",
            note.to_str().unwrap(),
        ],
    ));
    let show = ok(&parley(&db, &["sessions", "show", "1"]));
    assert!(
        show.contains("Called back; card [card] noted.") && show.contains("by lead"),
        "{show}"
    );
    ok(&parley(&db, &["sessions", "tag", "1", "review", "billing"]));
    let tagged = ok(&parley(&db, &["sessions", "list", "--tag", "review"]));
    assert!(tagged.contains("billing,review"), "{tagged}");
}

#[test]
fn bad_input_gives_a_clear_error_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bad.db");
    std::fs::write(
        &db,
        b"this is not a database, just some text that fills a page....",
    )
    .unwrap();
    let out = parley(&db, &["sessions", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.db") && err.contains("not a valid database"),
        "{err}"
    );

    let db = dir.path().join("good.db");
    let out = parley(&db, &["sessions", "show", "42"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("session 42 not found"));
    let out = parley(&db, &["followups", "--due", "someday"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_database_with_a_negative_schema_version_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("odd.db");
    ok(&parley(&db, &["sessions", "list"]));
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", -1)
        .unwrap();
    let out = parley(&db, &["sessions", "list"]);
    assert_eq!(out.status.code(), Some(1), "an error exit, not a panic");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("odd.db") && err.contains("schema version -1"),
        "{err}"
    );
}
