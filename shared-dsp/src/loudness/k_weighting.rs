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
