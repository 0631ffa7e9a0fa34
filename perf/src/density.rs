//! Density Meter workload: the chorus of `synth_material::arrangement` (kick, hats, snare,
//! bass, pad, lead and a noise wash: a full mix) in stereo through the `DensityTracker`, the
//! engine the plugin runs, with every analysis on and a playing 120 BPM 4/4 transport. The
//! host cycles the eight chorus bars, as a producer looping a section does, so bars keep
//! closing (the per-bar statistics are part of the cost) and the timeline stays bounded.

use crate::Workload;
use shared_dsp::density::{DensityTracker, Transport};
use shared_dsp::synth_material::arrangement;

const BPM: f64 = 120.0;
/// The chorus: bars 24..32 of the arrangement.
const FIRST_BAR: usize = 24;
const BARS: usize = 8;

pub struct DensityWorkload {
    tracker: DensityTracker,
    left: Vec<f32>,
    right: Vec<f32>,
    pos: usize,
    sample_rate: u32,
    block_size: usize,
}

impl DensityWorkload {
    pub fn new(sample_rate: u32, block_size: usize) -> Self {
        let mix = arrangement(sample_rate, BPM as f32);
        let bar_samples = (4.0 * 60.0 / BPM * sample_rate as f64).round() as usize;
        let chorus = &mix[FIRST_BAR * bar_samples..(FIRST_BAR + BARS) * bar_samples];
        // A little stereo: the right channel slightly quieter, so the two differ.
        let left = chorus.to_vec();
        let right = chorus.iter().map(|x| 0.9 * x).collect();
        Self {
            tracker: DensityTracker::new(sample_rate as f32, 2),
            left,
            right,
            pos: 0,
            sample_rate,
            block_size,
        }
    }

    fn transport(&self) -> Transport {
        let beats = self.pos as f64 / self.sample_rate as f64 * BPM / 60.0;
        Transport::playing(BPM, (4, 4), (FIRST_BAR * 4) as f64 + beats)
    }
}

impl Workload for DensityWorkload {
    fn run(&mut self) {
        let mut remaining = self.sample_rate as usize;
        let mut sink = 0.0f32;
        while remaining > 0 {
            // Host blocks end at the loop point, as a cycling host splits them.
            let n = remaining
                .min(self.block_size)
                .min(self.left.len() - self.pos);
            let transport = self.transport();
            let block = [
                &self.left[self.pos..self.pos + n],
                &self.right[self.pos..self.pos + n],
            ];
            self.tracker.process(&block, &transport);
            self.tracker.drain_finished(|bar| {
                sink += bar.stats.density;
            });
            sink += self.tracker.live().density;
            self.pos += n;
            if self.pos == self.left.len() {
                self.pos = 0;
            }
            remaining -= n;
        }
        std::hint::black_box(sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_mix_closes_bars_with_a_density() {
        let mut w = DensityWorkload::new(22_050, 512);
        for _ in 0..5 {
            w.run();
        }
        // Five seconds at 120 BPM close at least two bars into the timeline.
        let closed: Vec<f32> = w
            .tracker
            .bars()
            .iter()
            .flatten()
            .map(|b| b.density)
            .collect();
        assert!(closed.len() >= 2, "{closed:?}");
        assert!(
            closed.iter().all(|d| *d > 20.0 && *d <= 100.0),
            "{closed:?}"
        );
    }
}
