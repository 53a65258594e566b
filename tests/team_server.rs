//! The team server with a real PostgreSQL started by the test: two agents' machines replay
//! calls and sync; what each credential sees, through the CLI and as that role in SQL; pushing
//! twice; the server stopped mid-push; the pushing process killed.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use parley::engine::{Engine, Output as CoachOutput, Playbook};
use parley::store::{ImportedCall, SessionMeta, Store};
use parley::team::{self, PushOptions, ServerUrl};
use support::pg::Pg;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/samples");

fn parley(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parley"));
    c.args(args)
        .env_remove("PARLEY_DB")
        .env_remove("PARLEY_ADMIN_URL")
        // Never the developer's own credentials.
        .env("PARLEY_TEAM_FILE", "/nonexistent/parley-team.url");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn fails(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sample(name: &str) -> String {
    format!("{SAMPLES}/{name}")
}

/// Adds a member and returns their URL (the command's standard output).
fn add(pg: &Pg, kind: &str, name: &str, team: &str) -> String {
    let out = ok(&parley(
        &[
            "team",
            kind,
            name,
            "--team",
            team,
            "--admin-url",
            &pg.admin_url(),
        ],
        &[],
    ));
    out.trim().to_string()
}

fn replay(db: &Path, agent: &str, file: &str) {
    ok(&parley(
        &[
            "replay",
            &sample(file),
            "--db",
            db.to_str().unwrap(),
            "--agent",
            agent,
        ],
        &[],
    ));
}

fn sync(db: &Path, url: &str) -> String {
    ok(&parley(
        &["sync", "--url", url, "--db", db.to_str().unwrap()],
        &[],
    ))
}

fn list_json(url: &str) -> serde_json::Value {
    let out = ok(&parley(&["sessions", "list", "--url", url, "--json"], &[]));
    serde_json::from_str(&out).unwrap()
}

fn owners(page: &serde_json::Value) -> Vec<String> {
    let mut o: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["owner"].as_str().unwrap().to_string())
        .collect();
    o.sort();
    o
}

/// Everything about the server's rows, to see that a second push changed nothing at all.
fn snapshot(pg: &Pg) -> String {
    let mut c = pg.client(&pg.admin_url());
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM parley.sessions)::text || ':' ||
                    COALESCE((SELECT string_agg(md5(s::text) || xmin::text, ',' ORDER BY uid) FROM parley.sessions s), '') || ':' ||
                    COALESCE((SELECT string_agg(md5(n::text), ',' ORDER BY session_uid, seq) FROM parley.note_versions n), '')",
            &[],
        )
        .unwrap();
    row.get(0)
}

