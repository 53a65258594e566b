//! Live audio without the device: the capture callback writes each channel's samples into a
//! bounded lock-free ring (no allocation, no lock, no panic), and one dedicated thread drains the
//! rings through the same analyzers the WAV path uses, stamping events by sample count from the
//! start of capture. The thread stops on a message and acknowledges with a report.
//!
//! It also ticks on the audio clock (the call time up to which both channels' speech is known),
//! so silence is coached from the audio itself, and it notices a channel that stops delivering
//! samples (a device unplugged or unloaded): the call goes on with what remains.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::analyzer::ChannelAnalyzer;
use super::bleed::{self, Bleed, BleedGuard};
use super::talk_over::TalkOverClock;
use crate::engine::{Event, Speaker};

/// Seconds of audio a ring holds: the analysis thread may stall this long before samples drop.
pub const RING_SECONDS: u32 = 2;
/// How often the analysis thread wakes to drain the rings.
pub const POLL: Duration = Duration::from_millis(20);
/// A channel with no samples for this long has stopped (its device vanished or hung).
pub const STALL_AFTER: Duration = Duration::from_millis(1500);
/// Ticks on the audio clock, in call ms: dead air is timed to within this.
pub const TICK_MS: u64 = 250;
/// Samples moved from a ring per step.
const DRAIN_BLOCK: usize = 4096;

/// The callback's end of one channel.
pub struct ChannelFeed {
    producer: rtrb::Producer<f32>,
    overruns: Arc<AtomicU64>,
    peak: Arc<AtomicU32>,
}

/// The analysis end of one channel.
pub struct ChannelInput {
    analyzer: ChannelAnalyzer,
    consumer: rtrb::Consumer<f32>,
    overruns: Arc<AtomicU64>,
    /// Set when the device is known to be gone: what still arrives is not its audio (PulseAudio
    /// moves a stream whose source vanished to the default source) and is thrown away.
    gone: Arc<AtomicBool>,
    peak: Arc<AtomicU32>,
}

impl ChannelInput {
    /// The channel's level meter: the peak sample (f32 bits) since it was last taken.
    pub fn peak_meter(&self) -> Arc<AtomicU32> {
        self.peak.clone()
    }

    /// The flag that marks this channel's device gone (see [`ChannelInput`]).
    pub fn gone_flag(&self) -> Arc<AtomicBool> {
        self.gone.clone()
    }
}

/// A channel for `speaker` at `sample_rate`, with a ring of `RING_SECONDS`.
pub fn channel(speaker: Speaker, sample_rate: u32) -> (ChannelFeed, ChannelInput) {
    let capacity = (sample_rate * RING_SECONDS).max(1) as usize;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    let overruns = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU32::new(0));
    (
        ChannelFeed {
            producer,
            overruns: overruns.clone(),
            peak: peak.clone(),
        },
        ChannelInput {
            analyzer: ChannelAnalyzer::new(speaker, sample_rate),
            consumer,
            overruns,
            gone: Arc::new(AtomicBool::new(false)),
            peak,
        },
    )
}

impl ChannelFeed {
    /// Real-time safe: downmixes interleaved frames to mono and writes what fits; the rest is
    /// counted as overrun.
    pub fn push_interleaved<T: Copy>(
        &mut self,
        data: &[T],
        channels: usize,
        to_f32: impl Fn(T) -> f32,
    ) {
        let channels = channels.max(1);
        let frames = data.len() / channels;
        let room = self.producer.slots().min(frames);
        if room < frames {
            self.overruns
                .fetch_add((frames - room) as u64, Ordering::Relaxed);
        }
        if let Ok(chunk) = self.producer.write_chunk_uninit(room) {
            let scale = 1.0 / channels as f32;
            let mut peak = 0.0f32;
            let mono = data.chunks_exact(channels).map(|frame| {
                let v = frame.iter().map(|s| to_f32(*s)).sum::<f32>() * scale;
                peak = peak.max(v.abs());
                v
            });
            chunk.fill_from_iter(mono);
            // Non-negative floats order like their bits; NaN never gets past `max`.
            self.peak
                .fetch_max(peak.min(1.0).to_bits(), Ordering::Relaxed);
        }
    }

