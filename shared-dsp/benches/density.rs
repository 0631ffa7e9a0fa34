//! CPU cost of the Density Meter engine at 48 kHz stereo in 64-sample blocks (the plugin's
//! worst realistic case), all analyses on, against the loudness meter alone. Each iteration
//! processes one second of audio, so time per iteration / 1 s = share of one core.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::density::{DensityTracker, Transport};
use shared_dsp::loudness::LoudnessMeter;
use shared_dsp::rng::Rng;
use std::hint::black_box;

const SR: f32 = 48_000.0;
const BLOCK: usize = 64;

fn music() -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(1);
    let n = SR as usize;
    let l: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f32 / SR;
            0.2 * rng.bipolar() * (-(t * 4.0).fract() * 20.0).exp()
                + 0.3 * (t * 55.0 * std::f32::consts::TAU).sin()
        })
        .collect();
    let r: Vec<f32> = l.iter().map(|x| 0.9 * x).collect();
    (l, r)
}

fn bench(c: &mut Criterion) {
    let (l, r) = music();
    let mut tracker = DensityTracker::new(SR, 2);
    let mut pos_beats = 0.0f64;
    c.bench_function("density_tracker_1s_48k_stereo_64", |b| {
        b.iter(|| {
            for (lb, rb) in l.chunks(BLOCK).zip(r.chunks(BLOCK)) {
                let t = Transport::playing(120.0, (4, 4), pos_beats);
                tracker.process(&[lb, rb], &t);
                tracker.drain_finished(|f| {
                    black_box(f);
                });
                pos_beats += lb.len() as f64 / SR as f64 * 2.0;
                if pos_beats > 4000.0 {
                    pos_beats = 0.0;
                }
            }
            black_box(tracker.live().density)
        })
    });
    let mut meter = LoudnessMeter::new(SR, 2);
    c.bench_function("loudness_meter_only_1s_48k_stereo_64", |b| {
        b.iter(|| {
            for (i, (lb, rb)) in l.chunks(BLOCK).zip(r.chunks(BLOCK)).enumerate() {
                meter.process(&[lb, rb]);
                // Readouts every 100 ms, as the tracker reads them.
                if i % 75 == 0 {
                    black_box(meter.momentary_lufs() + meter.short_term_lufs());
                    black_box(meter.integrated_lufs() + meter.loudness_range_lu());
                }
            }
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