fn count_as(pg: &Pg, url: &str, sql: &str) -> i64 {
    pg.client(url).query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn two_agents_sync_and_each_credential_sees_what_it_may() {
    let Some(pg) = Pg::start("two_agents_sync_and_each_credential_sees_what_it_may") else {
        return;
    };
    let admin = pg.admin_url();
    let first = ok(&parley(&["team", "setup", "--admin-url", &admin], &[]));
    assert!(first.contains("from version 0 to 2"), "{first}");
    let again = ok(&parley(&["team", "setup", "--admin-url", &admin], &[]));
    assert!(again.contains("already at version 2"), "{again}");
    assert!(!first.contains(&pg.password) && !again.contains(&pg.password));

    let alice = add(&pg, "add-agent", "alice", "north");
    let bob = add(&pg, "add-agent", "bob", "north");
    let carl = add(&pg, "add-agent", "carl", "south");
    let lena = add(&pg, "add-lead", "lena", "north");
    let sam = add(&pg, "add-lead", "sam", "south");
    assert!(alice.starts_with("postgresql://alice:"), "{alice}");
    let bad = fails(&parley(
        &[
            "team",
            "add-agent",
            "Robert'); DROP",
            "--team",
            "north",
            "--admin-url",
            &admin,
        ],
        &[],
    ));
    assert!(
        bad.contains("cannot be a agent name") || bad.contains("name"),
        "{bad}"
    );

    let dir = tempfile::tempdir().unwrap();
    let alice_db = dir.path().join("alice.db");
    let bob_db = dir.path().join("bob.db");
    for f in [
        "model-call.jsonl",
        "fast-talker.jsonl",
        "abusive-customer.srt",
    ] {
        replay(&alice_db, "alice", f);
    }
    for f in ["venting-customer.jsonl", "follow-up-promise.vtt"] {
        replay(&bob_db, "bob", f);
    }

    let a = sync(&alice_db, &alice);
    assert!(a.starts_with("pushed 3 session(s)"), "{a}");
    assert!(a.contains("0 left"), "{a}");
    assert!(
        !a.contains(alice.split(['@', ':']).nth(2).unwrap()),
        "password printed: {a}"
    );
    let b = sync(&bob_db, &bob);
    assert!(b.starts_with("pushed 2 session(s)"), "{b}");
    let nothing = sync(&alice_db, &alice);
    assert!(nothing.starts_with("pushed 0 session(s)"), "{nothing}");

    // Through the CLI: the lead sees the team, each agent only their own, other teams nothing.
    let lead_page = list_json(&lena);
    assert_eq!(lead_page["total"], 5);
    assert_eq!(
        owners(&lead_page),
        ["alice", "alice", "alice", "bob", "bob"]
    );
    assert_eq!(owners(&list_json(&alice)), ["alice", "alice", "alice"]);
    assert_eq!(owners(&list_json(&bob)), ["bob", "bob"]);
    assert_eq!(list_json(&carl)["total"], 0);
    assert_eq!(list_json(&sam)["total"], 0);
    let table = ok(&parley(&["sessions", "list", "--url", &lena], &[]));
    assert!(
        table.contains("1-5 of 5") && table.contains("north"),
        "{table}"
    );
    // The store's filters work against the server too.
    let abusive = list_json(&lena);
    let with_boundary = ok(&parley(
        &[
            "sessions", "list", "--url", &lena, "--json", "--rule", "boundary",
        ],
        &[],
    ));
    let with_boundary: serde_json::Value = serde_json::from_str(&with_boundary).unwrap();
    assert!(with_boundary["total"].as_i64().unwrap() >= 1);
    assert!(with_boundary["total"].as_i64() < abusive["total"].as_i64());
    let bobs = ok(&parley(
        &[
            "sessions", "list", "--url", &lena, "--json", "--agent", "bob",
        ],
        &[],
    ));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&bobs).unwrap()["total"],
        2
    );
    let csv = ok(&parley(
        &["sessions", "export", "--url", &lena, "--format", "csv"],
        &[],
    ));
    assert!(csv.starts_with("uid,owner,team,"), "{csv}");
    assert_eq!(csv.lines().count(), 6, "{csv}");
    let exported = ok(&parley(&["sessions", "export", "--url", &bob], &[]));
    let exported: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 2);
    assert!(exported[0]["timeline"].as_array().unwrap().len() > 3);
    assert_eq!(exported[0]["owner"], "bob");
    let hits = |url: &str| -> i64 {
        let out = ok(&parley(
            &["sessions", "search", "--url", url, "--json", "bill*"],
            &[],
        ));
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["total"]
            .as_i64()
            .unwrap()
    };
    assert_eq!((hits(&lena), hits(&alice), hits(&bob)), (1, 1, 0));

    // Through SQL as each role: row-level security, not the client, decides.
    let all = "SELECT count(*) FROM parley.sessions";
    assert_eq!(count_as(&pg, &lena, all), 5);
    assert_eq!(count_as(&pg, &alice, all), 3);
    assert_eq!(count_as(&pg, &bob, all), 2);
    assert_eq!(count_as(&pg, &carl, all), 0);
    assert_eq!(count_as(&pg, &sam, all), 0);
    let mut as_alice = pg.client(&alice);
    let touched = as_alice
        .execute(
            "UPDATE parley.sessions SET agent = 'x' WHERE owner = 'bob'",
            &[],
        )
        .unwrap();
    assert_eq!(touched, 0, "alice cannot change bob's sessions");
    let forged = as_alice.execute(
        "INSERT INTO parley.sessions (uid, owner, local_id, agent, started_at, playbook, status, source,
            nudge_count, heeded_count, items_done, items_total, checklist, nudges, follow_ups, timeline)
         VALUES (repeat('a', 32), 'bob', 1, 'bob', 0, 'p', 'complete', 's', 0, 0, 0, 0, '[]', '[]', '[]', '[]')",
        &[],
    );
    assert!(forged.is_err(), "alice cannot file a session as bob");
    let moved = as_alice.execute("UPDATE parley.sessions SET team = 'south'", &[]);
    assert!(
        moved.is_err(),
        "alice cannot show her sessions to another team"
    );
    let other_team = as_alice.execute(
        "INSERT INTO parley.sessions (uid, team, local_id, agent, started_at, playbook, status, source,
            nudge_count, heeded_count, items_done, items_total, checklist, nudges, follow_ups, timeline)
         VALUES (repeat('b', 32), 'south', 1, 'alice', 0, 'p', 'complete', 's', 0, 0, 0, 0, '[]', '[]', '[]', '[]')",
        &[],
    );
    assert!(
        other_team.is_err(),
        "alice cannot file a session in another team"
    );
    let mut as_lena = pg.client(&lena);
    assert!(
        as_lena
            .execute("UPDATE parley.sessions SET agent = 'x'", &[])
            .is_err(),
        "a lead cannot change sessions"
    );
    assert!(
        as_lena
            .execute("INSERT INTO parley.note_versions (session_uid, seq, body, saved_at, saved_by) SELECT uid, 99, 'x', 0, 'lena' FROM parley.sessions LIMIT 1", &[])
            .is_err(),
        "a lead cannot rewrite a note"
    );

    // A lead comments, pinned to a moment; the agent reads it; another team's lead cannot.
    let alice_uid = list_json(&alice)["items"][0]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    let c = ok(&parley(
        &[
            "team",
            "comment",
            &alice_uid[..10],
            "Good recovery here",
            "--at",
            "01:05",
            "--url",
            &lena,
        ],
        &[],
    ));
    assert!(c.starts_with("comment #"), "{c}");
    let other = fails(&parley(
        &["team", "comment", &alice_uid, "not my team", "--url", &sam],
        &[],
    ));
    assert!(other.contains("not found"), "{other}");
    assert!(pg
        .client(&sam)
        .execute(
            "INSERT INTO parley.comments (session_uid, body) VALUES ($1, 'sneaky')",
            &[&alice_uid]
        )
        .is_err());
    let seen = ok(&parley(
        &["sessions", "show", &alice_uid, "--url", &alice],
        &[],
    ));
    assert!(
        seen.contains("## Comments") && seen.contains("lena at 01:05: Good recovery here"),
        "{seen}"
    );
    assert!(seen.contains("## Timeline"), "{seen}");
    let hidden = fails(&parley(
        &["sessions", "show", &alice_uid, "--url", &bob],
        &[],
    ));
    assert!(hidden.contains("not found"), "{hidden}");

    // Pushing the same sessions again changes nothing on the server, not even a row version.
    let before = snapshot(&pg);
    let store = Store::open(&alice_db).unwrap();
    assert_eq!(store.outbox_requeue_all().unwrap(), 3);
    let url = ServerUrl::parse(&alice).unwrap();
    let r = team::push(&store, &url, &PushOptions::default(), |_| {}).unwrap();
    assert_eq!((r.pushed, r.unchanged, r.left), (3, 3, 0), "{r:?}");
    assert_eq!(snapshot(&pg), before);

    // The note rule: an edit is a new version; the server keeps every version and the lead's
    // comment, and shows the newest.
    let local_id = list_json(&alice)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uid"] == alice_uid.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    drop(store);
    let note = dir.path().join("note.md");
    std::fs::write(
        &note,
        "Customer calmed down after the apology; refund approved.",
    )
    .unwrap();
    ok(&parley(
        &[
            "sessions",
            "note",
            &local_id.to_string(),
            "--by",
            "alice",
            "--file",
            note.to_str().unwrap(),
            "--db",
            alice_db.to_str().unwrap(),
        ],
        &[],
    ));
    let pushed = sync(&alice_db, &alice);
    assert!(pushed.starts_with("pushed 1 session(s)"), "{pushed}");
    let shown = ok(&parley(
        &["sessions", "show", &alice_uid, "--url", &lena, "--json"],
        &[],
    ));
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        shown["note"]["body"],
        "Customer calmed down after the apology; refund approved."
    );
    assert_eq!(shown["note"]["edited_by"], "alice");
    let history = shown["note_history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["saved_by"], "parley");
    assert_eq!(shown["comments"].as_array().unwrap().len(), 1);
    let found = ok(&parley(
        &[
            "sessions",
            "list",
            "--url",
            &lena,
            "--json",
            "--text",
            "refund approved",
        ],
        &[],
    ));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&found).unwrap()["total"],
        1
    );

    // Alice moves to the south team: her old sessions stay with north, and she can still
    // update them; her new ones are filed in south.
    let alice = add(&pg, "add-agent", "alice", "south");
    std::fs::write(&note, "Second look: refund approved, letter sent.").unwrap();
    ok(&parley(
        &[
            "sessions",
            "note",
            &local_id.to_string(),
            "--by",
            "alice",
            "--file",
            note.to_str().unwrap(),
            "--db",
            alice_db.to_str().unwrap(),
        ],
        &[],
    ));
    replay(&alice_db, "alice", "manager-request.jsonl");
    let pushed = sync(&alice_db, &alice);
    assert!(
        pushed.starts_with("pushed 2 session(s)") && pushed.contains("0 refused"),
        "{pushed}"
    );
    assert_eq!(list_json(&lena)["total"], 5);
    assert_eq!(list_json(&sam)["total"], 1);
    assert_eq!(list_json(&alice)["total"], 4);
}

