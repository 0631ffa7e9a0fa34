//! Part fill: how many of the song's parts a bar holds, read from its band profile against the
//! song's own fullest bars.
//!
//! Why: the other components are measured inside the bar, relative to the bar. One strummed
//! guitar fills most ERB bands within 30 dB of its loudest band and strums on every eighth, so
//! it read as dense as a seven-part band (issue 15: 81 against 80 in a 6/8 song; a piano intro
//! 47 against piano + bass + drums 46). Nothing measured relative to the bar alone can count
//! parts: a loud bass entering lowers every other band relative to the loudest one.
//!
//! What is monotone: the powers of independent parts add, so adding a part never lowers any
//! band's level in any frame. A bar's **band profile** `P_b` (for each of the
//! [`PROFILE_BANDS`] pairs of ERB bands, the mean over the bar's frames of the band's dB level,
//! each frame floored 60 dB under the held loudest band) therefore only rises when a part
//! joins. The log-mean (a geometric mean of power over time) makes a sustained part count: it
//! fills the gaps between strums or hits, which a power mean, ruled by the peaks, barely sees.
//!
//! The song's **reference** `R_b` is the largest `P_b` over the song's bars (its fullest bars),
//! raised to at least `max_b R_b - `[`SPAN_DB`] so that bands the whole song leaves nearly empty
//! do not count as filled by a trace. A bar's fill is
//!
//! ```text
//! fill = (1 / B) * sum_b 10^((min(P_b, R_b) - R_b) / 10)      (B = 20 bands)
//! ```
//!
//! the share of the song's fullest (geometric-mean) power the bar holds, band by band. It
//! counts parts: n of N equally loud parts in a band give n / N there, so each part adds its
//! share, and a part that carries more of the band adds more. Every term is a non-decreasing
//! function of `P_b` for a fixed reference, so within one song a bar that holds more parts never
//! reads less fill, and a part that adds level in any band below the reference raises it
//! strictly. Multiplying the whole mix by a gain shifts `P_b` and `R_b` alike: fill does not
//! depend on the mix level. (A dB ramp, `clamp((P_b - R_b + 30) / 30, 0, 1)`, was tried first:
//! also monotone, but one of five parts sits only ~7 dB under the full band and read 0.77 full;
//! on the tuning songs the guitar-alone-to-full-band step in 6/8 was 0.84 -> 0.93 against
//! 0.44 -> 0.69 for the power share.)
//!
//! In the plugin, "the song" is the timeline captured so far: each bar is first judged against
//! itself ([`self_fill`]) when it closes, and every report (editor, exports, `catalyst
//! analyze`) re-anchors all bars to the fullest bars heard so far ([`anchor_to_song`]).
//!
//! Related measures: ERB-rate band levels (Glasberg & Moore 1990), the "spectral coverage" of
//! Tonal Balance-style meters, and the long-term average spectrum used to compare mixes (e.g.
//! Pestana et al., AES 2013, "Spectral characteristics of popular commercial recordings"); the
//! anchoring to the programme's own loudest passages follows loudness range practice (EBU Tech
//! 3342 gates relative to the programme, not to an absolute level).
//!
//! Tuned (the power share over the dB ramp, SPAN_DB, the index weights) on the fluidsynth
//! arrangements of `tracker::gm_song_tests` marked "tuning set"; asserted on the held-out set
//! there.

use super::bands::{NO_PROFILE_DB, PROFILE_BANDS};
use super::bar::BarStats;
use super::index::density_index;

/// The reference of a band is at least the song's loudest band minus this, dB.
pub const SPAN_DB: f32 = 30.0;

/// The song's reference profile: per band the fullest bar's level, raised to the loudest band
/// minus [`SPAN_DB`]; `None` when no bar has a profile.
pub fn song_reference<'a>(
    profiles: impl IntoIterator<Item = &'a [f32; PROFILE_BANDS]>,
) -> Option<[f32; PROFILE_BANDS]> {
    let mut reference = [NO_PROFILE_DB; PROFILE_BANDS];
    let mut any = false;
    for p in profiles {
        if !p.iter().any(|&db| db > NO_PROFILE_DB) {
            continue;
        }
        any = true;
        for (r, &db) in reference.iter_mut().zip(p) {
            *r = r.max(db);
        }
    }
    if !any {
        return None;
    }
    let loudest = reference.iter().copied().fold(f32::MIN, f32::max);
    for r in &mut reference {
        *r = r.max(loudest - SPAN_DB);
    }
    Some(reference)
}

