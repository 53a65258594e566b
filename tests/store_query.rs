//! The review queries on a real file: filters, sorting, paging, full-text search, follow-ups due,
//! exports.

use parley::engine::event::{Event, Speaker, Utterance};
use parley::engine::output::{FollowUp, Nudge, NudgeRecord, Outcome, Pacing, Rule, Summary};
use parley::store::query::local_day;
use parley::store::{
    now_ms, Due, Format, ImportedCall, SessionFilter, SessionMeta, SortKey, Store,
};

const DAY: i64 = 86_400_000;

struct Spec {
    agent: &'static str,
    started_at: i64,
    duration_ms: u64,
    outcome: Outcome,
    nudges: Vec<(Rule, Option<bool>)>,
    follow_up_due_in: Option<u64>,
    said: &'static str,
    tags: Vec<&'static str>,
}

fn summary(s: &Spec) -> Summary {
    let nudges: Vec<NudgeRecord> = s
        .nudges
        .iter()
        .enumerate()
        .map(|(i, (rule, heeded))| NudgeRecord {
            nudge: Nudge {
                id: i as u32 + 1,
                rule: *rule,
                at_ms: 1_000 * (i as u64 + 1),
                headline: "Let them finish".into(),
                script: None,
                reason: format!("overlap 1.{i} s"),
                priority: 5,
                step: None,
            },
            heeded: *heeded,
            dismissed: false,
        })
        .collect();
    Summary {
        duration_ms: s.duration_ms,
        playbook: "difficult-call".into(),
        concern: Some(s.said.into()),
        outcome: s.outcome,
        checklist: vec![],
        items_done: 0,
        items_total: 9,
        pacing: Pacing::default(),
        nudges_heeded: nudges.iter().filter(|n| n.heeded == Some(true)).count() as u32,
        nudges,
        follow_ups: s
            .follow_up_due_in
            .map(|d| FollowUp {
                at_ms: 500,
                text: "I'll call you back".into(),
                due_in_ms: Some(d),
            })
            .into_iter()
            .collect(),
        boundary_step: 0,
        escalated: false,
        reset_suggested: false,
        agent_notes: vec![],
        limits: None,
        actions: vec![],
    }
}

fn import(store: &Store, specs: &[Spec]) -> Vec<i64> {
    let calls = specs
        .iter()
        .map(|s| ImportedCall {
            meta: SessionMeta {
                agent: s.agent.into(),
                playbook: "difficult-call".into(),
                source: "test".into(),
                started_at: s.started_at,
            },
            events: vec![Event::Utterance(Utterance {
                speaker: Speaker::Customer,
                text: s.said.into(),
                start_ms: 0,
                end_ms: 400,
                is_final: true,
            })],
            outputs: vec![],
            summary: summary(s),
            agent_notes: String::new(),
            tags: s.tags.iter().map(|t| t.to_string()).collect(),
        })
        .collect();
    store.import(calls).unwrap()
}

fn spec(agent: &'static str, day: i64, outcome: Outcome, said: &'static str) -> Spec {
    Spec {
        agent,
        started_at: 1_700_000_000_000 + day * DAY,
        duration_ms: 60_000 * (day as u64 + 1),
        outcome,
        nudges: vec![],
        follow_up_due_in: None,
        said,
        tags: vec![],
    }
}

fn fixture() -> (tempfile::TempDir, Store, Vec<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("q.db")).unwrap();
    let mut a = spec("alex", 0, Outcome::Resolved, "double charge on my bill");
    a.nudges = vec![
        (Rule::Interruption, Some(true)),
        (Rule::SpeakingFast, Some(false)),
    ];
    a.tags = vec!["coaching", "billing"];
    let mut b = spec(
        "bea",
        1,
        Outcome::Escalated,
        "I want to speak to a manager now",
    );
    b.nudges = vec![(Rule::Escalation, Some(true))];
    b.tags = vec!["billing"];
    let mut c = spec("alex", 2, Outcome::FollowUpOwed, "my refund never arrived");
    c.nudges = vec![
        (Rule::Interruption, Some(false)),
        (Rule::DeadAir, Some(false)),
        (Rule::Monologue, None),
    ];
    let d = spec("cam", 3, Outcome::CustomerHungUp, "forget it, goodbye");
    let ids = import(&store, &[a, b, c, d]);
    (dir, store, ids)
}

