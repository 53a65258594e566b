//! The semantic layer with the real model: whole engines hear lines and replies, written and as
//! speech-to-text gives them. Needs scripts/install-models.sh (scripts/test.sh runs it); without
//! the model each test says it was skipped.

use std::sync::{Arc, OnceLock};

use parley::engine::{Coach, Playbook};
use parley::eval::callcenter::asr;
use parley::eval::probe;
use parley::models;

fn coach() -> Option<&'static Coach> {
    static COACH: OnceLock<Option<Coach>> = OnceLock::new();
    COACH
        .get_or_init(|| match models::load_embedder() {
            Ok(e) => Some(
                Coach::with_embedder(Arc::new(Playbook::builtin()), e)
                    .expect("the committed heads fit the installed model"),
            ),
            Err(e) => {
                eprintln!(
                    "SKIPPED: language model not installed ({e}); run scripts/install-models.sh"
                );
                None
            }
        })
        .as_ref()
}

/// Both forms of every line: as written and as a recognizer gives it.
fn forms(text: &str) -> [String; 2] {
    [text.to_string(), asr(text)]
}

fn assert_climbs(c: &Coach, lines: &[&str], expected: bool) {
    let mut wrong = Vec::new();
    for line in lines {
        for form in forms(line) {
            if probe::climbs(c, &form) != expected {
                wrong.push(form);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "expected climbs={expected} for: {wrong:#?}"
    );
}

#[test]
fn abuse_aimed_at_the_agent_climbs_without_swear_words() {
    let Some(c) = coach() else { return };
    assert_climbs(
        c,
        &[
            "You are honestly the thickest person I have ever dealt with.",
            "Are you brain dead or just lazy?",
            "I hope you get hit by a bus on your way home.",
            "You people are worthless, every single one of you.",
            "Shut up and listen to me for once, you clown.",
        ],
        true,
    );
}

#[test]
fn venting_and_near_misses_do_not_climb() {
    let Some(c) = coach() else { return };
    assert_climbs(
        c,
        &[
            "This stupid router has dropped out six times today, it's driving me mad.",
            "I'm so fed up, this whole week has been a disaster.",
            "Could you put Karen on the account as a second user?",
            "Can you show me how the new app works?",
            "Please kill the old direct debit, I've moved banks.",
            "Hang on, let me grab the reference number for you.",
            "Thanks, you've been really helpful today.",
        ],
        false,
    );
}

#[test]
fn a_restatement_in_other_words_ticks_paraphrase() {
    let Some(c) = coach() else { return };
    let customer = "I was charged twice for my gym membership this month and the second payment \
                    made my account go overdrawn.";
    for agent in forms(
        "So you got billed two times for the gym this month, and that extra charge pushed your \
         account into the red, is that right?",
    ) {
        assert!(
            probe::reply(c, &[customer], &agent).paraphrase,
            "not seen: {agent}"
        );
    }
}

#[test]
fn questions_and_wrong_restatements_do_not_tick_paraphrase() {
    let Some(c) = coach() else { return };
    let customer = "My internet has been cutting out every evening since Tuesday and I work from \
                    home, so I keep losing calls.";
    for agent in [
        "Can I take the account holder's full name and postcode please?",
        "I understand.",
        "So your television signal has been fine but the phone bill is wrong, is that right?",
    ] {
        for form in forms(agent) {
            assert!(
                !probe::reply(c, &[customer], &form).paraphrase,
                "ticked: {form}"
            );
        }
    }
}

#[test]
fn acknowledgement_must_name_the_feeling() {
    let Some(c) = coach() else { return };
    let customer = "I've been without hot water for nine days with two small kids and nobody \
                    has turned up to any of the appointments.";
    for agent in forms(
        "Nine days with no hot water and little ones at home, and then nobody showing up, that \
         must be exhausting.",
    ) {
        assert!(
            probe::reply(c, &[customer], &agent).acknowledge,
            "not seen: {agent}"
        );
    }
    for agent in [
        "No problem, can I get the postcode?",
        "Sounds good, bear with me one moment.",
        "Right, I can hear you clearly now.",
    ] {
        for form in forms(agent) {
            assert!(
                !probe::reply(c, &[customer], &form).acknowledge,
                "ticked: {form}"
            );
        }
    }
}

#[test]
fn embeddings_place_meaning_not_words() {
    if coach().is_none() {
        return;
    }
    let e = models::load_embedder().expect("loaded above");
    let a = e.embed("please cancel my subscription").expect("embeds");
    let b = e.embed("I want to end my membership").expect("embeds");
    let c = e.embed("the parcel arrived damaged").expect("embeds");
    assert!(a.cosine(&b) > 0.45, "{}", a.cosine(&b));
    assert!(a.cosine(&c) < 0.3, "{}", a.cosine(&c));
    assert_eq!(e.embed("same text").ok(), e.embed("same text").ok());
}
