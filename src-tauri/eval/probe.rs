//! Single lines and pairs through a whole engine, the way a call would bring them: a call
//! starts, the customer speaks, the agent replies. What the engine does with them is the verdict.

use crate::engine::playbook::Detect;
use crate::engine::{Coach, Event, Ms, Output, Rule, Speaker, Utterance};

/// Two and a half words a second, a short gap between turns.
const MS_PER_WORD: Ms = 400;
const TURN_GAP_MS: Ms = 600;

fn utterance(speaker: Speaker, text: &str, start_ms: Ms) -> Utterance {
    let words = text.split_whitespace().count().max(1) as Ms;
    Utterance {
        speaker,
        text: text.to_string(),
        start_ms,
        end_ms: start_ms + words * MS_PER_WORD,
        is_final: true,
    }
}

/// What one customer line did to the call.
#[derive(Debug, Clone, Copy, Default)]
pub struct Heard {
    /// The boundary ladder climbed.
    pub climbed: bool,
    /// The engine now waits for the agent to acknowledge venting.
    pub venting: bool,
}

/// Did one customer line climb the boundary ladder?
pub fn climbs(coach: &Coach, text: &str) -> bool {
    hear(coach, text).climbed
}

pub fn hear(coach: &Coach, text: &str) -> Heard {
    let mut engine = coach.engine();
    start(&mut engine);
    let out = engine.feed(&Event::Utterance(utterance(Speaker::Customer, text, 1000)));
    Heard {
        climbed: out
            .iter()
            .any(|o| matches!(o, Output::Nudge(n) if n.rule == Rule::Boundary)),
        venting: engine.awaits_acknowledgement(),
    }
}

/// The rules whose nudges one customer line set off.
pub fn customer_rules(coach: &Coach, text: &str) -> Vec<Rule> {
    let mut engine = coach.engine();
    start(&mut engine);
    nudged(&engine.feed(&Event::Utterance(utterance(Speaker::Customer, text, 1000))))
}

/// The rules whose nudges one agent line set off, early in a call.
pub fn agent_rules(coach: &Coach, text: &str) -> Vec<Rule> {
    let mut engine = coach.engine();
    start(&mut engine);
    nudged(&engine.feed(&Event::Utterance(utterance(Speaker::Agent, text, 1000))))
}

fn start(engine: &mut crate::engine::Engine) {
    engine.feed(&Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    });
}

fn nudged(out: &[Output]) -> Vec<Rule> {
    out.iter()
        .filter_map(|o| match o {
            Output::Nudge(n) => Some(n.rule),
            _ => None,
        })
        .collect()
}

/// What the engine ticked for the agent's reply to the customer's lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reply {
    pub paraphrase: bool,
    pub acknowledge: bool,
}

pub fn reply(coach: &Coach, customer: &[&str], agent: &str) -> Reply {
    let mut engine = coach.engine();
    start(&mut engine);
    let mut at = 1000;
    for line in customer {
        let u = utterance(Speaker::Customer, line, at);
        at = u.end_ms + TURN_GAP_MS;
        engine.feed(&Event::Utterance(u));
    }
    let out = engine.feed(&Event::Utterance(utterance(Speaker::Agent, agent, at)));
    let pb = coach.playbook();
    let ticked = |d: Detect| {
        pb.item_for(d).is_some_and(|id| {
            out.iter()
                .any(|o| matches!(o, Output::Tick { item, .. } if item == id))
        })
    };
    Reply {
        paraphrase: ticked(Detect::Paraphrase),
        acknowledge: ticked(Detect::Acknowledge),
    }
}
