//! Parameter smoothing, so no control change is heard as zipper noise or a click.
//!
//! Hosts may send one automation value per block (Ardour: every 512 samples at most), so the
//! default plugin smoothing times are longer than a block at 44.1 kHz (>= 12 ms).

/// Exponential (one-pole) smoother. `time_ms` is the time to cover 99% of a step:
/// `y += (target - y) * c` with `c = 1 - exp(-ln(100) / (time_s * fs))`.
#[derive(Debug, Clone)]
pub struct ExpSmoother {
    coef: f32,
    current: f32,
    target: f32,
}

impl ExpSmoother {
    pub fn new(sample_rate: f32, time_ms: f32, initial: f32) -> Self {
        let mut s = Self {
            coef: 1.0,
            current: initial,
            target: initial,
        };
        s.set_time(sample_rate, time_ms);
        s
    }

    pub fn set_time(&mut self, sample_rate: f32, time_ms: f32) {
        let samples = (time_ms * 0.001 * sample_rate).max(1.0);
        self.coef = 1.0 - (-(100f32.ln()) / samples).exp();
    }

    pub fn set_target(&mut self, target: f32) {
        self.target = target;
    }

    /// Jumps to `value` with no smoothing (on reset or state load).
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
    }

    #[inline]
    pub fn next_value(&mut self) -> f32 {
        self.current += (self.target - self.current) * self.coef;
        if (self.target - self.current).abs() < 1.0e-7 {
            self.current = self.target;
        }
        self.current
    }

    pub fn current(&self) -> f32 {
        self.current
    }

    pub fn target(&self) -> f32 {
        self.target
    }

    pub fn is_settled(&self) -> bool {
        self.current == self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_smoother_covers_99_percent_in_its_time() {
        let sr = 48_000.0;
        for time_ms in [5.0f32, 20.0, 100.0] {
            let mut s = ExpSmoother::new(sr, time_ms, 0.0);
            s.set_target(1.0);
            let mut n = 0;
            while s.next_value() < 0.99 {
                n += 1;
            }
            let measured_ms = n as f32 / sr * 1000.0;
            assert!(
                (measured_ms / time_ms - 1.0).abs() < 0.02,
                "{time_ms}: {measured_ms}"
            );
        }
    }
}