    /// Samples that fit before the ring overruns.
    pub fn free_slots(&self) -> usize {
        self.producer.slots()
    }

    /// Mono f32 samples.
    pub fn push(&mut self, samples: &[f32]) {
        self.push_interleaved(samples, 1, |s| s);
    }
}

/// What the analysis thread did, sent back when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveReport {
    /// Samples analyzed per channel, in the order the inputs were given.
    pub samples: [u64; 2],
    /// Samples lost because a ring was full.
    pub overruns: u64,
    pub events: u64,
    /// Errors the capture devices reported (0 when samples come from elsewhere).
    pub device_errors: u64,
    /// Audio time covered, ms from the start of capture.
    pub position_ms: u64,
}

/// Something about the channels a person should know; sent as it happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Notice {
    /// The channel delivered nothing for [`STALL_AFTER`]; the other one carries on.
    Stalled(Speaker),
    /// Samples arrive again.
    Resumed(Speaker),
    /// The microphone hears the call audio (the agent is on speakers): the echo is not
    /// counted as agent speech. Sent once, when first seen.
    Bleed(Bleed),
}

/// Follows the channels beside their analyzers (speech-to-text: `crate::sources::stt::LiveWords`).
/// It runs on the analysis thread, so it must never wait: it copies what it needs and hands
/// slow work to a thread of its own.
pub trait Tap: Send {
    /// Once, before any samples: each channel's speaker and sample rate.
    fn channels(&mut self, channels: &[(Speaker, u32)]);
    /// The samples `speaker`'s analyzer has just been given, in the same order.
    fn samples(&mut self, speaker: Speaker, samples: &[f32]);
    /// A voice-activity event, after it has gone to the events outlet.
    fn voice(&mut self, event: &Event);
    /// Once per poll per channel: the spurt still open, if any (its start and the end of its
    /// last speech frame), and the channel's audio time.
    fn poll(&mut self, speaker: Speaker, open: Option<(u64, u64)>, position_ms: u64);
    /// The analysis has stopped: nothing more comes.
    fn finish(&mut self);
}

/// What the analysis thread sends out besides its report.
pub struct Outlets {
    /// Every voice-activity event, and a tick every [`TICK_MS`] of audio when `ticks` is set.
    pub events: Box<dyn FnMut(Event) + Send>,
    pub notices: Box<dyn FnMut(Notice) + Send>,
    pub ticks: bool,
    /// A channel silent (no samples at all) this long is reported stalled; [`STALL_AFTER`].
    pub stall_after: Duration,
    /// Drop what the rings hold when the analysis starts, so every channel's clock starts at
    /// the same moment (devices opened one after the other start delivering at different times).
    pub align: bool,
    /// Speech-to-text (or anything else) following the channels; None: voice activity only.
    pub tap: Option<Box<dyn Tap>>,
}

/// The running analysis thread.
pub struct LiveAudio {
    stop: SyncSender<SyncSender<LiveReport>>,
    thread: JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot start the audio analysis thread: {0}")]
    Spawn(std::io::Error),
    #[error("the audio analysis thread ended without acknowledging the stop")]
    NoAck,
    #[error("the audio analysis thread panicked")]
    Panicked,
}

impl LiveAudio {
    /// Starts draining up to two channels into `sink`, which gets every voice-activity event.
    pub fn start(
        inputs: Vec<ChannelInput>,
        sink: Box<dyn FnMut(Event) + Send>,
    ) -> Result<LiveAudio, LiveError> {
        LiveAudio::start_with(
            inputs,
            Outlets {
                events: sink,
                notices: Box::new(|_| {}),
                ticks: false,
                stall_after: STALL_AFTER,
                align: false,
                tap: None,
            },
        )
    }

