//! Words on a live call. [`LiveWords`] runs one recognizer thread per channel; its [`WordsTap`]
//! rides on the audio analysis thread (`Outlets::tap`), keeps each channel's recent audio, and
//! queues a final job when a spurt closes and a partial job every ~2 s of a long turn, without
//! ever waiting on a recognizer. The queue and how it degrades are in [`super::backlog`].
//!
//! ```text
//! capture ─▶ rings ─▶ analysis thread ──VoiceActivity──▶ sink ─▶ call runtime
//!                      └ WordsTap ─jobs─▶ Backlog ─▶ worker (agent)    ─┐
//!                                                 ─▶ worker (customer) ─┴─WordsOut─▶ sink
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::path::PathBuf;

use super::backlog::{Backlog, Delivery, Job, LagChange, PARTIAL_MAX_MS};
use super::models::{find_model, ModelChoice};
use super::whisper::{WhisperModel, WhisperOptions};
use super::{AudioHistory, Recognizer, SttError};
use crate::engine::{Event, Ms, Speaker, Utterance};
use crate::sources::audio::live::Tap;

/// No partial while the speaker has been quiet this long: the spurt may be closing, and a
/// partial decoding then would hold its final up.
const PARTIAL_PAUSE_MS: Ms = 60;

/// What the recognizers send out.
#[derive(Debug, Clone, PartialEq)]
pub enum WordsOut {
    /// An utterance for the call runtime: a final (one per spurt, the spurt's own times) or a
    /// partial (`is_final: false`, the turn so far).
    Words(Event),
    /// Words come late: the oldest spurt still waiting closed this long ago.
    Lagging { behind: Duration },
    /// Every spurt's words are delivered again.
    CaughtUp,
    /// A recognizer failed on one spurt; that spurt has no words, the call goes on.
    Failed(String),
}

impl WordsOut {
    /// What a person reads for a state change or a failure; None for words.
    pub fn message(&self) -> Option<String> {
        match self {
            WordsOut::Words(_) => None,
            WordsOut::Lagging { behind } => Some(format!(
                "words lagging: speech-to-text is {:.1} s behind the call; coaching on words comes late",
                behind.as_secs_f32()
            )),
            WordsOut::CaughtUp => Some("words caught up with the call".to_string()),
            WordsOut::Failed(e) => Some(e.clone()),
        }
    }
}

/// Where [`WordsOut`] goes; called from the recognizer threads and the analysis thread.
pub type WordsSink = Arc<dyn Fn(WordsOut) + Send + Sync>;

/// What the recognizers did, when they stop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WordsReport {
    /// Finals delivered with words.
    pub finals: u64,
    /// Of the finals, those of a long turn decoded in pieces (only the speech after its last
    /// piece was left to decode at its end).
    pub pieced: u64,
    /// Finals transcribed to nothing (breath, noise).
    pub empty: u64,
    pub partials: u64,
    /// Partials given up because their turn's final arrived.
    pub interrupted: u64,
    /// Spurts not transcribed because a channel's backlog was full.
    pub skipped: u64,
    pub failed: u64,
}

impl WordsReport {
    fn final_delivered(&mut self, in_pieces: bool) {
        self.finals += 1;
        self.pieced += u64::from(in_pieces);
    }
}

/// How the live path streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streaming {
    /// Partials of long turns (every ~2 s of speech). Off: finals only, and no decode of a
    /// partial can hold a final up.
    pub partials: bool,
    /// Long turns decoded in pieces at their pauses (see [`super::backlog`]). Off: each turn's
    /// final decodes the whole turn.
    pub pieces: bool,
}

impl Default for Streaming {
    fn default() -> Self {
        Streaming {
            partials: true,
            pieces: true,
        }
    }
}