#[test]
fn credentials_are_kept_private_and_used_by_sync() {
    let Some(pg) = Pg::start("credentials_are_kept_private_and_used_by_sync") else {
        return;
    };
    ok(&parley(
        &["team", "setup", "--admin-url", &pg.admin_url()],
        &[],
    ));
    let url = add(&pg, "add-agent", "dana", "west");
    let dir = tempfile::tempdir().unwrap();
    let cred = dir.path().join("conf").join("team.url");
    let db = dir.path().join("dana.db");
    replay(&db, "dana", "model-call.jsonl");
    let env = [("PARLEY_TEAM_FILE", cred.as_path())];
    let saved = ok(&parley(&["team", "connect", &url], &env));
    let password = url.split(['@', ':']).nth(2).unwrap().to_string();
    assert!(!saved.contains(&password), "{saved}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&cred).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = ok(&parley(&["sync", "--db", db.to_str().unwrap()], &env));
    assert!(
        out.starts_with("pushed 1 session(s) to dana@127.0.0.1"),
        "{out}"
    );
    assert!(!out.contains(&password));
    let status = ok(&parley(
        &["team", "status", "--db", db.to_str().unwrap()],
        &env,
    ));
    assert!(status.contains("0 session(s) waiting"), "{status}");

    std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = fails(&parley(&["sync", "--db", db.to_str().unwrap()], &env));
    assert!(
        refused.contains("others can read it") && refused.contains("chmod 600"),
        "{refused}"
    );
    assert!(!refused.contains(&password));

    // A wrong password is refused at once, not retried, and the outbox is kept.
    replay(&db, "dana", "fast-talker.jsonl");
    let wrong = url.replace(&password, "wrongpassword");
    let denied = fails(&parley(
        &["sync", "--url", &wrong, "--db", db.to_str().unwrap()],
        &[],
    ));
    assert!(
        denied.contains("cannot connect") && !denied.contains("wrongpassword"),
        "{denied}"
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 1);
    drop(store);

    // A server without the schema says how to set it up, and nothing leaves the outbox.
    let mut admin = pg.client(&pg.admin_url());
    admin.batch_execute("CREATE DATABASE empty").unwrap();
    let elsewhere = url.replace("/postgres", "/empty");
    let not_set_up = fails(&parley(
        &["sync", "--url", &elsewhere, "--db", db.to_str().unwrap()],
        &[],
    ));
    assert!(not_set_up.contains("parley team setup"), "{not_set_up}");
    assert_eq!(Store::open(&db).unwrap().outbox().unwrap().len(), 1);
}

/// Finished calls made from the sample transcripts, `n` of them, as if replayed over a day.
fn calls(agent: &str, n: usize) -> Vec<ImportedCall> {
    let playbook = Arc::new(Playbook::builtin());
    let mut files: Vec<PathBuf> = std::fs::read_dir(SAMPLES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut templates = Vec::new();
    for f in &files {
        let events: Vec<_> = parley::replay::events(f)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut engine = Engine::new(playbook.clone());
        let mut outputs = Vec::new();
        for e in &events {
            outputs.extend(engine.feed(e));
        }
        let summary = outputs
            .iter()
            .find_map(|o| match o {
                CoachOutput::Summary(s) => Some((**s).clone()),
                _ => None,
            })
            .unwrap_or_else(|| engine.summary());
        templates.push((
            f.file_name().unwrap().to_string_lossy().to_string(),
            events,
            outputs,
            summary,
        ));
    }
    (0..n)
        .map(|i| {
            let (name, events, outputs, summary) = &templates[i % templates.len()];
            ImportedCall {
                meta: SessionMeta {
                    agent: agent.into(),
                    playbook: playbook.name.clone(),
                    source: format!("replay:{name}"),
                    started_at: 1_760_000_000_000 + i as i64 * 600_000,
                },
                events: events.clone(),
                outputs: outputs.clone(),
                summary: summary.clone(),
                agent_notes: String::new(),
                tags: vec![],
            }
        })
        .collect()
}

/// Starts `parley sync --verbose` slowed down, and returns it once it has pushed `after`
/// sessions (read from its output, so the test waits on the process, not on a clock).
fn push_until(db: &Path, url: &str, after: usize) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
        .args([
            "sync",
            "--verbose",
            "--retries",
            "40",
            "--pace-ms",
            "15",
            "--url",
            url,
            "--db",
        ])
        .arg(db)
        .env("PARLEY_TEAM_FILE", "/nonexistent/parley-team.url")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = 0;
    let mut line = String::new();
    while seen < after {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "sync ended early");
        if line.starts_with("pushed session ") {
            seen += 1;
        }
    }
    (child, out)
}

