//! Fixed workloads for each engine, shared by the criterion benchmarks (`benches/engines.rs`,
//! wall-clock, reported as % of one core) and `perf-render` (run under callgrind by
//! `scripts/perf-guard.sh`, instruction counts that a noisy machine cannot fool).
//!
//! Every workload renders exactly one second of audio per `run` in blocks of `block_size`, so
//! "seconds per run" is directly the fraction of one core it needs in real time.

mod snare;

pub use snare::{SnareLayers, SnareWorkload};

/// One benchmarkable workload: prepared once (allocation, input synthesis), then `run` renders
/// one second of audio.
pub trait Workload {
    fn run(&mut self);
}

/// All instruction-count workloads by name, at 48 kHz with 64-sample blocks (the figures the
/// issues set targets for).
pub fn guarded_workloads() -> Vec<(&'static str, Box<dyn Workload>)> {
    vec![
        (
            "snare-all-layers",
            Box::new(SnareWorkload::new(48_000, 64, SnareLayers::All)) as Box<dyn Workload>,
        ),
        (
            "snare-sample-only",
            Box::new(SnareWorkload::new(48_000, 64, SnareLayers::SampleOnly)),
        ),
    ]
}
