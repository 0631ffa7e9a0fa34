//! The instrument's mechanical noises and the recording's hiss: the key hitting the keybed and
//! the hammer knock at note-on, the damper falling back on note-off, the pedal's thump, and a
//! tape hiss that follows the playing. Each is shaped noise with a decaying envelope; the knocks
//! are sent through the body so they sound wooden.

use crate::filters::{OnePoleHighpass, Svf, SvfMode};
use crate::rng::Rng;

#[derive(Debug, Clone)]
pub struct MechanicalNoise {
    sample_rate: f32,
    rng: Rng,
    knock_env: f32,
    knock_decay: f32,
    knock_filter: Svf,
    thump_env: f32,
    thump_decay: f32,
    thump_filter: Svf,
    hiss_env: f32,
    hiss_release: f32,
    hiss_filter: [OnePoleHighpass; 2],
}

impl MechanicalNoise {
    pub fn new(sample_rate: f32) -> Self {
        let per_sample = |time_s: f32| (-1.0 / (time_s * sample_rate)).exp();
        Self {
            sample_rate,
            rng: Rng::new(0x5eed),
            knock_env: 0.0,
            knock_decay: per_sample(0.008),
            knock_filter: Svf::new(sample_rate, SvfMode::Lowpass, 1_600.0, 0.9),
            thump_env: 0.0,
            thump_decay: per_sample(0.03),
            thump_filter: Svf::new(sample_rate, SvfMode::Lowpass, 260.0, 1.2),
            hiss_env: 0.0,
            hiss_release: per_sample(1.2),
            hiss_filter: [
                OnePoleHighpass::new(sample_rate, 900.0),
                OnePoleHighpass::new(sample_rate, 900.0),
            ],
        }
    }

    pub fn reset(&mut self) {
        let sr = self.sample_rate;
        *self = Self::new(sr);
    }

    /// Hammer and key knock for a note-on (`amount` already includes velocity and Noise).
    pub fn knock(&mut self, amount: f32) {
        self.knock_env = self.knock_env.max(amount);
        self.thump_env = self.thump_env.max(0.35 * amount);
        if amount > 0.0 {
            self.hiss_env = 1.0;
        }
    }

    /// Damper or pedal thump.
    pub fn thump(&mut self, amount: f32) {
        self.thump_env = self.thump_env.max(amount);
    }

    /// True when every envelope has died away.
    pub fn is_idle(&self) -> bool {
        self.knock_env < 1e-6 && self.thump_env < 1e-6 && self.hiss_env < 1e-4
    }

    /// Returns (knock for the body, hiss left, hiss right). `hiss_gain` is the hiss level.
    #[inline(always)]
    pub fn process(&mut self, hiss_gain: f32) -> (f32, f32, f32) {
        let mut knock = 0.0;
        if self.knock_env > 1e-6 || self.thump_env > 1e-6 {
            let n = self.rng.bipolar();
            knock = self.knock_filter.process(n * self.knock_env)
                + self.thump_filter.process(n * self.thump_env);
            self.knock_env *= self.knock_decay;
            self.thump_env *= self.thump_decay;
        }
        let (mut hl, mut hr) = (0.0, 0.0);
        if self.hiss_env > 1e-4 {
            let g = hiss_gain * self.hiss_env;
            hl = self.hiss_filter[0].process(self.rng.bipolar() * g);
            hr = self.hiss_filter[1].process(self.rng.bipolar() * g);
            self.hiss_env *= self.hiss_release;
        } else {
            self.hiss_env = 0.0;
        }
        (knock, hl, hr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knock_is_short_and_hiss_fades_after_playing() {
        let sr = 48_000.0;
        let mut m = MechanicalNoise::new(sr);
        m.knock(0.5);
        let mut early = 0.0f32;
        let mut late = 0.0f32;
        for n in 0..(sr as usize / 5) {
            let (k, _, _) = m.process(0.0);
            if n < 480 {
                early = early.max(k.abs());
            } else if n > 9_600 {
                late = late.max(k.abs());
            }
        }
        assert!(early > 0.01 && late < early * 0.01, "{early} {late}");
        for _ in 0..(sr as usize * 30) {
            m.process(0.01);
        }
        assert!(m.is_idle());
    }
}
