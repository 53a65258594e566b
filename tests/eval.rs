//! The harness on the project's own small sample (tests/fixtures/eval), so CI needs no outside
//! data: every detector and whole calls through the engine, and the command line around it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use parley::engine::{Coach, Playbook};
use parley::eval::{self, EvalError};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval")
}

fn report() -> eval::Report {
    match eval::run(
        &sample(),
        None,
        &Coach::new(Arc::new(Playbook::builtin())),
        "built-in",
    ) {
        Ok(r) => r,
        Err(e) => panic!("harness on the sample: {e}"),
    }
}

#[test]
fn boundary_figures_on_the_sample() {
    let r = report();
    let b = &r.boundary[0];
    assert!(b.boundary.f1 >= 0.85, "F1 {}", b.boundary.f1);
    assert!(
        b.boundary.precision >= 0.99,
        "precision {}",
        b.boundary.precision
    );
    assert_eq!(b.abuse_rate["NOT"].flagged, 0);
    assert_eq!(b.abuse_rate["UNT"].flagged, 0);
    assert_eq!(b.abuse_rate["OTH"].flagged, 0);
    assert_eq!(b.abuse_rate["IND 3rd person"].flagged, 0);
    // Swearing at the weather is venting: it earns an acknowledgement instead.
    assert_eq!(b.venting_rate["UNT"].rate, 1.0);
}

#[test]
fn paraphrase_figures_on_the_sample() {
    let r = report();
    let p = &r.paraphrase[0];
    assert!(
        p.framed.precision >= 0.9 && p.framed.recall >= 0.7,
        "{:?}",
        p.framed
    );
    assert_eq!(p.frame_alone.flagged, 0);
    assert_eq!(p.frame_alone.n, 10);
}

#[test]
fn whole_calls_through_the_engine() {
    let r = report();
    let c = &r.calls[0];
    assert_eq!(c.calls, 2);
    assert_eq!(c.boundary_nudges, 0);
    assert!(
        c.nudges_per_call <= 1.0,
        "{} nudges per call",
        c.nudges_per_call
    );
    assert!(c.talk_share_max_gap_points <= 2.0);
    assert_eq!(c.overlaps_timings, 1);
    assert_eq!(c.overlaps_seen, c.overlaps_timings);
}

#[test]
fn missing_data_is_a_clear_error() {
    let missing = sample().join("no-such-folder");
    match eval::run(
        &missing,
        None,
        &Coach::new(Arc::new(Playbook::builtin())),
        "built-in",
    ) {
        Err(EvalError::NoData { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected NoData, got {:?}", other.map(|r| r.data)),
    }
}

#[test]
fn bad_lines_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("olid_bad.tsv");
    std::fs::write(&file, "id\ttweet\ta\tb\tc\n1\tonly two\n").unwrap_or_else(|e| panic!("{e}"));
    let err = match eval::run(
        dir.path(),
        None,
        &Coach::new(Arc::new(Playbook::builtin())),
        "built-in",
    ) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a bad line must fail"),
    };
    assert!(err.contains("olid_bad.tsv line 2"), "{err}");
}

#[test]
fn command_line_prints_the_table_and_json() {
    let bin = env!("CARGO_BIN_EXE_parley");
    let out = Command::new(bin)
        .args(["eval", "--data"])
        .arg(sample())
        .output()
        .unwrap_or_else(|e| panic!("running parley: {e}"));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("playbook: built-in difficult-call"), "{text}");
    assert!(text.contains("boundary vs venting"));

    let out = Command::new(bin)
        .args(["eval", "--json", "--data"])
        .arg(sample())
        .output()
        .unwrap_or_else(|e| panic!("running parley: {e}"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("eval --json must print JSON: {e}"));
    assert_eq!(json["calls"][0]["boundary_nudges"], 0);

    let out = Command::new(bin)
        .args(["eval", "--data", "/nonexistent/parley-eval"])
        .output()
        .unwrap_or_else(|e| panic!("running parley: {e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no evaluation data"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any bytes in any of the three inputs give a report or a clean error, never a panic.
    #[test]
    fn any_bytes_give_a_report_or_an_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400), which in 0usize..3) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = match which {
            0 => dir.path().join("olid_x.tsv"),
            1 => dir.path().join("mrpc_x.txt"),
            _ => {
                let calls = dir.path().join("calls_x");
                std::fs::create_dir(&calls).unwrap_or_else(|e| panic!("{e}"));
                calls.join("c.jsonl")
            }
        };
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = eval::run(dir.path(), None, &Coach::new(Arc::new(Playbook::builtin())), "built-in") {
            proptest::prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn detectors_take_any_text(text in "\\PC{0,200}") {
        let pb = Playbook::builtin();
        let abuse = parley::engine::language::AbuseDetector::new(&pb.language.abuse)
            .unwrap_or_else(|e| panic!("{e}"));
        let para = parley::engine::language::ParaphraseDetector::new(&pb.language.paraphrase)
            .unwrap_or_else(|e| panic!("{e}"));
        abuse.classify(&text);
        para.check(&[text.as_str()], &text);
    }
}
