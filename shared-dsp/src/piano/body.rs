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
/// Modes rounded up to one 8-wide SIMD register (the padding modes are silent).
const LANES: usize = 8;
/// Samples per call of the block loop (the engine's control block).
const RUN: usize = 32;

/// The modes as complex one-pole resonators (structure of arrays), the partial-fraction form of
/// the RBJ band-passes: each band-pass `(b0 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)` is
/// `d + R / (1 - p z^-1) + conj(R) / (1 - conj(p) z^-1)` with `d = b2 / a2`, the pole `p` and
/// residue `R = (b0 + b2 / p^2) / (1 - conj(p) / p)`, so each mode is `s <- p s + x` and adds
/// `2 Re(R s)`. The poles are rotations, exact in f32 even where they sit very close to the unit
/// circle (the lowest mode at high sample rates), which the direct form needed f64 for; the
/// coefficients are derived in f64. All modes update side by side in one register.
#[derive(Debug, Clone)]
pub struct SoundboardBody {
    pole_re: [f32; LANES],
    pole_im: [f32; LANES],
    /// `2 gain R`, so the output is `out_re * s_re - out_im * s_im`.
    out_re: [f32; LANES],
    out_im: [f32; LANES],
    /// The band-passes' direct terms `gain d`, summed.
    direct: f32,
    s_re: [f32; LANES],
    s_im: [f32; LANES],
}

impl SoundboardBody {
    pub fn new(sample_rate: f32) -> Self {
        let mut body = Self {
            pole_re: [0.0; LANES],
            pole_im: [0.0; LANES],
            out_re: [0.0; LANES],
            out_im: [0.0; LANES],
            direct: 0.0,
            s_re: [0.0; LANES],
            s_im: [0.0; LANES],
        };
        let mut direct = 0.0f64;
        for (m, &(f, q, g)) in MODES.iter().enumerate() {
            let c = BiquadCoefs::bandpass(sample_rate as f64, f, q);
            debug_assert_eq!(c.b1, 0.0);
            // Poles of z^2 + a1 z + a2 (complex for these resonant modes).
            let p = (-0.5 * c.a1, (c.a2 - 0.25 * c.a1 * c.a1).max(0.0).sqrt());
            let mul = |a: (f64, f64), b: (f64, f64)| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
            let div = |a: (f64, f64), b: (f64, f64)| {
                let d = b.0 * b.0 + b.1 * b.1;
                ((a.0 * b.0 + a.1 * b.1) / d, (a.1 * b.0 - a.0 * b.1) / d)
            };
            let p2 = mul(p, p);
            let b2_over_p2 = div((c.b2, 0.0), p2);
            let numerator = (c.b0 + b2_over_p2.0, b2_over_p2.1);
            let conj_over_p = div((p.0, -p.1), p);
            let r = div(numerator, (1.0 - conj_over_p.0, -conj_over_p.1));
            let g = g as f64;
            body.pole_re[m] = p.0 as f32;
            body.pole_im[m] = p.1 as f32;
            body.out_re[m] = (2.0 * g * r.0) as f32;
            body.out_im[m] = (2.0 * g * r.1) as f32;
            direct += g * c.b2 / c.a2;
        }
        body.direct = direct as f32;
        body
    }

    pub fn reset(&mut self) {
        self.s_re = [0.0; LANES];
        self.s_im = [0.0; LANES];
    }

    /// Returns the strings plus the body's response to strings and `knock`. One soundboard
    /// radiates the body modes: they are driven by the mid signal and added to both sides.
    #[inline]
    pub fn process(&mut self, left: f32, right: f32, knock: f32) -> (f32, f32) {
        let mut l = [left];
        let mut r = [right];
        self.process_block(&mut l, &mut r, &[knock]);
        (l[0], r[0])
    }

    /// [`process`](Self::process) over blocks, in place: adds the body to `left` and `right`.
    /// Uses `min(left.len(), right.len(), knock.len())` samples.
    #[inline(always)]
    pub fn process_block(&mut self, left: &mut [f32], right: &mut [f32], knock: &[f32]) {
        let n = left.len().min(right.len()).min(knock.len());
        let mut done = 0;
        while done < n {
            let len = (n - done).min(RUN);
            let range = done..done + len;
            self.process_run(
                &mut left[range.clone()],
                &mut right[range.clone()],
                &knock[range],
            );
            done += len;
        }
    }

    /// Up to [`RUN`] samples: the modes sample by sample into per-lane outputs, then their sums
    /// eight samples at a time ([`super::voice::sum_lanes`]).
    #[inline(always)]
    fn process_run(&mut self, left: &mut [f32], right: &mut [f32], knock: &[f32]) {
        let n = left.len();
        let mut drive = [0.0f32; RUN];
        for ((d, (&l, &r)), &k) in drive
            .iter_mut()
            .zip(left.iter().zip(right.iter()))
            .zip(knock)
        {
            *d = 0.5 * (l + r) + k;
        }
        let mut lanes = [[0.0f32; LANES]; RUN];
        let (mut sr, mut si) = (self.s_re, self.s_im);
        for (lane, &x) in lanes.iter_mut().zip(&drive).take(n) {
            for m in 0..LANES {
                let re = self.pole_re[m] * sr[m] - self.pole_im[m] * si[m] + x;
                si[m] = self.pole_im[m] * sr[m] + self.pole_re[m] * si[m];
                sr[m] = re;
                lane[m] = self.out_re[m] * sr[m] - self.out_im[m] * si[m];
            }
        }
        // Ringing-out states snap to zero once per run: no subnormals, no per-sample branch.
        for s in sr.iter_mut().chain(si.iter_mut()) {
            if s.abs() < 1e-30 {
                *s = 0.0;
            }
        }
        (self.s_re, self.s_im) = (sr, si);
        let mut body = [0.0f32; RUN];
        super::voice::sum_lanes(&lanes, &mut body[..n]);
        for (((l, r), &b), &x) in left.iter_mut().zip(right.iter_mut()).zip(&body).zip(&drive) {
            let b = b + self.direct * x;
            *l += b;
            *r += b;
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

    #[test]
    fn modal_form_matches_the_biquads_it_replaces() {
        // The band-passes in f64 direct form, summed with their gains: the reference.
        for sr in [22_050.0f32, 48_000.0, 192_000.0] {
            let coefs: Vec<_> = MODES
                .iter()
                .map(|&(f, q, g)| (BiquadCoefs::bandpass(sr as f64, f, q), g as f64))
                .collect();
            let mut state = vec![(0.0f64, 0.0f64); coefs.len()];
            let mut body = SoundboardBody::new(sr);
            let mut rng = crate::rng::Rng::new(11);
            let (mut err, mut energy) = (0.0f64, 0.0f64);
            for t in 0..(sr as usize / 2) {
                let x = if t < 2_000 { rng.bipolar() } else { 0.0 };
                let mut want = 0.0f64;
                for ((c, g), s) in coefs.iter().zip(state.iter_mut()) {
                    let y = c.b0 * x as f64 + s.0;
                    s.0 = s.1 - c.a1 * y;
                    s.1 = c.b2 * x as f64 - c.a2 * y;
                    want += g * y;
                }
                let got = body.process(0.0, 0.0, x).0 as f64;
                err += (got - want).powi(2);
                energy += want * want;
            }
            // f32 rounding (-144 dB a step) accumulates over the few hundred samples a mode
            // rings and through its rounded pole and residue: about -110 dB, far under the
            // strings it is added to.
            let db = 10.0 * (err / energy).log10();
            assert!(db < -100.0, "{sr} Hz: residual {db:.1} dB");
        }
    }
}