fn ids(store: &Store, f: SessionFilter) -> Vec<i64> {
    store.list(&f).unwrap().items.iter().map(|r| r.id).collect()
}

#[test]
fn filters_select_the_right_sessions() {
    let (_dir, store, id) = fixture();
    let f = SessionFilter::default;
    assert_eq!(ids(&store, f()), vec![id[3], id[2], id[1], id[0]]);
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                agent: Some("alex".into()),
                ..f()
            }
        ),
        vec![id[2], id[0]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                from: Some(1_700_000_000_000 + DAY),
                to: Some(1_700_000_000_000 + 3 * DAY),
                ..f()
            }
        ),
        vec![id[2], id[1]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                outcome: Some("escalated".into()),
                ..f()
            }
        ),
        vec![id[1]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                rule: Some("interruption".into()),
                ..f()
            }
        ),
        vec![id[2], id[0]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                heeded_min: Some(0.5),
                ..f()
            }
        ),
        vec![id[1], id[0]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                heeded_max: Some(0.4),
                ..f()
            }
        ),
        vec![id[2]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                tags: vec!["billing".into()],
                ..f()
            }
        ),
        vec![id[1], id[0]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                tags: vec!["billing".into(), "coaching".into()],
                ..f()
            }
        ),
        vec![id[0]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                text: Some("refund".into()),
                ..f()
            }
        ),
        vec![id[2]]
    );
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                text: Some("manag*".into()),
                ..f()
            }
        ),
        vec![id[1]]
    );
    // Punctuation a person types is not FTS syntax.
    assert_eq!(
        ids(
            &store,
            SessionFilter {
                text: Some("\"bill: (charge\"".into()),
                ..f()
            }
        ),
        vec![id[0]]
    );
    assert!(store
        .list(&SessionFilter {
            heeded_min: Some(2.0),
            ..f()
        })
        .is_err());
}

#[test]
fn sorting_and_paging() {
    let (_dir, store, id) = fixture();
    let by = |sort, descending| {
        ids(
            &store,
            SessionFilter {
                sort,
                descending,
                ..SessionFilter::default()
            },
        )
    };
    assert_eq!(by(SortKey::Date, false), vec![id[0], id[1], id[2], id[3]]);
    assert_eq!(by(SortKey::Agent, false), vec![id[0], id[2], id[1], id[3]]);
    assert_eq!(
        by(SortKey::Duration, true),
        vec![id[3], id[2], id[1], id[0]]
    );
    assert_eq!(by(SortKey::Nudges, true), vec![id[2], id[0], id[1], id[3]]);
    // No nudges, no ratio: last either way.
    assert_eq!(by(SortKey::Heeded, true), vec![id[1], id[0], id[2], id[3]]);
    assert_eq!(by(SortKey::Heeded, false), vec![id[2], id[0], id[1], id[3]]);
    assert_eq!(by(SortKey::Outcome, false)[0], id[3]); // customer_hung_up sorts first

    let page = store
        .list(&SessionFilter {
            limit: 2,
            offset: 1,
            ..SessionFilter::default()
        })
        .unwrap();
    assert_eq!(page.total, 4);
    assert_eq!(page.offset, 1);
    assert_eq!(
        page.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id[2], id[1]]
    );
    assert_eq!(page.items[1].tags, vec!["billing".to_string()]);
}

