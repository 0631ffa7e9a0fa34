//! Where a piano's partials sit: string counts per register, inharmonicity, stretch tuning and
//! the seeded per-key mistuning of an old instrument.

use crate::rng::Rng;

/// Lowest and highest keys of an 88-key piano (A0, C8). Notes outside are clamped into this
/// range for the string model but keep their own pitch.
pub const LOWEST_KEY: u8 = 21;
pub const HIGHEST_KEY: u8 = 108;

/// Strings per note: single wound strings in the lowest bass, pairs in the bass, triple unisons
/// from the tenor up, as on most grand pianos.
pub fn strings_for_key(key: u8) -> usize {
    match key {
        0..=28 => 1,
        29..=46 => 2,
        _ => 3,
    }
}

/// Inharmonicity coefficient B of the string for `key`. Young (1952): about 1.2 cents of
/// stretch at the 2nd partial of middle C (`1200 log2(sqrt((1+4B)/(1+B)))`, so B ~ 4.6e-4),
/// doubling every 8 semitones upward. Wound bass strings are stiffer than that line says, so a
/// second term lifts the lowest octave (the familiar "bathtub" curve of measured pianos).
pub fn inharmonicity(key: u8) -> f32 {
    let k = key as f32;
    let treble = 4.6e-4 * 2f32.powf((k - 60.0) / 8.0);
    let bass = 1.2e-4 * 2f32.powf(-(k - 21.0) / 10.0);
    treble + bass
}

/// Frequency of partial `n` (1-based) of a stiff string whose ideal fundamental is `f0`:
/// `f_n = n f0 sqrt(1 + B n^2)` (Fletcher 1964).
#[inline]
pub fn partial_hz(f0: f32, b: f32, n: usize) -> f32 {
    let n = n as f32;
    n * f0 * (1.0 + b * n * n).sqrt()
}

/// String fundamental `f0` that puts the *first partial* at `target_hz`: the tuner tunes what
/// is heard, and partial 1 sits `sqrt(1 + B)` above the ideal string's `f0`.
#[inline]
pub fn string_f0_for_first_partial(target_hz: f32, b: f32) -> f32 {
    target_hz / (1.0 + b).sqrt()
}

/// Stretch-tuning offset in cents for `key` at `amount` = 1, a smooth fit of the Railsback
/// curve of aurally tuned grands: flat in the middle, about -30 cents at A0 and +30 at C8
/// (tuners match the inharmonic upper partials of the octave below).
pub fn stretch_cents(key: u8) -> f32 {
    let x = (key as f32 - 65.0) / 43.0;
    10.0 * x + 20.0 * x * x * x
}

/// Seeded per-key random number in `[-1, 1)`. The same (seed, key, salt) always gives the same
/// value, so a project recalls the same "bad" tuning and the same worn keys.
pub fn key_random(seed: u32, key: u8, salt: u32) -> f32 {
    let mixed = seed
        .wrapping_mul(0x2545_F491)
        .wrapping_add((key as u32).wrapping_mul(0x9E37_79B9))
        .wrapping_add(salt.wrapping_mul(0x85EB_CA6B));
    let mut rng = Rng::new(mixed);
    rng.next_u32();
    rng.next_u32();
    // A triangular distribution: most keys a little off, few far off.
    0.5 * (rng.bipolar() + rng.bipolar())
}

/// How far an old, untuned piano drifts in each register, relative to its most drifted keys
/// (0..1). The string tension pulls the soundboard's crown down as it ages and the pins creep,
/// so pitch sags and scatters most where the bridge crosses the middle of the board (tenor and
/// low treble) and stays high through the treble; the bass strings sit on their own bridge near
/// the rim and drift least (field notes: an untuned piano goes a quarter to half a tone flat,
/// most near the soundboard's centre). A smooth rise from 0.3 in the low bass to 1 around
/// D4-F5, easing to about 0.8 at C8.
pub fn drift_register_weight(key: u8) -> f32 {
    let k = key as f32;
    let rise = 1.0 / (1.0 + (-(k - 48.0) / 5.0).exp());
    let top = ((k - 77.0) / 31.0).clamp(0.0, 1.0);
    0.3 + 0.7 * rise * (1.0 - 0.2 * top * top)
}

/// Where the crown's sag pulls an old piano flat, 0..1, peaking at the soundboard's centre
/// (about E4, key 64).
pub fn soundboard_sag(key: u8) -> f32 {
    (-((key as f32 - 64.0) / 22.0).powi(2)).exp()
}

