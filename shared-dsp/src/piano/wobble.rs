//! Wow and flutter: the pitch drift of a worn tape machine. Wow is a slow sine plus a smoothed
//! random walk (real transports are not periodic), flutter a faster sine with a little jitter.
//! Evaluated at control rate; the result is a pitch offset in cents for every string.

use crate::rng::Rng;

#[derive(Debug, Clone)]
pub struct WowFlutter {
    wow_phase: f32,
    flutter_phase: f32,
    drift: f32,
    drift_target: f32,
    drift_timer: f32,
    rng: Rng,
}

impl Default for WowFlutter {
    fn default() -> Self {
        Self::new()
    }
}

impl WowFlutter {
    pub fn new() -> Self {
        Self {
            wow_phase: 0.0,
            flutter_phase: 0.25,
            drift: 0.0,
            drift_target: 0.0,
            drift_timer: 0.0,
            rng: Rng::new(0x7a9e),
        }
    }

    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Advances by `dt_s` seconds and returns the pitch offset in cents.
    pub fn advance(
        &mut self,
        dt_s: f32,
        wow_depth_cents: f32,
        wow_rate_hz: f32,
        flutter_depth_cents: f32,
        flutter_rate_hz: f32,
    ) -> f32 {
        use std::f32::consts::TAU;
        self.wow_phase = (self.wow_phase + dt_s * wow_rate_hz).fract();
        self.flutter_phase = (self.flutter_phase + dt_s * flutter_rate_hz).fract();
        // A new random drift target about every wow period; glide towards it.
        self.drift_timer -= dt_s * wow_rate_hz;
        if self.drift_timer <= 0.0 {
            self.drift_timer += 1.0;
            self.drift_target = self.rng.bipolar();
        }
        self.drift += (self.drift_target - self.drift) * (dt_s * wow_rate_hz * 2.0).min(1.0);
        let jitter = 0.15 * self.rng.bipolar();
        // Both off (the default): the phases and draws above still advance, the sines are
        // skipped; the sum below would be exactly zero too.
        if wow_depth_cents == 0.0 && flutter_depth_cents == 0.0 {
            return 0.0;
        }
        let wow = 0.7 * (TAU * self.wow_phase).sin() + 0.3 * self.drift;
        let flutter = (TAU * self.flutter_phase).sin() + jitter;
        wow_depth_cents * wow + flutter_depth_cents * flutter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_bounds_the_drift_and_zero_depth_is_still() {
        let mut w = WowFlutter::new();
        let mut peak = 0.0f32;
        for _ in 0..100_000 {
            let c = w.advance(0.001, 20.0, 0.7, 3.0, 9.0);
            peak = peak.max(c.abs());
        }
        assert!(peak > 12.0 && peak < 20.0 + 3.5, "{peak}");
        let mut w = WowFlutter::new();
        for _ in 0..1000 {
            assert_eq!(w.advance(0.001, 0.0, 0.7, 0.0, 9.0), 0.0);
        }
    }
}
