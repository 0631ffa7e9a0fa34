//! What every layer shares: the per-layer controls and the per-hit values a trigger carries.

/// Per-layer controls (all four layers have them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerCommon {
    pub enabled: bool,
    pub level_db: f32,
    /// -1 (left) .. 1 (right).
    pub pan: f32,
    /// Transposition of the layer, semitones.
    pub pitch_semitones: f32,
    /// Time for the layer to fall by 60 dB (T60), ms.
    pub decay_ms: f32,
    /// Polarity flipped: a tonal layer (body, a sample) whose fundamental works against the
    /// drum's thins the hit out; flipped, the two add up. The flip is a smoothed gain through
    /// zero, so switching it while a layer rings does not click.
    pub invert: bool,
}

impl LayerCommon {
    pub const fn new(enabled: bool, level_db: f32, decay_ms: f32) -> Self {
        Self {
            enabled,
            level_db,
            pan: 0.0,
            pitch_semitones: 0.0,
            decay_ms,
            invert: false,
        }
    }
}

/// What one hit asks of a layer, after velocity and humanize.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strike {
    /// Linear amplitude of this hit (velocity x humanize level).
    pub gain: f32,
    /// Frequency ratio (pitch parameter x humanize).
    pub pitch_ratio: f32,
    /// Decay multiplier from humanize (1 = as set).
    pub decay_scale: f32,
    /// Seed of the layer's noise for this hit (drawn from the hit's timeline position, so a
    /// bounce repeats bit for bit).
    pub noise_seed: u32,
}

impl Strike {
    pub const UNIT: Strike = Strike {
        gain: 1.0,
        pitch_ratio: 1.0,
        decay_scale: 1.0,
        noise_seed: 0,
    };
}

/// Per-sample multiplier that makes an amplitude fall 60 dB in `t60_ms`.
pub fn t60_coef(sample_rate: f32, t60_ms: f32) -> f32 {
    let samples = (t60_ms.max(1.0) * 0.001 * sample_rate).max(1.0);
    10f32.powf(-3.0 / samples)
}

/// Length of the attack ramp every synthetic layer uses: from whatever is still sounding to the
/// new hit's level, so a retrigger on the layer's own tail never jumps (no click).
pub const ATTACK_MS: f32 = 0.3;

/// A layer is silent once its envelope has fallen this far below the hit's level (-100 dB):
/// below any mix's noise floor, and from then on the layer costs nothing.
pub const SILENCE_RATIO: f32 = 1.0e-5;

/// The amplitude envelope of a synthetic layer's hit: a linear attack ramp of [`ATTACK_MS`] from
/// whatever is still sounding to the hit's level, then an exponential decay (one multiply per
/// sample). Rendered a block at a time so the layers can apply it in a vectorised pass.
#[derive(Debug, Clone, Default)]
pub struct HitEnvelope {
    level: f32,
    target: f32,
    attack_step: f32,
    /// Ramp samples still to go (the last one lands exactly on `target`).
    attack_left: u32,
    decay: f32,
    floor: f32,
}

impl HitEnvelope {
    /// Starts a hit: ramp to `target` over [`ATTACK_MS`], then multiply by `decay` per sample.
    pub fn trigger(&mut self, sample_rate: f32, target: f32, decay: f32) {
        let ramp = (ATTACK_MS * 0.001 * sample_rate).max(1.0);
        self.attack_step = (target - self.level) / ramp;
        self.attack_left = ramp.ceil() as u32;
        self.target = target;
        self.decay = decay;
        self.floor = (SILENCE_RATIO * target.abs()).max(1.0e-9);
    }

    pub fn reset(&mut self) {
        self.level = 0.0;
        self.attack_left = 0;
    }

    /// True when nothing sounds and no hit is starting: the layer can skip its work.
    #[inline]
    pub fn is_silent(&self) -> bool {
        self.level == 0.0 && self.attack_left == 0
    }

    /// Writes the next `out.len()` envelope values. The silence check runs once per block (a
    /// decay passes -100 dB at most one block late; the level is then far below audibility).
    #[inline]
    pub fn render(&mut self, out: &mut [f32]) {
        let mut n = 0;
        while self.attack_left > 0 && n < out.len() {
            self.attack_left -= 1;
            self.level = if self.attack_left == 0 {
                self.target
            } else {
                self.level + self.attack_step
            };
            out[n] = self.level;
            n += 1;
        }
        let mut level = self.level;
        let decay = self.decay;
        for o in &mut out[n..] {
            level *= decay;
            *o = level;
        }
        if self.attack_left == 0 && level.abs() < self.floor {
            level = 0.0;
        }
        self.level = level;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(env: &mut HitEnvelope, len: usize, block: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; len];
        for c in out.chunks_mut(block) {
            env.render(c);
        }
        out
    }

    #[test]
    fn hit_envelope_ramps_then_decays_at_the_set_t60() {
        let sr = 48_000.0;
        let mut env = HitEnvelope::default();
        env.trigger(sr, 0.8, t60_coef(sr, 200.0));
        let x = render(&mut env, 20_000, 37);
        let ramp = (ATTACK_MS * 0.001 * sr).ceil() as usize;
        assert_eq!(x[ramp - 1], 0.8);
        assert!(x[..ramp - 1].iter().all(|&v| v > 0.0 && v < 0.8));
        // 60 dB down 200 ms after the peak (within a sample's rounding).
        let t60 = ramp - 1 + (0.2 * sr) as usize;
        assert!((x[t60] / 0.8 - 1.0e-3).abs() < 1.0e-5, "{}", x[t60]);
        // Silent (exactly zero, and reported so) once 100 dB down.
        assert!(env.is_silent());
        assert_eq!(*x.last().unwrap(), 0.0);
    }

    #[test]
    fn hit_envelope_retrigger_ramps_from_the_current_level() {
        let sr = 48_000.0;
        let mut env = HitEnvelope::default();
        env.trigger(sr, 1.0, t60_coef(sr, 100.0));
        let first = render(&mut env, 1_000, 64);
        let now = *first.last().unwrap();
        env.trigger(sr, 0.5, t60_coef(sr, 100.0));
        let second = render(&mut env, 100, 1);
        // No jump: the first value is one ramp step from where the tail was.
        let step = (0.5 - now) / (ATTACK_MS * 0.001 * sr);
        assert!((second[0] - (now + step)).abs() < 1.0e-6);
        let ramp = (ATTACK_MS * 0.001 * sr).ceil() as usize;
        assert_eq!(second[ramp - 1], 0.5);
    }
}