/// Flat bias of the drift at the soundboard's centre, in units of the spread: at the full
/// 50-cent spread the middle keys sit 35 cents flat on average (a quarter to half a tone).
pub const SAG_PER_SPREAD: f32 = 0.7;

/// Per-key tuning offset in cents: stretch plus an old piano's seeded drift. The drift scatters
/// each key by up to `spread_cents` and sags the middle flat by up to `SAG_PER_SPREAD` of it,
/// both scaled by [`drift_register_weight`], so the middle and treble drift more than the bass.
pub fn key_offset_cents(key: u8, stretch: f32, spread_cents: f32, seed: u32) -> f32 {
    let drift = key_random(seed, key, 1) - SAG_PER_SPREAD * soundboard_sag(key);
    stretch * stretch_cents(key) + spread_cents * drift_register_weight(key) * drift
}

/// Unison pattern: the offset of each string in units of the Detune control (cents between
/// neighbouring extremes). Two strings sit at +-d/2; three at -d/2, a little off centre, +d/2
/// so the three beat rates are not all the same (a perfectly symmetric triple sounds synthetic).
pub fn unison_units(strings: usize) -> &'static [f32] {
    match strings {
        1 => &[0.0],
        2 => &[-0.5, 0.5],
        _ => &[-0.5, 0.12, 0.5],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn young_stretch_at_middle_c_second_partial() {
        let b = inharmonicity(60);
        let f0 = 100.0;
        let cents = 1200.0 * (partial_hz(f0, b, 2) / (2.0 * partial_hz(f0, b, 1))).log2();
        assert!((cents - 1.2).abs() < 0.15, "{cents} cents");
        // Doubles every 8 semitones in the treble.
        let ratio = inharmonicity(84) / inharmonicity(76);
        assert!((ratio - 2.0).abs() < 0.05, "{ratio}");
    }

    #[test]
    fn stretch_is_flat_in_the_middle_and_wide_at_the_ends() {
        assert!(stretch_cents(65).abs() < 0.01);
        assert!(stretch_cents(21) < -25.0 && stretch_cents(108) > 25.0);
    }

    /// Mean and mean absolute drift (stretch off) over `keys`, across eight seeds.
    fn drift_stats(keys: std::ops::RangeInclusive<u8>, spread: f32) -> (f32, f32) {
        let (mut sum, mut abs, mut n) = (0.0, 0.0, 0.0);
        for seed in 1..=8 {
            for k in keys.clone() {
                let c = key_offset_cents(k, 0.0, spread, seed);
                sum += c;
                abs += c.abs();
                n += 1.0;
            }
        }
        (sum / n, abs / n)
    }

    #[test]
    fn an_old_piano_sags_flat_in_the_middle_and_drifts_least_in_the_bass() {
        // Full spread: the middle of the board (C4-C5) a quarter to half a tone flat on average.
        let (middle_mean, middle_abs) = drift_stats(60..=72, 50.0);
        assert!(
            (-50.0..=-25.0).contains(&middle_mean),
            "middle {middle_mean}"
        );
        // Bass (A0-A1) and treble (C7-C8): the treble drifts well over twice as far as the bass.
        let (bass_mean, bass_abs) = drift_stats(21..=33, 50.0);
        let (treble_mean, treble_abs) = drift_stats(96..=108, 50.0);
        assert!(
            treble_abs > 2.0 * bass_abs,
            "treble {treble_abs}, bass {bass_abs}"
        );
        assert!(
            middle_abs > 2.5 * bass_abs,
            "middle {middle_abs}, bass {bass_abs}"
        );
        assert!(bass_mean.abs() < 5.0 && treble_mean.abs() < 15.0);
        // Seeded: the same seed recalls the same tuning, another seed another.
        assert_eq!(
            key_offset_cents(64, 1.0, 20.0, 9),
            key_offset_cents(64, 1.0, 20.0, 9)
        );
        assert_ne!(
            key_offset_cents(64, 1.0, 20.0, 9),
            key_offset_cents(64, 1.0, 20.0, 10)
        );
        // No spread, no drift: only the stretch is left.
        assert_eq!(key_offset_cents(64, 1.0, 0.0, 9), stretch_cents(64));
    }

    #[test]
    fn key_random_is_seeded_and_bounded() {
        assert_eq!(key_random(7, 60, 1), key_random(7, 60, 1));
        assert_ne!(key_random(7, 60, 1), key_random(8, 60, 1));
        for k in 0..128u8 {
            let r = key_random(3, k, 2);
            assert!((-1.0..1.0).contains(&r));
        }
    }
}
