use criterion::{criterion_group, criterion_main, Criterion};

fn engine(_c: &mut Criterion) {}

criterion_group!(benches, engine);
criterion_main!(benches);
