//! Criterion benchmarks of every engine at 44.1/48/96 kHz and 32/64/512-sample blocks. Each
//! iteration renders one second of audio, so the time per iteration in seconds is the fraction
//! of one core the engine needs in real time; `cargo xtask perf` turns the estimates into that
//! table. Time is the benchmark thread's CPU time (not wall-clock time), so other work on a
//! shared machine does not count against the engine.

use catalyst_perf::{
    DensityWorkload, PianoPattern, PianoWorkload, SnareLayers, SnareWorkload, Workload,
};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

/// CPU time the calling thread has used, in nanoseconds.
#[cfg(unix)]
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the OS knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Wall-clock fallback where there is no per-thread CPU clock.
#[cfg(not(unix))]
fn thread_cpu_ns() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

/// Criterion measurement: thread CPU time in nanoseconds, shown as % of one core (one
/// iteration renders one second of audio).
struct ThreadCpuTime;

struct PercentOfCore;

impl ValueFormatter for PercentOfCore {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        // ns per rendered second -> percent of one core.
        for v in values {
            *v *= 1e-7;
        }
        "% core"
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        _values: &mut [f64],
    ) -> &'static str {
        "(n/a)"
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &PercentOfCore
    }
}

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
