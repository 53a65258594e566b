//! The `parley replay` command as a person runs it: output, JSON lines, exit codes, errors.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary with its own session database, so tests never touch the user's.
fn parley() -> Command {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let db = std::env::temp_dir().join(format!("parley-cli-{}-{n}.db", std::process::id()));
    let mut c = Command::new(env!("CARGO_BIN_EXE_parley"));
    c.env("PARLEY_DB", db);
    c
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(name)
}

#[test]
fn replay_prints_the_timeline_and_a_summary() {
    let out = parley()
        .arg("replay")
        .arg(sample("interrupting-agent.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(">>> interruption: Let them finish  (overlap 2.0 s at 00:13)"),
        "{text}"
    );
    assert!(text.contains("[x] open"), "{text}");
    assert!(text.contains("Summary ("), "{text}");
    assert!(text.contains("interruptions 2"), "{text}");
}

#[test]
fn replay_json_is_one_object_per_line_ending_with_the_summary() {
    let out = parley()
        .args(["replay", "--json"])
        .arg(sample("abusive-customer.srt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let boundary: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|v| v["type"] == "nudge" && v["rule"] == "boundary")
        .collect();
    assert_eq!(boundary.len(), 3);
    for key in ["at_ms", "headline", "script", "reason", "priority"] {
        assert!(
            boundary[0].get(key).is_some(),
            "nudge line lacks {key}: {}",
            boundary[0]
        );
    }
    assert!(lines
        .iter()
        .any(|v| v["type"] == "tick" && v["item"] == "open" && v["at_ms"].is_u64()));
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["outcome"], "ended_for_abuse");
}

#[test]
fn bad_file_gives_exit_2_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"speaker\": \"agent\", \"start\": 1.0, \"end\": 2.0, \"text\": \"hi\"}\n{not json}\n",
    )
    .unwrap();
    let out = parley()
        .args(["replay", "--no-save"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl") && err.contains('2'), "{err}");
}

#[test]
fn missing_file_and_bad_speed_are_refused() {
    let out = parley()
        .args(["replay", "/no/such/call.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/call.jsonl"));
    let out = parley()
        .args(["replay", "--speed", "fast"])
        .arg(sample("model-call.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fast"));
}

#[test]
fn bad_playbook_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("team.toml");
    let src = parley::engine::Playbook::builtin_source().replacen(
        "dead_air_s = 8.0",
        "dead_air_s = -1.0",
        1,
    );
    std::fs::write(&pb, &src).unwrap();
    let line = src
        .lines()
        .position(|l| l.starts_with("dead_air_s"))
        .unwrap()
        + 1;
    let out = parley()
        .arg("replay")
        .arg(sample("model-call.jsonl"))
        .arg("--playbook")
        .arg(&pb)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("team.toml line {line}")) && err.contains("dead_air_s"),
        "{err}"
    );
}

#[test]
fn replay_saves_the_session_with_its_note_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let out = parley()
        .args(["replay", "--agent", "Jordan", "--db"])
        .arg(&db)
        .arg(sample("follow-up-promise.vtt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("saved as session"));

    let list = parley()
        .args(["sessions", "list", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(list.contains("Jordan"), "{list}");

    let show = parley()
        .args(["sessions", "show", "1", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let show = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(
        show.contains("follow_up") || show.contains("follow-up") || show.contains("Follow"),
        "{show}"
    );
    assert!(
        show.to_lowercase().contains("48"),
        "the promise and its due time belong in the note: {show}"
    );
}