    /// As [`LiveAudio::start`], with ticks on the audio clock and channel notices.
    pub fn start_with(inputs: Vec<ChannelInput>, outlets: Outlets) -> Result<LiveAudio, LiveError> {
        let (stop, stop_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("parley-audio".into())
            .spawn(move || analysis(inputs, outlets, stop_rx))
            .map_err(LiveError::Spawn)?;
        Ok(LiveAudio { stop, thread })
    }

    /// Drains what is left, closes open speech, and returns the report.
    pub fn stop(self) -> Result<LiveReport, LiveError> {
        let (ack, ack_rx) = mpsc::sync_channel(1);
        let report = match self.stop.send(ack) {
            Ok(()) => ack_rx.recv().map_err(|_| LiveError::NoAck),
            Err(_) => Err(LiveError::NoAck),
        };
        self.thread.join().map_err(|_| LiveError::Panicked)?;
        report
    }
}

/// Per channel: when samples last came, and whether it counts as stopped.
struct Liveness {
    last_data: Instant,
    stalled: bool,
}

fn analysis(
    mut inputs: Vec<ChannelInput>,
    outlets: Outlets,
    stop: mpsc::Receiver<SyncSender<LiveReport>>,
) {
    let Outlets {
        events: mut sink,
        mut notices,
        ticks,
        stall_after,
        align,
        mut tap,
    } = outlets;
    if let Some(t) = tap.as_mut() {
        let channels: Vec<(Speaker, u32)> = inputs
            .iter()
            .map(|i| (i.analyzer.speaker(), i.analyzer.sample_rate()))
            .collect();
        t.channels(&channels);
    }
    if align {
        for input in inputs.iter_mut() {
            let held = input.consumer.slots();
            if let Ok(chunk) = input.consumer.read_chunk(held) {
                chunk.commit_all();
            }
        }
    }
    let mut block = vec![0.0f32; DRAIN_BLOCK];
    let mut events = Vec::new();
    let mut report = LiveReport::default();
    let mut live: Vec<Liveness> = inputs
        .iter()
        .map(|_| Liveness {
            last_data: Instant::now(),
            stalled: false,
        })
        .collect();
    let mut last_tick = 0u64;
    let mut bleed = bleed_pair(&mut inputs);
    let mut talk_over = TalkOverClock::default();
    loop {
        let before = report.samples;
        drain(&mut inputs, &mut block, &mut events, &mut report, &mut tap);
        if let Some(found) = review_bleed(&mut bleed, &inputs, &mut events) {
            notices(Notice::Bleed(found));
        }
        events.extend(talk_over_due(&mut talk_over, &inputs, &bleed));
        report.events += events.len() as u64;
        send(&mut events, &mut sink, &mut tap);
        if let Some(t) = tap.as_mut() {
            for input in &inputs {
                let a = &input.analyzer;
                t.poll(a.speaker(), a.open_span_ms(), a.position_ms());
            }
        }
        for (i, (input, state)) in inputs.iter().zip(live.iter_mut()).enumerate() {
            let got = report.samples.get(i) != before.get(i);
            let speaker = input.analyzer.speaker();
            if got {
                state.last_data = Instant::now();
                if state.stalled {
                    state.stalled = false;
                    notices(Notice::Resumed(speaker));
                }
            } else if !state.stalled && state.last_data.elapsed() >= stall_after {
                state.stalled = true;
                notices(Notice::Stalled(speaker));
            }
        }
        if ticks {
            // Silence is known up to where every working channel's speech is known.
            let settled = inputs
                .iter()
                .zip(&live)
                .filter(|(_, l)| !l.stalled)
                .map(|(input, _)| input.analyzer.settled_ms())
                .min();
            if let Some(at_ms) = settled.filter(|&t| t >= last_tick + TICK_MS) {
                last_tick = at_ms;
                sink(Event::Tick { at_ms });
            }
        }
        let ack = match stop.recv_timeout(POLL) {
            Err(RecvTimeoutError::Timeout) => continue,
            Ok(ack) => Some(ack),
            Err(RecvTimeoutError::Disconnected) => None,
        };
        finish(
            &mut inputs,
            &mut block,
            &mut events,
            &mut report,
            &mut sink,
            &mut tap,
            &mut bleed,
        );
        // The caller may have given up waiting; the report is then nobody's.
        if let Some(ack) = ack {
            match ack.send(report) {
                Ok(()) | Err(_) => {}
            }
        }
        return;
    }
}

/// Sends the events on; the tap sees each voice event after the sink has it, so words never
/// reach the engine before the spurt's own timing.
fn send(
    events: &mut Vec<Event>,
    sink: &mut Box<dyn FnMut(Event) + Send>,
    tap: &mut Option<Box<dyn Tap>>,
) {
    for event in events.drain(..) {
        match tap.as_mut() {
            Some(t) if matches!(event, Event::VoiceActivity { .. }) => {
                let seen = event.clone();
                sink(event);
                t.voice(&seen);
            }
            _ => sink(event),
        }
    }
}

fn drain(
    inputs: &mut [ChannelInput],
    block: &mut [f32],
    events: &mut Vec<Event>,
    report: &mut LiveReport,
    tap: &mut Option<Box<dyn Tap>>,
) {
    for (i, input) in inputs.iter_mut().enumerate() {
        if input.gone.load(Ordering::Relaxed) {
            let held = input.consumer.slots();
            if let Ok(chunk) = input.consumer.read_chunk(held) {
                chunk.commit_all();
            }
            continue;
        }
        loop {
            let (filled, _) = input.consumer.pop_partial_slice(block);
            if filled.is_empty() {
                break;
            }
            input.analyzer.push(filled, events);
            if let Some(t) = tap.as_mut() {
                t.samples(input.analyzer.speaker(), filled);
            }
            if let Some(n) = report.samples.get_mut(i) {
                *n += filled.len() as u64;
            }
        }
    }
}

fn finish(
    inputs: &mut [ChannelInput],
    block: &mut [f32],
    events: &mut Vec<Event>,
    report: &mut LiveReport,
    sink: &mut Box<dyn FnMut(Event) + Send>,
    tap: &mut Option<Box<dyn Tap>>,
    bleed: &mut Option<(usize, usize, BleedGuard)>,
) {
    drain(inputs, block, events, report, tap);
    for input in inputs.iter_mut() {
        input.analyzer.finish(events);
        report.overruns += input.overruns.load(Ordering::Relaxed);
        report.position_ms = report.position_ms.max(input.analyzer.position_ms());
    }
    // Found this late, the bleed is only in the agent spurts dropped.
    review_bleed(bleed, inputs, events);
    report.events += events.len() as u64;
    send(events, sink, tap);
    if let Some(t) = tap.as_mut() {
        t.finish();
    }
}

/// With a microphone and a call channel, the guard that drops the call's echo from the
/// microphone (indices of the two inputs, guard).
fn bleed_pair(inputs: &mut [ChannelInput]) -> Option<(usize, usize, BleedGuard)> {
    let find = |s: Speaker| inputs.iter().position(|i| i.analyzer.speaker() == s);
    let (mic, call) = (find(Speaker::Agent)?, find(Speaker::Customer)?);
    for input in inputs.iter_mut() {
        input.analyzer.keep_envelope();
    }
    Some((mic, call, BleedGuard::new()))
}

/// The talk-over due now (both channels' spurts open), unless the agent's side of it is the
/// call's own echo. Only a microphone and a call channel together can talk over each other: the
/// bleed pair names them.
fn talk_over_due(
    clock: &mut TalkOverClock,
    inputs: &[ChannelInput],
    bleed: &Option<(usize, usize, BleedGuard)>,
) -> Option<Event> {
    let (mic, call, guard) = bleed.as_ref()?;
    let (mic, call) = (&inputs.get(*mic)?.analyzer, &inputs.get(*call)?.analyzer);
    let agent = mic.open_span_ms()?;
    let event = clock.due(Some(agent), call.open_span_ms())?;
    let agent_start = agent.0;
    // On speakers every customer turn is heard on the microphone: once that is known, agent
    // speech is judged when its spurt ends (where its echo head is cut off), not while it runs.
    if guard.found().is_some() {
        return None;
    }
    if let (Some(mic_env), Some(call_env)) = (mic.envelope(), call.envelope()) {
        let at = event.at_ms();
        if !bleed::judgeable(mic_env, agent_start, at)
            || bleed::echo(mic_env, call_env, agent_start, at).is_some()
        {
            return None;
        }
    }
    Some(event)
}

fn review_bleed(
    bleed: &mut Option<(usize, usize, BleedGuard)>,
    inputs: &[ChannelInput],
    events: &mut Vec<Event>,
) -> Option<Bleed> {
    let (mic, call, guard) = bleed.as_mut()?;
    let (mic, call) = (inputs.get(*mic)?, inputs.get(*call)?);
    guard.review(&mic.analyzer, &call.analyzer, events)
}
