//! The HTTP side: routes, the WebSocket loop, one-shot POSTs. Each connection reads messages,
//! checks them and queues them for the call runtime; a separate writer sends error frames and,
//! when asked for, the engine's outputs.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::json;
use tokio::sync::{broadcast, mpsc, oneshot, watch, Semaphore};

use super::auth::{query_param, require_token};
use super::link::{ErrorFrame, EventLink, Reply, Submission, SubmitError};
use super::message::{self, Inbound};
use super::stats::Stats;
use super::{IngestConfig, IngestError, ServerHandle, PROTOCOL_VERSION};
use crate::engine::Output;
use crate::sources::SourceKind;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) token: Arc<str>,
    pub(crate) stats: Arc<Stats>,
    config: Arc<IngestConfig>,
    engine: EventLink,
    connections: Arc<Semaphore>,
    closing: watch::Receiver<bool>,
}

/// What the server sends on a WebSocket.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutFrame<'a> {
    Hello {
        protocol: u32,
        max_message_bytes: usize,
    },
    Error(&'a ErrorFrame),
    Output {
        call: u64,
        output: &'a Output,
    },
    /// This subscriber fell behind and missed `missed` outputs.
    Lagged {
        missed: u64,
    },
}

pub(crate) async fn start(
    config: IngestConfig,
    engine: EventLink,
) -> Result<ServerHandle, IngestError> {
    if !config.addr.ip().is_loopback() {
        return Err(IngestError::NotLoopback(config.addr));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| IngestError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| IngestError::Bind {
        addr: config.addr,
        source,
    })?;
    let (close_tx, closing) = watch::channel(false);
    let state = AppState {
        token: Arc::from(config.token.as_str()),
        stats: engine.stats().clone(),
        connections: Arc::new(Semaphore::new(config.max_connections)),
        config: Arc::new(config),
        engine,
        closing: closing.clone(),
    };
    let app = Router::new()
        .route("/v1/live", get(live))
        .route("/v1/events", post(events))
        .route("/v1/stats", get(stats))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_token,
        ))
        .with_state(state);
    let mut shutdown = closing;
    let join = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the handle was dropped: stop then too.
                while shutdown.changed().await.is_ok() && !*shutdown.borrow() {}
            })
            .await
    });
    Ok(ServerHandle {
        addr,
        close: close_tx,
        join,
    })
}

async fn stats(State(state): State<AppState>) -> Json<super::StatsSnapshot> {
    Json(state.stats.snapshot())
}

async fn live(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        Stats::bump(&state.stats.refused_busy);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": "too many connections" })),
        )
            .into_response();
    };
    let want_outputs = matches!(query_param(query.as_deref(), "outputs"), Some("1" | "true"));
    let hard = state.config.max_frame_bytes;
    ws.max_message_size(hard)
        .max_frame_size(hard)
        .on_upgrade(move |socket| async move {
            connection(socket, state, want_outputs).await;
            drop(permit);
        })
}

async fn connection(socket: WebSocket, state: AppState, want_outputs: bool) {
    let (sink, mut stream) = socket.split();
    let (frames, frames_rx) = mpsc::channel(state.config.client_queue.max(1));
    let (done_tx, done_rx) = oneshot::channel();
    let outputs = want_outputs.then(|| state.engine.subscribe());
    let writer = tokio::spawn(write_frames(
        sink,
        frames_rx,
        outputs,
        done_rx,
        state.stats.clone(),
        state.config.max_message_bytes,
    ));
    let mut closing = state.closing.clone();
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = closing.changed() => None,
        };
        let text = match next {
            Some(Ok(WsMessage::Text(t))) => t,
            Some(Ok(WsMessage::Binary(_))) => {
                push_error(
                    &state,
                    &frames,
                    None,
                    "send JSON messages as text frames".into(),
                );
                continue;
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
        };
        let received = Instant::now();
        Stats::bump(&state.stats.received);
        if !read_one(&state, &frames, text.as_str(), received).await {
            break;
        }
    }
    drop(frames);
    // The writer ends on its own once told; a failed send means it already ended.
    if done_tx.send(()).is_err() {
        return;
    }
    match writer.await {
        Ok(()) | Err(_) => {}
    }
}

/// Handles one text message; false when the engine is gone and the connection should end.
async fn read_one(
    state: &AppState,
    frames: &mpsc::Sender<ErrorFrame>,
    text: &str,
    received: Instant,
) -> bool {
    let limit = state.config.max_message_bytes;
    if text.len() > limit {
        Stats::bump(&state.stats.too_large);
        let reason = format!(
            "message of {} bytes is over the {limit} byte limit",
            text.len()
        );
        push_error(state, frames, None, reason);
        return true;
    }
    let inbound = match message::parse(text) {
        Ok(i) => i,
        Err(e) => {
            Stats::bump(&state.stats.invalid);
            push_error(state, frames, seq_of(text), e.to_string());
            return true;
        }
    };
    let seq = inbound.seq;
    let submission = Submission {
        event: inbound.message.into_event(),
        source: SourceKind::Endpoint,
        seq,
        received,
        reply: Some(Reply::Errors(frames.clone())),
    };
    match state
        .engine
        .submit(submission, state.config.enqueue_wait)
        .await
    {
        Ok(()) => true,
        Err(e @ SubmitError::QueueFull) => {
            push_error(state, frames, seq, e.to_string());
            true
        }
        Err(e @ SubmitError::Stopped) => {
            push_error(state, frames, seq, e.to_string());
            false
        }
    }
}

