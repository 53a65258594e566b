//! Live capture: the agent's microphone and the call audio (the softphone's output, from a
//! monitor or loopback input). The platform's audio system sits behind [`AudioBackend`]; the one
//! here is cpal, which on Linux talks to PulseAudio (or PipeWire's pulse server) natively and
//! falls back to ALSA. Streams are created, played and dropped on one dedicated thread (cpal
//! streams are not `Send` everywhere), which stops on a message and acknowledges it. The
//! callbacks only downmix into the rings of `live`; analysis runs on the analysis thread.
//!
//! Other platforms: on Windows, cpal's WASAPI host opens an output device as an input in
//! loopback mode, so the call side is the softphone's output device itself (listed here as a
//! monitor once `inputs` also offers output devices there); on macOS there is no system loopback:
//! the call side needs a virtual device (BlackHole, Loopback) or a ScreenCaptureKit audio tap
//! (macOS 13+) behind its own `AudioBackend`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::live::{self, ChannelFeed, LiveAudio, LiveError, LiveReport, Outlets};
use crate::engine::Speaker;

/// How often the capture thread checks that its devices still exist.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Marks a channel whose device is no longer listed: PulseAudio moves its stream to the default
/// source, so what it delivers from then on is someone else's audio.
fn watch(backend: &dyn AudioBackend, watched: &[(String, Arc<std::sync::atomic::AtomicBool>)]) {
    let Ok(inputs) = backend.inputs() else { return };
    for (id, gone) in watched {
        if !inputs.iter().any(|d| &d.id == id) {
            gone.store(true, Ordering::Relaxed);
        }
    }
}

/// Audio arrives from the device in blocks of this many milliseconds.
const BLOCK_MS: u32 = 40;

/// Which inputs to use; a name matches a device whose id or description contains it
/// (case-insensitive), an exact id first.
#[derive(Debug, Clone, Default)]
pub struct CaptureConfig {
    /// The agent's microphone; default: the system's default input (if it is not a monitor).
    pub mic: Option<String>,
    /// The call audio; default: the first monitor or loopback input.
    pub call: Option<String>,
    /// Start with whichever side can be opened when the other cannot (missing, unplugged),
    /// instead of failing; what could not be opened is in [`Capture::missing`].
    pub partial: bool,
}

/// An input the audio system offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputDevice {
    /// What the audio system calls it (PulseAudio: the source name, e.g. `softphone.monitor`).
    pub id: String,
    /// What a person reads (PulseAudio: the description, e.g. `Monitor of Softphone`).
    pub name: String,
    /// A monitor of an output or a loopback input: what the far end says, not a microphone.
    pub monitor: bool,
    /// The system's default input.
    pub default: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot list audio inputs ({host}): {reason}")]
    Devices { host: String, reason: String },
    #[error("no audio input matches {wanted:?} for the {role} (inputs here: {inputs}); `parley devices` lists them")]
    NoDevice {
        wanted: String,
        role: &'static str,
        inputs: String,
    },
    #[error(
        "no {role} input found (inputs here: {inputs}); name one, `parley devices` lists them"
    )]
    NoDefault { role: &'static str, inputs: String },
    #[error("audio input {device}: {reason}")]
    Stream { device: String, reason: String },
    #[error("audio input {device} delivers {format} samples, which Parley does not read")]
    Format { device: String, format: String },
    #[error("the capture thread ended without acknowledging the stop")]
    NoAck,
    #[error(transparent)]
    Live(#[from] LiveError),
}

/// A stream that delivers samples until it is dropped.
pub type OpenStream = Box<dyn std::any::Any>;

/// The platform's audio inputs.
pub trait AudioBackend {
    /// Which audio system (for messages): `PulseAudio`, `ALSA`, `WASAPI`, ...
    fn host(&self) -> String;
    fn inputs(&self) -> Result<Vec<InputDevice>, CaptureError>;
    /// Starts `device` writing mono samples into a new channel for `speaker`; device errors
    /// after the start are counted in `errors` (the callback must not allocate).
    fn open(
        &self,
        device: &InputDevice,
        speaker: Speaker,
        errors: Arc<AtomicU64>,
    ) -> Result<(OpenStream, live::ChannelInput), CaptureError>;
}

/// Picks the device for a role: by name when given, else the default microphone or the first
/// monitor.
pub fn pick<'a>(
    devices: &'a [InputDevice],
    wanted: Option<&str>,
    speaker: Speaker,
) -> Result<&'a InputDevice, CaptureError> {
    let role = match speaker {
        Speaker::Agent => "microphone",
        Speaker::Customer => "call audio",
    };
    let inputs = || {
        let names: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    match wanted {
        Some(w) => {
            let low = w.to_lowercase();
            devices
                .iter()
                .find(|d| d.id == w)
                .or_else(|| {
                    devices.iter().find(|d| {
                        d.id.to_lowercase().contains(&low) || d.name.to_lowercase().contains(&low)
                    })
                })
                .ok_or_else(|| CaptureError::NoDevice {
                    wanted: w.to_string(),
                    role,
                    inputs: inputs(),
                })
        }
        None => {
            let found = match speaker {
                Speaker::Agent => devices
                    .iter()
                    .find(|d| d.default && !d.monitor)
                    .or_else(|| devices.iter().find(|d| !d.monitor)),
                Speaker::Customer => devices.iter().find(|d| d.monitor),
            };
            found.ok_or_else(|| CaptureError::NoDefault {
                role,
                inputs: inputs(),
            })
        }
    }
}

