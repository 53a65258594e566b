//! The live endpoint under load, over a real WebSocket on 127.0.0.1.
//! Criterion times parsing and one message's round trip; then two figures are printed:
//! latency from a message read off the socket to the engine's output reaching a subscriber,
//! at 100 messages/s, and the highest paced message rate the endpoint takes without loss.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use futures_util::{SinkExt, StreamExt};
use parley::call::{CallTask, TaskOptions};
use parley::engine::{Output, Playbook};
use parley::sources::ingest::{self, message, IngestConfig, ServerHandle};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::Message as Ws;

const TOKEN: &str = "bench-token-0123456789abcdef";
const LINES: [(&str, &str); 6] = [
    (
        "customer",
        "I was charged twice for the same order and nobody has called me back.",
    ),
    (
        "agent",
        "I'm sorry about that, being charged twice is really frustrating.",
    ),
    (
        "customer",
        "It is, and I have been waiting on hold for twenty minutes already.",
    ),
    (
        "agent",
        "So what I'm hearing is the refund never arrived, is that right?",
    ),
    (
        "customer",
        "Yes, that's right, and I want it sorted today please.",
    ),
    (
        "agent",
        "Here's what I can do: I'll refund it now and email you the receipt.",
    ),
];

type Sink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Ws,
>;

struct Rig {
    engine: CallTask,
    server: ServerHandle,
}

async fn rig() -> Rig {
    let options = TaskOptions {
        auto_tick: false,
        ..TaskOptions::default()
    };
    let engine = CallTask::spawn(
        parley::call::Runtime::new(Arc::new(Playbook::builtin()), None, "Agent"),
        options,
    );
    let mut config = IngestConfig::new(TOKEN.into());
    config.addr = "127.0.0.1:0".parse().expect("address");
    let server = ingest::serve(config, engine.link()).await.expect("server");
    Rig { engine, server }
}

async fn client(rig: &Rig) -> Sink {
    let url = format!("{}?token={TOKEN}", rig.server.live_url());
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let (sink, mut stream) = socket.split();
    // Drain whatever the server says (hello, error frames) so it never backs up.
    tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
    sink
}

/// Call time per message in the latency run: a realistic turn.
const TURN_MS: u64 = 3_000;
/// Call time per message in the rate runs: short, so 160,000 messages stay within a 12 h call.
const FAST_TURN_MS: u64 = 200;

/// The n-th message of a synthetic call: alternating speakers, one turn each.
fn utterance(n: u64, turn_ms: u64) -> String {
    let (speaker, text) = LINES[(n % LINES.len() as u64) as usize];
    let start = n * turn_ms;
    format!(
        r#"{{"type":"final","speaker":"{speaker}","start_ms":{start},"end_ms":{},"text":"{text}"}}"#,
        start + turn_ms * 9 / 10
    )
}

