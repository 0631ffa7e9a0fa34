//! State-variable filter, trapezoidal-integrated form by Andrew Simper (Cytomic, "Solving the
//! continuous SVF equations using trapezoidal integration and equivalent currents", 2013).
//! It stays stable and click-free when its cutoff is modulated every sample, which is why the
//! detectors and the layers use it for swept bands.

use crate::denormal::flush;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SvfMode {
    Lowpass,
    Highpass,
    /// Band-pass normalised to unity gain at the centre frequency.
    Bandpass,
    Notch,
    /// Peaking bell with the given gain in dB.
    Bell(f32),
}

#[derive(Debug, Clone)]
pub struct Svf {
    sample_rate: f32,
    mode: SvfMode,
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    /// Output mix for (input, band, low) so one process routine serves every mode.
    m0: f32,
    m1: f32,
    m2: f32,
    ic1eq: f32,
    ic2eq: f32,
}

impl Svf {
    pub fn new(sample_rate: f32, mode: SvfMode, cutoff_hz: f32, q: f32) -> Self {
        let mut f = Self {
            sample_rate,
            mode,
            k: 1.0,
            a1: 0.0,
            a2: 0.0,
            a3: 0.0,
            m0: 0.0,
            m1: 0.0,
            m2: 0.0,
            ic1eq: 0.0,
            ic2eq: 0.0,
        };
        f.set(mode, cutoff_hz, q);
        f
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
    }

    /// Sets mode, cutoff (clamped below Nyquist) and Q (clamped to [0.05, 100]). Cheap enough to
    /// call per sample (one `tan`), but callers should call it only when a value changes.
    pub fn set(&mut self, mode: SvfMode, cutoff_hz: f32, q: f32) {
        self.mode = mode;
        let fc = cutoff_hz.clamp(1.0, self.sample_rate * 0.49);
        let q = q.clamp(0.05, 100.0);
        let g = (std::f32::consts::PI * fc / self.sample_rate).tan();
        let (k, m0, m1, m2) = match mode {
            SvfMode::Lowpass => (1.0 / q, 0.0, 0.0, 1.0),
            SvfMode::Highpass => (1.0 / q, 1.0, -1.0 / q, -1.0),
            SvfMode::Bandpass => (1.0 / q, 0.0, 1.0 / q, 0.0),
            SvfMode::Notch => (1.0 / q, 1.0, -1.0 / q, 0.0),
            SvfMode::Bell(gain_db) => {
                let a = 10f32.powf(gain_db / 40.0);
                let k = 1.0 / (q * a);
                (k, 1.0, k * (a * a - 1.0), 0.0)
            }
        };
        self.k = k;
        self.a1 = 1.0 / (1.0 + g * (g + k));
        self.a2 = g * self.a1;
        self.a3 = g * self.a2;
        self.m0 = m0;
        self.m1 = m1;
        self.m2 = m2;
    }

    pub fn mode(&self) -> SvfMode {
        self.mode
    }

    pub fn reset(&mut self) {
        self.ic1eq = 0.0;
        self.ic2eq = 0.0;
    }

    #[inline]
    pub fn process(&mut self, v0: f32) -> f32 {
        let v3 = v0 - self.ic2eq;
        let v1 = self.a1 * self.ic1eq + self.a2 * v3;
        let v2 = self.ic2eq + self.a2 * self.ic1eq + self.a3 * v3;
        self.ic1eq = flush(2.0 * v1 - self.ic1eq);
        self.ic2eq = flush(2.0 * v2 - self.ic2eq);
        self.m0 * v0 + self.m1 * v1 + self.m2 * v2
    }

    /// [`Svf::process`] for a filter set to [`SvfMode::Lowpass`], computing only that output
    /// (bit-identical: the generic mix is `0*v0 + 0*v1 + 1*v2`). For hot per-sample loops.
    #[inline]
    pub fn process_lowpass(&mut self, v0: f32) -> f32 {
        debug_assert!(self.mode == SvfMode::Lowpass);
        let v3 = v0 - self.ic2eq;
        let v1 = self.a1 * self.ic1eq + self.a2 * v3;
        let v2 = self.ic2eq + self.a2 * self.ic1eq + self.a3 * v3;
        self.ic1eq = flush(2.0 * v1 - self.ic1eq);
        self.ic2eq = flush(2.0 * v2 - self.ic2eq);
        v2
    }

