//! `parley serve` (the live endpoint, printing coaching as it happens) and `parley send FILE`
//! (streams a transcript to a running endpoint, at real speed by default).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error, Message as WsMessage};

use crate::call::{CallTask, PrinterListener, Runtime, TaskOptions};
use crate::engine::{Event, Playbook};
use crate::replay::Speed;
use crate::sources::ingest::{self, token, Inbound, IngestConfig, Message, TokenSource};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = ingest::DEFAULT_PORT)]
    pub port: u16,
    /// Token clients must present (default: PARLEY_TOKEN, else the stored one, created on first use).
    #[arg(long)]
    pub token: Option<String>,
    /// Where the token is stored (default: the OS config directory).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Playbook TOML (default: the built-in difficult-call playbook).
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// Do not feed ticks while an endpoint sender is silent.
    #[arg(long)]
    pub no_auto_tick: bool,
    /// Do not keep the coached calls in the session store.
    #[arg(long)]
    pub no_save: bool,
    /// Session database (default: $PARLEY_DB, else parley.db in the OS data folder).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Agent name recorded with each saved call (unless its call start names one).
    #[arg(long, default_value = "Agent")]
    pub agent: String,
    /// Coach from live audio too: the microphone and the call audio (a monitor input). The
    /// capture is one call, from start until Ctrl-C.
    #[arg(long)]
    pub capture: bool,
    /// Microphone input (its id or part of its name, see `parley devices`; default: the
    /// system's default input).
    #[arg(long, requires = "capture")]
    pub mic: Option<String>,
    /// Call-audio input (its id or part of its name; default: the first monitor input).
    #[arg(long = "call", alias = "call-input", requires = "capture")]
    pub call_input: Option<String>,
    /// With --capture: start a call when the call audio carries speech after silence, and end
    /// it after --quiet-end seconds with nobody speaking (instead of one call until Ctrl-C).
    #[arg(long, requires = "capture")]
    pub auto_call: bool,
    /// Seconds of silence that end an automatic call.
    #[arg(long, default_value_t = 30, requires = "auto_call")]
    pub quiet_end: u64,
    /// With --capture: the speech-to-text model for the words of both sides: base, tiny.en or
    /// a ggml file (default: $PARLEY_STT_MODEL, else base when installed).
    #[arg(long, value_name = "MODEL", requires = "capture")]
    pub stt_model: Option<crate::sources::stt::ModelChoice>,
    /// With --capture: no speech-to-text (pacing, timing and loudness only).
    #[arg(long, requires = "capture", conflicts_with = "stt_model")]
    pub no_words: bool,
}

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Transcript (.jsonl, .vtt, .srt) or stereo recording (.wav: left agent, right customer),
    /// sent in the order a live call delivers it.
    pub file: PathBuf,
    /// The endpoint's WebSocket URL.
    #[arg(long, default_value_t = format!("ws://127.0.0.1:{}/v1/live", ingest::DEFAULT_PORT))]
    pub url: String,
    /// Token (default: PARLEY_TOKEN, else the stored one).
    #[arg(long)]
    pub token: Option<String>,
    /// real, max (as fast as possible), or a speed factor such as 4.
    #[arg(long, default_value = "real")]
    pub speed: String,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<i32> {
    let playbook = match &args.playbook {
        Some(p) => Playbook::load(p)?,
        None => Playbook::builtin(),
    };
    let (token, source) = token::resolve_token(args.token.as_deref(), args.token_file.as_deref())?;
    let store = match args.no_save {
        true => None,
        false => {
            Some(Store::open_default(args.db.as_deref()).context("cannot open the session store")?)
        }
    };
    if let Some(s) = &store {
        eprintln!("saving calls in {}", s.path().display());
    }
    runtime()?.block_on(async move {
        let mut calls = Runtime::new(Arc::new(playbook), store, args.agent.clone());
        let printer = Arc::new(PrinterListener::new(std::io::stdout(), args.json));
        calls.listen(printer.clone());
        let options = TaskOptions {
            auto_tick: !args.no_auto_tick,
            ..TaskOptions::default()
        };
        let task = CallTask::spawn(calls, options);
        let link = task.link();
        let mut config = IngestConfig::new(token.clone());
        config.addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let server = ingest::serve(config, link.clone()).await?;
        let addr = server.local_addr();
        eprintln!("parley live endpoint: ws://{addr}/v1/live  and  POST http://{addr}/v1/events");
        eprintln!("token: {token}  ({})", describe(&source));
        eprintln!("try: parley send assets/samples/model-call.jsonl --url ws://{addr}/v1/live");
        let capture = if args.capture {
            Some(capture::start(&args, &link, printer.clone()).await?)
        } else {
            None
        };
        let signal = tokio::signal::ctrl_c().await;
        if let Some(c) = capture {
            capture::stop(c, &link).await?;
        }
        let stats = link.stats().snapshot();
        server.shutdown().await?;
        drop(link);
        task.shutdown().await?;
        if let Some(e) = printer.take_error() {
            eprintln!("parley: cannot write the coaching to stdout: {e}");
        }
        signal.context("cannot listen for Ctrl-C")?;
        eprintln!("stopped; {}", serde_json::to_string(&stats)?);
        anyhow::Ok(0)
    })
}

