//! Recorded calls: a stereo WAV (left agent, right customer) or two mono WAVs, streamed through
//! the channel analyzers block by block, so a long call never sits in memory.

use std::path::Path;

use super::analyzer::ChannelAnalyzer;
use super::bleed::BleedGuard;
use super::AudioError;
use crate::engine::{Event, Speaker};

/// Interleaved samples read per block.
const BLOCK: usize = 8192;

type Reader = hound::WavReader<std::io::BufReader<std::fs::File>>;

fn open(path: &Path) -> Result<Reader, AudioError> {
    hound::WavReader::open(path).map_err(|source| AudioError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads interleaved blocks as f32 in -1..=1 and hands each to `sink`.
fn for_each_block(
    path: &Path,
    reader: Reader,
    mut sink: impl FnMut(&[f32]),
) -> Result<(), AudioError> {
    let spec = reader.spec();
    let read_err = |source| AudioError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut block = Vec::with_capacity(BLOCK);
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for s in reader.into_samples::<f32>() {
                block.push(s.map_err(read_err)?);
                if block.len() == BLOCK {
                    sink(&block);
                    block.clear();
                }
            }
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            for s in reader.into_samples::<i32>() {
                block.push(s.map_err(read_err)? as f32 * scale);
                if block.len() == BLOCK {
                    sink(&block);
                    block.clear();
                }
            }
        }
    }
    if !block.is_empty() {
        sink(&block);
    }
    Ok(())
}

/// Voice events of a stereo file, and its length in ms.
pub fn analyze_stereo(path: &Path) -> Result<(Vec<Event>, u64), AudioError> {
    let reader = open(path)?;
    let rate = reader.spec().sample_rate;
    let mut agent = ChannelAnalyzer::new(Speaker::Agent, rate);
    let mut customer = ChannelAnalyzer::new(Speaker::Customer, rate);
    // A recording made on speakers has the customer's echo on the agent's side too.
    agent.keep_envelope();
    customer.keep_envelope();
    let mut bleed = BleedGuard::new();
    let mut events = Vec::new();
    stereo_blocks(path, reader, |left, right| {
        agent.push(left, &mut events);
        customer.push(right, &mut events);
        bleed.review(&agent, &customer, &mut events);
    })?;
    agent.finish(&mut events);
    customer.finish(&mut events);
    bleed.review(&agent, &customer, &mut events);
    Ok((events, agent.position_ms().max(customer.position_ms())))
}

/// Voice events of one speaker's file (several channels are averaged), and its length in ms.
pub fn analyze_mono(path: &Path, speaker: Speaker) -> Result<(Vec<Event>, u64), AudioError> {
    let reader = open(path)?;
    let mut analyzer = ChannelAnalyzer::new(speaker, reader.spec().sample_rate);
    let mut events = Vec::new();
    mono_blocks(path, reader, |mixed| analyzer.push(mixed, &mut events))?;
    analyzer.finish(&mut events);
    Ok((events, analyzer.position_ms()))
}

/// A file's sample rate and channel count.
pub fn spec(path: &Path) -> Result<hound::WavSpec, AudioError> {
    Ok(open(path)?.spec())
}

/// Streams a stereo file as blocks of (left, right) samples, for paths that need the audio itself
/// (speech-to-text) as well as the voice events.
pub fn stream_stereo(path: &Path, sink: impl FnMut(&[f32], &[f32])) -> Result<(), AudioError> {
    stereo_blocks(path, open(path)?, sink)
}

/// Streams one speaker's file as blocks of mono samples (several channels are averaged).
pub fn stream_mono(path: &Path, sink: impl FnMut(&[f32])) -> Result<(), AudioError> {
    mono_blocks(path, open(path)?, sink)
}

fn stereo_blocks(
    path: &Path,
    reader: Reader,
    mut sink: impl FnMut(&[f32], &[f32]),
) -> Result<(), AudioError> {
    let channels = usize::from(reader.spec().channels);
    if channels < 2 {
        return Err(AudioError::Mono(path.to_path_buf()));
    }
    let (mut left, mut right) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    // Blocks are a multiple of any channel count up to 8 only by luck; carry a partial frame.
    let mut carry: Vec<f32> = Vec::with_capacity(channels);
    for_each_block(path, reader, |block| {
        left.clear();
        right.clear();
        for &s in block {
            carry.push(s);
            if carry.len() == channels {
                left.push(carry[0]);
                right.push(carry[1]);
                carry.clear();
            }
        }
        sink(&left, &right);
    })
}

fn mono_blocks(
    path: &Path,
    reader: Reader,
    mut sink: impl FnMut(&[f32]),
) -> Result<(), AudioError> {
    let channels = usize::from(reader.spec().channels.max(1));
    let mut mixed = Vec::with_capacity(BLOCK);
    let mut carry: Vec<f32> = Vec::with_capacity(channels);
    for_each_block(path, reader, |block| {
        mixed.clear();
        for &s in block {
            carry.push(s);
            if carry.len() == channels {
                mixed.push(carry.iter().sum::<f32>() / channels as f32);
                carry.clear();
            }
        }
        sink(&mixed);
    })
}
