use std::sync::Arc;

use super::*;
use crate::engine::{AgentAction, Event, Output, Playbook, Speaker, Utterance};
use crate::store::{SessionFilter, Store};

fn start(at_ms: u64) -> Event {
    Event::CallStarted {
        at_ms,
        agent: None,
        customer_name: None,
    }
}

fn end(at_ms: u64) -> Event {
    Event::CallEnded {
        at_ms,
        reason: None,
    }
}

fn say(speaker: Speaker, start_ms: u64, end_ms: u64, text: &str) -> Event {
    Event::Utterance(Utterance {
        speaker,
        text: text.into(),
        start_ms,
        end_ms,
        is_final: true,
    })
}

fn runtime(store: Option<Store>) -> (Runtime, Arc<MemoryListener>) {
    let mut rt = Runtime::new(Arc::new(Playbook::builtin()), store, "Test Agent");
    let heard = MemoryListener::new();
    rt.listen(heard.clone());
    (rt, heard)
}

fn endpoint() -> Source {
    Source::new(SourceKind::Endpoint)
}

fn capture() -> Source {
    Source::new(SourceKind::Capture)
}

#[test]
fn a_call_is_fed_recorded_and_saved_with_its_card_numbers_masked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("parley.db")).unwrap();
    let (mut rt, heard) = runtime(Some(store.clone()));
    rt.feed(&endpoint(), &start(0)).unwrap();
    let card = "my card is 4111 1111 1111 1111 thanks";
    rt.feed(&endpoint(), &say(Speaker::Customer, 1_000, 4_000, card))
        .unwrap();
    let fed = rt.feed(&endpoint(), &end(10_000)).unwrap();
    let ended = fed.ended.expect("the call ended");
    let id = ended.session.expect("saved");
    assert!(ended.save_error.is_none());
    assert!(rt.call().is_none());
    let page = store.list(&SessionFilter::default()).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].source, "endpoint");
    assert_eq!(page.items[0].agent, "Test Agent");
    let detail = store.show(id).unwrap();
    let text = serde_json::to_string(&detail.timeline).unwrap();
    assert!(text.contains("my card is"), "{text}");
    assert!(!text.contains("4111 1111"), "{text}");
    // Listeners heard the start, every output and the end, in order.
    let h = heard.heard();
    assert!(
        matches!(h.first(), Some(Heard::Started { call: 1, source: SourceKind::Endpoint, session: Some(s) }) if *s == id)
    );
    assert!(matches!(h.last(), Some(Heard::Ended { call: 1, session: Some(s) }) if *s == id));
    assert!(heard
        .outputs()
        .iter()
        .any(|o| matches!(o, Output::Summary(_))));
}

#[test]
fn a_second_start_from_the_owner_closes_the_call_and_starts_again() {
    let (mut rt, heard) = runtime(None);
    rt.feed(&endpoint(), &start(0)).unwrap();
    rt.feed(&endpoint(), &Event::Tick { at_ms: 4_000 }).unwrap();
    let fed = rt.feed(&endpoint(), &start(0)).unwrap();
    let ended = fed.ended.expect("the first call ended");
    assert_eq!((ended.call, ended.summary.duration_ms), (1, 4_000));
    assert_eq!(fed.call, 2);
    assert_eq!(rt.call().map(|c| c.id), Some(2));
    let calls: Vec<u64> = heard
        .heard()
        .iter()
        .filter_map(|h| match h {
            Heard::Started { call, .. } | Heard::Ended { call, .. } => Some(*call),
            _ => None,
        })
        .collect();
    assert_eq!(calls, [1, 1, 2]);
}

