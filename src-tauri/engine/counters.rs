//! Running counts of what happened in the call. A nudge snapshots them when it fires; comparing
//! the snapshot with later counts tells whether the agent acted on it (heeded).

use super::output::Rule;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub agent_interruptions: u32,
    pub apologies: u32,
    pub negative_phrases: u32,
    pub abusive_remarks: u32,
    pub agent_hot_button: u32,
    pub customer_turns: u32,
    pub speech_starts: u32,
    pub holds_ended: u32,
    pub transfer_offers: u32,
    pub paraphrases: u32,
    pub acknowledgements: u32,
    pub follow_up_ticks: u32,
    /// Agent utterances after which the rate window was back under the limit.
    pub rate_ok: u32,
    /// Talk-share checks that came back under the limit.
    pub talk_share_ok: u32,
    /// Agent voice segments back under the heat limit.
    pub calm_segments: u32,
    /// Agent utterances or voice segments: chances to repeat (or stop) a behaviour.
    pub agent_turns: u32,
    /// The agent stated a boundary or steered back to the problem.
    pub boundary_statements: u32,
}

/// How a rule's nudge is judged heeded.
enum Heed {
    /// Heeded as soon as this count rises (the agent did the thing).
    Rises(fn(&Counters) -> u32),
    /// Heeded if this count stays put until the window closes while the second count rose: the
    /// agent had the chance to do it again and did not. Without a chance there is no verdict.
    StaysPut(fn(&Counters) -> u32, fn(&Counters) -> u32),
}

fn heed_rule(rule: Rule) -> Heed {
    use Heed::*;
    match rule {
        Rule::SpeakingFast => Rises(|c| c.rate_ok),
        Rule::TalkShare => Rises(|c| c.talk_share_ok),
        Rule::Interruption => StaysPut(|c| c.agent_interruptions, |c| c.customer_turns),
        Rule::Monologue => Rises(|c| c.customer_turns),
        Rule::DeadAir => Rises(|c| c.speech_starts),
        Rule::LongHold => Rises(|c| c.holds_ended),
        Rule::Heat => Rises(|c| c.calm_segments),
        Rule::ParaphraseFirst => Rises(|c| c.paraphrases),
        Rule::Acknowledge => Rises(|c| c.acknowledgements),
        Rule::OverApology => StaysPut(|c| c.apologies, |c| c.agent_turns),
        Rule::NegativePhrasing => StaysPut(|c| c.negative_phrases, |c| c.agent_turns),
        // What the agent does, not whether the customer calmed down.
        Rule::Boundary => Rises(|c| c.boundary_statements),
        Rule::Escalation => Rises(|c| c.transfer_offers),
        Rule::HotButton => StaysPut(|c| c.agent_hot_button, |c| c.agent_turns),
        Rule::FollowUp => Rises(|c| c.follow_up_ticks),
    }
}

/// What is known of a nudge's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The window is still open.
    Open,
    Heeded(bool),
    /// The window closed with no chance to tell (the agent never spoke again).
    NoChance,
}

pub fn heeded(rule: Rule, then: &Counters, now: &Counters, window_closed: bool) -> Verdict {
    match heed_rule(rule) {
        Heed::Rises(f) if f(now) > f(then) => Verdict::Heeded(true),
        Heed::Rises(_) if window_closed => Verdict::Heeded(false),
        Heed::StaysPut(f, _) if f(now) > f(then) => Verdict::Heeded(false),
        Heed::StaysPut(_, chance) if window_closed && chance(now) > chance(then) => {
            Verdict::Heeded(true)
        }
        _ if window_closed => Verdict::NoChance,
        _ => Verdict::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_counts_heed_at_once_and_miss_at_window_end() {
        let then = Counters::default();
        let mut now = then;
        assert_eq!(
            heeded(Rule::ParaphraseFirst, &then, &now, false),
            Verdict::Open
        );
        assert_eq!(
            heeded(Rule::ParaphraseFirst, &then, &now, true),
            Verdict::Heeded(false)
        );
        now.paraphrases += 1;
        assert_eq!(
            heeded(Rule::ParaphraseFirst, &then, &now, false),
            Verdict::Heeded(true)
        );
    }

    #[test]
    fn steady_counts_heed_only_after_a_chance_to_repeat() {
        let then = Counters::default();
        let mut now = then;
        assert_eq!(
            heeded(Rule::Interruption, &then, &now, false),
            Verdict::Open
        );
        // The customer never spoke again: the agent had no chance to interrupt.
        assert_eq!(
            heeded(Rule::Interruption, &then, &now, true),
            Verdict::NoChance
        );
        now.customer_turns += 2;
        assert_eq!(
            heeded(Rule::Interruption, &then, &now, true),
            Verdict::Heeded(true)
        );
        now.agent_interruptions += 1;
        assert_eq!(
            heeded(Rule::Interruption, &then, &now, false),
            Verdict::Heeded(false)
        );
    }

    #[test]
    fn a_boundary_is_heeded_by_what_the_agent_says() {
        let then = Counters::default();
        let mut now = then;
        // The customer calming down (no more abuse) is not the agent's doing.
        assert_eq!(
            heeded(Rule::Boundary, &then, &now, true),
            Verdict::Heeded(false)
        );
        now.boundary_statements += 1;
        assert_eq!(
            heeded(Rule::Boundary, &then, &now, false),
            Verdict::Heeded(true)
        );
    }
}