async fn send(sink: &mut Sink, text: String) {
    sink.send(Ws::Text(text.into())).await.expect("send");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Message received -> first output for it reaches a subscriber, at a steady `rate`.
async fn latency(rate: u64, seconds: u64) -> (Vec<Duration>, Vec<Duration>) {
    let rig = rig().await;
    let mut outputs = rig.engine.subscribe();
    let mut sink = client(&rig).await;
    send(&mut sink, r#"{"type":"call_start"}"#.into()).await;
    let total = rate * seconds;
    let collector = tokio::spawn(async move {
        let (mut first, mut nudges) = (Vec::new(), Vec::new());
        let mut last = None;
        while let Ok(e) = outputs.recv().await {
            let Some(received) = e.received else { continue };
            let took = received.elapsed();
            if matches!(e.output, Output::Nudge(_)) {
                nudges.push(took);
            }
            if last != Some(received) {
                last = Some(received);
                first.push(took);
                if first.len() as u64 == total + 1 {
                    break;
                }
            }
        }
        (first, nudges)
    });
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    for n in 0..total {
        ticker.tick().await;
        send(&mut sink, utterance(n, TURN_MS)).await;
    }
    let (mut first, mut nudges) = collector.await.expect("collector");
    first.sort();
    nudges.sort();
    (first, nudges)
}

/// Makes the n-th message of a synthetic call with turns of the given length.
type MessageFn = fn(u64, u64) -> String;

/// A voice segment without words: the engine's cheapest speech event.
fn voice(n: u64, turn_ms: u64) -> String {
    let speaker = if n % 2 == 0 { "agent" } else { "customer" };
    let start = n * turn_ms;
    format!(
        r#"{{"type":"voice_activity","speaker":"{speaker}","start_ms":{start},"end_ms":{},"level_db":-20.0}}"#,
        start + turn_ms * 9 / 10
    )
}

/// Sends `rate` messages/s for `seconds`, paced in 1 ms slices; returns (achieved rate, lost).
async fn sustained(rate: u64, seconds: u64, message: MessageFn) -> (f64, u64) {
    let rig = rig().await;
    let mut sink = client(&rig).await;
    send(&mut sink, r#"{"type":"call_start"}"#.into()).await;
    let total = rate * seconds;
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let start = Instant::now();
    let mut n = 0;
    while n < total {
        ticker.tick().await;
        // Catch up to where the schedule says we should be, whatever the timer's granularity.
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while n < due {
            send(&mut sink, message(n, FAST_TURN_MS)).await;
            n += 1;
        }
    }
    // An acknowledged POST queues behind everything sent, so once it returns all were handled.
    let url = format!("http://{}/v1/events", rig.server.local_addr());
    post_tick(&url, total * FAST_TURN_MS).await;
    let elapsed = start.elapsed().as_secs_f64();
    // Everything sent plus the call start and the closing tick should have been fed.
    let fed = rig.engine.link().stats().snapshot().fed;
    (total as f64 / elapsed, (total + 2).saturating_sub(fed))
}

async fn post_tick(url: &str, at_ms: u64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/v1/events");
    let body = format!(r#"{{"type":"tick","at_ms":{at_ms}}}"#);
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("post");
    let mut response = String::new();
    s.read_to_string(&mut response).await.expect("response");
    assert!(response.starts_with("HTTP/1.1 202"), "{response}");
}

fn criterion_benches(c: &mut Criterion) {
    let text = utterance(3, TURN_MS);
    c.bench_function("ingest/parse_final", |b| b.iter(|| message::parse(&text)));

    let rt = runtime();
    let (rig, mut sink, mut outputs) = rt.block_on(async {
        let rig = rig().await;
        let outputs = rig.engine.subscribe();
        let mut sink = client(&rig).await;
        send(&mut sink, r#"{"type":"call_start"}"#.into()).await;
        (rig, sink, outputs)
    });
    let mut n = 0;
    c.bench_function("ingest/ws_message_to_output", |b| {
        b.iter(|| {
            rt.block_on(async {
                send(&mut sink, utterance(n, FAST_TURN_MS)).await;
                n += 1;
                loop {
                    let e = outputs.recv().await.expect("output");
                    if matches!(e.output, Output::Pacing { .. }) {
                        break;
                    }
                }
            })
        })
    });
    drop(rig);
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn figures() {
    let rt = runtime();
    let (first, nudges) = rt.block_on(latency(100, 10));
    println!(
        "ingest latency at 100 msg/s over {} messages: p50 {:?}  p99 {:?}  max {:?}",
        first.len(),
        percentile(&first, 0.5),
        percentile(&first, 0.99),
        first[first.len() - 1]
    );
    if !nudges.is_empty() {
        println!(
            "  of which {} nudges: p50 {:?}  p99 {:?}",
            nudges.len(),
            percentile(&nudges, 0.5),
            percentile(&nudges, 0.99)
        );
    }
    engine_alone();
    let kinds: [(&str, MessageFn); 2] = [("final", utterance), ("voice_activity", voice)];
    for (kind, message) in kinds {
        let mut best = 0;
        for rate in [500, 1_000, 2_000, 3_000, 5_000, 10_000, 20_000, 40_000] {
            let (achieved, lost) = rt.block_on(sustained(rate, 2, message));
            println!(
                "ingest sustained {kind}: asked {rate} msg/s, achieved {achieved:.0} msg/s, lost {lost}"
            );
            if lost == 0 && achieved >= rate as f64 * 0.95 {
                best = rate;
            } else {
                break;
            }
        }
        println!("ingest highest sustained rate without loss, {kind} messages: {best} msg/s");
    }
}

/// The engine by itself on the same dense call, to tell its cost from the endpoint's.
fn engine_alone() {
    use parley::engine::{Engine, Event};
    let mut engine = Engine::new(Arc::new(Playbook::builtin()));
    let events: Vec<Event> = (0..20_000)
        .map(|n| {
            message::parse(&utterance(n, FAST_TURN_MS))
                .expect("valid")
                .message
                .into_event()
        })
        .collect();
    engine.feed(&Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    });
    let start = Instant::now();
    for e in &events {
        engine.feed(e);
    }
    let took = start.elapsed();
    println!(
        "engine alone on the same finals: {:.0} events/s ({:?} per event)",
        events.len() as f64 / took.as_secs_f64(),
        took / events.len() as u32
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = criterion_benches
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    figures();
}