struct Shared {
    streaming: Streaming,
    /// Each side's recognizer's interrupter (agent, customer), set and cleared under the
    /// backlog's lock so a final is never the decode it interrupts.
    interrupt: [Option<Arc<AtomicBool>>; 2],
    backlog: Mutex<Backlog>,
    wake: Condvar,
    /// No more jobs come (the analysis stopped, or the owner finishes).
    closed: Mutex<bool>,
    sink: WordsSink,
    report: Mutex<WordsReport>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Shared {
    fn closed(&self) -> bool {
        *lock(&self.closed)
    }

    fn close(&self) {
        *lock(&self.closed) = true;
        lock(&self.backlog).drop_partials();
        self.wake.notify_all();
    }

    fn count(&self, f: impl FnOnce(&mut WordsReport)) {
        f(&mut lock(&self.report));
    }

    fn tell_lag(&self, change: Option<LagChange>) {
        match change {
            Some(LagChange::Lagging { behind }) => (self.sink)(WordsOut::Lagging { behind }),
            Some(LagChange::CaughtUp) => (self.sink)(WordsOut::CaughtUp),
            None => {}
        }
    }
}

/// The recognizer threads of a live call.
pub struct LiveWords {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

/// Live words started for a model choice: the recognizers, the tap for `Outlets::tap`, and
/// the model file in use.
pub struct Started {
    pub words: LiveWords,
    pub tap: WordsTap,
    pub model: PathBuf,
}

impl LiveWords {
    /// The entry point for capture (`parley serve --capture`, the desktop app): loads the model
    /// `choice` names (None: `PARLEY_STT_MODEL`, else base) and starts both channels' recognizers.
    /// Ok(None) when that named model is not installed: the caller says [`super::NO_MODEL`] once
    /// and the call is coached on pacing. A file of the user's own that does not load is an error.
    pub fn for_choice(
        choice: Option<&ModelChoice>,
        options: WhisperOptions,
        sink: WordsSink,
    ) -> Result<Option<Started>, SttError> {
        let Some(path) = find_model(choice)? else {
            return Ok(None);
        };
        let model = WhisperModel::load(&path)?;
        let (words, tap) = LiveWords::whisper(&model, options, sink)?;
        Ok(Some(Started {
            words,
            tap,
            model: path,
        }))
    }

    /// Both channels with Whisper: one decoding state per channel, the weights shared.
    pub fn whisper(
        model: &WhisperModel,
        options: WhisperOptions,
        sink: WordsSink,
    ) -> Result<(LiveWords, WordsTap), SttError> {
        let agent = Box::new(model.recognizer(options)?);
        let customer = Box::new(model.recognizer(options)?);
        LiveWords::start([agent, customer], sink)
    }

    /// Starts a worker per recognizer (agent, customer). Put the tap in the capture's
    /// `Outlets::tap`; call [`LiveWords::finish`] after the capture has stopped.
    pub fn start(
        recognizers: [Box<dyn Recognizer>; 2],
        sink: WordsSink,
    ) -> Result<(LiveWords, WordsTap), SttError> {
        LiveWords::start_with(recognizers, sink, Streaming::default())
    }

    /// As [`LiveWords::start`], streaming as `streaming` says.
    pub fn start_with(
        recognizers: [Box<dyn Recognizer>; 2],
        sink: WordsSink,
        streaming: Streaming,
    ) -> Result<(LiveWords, WordsTap), SttError> {
        let interrupt = [recognizers[0].interrupter(), recognizers[1].interrupter()];
        let shared = Arc::new(Shared {
            streaming,
            interrupt,
            backlog: Mutex::new(match streaming.pieces {
                true => Backlog::default(),
                false => Backlog::default().whole_turns(),
            }),
            wake: Condvar::new(),
            closed: Mutex::new(false),
            sink,
            report: Mutex::new(WordsReport::default()),
        });
        let mut workers = Vec::with_capacity(2);
        for (recognizer, speaker) in recognizers
            .into_iter()
            .zip([Speaker::Agent, Speaker::Customer])
        {
            let theirs = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("parley-words-{}", speaker.as_str()))
                .spawn(move || work(&theirs, speaker, recognizer));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(e) => {
                    let words = LiveWords {
                        shared: shared.clone(),
                        workers,
                    };
                    // The workers already started are stopped; their report is of no use.
                    match words.finish() {
                        Ok(_) | Err(_) => {}
                    }
                    return Err(SttError::Thread(e));
                }
            }
        }
        let tap = WordsTap {
            shared: shared.clone(),
            history: [None, None],
            scratch: Vec::new(),
        };
        Ok((LiveWords { shared, workers }, tap))
    }

