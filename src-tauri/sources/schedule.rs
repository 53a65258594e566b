//! Replay order: turns a transcript's file order into the order a live call would deliver it.
//!
//! A final utterance is known only when it ends, but a live source says someone is speaking as
//! soon as they start; so each final utterance becomes an empty partial at its start and the
//! final at its end. Voice activity arrives at its end, everything else at its time, and a
//! `Tick` fills every `tick_ms` of call time that passes between events. A `CallStarted` at 0
//! comes first and a `CallEnded` at the last time comes last when the input has none.
//!
//! Output is ordered by arrival time; ties keep input order, except that partials (and every
//! other event) come before finals at the same moment, and a `CallEnded` comes after them all.
//! Pure: no clock, no I/O. Memory stays small because the input is ordered by start time (the
//! transcript readers check this): an arrival is released once the input has moved past it, so
//! only utterances still running are held. Input out of start order is not reordered beyond
//! that, but never causes a panic. Errors pass through where they occur in the input.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::engine::{Event, Ms, Utterance};

use super::transcript::start_ms;

/// Schedules `events` (in start order) for replay; `tick_ms` of `None` or 0 means no ticks.
pub fn schedule<I, E>(events: I, tick_ms: Option<u64>) -> Schedule<I::IntoIter>
where
    I: IntoIterator<Item = Result<Event, E>>,
{
    Schedule {
        input: events.into_iter(),
        input_done: false,
        pending: BinaryHeap::new(),
        seq: 0,
        watermark: 0,
        started: false,
        end_seen: false,
        last_ms: None,
        tick_ms: tick_ms.filter(|&t| t > 0),
    }
}

/// The iterator [`schedule`] returns.
pub struct Schedule<I> {
    input: I,
    input_done: bool,
    pending: BinaryHeap<Pending>,
    /// Input order, to keep ties stable.
    seq: u64,
    /// Start of the latest input event: nothing later in the input can arrive before it.
    watermark: Ms,
    started: bool,
    end_seen: bool,
    /// Arrival time of the last event handed out.
    last_ms: Option<Ms>,
    tick_ms: Option<u64>,
}

/// Order among events arriving at the same moment.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Early,
    Final,
    End,
}

struct Pending {
    at_ms: Ms,
    rank: Rank,
    seq: u64,
    event: Event,
}

impl Pending {
    fn key(&self) -> (Ms, Rank, u64) {
        (self.at_ms, self.rank, self.seq)
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    // Reversed: BinaryHeap pops the largest, we want the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

impl<I> Schedule<I> {
    /// How many arrivals are held back right now (for tests of the memory bound).
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    fn push(&mut self, at_ms: Ms, rank: Rank, event: Event) {
        self.seq += 1;
        self.pending.push(Pending {
            at_ms,
            rank,
            seq: self.seq,
            event,
        });
    }

    fn accept(&mut self, event: Event) {
        if !self.started {
            self.started = true;
            if !matches!(event, Event::CallStarted { .. }) {
                let start = Event::CallStarted {
                    at_ms: 0,
                    agent: None,
                    customer_name: None,
                };
                self.push(0, Rank::Early, start);
            }
        }
        self.watermark = self.watermark.max(start_ms(&event));
        match event {
            Event::Utterance(u) if u.is_final => {
                let partial = Utterance {
                    speaker: u.speaker,
                    text: String::new(),
                    start_ms: u.start_ms,
                    end_ms: u.start_ms,
                    is_final: false,
                };
                self.push(u.start_ms, Rank::Early, Event::Utterance(partial));
                self.push(u.end_ms, Rank::Final, Event::Utterance(u));
            }
            Event::CallEnded { at_ms, .. } => {
                self.end_seen = true;
                self.push(at_ms, Rank::End, event);
            }
            other => self.push(other.at_ms(), Rank::Early, other),
        }
    }

    /// A tick strictly between the last event handed out and one arriving at `next_ms`.
    fn due_tick(&self, next_ms: Ms) -> Option<Ms> {
        let (tick, last) = (self.tick_ms?, self.last_ms?);
        let due = (last / tick).checked_add(1)?.checked_mul(tick)?;
        (due < next_ms).then_some(due)
    }
}

impl<I, E> Iterator for Schedule<I>
where
    I: Iterator<Item = Result<Event, E>>,
{
    type Item = Result<Event, E>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(next) = self.pending.peek() {
                if self.input_done || next.at_ms < self.watermark {
                    let at_ms = next.at_ms;
                    if let Some(tick) = self.due_tick(at_ms) {
                        self.last_ms = Some(tick);
                        return Some(Ok(Event::Tick { at_ms: tick }));
                    }
                    let released = self.pending.pop()?;
                    self.last_ms = Some(self.last_ms.map_or(at_ms, |last| last.max(at_ms)));
                    return Some(Ok(released.event));
                }
            }
            if self.input_done {
                if self.started && !self.end_seen {
                    self.end_seen = true;
                    let at_ms = self.last_ms.unwrap_or(0);
                    return Some(Ok(Event::CallEnded {
                        at_ms,
                        reason: None,
                    }));
                }
                return None;
            }
            match self.input.next() {
                None => self.input_done = true,
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(event)) => self.accept(event),
            }
        }
    }
}