/// Attempts at connecting to a PulseAudio server that is there before falling back to ALSA:
/// cpal gives the handshake 2 s, which a loaded machine can miss.
const PULSE_TRIES: u32 = 3;
const PULSE_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// Where the pulse client cpal uses looks for the server's cookie.
fn cookie_candidates() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    std::env::var_os("PULSE_COOKIE")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(
            home.iter()
                .flat_map(|h| [h.join(".config/pulse/cookie"), h.join(".pulse-cookie")]),
        )
        .collect()
}

/// A PulseAudio server run with `XDG_CONFIG_HOME` set keeps its cookie there, where libpulse
/// clients look too but the pulse client cpal uses does not: without it the handshake fails and
/// capture falls back to ALSA. Points `PULSE_COOKIE` at it when nothing else does. Call it at
/// the start of `main`, before any thread reads the environment.
pub fn find_pulse_cookie() {
    if std::env::var_os("PULSE_COOKIE").is_some() {
        return;
    }
    let Some(config) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) else {
        return;
    };
    let cookie = std::path::Path::new(&config).join("pulse").join("cookie");
    if cookie.is_file() {
        std::env::set_var("PULSE_COOKIE", cookie);
    }
}

/// What to add to a refused handshake when no PulseAudio cookie can be found: the client then
/// sends an empty one, which a PulseAudio server (unlike PipeWire's) answers by closing the
/// connection, whatever its auth settings.
fn missing_cookie_hint() -> &'static str {
    match cookie_candidates().iter().any(|p| p.exists()) {
        true => "",
        false => "; no PulseAudio cookie found (PULSE_COOKIE, ~/.config/pulse/cookie)",
    }
}

/// cpal's default host: PulseAudio when a pulse server is reachable, else ALSA.
pub struct CpalBackend {
    host: cpal::Host,
    /// Why the pulse server that is there could not be used (the host is then ALSA).
    pulse_error: Option<String>,
}

impl CpalBackend {
    pub fn new() -> CpalBackend {
        let mut pulse_error = None;
        if cpal::available_hosts().contains(&cpal::HostId::PulseAudio) {
            for attempt in 0..PULSE_TRIES {
                // A busy or restarting server can miss one handshake; it rarely misses a later one.
                if attempt > 0 {
                    std::thread::sleep(PULSE_RETRY_PAUSE * attempt);
                }
                match cpal::host_from_id(cpal::HostId::PulseAudio) {
                    Ok(host) => {
                        return CpalBackend {
                            host,
                            pulse_error: None,
                        }
                    }
                    Err(e) => pulse_error = Some(format!("{e}{}", missing_cookie_hint())),
                }
            }
        }
        CpalBackend {
            host: cpal::default_host(),
            pulse_error,
        }
    }

