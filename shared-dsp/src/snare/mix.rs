//! The mix: each layer panned into a layer bus, the latency-aligned dry signal, the layer and
//! output levels, layer solo and "listen to detector". Every gain is smoothed over `SMOOTH_MS`.
//! Also the input sanitising and the output bounds every block goes through.

use super::settings::{LayerSettings, MixSettings};
use crate::denormal::sanitize;
use crate::smoother::ExpSmoother;
use crate::snare::layer::LayerCommon;
use crate::util::{db_to_gain, equal_power_pan};

/// Safety ceiling of any output sample: the suite's +24 dBFS output bound, never reached. The
/// output bends toward it from OUTPUT_KNEE (+12 dBFS) on, and inputs are clamped to it.
pub use crate::output_ceiling::OUTPUT_BOUND as OUTPUT_LIMIT;
pub const OUTPUT_KNEE: f32 = 4.0;
/// Gain smoothing (>= 12 ms so one automation value per block never zippers).
pub const SMOOTH_MS: f32 = 20.0;
/// Layers: cabinet, tail, body, sample.
pub const LAYERS: usize = 4;

/// Gain pair (left, right) of one layer, smoothed.
#[derive(Debug, Clone)]
struct PanGain {
    left: ExpSmoother,
    right: ExpSmoother,
}

impl PanGain {
    fn new(sample_rate: f32) -> Self {
        Self {
            left: ExpSmoother::new(sample_rate, SMOOTH_MS, 0.0),
            right: ExpSmoother::new(sample_rate, SMOOTH_MS, 0.0),
        }
    }

    fn set(&mut self, common: &LayerCommon) {
        let level = if common.enabled {
            db_to_gain(common.level_db)
        } else {
            0.0
        };
        let (l, r) = equal_power_pan(common.pan);
        // Centre = unity (equal-power pan is -3 dB per side at centre; compensate).
        let polarity = if common.invert { -1.0 } else { 1.0 };
        let k = std::f32::consts::SQRT_2 * level * polarity;
        self.left.set_target(l * k);
        self.right.set_target(r * k);
    }

    fn snap(&mut self) {
        let (l, r) = (self.left.target(), self.right.target());
        self.left.reset(l);
        self.right.reset(r);
    }

    fn is_settled(&self) -> bool {
        self.left.is_settled() && self.right.is_settled()
    }
}

/// The signals of one chunk that the mix reads.
pub struct MixInputs<'a> {
    /// Latency-aligned dry left and right (right = left for a mono track).
    pub dry_l: &'a [f32],
    pub dry_r: &'a [f32],
    /// Latency-aligned detector band.
    pub band: &'a [f32],
    /// One rendered buffer per layer; only those with `run` set are read.
    pub voices: &'a [[f32; super::engine::CHUNK]; LAYERS],
    pub run: [bool; LAYERS],
}

pub struct MixBus {
    pan_gains: [PanGain; LAYERS],
    dry_gain: ExpSmoother,
    layer_gain: ExpSmoother,
    output_gain: ExpSmoother,
    solo: ExpSmoother,
    listen: ExpSmoother,
    /// Layer bus scratch for the gliding path.
    lay_l: [f32; super::engine::CHUNK],
    lay_r: [f32; super::engine::CHUNK],
}

