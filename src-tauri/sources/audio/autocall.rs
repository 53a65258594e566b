//! Automatic call start and end from captured audio: a call starts when the call channel (the
//! customer) carries speech after silence, and ends after a quiet time with nobody speaking.
//! Capture stamps events from the start of capture; the calls it finds get their own clocks,
//! starting at zero at the customer's first word.

use crate::engine::{Event, Ms, Speaker};

/// Default quiet time that ends a call.
pub const DEFAULT_QUIET_MS: Ms = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    /// `origin`: capture time of call time zero; `last_speech`: capture time of the last speech end.
    InCall {
        origin: Ms,
        last_speech: Ms,
    },
}

/// What the agent asked for, done at the next capture event (so it lands in the audio's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Start,
    End,
}

/// Turns a capture's events (capture time) into calls (call time).
#[derive(Debug, Clone)]
pub struct AutoCall {
    quiet_ms: Ms,
    /// Calls start and end by themselves; otherwise only when asked.
    automatic: bool,
    state: State,
    request: Option<Request>,
}

impl AutoCall {
    pub fn new(quiet_ms: Ms) -> AutoCall {
        AutoCall {
            quiet_ms: quiet_ms.max(1),
            automatic: true,
            state: State::Waiting,
            request: None,
        }
    }

    /// Calls start and end only by [`AutoCall::start_now`] and [`AutoCall::end_now`] (the
    /// agent's Start and End).
    pub fn manual() -> AutoCall {
        AutoCall {
            automatic: false,
            ..AutoCall::new(DEFAULT_QUIET_MS)
        }
    }

    pub fn in_call(&self) -> bool {
        matches!(self.state, State::InCall { .. })
    }

    /// Starts a call at the next capture event (a tick comes every 250 ms of audio).
    pub fn start_now(&mut self) {
        self.request = Some(Request::Start);
    }

    /// Ends the call at the next capture event, after that event.
    pub fn end_now(&mut self) {
        self.request = Some(Request::End);
    }

    /// One capture event in; the events for the call runtime out (none while waiting).
    pub fn push(&mut self, event: &Event, out: &mut Vec<Event>) {
        match (self.request.take(), self.state) {
            (Some(Request::Start), State::Waiting) => {
                let at = match event {
                    Event::VoiceActivity { start_ms, .. } => *start_ms,
                    other => other.at_ms(),
                };
                out.push(Event::CallStarted {
                    at_ms: 0,
                    agent: None,
                    customer_name: None,
                });
                self.state = State::InCall {
                    origin: at,
                    last_speech: at,
                };
            }
            (Some(Request::End), State::InCall { origin, .. }) => {
                let at = match event {
                    Event::VoiceActivity { end_ms, .. } | Event::SpeechSoFar { end_ms, .. } => {
                        *end_ms
                    }
                    other => other.at_ms(),
                };
                if !matches!(event, Event::Tick { .. }) {
                    out.push(rebase(event, origin));
                }
                out.push(Event::CallEnded {
                    at_ms: at.saturating_sub(origin),
                    reason: None,
                });
                self.state = State::Waiting;
                return;
            }
            _ => {}
        }
        match (self.state, event) {
            (
                State::Waiting,
                Event::VoiceActivity {
                    speaker: Speaker::Customer,
                    start_ms,
                    end_ms,
                    ..
                },
            ) if self.automatic => {
                out.push(Event::CallStarted {
                    at_ms: 0,
                    agent: None,
                    customer_name: None,
                });
                self.state = State::InCall {
                    origin: *start_ms,
                    last_speech: *end_ms,
                };
                out.push(rebase(event, *start_ms));
            }
            (State::Waiting, _) => {}
            (
                State::InCall {
                    origin,
                    last_speech,
                },
                Event::VoiceActivity { end_ms, .. } | Event::SpeechSoFar { end_ms, .. },
            ) => {
                self.state = State::InCall {
                    origin,
                    last_speech: last_speech.max(*end_ms),
                };
                out.push(rebase(event, origin));
            }
            (
                State::InCall {
                    origin,
                    last_speech,
                },
                Event::Tick { at_ms },
            ) => {
                if self.automatic && at_ms.saturating_sub(last_speech) >= self.quiet_ms {
                    out.push(Event::CallEnded {
                        at_ms: at_ms.saturating_sub(origin),
                        reason: None,
                    });
                    self.state = State::Waiting;
                } else {
                    out.push(rebase(event, origin));
                }
            }
            (State::InCall { origin, .. }, other) => out.push(rebase(other, origin)),
        }
    }

    /// Capture stopped at `at_ms` (capture time): ends a call in progress.
    pub fn finish(&mut self, at_ms: Ms, out: &mut Vec<Event>) {
        if let State::InCall { origin, .. } = self.state {
            out.push(Event::CallEnded {
                at_ms: at_ms.saturating_sub(origin),
                reason: None,
            });
            self.state = State::Waiting;
        }
    }
}

