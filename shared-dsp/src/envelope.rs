//! Peak envelope follower with separate attack and release. `attack_ms` / `release_ms` are the
//! one-pole time constants: a step reaches 1 - 1/e (63.2%) of its size in that time, the
//! convention of analog envelope detectors (and of Giannoulis, Massberg & Reiss, "Digital Dynamic
//! Range Compressor Design", JAES 2012, whose branching peak detector this is).

use crate::denormal::flush;

#[derive(Debug, Clone)]
pub struct EnvelopeFollower {
    sample_rate: f32,
    attack_coef: f32,
    release_coef: f32,
    envelope: f32,
}

fn time_constant_coef(sample_rate: f32, time_ms: f32) -> f32 {
    let samples = time_ms * 0.001 * sample_rate;
    if samples <= 0.0 {
        0.0
    } else {
        (-1.0 / samples).exp()
    }
}

impl EnvelopeFollower {
    pub fn new(sample_rate: f32, attack_ms: f32, release_ms: f32) -> Self {
        let mut e = Self {
            sample_rate,
            attack_coef: 0.0,
            release_coef: 0.0,
            envelope: 0.0,
        };
        e.set_times(attack_ms, release_ms);
        e
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32, attack_ms: f32, release_ms: f32) {
        self.sample_rate = sample_rate;
        self.set_times(attack_ms, release_ms);
    }

    pub fn set_times(&mut self, attack_ms: f32, release_ms: f32) {
        self.attack_coef = time_constant_coef(self.sample_rate, attack_ms);
        self.release_coef = time_constant_coef(self.sample_rate, release_ms);
    }

    pub fn reset(&mut self) {
        self.envelope = 0.0;
    }

    pub fn value(&self) -> f32 {
        self.envelope
    }

    /// Feeds one sample (its magnitude is taken) and returns the envelope.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let level = x.abs();
        let coef = if level > self.envelope {
            self.attack_coef
        } else {
            self.release_coef
        };
        self.envelope = flush(level + coef * (self.envelope - level));
        self.envelope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples_to_reach(
        env: &mut EnvelopeFollower,
        input: f32,
        threshold: f32,
        rising: bool,
    ) -> usize {
        let mut n = 0;
        loop {
            let v = env.process(input);
            n += 1;
            if (rising && v >= threshold) || (!rising && v <= threshold) {
                return n;
            }
            assert!(n < 10_000_000);
        }
    }

    #[test]
    fn measured_attack_and_release_times_match_settings() {
        let sr = 48_000.0;
        for (attack_ms, release_ms) in [(0.5f32, 50.0f32), (5.0, 200.0), (20.0, 1000.0)] {
            let mut env = EnvelopeFollower::new(sr, attack_ms, release_ms);
            let n = samples_to_reach(&mut env, 1.0, 1.0 - (-1.0f32).exp(), true);
            // Within 3% or 1.5 samples, whichever is larger (the step is sampled).
            let tolerance_ms = (0.03 * attack_ms).max(1500.0 / sr);
            let attack = n as f32 / sr * 1000.0;
            assert!(
                (attack - attack_ms).abs() <= tolerance_ms,
                "attack {attack} vs {attack_ms}"
            );
            for _ in 0..(sr as usize) {
                env.process(1.0);
            }
            let n = samples_to_reach(&mut env, 0.0, (-1.0f32).exp(), false);
            let release = n as f32 / sr * 1000.0;
            assert!(
                (release / release_ms - 1.0).abs() < 0.03,
                "release {release} vs {release_ms}"
            );
        }
    }

    #[test]
    fn follows_magnitude_of_negative_input() {
        let mut env = EnvelopeFollower::new(44_100.0, 0.0, 100.0);
        assert_eq!(env.process(-0.8), 0.8);
    }
}
