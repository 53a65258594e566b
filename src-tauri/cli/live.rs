//! `parley serve` (the live endpoint, printing coaching as it happens) and `parley send FILE`
//! (streams a transcript to a running endpoint, at real speed by default).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error, Message as WsMessage};

use super::Renderer;
use crate::engine::{Event, Playbook};
use crate::replay::Speed;
use crate::sources::ingest::{
    self, token, EngineOptions, EngineTask, Inbound, IngestConfig, Message, TokenSource,
};

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
    /// Do not feed ticks while the source is silent.
    #[arg(long)]
    pub no_auto_tick: bool,
    /// Coach from live audio too: the microphone and the call audio (monitor/loopback input).
    #[cfg(feature = "capture")]
    #[arg(long)]
    pub capture: bool,
    /// Microphone input (part of its name; default: the system's default input).
    #[cfg(feature = "capture")]
    #[arg(long, requires = "capture")]
    pub mic: Option<String>,
    /// Call-audio input (part of its name; default: the first monitor or loopback input).
    #[cfg(feature = "capture")]
    #[arg(long, requires = "capture")]
    pub call_input: Option<String>,
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
    runtime()?.block_on(async move {
        let options = EngineOptions {
            auto_tick: !args.no_auto_tick,
            ..EngineOptions::default()
        };
        let engine = EngineTask::spawn(Arc::new(playbook), options);
        let mut outputs = engine.subscribe();
        let mut config = IngestConfig::new(token.clone());
        config.addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let server = ingest::serve(config, engine.link()).await?;
        let addr = server.local_addr();
        eprintln!("parley live endpoint: ws://{addr}/v1/live  and  POST http://{addr}/v1/events");
        eprintln!("token: {token}  ({})", describe(&source));
        eprintln!("try: parley send assets/samples/model-call.jsonl --url ws://{addr}/v1/live");
        #[cfg(feature = "capture")]
        let capture = if args.capture {
            Some(capture::start(&args, &engine).await?)
        } else {
            None
        };
        let stdout = std::io::stdout();
        let mut renderer = Renderer::new(stdout.lock(), args.json);
        loop {
            tokio::select! {
                signal = tokio::signal::ctrl_c() => {
                    signal.context("cannot listen for Ctrl-C")?;
                    break;
                }
                out = outputs.recv() => match out {
                    Ok(e) => {
                        renderer.output(&e.output)?;
                    }
                    Err(RecvError::Lagged(n)) => eprintln!("parley: the printer fell behind and skipped {n} outputs"),
                    Err(RecvError::Closed) => break,
                },
            }
        }
        drop(renderer);
        #[cfg(feature = "capture")]
        if let Some(c) = capture {
            capture::stop(c, &engine).await?;
        }
        let stats = engine.link().stats().snapshot();
        server.shutdown().await?;
        engine.shutdown().await?;
        eprintln!("stopped; {}", serde_json::to_string(&stats)?);
        anyhow::Ok(0)
    })
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
    let speed: Speed = args.speed.parse().map_err(anyhow::Error::msg)?;
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
            if let Speed::Factor(factor) = speed {
                let due = Duration::from_secs_f64(event.at_ms() as f64 / 1000.0 / factor);
                tokio::time::sleep_until(start + due).await;
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

/// `parley serve --capture`: the capture session is the call; audio times count from its start.
#[cfg(feature = "capture")]
mod capture {
    use std::time::Instant;

    use super::ServeArgs;
    use crate::engine::Event;
    use crate::sources::audio::capture::{Capture, CaptureConfig};
    use crate::sources::ingest::{EngineTask, Submission, SubmitError};

    fn submission(event: Event) -> Submission {
        Submission {
            event,
            seq: None,
            received: Instant::now(),
            reply: None,
        }
    }

    pub async fn start(args: &ServeArgs, engine: &EngineTask) -> anyhow::Result<Capture> {
        let config = CaptureConfig {
            mic: args.mic.clone(),
            call: args.call_input.clone(),
        };
        let link = engine.link();
        let start = Event::CallStarted {
            at_ms: 0,
            agent: None,
            customer_name: None,
        };
        link.submit(submission(start), std::time::Duration::from_secs(1))
            .await?;
        let sink = Box::new(
            move |event: Event| match link.try_submit(submission(event)) {
                // A full queue is counted in the endpoint's stats; a stopped engine ends the run.
                Ok(()) | Err(SubmitError::QueueFull) | Err(SubmitError::Stopped) => {}
            },
        );
        let capture = Capture::start(&config, sink)?;
        eprintln!("capturing the microphone and the call audio; Ctrl-C ends the call");
        Ok(capture)
    }

    pub async fn stop(capture: Capture, engine: &EngineTask) -> anyhow::Result<()> {
        let report = capture.stop()?;
        let end = Event::CallEnded {
            at_ms: report.position_ms,
            reason: None,
        };
        engine
            .link()
            .submit(submission(end), std::time::Duration::from_secs(1))
            .await?;
        eprintln!(
            "audio: {} ms analysed, {} voice events, {} samples dropped, {} device errors",
            report.position_ms, report.events, report.overruns, report.device_errors
        );
        Ok(())
    }
}
