//! Soundboard and case: a parallel bank of resonant band-passes added to the string sound, the
//! classic cheap body model (a few strong low modes of the soundboard and case; Bank et al. 2003
//! use a similar modal/filter body). The key and hammer knock drives the same modes, which is
//! what makes the knock sound wooden.

use crate::filters::{Biquad, BiquadCoefs};

/// (frequency Hz, Q, gain) of the body modes: a soundboard's low modes cluster around
/// 100-600 Hz; the case adds a little boxy midrange.
const MODES: [(f64, f64, f32); 5] = [
    (98.0, 3.5, 0.55),
    (182.0, 4.5, 0.4),
    (341.0, 5.0, 0.3),
    (612.0, 4.0, 0.2),
    (1_180.0, 3.0, 0.12),
];

#[derive(Debug, Clone)]
pub struct SoundboardBody {
    modes: [Biquad; MODES.len()],
}

impl SoundboardBody {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            modes: MODES
                .map(|(f, q, _)| Biquad::new(BiquadCoefs::bandpass(sample_rate as f64, f, q))),
        }
    }

    pub fn reset(&mut self) {
        self.modes.iter_mut().for_each(Biquad::reset);
    }

    /// Returns the strings plus the body's response to strings and `knock`. One soundboard
    /// radiates the body modes: they are driven by the mid signal and added to both sides.
    #[inline]
    pub fn process(&mut self, left: f32, right: f32, knock: f32) -> (f32, f32) {
        let drive = 0.5 * (left + right) + knock;
        let mut body = 0.0;
        for (m, (_, _, g)) in self.modes.iter_mut().zip(MODES) {
            body += g * m.process(drive);
        }
        (left + body, right + body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::measure_gain;

    #[test]
    fn body_boosts_its_modes_and_passes_the_treble() {
        let sr = 48_000.0;
        let gain_at = |f: f32| {
            let mut b = SoundboardBody::new(sr);
            measure_gain(sr, f, |x| b.process(x, x, 0.0).0)
        };
        assert!(gain_at(98.0) > 1.4, "{}", gain_at(98.0));
        assert!((gain_at(8_000.0) - 1.0).abs() < 0.05);
    }
}