    fn devices(&self) -> Result<Vec<(cpal::Device, InputDevice)>, CaptureError> {
        let err = |e: cpal::Error| CaptureError::Devices {
            host: self.host(),
            reason: e.to_string(),
        };
        let default_id = self
            .host
            .default_input_device()
            .and_then(|d| d.id().ok())
            .map(|id| id.id().to_string());
        let mut out = Vec::new();
        for device in self.host.input_devices().map_err(err)? {
            let Ok(id) = device.id() else { continue };
            let id = id.id().to_string();
            let name = device
                .description()
                .map(|d| d.name().to_string())
                .unwrap_or_else(|_| id.clone());
            let monitor = is_monitor(&id, &name);
            let default = default_id.as_deref() == Some(id.as_str());
            out.push((
                device,
                InputDevice {
                    id,
                    name,
                    monitor,
                    default,
                },
            ));
        }
        Ok(out)
    }
}

impl Default for CpalBackend {
    fn default() -> Self {
        CpalBackend::new()
    }
}

fn is_monitor(id: &str, name: &str) -> bool {
    let (id, name) = (id.to_lowercase(), name.to_lowercase());
    id.ends_with(".monitor")
        || name.starts_with("monitor of")
        || id.contains("loopback")
        || name.contains("loopback")
}

impl AudioBackend for CpalBackend {
    fn host(&self) -> String {
        match &self.pulse_error {
            None => self.host.id().name().to_string(),
            Some(e) => format!(
                "{} (PulseAudio is there but refused: {e})",
                self.host.id().name()
            ),
        }
    }

    fn inputs(&self) -> Result<Vec<InputDevice>, CaptureError> {
        Ok(self.devices()?.into_iter().map(|(_, d)| d).collect())
    }

    fn open(
        &self,
        wanted: &InputDevice,
        speaker: Speaker,
        errors: Arc<AtomicU64>,
    ) -> Result<(OpenStream, live::ChannelInput), CaptureError> {
        let device = self
            .devices()?
            .into_iter()
            .find(|(_, d)| d.id == wanted.id)
            .map(|(d, _)| d)
            .ok_or_else(|| CaptureError::Stream {
                device: wanted.id.clone(),
                reason: "it went away before it could be opened".into(),
            })?;
        let (stream, input) = open(&device, &wanted.id, speaker, errors)?;
        Ok((Box::new(stream), input))
    }
}

/// Names and ids of the input devices of the default backend, and the backend's name.
pub fn input_devices() -> Result<(String, Vec<InputDevice>), CaptureError> {
    let backend = CpalBackend::new();
    Ok((backend.host(), backend.inputs()?))
}

/// Live capture in progress.
pub struct Capture {
    device_errors: Arc<AtomicU64>,
    stop: SyncSender<SyncSender<()>>,
    thread: JoinHandle<()>,
    analysis: LiveAudio,
    /// The devices in use, by side (microphone first).
    pub devices: Vec<(Speaker, InputDevice)>,
    /// With [`CaptureConfig::partial`]: why a side could not be opened.
    pub missing: Vec<(Speaker, CaptureError)>,
    /// Each side's level meter (see [`live::ChannelInput::peak_meter`]).
    pub meters: Vec<(Speaker, Arc<std::sync::atomic::AtomicU32>)>,
    pub host: String,
}

type Ready = Result<(String, Sides, Vec<live::ChannelInput>), CaptureError>;
type Sides = (Vec<(Speaker, InputDevice)>, Vec<(Speaker, CaptureError)>);

impl Capture {
    /// Starts both inputs with cpal's default host.
    pub fn start(config: &CaptureConfig, outlets: Outlets) -> Result<Capture, CaptureError> {
        Capture::start_with(config, outlets, || Ok(Box::new(CpalBackend::new())))
    }

