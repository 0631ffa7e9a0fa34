//! The hammer: the force pulse a felt hammer puts into the string during contact.
//!
//! A felt hammer is a nonlinear spring (Hall 1986, Chaigne & Askenfelt 1994): the harder it is
//! struck, the stiffer the felt and the shorter the contact, so the force pulse is shorter and its
//! spectrum reaches higher. We model the pulse as an impulse through two one-pole lowpasses
//! (a gamma pulse `t e^{-t/T}`): its spectrum falls at 12 dB/octave above a cutoff with no
//! zeros, so no partial is accidentally missing, and its DC gain is 1, so a resonator driven by
//! it rings with amplitude `gain * |H(f)|`. Feeding the pulse (instead of setting initial
//! resonator states) also gives every strike a natural, click-free attack.

/// Hammer cutoff in Hz for `key` struck at `velocity` in [0, 1]. Treble hammers are smaller
/// and harder; velocity stiffens the felt. `hardness` scales it (felt, wear and soft pedal make
/// it softer, < 1).
pub fn hammer_cutoff_hz(key: u8, velocity: f32, hardness: f32) -> f32 {
    let v = velocity.clamp(0.0, 1.0);
    let register = 2f32.powf((key as f32 - 60.0) / 30.0);
    330.0 * register * (1.0 + 11.0 * v * v) * hardness.clamp(0.05, 2.0)
}

/// Exponent `p` of the felt's force law `F = K x^p` (Hall 1986; Chaigne & Askenfelt 1994 fit
/// p = 2.5 for a C4 hammer; Stulov 1995 finds 2.2-3.5 across the compass).
pub const FELT_EXPONENT: f32 = 2.5;

/// Velocity edges between a voicer's three zones, pp | mf | ff: MIDI velocity 44/45 and 89/90
/// (0.35 and 0.70 of full scale).
pub const VOICING_ZONE_EDGES: [f32; 2] = [0.35, 0.70];

/// Half-width (in velocity) of the blend across each zone edge: the felt's layers do not end
/// abruptly, so neither does the hardness a blow meets.
pub const VOICING_BLEND: f32 = 0.1;

/// Felt stiffness `K` of a zone voiced at +1 relative to the factory voicing (and `1/x` at -1):
/// needling softens a layer about fourfold, hardening (ironing, lacquer) stiffens it as much.
pub const VOICING_STIFFNESS_RANGE: f32 = 4.0;

/// Hammer cutoff multiplier for a felt stiffness `k_ratio` times the factory one.
///
/// A mass `m` at speed `v` on a spring `F = K x^p` compresses it to
/// `x_max = ((p + 1) m v^2 / (2 K))^(1/(p+1))` and stays in contact for
/// `T ~ x_max / v ~ (m / K)^(1/(p+1)) v^((1-p)/(p+1))`: the pulse's cutoff (`1/T`) scales as
/// `K^(1/(p+1))`. (The same law makes the contact shorter for harder blows when `p > 1`.)
pub fn stiffness_cutoff_factor(k_ratio: f32) -> f32 {
    k_ratio.max(1e-3).powf(1.0 / (FELT_EXPONENT + 1.0))
}

