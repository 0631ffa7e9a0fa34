//! The "Body" layer: a tuned sine whose pitch drops from `drop_semitones` above the note to the
//! note in ~30 ms (the pitch glide of a struck, tensioned membrane settling: tom/808 style), with
//! an exponential decay. Phase-continuous and ramped on retrigger, so it never clicks.

use super::layer::{HitEnvelope, LayerCommon, Strike, t60_coef};
use std::f32::consts::TAU;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodySettings {
    pub common: LayerCommon,
    /// Final frequency before pitch, Hz.
    pub freq_hz: f32,
    /// How far above the final frequency the hit starts, semitones.
    pub drop_semitones: f32,
}

impl Default for BodySettings {
    fn default() -> Self {
        Self {
            common: LayerCommon::new(false, -9.0, 180.0),
            freq_hz: 180.0,
            drop_semitones: 7.0,
        }
    }
}

/// Time constant of the pitch drop.
pub const DROP_MS: f32 = 30.0;

/// Samples per glide segment: the pitch curve `2^(glide)` is evaluated exactly at segment ends
/// and followed by a recursive multiply in between (geometric interpolation of a smooth curve;
/// the frequency is within 0.01 cent of the exact per-sample curve).
const GLIDE_SEGMENT: usize = 16;
/// Below this the glide (octaves) is over: the pitch is the note.
const GLIDE_DONE_OCTAVES: f32 = 1.0e-5;
/// Scratch block: phases for the vectorised sine pass.
const SCRATCH: usize = 64;

#[derive(Debug, Clone)]
pub struct BodyTone {
    sample_rate: f32,
    settings: BodySettings,
    /// Phase in cycles, [0, 1).
    phase: f32,
    /// Phase increment of the final note, cycles per sample.
    base_inc: f32,
    /// Glide above the note, octaves, decaying by `glide_coef` per sample.
    glide: f32,
    glide_coef: f32,
    glide_coef_segment: f32,
    env: HitEnvelope,
}

impl BodyTone {
    pub fn new(sample_rate: f32, settings: BodySettings) -> Self {
        let mut b = Self {
            sample_rate,
            settings,
            phase: 0.0,
            base_inc: 0.0,
            glide: 0.0,
            glide_coef: 0.0,
            glide_coef_segment: 0.0,
            env: HitEnvelope::default(),
        };
        b.set_sample_rate(sample_rate);
        b
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.glide_coef = (-1.0 / (DROP_MS * 0.001 * sample_rate)).exp();
        self.glide_coef_segment = self.glide_coef.powi(GLIDE_SEGMENT as i32);
        self.reset();
    }

    pub fn reset(&mut self) {
        self.env.reset();
        self.glide = 0.0;
    }

    /// Takes effect at the next strike.
    pub fn set_settings(&mut self, settings: BodySettings) {
        self.settings = settings;
    }

    pub fn strike(&mut self, strike: Strike) {
        let s = &self.settings;
        let freq = s.freq_hz
            * crate::util::cents_to_ratio(100.0 * s.common.pitch_semitones)
            * strike.pitch_ratio;
        // Glide in octaves above the final pitch, decaying exponentially. The start is kept
        // below Nyquist, so one phase step is always less than a cycle.
        let nyquist = 0.49 * self.sample_rate;
        let freq = freq.clamp(0.0, nyquist);
        let max_glide = (nyquist / freq.max(1.0)).log2().max(0.0);
        self.glide = (s.drop_semitones.max(0.0) / 12.0).min(max_glide);
        self.base_inc = freq / self.sample_rate;
        let decay = t60_coef(self.sample_rate, s.common.decay_ms * strike.decay_scale);
        self.env.trigger(self.sample_rate, strike.gain, decay);
    }

    /// Writes the next `out.len()` samples.
    pub fn process_block(&mut self, out: &mut [f32]) {
        if self.env.is_silent() {
            out.fill(0.0);
            return;
        }
        let mut phases = [0.0f32; SCRATCH];
        for out in out.chunks_mut(SCRATCH) {
            let phases = &mut phases[..out.len()];
            self.advance_phases(phases);
            self.env.render(out);
            // Vectorised: sine of each phase times the envelope.
            for (o, &p) in out.iter_mut().zip(phases.iter()) {
                *o *= sin_cycles(p);
            }
        }
    }

    /// One sample (tests and callers without a block).
    pub fn process(&mut self) -> f32 {
        let mut x = [0.0f32];
        self.process_block(&mut x);
        x[0]
    }

    /// Phase after each sample's step (the sine is taken after the step, as the phase of the
    /// sample being produced), with the pitch glide applied.
    fn advance_phases(&mut self, phases: &mut [f32]) {
        let mut phase = self.phase;
        if self.glide == 0.0 {
            let inc = self.base_inc;
            for p in phases.iter_mut() {
                phase += inc;
                phase -= if phase >= 1.0 { 1.0 } else { 0.0 };
                *p = phase;
            }
        } else {
            for seg in phases.chunks_mut(GLIDE_SEGMENT) {
                let coef = if seg.len() == GLIDE_SEGMENT {
                    self.glide_coef_segment
                } else {
                    self.glide_coef.powi(seg.len() as i32)
                };
                let next = self.glide * coef;
                // Frequency ratio 2^glide now, and the per-sample ratio that reaches 2^next at
                // the segment's end.
                let mut ratio = self.glide.exp2();
                let step = ((next - self.glide) / seg.len() as f32).exp2();
                for p in seg.iter_mut() {
                    phase += self.base_inc * ratio;
                    phase -= if phase >= 1.0 { 1.0 } else { 0.0 };
                    *p = phase;
                    ratio *= step;
                }
                self.glide = if next < GLIDE_DONE_OCTAVES { 0.0 } else { next };
            }
        }
        self.phase = phase;
    }
}

