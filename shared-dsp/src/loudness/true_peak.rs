//! True peak (ITU-R BS.1770-4 Annex 2): the signal is upsampled 4x and the largest absolute
//! value of the upsampled stream is the true peak. The interpolation filter has 48 taps, split
//! into its 4 polyphase branches of 12 (one per output phase) and stored tap-major, so every
//! input sample costs 12 four-lane multiply-adds, one lane per phase, which the compiler maps
//! onto SIMD registers.
//!
//! The filter is a Kaiser-windowed sinc (beta 5, cutoff at the input Nyquist frequency), each
//! phase scaled to unity gain at DC. Why not the Annex's example table (also 48 taps)? Its
//! passband ripples by +/-0.1 dB and its phases' DC gains differ by 3 %, so it reads 0.20 dB
//! high on Tech 3341's 12 kHz / 60 degree case, the edge of the +0.2 dB tolerance. This design
//! reads within +0.01 dB of the crest up to 17 kHz at 48 kHz (measured over phases; the
//! remaining under-read, at most -0.3 dB at fs/3 and -0.46 dB at 20 kHz, is where a 4x grid
//! can miss the crest, inside Tech 3341's -0.4 dB below 20 kHz). 4x is used at every sample
//! rate: the Annex asks for at least 192 kHz after oversampling, which 4x gives from 48 kHz.

/// Taps per polyphase branch.
pub const TAPS: usize = 12;
/// Oversampling factor.
pub const PHASES: usize = 4;
/// Kaiser window shape (about 50 dB stopband, flat passband to 0.35 fs).
const KAISER_BETA: f64 = 5.0;

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for
/// the small arguments a window needs).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..40 {
        term *= (x / (2.0 * k as f64)).powi(2);
        sum += term;
    }
    sum
}

/// The interpolation filter as `[tap][phase]`: output phase `p` of input sample `n` is
/// `sum_k coefs[k][p] * x[n - k]`.
fn design_interpolator() -> [[f32; PHASES]; TAPS] {
    let len = TAPS * PHASES;
    let cutoff = 0.5 / PHASES as f64; // input Nyquist, in cycles per output sample
    let mut h = [0.0f64; TAPS * PHASES];
    for (m, v) in h.iter_mut().enumerate() {
        let t = m as f64 - (len - 1) as f64 / 2.0;
        let sinc = (2.0 * std::f64::consts::PI * cutoff * t).sin() / (std::f64::consts::PI * t);
        let r = 2.0 * m as f64 / (len - 1) as f64 - 1.0;
        *v = sinc * bessel_i0(KAISER_BETA * (1.0 - r * r).sqrt()) / bessel_i0(KAISER_BETA);
    }
    let mut coefs = [[0.0f32; PHASES]; TAPS];
    for p in 0..PHASES {
        let dc: f64 = (0..TAPS).map(|k| h[k * PHASES + p]).sum();
        for (k, row) in coefs.iter_mut().enumerate() {
            row[p] = (h[k * PHASES + p] / dc) as f32;
        }
    }
    coefs
}

/// Input samples handled per inner pass (the scratch line is this plus the filter's memory).
const PIECE: usize = 256;

/// One channel's 4x true-peak scanner. Fixed-size, allocation-free.
#[derive(Debug, Clone)]
pub struct TruePeakScanner {
    /// The last `TAPS - 1` input samples, then room for one piece of new input.
    line: [f32; TAPS - 1 + PIECE],
    coefs: [[f32; PHASES]; TAPS],
}

impl Default for TruePeakScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl TruePeakScanner {
    pub fn new() -> Self {
        Self {
            line: [0.0; TAPS - 1 + PIECE],
            coefs: design_interpolator(),
        }
    }

    pub fn reset(&mut self) {
        self.line = [0.0; TAPS - 1 + PIECE];
    }

    /// The largest absolute value of the 4x upsampled block (linear; 0 for an empty block).
    /// Non-finite input samples are read as 0.
    pub fn process(&mut self, x: &[f32]) -> f32 {
        let mut peak = [0.0f32; PHASES];
        for piece in x.chunks(PIECE) {
            let n = piece.len();
            for (d, &s) in self.line[TAPS - 1..TAPS - 1 + n].iter_mut().zip(piece) {
                *d = if s.is_finite() { s } else { 0.0 };
            }
            for w in self.line[..TAPS - 1 + n].windows(TAPS) {
                // w[TAPS - 1] is the newest sample: tap j applies to w[TAPS - 1 - j].
                let mut acc = [0.0f32; PHASES];
                for (c, &s) in self.coefs.iter().zip(w.iter().rev()) {
                    for p in 0..PHASES {
                        acc[p] += c[p] * s;
                    }
                }
                for p in 0..PHASES {
                    let a = acc[p].abs();
                    peak[p] = if a > peak[p] { a } else { peak[p] };
                }
            }
            self.line.copy_within(n..n + TAPS - 1, 0);
        }
        peak.iter().fold(0.0f32, |m, &p| m.max(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_passes_dc_at_unity() {
        for p in 0..PHASES {
            let sum: f32 = design_interpolator().iter().map(|c| c[p]).sum();
            assert!((sum - 1.0).abs() < 1e-5, "phase {p}: {sum}");
        }
        let mut tp = TruePeakScanner::new();
        // The first block holds the step from silence (it overshoots); DC after it is flat.
        tp.process(&[0.5; 100]);
        let peak = tp.process(&[0.5; 100]);
        assert!((peak - 0.5).abs() < 0.005, "{peak}");
    }

    /// A sine at fs/4 sampled 45 degrees off its crests has sample peaks 3 dB below its true
    /// peak; the scanner must find the crest, whatever the block sizes.
    #[test]
    fn finds_the_crest_between_samples() {
        for blocks in [1usize, 7, 64, 300, 1000] {
            let x: Vec<f32> = (0..4800)
                .map(|n| {
                    let ph = std::f32::consts::FRAC_PI_2 * n as f32 + std::f32::consts::FRAC_PI_4;
                    0.5 * ph.sin()
                })
                .collect();
            let sample_peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let mut tp = TruePeakScanner::new();
            let mut peak = 0.0f32;
            for b in x[480..].chunks(blocks) {
                peak = peak.max(tp.process(b));
            }
            let db = 20.0 * (peak / 0.5).log10();
            assert!((sample_peak - 0.3536).abs() < 1e-3);
            // The crest sits half-way between samples; the 4x grid's nearest points are 1/8
            // of a sample (11.25 degrees at fs/4) away from it: -0.17 dB.
            assert!((-0.25..=0.05).contains(&db), "blocks {blocks}: {db} dB");
        }
    }

    #[test]
    fn garbage_reads_as_silence() {
        let mut tp = TruePeakScanner::new();
        assert_eq!(
            tp.process(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
            0.0
        );
        assert_eq!(tp.process(&[]), 0.0);
        assert!(tp.process(&[0.0; 40]) == 0.0);
    }
}
