//! The real app, driven as a person would through tauri-driver and WebKitWebDriver.
//! Run by `scripts/ui-test.sh`, which starts Xvfb, a dbus session and tauri-driver, and sets
//! PARLEY_PICK_FILE / PARLEY_EXPORT_DIR (a GTK file chooser cannot be driven by WebDriver).
#![cfg(feature = "desktop")]

#[path = "webdriver/client.rs"]
mod client;
#[path = "support/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use client::Driver;
use parley::desktop::replay;
use parley::engine::{Engine, Output, Playbook};
use serde_json::{json, Value};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/ui-test.sh"))
}

/// Records, in the page, each nudge and tick the moment it is drawn.
const RECORDER: &str = r#"
window.seen = [];
const note = () => {
  const n = document.getElementById('nudge').dataset.nudge;
  if (n && !window.seen.includes('nudge:' + n)) window.seen.push('nudge:' + n);
  for (const li of document.querySelectorAll('#checklist li[data-done="1"]')) {
    const k = 'tick:' + li.dataset.item;
    if (!window.seen.includes(k)) window.seen.push(k);
  }
};
note();
new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
"#;

/// The same transcript through the engine alone: what the overlay must show, in order.
fn expected(path: &Path) -> Vec<String> {
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let mut out = Vec::new();
    for e in replay::read(path).unwrap() {
        for o in engine.feed(&e) {
            match o {
                Output::Nudge(n) => out.push(format!("nudge:{}", n.id)),
                Output::Tick { item, .. } => out.push(format!("tick:{item}")),
                _ => {}
            }
        }
    }
    out
}

