//! The "Body" layer: a tuned sine whose pitch drops from `drop_semitones` above the note to the
//! note in ~30 ms (the pitch glide of a struck, tensioned membrane settling: tom/808 style), with
//! an exponential decay. Phase-continuous and ramped on retrigger, so it never clicks.

use super::layer::{ATTACK_MS, LayerCommon, Strike, t60_coef};
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

#[derive(Debug, Clone)]
pub struct BodyTone {
    sample_rate: f32,
    settings: BodySettings,
    phase: f32,
    freq: f32,
    glide: f32,
    glide_coef: f32,
    env: f32,
    decay: f32,
    target: f32,
    attack_step: f32,
    attacking: bool,
}

impl BodyTone {
    pub fn new(sample_rate: f32, settings: BodySettings) -> Self {
        let mut b = Self {
            sample_rate,
            settings,
            phase: 0.0,
            freq: settings.freq_hz,
            glide: 0.0,
            glide_coef: 0.0,
            env: 0.0,
            decay: 1.0,
            target: 0.0,
            attack_step: 0.0,
            attacking: false,
        };
        b.set_sample_rate(sample_rate);
        b
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.glide_coef = (-1.0 / (DROP_MS * 0.001 * sample_rate)).exp();
        self.reset();
    }

    pub fn reset(&mut self) {
        self.env = 0.0;
        self.attacking = false;
        self.glide = 0.0;
    }

    /// Takes effect at the next strike.
    pub fn set_settings(&mut self, settings: BodySettings) {
        self.settings = settings;
    }

    pub fn strike(&mut self, strike: Strike) {
        let s = &self.settings;
        self.freq = s.freq_hz
            * crate::util::cents_to_ratio(100.0 * s.common.pitch_semitones)
            * strike.pitch_ratio;
        // Glide in octaves above the final pitch, decaying exponentially.
        self.glide = s.drop_semitones.max(0.0) / 12.0;
        self.decay = t60_coef(self.sample_rate, s.common.decay_ms * strike.decay_scale);
        self.target = strike.gain;
        let ramp = (ATTACK_MS * 0.001 * self.sample_rate).max(1.0);
        self.attack_step = (self.target - self.env) / ramp;
        self.attacking = true;
    }

    #[inline]
    pub fn process(&mut self) -> f32 {
        if self.attacking {
            self.env += self.attack_step;
            if (self.attack_step >= 0.0 && self.env >= self.target)
                || (self.attack_step < 0.0 && self.env <= self.target)
            {
                self.env = self.target;
                self.attacking = false;
            }
        } else {
            self.env *= self.decay;
            if self.env < 1.0e-6 {
                self.env = 0.0;
                return 0.0;
            }
        }
        let f = self.freq * 2f32.powf(self.glide);
        self.glide *= self.glide_coef;
        self.phase += f / self.sample_rate;
        self.phase -= self.phase.floor();
        (TAU * self.phase).sin() * self.env
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snare::layer::ATTACK_MS;
    use crate::snare::layer::measure::{decay_ms, max_step, peak_hz};

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