/// Every local session is on the server exactly once, complete, and the local store is intact.
fn all_there(pg: &Pg, db: &Path, owner: &str, n: i64) {
    let mut admin = pg.client(&pg.admin_url());
    let row = admin
        .query_one(
            "SELECT count(*), count(DISTINCT uid),
                    count(*) FILTER (WHERE jsonb_array_length(timeline) > 0 AND note <> ''
                        AND EXISTS (SELECT 1 FROM parley.note_versions v WHERE v.session_uid = uid))
             FROM parley.sessions WHERE owner = $1",
            &[&owner],
        )
        .unwrap();
    let (rows, distinct, complete): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((rows, distinct, complete), (n, n, n));
    let local = rusqlite::Connection::open(db).unwrap();
    let ok: String = local
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let local_n: i64 = local
        .query_row(
            "SELECT count(*) FROM sessions WHERE status = 'complete'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(local_n, n);
    let queued: i64 = local
        .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 0);
    // The events on the server match the local ones, session by session.
    let mut stmt = local
        .prepare("SELECT s.uid, (SELECT count(*) FROM events e WHERE e.session_id = s.id) + (SELECT count(*) FROM outputs o WHERE o.session_id = s.id) FROM sessions s")
        .unwrap();
    let pairs: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (uid, entries) in pairs {
        let remote: i64 = admin
            .query_one(
                "SELECT jsonb_array_length(timeline)::bigint FROM parley.sessions WHERE uid = $1",
                &[&uid],
            )
            .unwrap()
            .get(0);
        assert_eq!(remote, entries, "session {uid}");
    }
}