fn save_png(name: &str, png: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[test]
#[ignore = "needs Xvfb, dbus and tauri-driver: run scripts/ui-test.sh"]
fn replay_note_review_and_export() {
    let app = env("PARLEY_APP");
    let transcript = PathBuf::from(env("PARLEY_PICK_FILE"));
    let export_dir = PathBuf::from(env("PARLEY_EXPORT_DIR"));
    let d = Driver::start(&env("WEBDRIVER_ADDR"), &app).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(&d, &transcript, &export_dir)
    }));
    if let Err(e) = d.quit() {
        eprintln!("closing the WebDriver session: {e}");
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn run(d: &Driver, transcript: &Path, export_dir: &Path) {
    d.switch_to_title("Parley").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();

    // No call before the agent's name is given: the overlay says where to give it.
    d.click("#replay").unwrap();
    d.wait_for("!document.getElementById('error').hidden")
        .unwrap();
    assert!(d.text("#error").unwrap().contains("enter your name first"));
    d.click("#review").unwrap();
    d.switch_to_new_window("Parley review").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();
    d.click("[data-tab=settings]").unwrap();
    d.wait_for("document.getElementById('settings').dataset.loaded")
        .unwrap();
    d.type_text("input[name=agent]", "Priya").unwrap();
    d.click("#settings button[type=submit]").unwrap();
    d.wait_for("document.getElementById('settings-msg').textContent === 'Settings saved'")
        .unwrap();
    d.switch_to_title("Parley").unwrap();
    d.exec(RECORDER, json!([])).unwrap();

    // Replay a call at 5x (the training speed) through the real engine and watch it arrive.
    d.exec("document.getElementById('speed').value = '5'", json!([]))
        .unwrap();
    d.click("#replay").unwrap();
    d.wait_for("document.body.dataset.call === 'live'").unwrap();
    // A picture of a nudge on screen: the first one still showing after its screenshot.
    for _ in 0..5 {
        d.wait_for("document.getElementById('nudge').dataset.nudge")
            .unwrap();
        let png = d.screenshot().unwrap();
        let still = d
            .exec(
                "return document.getElementById('nudge').dataset.nudge",
                json!([]),
            )
            .unwrap();
        if still.as_str().is_some_and(|s| !s.is_empty()) {
            save_png("overlay-live-nudge.png", &png);
            break;
        }
    }
    d.wait_for("!document.getElementById('draft').hidden")
        .unwrap();

    let mut lat: Vec<f64> = serde_json::from_value(
        d.exec("return window.parleyMetrics.latencies", json!([]))
            .unwrap(),
    )
    .unwrap();
    lat.sort_by(f64::total_cmp);
    if !lat.is_empty() {
        let pick = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize];
        eprintln!(
            "render latency (Rust state sent -> painted), {} states: median {} ms, p95 {} ms, max {} ms",
            lat.len(),
            pick(0.5),
            pick(0.95),
            pick(1.0)
        );
    }
    let seen: Vec<String> =
        serde_json::from_value(d.exec("return window.seen", json!([])).unwrap()).unwrap();
    let want = expected(transcript);
    // Every nudge and tick the engine produced was drawn, in the order it produced them.
    // A nudge shown only between two states may be replaced before paint; none may be invented.
    let ticks_want: Vec<&String> = want.iter().filter(|s| s.starts_with("tick:")).collect();
    let ticks_seen: Vec<&String> = seen.iter().filter(|s| s.starts_with("tick:")).collect();
    assert_eq!(ticks_seen, ticks_want, "checklist ticks in order");
    let nudges_seen: Vec<&String> = seen.iter().filter(|s| s.starts_with("nudge:")).collect();
    let nudges_want: Vec<&String> = want.iter().filter(|s| s.starts_with("nudge:")).collect();
    assert!(!nudges_seen.is_empty(), "a nudge was shown");
    let mut last = 0;
    for n in &nudges_seen {
        let at = nudges_want
            .iter()
            .position(|w| w == n)
            .unwrap_or_else(|| panic!("{n} not from the engine"));
        assert!(at >= last, "nudges out of order: {nudges_seen:?}");
        last = at;
    }

    // The drafted note opens for editing; save it.
    let draft: String = d
        .exec(
            "return document.getElementById('draft-text').value",
            json!([]),
        )
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(draft.contains("Outcome:"), "{draft}");
    d.type_text(
        "#draft-text",
        "\nCustomer calmer by the end; check the line test.",
    )
    .unwrap();
    d.click("#draft-save").unwrap();
    d.wait_for("document.body.dataset.call === 'idle'").unwrap();

    // The team lead finds the session, opens it, sees the edited note, and exports it.
    d.click("#review").unwrap();
    d.switch_to_title("Parley review").unwrap();
    d.click("[data-tab=sessions]").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();
    d.type_text("#q", "router").unwrap();
    d.click("#search").unwrap();
    d.wait_for("document.querySelector('#sessions tbody tr[data-id]')")
        .unwrap();
    // In the page: the list may redraw (the saved note's change) between finding and clicking.
    d.exec(
        "document.querySelector('#sessions tbody tr[data-id] td').click()",
        json!([]),
    )
    .unwrap();
    d.wait_for("document.getElementById('detail-note')")
        .unwrap();
    let note: Value = d
        .exec(
            "return document.getElementById('detail-note').value",
            json!([]),
        )
        .unwrap();
    assert!(
        note.as_str().unwrap().contains("check the line test"),
        "{note}"
    );
    let timeline = d.text("#timeline").unwrap();
    assert!(timeline.contains("Nudge:"), "timeline shows nudges");
    d.wait_for("document.querySelector('.chart polyline')")
        .unwrap();
    save_png("review-session.png", &d.screenshot().unwrap());

    d.click("#export-one-csv").unwrap();
    d.wait_for("document.body.dataset.exported").unwrap();
    let path = d
        .exec("return document.body.dataset.exported", json!([]))
        .unwrap();
    let path = PathBuf::from(path.as_str().unwrap());
    assert!(path.starts_with(export_dir), "{}", path.display());
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.starts_with("id,agent,started_at"), "{csv}");
    assert!(csv.contains("check the line test"), "{csv}");
}