    /// Waits until every queued final is transcribed and delivered, then stops the workers.
    /// Call it after the capture stopped (its tap then has queued the last spurts).
    pub fn finish(mut self) -> Result<WordsReport, SttError> {
        self.shared.close();
        let mut panicked = false;
        for w in std::mem::take(&mut self.workers) {
            panicked |= w.join().is_err();
        }
        if panicked {
            return Err(SttError::Panicked);
        }
        let mut report = *lock(&self.shared.report);
        report.skipped = lock(&self.shared.backlog).skipped();
        Ok(report)
    }
}

impl Drop for LiveWords {
    /// Without [`LiveWords::finish`] the workers still stop, after the finals already queued.
    fn drop(&mut self) {
        self.shared.close();
    }
}

fn work(shared: &Shared, speaker: Speaker, mut recognizer: Box<dyn Recognizer>) {
    recognizer.warm_up();
    loop {
        let job = {
            let mut backlog = lock(&shared.backlog);
            loop {
                if let Some(job) = backlog.take(speaker) {
                    if let Some(flag) = &shared.interrupt[slot(speaker)] {
                        flag.store(false, Ordering::Relaxed);
                    }
                    break job;
                }
                if shared.closed() {
                    return;
                }
                backlog = match shared.wake.wait(backlog) {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
        };
        let mut job = job;
        let result = match job.text.take() {
            Some(known) => Ok(known),
            None => recognizer.transcribe(&job.samples, job.rate),
        };
        let (delivery, change) = {
            let mut backlog = lock(&shared.backlog);
            let words = result.as_ref().ok().map(|t| t.trim());
            let delivery = backlog.finished(speaker, words);
            (delivery, backlog.lag_change(Instant::now()))
        };
        let is_final = delivery == Delivery::Final;
        let wanted = is_final || (delivery == Delivery::Partial && shared.streaming.partials);
        match result {
            Ok(text) if wanted => {
                let text = job.words(&text);
                if text.is_empty() {
                    if is_final {
                        shared.count(|r| r.empty += 1);
                    }
                } else {
                    shared.count(|r| match is_final {
                        true => r.final_delivered(!job.said.is_empty()),
                        false => r.partials += 1,
                    });
                    (shared.sink)(WordsOut::Words(Event::Utterance(Utterance {
                        speaker,
                        text,
                        start_ms: job.start_ms,
                        end_ms: job.end_ms,
                        is_final,
                    })));
                }
            }
            Ok(_) => {}
            // An early decode the spurt's end confirmed, but which failed: decoded again as an
            // ordinary final, so the spurt's words are still owed.
            Err(_) if job.early && is_final => {
                job.is_final = true;
                job.early = false;
                job.queued = Instant::now();
                lock(&shared.backlog).push_final(job);
                shared.wake.notify_all();
            }
            // A partial that failed (or was interrupted for its final) is not missed.
            Err(_) if !is_final => {
                let flagged = shared.interrupt[slot(speaker)]
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::Relaxed));
                if flagged {
                    shared.count(|r| r.interrupted += 1);
                }
            }
            Err(e) => {
                shared.count(|r| r.failed += 1);
                let e = SttError::Recognize {
                    speaker: speaker.as_str(),
                    at_ms: job.start_ms,
                    source: e,
                };
                (shared.sink)(WordsOut::Failed(e.to_string()));
                // The turn's pieces decoded before the failure are still its words.
                if !job.said.is_empty() {
                    shared.count(|r| r.final_delivered(true));
                    (shared.sink)(WordsOut::Words(Event::Utterance(Utterance {
                        speaker,
                        text: job.said.clone(),
                        start_ms: job.start_ms,
                        end_ms: job.end_ms,
                        is_final: true,
                    })));
                }
            }
        }
        // Caught up only once the last final's words are out.
        shared.tell_lag(change);
    }
}

