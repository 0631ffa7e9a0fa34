//! Second-order IIR section in transposed direct form II, with designs from Robert
//! Bristow-Johnson's "Audio EQ Cookbook". Used where exact coefficients matter (loudness
//! K-weighting, fixed detector bands); swept filters use [`super::Svf`].

use std::f64::consts::PI;

/// Normalised coefficients (a0 = 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiquadCoefs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoefs {
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    fn normalise(b: [f64; 3], a: [f64; 3]) -> Self {
        Self {
            b0: b[0] / a[0],
            b1: b[1] / a[0],
            b2: b[2] / a[0],
            a1: a[1] / a[0],
            a2: a[2] / a[0],
        }
    }

    fn w0_alpha(sample_rate: f64, freq_hz: f64, q: f64) -> (f64, f64, f64) {
        let w0 = 2.0 * PI * freq_hz.clamp(1.0, sample_rate * 0.49) / sample_rate;
        (w0.cos(), w0.sin(), w0.sin() / (2.0 * q.max(0.01)))
    }

    pub fn lowpass(sample_rate: f64, freq_hz: f64, q: f64) -> Self {
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        Self::normalise(
            [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0],
            [1.0 + al, -2.0 * c, 1.0 - al],
        )
    }

    pub fn highpass(sample_rate: f64, freq_hz: f64, q: f64) -> Self {
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        Self::normalise(
            [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0],
            [1.0 + al, -2.0 * c, 1.0 - al],
        )
    }

    /// Band-pass with 0 dB peak gain.
    pub fn bandpass(sample_rate: f64, freq_hz: f64, q: f64) -> Self {
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        Self::normalise([al, 0.0, -al], [1.0 + al, -2.0 * c, 1.0 - al])
    }

    pub fn peaking(sample_rate: f64, freq_hz: f64, q: f64, gain_db: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        Self::normalise(
            [1.0 + al * a, -2.0 * c, 1.0 - al * a],
            [1.0 + al / a, -2.0 * c, 1.0 - al / a],
        )
    }

    pub fn high_shelf(sample_rate: f64, freq_hz: f64, q: f64, gain_db: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        let sa = 2.0 * a.sqrt() * al;
        Self::normalise(
            [
                a * ((a + 1.0) + (a - 1.0) * c + sa),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * c),
                a * ((a + 1.0) + (a - 1.0) * c - sa),
            ],
            [
                (a + 1.0) - (a - 1.0) * c + sa,
                2.0 * ((a - 1.0) - (a + 1.0) * c),
                (a + 1.0) - (a - 1.0) * c - sa,
            ],
        )
    }

    pub fn low_shelf(sample_rate: f64, freq_hz: f64, q: f64, gain_db: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let (c, _, al) = Self::w0_alpha(sample_rate, freq_hz, q);
        let sa = 2.0 * a.sqrt() * al;
        Self::normalise(
            [
                a * ((a + 1.0) - (a - 1.0) * c + sa),
                2.0 * a * ((a - 1.0) - (a + 1.0) * c),
                a * ((a + 1.0) - (a - 1.0) * c - sa),
            ],
            [
                (a + 1.0) + (a - 1.0) * c + sa,
                -2.0 * ((a - 1.0) + (a + 1.0) * c),
                (a + 1.0) + (a - 1.0) * c - sa,
            ],
        )
    }

    /// Magnitude response at `freq_hz`, evaluated analytically from the coefficients.
    pub fn magnitude(&self, sample_rate: f64, freq_hz: f64) -> f64 {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let nr = self.b0 + self.b1 * c1 + self.b2 * c2;
        let ni = -(self.b1 * s1 + self.b2 * s2);
        let dr = 1.0 + self.a1 * c1 + self.a2 * c2;
        let di = -(self.a1 * s1 + self.a2 * s2);
        ((nr * nr + ni * ni) / (dr * dr + di * di)).sqrt()
    }
}

/// A biquad with its state. State is kept in f64: loudness K-weighting at 192 kHz puts poles
/// very close to the unit circle, where f32 state loses accuracy.
#[derive(Debug, Clone)]
pub struct Biquad {
    pub coefs: BiquadCoefs,
    s1: f64,
    s2: f64,
}

impl Default for Biquad {
    fn default() -> Self {
        Self::new(BiquadCoefs::IDENTITY)
    }
}

impl Biquad {
    pub fn new(coefs: BiquadCoefs) -> Self {
        Self {
            coefs,
            s1: 0.0,
            s2: 0.0,
        }
    }

    pub fn set_coefs(&mut self, coefs: BiquadCoefs) {
        self.coefs = coefs;
    }

    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    /// The two state variables (for block loops that keep them in registers).
    pub fn state(&self) -> (f64, f64) {
        (self.s1, self.s2)
    }

    pub fn set_state(&mut self, s1: f64, s2: f64) {
        self.s1 = s1;
        self.s2 = s2;
    }

    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        self.process_f64(x as f64) as f32
    }

    #[inline]
    pub fn process_f64(&mut self, x: f64) -> f64 {
        let c = &self.coefs;
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        if self.s1.abs() < 1e-30 {
            self.s1 = 0.0;
        }
        if self.s2.abs() < 1e-30 {
            self.s2 = 0.0;
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{MINUS_3DB, find_crossing, measure_gain};
    use std::f64::consts::FRAC_1_SQRT_2;

    #[test]
    fn lowpass_and_highpass_minus_3db_within_1_percent() {
        let sr = 44_100.0;
        for fc in [60.0f32, 700.0, 9_000.0] {
            let lp = find_crossing(
                |f| {
                    let mut bq =
                        Biquad::new(BiquadCoefs::lowpass(sr as f64, fc as f64, FRAC_1_SQRT_2));
                    measure_gain(sr, f, |x| bq.process(x))
                },
                MINUS_3DB,
                fc / 3.0,
                fc * 2.0,
                false,
            );
            assert!((lp / fc - 1.0).abs() < 0.01, "LP {fc}: {lp}");
            let hp = find_crossing(
                |f| {
                    let mut bq =
                        Biquad::new(BiquadCoefs::highpass(sr as f64, fc as f64, FRAC_1_SQRT_2));
                    measure_gain(sr, f, |x| bq.process(x))
                },
                MINUS_3DB,
                fc / 2.0,
                fc * 3.0,
                true,
            );
            assert!((hp / fc - 1.0).abs() < 0.01, "HP {fc}: {hp}");
        }
    }

    #[test]
    fn measured_response_matches_analytic_magnitude() {
        let sr = 48_000.0;
        let coefs = BiquadCoefs::high_shelf(sr, 1_500.0, FRAC_1_SQRT_2, 4.0);
        for f in [100.0, 1_500.0, 10_000.0] {
            let mut bq = Biquad::new(coefs);
            let measured = measure_gain(sr as f32, f as f32, |x| bq.process(x)) as f64;
            assert!((measured / coefs.magnitude(sr, f) - 1.0).abs() < 0.005);
        }
        assert!((20.0 * coefs.magnitude(sr, 20_000.0).log10() - 4.0).abs() < 0.1);
        let peak = BiquadCoefs::peaking(sr, 1_000.0, 2.0, -9.0);
        assert!((20.0 * peak.magnitude(sr, 1_000.0).log10() + 9.0).abs() < 1e-6);
        let ls = BiquadCoefs::low_shelf(sr, 200.0, FRAC_1_SQRT_2, 6.0);
        assert!((20.0 * ls.magnitude(sr, 10.0).log10() - 6.0).abs() < 0.1);
    }
}
