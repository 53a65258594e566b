//! Golden replays: each sample call and the ticks and nudges it must produce.
//!
//! Expected timelines live in tests/golden/<sample>.txt (language judged by the word rules) and
//! tests/golden/model/<sample>.txt (with the language model, as the app runs when it is
//! installed), one moment per line: `tick ITEM mm:ss` or `nudge RULE mm:ss`; `#` starts a
//! comment. Times match within TOLERANCE_MS; every expected line must appear and nothing else may.

use std::path::Path;
use std::sync::Arc;

use parley::engine::{Output, Playbook};

const TOLERANCE_MS: u64 = 2000;

#[derive(Debug, Clone, PartialEq)]
struct Moment {
    kind: String,
    name: String,
    at_ms: u64,
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.at_ms / 1000;
        write!(f, "{} {} {:02}:{:02}", self.kind, self.name, s / 60, s % 60)
    }
}

fn parse_expected(path: &Path) -> Vec<Moment> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let bad = || -> ! {
                panic!(
                    "{}:{}: expected `tick|nudge NAME mm:ss`, got {l:?}",
                    path.display(),
                    i + 1
                )
            };
            if parts.len() != 3 || !matches!(parts[0], "tick" | "nudge") {
                bad();
            }
            let (m, s) = parts[2].split_once(':').unwrap_or_else(|| bad());
            let at_ms = (m.parse::<u64>().unwrap_or_else(|_| bad()) * 60
                + s.parse::<u64>().unwrap_or_else(|_| bad()))
                * 1000;
            Moment {
                kind: parts[0].into(),
                name: parts[1].into(),
                at_ms,
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Language {
    WordRules,
    Model,
}

fn actual(sample: &Path, language: Language) -> Vec<Moment> {
    let playbook = Arc::new(Playbook::builtin());
    let outputs = match language {
        Language::WordRules => parley::replay::replay_file_word_rules(sample, playbook),
        Language::Model => parley::replay::replay_file(sample, playbook),
    }
    .unwrap_or_else(|e| panic!("replay of {} failed: {e}", sample.display()));
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Tick { item, at_ms, .. } => Some(Moment {
                kind: "tick".into(),
                name: item.clone(),
                at_ms: *at_ms,
            }),
            Output::Nudge(n) => Some(Moment {
                kind: "nudge".into(),
                name: n.rule.to_string(),
                at_ms: n.at_ms,
            }),
            _ => None,
        })
        .collect()
}

fn check(sample: &str) {
    check_with(sample, Language::WordRules);
    if parley::models::shared_embedder().is_some() {
        check_with(sample, Language::Model);
    } else {
        eprintln!("SKIPPED the model golden of {sample}: language model not installed");
    }
}

fn check_with(sample: &str, language: Language) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample_path = root.join("assets/samples").join(sample);
    let stem = sample.rsplit_once('.').map_or(sample, |(s, _)| s);
    let folder = match language {
        Language::WordRules => "tests/golden".to_string(),
        Language::Model => "tests/golden/model".to_string(),
    };
    let expected = parse_expected(&root.join(&folder).join(format!("{stem}.txt")));
    let got = actual(&sample_path, language);

    let mut unmatched_got = got.clone();
    let mut missing = Vec::new();
    for e in &expected {
        let hit = unmatched_got.iter().position(|g| {
            g.kind == e.kind && g.name == e.name && g.at_ms.abs_diff(e.at_ms) <= TOLERANCE_MS
        });
        match hit {
            Some(i) => {
                unmatched_got.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    if !missing.is_empty() || !unmatched_got.is_empty() {
        let timeline: Vec<String> = got.iter().map(|m| m.to_string()).collect();
        panic!(
            "{sample}: timeline differs from {folder}/{stem}.txt\n  missing:    {}\n  unexpected: {}\n  actual timeline:\n    {}",
            missing.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "),
            unmatched_got.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "),
            timeline.join("\n    ")
        );
    }
}

#[test]
fn model_call_gets_no_nudges() {
    check("model-call.jsonl");
}

#[test]
fn fast_talker_is_told_to_slow_down() {
    check("fast-talker.jsonl");
}

#[test]
fn fix_without_paraphrase_is_caught() {
    check("fix-without-paraphrase.vtt");
}

#[test]
fn venting_customer_gets_acknowledgement_not_a_boundary() {
    check("venting-customer.jsonl");
}

#[test]
fn abusive_customer_climbs_the_boundary_ladder() {
    check("abusive-customer.srt");
}

#[test]
fn manager_request_asks_for_a_warm_transfer() {
    check("manager-request.jsonl");
}

#[test]
fn follow_up_promise_is_scheduled() {
    check("follow-up-promise.vtt");
}

#[test]
fn interrupting_agent_is_told_to_let_them_finish() {
    check("interrupting-agent.jsonl");
}

#[test]
fn long_hold_gets_a_check_back() {
    check("long-hold.jsonl");
}
