//! The BS.1770-4 K-weighting pre-filter (a high shelf modelling the head, then the RLB high-pass)
//! built on the shared [`Biquad`], for measuring the loudness of arbitrary stretches (a bar)
//! where the 400 ms momentary window would smear one bar into the next.
//!
//! Coefficients are designed for any sample rate from the analogue prototypes that reproduce the
//! standard's 48 kHz table (the derivation libebur128 uses): shelf f0 = 1681.97 Hz,
//! G = +4.0 dB, Q = 0.7072; high-pass f0 = 38.135 Hz, Q = 0.5003.

use crate::filters::{Biquad, BiquadCoefs};

pub fn shelf_coefs(sample_rate: f64) -> BiquadCoefs {
    let f0 = 1681.974450955533;
    let g = 3.999843853973347;
    let q = 0.7071752369554196;
    let k = (std::f64::consts::PI * f0 / sample_rate).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    BiquadCoefs {
        b0: (vh + vb * k / q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    }
}

pub fn highpass_coefs(sample_rate: f64) -> BiquadCoefs {
    let f0 = 38.13547087602444;
    let q = 0.5003270373238773;
    let k = (std::f64::consts::PI * f0 / sample_rate).tan();
    let a0 = 1.0 + k / q + k * k;
    BiquadCoefs {
        b0: 1.0,
        b1: -2.0,
        b2: 1.0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / q + k * k) / a0,
    }
}

/// One channel's K-weighting filter.
#[derive(Debug, Clone)]
pub struct KWeighting {
    shelf: Biquad,
    highpass: Biquad,
}

impl KWeighting {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            shelf: Biquad::new(shelf_coefs(sample_rate as f64)),
            highpass: Biquad::new(highpass_coefs(sample_rate as f64)),
        }
    }

    pub fn reset(&mut self) {
        self.shelf.reset();
        self.highpass.reset();
    }

    #[inline]
    pub fn process(&mut self, x: f32) -> f64 {
        self.highpass.process_f64(self.shelf.process_f64(x as f64))
    }

    /// Sum of the K-weighted squares of a block (the BS.1770 energy before dividing by the
    /// length). Runs both sections in one pass with their state in registers; denormals and
    /// non-finite state are handled once per block, not per sample (see [`KState::settle`]).
    pub fn block_energy(&mut self, x: &[f32]) -> f64 {
        let (s, h) = (self.shelf.coefs, self.highpass.coefs);
        let mut st = KState::load(self);
        let mut sum = 0.0f64;
        for &v in x {
            sum += st.step(&s, &h, v as f64);
        }
        st.settle(self, &mut sum);
        sum
    }

    /// [`block_energy`](Self::block_energy) for two channels at once: their filters run in
    /// the same loop so the two recursions (each a chain of dependent multiply-adds, which is
    /// what bounds a biquad's speed) overlap in the CPU's pipelines.
    pub fn block_energy_pair(a: &mut Self, b: &mut Self, xa: &[f32], xb: &[f32]) -> (f64, f64) {
        let (s, h) = (a.shelf.coefs, a.highpass.coefs);
        let (mut sa, mut sb) = (KState::load(a), KState::load(b));
        let (mut ea, mut eb) = (0.0f64, 0.0f64);
        for (&va, &vb) in xa.iter().zip(xb) {
            ea += sa.step(&s, &h, va as f64);
            eb += sb.step(&s, &h, vb as f64);
        }
        sa.settle(a, &mut ea);
        sb.settle(b, &mut eb);
        (ea, eb)
    }
}

/// Both sections' transposed-direct-form-II state, held in locals during a block.
#[derive(Clone, Copy)]
struct KState([f64; 4]);

impl KState {
    fn load(k: &KWeighting) -> Self {
        let (a, b) = k.shelf.state();
        let (c, d) = k.highpass.state();
        Self([a, b, c, d])
    }

    #[inline(always)]
    fn step(&mut self, s: &BiquadCoefs, h: &BiquadCoefs, x: f64) -> f64 {
        let st = &mut self.0;
        let y = s.b0 * x + st[0];
        st[0] = s.b1 * x - s.a1 * y + st[1];
        st[1] = s.b2 * x - s.a2 * y;
        let z = h.b0 * y + st[2];
        st[2] = h.b1 * y - h.a1 * z + st[3];
        st[3] = h.b2 * y - h.a2 * z;
        z * z
    }

    /// Stores the state back. Values below 1e-30 become 0 (silence after sound decays to
    /// zero instead of through denormals), and a non-finite state (a NaN or inf reached the
    /// filter) is cleared, with the block's energy counted as 0, so one bad sample cannot
    /// poison the meter forever.
    fn settle(self, k: &mut KWeighting, energy: &mut f64) {
        let st = self.0.map(|v| if v.abs() < 1e-30 { 0.0 } else { v });
        if st.iter().all(|v| v.is_finite()) && energy.is_finite() {
            k.shelf.set_state(st[0], st[1]);
            k.highpass.set_state(st[2], st[3]);
        } else {
            k.reset();
            *energy = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_bs1770_table_at_48k() {
        let s = shelf_coefs(48_000.0);
        let h = highpass_coefs(48_000.0);
        let table_s = [
            1.53512485958697,
            -2.69169618940638,
            1.19839281085285,
            -1.69065929318241,
            0.73248077421585,
        ];
        let table_h = [1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621];
        for (c, t) in [s.b0, s.b1, s.b2, s.a1, s.a2].iter().zip(table_s) {
            assert!((c - t).abs() < 1e-8, "{c} vs {t}");
        }
        for (c, t) in [h.b0, h.b1, h.b2, h.a1, h.a2].iter().zip(table_h) {
            assert!((c - t).abs() < 1e-8, "{c} vs {t}");
        }
    }

    #[test]
    fn gain_at_1khz_and_in_the_treble() {
        for sr in [44_100.0f32, 48_000.0, 96_000.0] {
            let mut k = KWeighting::new(sr);
            let g1k = crate::test_util::measure_gain(sr, 1_000.0, |x| k.process(x) as f32);
            let mut k = KWeighting::new(sr);
            let g10k = crate::test_util::measure_gain(sr, 10_000.0, |x| k.process(x) as f32);
            // +0.69 dB at 1 kHz (why BS.1770 subtracts 0.691), about +4 dB in the treble.
            assert!((20.0 * g1k.log10() - 0.69).abs() < 0.03, "{sr}: {g1k}");
            assert!((20.0 * g10k.log10() - 4.0).abs() < 0.2, "{sr}: {g10k}");
        }
    }
}