#[test]
fn a_push_survives_the_server_going_down_and_the_pusher_being_killed() {
    let Some(pg) = Pg::start("a_push_survives_the_server_going_down_and_the_pusher_being_killed")
    else {
        return;
    };
    ok(&parley(
        &["team", "setup", "--admin-url", &pg.admin_url()],
        &[],
    ));
    let erin = add(&pg, "add-agent", "erin", "east");
    let finn = add(&pg, "add-agent", "finn", "east");
    let dir = tempfile::tempdir().unwrap();

    // The server is stopped (every connection cut) mid-push, then started again.
    let erin_db = dir.path().join("erin.db");
    Store::open(&erin_db)
        .unwrap()
        .import(calls("erin", 60))
        .unwrap();
    let (mut child, mut out) = push_until(&erin_db, &erin, 10);
    pg.stop(true);
    pg.start_again();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{rest}\n{err}");
    assert!(
        err.contains("trying again"),
        "the cut was noticed and retried: {err}"
    );
    assert!(rest.contains("0 refused, 0 left"), "{rest}");
    all_there(&pg, &erin_db, "erin", 60);

    // The pushing process is killed (SIGKILL) mid-push; the next sync finishes the job.
    let finn_db = dir.path().join("finn.db");
    Store::open(&finn_db)
        .unwrap()
        .import(calls("finn", 40))
        .unwrap();
    let (mut child, _out) = push_until(&finn_db, &finn, 10);
    child.kill().unwrap();
    child.wait().unwrap();
    let again = sync(&finn_db, &finn);
    assert!(again.contains("0 refused, 0 left"), "{again}");
    all_there(&pg, &finn_db, "finn", 40);
    // And once more: nothing new.
    assert!(sync(&finn_db, &finn).starts_with("pushed 0 session(s)"));
}

