//! A 100 MB transcript streams through the reader and the scheduler in bounded memory.
//! Its own test binary, so the peak resident size (VmHWM) belongs to this test alone.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use parley::engine::Event;
use parley::sources::schedule::schedule;
use parley::sources::transcript::{self, SpeakerMap};

const TARGET_BYTES: u64 = 100 * 1024 * 1024;
const ALLOWED_GROWTH_KB: u64 = 8 * 1024;

fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Writes a long call: overlapping turns every 100 ms, a hold and a note now and then.
fn write_call(path: &std::path::Path) -> u64 {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let filler = "and so I was saying that the parcel never arrived even though the tracking page \
                  said it was delivered to my front door on Tuesday afternoon, which it was not";
    let mut written = 0u64;
    let mut t_ms = 0u64;
    let mut line = String::new();
    let mut i = 0u64;
    while written < TARGET_BYTES {
        line.clear();
        let speaker = if i % 2 == 0 { "agent" } else { "caller" };
        let secs = |ms: u64| ms as f64 / 1000.0;
        if i % 1000 == 999 {
            line = format!(
                "{{\"event\":\"hold_start\",\"at\":{}}}\n{{\"event\":\"hold_end\",\"at\":{}}}\n\
                 {{\"event\":\"note\",\"text\":\"line {i}\",\"at\":{}}}\n",
                secs(t_ms),
                secs(t_ms + 50),
                secs(t_ms + 60)
            );
            t_ms += 60;
        }
        line.push_str(&format!(
            "{{\"speaker\":\"{speaker}\",\"start\":{},\"end\":{},\"text\":\"{i} {filler}\",\"confidence\":0.93}}\n",
            secs(t_ms),
            secs(t_ms + 150)
        ));
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        t_ms += 100;
        i += 1;
    }
    out.flush().unwrap();
    written
}

#[test]
fn hundred_megabytes_stream_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-call.jsonl");
    let bytes = write_call(&path);

    let before_kb = vm_hwm_kb();
    let started = Instant::now();
    let reader = transcript::open(&path, &SpeakerMap::default()).unwrap();
    let mut replay = schedule(reader, Some(1000));
    let (mut events, mut finals, mut ticks, mut max_held, mut last_ms) = (0u64, 0u64, 0u64, 0, 0);
    while let Some(item) = replay.next() {
        let event = item.unwrap_or_else(|e| panic!("{e}"));
        assert!(event.at_ms() >= last_ms, "out of order: {event:?}");
        last_ms = event.at_ms();
        match &event {
            Event::Utterance(u) if u.is_final => finals += 1,
            Event::Tick { .. } => ticks += 1,
            _ => {}
        }
        events += 1;
        max_held = max_held.max(replay.held());
    }
    let elapsed = started.elapsed();
    let after_kb = vm_hwm_kb();

    eprintln!(
        "{} MB, {events} events ({finals} utterances, {ticks} ticks) in {:.1} s: {:.1} MB/s; \
         VmHWM {before_kb} kB -> {after_kb} kB; at most {max_held} arrivals held",
        bytes / (1024 * 1024),
        elapsed.as_secs_f64(),
        bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64(),
    );
    assert!(bytes >= TARGET_BYTES);
    assert!(finals > 300_000);
    assert!(ticks > 30_000);
    assert!(max_held <= 8, "scheduler held {max_held} arrivals");
    assert!(
        after_kb.saturating_sub(before_kb) <= ALLOWED_GROWTH_KB,
        "peak memory grew by {} kB while streaming",
        after_kb - before_kb
    );
}