/// The event on the call's clock (times before the call's start clamp to zero).
fn rebase(event: &Event, origin: Ms) -> Event {
    let at = |t: Ms| t.saturating_sub(origin);
    match event.clone() {
        Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            level_db,
            syllable_rate,
        } => Event::VoiceActivity {
            speaker,
            start_ms: at(start_ms),
            end_ms: at(end_ms),
            level_db,
            syllable_rate,
        },
        Event::SpeechSoFar {
            speaker,
            start_ms,
            end_ms,
            level_db,
            syllable_rate,
        } => Event::SpeechSoFar {
            speaker,
            start_ms: at(start_ms),
            end_ms: at(end_ms),
            level_db,
            syllable_rate,
        },
        Event::Tick { at_ms } => Event::Tick { at_ms: at(at_ms) },
        Event::TalkOver {
            agent_start_ms,
            customer_start_ms,
            at_ms,
        } => Event::TalkOver {
            agent_start_ms: at(agent_start_ms),
            customer_start_ms: at(customer_start_ms),
            at_ms: at(at_ms),
        },
        Event::CallStarted {
            at_ms,
            agent,
            customer_name,
        } => Event::CallStarted {
            at_ms: at(at_ms),
            agent,
            customer_name,
        },
        Event::CallEnded { at_ms, reason } => Event::CallEnded {
            at_ms: at(at_ms),
            reason,
        },
        Event::HoldStarted { at_ms } => Event::HoldStarted { at_ms: at(at_ms) },
        Event::HoldEnded { at_ms } => Event::HoldEnded { at_ms: at(at_ms) },
        Event::Agent { at_ms, action } => Event::Agent {
            at_ms: at(at_ms),
            action,
        },
        Event::Utterance(mut u) => {
            u.start_ms = at(u.start_ms);
            u.end_ms = at(u.end_ms);
            Event::Utterance(u)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_starts_and_ends_a_call_at_the_next_capture_event() {
        let mut auto = AutoCall::manual();
        // Customer speech starts nothing without the agent.
        assert!(run(&mut auto, &[voice(Speaker::Customer, 500, 900)]).is_empty());
        auto.start_now();
        let call = run(
            &mut auto,
            &[
                Event::Tick { at_ms: 1_000 },
                voice(Speaker::Customer, 1_200, 2_000),
                Event::Tick { at_ms: 60_000 },
            ],
        );
        assert!(matches!(call[0], Event::CallStarted { at_ms: 0, .. }));
        assert_eq!(call[1], Event::Tick { at_ms: 0 });
        assert_eq!(call[2], voice(Speaker::Customer, 200, 1_000));
        // No quiet end when the agent runs the call.
        assert_eq!(call[3], Event::Tick { at_ms: 59_000 });
        auto.end_now();
        let end = run(&mut auto, &[voice(Speaker::Agent, 60_100, 61_000)]);
        assert_eq!(
            end,
            [
                voice(Speaker::Agent, 59_100, 60_000),
                Event::CallEnded {
                    at_ms: 60_000,
                    reason: None
                }
            ]
        );
        assert!(!auto.in_call());
    }

    fn voice(speaker: Speaker, start_ms: Ms, end_ms: Ms) -> Event {
        Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            level_db: Some(-20.0),
            syllable_rate: None,
        }
    }

    fn run(auto: &mut AutoCall, events: &[Event]) -> Vec<Event> {
        let mut out = Vec::new();
        for e in events {
            auto.push(e, &mut out);
        }
        out
    }

    #[test]
    fn the_customer_starts_a_call_and_quiet_ends_it() {
        let mut auto = AutoCall::new(10_000);
        // The agent chatting before the call, and ticks, start nothing.
        let before = run(
            &mut auto,
            &[
                voice(Speaker::Agent, 1_000, 2_000),
                Event::Tick { at_ms: 3_000 },
            ],
        );
        assert!(before.is_empty() && !auto.in_call());
        let call = run(
            &mut auto,
            &[
                voice(Speaker::Customer, 5_000, 8_000),
                voice(Speaker::Agent, 7_500, 12_000),
                Event::Tick { at_ms: 13_000 },
                Event::Tick { at_ms: 22_000 },
            ],
        );
        assert!(matches!(call[0], Event::CallStarted { at_ms: 0, .. }));
        assert_eq!(call[1], voice(Speaker::Customer, 0, 3_000));
        assert_eq!(call[2], voice(Speaker::Agent, 2_500, 7_000));
        assert_eq!(call[3], Event::Tick { at_ms: 8_000 });
        assert_eq!(
            call[4],
            Event::CallEnded {
                at_ms: 17_000,
                reason: None
            }
        );
        assert!(!auto.in_call());
        // The next customer words start the next call, on its own clock.
        let next = run(&mut auto, &[voice(Speaker::Customer, 40_000, 41_000)]);
        assert_eq!(next[1], voice(Speaker::Customer, 0, 1_000));
        let mut end = Vec::new();
        auto.finish(45_000, &mut end);
        assert_eq!(
            end,
            [Event::CallEnded {
                at_ms: 5_000,
                reason: None
            }]
        );
    }

    #[test]
    fn agent_speech_so_far_keeps_the_call_open_and_moves_to_its_clock() {
        let mut auto = AutoCall::new(10_000);
        let so_far = |start_ms, end_ms| Event::SpeechSoFar {
            speaker: Speaker::Agent,
            start_ms,
            end_ms,
            level_db: None,
            syllable_rate: None,
        };
        let call = run(
            &mut auto,
            &[
                voice(Speaker::Customer, 5_000, 8_000),
                // A long agent turn still going on: its pauses count as speech for the quiet time.
                so_far(9_000, 17_000),
                Event::Tick { at_ms: 26_000 },
            ],
        );
        assert_eq!(call[2], so_far(4_000, 12_000));
        assert_eq!(call[3], Event::Tick { at_ms: 21_000 });
        assert!(auto.in_call(), "{call:?}");
    }
}
