//! The drafted session note, from a summary with every part filled in.

use chrono::FixedOffset;
use parley::engine::event::Speaker;
use parley::engine::output::{
    Evidence, FollowUp, ItemStatus, Nudge, NudgeRecord, Outcome, Pacing, Rule, Summary,
};
use parley::store::note::{draft, NoteContext};

fn nudge(
    id: u32,
    rule: Rule,
    at_ms: u64,
    headline: &str,
    heeded: Option<bool>,
    dismissed: bool,
) -> NudgeRecord {
    NudgeRecord {
        nudge: Nudge {
            id,
            rule,
            at_ms,
            headline: headline.into(),
            script: None,
            reason: format!("reason {id}"),
            priority: 3,
            step: None,
        },
        heeded,
        dismissed,
    }
}

fn summary() -> Summary {
    Summary {
        duration_ms: 425_000,
        playbook: "difficult-call".into(),
        concern: Some("I was  charged twice\nafter cancelling".into()),
        outcome: Outcome::FollowUpOwed,
        checklist: vec![
            ItemStatus {
                item: "open".into(),
                label: "Greet, give your name".into(),
                done: true,
                evidence: Some(Evidence {
                    at_ms: 2_000,
                    speaker: Some(Speaker::Agent),
                    text: Some("my name is Alex".into()),
                    by_agent: false,
                }),
            },
            ItemStatus {
                item: "paraphrase".into(),
                label: "Restate the concern".into(),
                done: true,
                evidence: Some(Evidence {
                    at_ms: 95_000,
                    speaker: None,
                    text: None,
                    by_agent: true,
                }),
            },
            ItemStatus {
                item: "close".into(),
                label: "Confirm and close".into(),
                done: false,
                evidence: None,
            },
        ],
        items_done: 2,
        items_total: 3,
        pacing: Pacing {
            agent_talk_share: 0.42,
            agent_wpm_overall: Some(158.4),
            interruptions: 2,
            longest_silence_ms: 9_200,
            longest_monologue_ms: 31_000,
            hold_ms: 65_000,
            ..Pacing::default()
        },
        nudges: vec![
            nudge(
                1,
                Rule::Interruption,
                133_000,
                "Let them finish",
                Some(true),
                false,
            ),
            nudge(
                2,
                Rule::SpeakingFast,
                200_000,
                "Slow down",
                Some(false),
                false,
            ),
            nudge(
                3,
                Rule::DeadAir,
                300_000,
                "Say what you're doing",
                None,
                true,
            ),
        ],
        nudges_heeded: 1,
        follow_ups: vec![FollowUp {
            at_ms: 400_000,
            text: "I'll call you back within 48 hours".into(),
            due_in_ms: Some(172_800_000),
        }],
        boundary_step: 0,
        escalated: false,
        reset_suggested: true,
        agent_notes: vec!["customer prefers email".into()],
        limits: None,
        actions: vec![
            "apologized at 01:10".into(),
            "offered a refund at 05:02".into(),
        ],
    }
}

#[test]
fn the_note_has_every_part() {
    let ctx = NoteContext {
        agent: "alex",
        // 2026-01-05 09:00 UTC
        started_at: 1_767_603_600_000,
        offset: FixedOffset::east_opt(3_600).unwrap(),
        interrupted: false,
    };
    let body = draft(
        &ctx,
        &summary(),
        "customer prefers email\nRefund ticket 88812 raised.",
    );
    assert_eq!(body.matches("customer prefers email").count(), 1, "{body}");
    let expect = [
        "# Call 2026-01-05 10:00 - alex (07:05)",
        "**Concern:** I was charged twice after cancelling",
        "**Outcome:** follow-up owed (follow_up_owed)",
        "- apologized at 01:10",
        "- offered a refund at 05:02",
        // Ended 10:07:05 local, due 48 h later.
        "- at 06:40: \"I'll call you back within 48 hours\" - due 2026-01-07 10:07",
        "## Checklist (2/3)",
        "- [x] Greet, give your name (00:02)",
        "- [x] Restate the concern (01:35, ticked by agent)",
        "- [ ] Confirm and close",
        "## Nudges (3, 1 heeded)",
        "- 02:13 Let them finish (interruption) - heeded - reason 1",
        "- 03:20 Slow down (speaking_fast) - not heeded - reason 2",
        "- 05:00 Say what you're doing (dead_air) - dismissed - reason 3",
        "Agent talk share 42% - 158 wpm - 2 interruptions - longest silence 9.2 s - longest monologue 31.0 s",
        "On hold 65.0 s",
        "customer prefers email",
        "Refund ticket 88812 raised.",
        "take a short reset",
    ];
    for line in expect {
        assert!(body.contains(line), "missing {line:?} in:\n{body}");
    }
    assert!(!body.contains("Interrupted"));
}

#[test]
fn an_interrupted_call_says_so_and_copes_with_missing_parts() {
    let mut s = summary();
    s.concern = None;
    s.follow_ups[0].due_in_ms = None;
    s.nudges.clear();
    s.nudges_heeded = 0;
    s.actions.clear();
    s.agent_notes.clear();
    s.pacing.agent_wpm_overall = None;
    let ctx = NoteContext {
        agent: "alex",
        started_at: 0,
        offset: FixedOffset::east_opt(0).unwrap(),
        interrupted: true,
    };
    let body = draft(&ctx, &s, "");
    for line in [
        "_Interrupted:",
        "**Concern:** (not captured)",
        "- none recorded",
        "no due time said",
        "## Nudges (0, 0 heeded)",
        "- none\n",
        "rate n/a",
        "(none)",
    ] {
        assert!(body.contains(line), "missing {line:?} in:\n{body}");
    }
}
