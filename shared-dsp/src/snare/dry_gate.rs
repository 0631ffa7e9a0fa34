//! The dry gate: a gate on the dry signal that opens on each detected hit and closes between
//! them, so the bleed between strokes leaves the dry snare (as Slate Trigger 2 Platinum's Gate
//! does). It is driven by the detector, not by the signal's level, so it opens for every
//! layered stroke and for nothing else: with Reject Bleed a loud hi-hat or kick on the snare
//! mic does not open it.
//!
//! Each hit opens it `PRE_OPEN_MS` before the hit's onset is heard (the latency-delayed dry lets
//! it see the hit coming; in zero-latency mode it opens when the hit is found, about 1 ms into
//! the stroke), over `ATTACK_MS`, a linear ramp: no step. It stays open for the hold after the
//! onset, then falls linearly in dB to the floor over the release: the snare's own decay keeps
//! its shape for the hold and then fades like a fader pulled down, not a step. A hit during the
//! hold or release opens it again from where it is. Switching the gate on or off fades its
//! effect over `SWITCH_MS`; a floor change glides at the release's pace.

use crate::smoother::ExpSmoother;
use crate::util::db_to_gain;

/// The gate opens this long before the onset is heard ...
pub const PRE_OPEN_MS: f32 = 1.0;
/// ... over this ramp (from the floor to unity).
pub const ATTACK_MS: f32 = 0.5;
/// Switching the gate on or off fades its effect over this time constant.
const SWITCH_MS: f32 = 20.0;
/// Onsets that may wait for their opening (a hit is known at most the latency ahead).
const MAX_WAITING: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DryGateSettings {
    pub enabled: bool,
    /// Open for this long after each onset, ms.
    pub hold_ms: f32,
    /// Then down to the floor over this long (linear in dB), ms.
    pub release_ms: f32,
    /// Gain of the closed gate, dB (-80 = practically silent).
    pub floor_db: f32,
}

impl Default for DryGateSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            hold_ms: 120.0,
            release_ms: 150.0,
            floor_db: -40.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DryGate {
    sample_rate: f32,
    settings: DryGateSettings,
    /// Engine-clock times at which waiting hits start opening the gate, in order.
    waiting: [u64; MAX_WAITING],
    waiting_len: usize,
    /// The gate's gain (linear, floor..1) and its motion.
    gain: f32,
    floor: f32,
    attack_step: f32,
    release_ratio: f32,
    /// Samples of hold left (counting from the onset); `opening` while the ramp runs.
    hold_left: usize,
    opening: bool,
    /// 0 = the gate is bypassed, 1 = fully in effect.
    amount: ExpSmoother,
}

impl DryGate {
    pub fn new(sample_rate: f32) -> Self {
        let mut g = Self {
            sample_rate,
            settings: DryGateSettings::default(),
            waiting: [0; MAX_WAITING],
            waiting_len: 0,
            gain: 1.0,
            floor: 0.0,
            attack_step: 1.0,
            release_ratio: 1.0,
            hold_left: 0,
            opening: false,
            amount: ExpSmoother::new(sample_rate, SWITCH_MS, 0.0),
        };
        g.set_sample_rate(sample_rate);
        g
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.amount.set_time(sample_rate, SWITCH_MS);
        let settings = self.settings;
        self.set_settings(settings);
        self.reset();
    }

    pub fn set_settings(&mut self, settings: DryGateSettings) {
        self.settings = settings;
        let sr = self.sample_rate;
        self.floor = db_to_gain(settings.floor_db.clamp(-80.0, 0.0));
        self.attack_step = 1.0 / (ATTACK_MS * 0.001 * sr).max(1.0);
        // Linear in dB: the floor's depth spread over the release, per sample (a ratio).
        let release_samples = (settings.release_ms.max(1.0) * 0.001 * sr).max(1.0);
        self.release_ratio = self.floor.max(1.0e-4).powf(1.0 / release_samples);
        self.amount
            .set_target(if settings.enabled { 1.0 } else { 0.0 });
    }

    /// Forgets waiting hits; the gate rests closed (or bypassed) at once.
    pub fn reset(&mut self) {
        self.waiting_len = 0;
        self.gain = self.floor;
        self.hold_left = 0;
        self.opening = false;
        let t = self.amount.target();
        self.amount.reset(t);
    }

    /// A hit whose onset is heard at engine time `onset_at` (its layer start).
    pub fn schedule(&mut self, onset_at: u64) {
        if self.waiting_len < MAX_WAITING {
            let pre = (PRE_OPEN_MS * 0.001 * self.sample_rate) as u64;
            self.waiting[self.waiting_len] = onset_at.saturating_sub(pre);
            self.waiting_len += 1;
        }
    }

    fn hold_samples(&self) -> usize {
        ((self.settings.hold_ms.max(0.0) + PRE_OPEN_MS) * 0.001 * self.sample_rate) as usize
    }

