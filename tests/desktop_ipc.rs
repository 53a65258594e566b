//! The web UI and Rust agree: JSDoc typedefs in ui/ipc.js match what serde sends, and the
//! command lists (handler, build manifest, capabilities) name the same commands.
#![cfg(feature = "desktop")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use parley::desktop::ipc::{CallSource, NoteDraft, OverlayState, PhaseView, UiEvent};
use parley::desktop::review::{
    AgentStats, Limits, PacingSample, ReviewDetail, RuleStats, TeamPart, TeamStats,
};
use parley::desktop::settings::Settings;
use parley::desktop::team_review::TeamServer;
use parley::engine::output::{Evidence, ItemStatus, NudgeRecord};
use parley::engine::{CallState, Nudge, Pacing, PacingLimits, Rule, Speaker};
use parley::store::{
    ChecklistRow, FollowUpRow, Note, NoteVersion, NudgeRow, Page, SessionDetail, SessionFilter,
    SessionRow, Status, TimelineEntry,
};
use parley::team::remote::{Comment, TeamRow};
use parley::team::scorecard::{CriterionScore, ScoreOverride, Scorecard};
use parley::team::trends::WeekRow;
use serde_json::Value;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// typedef name -> property names, from `@typedef {Object} Name` / `@property {T} [name]` lines.
fn typedefs() -> BTreeMap<String, BTreeSet<String>> {
    let mut defs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in read("ui/ipc.js").lines() {
        let line = line.trim_start_matches([' ', '*']).trim();
        if let Some(rest) = line.strip_prefix("@typedef {Object} ") {
            current = Some(rest.trim().to_string());
            defs.entry(rest.trim().to_string()).or_default();
        } else if let (Some(rest), Some(name)) = (line.strip_prefix("@property "), &current) {
            let after_type = rest.split_once("} ").map(|x| x.1).unwrap_or(rest);
            let prop = after_type
                .split_whitespace()
                .next()
                .unwrap()
                .trim_matches(['[', ']']);
            defs.get_mut(name).unwrap().insert(prop.to_string());
        } else if line.starts_with("*/") || line.is_empty() {
            current = None;
        }
    }
    defs
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn evidence() -> Evidence {
    Evidence {
        at_ms: 1,
        speaker: Some(Speaker::Agent),
        text: Some("so you were charged twice".into()),
        by_agent: false,
    }
}

fn nudge() -> Nudge {
    Nudge {
        id: 1,
        rule: Rule::Boundary,
        at_ms: 2,
        headline: "Set a boundary".into(),
        script: Some("I want to help, and I need us to keep this respectful.".into()),
        reason: "abusive remark at 00:02".into(),
        priority: 9,
        step: Some(1),
    }
}

fn pacing() -> Pacing {
    Pacing {
        agent_wpm: Some(150.0),
        agent_wpm_overall: Some(140.0),
        since_customer_spoke_ms: Some(3000),
        ..Pacing::default()
    }
}

fn samples() -> Vec<(&'static str, Value)> {
    let item = ItemStatus {
        item: "paraphrase".into(),
        label: "Paraphrase".into(),
        done: true,
        evidence: Some(evidence()),
    };
    let record = NudgeRecord {
        nudge: nudge(),
        heeded: Some(true),
        dismissed: false,
    };
    let phase = PhaseView {
        id: "listen".into(),
        label: "Listen".into(),
        index: 2,
        count: 5,
    };
    let draft = NoteDraft {
        session_id: 1,
        text: "note".into(),
        outcome: "Resolved".into(),
        duration_ms: 10,
    };
    let state = OverlayState {
        seq: 1,
        call: CallState::Live,
        source: Some(CallSource::Replay),
        replay_file: Some("x.jsonl".into()),
        replay_speed: 1.0,
        call_ms: 5,
        phase: Some(phase.clone()),
        checklist: vec![item.clone()],
        current_item: Some("close".into()),
        nudge: Some(nudge()),
        history: vec![record.clone()],
        pacing: Some(pacing()),
        boundary_step: 1,
        boundary_steps: 3,
        draft: Some(draft.clone()),
        expanded: true,
        theme: "dark".into(),
        dock: "right".into(),
        sent_at: 1.0,
        notice: Some("the live endpoint could not start".into()),
        audio: parley::desktop::ipc::AudioView::default(),
    };
    let row = SessionRow {
        id: 1,
        agent: "A".into(),
        started_at: 0,
        ended_at: Some(1),
        duration_ms: Some(1),
        playbook: "p".into(),
        outcome: Some("resolved".into()),
        status: Status::Complete,
        source: "live".into(),
        nudge_count: 1,
        heeded_count: 1,
        heeded_ratio: Some(1.0),
        items_done: 1,
        items_total: 2,
        tags: vec![],
    };
    let note = Note {
        body: "b".into(),
        drafted_at: 0,
        edited_at: Some(1),
        edited_by: Some("lead".into()),
    };
    let version = NoteVersion {
        body: "a".into(),
        saved_at: 0,
        saved_by: "agent".into(),
    };
    let check = ChecklistRow {
        item: "open".into(),
        label: Some("Open".into()),
        done: true,
        at_ms: Some(1),
        by_agent: false,
        speaker: Some("agent".into()),
        evidence: Some("hello".into()),
    };
    let nudge_row = NudgeRow {
        nudge_id: 1,
        rule: "heat".into(),
        at_ms: 1,
        headline: "h".into(),
        script: None,
        reason: "r".into(),
        priority: 1,
        step: None,
        heeded: None,
        dismissed: false,
    };
    let follow = FollowUpRow {
        id: 1,
        session_id: 1,
        agent: "A".into(),
        at_ms: 1,
        text: "call back".into(),
        due_at: None,
        done: false,
    };
    let entry = TimelineEntry {
        at_ms: 1,
        origin: "event".into(),
        kind: "tick".into(),
        json: serde_json::json!({"type": "tick", "at_ms": 1}),
    };
    let sample = PacingSample {
        at_ms: 0,
        talk_share: 0.5,
        recent_talk_share: 0.5,
        wpm: None,
    };
    let limits = Limits {
        playbook: "difficult-call".into(),
        talk_share_max: 0.65,
        fast_wpm: 170.0,
    };
    let over = ScoreOverride {
        id: 1,
        criterion: "empathy".into(),
        met: true,
        reason: "named the feeling".into(),
        author: "lena".into(),
        created_at: 1,
    };
    let criterion = CriterionScore {
        id: "empathy".into(),
        label: "Named the feeling".into(),
        weight: 3.0,
        met_by_checklist: false,
        evidence: vec!["acknowledge: not ticked".into()],
        met: true,
        overridden: Some(over.clone()),
    };
    let card = Scorecard {
        playbook: "difficult-call".into(),
        missing: None,
        criteria: vec![criterion.clone()],
        score: Some(1.0),
        history: vec![over.clone()],
    };
    let comment = Comment {
        id: 1,
        author: "lena".into(),
        at_ms: Some(65_000),
        body: "Good recovery".into(),
        created_at: 1,
    };
    let team_part = TeamPart {
        uid: "0".repeat(32),
        owner: "alice".into(),
        team: "north".into(),
        comments: vec![comment.clone()],
        error: None,
    };
    let team_row = TeamRow {
        uid: "0".repeat(32),
        owner: "alice".into(),
        team: "north".into(),
        session: row.clone(),
    };
    let week = WeekRow {
        agent: "alice".into(),
        owner: "alice".into(),
        week: 0,
        calls: 1,
        nudges: 2,
        heeded: 1,
        heeded_rate: Some(0.5),
        interruptions_per_call: 1.0,
        talk_share: Some(0.4),
        boundary_calls: 0,
        follow_ups_overdue: 0,
    };
    let server = TeamServer {
        server: Some("lena@db:5432/parley".into()),
        sync: Some("alice@db:5432/parley".into()),
        kind: Some("lead".into()),
        error: None,
    };
    let detail = ReviewDetail {
        detail: SessionDetail {
            session: row.clone(),
            note: Some(note.clone()),
            note_history: vec![version.clone()],
            checklist: vec![check.clone()],
            nudges: vec![nudge_row.clone()],
            follow_ups: vec![follow.clone()],
            timeline: vec![entry.clone()],
            pacing_limits: Some(PacingLimits {
                talk_share_max: 0.6,
                fast_wpm: 170.0,
            }),
        },
        pacing: vec![sample.clone()],
        pacing_from: "recorded".into(),
        limits: Some(limits.clone()),
        scorecard: card.clone(),
        team: Some(team_part.clone()),
    };
    let j = |v: serde_json::Result<Value>| v.unwrap();
    vec![
        ("OverlayState", j(serde_json::to_value(&state))),
        ("PhaseView", j(serde_json::to_value(&phase))),
        ("ItemStatus", j(serde_json::to_value(&item))),
        ("Evidence", j(serde_json::to_value(evidence()))),
        ("Nudge", j(serde_json::to_value(nudge()))),
        ("NudgeRecord", j(serde_json::to_value(&record))),
        ("Pacing", j(serde_json::to_value(pacing()))),
        ("NoteDraft", j(serde_json::to_value(&draft))),
        ("SessionRow", j(serde_json::to_value(&row))),
        (
            "Page",
            j(serde_json::to_value(Page {
                total: 1,
                offset: 0,
                items: vec![row],
            })),
        ),
        (
            "SessionFilter",
            j(serde_json::to_value(SessionFilter::default())),
        ),
        ("ReviewDetail", j(serde_json::to_value(&detail))),
        ("Limits", j(serde_json::to_value(&limits))),
        (
            "PacingLimits",
            j(serde_json::to_value(PacingLimits {
                talk_share_max: 0.6,
                fast_wpm: 170.0,
            })),
        ),
        ("TeamStats", j(serde_json::to_value(TeamStats::default()))),
        ("TeamPart", j(serde_json::to_value(&team_part))),
        ("Comment", j(serde_json::to_value(&comment))),
        ("Scorecard", j(serde_json::to_value(&card))),
        ("CriterionScore", j(serde_json::to_value(&criterion))),
        ("ScoreOverride", j(serde_json::to_value(&over))),
        ("TeamServer", j(serde_json::to_value(&server))),
        ("TeamRow", j(serde_json::to_value(&team_row))),
        ("WeekRow", j(serde_json::to_value(&week))),
        ("Note", j(serde_json::to_value(&note))),
        ("NoteVersion", j(serde_json::to_value(&version))),
        ("ChecklistRow", j(serde_json::to_value(&check))),
        ("NudgeRow", j(serde_json::to_value(&nudge_row))),
        ("FollowUpRow", j(serde_json::to_value(&follow))),
        ("TimelineEntry", j(serde_json::to_value(&entry))),
        ("PacingSample", j(serde_json::to_value(&sample))),
        (
            "AgentStats",
            j(serde_json::to_value(AgentStats {
                agent: "A".into(),
                calls: 1,
                rules: vec![],
                nudges: 0,
                heeded: 0,
            })),
        ),
        (
            "RuleStats",
            j(serde_json::to_value(RuleStats {
                rule: "heat".into(),
                nudges: 1,
                heeded: 0,
            })),
        ),
        ("Settings", j(serde_json::to_value(Settings::default()))),
        (
            "AudioView",
            j(serde_json::to_value(
                parley::desktop::ipc::AudioView::default(),
            )),
        ),
        (
            "Levels",
            j(serde_json::to_value(parley::desktop::hearing::Levels {
                mode: parley::desktop::hearing::Mode::Call,
                mic: None,
                call: None,
            })),
        ),
        (
            "SideLevel",
            j(serde_json::to_value(parley::desktop::hearing::SideLevel {
                device: "virtmic".into(),
                level_db: -20.0,
                speech: true,
            })),
        ),
        (
            "Hotkeys",
            j(serde_json::to_value(Settings::default().hotkeys)),
        ),
    ]
}

#[test]
fn js_typedefs_match_what_rust_sends() {
    let defs = typedefs();
    for (name, value) in samples() {
        let js = defs
            .get(name)
            .unwrap_or_else(|| panic!("ui/ipc.js has no typedef {name}"));
        assert_eq!(
            &keys(&value),
            js,
            "ui/ipc.js typedef {name} drifted from Rust"
        );
    }
}

#[test]
fn ui_events_are_tagged_with_the_types_the_ui_handles() {
    let defs = typedefs();
    let state = serde_json::to_value(UiEvent::SessionsChanged { id: 3 }).unwrap();
    assert_eq!(state["type"], "sessions_changed");
    assert!(defs["UiEvent"].contains("id"));
    assert_eq!(
        serde_json::to_value(UiEvent::FocusNote).unwrap()["type"],
        "focus_note"
    );
    let js = read("ui/ipc.js");
    for tag in ["\"state\"", "\"sessions_changed\"", "\"focus_note\""] {
        assert!(
            js.contains(tag),
            "UiEvent type {tag} missing from ui/ipc.js"
        );
    }
}

/// The quoted names between two markers of a file.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap() + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn command_lists_agree() {
    let handler: BTreeSet<String> = {
        let src = read("src-tauri/desktop/mod.rs");
        let from = src.find("generate_handler![").unwrap();
        let to = from + src[from..].find("])").unwrap();
        src[from..to]
            .split("commands::")
            .skip(1)
            .map(|s| s.split(',').next().unwrap().trim().to_string())
            .collect()
    };
    let manifest = quoted_between(&read("build.rs"), "const COMMANDS", "];");
    assert_eq!(
        handler, manifest,
        "build.rs COMMANDS must list every handled command"
    );
    let mut granted = BTreeSet::new();
    for cap in ["capabilities/overlay.json", "capabilities/review.json"] {
        let v: Value = serde_json::from_str(&read(cap)).unwrap();
        assert_eq!(
            v["windows"].as_array().unwrap().len(),
            1,
            "{cap}: one window each"
        );
        for p in v["permissions"].as_array().unwrap() {
            let p = p.as_str().unwrap();
            if let Some(cmd) = p.strip_prefix("allow-") {
                let cmd = cmd.replace('-', "_");
                assert!(handler.contains(&cmd), "{cap} grants unknown command {cmd}");
                granted.insert(cmd);
            } else {
                assert!(
                    p.starts_with("core:event:allow-"),
                    "{cap}: unexpected permission {p}"
                );
            }
        }
    }
    assert_eq!(granted, handler, "every command is granted to some window");
}