#[test]
fn a_start_from_another_source_is_refused_and_the_call_goes_on() {
    let (mut rt, _) = runtime(None);
    rt.feed(&capture(), &start(0)).unwrap();
    let refused = rt.feed(&endpoint(), &start(0)).unwrap_err();
    assert_eq!(
        refused,
        Refused::Busy {
            owner: SourceKind::Capture,
            from: SourceKind::Endpoint
        }
    );
    assert!(refused.to_string().contains("audio capture"), "{refused}");
    // The endpoint cannot feed the captured call either...
    let words = say(Speaker::Agent, 100, 900, "hello");
    assert!(matches!(
        rt.feed(&endpoint(), &words),
        Err(Refused::NotOwner { .. })
    ));
    assert!(matches!(
        rt.feed(&endpoint(), &end(2_000)),
        Err(Refused::NotOwner { .. })
    ));
    // ...but the agent can act on it and end it.
    let manual = Source::new(SourceKind::Manual);
    let flag = Event::Agent {
        at_ms: 1_500,
        action: AgentAction::FlagAbuse,
    };
    rt.feed(&manual, &flag).unwrap();
    assert!(rt.feed(&manual, &start(0)).is_err());
    let fed = rt.feed(&manual, &end(3_000)).unwrap();
    assert_eq!(fed.ended.map(|e| e.source), Some(SourceKind::Capture));
    // Once it ended, the endpoint may start its call.
    rt.feed(&endpoint(), &start(0)).unwrap();
    assert_eq!(rt.call().map(|c| c.source.kind), Some(SourceKind::Endpoint));
}

#[test]
fn events_without_a_call_or_far_in_the_past_are_refused() {
    let (mut rt, _) = runtime(None);
    assert_eq!(
        rt.feed(&endpoint(), &Event::Tick { at_ms: 5 }).unwrap_err(),
        Refused::NoCall
    );
    rt.feed(&endpoint(), &start(0)).unwrap();
    rt.feed(&endpoint(), &Event::Tick { at_ms: 30_000 })
        .unwrap();
    let err = rt
        .feed(&endpoint(), &Event::Tick { at_ms: 1_000 })
        .unwrap_err();
    assert!(matches!(err, Refused::Backwards { .. }), "{err}");
    // A few seconds out of order is normal for two speakers' finals.
    rt.feed(&endpoint(), &say(Speaker::Customer, 20_000, 25_000, "hi"))
        .unwrap();
}

#[test]
fn late_final_words_from_capture_are_taken_however_far_behind_the_audio_clock() {
    let (mut rt, _) = runtime(None);
    rt.feed(&capture(), &start(0)).unwrap();
    rt.feed(&capture(), &Event::Tick { at_ms: 40_000 }).unwrap();
    // Speech-to-text fell behind: the words of a spurt that ended 35 s ago.
    let fed = rt
        .feed(
            &capture(),
            &say(Speaker::Customer, 2_000, 5_000, "I was charged twice"),
        )
        .unwrap();
    // The engine heard them: the customer's three seconds of speech count.
    assert!(
        fed.outputs.iter().any(
            |o| matches!(o, Output::Pacing { pacing, .. } if pacing.customer_speech_ms == 3_000)
        ),
        "{:?}",
        fed.outputs
    );
    // Partials are not owed: a stale one is refused as before.
    let mut partial = say(Speaker::Agent, 1_000, 3_000, "so");
    if let Event::Utterance(u) = &mut partial {
        u.is_final = false;
    }
    let err = rt.feed(&capture(), &partial).unwrap_err();
    assert!(matches!(err, Refused::Backwards { .. }), "{err}");
}

#[test]
fn submissions_are_answered_and_counted() {
    use crate::sources::ingest::{self, LinkOptions, Reply, Submission};
    let (link, inbox) = ingest::link(&LinkOptions::default());
    let (mut rt, _) = runtime(None);
    rt.count_in(inbox.stats.clone());
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let mut sub = Submission::new(SourceKind::Endpoint, Event::Tick { at_ms: 1 });
    sub.seq = Some(7);
    sub.reply = Some(Reply::Errors(tx));
    assert!(rt.submit(sub).is_none());
    let frame = rx.try_recv().unwrap();
    assert_eq!(frame.seq, Some(7));
    assert!(frame.reason.contains("call_start"), "{}", frame.reason);
    let (ack, mut ack_rx) = tokio::sync::oneshot::channel();
    let mut sub = Submission::new(SourceKind::Endpoint, start(0));
    sub.reply = Some(Reply::Ack(ack));
    assert!(rt.submit(sub).is_some());
    assert_eq!(ack_rx.try_recv().unwrap(), Ok(()));
    let stats = link.stats().snapshot();
    assert_eq!((stats.refused_by_state, stats.fed, stats.calls), (1, 1, 1));
}