    /// Gates the latency-aligned dry chunk starting at engine time `clock0` in place.
    pub fn process(&mut self, clock0: u64, left: &mut [f32], right: &mut [f32]) {
        if !self.settings.enabled && self.amount.is_settled() && self.amount.current() == 0.0 {
            // Bypassed: keep time (drop hits that have passed) and the gate closed behind.
            let end = clock0 + left.len() as u64;
            self.drop_due(end);
            self.gain = self.floor;
            self.hold_left = 0;
            self.opening = false;
            return;
        }
        for (n, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let now = clock0 + n as u64;
            if self.waiting_len > 0 && self.waiting[0] <= now {
                self.drop_due(now);
                self.opening = true;
                self.hold_left = self.hold_samples();
            }
            if self.opening {
                self.gain += self.attack_step;
                if self.gain >= 1.0 {
                    self.gain = 1.0;
                    self.opening = false;
                }
            } else if self.hold_left == 0 {
                // Release (and a floor raised or lowered): toward the floor, at the release pace.
                if self.gain > self.floor {
                    self.gain = (self.gain * self.release_ratio).max(self.floor);
                } else {
                    self.gain = (self.gain / self.release_ratio).min(self.floor);
                }
            }
            self.hold_left = self.hold_left.saturating_sub(1);
            let amount = self.amount.next_value();
            let g = 1.0 + amount * (self.gain - 1.0);
            *l *= g;
            *r *= g;
        }
    }

    /// Removes the waiting hits due at or before `now`.
    fn drop_due(&mut self, now: u64) {
        let due = self.waiting[..self.waiting_len]
            .iter()
            .take_while(|&&t| t <= now)
            .count();
        self.waiting.copy_within(due..self.waiting_len, 0);
        self.waiting_len -= due;
    }

    /// The gate's gain right now (1 = open), for tests and the editor.
    pub fn gain(&self) -> f32 {
        1.0 + self.amount.current() * (self.gain - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::gain_to_db;

    const SR: f32 = 48_000.0;

    fn gate(settings: DryGateSettings) -> DryGate {
        let mut g = DryGate::new(SR);
        g.set_settings(settings);
        g.reset();
        g
    }

    /// The gain over `len` samples of DC 1.0, in blocks of `block`.
    fn gains(g: &mut DryGate, onsets: &[u64], len: usize, block: usize) -> Vec<f32> {
        for &o in onsets {
            g.schedule(o);
        }
        let mut out = Vec::with_capacity(len);
        let mut clock = 0u64;
        while out.len() < len {
            let n = block.min(len - out.len());
            let mut l = vec![1.0f32; n];
            let mut r = vec![1.0f32; n];
            g.process(clock, &mut l, &mut r);
            assert_eq!(l, r);
            out.extend(l);
            clock += n as u64;
        }
        out
    }

    #[test]
    fn open_for_the_stroke_and_down_to_the_floor_between() {
        let settings = DryGateSettings {
            enabled: true,
            hold_ms: 100.0,
            release_ms: 200.0,
            floor_db: -40.0,
        };
        let ms = |v: f32| (v * 0.001 * SR) as usize;
        let onset = ms(500.0) as u64;
        for block in [1usize, 64, 4096] {
            let y = gains(&mut gate(settings), &[onset], ms(1_000.0), block);
            let o = onset as usize;
            // Closed before: the floor.
            assert!(
                (gain_to_db(y[o - ms(2.0)]) + 40.0).abs() < 0.01,
                "{}",
                y[o - ms(2.0)]
            );
            // Fully open from the onset through the hold.
            for (k, &v) in y.iter().enumerate().take(o + ms(100.0)).skip(o) {
                assert!((v - 1.0).abs() < 1e-6, "sample {k}: {v}");
            }
            // Half way through the release, half way down in dB; the floor at its end.
            let mid = gain_to_db(y[o + ms(200.0)]);
            assert!((mid + 20.0).abs() < 0.5, "mid-release {mid} dB");
            let end = gain_to_db(y[o + ms(302.0)]);
            assert!((end + 40.0).abs() < 0.05, "end of release {end} dB");
        }
    }

    #[test]
    fn the_gain_never_steps() {
        // Opening ramps over 0.5 ms, a re-open mid-release starts from where the gate is, and
        // switching the gate off mid-hold fades: on DC the output moves at most one attack step
        // a sample, never more.
        let settings = DryGateSettings {
            enabled: true,
            hold_ms: 20.0,
            release_ms: 30.0,
            floor_db: -80.0,
        };
        let mut g = gate(settings);
        let step = 1.0 / (ATTACK_MS * 0.001 * SR);
        let y = gains(&mut g, &[2_000, 4_000, 5_000], 8_000, 37);
        let worst = y
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(worst <= step * 1.0001, "step {worst} > {step}");
        // Off while open: a 20 ms fade, no jump.
        g.schedule(9_000);
        let mut l = vec![1.0f32; 2_000];
        let mut r = l.clone();
        g.process(8_000, &mut l, &mut r);
        g.set_settings(DryGateSettings {
            enabled: false,
            ..settings
        });
        let mut l2 = vec![1.0f32; 12_000];
        let mut r2 = l2.clone();
        g.process(10_000, &mut l2, &mut r2);
        let joined: Vec<f32> = l.iter().chain(&l2).copied().collect();
        let worst = joined
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(worst <= step * 1.0001, "switching off stepped {worst}");
        assert!(
            (l2[11_999] - 1.0).abs() < 1e-3,
            "bypassed gain {}",
            l2[11_999]
        );
    }

    #[test]
    fn off_by_default_and_transparent() {
        let mut g = DryGate::new(SR);
        let y = gains(&mut g, &[1_000], 4_000, 256);
        assert!(y.iter().all(|&v| v == 1.0));
    }
}
