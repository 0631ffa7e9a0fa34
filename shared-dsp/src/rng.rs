//! A tiny deterministic random number generator for the audio thread (noise, humanize, per-key
//! tuning spread). xorshift32 (Marsaglia 2003): no allocation, no locks, reproducible from a seed
//! so a project recalls the same "random" result.

#[derive(Debug, Clone)]
pub struct Rng {
    state: u32,
}

impl Rng {
    pub fn new(seed: u32) -> Self {
        // xorshift has a fixed point at 0; mix the seed so every seed (including 0) is usable.
        let mut s = seed.wrapping_mul(0x9E37_79B9) ^ 0x6C07_8965;
        if s == 0 {
            s = 0x1234_5678;
        }
        Self { state: s }
    }

    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// Uniform in `[0, 1)`.
    #[inline(always)]
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[-1, 1)`: white noise.
    #[inline(always)]
    pub fn bipolar(&mut self) -> f32 {
        self.next_f32() * 2.0 - 1.0
    }
}

/// The test drum material (`catalyst_test_support::drum_hits`) draws its noise through this, so
/// this crate's tests hand it their own generator.
#[cfg(test)]
impl catalyst_test_support::drum_hits::Noise for Rng {
    fn bipolar(&mut self) -> f32 {
        Rng::bipolar(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_noise_has_zero_mean_and_expected_variance() {
        let mut rng = Rng::new(7);
        let n = 200_000;
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let x = rng.bipolar() as f64;
            assert!((-1.0..1.0).contains(&x));
            sum += x;
            sum_sq += x * x;
        }
        let mean = sum / n as f64;
        let var = sum_sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        // Uniform on [-1, 1): variance 1/3.
        assert!((var - 1.0 / 3.0).abs() < 0.01, "variance {var}");
    }

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let mut c = Rng::new(43);
        let sa: Vec<u32> = (0..8).map(|_| a.next_u32()).collect();
        let sb: Vec<u32> = (0..8).map(|_| b.next_u32()).collect();
        let sc: Vec<u32> = (0..8).map(|_| c.next_u32()).collect();
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
    }
}
