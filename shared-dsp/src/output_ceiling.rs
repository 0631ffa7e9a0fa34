//! The last stage of a plugin's output: a soft safety ceiling.
//!
//! Output must stay finite and bounded whatever the settings and the input. A hard clamp does
//! that, but when extreme settings (every gain up, full-scale noise in) drive the signal into it,
//! it squares the waveform off: a burst of odd harmonics at up to +24 dBFS, the harshest thing a
//! monitor can be sent. Here the signal passes untouched up to a knee well above any sane level,
//! then bends smoothly toward the ceiling, which it approaches but never reaches:
//!
//! y = sign(x) · (k + (c − k) · tanh((|x| − k) / (c − k)))  for |x| > k,
//!
//! continuous in value and slope at the knee k (tanh'(0) = 1), so the bend adds no edge of its
//! own. NaN and infinities become silence.

/// The suite's output bound, +24 dBFS (16 linear: 20 · log10 16 = 24.08 dB): no plugin output
/// sample may exceed it, and no real signal comes near it. The plugins' ceilings, the Density
/// Meter's pass-through limit and the hosts' "bounded" checks all use this one value.
pub const OUTPUT_BOUND: f32 = 16.0;

/// Applies the ceiling to one sample.
#[inline]
pub fn soft_ceiling(x: f32, knee: f32, ceiling: f32) -> f32 {
    if !x.is_finite() {
        return 0.0;
    }
    let a = x.abs();
    if a <= knee {
        return x;
    }
    let room = ceiling - knee;
    (knee + room * ((a - knee) / room).tanh()).copysign(x)
}

/// Applies the ceiling to a block, touching it only when some sample is beyond the knee or not
/// finite: the check is a branch-free scan (NaN fails `<=`), so the common case vectorises and
/// leaves the block bit-identical.
#[inline]
pub fn soft_ceiling_block(x: &mut [f32], knee: f32, ceiling: f32) {
    let clean = x.iter().fold(true, |ok, v| ok & (v.abs() <= knee));
    if !clean {
        for v in x.iter_mut() {
            *v = soft_ceiling(*v, knee, ceiling);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNEE: f32 = 4.0;
    const CEILING: f32 = OUTPUT_BOUND;

    #[test]
    fn below_the_knee_is_untouched_bit_for_bit() {
        let mut x: Vec<f32> = (0..1000).map(|n| (n as f32 * 0.37).sin() * 3.99).collect();
        let before = x.clone();
        soft_ceiling_block(&mut x, KNEE, CEILING);
        assert_eq!(x, before);
    }

    #[test]
    fn never_reaches_the_ceiling_and_is_monotonic() {
        let mut previous = 0.0f32;
        for n in 0..100_000 {
            let x = n as f32 * 0.01; // 0 .. 1000
            let y = soft_ceiling(x, KNEE, CEILING);
            assert!(y >= previous, "{x}: {y} < {previous}");
            assert!(y <= CEILING, "{x}: {y}");
            assert_eq!(soft_ceiling(-x, KNEE, CEILING), -y);
            previous = y;
        }
        assert!(soft_ceiling(1.0e30, KNEE, CEILING) <= CEILING);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(soft_ceiling(bad, KNEE, CEILING), 0.0);
        }
    }

    #[test]
    fn slope_is_continuous_at_the_knee() {
        let h = 1.0e-3;
        let below = (soft_ceiling(KNEE, KNEE, CEILING) - soft_ceiling(KNEE - h, KNEE, CEILING)) / h;
        let above = (soft_ceiling(KNEE + h, KNEE, CEILING) - soft_ceiling(KNEE, KNEE, CEILING)) / h;
        assert!((below - 1.0).abs() < 1.0e-2 && (above - 1.0).abs() < 1.0e-2);
    }

    /// What the ceiling is for: a sine driven 12 dB past the knee comes out far less harsh than
    /// the hard clamp would make it. Measured as the energy above the 3rd harmonic relative to
    /// the fundamental (a sine at bin 16 of a 4096-point window; a hard clamp at the same level
    /// spreads its odd harmonics far up the spectrum).
    #[test]
    fn overdriven_sine_has_far_fewer_high_harmonics_than_a_hard_clamp() {
        let n = 4096;
        let drive = 16.0f32; // +12 dB over the knee
        let sine: Vec<f32> = (0..n)
            .map(|i| drive * (std::f32::consts::TAU * 16.0 * i as f32 / n as f32).sin())
            .collect();
        let soft: Vec<f32> = sine
            .iter()
            .map(|&v| soft_ceiling(v, KNEE, CEILING))
            .collect();
        let level = soft.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let hard: Vec<f32> = sine.iter().map(|&v| v.clamp(-level, level)).collect();
        let high_ratio = |x: &[f32]| {
            // Goertzel-free DFT at the harmonics: energy of harmonics 5.. vs the fundamental.
            let bin = |k: usize| {
                let (mut re, mut im) = (0.0f64, 0.0f64);
                for (i, &v) in x.iter().enumerate() {
                    let ph = std::f64::consts::TAU * (k * 16) as f64 * i as f64 / n as f64;
                    re += v as f64 * ph.cos();
                    im -= v as f64 * ph.sin();
                }
                re * re + im * im
            };
            let high: f64 = (5..=31).step_by(2).map(bin).sum();
            high / bin(1)
        };
        let (s, h) = (high_ratio(&soft), high_ratio(&hard));
        assert!(s * 4.0 < h, "soft {s:.2e} hard {h:.2e}");
    }
}
