//! One-pole lowpass / highpass in the topology-preserving (trapezoidal) form of Zavalishin,
//! "The Art of VA Filter Design" §3.10: `g = tan(pi fc / fs)`, so the -3 dB point is exactly at
//! `fc` at every sample rate (the naive `exp(-2 pi fc/fs)` pole drifts near Nyquist).

use crate::denormal::flush;

#[derive(Debug, Clone)]
pub struct OnePoleLowpass {
    sample_rate: f32,
    g_over_1g: f32,
    state: f32,
}

impl OnePoleLowpass {
    pub fn new(sample_rate: f32, cutoff_hz: f32) -> Self {
        let mut f = Self {
            sample_rate,
            g_over_1g: 0.0,
            state: 0.0,
        };
        f.set_cutoff(cutoff_hz);
        f
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32, cutoff_hz: f32) {
        self.sample_rate = sample_rate;
        self.set_cutoff(cutoff_hz);
    }

    /// Cutoff is clamped below Nyquist.
    pub fn set_cutoff(&mut self, cutoff_hz: f32) {
        let fc = cutoff_hz.clamp(1.0, self.sample_rate * 0.49);
        let g = (std::f32::consts::PI * fc / self.sample_rate).tan();
        self.g_over_1g = g / (1.0 + g);
    }

    pub fn reset(&mut self) {
        self.state = 0.0;
    }

    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let v = (x - self.state) * self.g_over_1g;
        let y = v + self.state;
        self.state = flush(y + v);
        y
    }
}

/// One-pole highpass: the input minus the lowpass of the same cutoff (same -3 dB point).
#[derive(Debug, Clone)]
pub struct OnePoleHighpass {
    lowpass: OnePoleLowpass,
}

impl OnePoleHighpass {
    pub fn new(sample_rate: f32, cutoff_hz: f32) -> Self {
        Self {
            lowpass: OnePoleLowpass::new(sample_rate, cutoff_hz),
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32, cutoff_hz: f32) {
        self.lowpass.set_sample_rate(sample_rate, cutoff_hz);
    }

    pub fn set_cutoff(&mut self, cutoff_hz: f32) {
        self.lowpass.set_cutoff(cutoff_hz);
    }

    pub fn reset(&mut self) {
        self.lowpass.reset();
    }

    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        x - self.lowpass.process(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{MINUS_3DB, find_crossing, measure_gain};

    #[test]
    fn lowpass_minus_3db_point_within_1_percent() {
        for sr in [44_100.0f32, 48_000.0, 96_000.0] {
            for fc in [100.0f32, 1_000.0, 8_000.0] {
                let f3 = find_crossing(
                    |f| {
                        let mut lp = OnePoleLowpass::new(sr, fc);
                        measure_gain(sr, f, |x| lp.process(x))
                    },
                    MINUS_3DB,
                    fc / 4.0,
                    (fc * 4.0).min(sr * 0.45),
                    false,
                );
                assert!(
                    (f3 / fc - 1.0).abs() < 0.01,
                    "sr {sr} fc {fc}: measured {f3}"
                );
            }
        }
    }

    #[test]
    fn highpass_minus_3db_point_within_1_percent() {
        let sr = 48_000.0;
        for fc in [30.0f32, 500.0, 5_000.0] {
            let f3 = find_crossing(
                |f| {
                    let mut hp = OnePoleHighpass::new(sr, fc);
                    measure_gain(sr, f, |x| hp.process(x))
                },
                MINUS_3DB,
                fc / 4.0,
                fc * 4.0,
                true,
            );
            assert!((f3 / fc - 1.0).abs() < 0.01, "fc {fc}: measured {f3}");
        }
    }

    #[test]
    fn lowpass_passes_dc_and_highpass_blocks_it() {
        let mut lp = OnePoleLowpass::new(48_000.0, 200.0);
        let mut hp = OnePoleHighpass::new(48_000.0, 200.0);
        let (mut l, mut h) = (0.0, 0.0);
        for _ in 0..48_000 {
            l = lp.process(1.0);
            h = hp.process(1.0);
        }
        assert!((l - 1.0).abs() < 1e-4);
        assert!(h.abs() < 1e-4);
    }
}
