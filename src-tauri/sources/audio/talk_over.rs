//! Both sides talking at once, reported while it lasts: a `TalkOver` event at every
//! [`GRID_MS`] of audio time during which both channels' spurts are open, so the engine can
//! coach an interruption before either turn has ended (a spurt is only reported after its
//! hangover of silence). Live capture asks [`TalkOverClock::due`] after every read of the rings;
//! a recorded file gets the same events from its finished spurts ([`from_spurts`]), so a replay
//! coaches the interruption at the moment the live call did.

use crate::engine::{Event, Ms, Speaker};

/// Spacing of the reports, in audio time.
pub const GRID_MS: Ms = 100;

/// The live side: remembers the last report so each grid point is sent once.
#[derive(Debug, Default)]
pub struct TalkOverClock {
    last: Option<Ms>,
}

impl TalkOverClock {
    /// `agent` and `customer`: each channel's open spurt (start, end of its last speech frame).
    /// The latest grid point both have spoken through, when it is new.
    pub fn due(&mut self, agent: Option<(Ms, Ms)>, customer: Option<(Ms, Ms)>) -> Option<Event> {
        let ((a_start, a_end), (c_start, c_end)) = (agent?, customer?);
        let from = a_start.max(c_start);
        let at = a_end.min(c_end) / GRID_MS * GRID_MS;
        if at <= from || self.last.is_some_and(|l| at <= l) {
            return None;
        }
        self.last = Some(at);
        Some(Event::TalkOver {
            agent_start_ms: a_start,
            customer_start_ms: c_start,
            at_ms: at,
        })
    }
}

/// The `TalkOver` events of finished voice-activity spurts: one per grid point inside every
/// stretch where an agent spurt and a customer spurt overlap.
pub fn from_spurts(voice: &[Event]) -> Vec<Event> {
    let spans = |who: Speaker| -> Vec<(Ms, Ms)> {
        voice
            .iter()
            .filter_map(|e| match e {
                Event::VoiceActivity {
                    speaker,
                    start_ms,
                    end_ms,
                    ..
                } if *speaker == who => Some((*start_ms, *end_ms)),
                _ => None,
            })
            .collect()
    };
    let (agent, customer) = (spans(Speaker::Agent), spans(Speaker::Customer));
    let mut out = Vec::new();
    for &(a_start, a_end) in &agent {
        for &(c_start, c_end) in &customer {
            let from = a_start.max(c_start);
            let to = a_end.min(c_end);
            let mut at = (from / GRID_MS + 1) * GRID_MS;
            while at <= to {
                out.push(Event::TalkOver {
                    agent_start_ms: a_start,
                    customer_start_ms: c_start,
                    at_ms: at,
                });
                at += GRID_MS;
            }
        }
    }
    out.sort_by_key(Event::at_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(speaker: Speaker, start_ms: Ms, end_ms: Ms) -> Event {
        Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            level_db: None,
            syllable_rate: None,
        }
    }

    fn times(events: &[Event]) -> Vec<Ms> {
        events.iter().map(Event::at_ms).collect()
    }

    #[test]
    fn overlapping_spurts_give_one_report_per_grid_point() {
        let events = from_spurts(&[
            voice(Speaker::Customer, 1_000, 3_050),
            voice(Speaker::Agent, 2_650, 4_000),
            voice(Speaker::Agent, 5_000, 6_000),
        ]);
        assert_eq!(times(&events), vec![2_700, 2_800, 2_900, 3_000]);
        assert!(events.iter().all(|e| matches!(
            e,
            Event::TalkOver {
                agent_start_ms: 2_650,
                customer_start_ms: 1_000,
                ..
            }
        )));
    }

    #[test]
    fn one_side_alone_gives_nothing() {
        assert!(from_spurts(&[
            voice(Speaker::Customer, 0, 2_000),
            voice(Speaker::Agent, 2_000, 4_000),
        ])
        .is_empty());
    }

    #[test]
    fn the_live_clock_reports_each_grid_point_once_and_only_while_both_speak() {
        let mut clock = TalkOverClock::default();
        assert_eq!(clock.due(Some((2_650, 2_700)), None), None);
        assert_eq!(clock.due(Some((2_650, 2_690)), Some((1_000, 2_700))), None);
        let first = clock.due(Some((2_650, 2_750)), Some((1_000, 2_760)));
        assert_eq!(first.as_ref().map(Event::at_ms), Some(2_700));
        assert_eq!(clock.due(Some((2_650, 2_790)), Some((1_000, 2_790))), None);
        // Polls can be late: only the latest point is sent.
        let late = clock.due(Some((2_650, 3_120)), Some((1_000, 3_130)));
        assert_eq!(late.as_ref().map(Event::at_ms), Some(3_100));
    }

    #[test]
    fn live_and_replay_agree_on_the_points_they_both_report() {
        let replay = times(&from_spurts(&[
            voice(Speaker::Customer, 1_000, 3_000),
            voice(Speaker::Agent, 2_650, 4_000),
        ]));
        let mut clock = TalkOverClock::default();
        let mut live = Vec::new();
        for end in (2_660..=3_000).step_by(20) {
            live.extend(clock.due(Some((2_650, end)), Some((1_000, end))));
        }
        assert_eq!(times(&live), replay);
    }
}
