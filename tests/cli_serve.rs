//! `parley serve` as a person runs it: a call sent with `parley send` is coached, saved and
//! listed by `parley sessions list`. The server runs on a free port with its own database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

const TOKEN: &str = "serve-test-token-0123456789";

fn parley() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parley"))
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(name)
}

struct Serve {
    child: Child,
    stdout: BufReader<ChildStdout>,
    stderr: BufReader<ChildStderr>,
    url: String,
}

impl Serve {
    fn start(db: &Path, extra: &[&str]) -> Serve {
        let mut child = parley()
            .args(["serve", "--port", "0", "--token", TOKEN, "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let line = read_until(&mut stderr, "parley live endpoint: ");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("ws://"))
            .unwrap()
            .to_string();
        Serve {
            child,
            stdout,
            stderr,
            url,
        }
    }

    /// Ctrl-C, as a person stops it; returns the rest of its stderr.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stderr, &mut rest).unwrap();
        assert!(status.success(), "serve exited with {status}: {rest}");
        rest
    }
}

/// Reads lines until one contains `marker` (a line per event: the reads block, never sleep).
fn read_until(reader: &mut impl BufRead, marker: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "ended before {marker:?}; output so far:\n{seen}");
        if line.contains(marker) {
            return line;
        }
        seen.push_str(&line);
    }
}

#[test]
fn a_call_sent_to_serve_is_coached_saved_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let mut serve = Serve::start(&db, &[]);
    let sent = parley()
        .args([
            "send", "--speed", "max", "--token", TOKEN, "--url", &serve.url,
        ])
        .arg(sample("interrupting-agent.jsonl"))
        .output()
        .unwrap();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    read_until(&mut serve.stdout, ">>> interruption");
    let saved = read_until(&mut serve.stdout, "saved as session");
    assert!(saved.contains("session 1"), "{saved}");
    let list = parley()
        .args(["sessions", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let rows = page["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{page}");
    assert_eq!(rows[0]["source"], "endpoint");
    assert_eq!(rows[0]["status"], "complete");
    assert!(rows[0]["nudge_count"].as_i64().unwrap() >= 1, "{page}");
    serve.stop();
}

#[test]
fn a_speed_that_overflows_a_duration_is_refused_clearly() {
    for command in ["replay", "send"] {
        let out = parley()
            .args([command, "--speed", "1e-300"])
            .arg(sample("model-call.jsonl"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command}");
        assert!(
            err.contains("--speed") && err.contains("out of range") && !err.contains("panicked"),
            "{command}: {err}"
        );
    }
}

#[test]
fn capture_with_a_model_file_that_does_not_exist_stops_before_a_call_starts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parley.db");
    let missing = dir.path().join("ggml-missing.bin");
    let out = parley()
        .args([
            "serve",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--capture",
            "--db",
        ])
        .arg(&db)
        .arg("--stt-model")
        .arg(&missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "speech-to-text model {}: no such file",
            missing.display()
        )),
        "{err}"
    );
    // No call was started and left unfinished.
    let list = parley()
        .args(["sessions", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success() && listed.contains("\"total\": 0"),
        "{listed}"
    );
}
