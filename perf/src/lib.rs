//! Fixed workloads for each engine, shared by the criterion benchmarks (`benches/engines.rs`,
//! wall-clock, reported as % of one core) and `perf-render` (run under callgrind by
//! `scripts/perf-guard.sh`, instruction counts that a noisy machine cannot fool).
//!
//! Every workload renders exactly one second of audio per `run` in blocks of `block_size`, so
//! "seconds per run" is directly the fraction of one core it needs in real time.

mod density;
mod density_session;
mod piano;
mod snare;

pub use density::DensityWorkload;
pub use density_session::{DensitySessionWorkload, SessionLayout, song_grid};
pub use piano::{PianoPattern, PianoWorkload, chord_per_second};
pub use snare::{SnareLayers, SnareWorkload};

/// One benchmarkable workload: prepared once (allocation, input synthesis), then `run` renders
/// one second of audio.
pub trait Workload {
    fn run(&mut self);
}

/// A workload the instruction guard counts, with how many seconds it renders under callgrind.
pub struct GuardedWorkload {
    pub name: &'static str,
    /// Seconds rendered inside the measured function (after one warm-up second). Longer where
    /// one second is not representative; short where callgrind's ~50x slowdown would make CI slow.
    pub seconds: usize,
    /// Builds the workload (input synthesis and allocation happen here, outside the count).
    pub make: fn() -> Box<dyn Workload>,
}

/// Density Meter instances in the big-session workloads (issue 15: "64 meter instances in one
/// process").
pub const SESSION_TRACKS: usize = 64;

/// All instruction-count workloads, at 48 kHz with 64-sample blocks (the figures the issues set
/// targets for).
pub fn guarded_workloads() -> Vec<GuardedWorkload> {
    const SR: u32 = 48_000;
    const BLOCK: usize = 64;
    fn guarded(
        name: &'static str,
        seconds: usize,
        make: fn() -> Box<dyn Workload>,
    ) -> GuardedWorkload {
        GuardedWorkload {
            name,
            seconds,
            make,
        }
    }
    vec![
        guarded("snare-all-layers", 2, || {
            Box::new(SnareWorkload::new(SR, BLOCK, SnareLayers::All))
        }),
        guarded("snare-sample-only", 2, || {
            Box::new(SnareWorkload::new(SR, BLOCK, SnareLayers::SampleOnly))
        }),
        guarded("piano-chords", 4, || {
            Box::new(PianoWorkload::new(SR, BLOCK, PianoPattern::Chords))
        }),
        guarded("piano-dense", 3, || {
            Box::new(PianoWorkload::new(SR, BLOCK, PianoPattern::Dense))
        }),
        guarded("piano-chord-per-second", 4, || {
            Box::new(PianoWorkload::new(SR, BLOCK, PianoPattern::ChordPerSecond))
        }),
        guarded("piano-64-voices", 1, || {
            Box::new(PianoWorkload::new(SR, BLOCK, PianoPattern::SixtyFourVoices))
        }),
        guarded("density-full-mix", 2, || {
            Box::new(DensityWorkload::new(SR, BLOCK))
        }),
        // Issue 15 item 7: 64 meters in one session against the same 64 each alone; the guard
        // also bounds their ratio (scripts/perf-guard.sh, SESSION_RATIO_MAX).
        guarded("density-session-64-together", 1, || {
            Box::new(DensitySessionWorkload::new(
                SR,
                BLOCK,
                SESSION_TRACKS,
                SessionLayout::Together,
            ))
        }),
        guarded("density-session-64-alone", 1, || {
            Box::new(DensitySessionWorkload::new(
                SR,
                BLOCK,
                SESSION_TRACKS,
                SessionLayout::Alone,
            ))
        }),
    ]
}