#[test]
fn the_background_task_pushes_a_finished_call_on_its_own() {
    let Some(pg) = Pg::start("the_background_task_pushes_a_finished_call_on_its_own") else {
        return;
    };
    ok(&parley(
        &["team", "setup", "--admin-url", &pg.admin_url()],
        &[],
    ));
    let gail = add(&pg, "add-agent", "gail", "west");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("gail.db")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let source = team::background::UrlSource::Fixed(Box::new(ServerUrl::parse(&gail).unwrap()));
    let task = team::background::start(
        store.clone(),
        source,
        std::time::Duration::from_millis(50),
        move |line| {
            // The test may be gone when a late line comes.
            tx.send(line.to_string()).ok();
        },
    )
    .unwrap();
    store.import(calls("gail", 2)).unwrap();
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the task reports a push");
    assert!(
        line.contains("2 session(s) pushed to gail@127.0.0.1"),
        "{line}"
    );
    assert!(!line.contains(gail.split(['@', ':']).nth(2).unwrap()));
    drop(task);
    assert_eq!(
        count_as(&pg, &gail, "SELECT count(*) FROM parley.sessions"),
        2
    );
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn tls_is_used_when_the_url_asks_and_a_bad_certificate_is_refused_at_once() {
    let test = "tls_is_used_when_the_url_asks_and_a_bad_certificate_is_refused_at_once";
    let Some(pg) = Pg::start_tls(test) else {
        return;
    };
    let cert = pg.cert.clone().unwrap();
    let ca = [("PARLEY_TEAM_CA", cert.as_path())];
    let admin = format!("{}?sslmode=require", pg.admin_url());
    ok(&parley(&["team", "setup", "--admin-url", &admin], &ca));
    let added = ok(&parley(
        &[
            "team",
            "add-agent",
            "hana",
            "--team",
            "north",
            "--admin-url",
            &admin,
        ],
        &ca,
    ));
    let hana = format!("{}?sslmode=require", added.trim());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hana.db");
    replay(&db, "hana", "model-call.jsonl");
    let db_arg = db.to_str().unwrap();
    // Without the CA the self-signed certificate does not check out: refused, not retried.
    let refused = fails(&parley(&["sync", "--url", &hana, "--db", db_arg], &[]));
    assert!(
        refused.contains("certificate verify failed") && !refused.contains("trying again"),
        "{refused}"
    );
    let out = ok(&parley(&["sync", "--url", &hana, "--db", db_arg], &ca));
    assert!(out.starts_with("pushed 1 session(s)"), "{out}");
    // The default (prefer) uses TLS when the server offers it, so the certificate is checked
    // then too; plain only when the URL says so.
    let prefer = hana.replace("?sslmode=require", "");
    let unchecked = fails(&parley(&["sessions", "list", "--url", &prefer], &[]));
    assert!(
        unchecked.contains("certificate verify failed"),
        "{unchecked}"
    );
    let listed = ok(&parley(&["sessions", "list", "--url", &prefer], &ca));
    assert!(listed.contains("1-1 of 1"), "{listed}");
    let plain = ok(&parley(
        &[
            "sessions",
            "list",
            "--url",
            &hana.replace("require", "disable"),
        ],
        &[],
    ));
    assert!(plain.contains("1-1 of 1"), "plain when asked: {plain}");
}

/// A lead's review on the server: the weekly trend kept by the trigger, scorecard overrides
/// with who and why, and comments pinned to a moment that only the call's agent (and the
/// team's leads) can read.
#[test]
fn trends_overrides_and_pinned_comments_follow_the_roles() {
    use parley::team::{remote, scorecard, trends};
    let Some(pg) = Pg::start("trends_overrides_and_pinned_comments_follow_the_roles") else {
        return;
    };
    ok(&parley(
        &["team", "setup", "--admin-url", &pg.admin_url()],
        &[],
    ));
    let alice = add(&pg, "add-agent", "alice", "north");
    let bob = add(&pg, "add-agent", "bob", "north");
    let lena = add(&pg, "add-lead", "lena", "north");
    let sam = add(&pg, "add-lead", "sam", "south");
    let dir = tempfile::tempdir().unwrap();
    let alice_db = dir.path().join("alice.db");
    let bob_db = dir.path().join("bob.db");
    for f in [
        "model-call.jsonl",
        "abusive-customer.srt",
        "fast-talker.jsonl",
    ] {
        replay(&alice_db, "alice", f);
    }
    replay(&bob_db, "bob", "follow-up-promise.vtt");
    sync(&alice_db, &alice);
    sync(&bob_db, &bob);
    let url = |u: &str| ServerUrl::parse(u).unwrap();
    let now = parley::store::now_ms();

    // The rollup agrees with the sessions it summarises, and each role sees its own part.
    let weeks = trends::weekly(&url(&lena), None, None, now).unwrap();
    let agents: Vec<&str> = weeks.iter().map(|w| w.agent.as_str()).collect();
    assert!(
        agents.contains(&"alice") && agents.contains(&"bob"),
        "{weeks:?}"
    );
    let mut admin = pg.client(&pg.admin_url());
    let direct: Vec<(String, i64, i64, i64)> = admin
        .query(
            "SELECT agent, count(*), sum(nudge_count)::bigint, count(*) FILTER (WHERE (summary ->> 'boundary_step')::int > 0)
             FROM parley.sessions GROUP BY 1 ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    for (agent, calls, nudges, boundary) in &direct {
        let mine: Vec<_> = weeks.iter().filter(|w| &w.agent == agent).collect();
        assert_eq!(mine.iter().map(|w| w.calls).sum::<i64>(), *calls, "{agent}");
        assert_eq!(
            mine.iter().map(|w| w.nudges).sum::<i64>(),
            *nudges,
            "{agent}"
        );
        assert_eq!(
            mine.iter().map(|w| w.boundary_calls).sum::<i64>(),
            *boundary,
            "{agent}"
        );
    }
    assert!(weeks
        .iter()
        .any(|w| w.agent == "alice" && w.boundary_calls > 0));
    assert!(weeks
        .iter()
        .all(|w| w.talk_share.is_some_and(|t| (0.0..=1.0).contains(&t))));
    let own = trends::weekly(&url(&alice), None, None, now).unwrap();
    assert!(
        !own.is_empty() && own.iter().all(|w| w.owner == "alice"),
        "{own:?}"
    );
    assert!(trends::weekly(&url(&sam), None, None, now)
        .unwrap()
        .is_empty());
    // Bob promised a follow-up that is not done: overdue once its due time has passed.
    let later = now + 365 * 86_400_000;
    let bob_weeks = trends::weekly(&url(&lena), None, None, later).unwrap();
    assert!(
        bob_weeks
            .iter()
            .any(|w| w.agent == "bob" && w.follow_ups_overdue > 0),
        "{bob_weeks:?}"
    );
    // An edit pushed again moves nothing in the rollup (the old row is taken away first).
    let before = trends::weekly(&url(&lena), None, None, now).unwrap();
    let page = list_json(&alice);
    let alice_uid = page["items"][0]["uid"].as_str().unwrap().to_string();
    let local_id = page["items"][0]["id"].as_i64().unwrap().to_string();
    let note = dir.path().join("note.txt");
    std::fs::write(&note, "Edited by alice").unwrap();
    ok(&parley(
        &[
            "sessions",
            "note",
            &local_id,
            "--by",
            "alice",
            "--file",
            note.to_str().unwrap(),
            "--db",
            alice_db.to_str().unwrap(),
        ],
        &[],
    ));
    sync(&alice_db, &alice);
    assert_eq!(
        trends::weekly(&url(&lena), None, None, now).unwrap(),
        before
    );

    // Scorecard overrides: a lead of the team, with a reason; nobody else.
    let mut lc = pg.client(&lena);
    let id = remote::override_score(
        &mut lc,
        &url(&lena),
        &alice_uid,
        "empathy",
        false,
        "generic 'I understand' only",
    )
    .unwrap();
    assert!(id > 0);
    assert!(
        remote::override_score(&mut lc, &url(&lena), &alice_uid, "empathy", true, "  ").is_err()
    );
    assert!(remote::override_score(
        &mut pg.client(&sam),
        &url(&sam),
        &alice_uid,
        "empathy",
        true,
        "x"
    )
    .is_err());
    assert!(remote::override_score(
        &mut pg.client(&alice),
        &url(&alice),
        &alice_uid,
        "empathy",
        true,
        "mine"
    )
    .is_err());
    let shown = remote::show(&url(&alice), &alice_uid).unwrap();
    assert_eq!(shown.overrides.len(), 1);
    let text = ok(&parley(
        &["sessions", "show", &alice_uid, "--url", &alice],
        &[],
    ));
    assert!(
        text.contains("## Scorecard overrides") && text.contains("lena: empathy not met: generic"),
        "{text}"
    );
    assert_eq!(shown.overrides[0].author, "lena");
    assert!(!shown.overrides[0].met);
    let playbook = Playbook::builtin();
    let card = scorecard::score(
        &shown.detail.session.playbook,
        Some(&playbook),
        &shown.detail.checklist,
        &shown.overrides,
    );
    let empathy = card.criteria.iter().find(|c| c.id == "empathy").unwrap();
    assert!(!empathy.met && empathy.overridden.is_some());
    assert!(card.score.is_some());

    // Pinned comments: the call's agent reads them; another agent of the team does not.
    let bob_uid = list_json(&bob)["items"][0]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    remote::comment_on(
        &mut lc,
        &url(&lena),
        &alice_uid,
        Some(65_000),
        "Good recovery here",
    )
    .unwrap();
    remote::comment_on(
        &mut lc,
        &url(&lena),
        &bob_uid,
        Some(12_000),
        "Say the due time",
    )
    .unwrap();
    let mut ac = pg.client(&alice);
    let mine = remote::comments_on(&mut ac, &url(&alice), &alice_uid).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].at_ms, mine[0].author.as_str()),
        (Some(65_000), "lena")
    );
    assert!(remote::comments_on(&mut ac, &url(&alice), &bob_uid)
        .unwrap()
        .is_empty());
    assert_eq!(
        count_as(&pg, &alice, "SELECT count(*) FROM parley.comments"),
        1
    );
    assert_eq!(
        count_as(&pg, &bob, "SELECT count(*) FROM parley.comments"),
        1
    );
    assert_eq!(
        count_as(&pg, &lena, "SELECT count(*) FROM parley.comments"),
        2
    );
    assert_eq!(
        count_as(&pg, &sam, "SELECT count(*) FROM parley.score_overrides"),
        0
    );
    assert!(
        pg.client(&alice)
            .execute("INSERT INTO parley.weekly SELECT * FROM parley.weekly", &[])
            .is_err(),
        "an agent cannot write the rollup"
    );
}
