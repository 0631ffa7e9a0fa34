//! Snare Layerer workload: a snare at 4 hits per second through the whole engine.

use crate::Workload;
use catalyst_test_support::drums::snare_train;
use shared_dsp::snare::sample_player::SampleData;
use shared_dsp::snare::{SnareEngine, SnareSettings, factory_presets};

#[derive(Debug, Clone, Copy)]
pub enum SnareLayers {
    /// Cabinet, tail, body and a loaded sample, all on.
    All,
    /// Only the user's sample: the cost of a plain sample trigger.
    SampleOnly,
}

pub struct SnareWorkload {
    engine: SnareEngine,
    input: Vec<f32>,
    left: Vec<f32>,
    right: Vec<f32>,
    block_size: usize,
}

impl SnareWorkload {
    pub fn new(sample_rate: u32, block_size: usize, layers: SnareLayers) -> Self {
        let mut settings = SnareSettings {
            layers: factory_presets()[0].layers,
            ..SnareSettings::default()
        };
        let l = &mut settings.layers;
        match layers {
            SnareLayers::All => {
                l.cabinet.common.enabled = true;
                l.tail.common.enabled = true;
                l.body.common.enabled = true;
                l.sample.common.enabled = true;
            }
            SnareLayers::SampleOnly => {
                l.cabinet.common.enabled = false;
                l.tail.common.enabled = false;
                l.body.common.enabled = false;
                l.sample.common.enabled = true;
            }
        }
        let mut engine = SnareEngine::new(sample_rate as f32, settings);
        // A 400 ms "user sample": a decaying noisy thump.
        let frames = snare_train(sample_rate, 0.4, 2.6);
        engine.swap_sample(Some(Box::new(SampleData { frames })));
        let input = snare_train(sample_rate, 1.0, 4.0);
        Self {
            engine,
            left: vec![0.0; block_size],
            right: vec![0.0; block_size],
            input,
            block_size,
        }
    }
}

impl Workload for SnareWorkload {
    fn run(&mut self) {
        for chunk in self.input.chunks(self.block_size) {
            let n = chunk.len();
            self.left[..n].copy_from_slice(chunk);
            self.right[..n].copy_from_slice(chunk);
            let mut channels = [&mut self.left[..n], &mut self.right[..n]];
            self.engine.process(&mut channels, &[]);
        }
        std::hint::black_box(&self.left);
    }
}