/// `sin(2π·p)` for `p` in [0, 1): fold to a quarter period and a 9th-order odd Taylor
/// polynomial (error < 4e-6, -108 dB), branch-free so the block loop vectorises.
#[inline(always)]
pub(crate) fn sin_cycles(p: f32) -> f32 {
    // sin(2πp) = -sin(2πt), t = p - 1/2 in [-1/2, 1/2); sin(2π|t|) = sin(2π·min(|t|, 1/2-|t|)).
    let t = p - 0.5;
    let a = t.abs();
    let c = a.min(0.5 - a);
    let x = TAU * c;
    let x2 = x * x;
    let s = x
        * (1.0
            + x2 * (-1.0 / 6.0
                + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5_040.0 + x2 * (1.0 / 362_880.0)))));
    -s.copysign(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snare::layer::ATTACK_MS;
    use catalyst_test_support::measure::{decay_ms, max_step, peak_hz};

    fn settings() -> BodySettings {
        let mut s = BodySettings::default();
        s.common.enabled = true;
        s
    }

    #[test]
    fn starts_high_and_settles_on_the_note() {
        let sr = 48_000.0;
        let mut b = BodyTone::new(sr, settings());
        b.strike(Strike::UNIT);
        let x: Vec<f32> = (0..24_000).map(|_| b.process()).collect();
        let late = peak_hz(&x[9_600..14_400], sr, 100.0, 400.0);
        assert!((late - 180.0).abs() < 3.0, "{late}");
        let early = peak_hz(&x[0..480], sr, 100.0, 600.0);
        assert!(early > 220.0, "{early}");
    }

    #[test]
    fn decay_and_pitch_follow_settings() {
        let sr = 48_000.0;
        let mut s = settings();
        s.common.decay_ms = 300.0;
        s.common.pitch_semitones = 12.0;
        s.drop_semitones = 0.0;
        let mut b = BodyTone::new(sr, s);
        b.strike(Strike::UNIT);
        let x: Vec<f32> = (0..48_000).map(|_| b.process()).collect();
        let t60 = decay_ms(&x, sr, 40.0) * 1.5;
        assert!((t60 / 300.0 - 1.0).abs() < 0.1, "{t60}");
        let f = peak_hz(&x[..9_600], sr, 200.0, 500.0);
        assert!((f - 360.0).abs() < 4.0, "{f}");
    }

    #[test]
    fn sine_polynomial_is_accurate_over_the_cycle() {
        let worst = (0..100_000)
            .map(|k| {
                let p = k as f32 / 100_000.0;
                (sin_cycles(p) as f64 - (std::f64::consts::TAU * p as f64).sin()).abs()
            })
            .fold(0.0f64, f64::max);
        assert!(worst < 4.0e-6, "{worst}");
    }

    #[test]
    fn glide_follows_the_exact_curve_and_blocks_do_not_matter() {
        // The instantaneous frequency of the rendered tone against 2^(drop * e^(-t/30 ms)):
        // compare phase (cycles) accumulated after 50 ms with the integral of the exact curve.
        let sr = 48_000.0;
        let mut b = BodyTone::new(sr, settings());
        b.strike(Strike::UNIT);
        let n = (0.05 * sr) as usize;
        let mut cycles = 0.0f64;
        let mut last = 0.0f32;
        let mut out = vec![0.0f32; n];
        for c in out.chunks_mut(7) {
            let mut phases = vec![0.0f32; c.len()];
            b.advance_phases(&mut phases);
            for &p in &phases {
                cycles += if p < last {
                    (p + 1.0 - last) as f64
                } else {
                    (p - last) as f64
                };
                last = p;
            }
        }
        let drop = 7.0f64 / 12.0;
        let tau = 0.030 * sr as f64;
        let exact: f64 = (0..n)
            .map(|k| 180.0 / sr as f64 * 2f64.powf(drop * (-(k as f64) / tau).exp()))
            .sum();
        assert!((cycles / exact - 1.0).abs() < 1.0e-4, "{cycles} vs {exact}");
    }

    #[test]
    fn retrigger_is_continuous() {
        let sr = 48_000.0;
        let mut b = BodyTone::new(sr, settings());
        b.strike(Strike::UNIT);
        let mut x: Vec<f32> = (0..1_000).map(|_| b.process()).collect();
        b.strike(Strike::UNIT);
        x.extend((0..1_000).map(|_| b.process()));
        // A full-scale sine at <= 180 Hz * 2^(7/12) moves at most 2 pi f / fs per sample, plus
        // the attack ramp's slope; a cut-off restart would step by up to 1.
        let bound = TAU * 180.0 * 2f32.powf(7.0 / 12.0) / sr + 1.0 / (ATTACK_MS * 0.001 * sr);
        assert!(max_step(&x) <= 1.05 * bound, "{} {bound}", max_step(&x));
    }
}