/// Runs the app binary's command line (the same `parley` the window runs from).
fn cli(app: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(app)
        .args(args)
        .env_remove("PARLEY_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parley {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A team lead opens the team server in the review window: both agents' calls, a trend
/// chart, a call's scorecard (one criterion overridden) and a comment pinned to a moment.
#[test]
#[ignore = "needs Xvfb, dbus, tauri-driver and PostgreSQL: run scripts/ui-test.sh"]
fn team_review_lists_both_agents_with_trends_scorecard_and_comments() {
    let app = env("PARLEY_APP");
    let Some(pg) =
        pg::Pg::start("team_review_lists_both_agents_with_trends_scorecard_and_comments")
    else {
        return;
    };
    let admin = pg.admin_url();
    cli(&app, &["team", "setup", "--admin-url", &admin]);
    let add = |kind: &str, name: &str| {
        cli(
            &app,
            &["team", kind, name, "--team", "north", "--admin-url", &admin],
        )
        .trim()
        .to_string()
    };
    let alice = add("add-agent", "alice");
    let bob = add("add-agent", "bob");
    let lena = add("add-lead", "lena");
    let dir = tempfile::tempdir().unwrap();
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    for (agent, url, files) in [
        (
            "alice",
            &alice,
            &[
                "model-call.jsonl",
                "abusive-customer.srt",
                "interrupting-agent.jsonl",
            ][..],
        ),
        (
            "bob",
            &bob,
            &[
                "follow-up-promise.vtt",
                "fast-talker.jsonl",
                "fix-without-paraphrase.vtt",
            ][..],
        ),
    ] {
        let db = dir.path().join(format!("{agent}.db"));
        let db = db.to_str().unwrap();
        for f in files {
            let f = samples.join(f);
            cli(
                &app,
                &["replay", f.to_str().unwrap(), "--db", db, "--agent", agent],
            );
        }
        // Calls from the last three weeks, one a week, so the trend has weeks to show.
        let week = 7 * 86_400_000i64;
        rusqlite::Connection::open(db)
            .unwrap()
            .execute(
                "UPDATE sessions SET started_at = started_at - (3 - id) * ?1,
                    ended_at = ended_at - (3 - id) * ?1",
                [week],
            )
            .unwrap();
        let pushed = cli(&app, &["sync", "--url", url, "--db", db]);
        let local: Vec<String> = rusqlite::Connection::open(db)
            .unwrap()
            .prepare(
                "SELECT id || ' ' || status || ' ' || started_at || ' ' || source FROM sessions",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            pushed.starts_with("pushed 3 session(s)"),
            "{pushed} {local:?}"
        );
    }
    let on_server: i64 = pg
        .client(&admin)
        .query_one("SELECT count(*) FROM parley.sessions", &[])
        .unwrap()
        .get(0);
    assert_eq!(on_server, 6);

    let d = Driver::start(&env("WEBDRIVER_ADDR"), &app).unwrap();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_team(&d, &pg, &lena)));
    if let Err(e) = d.quit() {
        eprintln!("closing the WebDriver session: {e}");
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn run_team(d: &Driver, pg: &pg::Pg, lena: &str) {
    d.switch_to_title("Parley").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();
    d.click("#review").unwrap();
    d.switch_to_new_window("Parley review").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();

    // The setting: the lead's URL, checked and saved in the credentials file; then team mode.
    d.click("[data-tab=settings]").unwrap();
    d.wait_for("document.getElementById('settings').dataset.loaded")
        .unwrap();
    d.type_text("#team-url", lena).unwrap();
    d.click("#team-connect").unwrap();
    d.wait_for("document.getElementById('team-msg').textContent.includes('Connected')")
        .unwrap();
    let msg = d.text("#team-msg").unwrap();
    assert!(msg.contains("lena@") && msg.contains("lead"), "{msg}");
    assert!(
        msg.contains("reviewing only"),
        "a lead's URL does not take over syncing: {msg}"
    );
    assert!(
        !msg.contains(&lena[lena.find(':').unwrap() + 3..]),
        "no password on screen"
    );
    d.exec(
        "const c = document.querySelector('input[name=review_team]'); if (!c.checked) c.click();",
        json!([]),
    )
    .unwrap();
    d.exec(
        "const f = document.querySelector('input[name=agent]'); if (!f.value) f.value = 'Lena';",
        json!([]),
    )
    .unwrap();
    d.click("#settings button[type=submit]").unwrap();
    d.wait_for("document.body.dataset.mode === 'team'").unwrap();

    // Both agents' calls, from the server.
    d.click("[data-tab=sessions]").unwrap();
    if let Err(e) =
        d.wait_for("document.querySelectorAll('#sessions tbody tr[data-id]').length === 6")
    {
        panic!(
            "{e}; the list says {:?}, the status {:?}",
            d.text("#page-info"),
            d.text("#status")
        );
    }
    let agents: Vec<String> = serde_json::from_value(
        d.exec(
            "return [...document.querySelectorAll('#sessions tbody tr[data-id] td:nth-child(2)')].map(t => t.textContent)",
            json!([]),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(
        agents.iter().any(|a| a == "alice") && agents.iter().any(|a| a == "bob"),
        "{agents:?}"
    );
    assert!(d.text("#page-info").unwrap().contains("of 6 sessions"));
    let days: std::collections::BTreeSet<String> = serde_json::from_value::<Vec<String>>(
        d.exec(
            "return [...document.querySelectorAll('#sessions tbody tr[data-id] td:first-child')].map(t => t.textContent.slice(0, 10))",
            json!([]),
        )
        .unwrap(),
    )
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(days.len(), 3, "calls on three days a week apart: {days:?}");
    assert!(d.text("#source").unwrap().contains("Team server"));

    // Alice's call: the scorecard from the playbook, filled from the checklist.
    d.exec(
        "[...document.querySelectorAll('#sessions tbody tr[data-id]')].find(r => r.children[1].textContent === 'alice').children[0].click()",
        json!([]),
    )
    .unwrap();
    d.wait_for("document.querySelector('#scorecard table')")
        .unwrap();
    let card = d.text("#scorecard").unwrap();
    assert!(
        card.contains("Score ") && card.contains("Named the feeling"),
        "{card}"
    );

    // Override one criterion with a reason.
    d.type_text(
        "#scorecard tr[data-criterion=empathy] .ov-reason",
        "only a generic 'I understand'",
    )
    .unwrap();
    d.click("#scorecard tr[data-criterion=empathy] .ov-save")
        .unwrap();
    d.wait_for("document.querySelector('#scorecard tr[data-criterion=empathy] .ov')")
        .unwrap();
    assert!(d
        .text("#scorecard tr[data-criterion=empathy]")
        .unwrap()
        .contains("Overridden by lena"));

    // A comment pinned to a moment: click the timeline line, write, save.
    d.exec(
        "document.querySelectorAll('#timeline li.customer')[1].click()",
        json!([]),
    )
    .unwrap();
    let at = d
        .exec(
            "return document.getElementById('comment-at').value",
            json!([]),
        )
        .unwrap();
    assert!(at.as_str().is_some_and(|a| a.contains(':')), "{at}");
    d.type_text("#comment-body", "Good: you let her finish here")
        .unwrap();
    d.click("#comment-save").unwrap();
    d.wait_for("document.body.dataset.commented === '1'")
        .unwrap();
    assert!(d
        .text("#comments")
        .unwrap()
        .contains("Good: you let her finish here"));
    assert!(d
        .text("#timeline")
        .unwrap()
        .contains("lena: Good: you let her finish here"));
    d.exec(
        "document.querySelector('#scorecard tr[data-criterion=empathy]').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    save_png("review-team-session.png", &d.screenshot().unwrap());
    d.exec(
        "document.querySelector('#timeline li.comment').scrollIntoView({ block: 'center' })",
        json!([]),
    )
    .unwrap();
    save_png("review-team-timeline.png", &d.screenshot().unwrap());

    // On the server, as the lead did it.
    let mut c = pg.client(&pg.admin_url());
    let row = c
        .query_one(
            "SELECT author::text, at_ms FROM parley.comments WHERE body = 'Good: you let her finish here'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "lena");
    assert!(row.get::<_, Option<i64>>(1).is_some());
    let over: i64 = c
        .query_one(
            "SELECT count(*) FROM parley.score_overrides WHERE author = 'lena' AND criterion = 'empathy'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(over, 1);

    // Trends per agent over weeks.
    d.click("[data-tab=team]").unwrap();
    d.wait_for("Number(document.body.dataset.trends) > 0")
        .unwrap();
    d.wait_for("document.querySelector('#trends svg circle, #trends svg polyline')")
        .unwrap();
    let lines = d
        .exec(
            "return document.querySelectorAll('#trends svg polyline').length",
            json!([]),
        )
        .unwrap();
    assert!(
        lines.as_i64().unwrap() >= 10,
        "a line per agent in each chart: {lines}"
    );
    let legend = d.text("#trends .legend").unwrap();
    assert!(
        legend.contains("alice") && legend.contains("bob"),
        "{legend}"
    );
    assert!(d.text("#team").unwrap().contains("alice"));
    save_png("review-team-trends.png", &d.screenshot().unwrap());
}

/// Plays a WAV into a PulseAudio sink of the test's server (scripts/ui-test.sh starts it).
fn play(sink: &str, wav: &Path) -> std::process::Child {
    std::process::Command::new("paplay")
        .arg(format!("--device={sink}"))
        .arg(wav)
        .spawn()
        .unwrap_or_else(|e| panic!("paplay: {e}"))
}

fn wait_child(mut c: std::process::Child) {
    let status = c.wait().unwrap();
    assert!(status.success(), "paplay failed: {status}");
}

/// Samples a meter's level for a while: the values it showed, and whether it said "speech".
fn meter_readings(d: &Driver, id: &str, n: usize) -> (Vec<f64>, bool) {
    let mut levels = Vec::new();
    let mut speech = false;
    for _ in 0..n {
        let v = d
            .exec(
                "const el = document.getElementById(arguments[0]);\
                 return new Promise(r => setTimeout(() => r(el ? [Number(el.dataset.db), el.dataset.speech] : null), 200));",
                json!([id]),
            )
            .unwrap();
        if let Some(a) = v.as_array() {
            levels.push(a[0].as_f64().unwrap_or(-90.0));
            speech |= a[1].as_str() == Some("1");
        }
    }
    (levels, speech)
}

fn parley(args: &[&str]) -> String {
    let out = std::process::Command::new(env("PARLEY_APP"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parley {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs Xvfb, dbus, tauri-driver and a PulseAudio server: run scripts/ui-test.sh"]
fn the_app_hears_the_call_from_the_settings_test_to_a_saved_call() {
    let app = env("PARLEY_APP");
    let call_dir = PathBuf::from(env("PARLEY_CALL_DIR"));
    let d = Driver::start(&env("WEBDRIVER_ADDR"), &app).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hear(&d, &call_dir)));
    if let Err(e) = d.quit() {
        eprintln!("closing the WebDriver session: {e}");
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn hear(d: &Driver, call_dir: &Path) {
    d.switch_to_title("Parley").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();
    // No devices chosen yet: the app says capture is off.
    d.wait_for("document.getElementById('audio').dataset.mode === 'off'")
        .unwrap();
    assert!(d.text("#audio-line").unwrap().contains("Capture off"));

    // Settings: the pickers list the virtual devices, the softphone's monitor marked.
    d.click("#review").unwrap();
    d.switch_to_title("Parley review").unwrap();
    d.wait_for("document.body.dataset.ready === '1'").unwrap();
    d.click("[data-tab=settings]").unwrap();
    d.wait_for("Number(document.body.dataset.devices) >= 2")
        .unwrap();
    let options = |id: &str| -> Vec<String> {
        let v = d
            .exec(
                "return [...document.getElementById(arguments[0]).options].map(o => o.value + '|' + o.text)",
                json!([id]),
            )
            .unwrap();
        serde_json::from_value(v).unwrap()
    };
    let calls = options("s-call");
    let mics = options("s-mic");
    let host = d.text("#audio-msg").unwrap();
    assert!(
        calls
            .iter()
            .any(|o| o.starts_with("softphone.monitor|monitor")),
        "{host}: {calls:?}"
    );
    assert!(mics.iter().any(|o| o.starts_with("virtmic|")), "{mics:?}");
    // The call side lists monitors first, the microphone side microphones first.
    assert!(calls[1].contains("monitor"), "{calls:?}");
    assert!(!mics[1].contains("monitor"), "{mics:?}");
    d.exec(
        "document.getElementById('s-mic').value = 'virtmic';\
         document.getElementById('s-call').value = 'softphone.monitor';\
         document.querySelector('#settings input[name=agent]').value = 'Priya';",
        json!([]),
    )
    .unwrap();

    // The test shows which side hears what: speech into the microphone lights its meter only.
    d.click("#audio-test").unwrap();
    d.wait_for("document.getElementById('lvl-mic')").unwrap();
    let speaking = play("micfeed", &call_dir.join("clip1.wav"));
    d.wait_for("document.getElementById('lvl-mic').dataset.speech === '1'")
        .unwrap();
    let (call_levels, call_speech) = meter_readings(d, "lvl-call", 3);
    assert!(
        !call_speech,
        "the call side heard the microphone: {call_levels:?}"
    );
    d.exec(
        "document.getElementById('audio').scrollIntoView()",
        json!([]),
    )
    .unwrap();
    save_png("settings-audio-test.png", &d.screenshot().unwrap());
    wait_child(speaking);
    let speaking = play("softphone", &call_dir.join("clip0.wav"));
    d.wait_for("document.getElementById('lvl-call').dataset.speech === '1'")
        .unwrap();
    d.click("#audio-test").unwrap();
    wait_child(speaking);
    d.click("#settings button[type=submit]").unwrap();
    d.wait_for("document.getElementById('settings-msg').textContent === 'Settings saved'")
        .unwrap();

    // A call: Start captures both sides; the meters move while the two sides speak.
    d.switch_to_title("Parley").unwrap();
    d.wait_for("document.getElementById('audio').dataset.mode === 'ready'")
        .unwrap();
    d.click("#start").unwrap();
    d.wait_for(
        "document.body.dataset.call === 'live' && document.getElementById('audio').dataset.mode === 'call'",
    )
    .unwrap();
    let agent = play("micfeed", &call_dir.join("agent.wav"));
    let customer = play("softphone", &call_dir.join("customer.wav"));
    let (mic_levels, _) = meter_readings(d, "ov-mic", 30);
    let (call_levels, call_speech) = meter_readings(d, "ov-call", 5);
    let spread = |l: &[f64]| {
        l.iter().cloned().fold(f64::MIN, f64::max) - l.iter().cloned().fold(f64::MAX, f64::min)
    };
    assert!(
        spread(&mic_levels) > 20.0,
        "the microphone meter did not move: {mic_levels:?}"
    );
    assert!(
        call_speech,
        "the call meter did not hear the customer: {call_levels:?}"
    );
    // The agent cut in on the customer at 3.5 s: the overlay says so.
    d.wait_for("document.getElementById('nudge').dataset.rule === 'interruption'")
        .unwrap();
    save_png("overlay-capture-live.png", &d.screenshot().unwrap());
    wait_child(agent);
    wait_child(customer);
    d.click("#start").unwrap();
    d.wait_for("!document.getElementById('draft').hidden")
        .unwrap();
    d.click("#draft-save").unwrap();
    d.wait_for("document.body.dataset.call === 'idle'").unwrap();

    // A call pushed to the app's endpoint with `parley send` is coached and saved too.
    let url = format!("ws://127.0.0.1:{}/v1/live", env("PARLEY_ENDPOINT_PORT"));
    parley(&[
        "send",
        "assets/samples/model-call.jsonl",
        "--url",
        &url,
        "--speed",
        "50",
    ]);
    d.wait_for("!document.getElementById('draft').hidden")
        .unwrap();
    d.click("#draft-save").unwrap();
    d.wait_for("document.body.dataset.call === 'idle'").unwrap();
    // Automatic calls: the customer's words start one, the quiet ends it, and the overlay says so.
    d.switch_to_title("Parley review").unwrap();
    d.exec(
        "const f = document.getElementById('settings');\
         f.auto_call.checked = true; f.quiet_end_s.value = '3';",
        json!([]),
    )
    .unwrap();
    d.click("#settings button[type=submit]").unwrap();
    d.wait_for("document.getElementById('settings-msg').textContent === 'Settings saved'")
        .unwrap();
    d.switch_to_title("Parley").unwrap();
    d.wait_for("document.getElementById('audio').dataset.mode === 'listening'")
        .unwrap();
    let speaking = play("softphone", &call_dir.join("clip0.wav"));
    d.wait_for(
        "document.body.dataset.call === 'live' && document.getElementById('audio').dataset.auto === '1' && document.getElementById('audio').dataset.mode === 'call'",
    )
    .unwrap();
    assert!(d
        .text("#audio-line")
        .unwrap()
        .contains("started automatically"));
    save_png(
        "overlay-call-started-automatically.png",
        &d.screenshot().unwrap(),
    );
    wait_child(speaking);
    d.wait_for("!document.getElementById('draft').hidden")
        .unwrap();
    let notice = d.text("#notice").unwrap();
    assert!(notice.contains("ended automatically"), "{notice}");
    d.click("#draft-save").unwrap();
    d.wait_for("document.body.dataset.call === 'idle'").unwrap();

    let list = parley(&["sessions", "list", "--json"]);
    let page: Value = serde_json::from_str(&list).unwrap();
    let sources: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["source"].as_str())
        .collect();
    assert_eq!(
        sources.iter().filter(|s| **s == "capture").count(),
        2,
        "the started call and the automatic one: {list}"
    );
    assert!(sources.contains(&"endpoint"), "{list}");
}
