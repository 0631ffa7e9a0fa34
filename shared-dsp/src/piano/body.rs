//! Soundboard and case: a parallel bank of resonant band-passes added to the string sound, the
//! classic cheap body model (a few strong low modes of the soundboard and case; Bank et al. 2003
//! use a similar modal/filter body). The key and hammer knock drives the same modes, which is
//! what makes the knock sound wooden.

use crate::filters::BiquadCoefs;

/// (frequency Hz, Q, gain) of the body modes: a soundboard's low modes cluster around
/// 100-600 Hz; the case adds a little boxy midrange.
const MODES: [(f64, f64, f32); 5] = [
    (98.0, 3.5, 0.55),
    (182.0, 4.5, 0.4),
    (341.0, 5.0, 0.3),
    (612.0, 4.0, 0.2),
    (1_180.0, 3.0, 0.12),
];
/// Modes rounded up to whole SIMD registers (the padding mode is silent).
const LANES: usize = 6;

/// The modes as a structure of arrays: RBJ band-passes (b1 = 0) in transposed direct form II,
/// in f64 because the lowest mode's poles sit very close to the unit circle at high sample
/// rates. Updating all modes side by side lets the compiler use SIMD across them.
#[derive(Debug, Clone)]
pub struct SoundboardBody {
    b0: [f64; LANES],
    b2: [f64; LANES],
    a1: [f64; LANES],
    a2: [f64; LANES],
    gain: [f32; LANES],
    s1: [f64; LANES],
    s2: [f64; LANES],
}

impl SoundboardBody {
    pub fn new(sample_rate: f32) -> Self {
        let mut body = Self {
            b0: [0.0; LANES],
            b2: [0.0; LANES],
            a1: [0.0; LANES],
            a2: [0.0; LANES],
            gain: [0.0; LANES],
            s1: [0.0; LANES],
            s2: [0.0; LANES],
        };
        for (m, &(f, q, g)) in MODES.iter().enumerate() {
            let c = BiquadCoefs::bandpass(sample_rate as f64, f, q);
            debug_assert_eq!(c.b1, 0.0);
            body.b0[m] = c.b0;
            body.b2[m] = c.b2;
            body.a1[m] = c.a1;
            body.a2[m] = c.a2;
            body.gain[m] = g;
        }
        body
    }

    pub fn reset(&mut self) {
        self.s1 = [0.0; LANES];
        self.s2 = [0.0; LANES];
    }

    /// Returns the strings plus the body's response to strings and `knock`. One soundboard
    /// radiates the body modes: they are driven by the mid signal and added to both sides.
    #[inline]
    pub fn process(&mut self, left: f32, right: f32, knock: f32) -> (f32, f32) {
        let body = self.tick(0.5 * (left + right) + knock);
        self.flush_states();
        (left + body, right + body)
    }

    /// [`process`](Self::process) over blocks, in place: adds the body to `left` and `right`.
    #[inline(always)]
    pub fn process_block(&mut self, left: &mut [f32], right: &mut [f32], knock: &[f32]) {
        for ((l, r), &k) in left.iter_mut().zip(right.iter_mut()).zip(knock) {
            let body = self.tick(0.5 * (*l + *r) + k);
            *l += body;
            *r += body;
        }
        self.flush_states();
    }

    // One index across six parallel arrays reads clearer than a five-way zip.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn tick(&mut self, drive: f32) -> f32 {
        let x = drive as f64;
        let mut y = [0.0f32; LANES];
        for m in 0..LANES {
            let ym = self.b0[m] * x + self.s1[m];
            self.s1[m] = self.s2[m] - self.a1[m] * ym;
            self.s2[m] = self.b2[m] * x - self.a2[m] * ym;
            y[m] = ym as f32 * self.gain[m];
        }
        let mut body = 0.0;
        for ym in y {
            body += ym;
        }
        body
    }

    /// Snaps ringing-out states to zero once per block: no subnormals, no per-sample branch
    /// (even the fastest mode at 8 kHz needs thousands of samples to decay from 1e-30 into
    /// f64's subnormal range, so once per block is plenty).
    fn flush_states(&mut self) {
        for s in self.s1.iter_mut().chain(self.s2.iter_mut()) {
            if s.abs() < 1e-30 {
                *s = 0.0;
            }
        }
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