/// `parley devices`: the audio inputs capture can use, monitors (the call side) marked.
pub fn devices(json: bool) -> anyhow::Result<i32> {
    let (host, devices) = crate::sources::audio::capture::input_devices()?;
    if json {
        println!("{}", serde_json::json!({ "host": host, "inputs": devices }));
        return Ok(0);
    }
    println!("audio inputs ({host}):");
    if devices.is_empty() {
        println!("  none");
    }
    for d in &devices {
        let kind = if d.monitor { "monitor" } else { "mic" };
        let default = if d.default { "  (default)" } else { "" };
        println!("  {kind:<8} {:<40} {}{default}", d.id, d.name);
    }
    println!("use: parley serve --capture --mic ID --call ID   (a monitor is the call side)");
    Ok(0)
}

/// A deadline nobody reaches (a year), for a speed so slow it overflows the clock.
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

fn describe(source: &TokenSource) -> String {
    match source {
        TokenSource::Flag => "from --token".into(),
        TokenSource::Env => format!("from {}", token::TOKEN_ENV),
        TokenSource::File(p) => format!("stored in {}", p.display()),
        TokenSource::Generated(p) => format!("new, stored in {}", p.display()),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn send_token(flag: Option<String>) -> anyhow::Result<String> {
    if let Some(t) = flag {
        return Ok(t);
    }
    if let Ok(t) = std::env::var(token::TOKEN_ENV) {
        return Ok(t);
    }
    let path = token::default_token_path()
        .context("no config directory here: pass --token or set PARLEY_TOKEN")?;
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no token: cannot read {} (start `parley serve` first, or pass --token)",
            path.display()
        )
    })?;
    Ok(text.trim().to_string())
}

pub fn send(args: SendArgs) -> anyhow::Result<i32> {
    let speed: Speed = args
        .speed
        .parse()
        .map_err(|e| anyhow::anyhow!("--speed: {e}"))?;
    let is_wav = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    let events = if is_wav {
        // Voice activity from a stereo recording (left agent, right customer).
        crate::sources::audio::events_from_wav(&args.file)?
    } else {
        // Partials at the start of speech, finals at the end, a tick every second: as replay does.
        crate::replay::events(&args.file)?.collect::<Result<Vec<Event>, _>>()?
    };
    let token = send_token(args.token)?;
    runtime()?.block_on(async move {
        let mut request = args
            .url
            .as_str()
            .into_client_request()
            .with_context(|| format!("bad --url {}", args.url))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).context("bad token")?;
        request.headers_mut().insert("authorization", bearer);
        let (socket, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(s) => s,
            Err(Error::Http(r)) if r.status().as_u16() == 401 => {
                anyhow::bail!(
                    "{} refused the token (see `parley serve`'s output)",
                    args.url
                )
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot connect to {} (is `parley serve` running?)",
                        args.url
                    )
                })
            }
        };
        let (mut sink, mut stream) = socket.split();
        let reader = tokio::spawn(async move {
            let mut errors = 0u32;
            while let Some(Ok(frame)) = stream.next().await {
                if let WsMessage::Text(t) = frame {
                    if t.as_str().contains("\"type\":\"error\"") {
                        errors += 1;
                        eprintln!("parley: endpoint refused a message: {}", t.as_str());
                    }
                }
            }
            errors
        });
        let start = tokio::time::Instant::now();
        let mut sent = 0u64;
        for (seq, event) in events.iter().enumerate() {
            if let Some(due) = speed.due(event.at_ms()) {
                tokio::time::sleep_until(start.checked_add(due).unwrap_or(far_future())).await;
            }
            let inbound = Inbound {
                seq: Some(seq as u64),
                message: Message::from_event(event),
            };
            sink.send(WsMessage::Text(serde_json::to_string(&inbound)?.into()))
                .await
                .context("the endpoint closed the connection")?;
            sent += 1;
        }
        sink.close().await.context("cannot close the connection")?;
        let errors = reader.await?;
        let mut err = std::io::stderr();
        writeln!(
            err,
            "sent {sent} messages from {}, {errors} refused",
            args.file.display()
        )?;
        Ok(if errors == 0 { 0 } else { 1 })
    })
}