/// The analysis thread's side: audio history per channel, jobs into the backlog.
pub struct WordsTap {
    shared: Arc<Shared>,
    /// Agent, customer.
    history: [Option<AudioHistory>; 2],
    scratch: Vec<f32>,
}

fn slot(speaker: Speaker) -> usize {
    usize::from(speaker == Speaker::Customer)
}

impl WordsTap {
    /// Gives up the side's decode in progress; call it holding the backlog's lock (the worker
    /// clears the flag under it when it takes its next job).
    fn interrupt(&self, speaker: Speaker) {
        if let Some(flag) = &self.shared.interrupt[slot(speaker)] {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// A new job for the spurt open since `start_ms`, with the channel's audio of
    /// `from_ms..end_ms`; None when the audio is gone.
    fn job(
        &mut self,
        speaker: Speaker,
        start_ms: Ms,
        from_ms: Ms,
        end_ms: Ms,
        is_final: bool,
    ) -> Option<Job> {
        let history = self.history[slot(speaker)].as_ref()?;
        let first_sample = history.copy(from_ms, end_ms, &mut self.scratch)?;
        Some(Job {
            speaker,
            start_ms,
            end_ms,
            is_final,
            rate: history.sample_rate(),
            samples: self.scratch.clone(),
            first_sample,
            said: String::new(),
            early: false,
            text: None,
            queued: Instant::now(),
        })
    }
}

impl Tap for WordsTap {
    fn channels(&mut self, channels: &[(Speaker, u32)]) {
        for &(speaker, rate) in channels {
            self.history[slot(speaker)] = Some(AudioHistory::new(rate));
        }
    }

    fn samples(&mut self, speaker: Speaker, samples: &[f32]) {
        if let Some(h) = self.history[slot(speaker)].as_mut() {
            h.push(samples);
        }
    }

    fn voice(&mut self, event: &Event) {
        let Event::VoiceActivity {
            speaker,
            start_ms,
            end_ms,
            ..
        } = *event
        else {
            return;
        };
        {
            let mut backlog = lock(&self.shared.backlog);
            if backlog.spurt_closed(speaker, start_ms, end_ms, Instant::now()) {
                drop(backlog);
                self.shared.wake.notify_all();
                return;
            }
            if !backlog.has_room(speaker, end_ms.saturating_sub(start_ms)) {
                return;
            }
        }
        if let Some(job) = self.job(speaker, start_ms, start_ms, end_ms, true) {
            let mut backlog = lock(&self.shared.backlog);
            // The turn's partial still decoding would hold its final up: give it up.
            if backlog.push_final(job) {
                self.interrupt(speaker);
            }
            drop(backlog);
            self.shared.wake.notify_all();
        }
    }

    fn poll(&mut self, speaker: Speaker, open: Option<(u64, u64)>, position_ms: u64) {
        let now = Instant::now();
        // A turn in a pause may be about to close: its final is better than a partial then.
        let talking = open.filter(|&(_, speech_end)| position_ms <= speech_end + PARTIAL_PAUSE_MS);
        let (change, due, early) = {
            let mut backlog = lock(&self.shared.backlog);
            let partials = self.shared.streaming.partials;
            let due = talking
                .filter(|&(start, end)| partials && backlog.partial_due(speaker, start, end, now));
            let early = open
                .filter(|&(start, end)| backlog.early_due(speaker, start, end, position_ms, now));
            (backlog.lag_change(now), due, early)
        };
        self.shared.tell_lag(change);
        if let Some((start, end)) = early {
            if let Some(mut job) = self.job(speaker, start, start, end, false) {
                job.early = true;
                let mut backlog = lock(&self.shared.backlog);
                if backlog.push_early(job) {
                    self.interrupt(speaker);
                }
                drop(backlog);
                self.shared.wake.notify_all();
            }
            return;
        }
        let Some((start, end)) = due else { return };
        let from = start.max(end.saturating_sub(PARTIAL_MAX_MS));
        if let Some(job) = self.job(speaker, start, from, end, false) {
            lock(&self.shared.backlog).push_partial(job, start);
            self.shared.wake.notify_all();
        }
    }

    fn finish(&mut self) {
        self.shared.close();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::sources::stt::RecognizeError;

    /// A recognizer that answers only when the test lets it, so a slow CPU is played out
    /// step by step.
    struct Gated {
        gate: mpsc::Receiver<()>,
        n: u32,
    }

    impl Recognizer for Gated {
        fn transcribe(&mut self, samples: &[f32], _: u32) -> Result<String, RecognizeError> {
            self.gate
                .recv()
                .map_err(|_| RecognizeError("gate closed".into()))?;
            self.n += 1;
            Ok(format!("words {} of {} samples", self.n, samples.len()))
        }
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

    #[test]
    fn every_final_is_delivered_in_order_with_its_spurt_times_however_slow_the_recognizer() {
        let (agent_gate, agent_rx) = mpsc::channel();
        let (customer_gate, customer_rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let out = Mutex::new(out_tx);
        let sink: WordsSink = Arc::new(move |o| {
            lock(&out).send(o).expect("test receiver alive");
        });
        let recognizers: [Box<dyn Recognizer>; 2] = [
            Box::new(Gated {
                gate: agent_rx,
                n: 0,
            }),
            Box::new(Gated {
                gate: customer_rx,
                n: 0,
            }),
        ];
        let (words, mut tap) = LiveWords::start(recognizers, sink).unwrap();
        tap.channels(&[(Speaker::Agent, 1_000), (Speaker::Customer, 1_000)]);
        // 20 s of audio on each side at 1 kHz; the recognizers are stuck meanwhile.
        tap.samples(Speaker::Agent, &[0.1; 20_000]);
        tap.samples(Speaker::Customer, &[0.1; 20_000]);
        let spurts = [
            (1_000, 3_000),
            (4_000, 6_000),
            (7_000, 9_000),
            (10_000, 15_000),
        ];
        for (a, b) in spurts {
            tap.voice(&voice(Speaker::Agent, a, b));
        }
        tap.voice(&voice(Speaker::Customer, 16_000, 19_000));
        // A long customer turn still open: its partial is superseded by nothing here, and is
        // dropped when the capture stops (only finals are owed).
        tap.poll(Speaker::Customer, Some((19_500, 19_900)), 19_900);
        tap.finish();
        for _ in 0..spurts.len() {
            agent_gate.send(()).unwrap();
        }
        customer_gate.send(()).unwrap();
        // Gates left open so a stray partial cannot hang the workers.
        drop((agent_gate, customer_gate));
        let report = words.finish().unwrap();
        let got: Vec<WordsOut> = out_rx.try_iter().collect();
        let agent: Vec<(Ms, Ms)> = got
            .iter()
            .filter_map(|o| match o {
                WordsOut::Words(Event::Utterance(u)) if u.speaker == Speaker::Agent => {
                    assert!(u.is_final);
                    Some((u.start_ms, u.end_ms))
                }
                _ => None,
            })
            .collect();
        assert_eq!(agent, spurts.to_vec());
        let first = got.iter().find_map(|o| match o {
            WordsOut::Words(Event::Utterance(u)) if u.speaker == Speaker::Agent => {
                Some(u.text.clone())
            }
            _ => None,
        });
        // 2 s of speech plus 200 ms of context each side, at 1 kHz.
        assert_eq!(first.as_deref(), Some("words 1 of 2400 samples"));
        assert_eq!((report.finals, report.pieced), (5, 0));
        assert_eq!((report.skipped, report.failed, report.partials), (0, 0, 0));
    }

    #[test]
    fn a_failing_recognizer_is_reported_and_the_next_spurt_still_gets_words() {
        struct FailsFirst(bool);
        impl Recognizer for FailsFirst {
            fn transcribe(&mut self, _: &[f32], _: u32) -> Result<String, RecognizeError> {
                if std::mem::replace(&mut self.0, false) {
                    return Err(RecognizeError("out of memory".into()));
                }
                Ok("hello there".into())
            }
        }
        let (out_tx, out_rx) = mpsc::channel();
        let out = Mutex::new(out_tx);
        let sink: WordsSink = Arc::new(move |o| {
            lock(&out).send(o).expect("test receiver alive");
        });
        let (words, mut tap) = LiveWords::start(
            [Box::new(FailsFirst(true)), Box::new(FailsFirst(true))],
            sink,
        )
        .unwrap();
        tap.channels(&[(Speaker::Agent, 1_000)]);
        tap.samples(Speaker::Agent, &[0.1; 5_000]);
        tap.voice(&voice(Speaker::Agent, 500, 1_500));
        tap.voice(&voice(Speaker::Agent, 2_000, 3_000));
        // The customer channel was never opened: its events are ignored.
        tap.voice(&voice(Speaker::Customer, 500, 1_500));
        tap.finish();
        let report = words.finish().unwrap();
        let got: Vec<WordsOut> = out_rx.try_iter().collect();
        let message = got[0].message().unwrap();
        assert!(
            message.contains("agent speech at 500 ms") && message.contains("out of memory"),
            "{message}"
        );
        assert!(matches!(&got[1], WordsOut::Words(Event::Utterance(u)) if u.start_ms == 2_000));
        assert_eq!((report.finals, report.failed), (1, 1));
    }

    #[test]
    fn a_long_turn_is_decoded_in_pieces_and_keeps_them_if_the_rest_fails() {
        /// Answers in the test's order; says how many samples it was given.
        struct Scripted(mpsc::Receiver<Result<&'static str, &'static str>>);
        impl Recognizer for Scripted {
            fn transcribe(&mut self, samples: &[f32], _: u32) -> Result<String, RecognizeError> {
                match self.0.recv() {
                    Ok(Ok(text)) => Ok(format!("{text}/{}", samples.len())),
                    Ok(Err(e)) => Err(RecognizeError(e.into())),
                    Err(_) => Err(RecognizeError("script over".into())),
                }
            }
        }
        let (answers, script) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        let out = Mutex::new(out_tx);
        let sink: WordsSink = Arc::new(move |o| {
            lock(&out).send(o).expect("test receiver alive");
        });
        let (_, idle) = mpsc::channel();
        let (words, mut tap) =
            LiveWords::start([Box::new(Scripted(script)), Box::new(Scripted(idle))], sink).unwrap();
        tap.channels(&[(Speaker::Agent, 1_000)]);
        tap.samples(Speaker::Agent, &[0.1; 20_000]);
        let next = || loop {
            match out_rx.recv_timeout(Duration::from_secs(10)).expect("words") {
                WordsOut::Words(Event::Utterance(u)) => break u,
                WordsOut::Failed(e) => assert!(e.contains("out of memory"), "{e}"),
                _ => {}
            }
        };
        for (start, answer) in [(1_000, Ok("the rest")), (11_000, Err("out of memory"))] {
            answers.send(Ok("a piece")).unwrap();
            answers.send(answer).unwrap();
            // A pause 4 s into the turn: its first 4 s (and 200 ms of context each side) are decoded.
            tap.poll(Speaker::Agent, Some((start, start + 4_000)), start + 4_300);
            let piece = next();
            assert!(!piece.is_final);
            assert_eq!(piece.text, "a piece/4400");
            // The turn goes on to 7 s: its final decodes only what followed the piece.
            tap.voice(&voice(Speaker::Agent, start, start + 7_000));
            let last = next();
            assert!(last.is_final);
            assert_eq!((last.start_ms, last.end_ms), (start, start + 7_000));
            let rest = if start == 1_000 { " the rest/3200" } else { "" };
            assert_eq!(last.text, format!("a piece/4400{rest}"));
        }
        tap.finish();
        let report = words.finish().unwrap();
        assert_eq!((report.finals, report.pieced, report.failed), (2, 2, 1));
    }
}