    /// Starts both inputs with the backend `make` builds (on the capture thread, where its
    /// streams live).
    pub fn start_with<F>(
        config: &CaptureConfig,
        outlets: Outlets,
        make: F,
    ) -> Result<Capture, CaptureError>
    where
        F: FnOnce() -> Result<Box<dyn AudioBackend>, CaptureError> + Send + 'static,
    {
        let config = config.clone();
        let device_errors = Arc::new(AtomicU64::new(0));
        let errors = device_errors.clone();
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Ready>(1);
        let (stop, stop_rx) = mpsc::sync_channel::<SyncSender<()>>(1);
        // The rings are made on the capture thread once the rates are known, then handed over.
        let thread = std::thread::Builder::new()
            .name("parley-capture".into())
            .spawn(move || {
                let (backend, opened) = match make() {
                    Ok(b) => {
                        let opened = open_pair(&*b, &config, &errors);
                        (Some(b), opened)
                    }
                    Err(e) => (None, Err(e)),
                };
                let (streams, ready) = match opened {
                    Ok((streams, host, devices, inputs)) => (streams, Ok((host, devices, inputs))),
                    Err(e) => (Vec::new(), Err(e)),
                };
                let watched = match &ready {
                    Ok((_, (devices, _), inputs)) => devices
                        .iter()
                        .zip(inputs)
                        .map(|((_, d), i)| (d.id.clone(), i.gone_flag()))
                        .collect(),
                    Err(_) => Vec::new(),
                };
                // The starter waits on this; if it is gone there is nobody to tell.
                if ready_tx.send(ready).is_err() || streams.is_empty() {
                    return;
                }
                let Some(backend) = backend else { return };
                loop {
                    match stop_rx.recv_timeout(WATCH_EVERY) {
                        Ok(ack) => {
                            drop(streams);
                            match ack.send(()) {
                                Ok(()) | Err(_) => {}
                            }
                            return;
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => watch(&*backend, &watched),
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(|e| CaptureError::Stream {
                device: "capture thread".into(),
                reason: e.to_string(),
            })?;
        let (host, (devices, missing), inputs) =
            ready_rx.recv().map_err(|_| CaptureError::NoAck)??;
        let meters = devices
            .iter()
            .zip(&inputs)
            .map(|((side, _), input)| (*side, input.peak_meter()))
            .collect();
        let analysis = LiveAudio::start_with(inputs, outlets)?;
        Ok(Capture {
            device_errors,
            stop,
            thread,
            analysis,
            devices,
            missing,
            meters,
            host,
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

type Opened = (Vec<OpenStream>, String, Sides, Vec<live::ChannelInput>);

fn open_pair(
    backend: &dyn AudioBackend,
    config: &CaptureConfig,
    errors: &Arc<AtomicU64>,
) -> Result<Opened, CaptureError> {
    let devices = backend.inputs()?;
    let mut streams = Vec::with_capacity(2);
    let mut inputs = Vec::with_capacity(2);
    let mut opened = Vec::with_capacity(2);
    let mut missing = Vec::new();
    for (wanted, speaker) in [
        (config.mic.as_deref(), Speaker::Agent),
        (config.call.as_deref(), Speaker::Customer),
    ] {
        let tried = pick(&devices, wanted, speaker).and_then(|device| {
            let (stream, input) = backend.open(device, speaker, errors.clone())?;
            Ok((device.clone(), stream, input))
        });
        match tried {
            Ok((device, stream, input)) => {
                streams.push(stream);
                inputs.push(input);
                opened.push((speaker, device));
            }
            Err(e) if config.partial => missing.push((speaker, e)),
            Err(e) => return Err(e),
        }
    }
    if opened.is_empty() && !missing.is_empty() {
        // Nothing to capture: the first side's reason is the one to tell.
        return Err(missing.swap_remove(0).1);
    }
    Ok((streams, backend.host(), (opened, missing), inputs))
}

fn open(
    device: &cpal::Device,
    name: &str,
    speaker: Speaker,
    errors: Arc<AtomicU64>,
) -> Result<(cpal::Stream, live::ChannelInput), CaptureError> {
    let err = |reason: String| CaptureError::Stream {
        device: name.to_string(),
        reason,
    };
    let supported = device
        .default_input_config()
        .map_err(|e| err(e.to_string()))?;
    let mut config = supported.config();
    // Small blocks: left to itself PulseAudio delivers a record stream in 2 s fragments, which
    // would hold every nudge back by that much.
    let block = (config.sample_rate / (1000 / BLOCK_MS)).max(1);
    if let cpal::SupportedBufferSize::Range { min, max } = supported.buffer_size() {
        if (*min..=*max).contains(&block) {
            config.buffer_size = cpal::BufferSize::Fixed(block);
        }
    }
    let (feed, input) = live::channel(speaker, config.sample_rate);
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(device, &config, feed, errors),
        SampleFormat::I16 => build::<i16>(device, &config, feed, errors),
        SampleFormat::I32 => build::<i32>(device, &config, feed, errors),
        SampleFormat::U16 => build::<u16>(device, &config, feed, errors),
        // Anything else (24-bit, 8-bit): ask for floats, which PulseAudio converts to.
        _ => build::<f32>(device, &config, feed, errors),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(id: &str, name: &str, default: bool) -> InputDevice {
        InputDevice {
            id: id.into(),
            name: name.into(),
            monitor: is_monitor(id, name),
            default,
        }
    }

    /// Two inputs that open without a device behind them.
    struct Listed;

    impl AudioBackend for Listed {
        fn host(&self) -> String {
            "test".into()
        }
        fn inputs(&self) -> Result<Vec<InputDevice>, CaptureError> {
            Ok(vec![
                dev("softphone.monitor", "Monitor of Softphone", false),
                dev("virtmic", "Virtual Mic", true),
            ])
        }
        fn open(
            &self,
            _device: &InputDevice,
            speaker: Speaker,
            _errors: Arc<AtomicU64>,
        ) -> Result<(OpenStream, live::ChannelInput), CaptureError> {
            let (_feed, input) = live::channel(speaker, 16_000);
            Ok((Box::new(()), input))
        }
    }

    fn quiet() -> Outlets {
        Outlets {
            events: Box::new(|_| {}),
            notices: Box::new(|_| {}),
            ticks: false,
            stall_after: live::STALL_AFTER,
            align: true,
            tap: None,
        }
    }

    #[test]
    fn a_missing_side_is_reported_and_the_other_captured_when_partial() {
        let config = CaptureConfig {
            mic: Some("headset".into()),
            call: Some("softphone".into()),
            partial: true,
        };
        let capture = Capture::start_with(&config, quiet(), || Ok(Box::new(Listed))).unwrap();
        let sides: Vec<Speaker> = capture.devices.iter().map(|(s, _)| *s).collect();
        assert_eq!(sides, [Speaker::Customer]);
        assert_eq!(capture.meters.len(), 1);
        match capture.missing.as_slice() {
            [(Speaker::Agent, e)] => assert!(e.to_string().contains("\"headset\""), "{e}"),
            other => panic!("{other:?}"),
        }
        capture.stop().unwrap();
        // Not partial (the command line): the missing side is the error.
        let strict = CaptureConfig {
            partial: false,
            ..config
        };
        let err = Capture::start_with(&strict, quiet(), || Ok(Box::new(Listed)))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("microphone"), "{err}");
    }

    #[test]
    fn picks_by_name_then_the_default_mic_and_the_first_monitor() {
        let devices = [
            dev("softphone.monitor", "Monitor of Softphone", false),
            dev("virtmic", "Virtual Mic", true),
            dev("alsa_input.usb", "USB Headset", false),
        ];
        assert!(devices[0].monitor && !devices[1].monitor);
        assert_eq!(pick(&devices, None, Speaker::Agent).unwrap().id, "virtmic");
        assert_eq!(
            pick(&devices, None, Speaker::Customer).unwrap().id,
            "softphone.monitor"
        );
        assert_eq!(
            pick(&devices, Some("headset"), Speaker::Agent).unwrap().id,
            "alsa_input.usb"
        );
        let err = pick(&devices, Some("nope"), Speaker::Customer)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"nope\"") && err.contains("call audio"),
            "{err}"
        );
        assert!(err.contains("softphone.monitor"), "{err}");
        let none = pick(&devices[1..], None, Speaker::Customer).unwrap_err();
        assert!(none.to_string().contains("no call audio input"), "{none}");
    }
}
