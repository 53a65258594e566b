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

#[test]
fn insults_at_the_listener_climb() {
    for text in [
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
    ] {
        assert!(is_abuse(text), "should climb: {text}");
    }
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
    for text in [
        "My husband is an idiot, he cancelled the wrong card",
        "you know, the last agent was a complete idiot",
        "He can go to hell for all I care",
        "you said the app is useless, and it is",
        "They need to shut up about the upgrade",
    ] {
        assert!(!is_abuse(text), "should not climb: {text}");
    }
}

#[test]
fn negation_and_quotation_disarm() {
    for text in [
        "I'm not calling you stupid, I'm just upset",
        "you're not an idiot, the system is",
        "he said \"you idiot\" to me on the phone",
        "The last rep told me \"shut up\" and hung up",
        "she said you people are useless",
    ] {
        assert!(!is_abuse(text), "should not climb: {text}");
    }
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