/// One band's fill: the power share of the song's reference the bar holds there,
/// `10^((P_b - R_b) / 10)`, at most 1.
fn band_fill(p: f32, r: f32) -> f32 {
    10f32.powf(((p - r) / 10.0).min(0.0))
}

/// Fill (0..1) of a profile against a reference (see the module docs).
pub fn fill(profile: &[f32; PROFILE_BANDS], reference: &[f32; PROFILE_BANDS]) -> f32 {
    if !profile.iter().any(|&db| db > NO_PROFILE_DB) {
        return 0.0;
    }
    let sum: f32 = profile
        .iter()
        .zip(reference)
        .map(|(&p, &r)| band_fill(p, r))
        .sum();
    sum / PROFILE_BANDS as f32
}

/// Fill of a bar judged against itself: the song is this bar alone.
pub fn self_fill(profile: &[f32; PROFILE_BANDS]) -> f32 {
    song_reference([profile]).map_or(0.0, |r| fill(profile, &r))
}

/// Re-anchors every bar's fill, and so its density, to the song: the reference is taken from
/// the bars for which `in_song(index)` holds (the song extent: a count-in or a tail is not
/// among the song's fullest bars) and applied to every bar. Bars without a profile (restored
/// from older state) keep their density.
pub fn anchor_to_song(timeline: &mut [Option<BarStats>], in_song: impl Fn(i32) -> bool) {
    let Some(reference) = song_reference(
        timeline
            .iter()
            .flatten()
            .filter(|b| b.is_sounding() && in_song(b.index))
            .map(|b| &b.band_db),
    ) else {
        return;
    };
    for b in timeline.iter_mut().flatten() {
        if b.has_profile() {
            b.fill = fill(&b.band_db, &reference);
            b.density = density_index(&b.components());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(f: impl Fn(usize) -> f32) -> [f32; PROFILE_BANDS] {
        std::array::from_fn(f)
    }

    #[test]
    fn fill_rises_with_every_band_a_part_adds_and_ignores_gain() {
        // A mid part (bands 5-12 at -20 dB, the rest at its floor -80), then + a bass (bands
        // 0-4), then + a top part (bands 13-19).
        let mid = profile(|b| if (5..13).contains(&b) { -20.0 } else { -80.0 });
        let bass = profile(|b| if b < 13 { -20.0 } else { -80.0 });
        let full = profile(|_| -20.0);
        let reference = song_reference([&mid, &bass, &full]).unwrap();
        let f: Vec<f32> = [&mid, &bass, &full]
            .iter()
            .map(|p| fill(p, &reference))
            .collect();
        // 8, 13 and 20 of 20 bands full (the empty ones hold 1e-6 of the reference).
        assert!((f[0] - 0.40).abs() < 1e-4, "{f:?}");
        assert!((f[1] - 0.65).abs() < 1e-4, "{f:?}");
        assert!((f[2] - 1.00).abs() < 1e-4, "{f:?}");
        // 20 dB quieter: the same.
        let quiet = |p: &[f32; PROFILE_BANDS]| profile(|b| p[b] - 20.0);
        let (qm, qf) = (quiet(&mid), quiet(&full));
        let r = song_reference([&qm, &qf]).unwrap();
        assert!((fill(&qm, &r) - f[0]).abs() < 1e-5);
        // Alone, the mid part fills its own bands and the span floor leaves the others empty
        // (-80 against -20 - 30: 1e-3 of the floor's power).
        assert!((self_fill(&mid) - 0.40).abs() < 1e-3);
    }

    #[test]
    fn a_band_3_db_down_is_half_full_and_no_profile_is_empty() {
        // Two equal parts in every band, one of them playing: half the power.
        let reference = profile(|_| -10.0);
        let half = profile(|_| -10.0 - 10.0 * 2f32.log10());
        assert!((fill(&half, &reference) - 0.5).abs() < 1e-5);
        assert_eq!(fill(&[NO_PROFILE_DB; PROFILE_BANDS], &reference), 0.0);
        assert_eq!(song_reference([&[NO_PROFILE_DB; PROFILE_BANDS]]), None);
    }
}
