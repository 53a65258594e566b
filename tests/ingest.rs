//! The live endpoint, tested over real sockets on 127.0.0.1:0.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parley::call::{CallTask, Runtime, TaskOptions};
use parley::engine::{Output, Playbook, Rule};
use parley::sources::ingest::{self, Inbound, IngestConfig, Message, ServerHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as Ws;

const TOKEN: &str = "test-token-0123456789abcdef";
/// Upper bound for anything a test waits on, so a bug fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(20);

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

struct Rig {
    engine: CallTask,
    server: ServerHandle,
}

async fn rig_with(options: TaskOptions, tune: impl FnOnce(&mut IngestConfig)) -> Rig {
    let engine = CallTask::spawn(
        Runtime::new(Arc::new(Playbook::builtin()), None, "Agent"),
        options,
    );
    let mut config = IngestConfig::new(TOKEN.into());
    config.addr = "127.0.0.1:0".parse().unwrap();
    tune(&mut config);
    let server = ingest::serve(config, engine.link()).await.unwrap();
    Rig { engine, server }
}

async fn rig() -> Rig {
    let options = TaskOptions {
        auto_tick: false,
        ..TaskOptions::default()
    };
    rig_with(options, |_| {}).await
}

fn addr(rig: &Rig) -> SocketAddr {
    rig.server.local_addr()
}

async fn connect(
    addr: SocketAddr,
    query: &str,
    headers: &[(&'static str, &str)],
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{addr}/v1/live{query}")
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

async fn connect_ok(addr: SocketAddr, query: &str) -> Socket {
    let bearer = format!("Bearer {TOKEN}");
    let mut s = connect(addr, query, &[("authorization", &bearer)])
        .await
        .unwrap();
    let hello = next_frame(&mut s).await;
    assert_eq!(hello["type"], "hello");
    s
}

async fn next_frame(s: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(PATIENCE, s.next())
            .await
            .expect("no frame in time")
            .expect("socket closed")
            .expect("socket error");
        if let Ws::Text(t) = frame {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

async fn send_json(s: &mut Socket, text: &str) {
    s.send(Ws::Text(text.to_string().into())).await.unwrap();
}

fn status_of(e: tokio_tungstenite::tungstenite::Error) -> u16 {
    match e {
        tokio_tungstenite::tungstenite::Error::Http(r) => r.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

/// A plain HTTP/1.1 POST; returns the status and the body.
async fn post(addr: SocketAddr, headers: &[&str], body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    let request = format!(
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(PATIENCE, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn auth() -> String {
    format!("Authorization: Bearer {TOKEN}")
}

#[tokio::test]
async fn refuses_without_token_with_wrong_token_and_from_a_browser() {
    let rig = rig().await;
    let a = addr(&rig);
    assert_eq!(status_of(connect(a, "", &[]).await.unwrap_err()), 401);
    let wrong = ("authorization", "Bearer wrong-token-xxxxxxxxxxxx");
    assert_eq!(status_of(connect(a, "", &[wrong]).await.unwrap_err()), 401);
    let bearer = format!("Bearer {TOKEN}");
    let browser = [
        ("authorization", bearer.as_str()),
        ("origin", "http://localhost:3000"),
    ];
    assert_eq!(status_of(connect(a, "", &browser).await.unwrap_err()), 403);
    // The query form works for clients that cannot set headers.
    let mut s = connect(a, &format!("?token={TOKEN}"), &[]).await.unwrap();
    assert_eq!(next_frame(&mut s).await["type"], "hello");

    let (status, _) = post(a, &[], r#"{"type":"tick","at_ms":1}"#).await;
    assert_eq!(status, 401);
    let origin = "Origin: https://example.org";
    let (status, _) = post(a, &[&auth(), origin], r#"{"type":"tick","at_ms":1}"#).await;
    assert_eq!(status, 403);
    let stats = rig.engine.link().stats().snapshot();
    assert_eq!((stats.refused_auth, stats.refused_origin), (3, 2));
}

#[tokio::test]
async fn bad_message_gets_an_error_frame_and_the_connection_keeps_working() {
    let rig = rig().await;
    let mut s = connect_ok(addr(&rig), "?outputs=1").await;
    send_json(
        &mut s,
        r#"{"seq":7,"type":"final","speaker":"agent","start_ms":5}"#,
    )
    .await;
    let e = next_frame(&mut s).await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["seq"], 7);
    assert!(e["reason"].as_str().unwrap().contains("end_ms"), "{e}");

    send_json(&mut s, "not json at all").await;
    assert_eq!(next_frame(&mut s).await["type"], "error");

    // Valid but out of place: the call runtime refuses it and says why.
    send_json(&mut s, r#"{"seq":8,"type":"tick","at_ms":1000}"#).await;
    let e = next_frame(&mut s).await;
    assert_eq!(e["seq"], 8);
    assert!(e["reason"].as_str().unwrap().contains("call_start"), "{e}");

    send_json(&mut s, r#"{"type":"call_start","agent":"Sam"}"#).await;
    let out = next_frame(&mut s).await;
    assert_eq!(out["type"], "output", "{out}");
    assert_eq!(out["call"], 1);
    assert_eq!(out["output"]["type"], "call_state");
    assert_eq!(out["output"]["state"], "live");
}

#[tokio::test]
async fn oversized_messages_are_refused_and_huge_frames_close_the_connection() {
    let rig = rig_with(
        TaskOptions {
            auto_tick: false,
            ..TaskOptions::default()
        },
        |c| {
            c.max_message_bytes = 1024;
            c.max_frame_bytes = 16 * 1024;
        },
    )
    .await;
    let mut s = connect_ok(addr(&rig), "?outputs=1").await;
    let big = format!(
        r#"{{"type":"final","speaker":"agent","start_ms":0,"end_ms":1,"text":"{}"}}"#,
        "a".repeat(2000)
    );
    send_json(&mut s, &big).await;
    let e = next_frame(&mut s).await;
    assert!(
        e["reason"].as_str().unwrap().contains("1024 byte limit"),
        "{e}"
    );
    send_json(&mut s, r#"{"type":"call_start"}"#).await;
    assert_eq!(next_frame(&mut s).await["type"], "output");

    send_json(&mut s, &"x".repeat(64 * 1024)).await;
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match s.next().await {
                None | Some(Err(_)) | Some(Ok(Ws::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a 64 KiB frame must close the connection");
    assert_eq!(rig.engine.link().stats().snapshot().too_large, 1);
}

#[tokio::test]
async fn post_checks_the_whole_batch_then_feeds_the_engine() {
    let rig = rig().await;
    let a = addr(&rig);
    let bad = r#"[{"type":"call_start"},{"type":"tick"}]"#;
    let (status, body) = post(a, &[&auth()], bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["index"], 1);
    assert_eq!(rig.engine.link().stats().snapshot().fed, 0);

    let (status, body) = post(a, &[&auth()], r#"{"type":"hold_start","at_ms":5}"#).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["errors"][0]["error"]
        .as_str()
        .unwrap()
        .contains("call_start"));

    let good = r#"[{"type":"call_start"},
        {"type":"final","speaker":"customer","start_ms":500,"end_ms":4000,"text":"My bill is wrong."},
        {"type":"tick","at_ms":5000}]"#;
    let (status, body) = post(a, &[&auth()], good).await;
    assert_eq!((status, body["accepted"].as_u64()), (202, Some(3)));
    assert_eq!(rig.engine.link().stats().snapshot().fed, 3);
}

#[tokio::test]
async fn a_streamed_call_comes_back_as_coaching() {
    let rig = rig().await;
    let mut outputs = rig.engine.subscribe();
    let mut s = connect_ok(addr(&rig), "").await;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/interrupting-agent.jsonl");
    let events: Vec<_> = parley::replay::events(&path)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (i, e) in events.iter().enumerate() {
        let inbound = Inbound {
            seq: Some(i as u64),
            message: Message::from_event(e),
        };
        send_json(&mut s, &serde_json::to_string(&inbound).unwrap()).await;
    }
    let mut rules = Vec::new();
    loop {
        let e = tokio::time::timeout(PATIENCE, outputs.recv())
            .await
            .expect("engine went quiet")
            .unwrap();
        match &e.output {
            Output::Nudge(n) => rules.push(n.rule),
            Output::Summary(_) => break,
            _ => {}
        }
    }
    assert!(rules.contains(&Rule::Interruption), "{rules:?}");
    let stats = rig.engine.link().stats().snapshot();
    assert_eq!(stats.fed, events.len() as u64);
    assert_eq!((stats.calls, stats.dropped_queue_full), (1, 0));
}

#[tokio::test]
async fn a_flood_is_bounded_counted_and_never_stalls_the_engine() {
    let options = TaskOptions {
        queue: 8,
        output_buffer: 16,
        auto_tick: false,
    };
    let rig = rig_with(options, |c| c.enqueue_wait = Duration::ZERO).await;
    let a = addr(&rig);
    // A subscriber that never reads while the flood runs.
    let mut sleepy = rig.engine.subscribe();
    let (status, _) = post(a, &[&auth()], r#"{"type":"call_start"}"#).await;
    assert_eq!(status, 202);

    const FLOOD: u64 = 5_000;
    const SENTINEL: u64 = 4_000_000_000;
    let (mut tx, mut rx) = connect_ok(a, "").await.split();
    // The flooder reads its error frames until the one for its last message, which proves the
    // server has read (and queued or dropped) everything before it.
    let reader = tokio::spawn(async move {
        let mut errors = 0u64;
        while let Some(Ok(frame)) = rx.next().await {
            if let Ws::Text(t) = frame {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "error" {
                    errors += 1;
                    if v["seq"] == SENTINEL {
                        return errors;
                    }
                }
            }
        }
        panic!("connection closed before the last error frame");
    });
    for i in 0..FLOOD {
        let at = 1_000 + i;
        let m = format!(
            r#"{{"type":"final","speaker":"customer","start_ms":{at},"end_ms":{at},"text":"again {i}"}}"#
        );
        tx.send(Ws::Text(m.into())).await.unwrap();
    }
    let sentinel = format!(r#"{{"seq":{SENTINEL},"type":"nope"}}"#);
    tx.send(Ws::Text(sentinel.into())).await.unwrap();
    let errors = tokio::time::timeout(PATIENCE, reader)
        .await
        .unwrap()
        .unwrap();

    // A final acknowledged event drains the queue; it may itself find the queue full at first.
    let mut posts = 1;
    loop {
        posts += 1;
        let (status, _) = post(a, &[&auth()], r#"{"type":"tick","at_ms":9000}"#).await;
        if status == 202 {
            break;
        }
        assert_eq!(status, 503);
        assert!(posts < 1_000, "the engine queue never drained");
    }
    let stats = rig.engine.link().stats().snapshot();
    assert_eq!(stats.received, FLOOD + 1 + posts, "{stats:?}");
    assert_eq!(
        stats.fed + stats.dropped_queue_full + stats.refused_by_state + stats.invalid,
        stats.received,
        "every message is fed or counted: {stats:?}"
    );
    assert!(
        errors >= 1 && errors - 1 <= stats.dropped_queue_full,
        "{stats:?}"
    );
    // The slow subscriber lost the oldest outputs and is told how many.
    match sleepy.recv().await {
        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => assert!(n > 0),
        other => panic!("expected a lag report, got {other:?}"),
    }
}

#[tokio::test]
async fn refuses_a_non_loopback_address() {
    let engine = CallTask::spawn(
        Runtime::new(Arc::new(Playbook::builtin()), None, "Agent"),
        TaskOptions::default(),
    );
    let mut config = IngestConfig::new(TOKEN.into());
    config.addr = "0.0.0.0:0".parse().unwrap();
    let e = ingest::serve(config, engine.link()).await.err().unwrap();
    assert!(e.to_string().contains("loopback"), "{e}");
}

fn submission(event: parley::engine::Event) -> ingest::Submission {
    ingest::Submission::new(parley::sources::SourceKind::Endpoint, event)
}

/// With the runtime's clock paused, time jumps to each timer: the silence is real call time for
/// the engine, and the test does not wait for it.
#[tokio::test(start_paused = true)]
async fn silence_is_ticked_on_the_source_clock_and_coached() {
    use parley::engine::Event;
    let engine = CallTask::spawn(
        Runtime::new(Arc::new(Playbook::builtin()), None, "Agent"),
        TaskOptions::default(),
    );
    let mut outputs = engine.subscribe();
    let link = engine.link();
    let start = Event::CallStarted {
        at_ms: 0,
        agent: None,
        customer_name: None,
    };
    link.submit(submission(start), Duration::from_secs(1))
        .await
        .unwrap();
    let hello = Event::Utterance(parley::engine::Utterance {
        speaker: parley::engine::Speaker::Agent,
        text: "Thank you for calling, this is Sam, how can I help?".into(),
        start_ms: 500,
        end_ms: 3_000,
        is_final: true,
    });
    link.submit(submission(hello), Duration::from_secs(1))
        .await
        .unwrap();
    let nudge = loop {
        let e = outputs.recv().await.unwrap();
        if let Output::Nudge(n) = &e.output {
            break (n.rule, n.at_ms, e.received);
        }
    };
    assert_eq!(nudge.0, Rule::DeadAir);
    // Ticks continue the source's clock from its last event (3 s), not the wall clock.
    assert!(
        (11_000..=13_000).contains(&nudge.1),
        "dead air at {} ms",
        nudge.1
    );
    assert!(nudge.2.is_none(), "made by a tick of the call task");
}

#[tokio::test]
async fn a_new_call_start_closes_the_call_in_progress() {
    let rig = rig().await;
    let a = addr(&rig);
    let mut outputs = rig.engine.subscribe();
    let two_calls = r#"[{"type":"call_start"},{"type":"tick","at_ms":4000},{"type":"call_start"}]"#;
    let (status, body) = post(a, &[&auth()], two_calls).await;
    assert_eq!(status, 202, "{body}");
    let mut states = Vec::new();
    while let Ok(e) = outputs.try_recv() {
        if let Output::CallState { state, .. } = e.output {
            states.push((e.call, format!("{state:?}")));
        }
    }
    assert_eq!(
        states,
        [(1, "Live".into()), (1, "Ended".into()), (2, "Live".into())]
    );
    assert_eq!(rig.engine.link().stats().snapshot().calls, 2);
}
