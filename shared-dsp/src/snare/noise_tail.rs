//! The "Tail" layer: gritty filtered noise for the snare-wire rattle a sample lacks.
//! White noise through a 4-pole band-pass (two 2-pole SVFs, tone), shaped by an exponential decay, then "grit":
//! a sample-and-hold rate reduction (aliasing crunch) and tanh saturation, both growing with
//! `grit`. Retrigger ramps from the current level to the new one in 0.3 ms (no click).

use super::layer::{ATTACK_MS, LayerCommon, Strike, t60_coef};
use crate::filters::{Svf, SvfMode};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TailSettings {
    pub common: LayerCommon,
    /// Centre of the noise band before pitch, Hz.
    pub tone_hz: f32,
    /// 0 (clean) .. 1 (hard saturation, rate reduced to 1/12).
    pub grit: f32,
}

impl Default for TailSettings {
    fn default() -> Self {
        Self {
            common: LayerCommon::new(true, -12.0, 250.0),
            tone_hz: 4_000.0,
            grit: 0.3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NoiseTail {
    sample_rate: f32,
    settings: TailSettings,
    band: [Svf; 2],
    rng: Rng,
    env: f32,
    decay: f32,
    target: f32,
    attack_step: f32,
    attacking: bool,
    held: f32,
    hold_count: u32,
    hold_len: u32,
    drive: f32,
}

impl NoiseTail {
    pub fn new(sample_rate: f32, settings: TailSettings) -> Self {
        Self {
            sample_rate,
            settings,
            band: [
                Svf::new(sample_rate, SvfMode::Bandpass, settings.tone_hz, 0.9),
                Svf::new(sample_rate, SvfMode::Bandpass, settings.tone_hz, 0.9),
            ],
            rng: Rng::new(0x7A11),
            env: 0.0,
            decay: 1.0,
            target: 0.0,
            attack_step: 0.0,
            attacking: false,
            held: 0.0,
            hold_count: 0,
            hold_len: 1,
            drive: 1.0,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        for f in &mut self.band {
            f.set_sample_rate(sample_rate);
        }
        self.reset();
    }

    pub fn reset(&mut self) {
        for f in &mut self.band {
            f.reset();
        }
        self.env = 0.0;
        self.attacking = false;
        self.held = 0.0;
        self.hold_count = 0;
    }

    /// Takes effect at the next strike.
    pub fn set_settings(&mut self, settings: TailSettings) {
        self.settings = settings;
    }

    pub fn strike(&mut self, strike: Strike) {
        let s = &self.settings;
        let tone = s.tone_hz
            * crate::util::cents_to_ratio(100.0 * s.common.pitch_semitones)
            * strike.pitch_ratio;
        for f in &mut self.band {
            f.set(SvfMode::Bandpass, tone, 0.9);
        }
        self.decay = t60_coef(self.sample_rate, s.common.decay_ms * strike.decay_scale);
        let grit = s.grit.clamp(0.0, 1.0);
        self.hold_len = 1 + (grit * grit * 11.0).round() as u32;
        self.drive = 1.0 + 8.0 * grit;
        // The band-pass passes a fraction of white noise's power: make up for it.
        self.target = strike.gain * 4.0;
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
            }
        }
        if self.env == 0.0 && !self.attacking {
            return 0.0;
        }
        let first = self.band[0].process(self.rng.bipolar());
        let noise = self.band[1].process(first);
        // Sample-and-hold rate reduction.
        if self.hold_count == 0 {
            self.held = noise;
        }
        self.hold_count = (self.hold_count + 1) % self.hold_len;
        let x = self.held * self.env;
        // Saturation blended in with grit (clean at 0), gain-compensated so grit changes colour
        // more than level.
        let grit = self.settings.grit.clamp(0.0, 1.0);
        x + grit * ((self.drive * x).tanh() / self.drive.sqrt() - x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snare::layer::measure::{centroid_hz, decay_ms, max_step};

    fn render(settings: TailSettings, len: usize) -> Vec<f32> {
        let mut t = NoiseTail::new(48_000.0, settings);
        t.strike(Strike::UNIT);
        (0..len).map(|_| t.process()).collect()
    }

    #[test]
    fn decay_matches_setting() {
        for decay in [100.0f32, 400.0] {
            let mut s = TailSettings {
                grit: 0.0,
                ..TailSettings::default()
            };
            s.common.decay_ms = decay;
            let x = render(s, 48_000);
            let t60 = decay_ms(&x, 48_000.0, 30.0) * 2.0;
            assert!((t60 / decay - 1.0).abs() < 0.15, "{decay}: {t60}");
        }
    }

    #[test]
    fn tone_moves_the_centroid_and_grit_adds_highs() {
        let sr = 48_000.0;
        let low = TailSettings {
            tone_hz: 1_500.0,
            grit: 0.0,
            ..TailSettings::default()
        };
        let mut high = low;
        high.tone_hz = 6_000.0;
        let c_low = centroid_hz(&render(low, 8192), sr);
        let c_high = centroid_hz(&render(high, 8192), sr);
        assert!(c_high > 1.5 * c_low, "{c_low} {c_high}");
        let mut gritty = low;
        gritty.grit = 1.0;
        let c_grit = centroid_hz(&render(gritty, 8192), sr);
        assert!(c_grit > 1.2 * c_low, "{c_low} {c_grit}");
    }

    #[test]
    fn retrigger_ramps_instead_of_jumping() {
        let s = TailSettings {
            grit: 0.0,
            ..TailSettings::default()
        };
        let mut t = NoiseTail::new(48_000.0, s);
        t.strike(Strike::UNIT);
        let first: Vec<f32> = (0..2_000).map(|_| t.process()).collect();
        t.strike(Strike::UNIT);
        let second: Vec<f32> = (0..200).map(|_| t.process()).collect();
        assert!(max_step(&second) <= 1.2 * max_step(&first[..200]));
    }
}
