//! Measures the CPU time (not wall time: this machine is shared) the Density Meter engine
//! needs per second of 48 kHz stereo audio in 64-sample blocks, from the thread's scheduler
//! statistics (Linux `/proc/thread-self/schedstat`, nanoseconds on CPU).
//! Run: `cargo run --release -p shared-dsp --example density_cpu`

use shared_dsp::density::{DensityTracker, Transport};
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::rng::Rng;
use std::hint::black_box;

const SR: f32 = 48_000.0;
const BLOCK: usize = 64;
const SECONDS: usize = 120;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut rng = Rng::new(1);
    let n = SR as usize * SECONDS;
    let l: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f32 / SR;
            0.2 * rng.bipolar() * (-(t * 4.0).fract() * 20.0).exp()
                + 0.3 * (t * 55.0 * std::f32::consts::TAU).sin()
        })
        .collect();
    let r: Vec<f32> = l.iter().map(|x| 0.9 * x).collect();

    let mut tracker = DensityTracker::new(SR, 2);
    let start = cpu_ns();
    for (i, (lb, rb)) in l.chunks(BLOCK).zip(r.chunks(BLOCK)).enumerate() {
        let t = Transport::playing(120.0, (4, 4), (i * BLOCK) as f64 / SR as f64 * 2.0);
        tracker.process(&[lb, rb], &t);
        tracker.drain_finished(|f| {
            black_box(f);
        });
    }
    let engine_ns = cpu_ns() - start;

    let mut meter = LoudnessMeter::new(SR, 2);
    let start = cpu_ns();
    for (i, (lb, rb)) in l.chunks(BLOCK).zip(r.chunks(BLOCK)).enumerate() {
        meter.process(&[lb, rb]);
        if i % 75 == 0 {
            black_box(meter.momentary_lufs() + meter.short_term_lufs());
            black_box(meter.integrated_lufs() + meter.loudness_range_lu());
        }
    }
    let loudness_ns = cpu_ns() - start;
    let pct = |ns: u64| ns as f64 / (SECONDS as f64 * 1e9) * 100.0;
    println!(
        "whole engine: {:.3}% of one core; loudness meter alone: {:.3}%",
        pct(engine_ns),
        pct(loudness_ns)
    );
}