impl MixBus {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            pan_gains: std::array::from_fn(|_| PanGain::new(sample_rate)),
            dry_gain: ExpSmoother::new(sample_rate, SMOOTH_MS, 1.0),
            layer_gain: ExpSmoother::new(sample_rate, SMOOTH_MS, 1.0),
            output_gain: ExpSmoother::new(sample_rate, SMOOTH_MS, 1.0),
            solo: ExpSmoother::new(sample_rate, SMOOTH_MS, 0.0),
            listen: ExpSmoother::new(sample_rate, SMOOTH_MS, 0.0),
            lay_l: [0.0; super::engine::CHUNK],
            lay_r: [0.0; super::engine::CHUNK],
        }
    }

    fn levels_mut(&mut self) -> [&mut ExpSmoother; 5] {
        [
            &mut self.dry_gain,
            &mut self.layer_gain,
            &mut self.output_gain,
            &mut self.solo,
            &mut self.listen,
        ]
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        for s in self.levels_mut() {
            s.set_time(sample_rate, SMOOTH_MS);
        }
        for g in &mut self.pan_gains {
            g.left.set_time(sample_rate, SMOOTH_MS);
            g.right.set_time(sample_rate, SMOOTH_MS);
        }
    }

    /// Every gain jumps to its target.
    pub fn snap(&mut self) {
        for g in &mut self.pan_gains {
            g.snap();
        }
        for s in self.levels_mut() {
            let t = s.target();
            s.reset(t);
        }
    }

    pub fn set(&mut self, mix: &MixSettings, layers: &LayerSettings) {
        self.pan_gains[0].set(&layers.cabinet.common);
        self.pan_gains[1].set(&layers.tail.common);
        self.pan_gains[2].set(&layers.body.common);
        self.pan_gains[3].set(&layers.sample.common);
        self.dry_gain.set_target(db_to_gain(mix.dry_db));
        self.layer_gain.set_target(db_to_gain(mix.layer_db));
        self.output_gain.set_target(db_to_gain(mix.output_db));
        self.solo.set_target(if mix.layer_solo { 1.0 } else { 0.0 });
        self.listen
            .set_target(if mix.listen_detector { 1.0 } else { 0.0 });
    }

    /// A layer whose gains have faded to exactly zero is inaudible.
    pub fn layer_silent(&self, k: usize) -> bool {
        let g = &self.pan_gains[k];
        g.is_settled() && g.left.current() == 0.0 && g.right.current() == 0.0
    }

    /// Some gain is still moving. Smoothers that have settled return their value unchanged
    /// from `next_value`, so when none glides the block can run with constant gains
    /// (bit-identical output) instead of stepping 13 smoothers per sample.
    pub fn gliding(&self) -> bool {
        self.pan_gains.iter().any(|g| !g.is_settled())
            || [
                &self.dry_gain,
                &self.layer_gain,
                &self.output_gain,
                &self.solo,
                &self.listen,
            ]
            .iter()
            .any(|s| !s.is_settled())
    }

    /// The "listen to detector" blend is (or may become within the block) non-zero.
    pub fn listening(&self) -> bool {
        self.gliding() || self.listen.current() != 0.0
    }

    /// Mixes one chunk into `out_l` (and `out_r` for stereo). `GLIDE`: step every smoother
    /// per sample; otherwise constant gains in vectorised passes.
    #[inline(always)]
    pub fn mix<const GLIDE: bool>(
        &mut self,
        inputs: &MixInputs,
        out_l: &mut [f32],
        out_r: Option<&mut [f32]>,
    ) {
        if GLIDE {
            self.mix_gliding(inputs, out_l, out_r);
        } else {
            self.mix_constant(inputs, out_l, out_r);
        }
    }

    fn mix_gliding(
        &mut self,
        inputs: &MixInputs,
        out_l: &mut [f32],
        mut out_r: Option<&mut [f32]>,
    ) {
        let n = out_l.len();
        // Pan each layer into the layer bus, then mix, stepping every smoother per sample.
        self.lay_l[..n].fill(0.0);
        self.lay_r[..n].fill(0.0);
        for (k, voice) in inputs.voices.iter().enumerate() {
            if !inputs.run[k] {
                continue;
            }
            let g = &mut self.pan_gains[k];
            let (lay_l, lay_r) = (&mut self.lay_l[..n], &mut self.lay_r[..n]);
            for ((l, r), &v) in lay_l.iter_mut().zip(lay_r.iter_mut()).zip(&voice[..n]) {
                *l += v * g.left.next_value();
                *r += v * g.right.next_value();
            }
        }
        for i in 0..n {
            let dry = self.dry_gain.next_value() * (1.0 - self.solo.next_value());
            let layer = self.layer_gain.next_value();
            let out = self.output_gain.next_value();
            let listen = self.listen.next_value();
            let (dry_l, dry_r, band) = (inputs.dry_l[i], inputs.dry_r[i], inputs.band[i]);
            let (lay_l, lay_r) = (self.lay_l[i], self.lay_r[i]);
            if let Some(out_r) = out_r.as_deref_mut() {
                let l = (dry_l * dry + lay_l * layer) * out;
                let r = (dry_r * dry + lay_r * layer) * out;
                out_l[i] = l + listen * (band - l);
                out_r[i] = r + listen * (band - r);
            } else {
                // Mono: dry as is, layers summed at the centre-pan level.
                let m = (dry_l * dry + 0.5 * (lay_l + lay_r) * layer) * out;
                out_l[i] = m + listen * (band - m);
            }
        }
    }

    fn mix_constant(
        &mut self,
        inputs: &MixInputs,
        out_l: &mut [f32],
        mut out_r: Option<&mut [f32]>,
    ) {
        let n = out_l.len();
        // Dry, then each layer at its pan gains folded with the layer and output levels.
        let out = self.output_gain.current();
        let dry = self.dry_gain.current() * (1.0 - self.solo.current()) * out;
        let layer = self.layer_gain.current() * out;
        for (o, &d) in out_l.iter_mut().zip(&inputs.dry_l[..n]) {
            *o = d * dry;
        }
        if let Some(out_r) = out_r.as_deref_mut() {
            for (o, &d) in out_r.iter_mut().zip(&inputs.dry_r[..n]) {
                *o = d * dry;
            }
        }
        for (k, voice) in inputs.voices.iter().enumerate() {
            if !inputs.run[k] {
                continue;
            }
            let g = &self.pan_gains[k];
            let (gl, gr) = (g.left.current() * layer, g.right.current() * layer);
            if let Some(out_r) = out_r.as_deref_mut() {
                for ((l, r), &v) in out_l.iter_mut().zip(out_r.iter_mut()).zip(&voice[..n]) {
                    *l += v * gl;
                    *r += v * gr;
                }
            } else {
                let gm = 0.5 * (gl + gr);
                for (l, &v) in out_l.iter_mut().zip(&voice[..n]) {
                    *l += v * gm;
                }
            }
        }
        let listen = self.listen.current();
        if listen != 0.0 {
            for o in [Some(out_l), out_r].into_iter().flatten() {
                for (o, &b) in o.iter_mut().zip(&inputs.band[..n]) {
                    *o += listen * (b - *o);
                }
            }
        }
    }
}

/// Makes every sample finite and within ±`OUTPUT_LIMIT`, touching the block only when needed.
/// The check is branch-free over the block (NaN fails `<=`), so it vectorises.
#[inline]
pub fn sanitize_block(x: &mut [f32]) {
    let clean = x.iter().fold(true, |ok, v| ok & (v.abs() <= OUTPUT_LIMIT));
    if !clean {
        for v in x.iter_mut() {
            *v = sanitize(*v, OUTPUT_LIMIT);
        }
    }
}