/// Voiced hardness (-1..+1) a blow at `velocity` meets, from the hardness of the pp, mf and ff
/// zones: each zone's own value inside it, a smoothstep across [`VOICING_BLEND`] either side of
/// each edge (continuous, with a continuous slope). A soft blow only compresses the felt's
/// outer layer, a loud one reaches the core: a voicer needles each depth for its zone.
pub fn zone_hardness(velocity: f32, voicing: &[f32; 3]) -> f32 {
    let v = if velocity.is_finite() {
        velocity.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let h = voicing.map(|h| {
        if h.is_finite() {
            h.clamp(-1.0, 1.0)
        } else {
            0.0
        }
    });
    let blend = |edge: f32| {
        let x = ((v - (edge - VOICING_BLEND)) / (2.0 * VOICING_BLEND)).clamp(0.0, 1.0);
        x * x * (3.0 - 2.0 * x)
    };
    let low = h[0] + (h[1] - h[0]) * blend(VOICING_ZONE_EDGES[0]);
    low + (h[2] - h[1]) * blend(VOICING_ZONE_EDGES[1])
}

/// log2 of the cutoff's velocity curve, [`hammer_cutoff_hz`]'s `1 + 11 v^2` times the voicing.
fn voiced_log_curve(v: f32, voicing: &[f32; 3]) -> f32 {
    (1.0 + 11.0 * v * v).log2()
        + VOICING_STIFFNESS_RANGE.log2() / (FELT_EXPONENT + 1.0) * zone_hardness(v, voicing)
}

/// Steps of the velocity grid [`voicing_factor`] searches for the brightest softer blow.
const VOICING_GRID: usize = 64;

/// Cutoff multiplier of the voicing at `velocity`: [`stiffness_cutoff_factor`] of the zone's
/// stiffness (`VOICING_STIFFNESS_RANGE ^ zone_hardness`), never darker than any softer blow.
///
/// A zone voiced much harder than the one above it would otherwise make the blend's loud end
/// darker than its soft end; a voicer evens that out (a piano's brightness never falls with
/// force), so the curve is held at the brightest softer blow's (the running maximum over a
/// 1/64 grid plus `velocity` itself: continuous, since a grid point joins when it is reached;
/// a peak between two grid points is held at the nearer one's, within 10^-4).
/// 1 for the factory voicing `[0, 0, 0]`.
pub fn voicing_factor(velocity: f32, voicing: &[f32; 3]) -> f32 {
    let v = if velocity.is_finite() {
        velocity.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if voicing.iter().all(|&h| h == 0.0) {
        return 1.0;
    }
    let own = voiced_log_curve(v, voicing);
    let mut best = own;
    for i in 0..VOICING_GRID {
        let u = i as f32 / VOICING_GRID as f32;
        if u >= v {
            break;
        }
        best = best.max(voiced_log_curve(u, voicing));
    }
    (best - (1.0 + 11.0 * v * v).log2()).exp2()
}

/// Loudness of a strike relative to full velocity: a real piano spans about 30-40 dB from pp to
/// ff; we keep ~30 dB so the softest notes stay usable in a mix.
pub fn velocity_gain(velocity: f32) -> f32 {
    (0.06 + 0.94 * velocity.clamp(0.0, 1.0)).powf(1.8)
}

#[derive(Debug, Clone, Default)]
pub struct HammerPulse {
    coef: f32,
    pending: f32,
    s1: f32,
    s2: f32,
    samples_left: u32,
}

impl HammerPulse {
    /// Starts a pulse of unit area (times `gain`) with the given cutoff.
    pub fn strike(&mut self, sample_rate: f32, cutoff_hz: f32, gain: f32) {
        let fc = cutoff_hz.clamp(20.0, sample_rate * 0.45);
        self.coef = 1.0 - (-std::f32::consts::TAU * fc / sample_rate).exp();
        self.pending = gain;
        self.s1 = 0.0;
        self.s2 = 0.0;
        // The tail `t e^{-a t}` is below 1e-6 of its peak after about 20 time constants.
        self.samples_left = (20.0 / self.coef).ceil() as u32 + 2;
    }

    pub fn is_active(&self) -> bool {
        self.samples_left > 0
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    #[inline]
    pub fn next_sample(&mut self) -> f32 {
        if self.samples_left == 0 {
            return 0.0;
        }
        self.samples_left -= 1;
        let x = self.pending;
        self.pending = 0.0;
        self.s1 += self.coef * (x - self.s1);
        self.s2 += self.coef * (self.s1 - self.s2);
        if self.samples_left == 0 {
            self.s1 = 0.0;
            self.s2 = 0.0;
        }
        self.s2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_has_unit_area_and_ends() {
        let mut h = HammerPulse::default();
        h.strike(48_000.0, 800.0, 1.0);
        let mut sum = 0.0;
        let mut n = 0;
        while h.is_active() {
            sum += h.next_sample();
            n += 1;
        }
        assert!((sum - 1.0).abs() < 1e-3, "area {sum}");
        assert!(n < 48_000 / 100, "contact {n} samples");
        assert_eq!(h.next_sample(), 0.0);
    }

    #[test]
    fn a_stiffer_felt_shortens_the_contact_by_the_power_law() {
        // T ~ K^(-1/(p+1)) with p = 2.5: four times the stiffness, 4^(1/3.5) = 1.486 times the
        // cutoff; the factory voicing changes nothing.
        assert!((stiffness_cutoff_factor(4.0) - 1.486).abs() < 1e-3);
        assert!((stiffness_cutoff_factor(0.25) - 0.673).abs() < 1e-3);
        for v in [0.0f32, 0.2, 0.35, 0.5, 0.7, 0.9, 1.0] {
            assert_eq!(voicing_factor(v, &[0.0; 3]), 1.0);
        }
        // Inside a zone (away from the blends) its own hardness applies in full.
        for (zone, v) in [(0usize, 0.15f32), (1, 0.52), (2, 0.9)] {
            for h in [-1.0f32, -0.5, 0.5, 1.0] {
                let mut voicing = [0.0; 3];
                voicing[zone] = h;
                let want = stiffness_cutoff_factor(VOICING_STIFFNESS_RANGE.powf(h));
                let got = voicing_factor(v, &voicing);
                assert!(
                    (got / want - 1.0).abs() < 1e-4,
                    "zone {zone} h {h}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn voicing_is_continuous_across_zone_edges_and_never_darkens_with_force() {
        let cases = [
            [-1.0f32, 1.0, -1.0],
            [1.0, -1.0, 1.0],
            [1.0, 0.0, -1.0],
            [-1.0, 0.0, 1.0],
        ];
        for voicing in cases {
            let mut last = 0.0f32;
            for i in 0..=2000 {
                let v = i as f32 / 2000.0;
                let fc = hammer_cutoff_hz(60, v, voicing_factor(v, &voicing));
                // Never darker for a harder blow (to 10^-4: just past a peak that falls between
                // two grid points the held value is the nearer grid point's), and no step:
                // 1/2000 of velocity moves the cutoff by under 1 % (a stepped zone edge would
                // jump 2.2x here).
                assert!(
                    fc >= last * (1.0 - 1e-4),
                    "{voicing:?} v {v}: {fc} < {last}"
                );
                if i > 0 {
                    assert!(fc < last * 1.01, "{voicing:?} v {v}: {last} -> {fc}");
                }
                last = fc;
            }
        }
    }

    #[test]
    fn harder_strikes_are_brighter_and_louder() {
        assert!(hammer_cutoff_hz(60, 1.0, 1.0) > 4.0 * hammer_cutoff_hz(60, 0.2, 1.0));
        assert!(velocity_gain(1.0) > 10.0 * velocity_gain(0.1));
        assert!(hammer_cutoff_hz(96, 0.5, 1.0) > hammer_cutoff_hz(36, 0.5, 1.0));
    }
}