/// `parley serve --capture`: the capture is the call; audio times count from its start.
mod capture {
    use std::sync::{Arc, Mutex};

    use super::ServeArgs;
    use crate::call::MUST_DELIVER_WAIT;
    use crate::call::{Listener, News};
    use crate::engine::{Event, Speaker};
    use crate::sources::audio::autocall::AutoCall;
    use crate::sources::audio::capture::{Capture, CaptureConfig};
    use crate::sources::audio::live::{Notice, Outlets, Tap, STALL_AFTER};
    use crate::sources::ingest::{EventLink, Submission, SubmitError};
    use crate::sources::stt::{LiveWords, Started, WhisperOptions, WordsOut, WordsSink, NO_MODEL};
    use crate::sources::SourceKind;

    fn side(speaker: Speaker) -> &'static str {
        match speaker {
            Speaker::Agent => "microphone (agent)",
            Speaker::Customer => "call audio (customer)",
        }
    }

    /// A capture in progress, its recognizers, and the automatic call finder when calls start
    /// by themselves.
    pub struct Running {
        capture: Capture,
        words: Option<LiveWords>,
        auto: Option<Arc<Mutex<AutoCall>>>,
    }

    /// Start, end and final words must not be dropped: they wait for room; voice activity,
    /// partial words and ticks do not.
    fn deliver(link: &EventLink, event: Event) {
        let must = match &event {
            Event::CallStarted { .. } | Event::CallEnded { .. } => true,
            Event::Utterance(u) => u.is_final,
            _ => false,
        };
        let sub = Submission::new(SourceKind::Capture, event);
        let sent = match must {
            true => link.blocking_submit(sub),
            false => link.try_submit(sub),
        };
        // A full queue is counted in the stats; a stopped runtime ends the run.
        match sent {
            Ok(()) | Err(SubmitError::QueueFull) | Err(SubmitError::Stopped) => {}
        }
    }

    /// Where the capture's events (from the analysis thread) and words (from the recognizer
    /// threads) go: through the call finder when calls start by themselves, else straight in.
    fn router(
        link: &EventLink,
        auto: Option<Arc<Mutex<AutoCall>>>,
    ) -> Arc<dyn Fn(Event) + Send + Sync> {
        let link = link.clone();
        Arc::new(move |event: Event| match &auto {
            Some(f) => {
                let mut found = Vec::new();
                match f.lock() {
                    Ok(mut f) => f.push(&event, &mut found),
                    Err(poisoned) => poisoned.into_inner().push(&event, &mut found),
                }
                for e in found {
                    deliver(&link, e);
                }
            }
            None => deliver(&link, event),
        })
    }

    /// The recognizers for both sides, or None (said once) when no model is installed or words
    /// are turned off.
    fn words(
        args: &ServeArgs,
        route: Arc<dyn Fn(Event) + Send + Sync>,
        listener: Arc<dyn Listener>,
    ) -> anyhow::Result<Option<Started>> {
        if args.no_words {
            return Ok(None);
        }
        let sink: WordsSink = Arc::new(move |out: WordsOut| match out {
            WordsOut::Words(event) => route(event),
            other => {
                if let Some(message) = other.message() {
                    listener.news(&News::Warning {
                        call: None,
                        message: &message,
                    });
                }
            }
        });
        let started =
            LiveWords::for_choice(args.stt_model.as_ref(), WhisperOptions::default(), sink)?;
        match &started {
            Some(s) => eprintln!(
                "words: {} (speech-to-text on both sides)",
                s.model.display()
            ),
            None => eprintln!("parley: {NO_MODEL}"),
        }
        Ok(started)
    }

    pub async fn start(
        args: &ServeArgs,
        link: &EventLink,
        listener: Arc<dyn Listener>,
    ) -> anyhow::Result<Running> {
        let config = CaptureConfig {
            mic: args.mic.clone(),
            call: args.call_input.clone(),
            ..CaptureConfig::default()
        };
        let auto = args
            .auto_call
            .then(|| Arc::new(Mutex::new(AutoCall::new(args.quiet_end * 1000))));
        // The model first: a file of the user's own that does not load stops here, before a call
        // is started and left unfinished.
        let route = router(link, auto.clone());
        let (words, tap) = match words(args, route.clone(), listener)? {
            Some(s) => (Some(s.words), Some(Box::new(s.tap) as Box<dyn Tap>)),
            None => (None, None),
        };
        if auto.is_none() {
            let start = Event::CallStarted {
                at_ms: 0,
                agent: None,
                customer_name: None,
            };
            link.submit(
                Submission::new(SourceKind::Capture, start),
                MUST_DELIVER_WAIT,
            )
            .await?;
        }
        let outlets = Outlets {
            events: Box::new(move |event: Event| route(event)),
            notices: Box::new(|notice| {
                match notice {
                Notice::Stalled(s) => eprintln!(
                    "parley: the {} stopped delivering audio (device gone?); the call goes on with the other side",
                    side(s)
                ),
                Notice::Resumed(s) => eprintln!("parley: the {} delivers audio again", side(s)),
                Notice::Bleed(b) => eprintln!("parley: {}", crate::sources::audio::bleed::describe(&b)),
            }
            }),
            ticks: true,
            stall_after: STALL_AFTER,
            align: true,
            tap,
        };
        let capture =
            tokio::task::spawn_blocking(move || Capture::start(&config, outlets)).await??;
        let using: Vec<String> = capture
            .devices
            .iter()
            .map(|(side, d)| match side {
                Speaker::Agent => format!("microphone {} ({})", d.id, d.name),
                Speaker::Customer => format!("call audio {} ({})", d.id, d.name),
            })
            .collect();
        let ends = match auto {
            Some(_) => format!(
                "calls start when the call audio speaks and end after {} s of quiet",
                args.quiet_end
            ),
            None => "Ctrl-C ends the call".to_string(),
        };
        eprintln!(
            "capturing through {}: {}; {ends}",
            capture.host,
            using.join(", ")
        );
        Ok(Running {
            capture,
            words,
            auto,
        })
    }

    pub async fn stop(running: Running, link: &EventLink) -> anyhow::Result<()> {
        let Running {
            capture,
            words,
            auto,
        } = running;
        let report = tokio::task::spawn_blocking(move || capture.stop()).await??;
        // The last spurts' words reach the call before it ends.
        let words = match words {
            Some(w) => Some(tokio::task::spawn_blocking(move || w.finish()).await??),
            None => None,
        };
        let mut ends = Vec::new();
        match auto {
            Some(f) => match f.lock() {
                Ok(mut f) => f.finish(report.position_ms, &mut ends),
                Err(poisoned) => poisoned.into_inner().finish(report.position_ms, &mut ends),
            },
            None => ends.push(Event::CallEnded {
                at_ms: report.position_ms,
                reason: None,
            }),
        }
        for end in ends {
            link.submit(Submission::new(SourceKind::Capture, end), MUST_DELIVER_WAIT)
                .await?;
        }
        eprintln!(
            "audio: {} ms analysed, {} voice events, {} samples dropped, {} device errors",
            report.position_ms, report.events, report.overruns, report.device_errors
        );
        if let Some(w) = words {
            eprintln!(
                "words: {} spurts transcribed ({} long ones in pieces), {} without words, {} partials ({} interrupted), {} skipped (backlog full), {} failed",
                w.finals, w.pieced, w.empty, w.partials, w.interrupted, w.skipped, w.failed
            );
        }
        Ok(())
    }
}
