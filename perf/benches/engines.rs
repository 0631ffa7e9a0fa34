//! Criterion benchmarks of every engine at 44.1/48/96 kHz and 32/64/512-sample blocks. Each
//! iteration renders one second of audio, so the time per iteration in seconds is the fraction
//! of one core the engine needs in real time; `cargo xtask perf` turns the estimates into that
//! table. Time is the benchmark thread's CPU time (not wall-clock time), so other work on a
//! shared machine does not count against the engine.

use catalyst_perf::{
    DensityWorkload, PianoPattern, PianoWorkload, SnareLayers, SnareWorkload, Workload,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;

mod common;
use common::ThreadCpuTime;

const RATES: [u32; 3] = [44_100, 48_000, 96_000];
const BLOCKS: [usize; 3] = [32, 64, 512];

fn bench_workload(
    c: &mut Criterion<ThreadCpuTime>,
    group: &str,
    mut make: impl FnMut(u32, usize) -> Box<dyn Workload>,
) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for rate in RATES {
        for block in BLOCKS {
            let mut w = make(rate, block);
            g.bench_function(format!("{rate}/{block}"), |b| b.iter(|| w.run()));
        }
    }
    g.finish();
}

fn snare(c: &mut Criterion<ThreadCpuTime>) {
    bench_workload(c, "snare-all-layers", |sr, block| {
        Box::new(SnareWorkload::new(sr, block, SnareLayers::All))
    });
    bench_workload(c, "snare-sample-only", |sr, block| {
        Box::new(SnareWorkload::new(sr, block, SnareLayers::SampleOnly))
    });
}

fn piano(c: &mut Criterion<ThreadCpuTime>) {
    for (name, pattern) in [
        ("piano-chords", PianoPattern::Chords),
        ("piano-dense", PianoPattern::Dense),
        ("piano-64-voices", PianoPattern::SixtyFourVoices),
        ("piano-chord-per-second", PianoPattern::ChordPerSecond),
    ] {
        bench_workload(c, name, |sr, block| {
            Box::new(PianoWorkload::new(sr, block, pattern))
        });
    }
}

fn density(c: &mut Criterion<ThreadCpuTime>) {
    bench_workload(c, "density-full-mix", |sr, block| {
        Box::new(DensityWorkload::new(sr, block))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = snare, piano, density
}
criterion_main!(benches);