fn seq_of(text: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct SeqOnly {
        seq: Option<u64>,
    }
    serde_json::from_str::<SeqOnly>(text).ok()?.seq
}

fn push_error(
    state: &AppState,
    frames: &mpsc::Sender<ErrorFrame>,
    seq: Option<u64>,
    reason: String,
) {
    if frames.try_send(ErrorFrame { seq, reason }).is_err() {
        Stats::bump(&state.stats.error_frames_dropped);
    }
}

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;

async fn write_frames(
    mut sink: Sink,
    mut frames: mpsc::Receiver<ErrorFrame>,
    mut outputs: Option<broadcast::Receiver<Arc<super::Emitted>>>,
    mut done: oneshot::Receiver<()>,
    stats: Arc<Stats>,
    max_message_bytes: usize,
) {
    let hello = OutFrame::Hello {
        protocol: PROTOCOL_VERSION,
        max_message_bytes,
    };
    if send(&mut sink, &hello).await.is_err() {
        return;
    }
    loop {
        let sent = tokio::select! {
            biased;
            _ = &mut done => break,
            frame = frames.recv() => match frame {
                Some(f) => send(&mut sink, &OutFrame::Error(&f)).await,
                None => break,
            },
            out = next_output(&mut outputs) => match out {
                Ok(e) => send(&mut sink, &OutFrame::Output { call: e.call, output: &e.output }).await,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    Stats::add(&stats.subscriber_missed, missed);
                    send(&mut sink, &OutFrame::Lagged { missed }).await
                }
                Err(broadcast::error::RecvError::Closed) => { outputs = None; Ok(()) }
            },
        };
        if sent.is_err() {
            break;
        }
    }
    // Closing politely can fail if the peer is already gone; the socket is dropped either way.
    match sink.close().await {
        Ok(()) | Err(_) => {}
    }
}

async fn next_output(
    outputs: &mut Option<broadcast::Receiver<Arc<super::Emitted>>>,
) -> Result<Arc<super::Emitted>, broadcast::error::RecvError> {
    match outputs {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn send(sink: &mut Sink, frame: &OutFrame<'_>) -> Result<(), axum::Error> {
    let text = serde_json::to_string(frame).map_err(axum::Error::new)?;
    sink.send(WsMessage::Text(text.into())).await
}

/// One message or a JSON array of them; all are checked before any is queued.
async fn events(State(state): State<AppState>, body: Bytes) -> Response {
    let received = Instant::now();
    let reply = |status: StatusCode, body: serde_json::Value| (status, Json(body)).into_response();
    let items: Vec<serde_json::Value> = match serde_json::from_slice(&body) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(one) => vec![one],
        Err(e) => {
            Stats::bump(&state.stats.invalid);
            return reply(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("body is not JSON: {e}") }),
            );
        }
    };
    if items.len() > state.config.max_batch {
        Stats::bump(&state.stats.too_large);
        let error = format!(
            "{} events is over the batch limit of {}",
            items.len(),
            state.config.max_batch
        );
        return reply(StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": error }));
    }
    Stats::add(&state.stats.received, items.len() as u64);
    let mut parsed = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let checked = serde_json::from_value::<Inbound>(item)
            .map_err(|e| message::MessageError::Json(e.to_string()))
            .and_then(|i| i.message.validate().map(|()| i));
        match checked {
            Ok(i) => parsed.push(i),
            Err(e) => {
                Stats::bump(&state.stats.invalid);
                return reply(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": e.to_string(), "index": index }),
                );
            }
        }
    }
    let mut acks = Vec::with_capacity(parsed.len());
    for (index, inbound) in parsed.into_iter().enumerate() {
        let (ack, ack_rx) = oneshot::channel();
        let submission = Submission {
            event: inbound.message.into_event(),
            source: SourceKind::Endpoint,
            seq: inbound.seq,
            received,
            reply: Some(Reply::Ack(ack)),
        };
        if let Err(e) = state
            .engine
            .submit(submission, state.config.enqueue_wait)
            .await
        {
            let body = json!({ "error": e.to_string(), "index": index, "accepted": index });
            return reply(StatusCode::SERVICE_UNAVAILABLE, body);
        }
        acks.push(ack_rx);
    }
    let mut refused = Vec::new();
    let total = acks.len();
    for (index, ack) in acks.into_iter().enumerate() {
        match ack.await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => refused.push(json!({ "index": index, "error": reason })),
            Err(_) => refused.push(json!({ "index": index, "error": "engine has stopped" })),
        }
    }
    if refused.is_empty() {
        reply(StatusCode::ACCEPTED, json!({ "accepted": total }))
    } else {
        let body = json!({ "accepted": total - refused.len(), "errors": refused });
        reply(StatusCode::CONFLICT, body)
    }
}
