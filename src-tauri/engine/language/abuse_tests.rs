//! Abuse versus venting on the shipped playbook, with the near misses that matter.

use super::*;
use crate::engine::Playbook;

fn detector() -> AbuseDetector {
    match AbuseDetector::new(&Playbook::builtin().language.abuse) {
        Ok(d) => d,
        Err(e) => panic!("built-in abuse lists: {e}"),
    }
}

fn is_abuse(text: &str) -> bool {
    matches!(detector().classify(text), AbuseVerdict::Abuse { .. })
}

fn is_venting(text: &str) -> bool {
    matches!(detector().classify(text), AbuseVerdict::Venting { .. })
}

fn assert_climb(texts: &[&str]) {
    let d = detector();
    for text in texts {
        let v = d.classify(text);
        assert!(
            matches!(v, AbuseVerdict::Abuse { .. }),
            "should climb: {text}"
        );
    }
}

fn assert_no_climb(texts: &[&str]) {
    let d = detector();
    for text in texts {
        let v = d.classify(text);
        assert!(
            !matches!(v, AbuseVerdict::Abuse { .. }),
            "should not climb: {text}"
        );
    }
}

#[test]
fn insults_at_the_listener_climb() {
    assert_climb(&[
        "You people are useless.",
        "you're an idiot",
        "Are you stupid or something?",
        "You are the most incompetent person I've ever spoken to",
        "your staff are clueless",
        "your an idiot",
        "Shut up and listen to me.",
        "Go to hell.",
        "fuck you",
        "you f***ing moron",
        "You're a complete a$$hole",
        "u r such a loser",
        "you guys suck",
        "you're full of shit",
        "I'm sick of clowns like you",
        "what an idiot you are",
        "you are not very bright, are you",
        "How useless you are.",
        "Idiot! Did you even read my email?",
        "You guys are a complete joke",
        "I'm going to come down and kill you",
    ]);
}

#[test]
fn threats_are_threats() {
    match detector().classify("I know where you live, you'll regret this") {
        AbuseVerdict::Abuse { kind, score, .. } => {
            assert_eq!(kind, AbuseKind::Threat);
            assert!(score >= 0.9);
        }
        other => panic!("expected a threat, got {other:?}"),
    }
}

#[test]
fn venting_about_the_situation_does_not_climb() {
    for text in [
        "This company is useless.",
        "this f***ing app is useless",
        "What the hell is going on with my bill?",
        "This is bullshit, I've been waiting for an hour",
        "Your stupid website crashed again",
        "sh1t, the package is late again",
    ] {
        assert!(!is_abuse(text), "should not climb: {text}");
        assert!(is_venting(text), "should be venting: {text}");
    }
}

#[test]
fn third_parties_are_not_the_listener() {
    assert_no_climb(&[
        "My husband is an idiot, he cancelled the wrong card",
        "you know, the last agent was a complete idiot",
        "He can go to hell for all I care",
        "you said the app is useless, and it is",
        "They need to shut up about the upgrade",
    ]);
}

#[test]
fn negation_and_quotation_disarm() {
    assert_no_climb(&[
        "I'm not calling you stupid, I'm just upset",
        "you're not an idiot, the system is",
        "he said \"you idiot\" to me on the phone",
        "The last rep told me \"shut up\" and hung up",
        "she said you people are useless",
    ]);
}

#[test]
fn sarcasm_needs_a_marker() {
    assert!(is_abuse("Thanks for nothing, genius."));
    assert!(!is_abuse("You're a genius, that fixed it!"));
    assert!(is_venting("Oh great, now it's broken again"));
}

#[test]
fn polite_speech_is_clean() {
    for text in [
        "I can't wait to help you with that.",
        "Could you tell me your account number?",
        "Thank you so much, you've been really helpful",
        "I understand.",
    ] {
        assert_eq!(detector().classify(text), AbuseVerdict::Clean, "{text}");
    }
}

#[test]
fn descriptors_only_insult_as_something_said_of_the_listener() {
    assert_no_climb(&[
        "You sent me a ridiculous bill",
        "you have terrible service",
        "Can you check for fraud on my card?",
        "you put a stupid form on the website",
        "I'm sorry you are feeling sick today",
    ]);
    assert!(is_abuse("you are so ridiculous"));
    assert!(is_abuse("you're a fraud"));
}

#[test]
fn harm_needs_the_speaker_as_its_subject() {
    assert!(is_abuse("I swear I will beat you"));
    assert_no_climb(&[
        "those scammers will beat you to it",
        "my husband said he would kill you if you cancelled the card",
    ]);
}

#[test]
fn phrases_do_not_run_across_sentences() {
    assert_no_climb(&[
        "Oh damn. You are right, it was the old address.",
        "The outage will end. You can call back tomorrow.",
    ]);
}

#[test]
fn a_bare_name_needs_the_listener_and_nobody_else() {
    // About the ex-husband, not the agent.
    assert!(!is_abuse(
        "Idiot. He cancelled my card and now you can't find it."
    ));
    // Nobody is addressed.
    assert!(!is_abuse("Idiot."));
    // A quoted name is somebody else's word.
    assert!(!is_abuse(
        "\"Loser.\" That's what the letter said, can you believe it?"
    ));
}

#[test]
fn a_name_behind_a_verb_or_preposition_belongs_to_someone_else() {
    assert_no_climb(&[
        "you had me talking to idiots for an hour",
        "you sold my details to crooks",
        "you blocked scammers last time, didn't you",
    ]);
    assert_climb(&[
        "you are nothing but a liar",
        "you're a bunch of clowns reading a script",
        "you're a scared little creep",
        "you lying bastard",
    ]);
}

#[test]
fn crude_remarks_about_the_listener_climb() {
    assert_climb(&[
        "get off your lazy ass and fix it",
        "I will beat your ass",
        "you people are despicable",
    ]);
}
