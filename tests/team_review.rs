//! An agent's own review of a local call shows what the leads left on its copy on the team
//! server (comments pinned to a moment, scorecard overrides), read with the agent's saved
//! credential; a comment on another agent's call never shows. A real PostgreSQL, started here.
#![cfg(feature = "desktop")]

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use parley::engine::Playbook;
use parley::store::{SessionFilter, Store};
use parley::team::{credentials, remote, ServerUrl};
use support::pg::Pg;

fn parley(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(args)
        .env_remove("PARLEY_DB")
        .env("PARLEY_TEAM_FILE", "/nonexistent/parley-team.url")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn replay(db: &Path, agent: &str, file: &str) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(file);
    parley(&[
        "replay",
        sample.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--agent",
        agent,
    ]);
}

fn replay_and_sync(db: &Path, agent: &str, url: &str, file: &str) {
    replay(db, agent, file);
    parley(&["sync", "--url", url, "--db", db.to_str().unwrap()]);
}

#[test]
fn the_agent_sees_the_leads_comments_and_overrides_in_their_own_review() {
    let Some(pg) = Pg::start("the_agent_sees_the_leads_comments_and_overrides_in_their_own_review")
    else {
        return;
    };
    let admin = pg.admin_url();
    parley(&["team", "setup", "--admin-url", &admin]);
    let add = |kind: &str, name: &str| {
        parley(&["team", kind, name, "--team", "north", "--admin-url", &admin])
            .trim()
            .to_string()
    };
    let (alice, bob, lena) = (
        add("add-agent", "alice"),
        add("add-agent", "bob"),
        add("add-lead", "lena"),
    );
    let dir = tempfile::tempdir().unwrap();
    let alice_db = dir.path().join("alice.db");
    replay_and_sync(&alice_db, "alice", &alice, "model-call.jsonl");
    replay_and_sync(
        &dir.path().join("bob.db"),
        "bob",
        &bob,
        "venting-customer.jsonl",
    );

    let lead = ServerUrl::parse(&lena).unwrap();
    let mut c = lead.connect().unwrap();
    let page = remote::list_on(&mut c, &lead, &SessionFilter::default()).unwrap();
    let uid_of = |agent: &str| {
        page.items
            .iter()
            .find(|r| r.session.agent == agent)
            .unwrap()
            .uid
            .clone()
    };
    let (alice_uid, bob_uid) = (uid_of("alice"), uid_of("bob"));
    remote::comment_on(
        &mut c,
        &lead,
        &alice_uid,
        Some(65_000),
        "Good recovery here",
    )
    .unwrap();
    remote::comment_on(&mut c, &lead, &bob_uid, None, "For bob only").unwrap();
    remote::override_score(&mut c, &lead, &alice_uid, "empathy", false, "generic only").unwrap();

    // Alice's machine: her URL saved as `parley team connect` saves it; her local store.
    let cred = dir.path().join("team-server.url");
    credentials::save(&cred, &alice).unwrap();
    // The only test in this binary: nothing else reads the variable meanwhile.
    std::env::set_var(credentials::FILE_ENV, &cred);
    let store = Store::open(&alice_db).unwrap();
    let id = store.list(&SessionFilter::default()).unwrap().items[0].id;
    let r = parley::desktop::review::detail(&store, id, Arc::new(Playbook::builtin())).unwrap();
    let team = r.team.expect("the server's part");
    assert_eq!(team.error, None);
    assert_eq!(team.uid, alice_uid);
    let bodies: Vec<(&str, Option<i64>, &str)> = team
        .comments
        .iter()
        .map(|c| (c.author.as_str(), c.at_ms, c.body.as_str()))
        .collect();
    assert_eq!(bodies, [("lena", Some(65_000), "Good recovery here")]);
    let empathy = r
        .scorecard
        .criteria
        .iter()
        .find(|c| c.id == "empathy")
        .unwrap();
    let o = empathy.overridden.as_ref().expect("the lead's override");
    assert_eq!(
        (o.author.as_str(), o.reason.as_str(), empathy.met),
        ("lena", "generic only", false)
    );
    let limits = r.limits.expect("the call's playbook is the built-in one");
    assert_eq!(limits.fast_wpm, Playbook::builtin().thresholds.fast_wpm);

    // A lead signs in at Alice's PC to review the team: the lead's credential is kept for
    // reviewing only; Alice's calls still push with her own.
    let shown = parley::desktop::team_review::connect(&lena).unwrap();
    assert_eq!(shown.kind.as_deref(), Some("lead"));
    assert!(
        shown
            .sync
            .as_deref()
            .is_some_and(|s| s.starts_with("alice@")),
        "{shown:?}"
    );
    assert_eq!(
        credentials::resolve(None).unwrap().unwrap().to_string(),
        ServerUrl::parse(&alice).unwrap().to_string()
    );
    let team_page = parley::desktop::team_review::list(&SessionFilter::default()).unwrap();
    let mut agents: Vec<&str> = team_page
        .items
        .iter()
        .map(|r| r.session.agent.as_str())
        .collect();
    agents.sort();
    assert_eq!(agents, ["alice", "bob"], "the lead's view of the team");
    replay(&alice_db, "alice", "fast-talker.jsonl");
    let db = alice_db.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(["sync", "--db", db])
        .env(credentials::FILE_ENV, &cred)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.starts_with("pushed 1 session(s)"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Alice saving her own URL again forgets the lead's: her review is her own calls again.
    parley::desktop::team_review::connect(&alice).unwrap();
    assert!(!cred.with_extension("review.url").exists());
    let own = parley::desktop::team_review::list(&SessionFilter::default()).unwrap();
    assert!(
        own.items.iter().all(|r| r.session.agent == "alice"),
        "{:?}",
        own.items.len()
    );
    assert_eq!(own.items.len(), 2);

    // Without a saved server the local review still opens, with no server part.
    std::env::set_var(credentials::FILE_ENV, dir.path().join("none.url"));
    let r = parley::desktop::review::detail(&store, id, Arc::new(Playbook::builtin())).unwrap();
    assert!(r.team.is_none());
}
