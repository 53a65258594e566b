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
}

/// How a rule's nudge is judged heeded.
enum Heed {
    /// Heeded as soon as this count rises (the agent did the thing).
    Rises(fn(&Counters) -> u32),
    /// Heeded if this count stays put until the window closes (the agent stopped doing it).
    StaysPut(fn(&Counters) -> u32),
}

fn heed_rule(rule: Rule) -> Heed {
    use Heed::*;
    match rule {
        Rule::SpeakingFast => Rises(|c| c.rate_ok),
        Rule::TalkShare => Rises(|c| c.talk_share_ok),
        Rule::Interruption => StaysPut(|c| c.agent_interruptions),
        Rule::Monologue => Rises(|c| c.customer_turns),
        Rule::DeadAir => Rises(|c| c.speech_starts),
        Rule::LongHold => Rises(|c| c.holds_ended),
        Rule::Heat => Rises(|c| c.calm_segments),
        Rule::ParaphraseFirst => Rises(|c| c.paraphrases),
        Rule::Acknowledge => Rises(|c| c.acknowledgements),
        Rule::OverApology => StaysPut(|c| c.apologies),
        Rule::NegativePhrasing => StaysPut(|c| c.negative_phrases),
        Rule::Boundary => StaysPut(|c| c.abusive_remarks),
        Rule::Escalation => Rises(|c| c.transfer_offers),
        Rule::HotButton => StaysPut(|c| c.agent_hot_button),
        Rule::FollowUp => Rises(|c| c.follow_up_ticks),
    }
}

/// `Some(verdict)` once the verdict is known; `None` while the window is still open.
pub fn heeded(rule: Rule, then: &Counters, now: &Counters, window_closed: bool) -> Option<bool> {
    match heed_rule(rule) {
        Heed::Rises(f) if f(now) > f(then) => Some(true),
        Heed::Rises(_) => window_closed.then_some(false),
        Heed::StaysPut(f) if f(now) > f(then) => Some(false),
        Heed::StaysPut(_) => window_closed.then_some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_counts_heed_at_once_and_miss_at_window_end() {
        let then = Counters::default();
        let mut now = then;
        assert_eq!(heeded(Rule::ParaphraseFirst, &then, &now, false), None);
        assert_eq!(
            heeded(Rule::ParaphraseFirst, &then, &now, true),
            Some(false)
        );
        now.paraphrases += 1;
        assert_eq!(
            heeded(Rule::ParaphraseFirst, &then, &now, false),
            Some(true)
        );
    }

    #[test]
    fn steady_counts_heed_only_when_the_window_closes() {
        let then = Counters::default();
        let mut now = then;
        assert_eq!(heeded(Rule::Interruption, &then, &now, false), None);
        assert_eq!(heeded(Rule::Interruption, &then, &now, true), Some(true));
        now.agent_interruptions += 1;
        assert_eq!(heeded(Rule::Interruption, &then, &now, false), Some(false));
    }
}
