//! Live capture with cpal: the agent's microphone and the call audio (the softphone's output, from
//! a loopback or monitor input). Streams are created, played and dropped on one dedicated thread
//! (cpal streams are not `Send` everywhere), which stops on a message and acknowledges it. The
//! callbacks only downmix into the rings of `live`; analysis runs on the analysis thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::live::{self, ChannelFeed, LiveAudio, LiveError, LiveReport};
use crate::engine::{Event, Speaker};

/// Which inputs to use; a name matches a device whose name contains it (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct CaptureConfig {
    /// The agent's microphone; default: the system's default input.
    pub mic: Option<String>,
    /// The call audio; default: the first input whose name says monitor or loopback.
    pub call: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot list audio inputs: {0}")]
    Devices(String),
    #[error("no audio input matches {0:?} (inputs here: {1})")]
    NoDevice(String, String),
    #[error("no loopback or monitor input for the call audio (inputs here: {0}); name one")]
    NoMonitor(String),
    #[error("audio input {device}: {reason}")]
    Stream { device: String, reason: String },
    #[error("audio input {device} delivers {format} samples, which Parley does not read")]
    Format { device: String, format: String },
    #[error("the capture thread ended without acknowledging the stop")]
    NoAck,
    #[error(transparent)]
    Live(#[from] LiveError),
}

/// Names of the input devices.
pub fn input_devices() -> Result<Vec<String>, CaptureError> {
    let host = cpal::default_host();
    let devices = host
        .input_devices()
        .map_err(|e| CaptureError::Devices(e.to_string()))?;
    Ok(devices.map(|d| d.to_string()).collect())
}

/// Live capture in progress.
pub struct Capture {
    device_errors: Arc<AtomicU64>,
    stop: SyncSender<SyncSender<()>>,
    thread: JoinHandle<()>,
    analysis: LiveAudio,
}

impl Capture {
    /// Starts both inputs; every voice-activity event goes to `sink` (on the analysis thread).
    pub fn start(
        config: &CaptureConfig,
        sink: Box<dyn FnMut(Event) + Send>,
    ) -> Result<Capture, CaptureError> {
        let host = cpal::default_host();
        let names = input_devices()?.join(", ");
        let mic = match &config.mic {
            Some(name) => find(&host, name)?
                .ok_or_else(|| CaptureError::NoDevice(name.clone(), names.clone()))?,
            None => host
                .default_input_device()
                .ok_or_else(|| CaptureError::NoDevice("default".into(), names.clone()))?,
        };
        let call = match &config.call {
            Some(name) => find(&host, name)?
                .ok_or_else(|| CaptureError::NoDevice(name.clone(), names.clone()))?,
            None => find(&host, "monitor")?
                .or(find(&host, "loopback")?)
                .ok_or_else(|| CaptureError::NoMonitor(names.clone()))?,
        };
        let device_errors = Arc::new(AtomicU64::new(0));
        let errors = device_errors.clone();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel::<SyncSender<()>>(1);
        // The rings are made on the capture thread once the rates are known, then handed over.
        let thread = std::thread::Builder::new()
            .name("parley-capture".into())
            .spawn(move || {
                let streams = open_pair(&mic, &call, &errors);
                let (streams, inputs) = match streams {
                    Ok(s) => s,
                    Err(e) => {
                        // The starter waits on this; if it is gone there is nobody to tell.
                        match ready_tx.send(Err(e)) {
                            Ok(()) | Err(_) => return,
                        }
                    }
                };
                if ready_tx.send(Ok(inputs)).is_err() {
                    return;
                }
                if let Ok(ack) = stop_rx.recv() {
                    drop(streams);
                    match ack.send(()) {
                        Ok(()) | Err(_) => {}
                    }
                }
            })
            .map_err(|e| CaptureError::Stream {
                device: "capture thread".into(),
                reason: e.to_string(),
            })?;
        let inputs = ready_rx.recv().map_err(|_| CaptureError::NoAck)??;
        let analysis = LiveAudio::start(inputs, sink)?;
        Ok(Capture {
            device_errors,
            stop,
            thread,
            analysis,
        })
    }

    /// Stops the devices, then the analysis; returns what was analyzed.
    pub fn stop(self) -> Result<LiveReport, CaptureError> {
        let (ack, ack_rx) = mpsc::sync_channel(1);
        let acked = self.stop.send(ack).is_ok() && ack_rx.recv().is_ok();
        if self.thread.join().is_err() || !acked {
            return Err(CaptureError::NoAck);
        }
        let mut report = self.analysis.stop()?;
        report.device_errors = self.device_errors.load(Ordering::Relaxed);
        Ok(report)
    }
}

fn find(host: &cpal::Host, name: &str) -> Result<Option<cpal::Device>, CaptureError> {
    let wanted = name.to_lowercase();
    let mut devices = host
        .input_devices()
        .map_err(|e| CaptureError::Devices(e.to_string()))?;
    Ok(devices.find(|d| d.to_string().to_lowercase().contains(&wanted)))
}

type Opened = (Vec<cpal::Stream>, Vec<live::ChannelInput>);

fn open_pair(
    mic: &cpal::Device,
    call: &cpal::Device,
    errors: &Arc<AtomicU64>,
) -> Result<Opened, CaptureError> {
    let mut streams = Vec::with_capacity(2);
    let mut inputs = Vec::with_capacity(2);
    for (device, speaker) in [(mic, Speaker::Agent), (call, Speaker::Customer)] {
        let (stream, input) = open(device, speaker, errors.clone())?;
        streams.push(stream);
        inputs.push(input);
    }
    Ok((streams, inputs))
}

fn open(
    device: &cpal::Device,
    speaker: Speaker,
    errors: Arc<AtomicU64>,
) -> Result<(cpal::Stream, live::ChannelInput), CaptureError> {
    let name = device.to_string();
    let err = |reason: String| CaptureError::Stream {
        device: name.clone(),
        reason,
    };
    let supported = device
        .default_input_config()
        .map_err(|e| err(e.to_string()))?;
    let config = supported.config();
    let (feed, input) = live::channel(speaker, config.sample_rate);
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(device, &config, feed, errors),
        SampleFormat::I16 => build::<i16>(device, &config, feed, errors),
        SampleFormat::I32 => build::<i32>(device, &config, feed, errors),
        SampleFormat::U16 => build::<u16>(device, &config, feed, errors),
        other => {
            return Err(CaptureError::Format {
                device: name,
                format: format!("{other:?}"),
            })
        }
    }
    .map_err(|e| err(e.to_string()))?;
    stream.play().map_err(|e| err(e.to_string()))?;
    Ok((stream, input))
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut feed: ChannelFeed,
    errors: Arc<AtomicU64>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + Copy,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels);
    device.build_input_stream(
        *config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            feed.push_interleaved(data, channels, |s| s.to_sample::<f32>())
        },
        // A device error (unplugged headset) ends that stream's samples; it is counted and the
        // other channel keeps working.
        move |_e| {
            errors.fetch_add(1, Ordering::Relaxed);
        },
        None,
    )
}
