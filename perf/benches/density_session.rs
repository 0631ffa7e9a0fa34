//! Issue 15, item 7: 64 Density Meters in one process cost at most 64 times one instance plus
//! 5 %. Each iteration renders one second of 64 stereo tracks at 48 kHz in 64-sample blocks
//! (`catalyst_perf::DensitySessionWorkload`): `together` is one session (one registry, one
//! editor snapshotting at 60 Hz), `alone` the same 64 tracks each in a session of its own. Time
//! is the benchmark thread's CPU time, shown as % of one core. The ratio together / alone is
//! printed at the end from interleaved runs (so machine load drifts hit both alike); the
//! instruction guard (`scripts/perf-guard.sh`) bounds the same ratio in instruction counts.

use catalyst_perf::{DensitySessionWorkload, SESSION_TRACKS, SessionLayout, Workload};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;

mod common;
use common::{ThreadCpuTime, thread_cpu_ns};

const SR: u32 = 48_000;
const BLOCK: usize = 64;

fn session(c: &mut Criterion<ThreadCpuTime>) {
    let mut g = c.benchmark_group("density-session-64");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    for (name, layout) in [
        ("together", SessionLayout::Together),
        ("alone", SessionLayout::Alone),
    ] {
        let mut w = DensitySessionWorkload::new(SR, BLOCK, SESSION_TRACKS, layout);
        g.bench_function(name, |b| b.iter(|| w.run()));
    }
    g.finish();

    // The ratio: both layouts advance second by second in step (each has its bar closes in the
    // same seconds), and the median of each over the rounds.
    let mut together =
        DensitySessionWorkload::new(SR, BLOCK, SESSION_TRACKS, SessionLayout::Together);
    let mut alone = DensitySessionWorkload::new(SR, BLOCK, SESSION_TRACKS, SessionLayout::Alone);
    let time = |w: &mut DensitySessionWorkload| {
        let start = thread_cpu_ns();
        w.run();
        (thread_cpu_ns() - start) as f64
    };
    time(&mut together);
    time(&mut alone);
    let (mut t, mut a) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        t.push(time(&mut together));
        a.push(time(&mut alone));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    let (t, a) = (median(&mut t), median(&mut a));
    println!(
        "density-session-64: together {:.2} % core, alone (64 x 1) {:.2} % core, \
         cost(64) / (64 x cost(1)) = {:.3}",
        t * 1e-7,
        a * 1e-7,
        t / a
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = session
}
criterion_main!(benches);