#[test]
fn follow_ups_due_today_and_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("f.db")).unwrap();
    let now = now_ms();
    let (start, end) = local_day(now);
    let mid = start + (end - start) / 2;
    let mut overdue = spec("alex", 0, Outcome::FollowUpOwed, "a");
    overdue.started_at = now - 3 * DAY;
    overdue.duration_ms = 0;
    overdue.follow_up_due_in = Some(DAY as u64);
    let mut today = spec("alex", 0, Outcome::FollowUpOwed, "b");
    today.started_at = start;
    today.duration_ms = 0;
    today.follow_up_due_in = Some((mid - start) as u64);
    let mut tomorrow = spec("bea", 0, Outcome::FollowUpOwed, "c");
    tomorrow.started_at = end;
    tomorrow.duration_ms = 0;
    tomorrow.follow_up_due_in = Some(3_600_000);
    let ids = import(&store, &[overdue, today, tomorrow]);

    let sessions = |due| -> Vec<i64> {
        store
            .follow_ups(due, now)
            .unwrap()
            .iter()
            .map(|f| f.session_id)
            .collect()
    };
    assert_eq!(sessions(Due::Today), vec![ids[1]]);
    let mut want_overdue = vec![ids[0]];
    if mid < now {
        want_overdue.push(ids[1]);
    }
    assert_eq!(sessions(Due::Overdue), want_overdue);
    assert_eq!(sessions(Due::Open), ids);

    let first = store.follow_ups(Due::Overdue, now).unwrap()[0].id;
    store.set_follow_up_done(first, true).unwrap();
    assert!(!sessions(Due::Overdue).contains(&ids[0]));
    assert_eq!(sessions(Due::All).len(), 3);
    assert!(store.set_follow_up_done(9_999, true).is_err());
}

#[test]
fn exports_json_and_csv() {
    let (_dir, store, id) = fixture();
    let json = store.export_session(id[0], Format::Json).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["session"]["agent"], "alex");
    assert_eq!(v[0]["nudges"].as_array().unwrap().len(), 2);
    assert!(v[0]["note"]["body"]
        .as_str()
        .unwrap()
        .contains("double charge"));

    let csv_text = store
        .export(
            &SessionFilter {
                agent: Some("alex".into()),
                ..SessionFilter::default()
            },
            Format::Csv,
        )
        .unwrap();
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("id")], id[0].to_string());
    assert_eq!(&rows[1][col("rules_fired")], "interruption;speaking_fast");
    assert_eq!(&rows[1][col("heeded_ratio")], "0.500");
    assert_eq!(&rows[1][col("tags")], "billing;coaching");
    assert!(rows[1][col("started_at")].starts_with("2023-11-14T"));
    assert!(rows[1][col("note")].contains("## Nudges"));
}

#[test]
fn tags_can_be_set() {
    let (_dir, store, id) = fixture();
    store
        .set_tags(id[3], &["review".into(), "hung-up".into()])
        .unwrap();
    let got = ids(
        &store,
        SessionFilter {
            tags: vec!["review".into()],
            ..SessionFilter::default()
        },
    );
    assert_eq!(got, vec![id[3]]);
    assert!(store.set_tags(12_345, &["x".into()]).is_err());
}

/// Regression: the team view read at most 2,000 sessions and counted only those.
#[test]
fn agent_counts_cover_every_session_in_the_range() {
    let (_dir, store, _) = fixture();
    let more: Vec<Spec> = (0..2_100)
        .map(|_| {
            let mut s = spec("dee", 5, Outcome::Resolved, "all good");
            s.nudges = vec![(Rule::SpeakingFast, Some(true))];
            s
        })
        .collect();
    import(&store, &more);
    let all = store.agent_counts(None, None).unwrap();
    let calls: Vec<(&str, i64)> = all.calls.iter().map(|(a, n)| (a.as_str(), *n)).collect();
    assert_eq!(calls, [("alex", 2), ("bea", 1), ("cam", 1), ("dee", 2_100)]);
    let rule = |agent: &str, rule: &str| {
        all.rules
            .iter()
            .find(|r| r.agent == agent && r.rule == rule)
            .map(|r| (r.nudges, r.heeded))
    };
    assert_eq!(rule("alex", "interruption"), Some((2, 1)));
    assert_eq!(rule("alex", "monologue"), Some((1, 0)));
    assert_eq!(rule("dee", "speaking_fast"), Some((2_100, 2_100)));
    // Days 1 and 2 only: bea's call and alex's second.
    let some = store
        .agent_counts(
            Some(1_700_000_000_000 + DAY),
            Some(1_700_000_000_000 + 3 * DAY),
        )
        .unwrap();
    assert_eq!(
        some.calls,
        [("alex".to_string(), 1), ("bea".to_string(), 1)]
    );
    assert_eq!(some.rules.iter().map(|r| r.nudges).sum::<i64>(), 4);
}
