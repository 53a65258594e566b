//! A recorded call with its words: each channel's samples go through the same analyzer the
//! pacing path uses and, beside it, a `Transcriber`; every talk spurt the analyzer closes is
//! transcribed with the spurt's own times. The file is streamed, never held whole.

use std::path::Path;

use super::whisper::{WhisperModel, WhisperOptions};
use super::{SttError, Transcriber};
use crate::engine::{Event, Ms, Speaker, Utterance};
use crate::sources::audio::{self, wav, ChannelAnalyzer};

/// Voice activity and words of a whole call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallWords {
    /// `VoiceActivity` events of both channels.
    pub voice: Vec<Event>,
    /// Final utterances, in start order.
    pub utterances: Vec<Utterance>,
    pub duration_ms: Ms,
}

impl CallWords {
    /// The call as a live source would deliver it: start, each spurt's voice activity and then its
    /// words at the spurt's end, a tick every second, the end.
    pub fn into_events(self) -> Vec<Event> {
        let mut events = self.voice;
        events.extend(self.utterances.into_iter().map(Event::Utterance));
        audio::call_events(events, self.duration_ms)
    }
}

struct Channel {
    analyzer: ChannelAnalyzer,
    words: Transcriber,
    voice: Vec<Event>,
    utterances: Vec<Utterance>,
    error: Option<SttError>,
}

impl Channel {
    fn new(
        model: &WhisperModel,
        options: WhisperOptions,
        speaker: Speaker,
        rate: u32,
    ) -> Result<Channel, SttError> {
        Ok(Channel {
            analyzer: ChannelAnalyzer::new(speaker, rate),
            words: Transcriber::new(Box::new(model.recognizer(options)?), speaker, rate),
            voice: Vec::new(),
            utterances: Vec::new(),
            error: None,
        })
    }

    fn push(&mut self, block: &[f32]) {
        if self.error.is_some() {
            return;
        }
        self.words.push(block);
        let seen = self.voice.len();
        self.analyzer.push(block, &mut self.voice);
        self.transcribe_from(seen);
    }

    fn finish(&mut self) -> Result<Ms, SttError> {
        if self.error.is_none() {
            let seen = self.voice.len();
            self.analyzer.finish(&mut self.voice);
            self.transcribe_from(seen);
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.analyzer.position_ms()),
        }
    }

    fn transcribe_from(&mut self, seen: usize) {
        for event in &self.voice[seen..] {
            match self.words.utterance_for(event) {
                Ok(Some(Event::Utterance(u))) => self.utterances.push(u),
                Ok(_) => {}
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
    }
}

fn merge(channels: Vec<Channel>, duration_ms: Ms) -> CallWords {
    let mut voice = Vec::new();
    let mut utterances = Vec::new();
    for c in channels {
        voice.extend(c.voice);
        utterances.extend(c.utterances);
    }
    utterances.sort_by_key(|u| (u.start_ms, u.end_ms));
    CallWords {
        voice,
        utterances,
        duration_ms,
    }
}

/// A stereo WAV (left agent, right customer), transcribed.
pub fn transcribe_wav(
    path: &Path,
    model: &WhisperModel,
    options: WhisperOptions,
) -> Result<CallWords, SttError> {
    let rate = wav::spec(path)?.sample_rate;
    let mut agent = Channel::new(model, options, Speaker::Agent, rate)?;
    let mut customer = Channel::new(model, options, Speaker::Customer, rate)?;
    wav::stream_stereo(path, |left, right| {
        agent.push(left);
        customer.push(right);
    })?;
    let duration = agent.finish()?.max(customer.finish()?);
    Ok(merge(vec![agent, customer], duration))
}

/// Two mono WAVs, one per speaker (their rates may differ), transcribed.
pub fn transcribe_wav_pair(
    agent_file: &Path,
    customer_file: &Path,
    model: &WhisperModel,
    options: WhisperOptions,
) -> Result<CallWords, SttError> {
    let mut channels = Vec::new();
    let mut duration = 0;
    for (path, speaker) in [
        (agent_file, Speaker::Agent),
        (customer_file, Speaker::Customer),
    ] {
        let rate = wav::spec(path)?.sample_rate;
        let mut channel = Channel::new(model, options, speaker, rate)?;
        wav::stream_mono(path, |block| channel.push(block))?;
        duration = duration.max(channel.finish()?);
        channels.push(channel);
    }
    Ok(merge(channels, duration))
}
