//! Transcript reading throughput (MB/s) per format, and reading plus replay scheduling.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use parley::sources::schedule::schedule;
use parley::sources::transcript::{self, Format, SpeakerMap};

const TURNS: u64 = 20_000;
const TEXT: &str = "I understand, so the parcel was marked delivered on Tuesday but it never \
                    reached you, is that right?";

fn stamp(ms: u64, mark: char) -> String {
    let (h, m, s, t) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{mark}{t:03}")
}

fn call(format: Format) -> String {
    let mut out = String::new();
    if format == Format::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for i in 0..TURNS {
        let (start, end) = (i * 2_000, i * 2_000 + 2_500);
        let name = if i % 2 == 0 { "Agent" } else { "Customer" };
        out.push_str(&match format {
            Format::Jsonl => format!(
                "{{\"speaker\":\"{name}\",\"start\":{},\"end\":{},\"text\":\"{TEXT}\"}}\n",
                start as f64 / 1000.0,
                end as f64 / 1000.0
            ),
            Format::Vtt => format!(
                "{i}\n{} --> {}\n<v {name}>{TEXT}\n\n",
                stamp(start, '.'),
                stamp(end, '.')
            ),
            Format::Srt => format!(
                "{i}\n{} --> {}\n{name}: {TEXT}\n\n",
                stamp(start, ','),
                stamp(end, ',')
            ),
        });
    }
    out
}

fn read_all(c: &mut Criterion) {
    let speakers = SpeakerMap::default();
    let mut group = c.benchmark_group("read");
    for (label, format) in [
        ("jsonl", Format::Jsonl),
        ("vtt", Format::Vtt),
        ("srt", Format::Srt),
    ] {
        let file = call(format);
        group.throughput(Throughput::Bytes(file.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                transcript::from_reader(file.as_bytes(), "bench", Some(format), &speakers)
                    .filter(Result::is_ok)
                    .count()
            })
        });
        if format == Format::Jsonl {
            group.bench_function("jsonl+schedule", |b| {
                b.iter(|| {
                    let reader =
                        transcript::from_reader(file.as_bytes(), "bench", Some(format), &speakers);
                    schedule(reader, Some(1000)).filter(Result::is_ok).count()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, read_all);
criterion_main!(benches);
