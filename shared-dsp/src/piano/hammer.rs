//! The hammer: the force pulse a felt hammer puts into the string during contact.
//!
//! A felt hammer is a nonlinear spring (Hall 1986, Chaigne & Askenfelt 1994): the harder it is
//! struck, the stiffer the felt and the shorter the contact, so the force pulse is shorter and its
//! spectrum reaches higher. We model the pulse as an impulse through two one-pole lowpasses
//! (a gamma pulse `t e^{-t/T}`): its spectrum falls at 12 dB/octave above a cutoff with no
//! zeros, so no partial is accidentally missing, and its DC gain is 1, so a resonator driven by
//! it rings with amplitude `gain * |H(f)|`. Feeding the pulse (instead of setting initial
//! resonator states) also gives every strike a natural, click-free attack.

/// Hammer cutoff in Hz for `key` struck at `velocity` in [0, 1]. Treble hammers are smaller
/// and harder; velocity stiffens the felt. `hardness` scales it (felt, wear and soft pedal make
/// it softer, < 1).
pub fn hammer_cutoff_hz(key: u8, velocity: f32, hardness: f32) -> f32 {
    let v = velocity.clamp(0.0, 1.0);
    let register = 2f32.powf((key as f32 - 60.0) / 30.0);
    330.0 * register * (1.0 + 11.0 * v * v) * hardness.clamp(0.05, 2.0)
}

/// Loudness of a strike relative to full velocity: a real piano spans about 30-40 dB from pp to
/// ff; we keep ~30 dB so the softest notes stay usable in a mix.
pub fn velocity_gain(velocity: f32) -> f32 {
    (0.06 + 0.94 * velocity.clamp(0.0, 1.0)).powf(1.8)
}

#[derive(Debug, Clone, Default)]
pub struct HammerPulse {
    coef: f32,
    pending: f32,
    s1: f32,
    s2: f32,
    samples_left: u32,
}

impl HammerPulse {
    /// Starts a pulse of unit area (times `gain`) with the given cutoff.
    pub fn strike(&mut self, sample_rate: f32, cutoff_hz: f32, gain: f32) {
        let fc = cutoff_hz.clamp(20.0, sample_rate * 0.45);
        self.coef = 1.0 - (-std::f32::consts::TAU * fc / sample_rate).exp();
        self.pending = gain;
        self.s1 = 0.0;
        self.s2 = 0.0;
        // The tail `t e^{-a t}` is below 1e-6 of its peak after about 20 time constants.
        self.samples_left = (20.0 / self.coef).ceil() as u32 + 2;
    }

    pub fn is_active(&self) -> bool {
        self.samples_left > 0
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    #[inline]
    pub fn next_sample(&mut self) -> f32 {
        if self.samples_left == 0 {
            return 0.0;
        }
        self.samples_left -= 1;
        let x = self.pending;
        self.pending = 0.0;
        self.s1 += self.coef * (x - self.s1);
        self.s2 += self.coef * (self.s1 - self.s2);
        if self.samples_left == 0 {
            self.s1 = 0.0;
            self.s2 = 0.0;
        }
        self.s2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_has_unit_area_and_ends() {
        let mut h = HammerPulse::default();
        h.strike(48_000.0, 800.0, 1.0);
        let mut sum = 0.0;
        let mut n = 0;
        while h.is_active() {
            sum += h.next_sample();
            n += 1;
        }
        assert!((sum - 1.0).abs() < 1e-3, "area {sum}");
        assert!(n < 48_000 / 100, "contact {n} samples");
        assert_eq!(h.next_sample(), 0.0);
    }

    #[test]
    fn harder_strikes_are_brighter_and_louder() {
        assert!(hammer_cutoff_hz(60, 1.0, 1.0) > 4.0 * hammer_cutoff_hz(60, 0.2, 1.0));
        assert!(velocity_gain(1.0) > 10.0 * velocity_gain(0.1));
        assert!(hammer_cutoff_hz(96, 0.5, 1.0) > hammer_cutoff_hz(36, 0.5, 1.0));
    }
}