    /// [`Svf::process`] for a filter set to [`SvfMode::Highpass`] (`v0 - k*v1 - v2`,
    /// bit-identical to the generic mix with `m0 = 1, m1 = -k, m2 = -1`).
    #[inline]
    pub fn process_highpass(&mut self, v0: f32) -> f32 {
        debug_assert!(self.mode == SvfMode::Highpass);
        let v3 = v0 - self.ic2eq;
        let v1 = self.a1 * self.ic1eq + self.a2 * v3;
        let v2 = self.ic2eq + self.a2 * self.ic1eq + self.a3 * v3;
        self.ic1eq = flush(2.0 * v1 - self.ic1eq);
        self.ic2eq = flush(2.0 * v2 - self.ic2eq);
        v0 + self.m1 * v1 - v2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{MINUS_3DB, find_crossing, measure_gain};
    use std::f32::consts::FRAC_1_SQRT_2;

    fn gain(mode: SvfMode, fc: f32, q: f32, f: f32) -> f32 {
        let mut svf = Svf::new(48_000.0, mode, fc, q);
        measure_gain(48_000.0, f, |x| svf.process(x))
    }

    #[test]
    fn butterworth_lowpass_and_highpass_minus_3db_within_1_percent() {
        for fc in [80.0f32, 1_000.0, 12_000.0] {
            let lp = find_crossing(
                |f| gain(SvfMode::Lowpass, fc, FRAC_1_SQRT_2, f),
                MINUS_3DB,
                fc / 3.0,
                (fc * 3.0).min(22_000.0),
                false,
            );
            assert!((lp / fc - 1.0).abs() < 0.01, "LP fc {fc}: {lp}");
            let hp = find_crossing(
                |f| gain(SvfMode::Highpass, fc, FRAC_1_SQRT_2, f),
                MINUS_3DB,
                fc / 3.0,
                (fc * 3.0).min(22_000.0),
                true,
            );
            assert!((hp / fc - 1.0).abs() < 0.01, "HP fc {fc}: {hp}");
        }
    }

    #[test]
    fn bandpass_has_unity_peak_and_bandwidth_fc_over_q() {
        let (fc, q) = (2_000.0f32, 4.0f32);
        assert!((gain(SvfMode::Bandpass, fc, q, fc) - 1.0).abs() < 0.01);
        let lo = find_crossing(
            |f| gain(SvfMode::Bandpass, fc, q, f),
            MINUS_3DB,
            fc / 4.0,
            fc,
            true,
        );
        let hi = find_crossing(
            |f| gain(SvfMode::Bandpass, fc, q, f),
            MINUS_3DB,
            fc,
            fc * 4.0,
            false,
        );
        let bw = hi - lo;
        assert!((bw / (fc / q) - 1.0).abs() < 0.03, "bandwidth {bw}");
    }

    #[test]
    fn bell_reaches_its_gain_at_centre_and_unity_far_away() {
        let g = gain(SvfMode::Bell(6.0), 1_000.0, 1.0, 1_000.0);
        assert!((20.0 * g.log10() - 6.0).abs() < 0.1, "{g}");
        let far = gain(SvfMode::Bell(6.0), 1_000.0, 1.0, 20.0);
        assert!((far - 1.0).abs() < 0.01);
        let notch = gain(SvfMode::Notch, 1_000.0, 1.0, 1_000.0);
        assert!(notch < 0.01);
    }

    #[test]
    fn survives_per_sample_cutoff_sweep() {
        let mut svf = Svf::new(44_100.0, SvfMode::Lowpass, 100.0, 8.0);
        let mut peak = 0.0f32;
        for n in 0..44_100 {
            let fc = 50.0 + 20_000.0 * ((n as f32 / 2_000.0).sin() * 0.5 + 0.5);
            svf.set(SvfMode::Lowpass, fc, 8.0);
            let y = svf.process(if n % 100 == 0 { 1.0 } else { 0.0 });
            assert!(y.is_finite());
            peak = peak.max(y.abs());
        }
        assert!(peak < 20.0, "peak {peak}");
    }
}
