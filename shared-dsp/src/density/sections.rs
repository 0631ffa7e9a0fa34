//! Sections: the song split where the bars change character, on the phrase grid.
//!
//! No host sends section markers, so they are inferred (Foote 2000, "Automatic audio
//! segmentation using a measure of audio novelty"): every bar gets a feature vector (density,
//! loudness, occupancy, activity, flatness, low-end load, each scaled to about 0..1, plus its
//! part fill and band profile against the song's reference: see [`PROFILE_WEIGHT`]), a
//! checkerboard kernel of half-width one phrase slides along the bar-to-bar distance matrix, and
//! the novelty at a bar line is the mean distance across it minus the mean distance within the
//! phrases on either side (Gaussian-tapered, so the bars nearest the line count most). Every
//! novelty peak that reaches [`NOVELTY_THRESHOLD`] starts a section at the nearest phrase-grid
//! bar line (every `phrase_bars` bars from the first heard bar: the song's first bar), at most one per phrase. Sections that sound alike get the same letter (A, B, ...);
//! the user's labels (Verse, Chorus, ...) replace the letters.

use super::bands::PROFILE_BANDS;
use super::bar::BarStats;
use super::part_fill::song_reference;
use serde::{Deserialize, Serialize};

/// Novelty a phrase-grid bar line needs to start a section: a mean feature change of 0.06
/// (e.g. density up 10 points together with +3 LU and a fuller spectrum).
pub const NOVELTY_THRESHOLD: f32 = 0.06;
/// Sections whose mean features differ by less than this share a letter.
pub const SAME_SECTION_DISTANCE: f32 = 0.08;
/// Scalar features of a bar (density, loudness, occupancy, activity, flatness, low end).
pub const SCALAR_FEATURES: usize = 6;
/// The band profile pooled for sections: 5 groups of 4 profile bands (about 7.5 ERB each).
pub const PROFILE_GROUPS: usize = 5;
/// All features: the scalars, the part fill, then the profile groups.
pub const FEATURES: usize = SCALAR_FEATURES + 1 + PROFILE_GROUPS;
/// Weight of the part fill (`part_fill`, against the song) in the squared distance.
pub const FILL_WEIGHT: f32 = 1.0;
/// Weight of the mean squared profile-group difference in the squared distance.
///
/// Why: the scalars tell a sparse bar from a full one, not which parts play. A verse and the
/// same verse plus sustained strings (the pre-chorus of issue 15) differ by a few density
/// points and under 1 LU, and merged. The part fill and the band profile see the strings where
/// they sound: each group is the mean over its 4 bands of `(P_b - R_b) / RANGE_DB + 1` clamped
/// to 0..1 (`P_b` the bar's log-mean level, `R_b` the song's reference: `part_fill`). Groups,
/// not the 20 bands: a chord change moves harmonics between neighbouring bands every bar, and
/// the 20-band distance made that within-section scatter as large as a part entering in 3/4.
/// Bars without a profile add nothing (as before profiles existed).
///
/// Chosen on the tuning songs (`tracker::gm_song_tests::tuning_set_printout`): novelty at the
/// true boundaries 0.07-0.52, elsewhere at most 0.05 (the 20 bands with weight 1: 0.02-0.21
/// against up to 0.07, and the verse-to-pre line of the 6/8 song at 0.05, under the threshold).
pub const PROFILE_WEIGHT: f32 = 2.0;
/// Depth of a band feature: 0 at this many dB under the song's reference, 1 at it.
pub const RANGE_DB: f32 = 30.0;

/// A label the user gave the section starting at `start_bar`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionLabel {
    pub start_bar: i32,
    pub label: String,
}

/// Common labels offered to the user.
pub const LABEL_CHOICES: [&str; 9] = [
    "Intro",
    "Verse",
    "Pre",
    "Chorus",
    "Post",
    "Bridge",
    "Breakdown",
    "Drop",
    "Outro",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub start_bar: i32,
    /// One past the last bar.
    pub end_bar: i32,
    /// The user's label if given, else the automatic letter.
    pub label: String,
    /// A, B, C...: sections with the same letter sound alike.
    pub auto_label: String,
    pub user_labelled: bool,
    pub mean_density: f32,
    /// BS.1770 loudness of the whole section (power mean of its bars), LUFS.
    pub loudness_lufs: f32,
    /// Novelty at the section's first bar line (0 for the first section).
    pub novelty: f32,
}

/// The features of one bar (a never-heard bar is treated as silence) against the song's
/// reference profile (`None`: no profiles, the band features are 0).
pub fn bar_features(
    bar: Option<&BarStats>,
    reference: Option<&[f32; PROFILE_BANDS]>,
) -> [f32; FEATURES] {
    let Some(b) = bar else {
        return [0.0; FEATURES];
    };
    let unit = |x: f32| {
        if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    let mut f = [0.0; FEATURES];
    f[..SCALAR_FEATURES].copy_from_slice(&[
        unit(b.density / 100.0),
        unit((b.loudness_lufs + 50.0) / 50.0),
        unit(b.occupancy),
        unit(b.onset_rate_hz / 8.0),
        unit((10.0 * b.flatness.max(1e-6).log10() + 30.0) / 25.0),
        unit(b.low_share * 2.0),
    ]);
    f[SCALAR_FEATURES] = unit(b.fill);
    if let Some(r) = reference
        && b.has_profile()
        && b.is_sounding()
    {
        let per_group = PROFILE_BANDS / PROFILE_GROUPS;
        for (g, o) in f[SCALAR_FEATURES + 1..].iter_mut().enumerate() {
            let bands = g * per_group..(g + 1) * per_group;
            *o = b.band_db[bands.clone()]
                .iter()
                .zip(&r[bands])
                .map(|(&p, &r)| unit((p - r) / RANGE_DB + 1.0))
                .sum::<f32>()
                / per_group as f32;
        }
    }
    f
}

fn distance(a: &[f32; FEATURES], b: &[f32; FEATURES]) -> f32 {
    let sq = |r: std::ops::Range<usize>| {
        a[r.clone()]
            .iter()
            .zip(&b[r])
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f32>()
    };
    (sq(0..SCALAR_FEATURES) / SCALAR_FEATURES as f32
        + FILL_WEIGHT * sq(SCALAR_FEATURES..SCALAR_FEATURES + 1)
        + PROFILE_WEIGHT * sq(SCALAR_FEATURES + 1..FEATURES) / PROFILE_GROUPS as f32)
        .sqrt()
}

/// Novelty at every bar line `b` (between bar b-1 and bar b) of `features`, with a kernel of
/// half-width `half` bars. Index 0 is 0.
pub fn novelty_curve(features: &[[f32; FEATURES]], half: usize) -> Vec<f32> {
    let n = features.len();
    let half = half.max(1) as isize;
    let sigma = half as f32 * 0.5 + 0.5;
    let weight = |i: isize, j: isize, b: isize| {
        // Distance of each bar from the line, in bars (the first bar after the line is 0.5).
        let di = (i as f32 + 0.5) - b as f32;
        let dj = (j as f32 + 0.5) - b as f32;
        (-(di * di + dj * dj) / (2.0 * sigma * sigma)).exp()
    };
    let mut out = vec![0.0; n];
    for (b, o) in out.iter_mut().enumerate().skip(1) {
        let b = b as isize;
        let lo = (b - half).max(0);
        let hi = (b + half).min(n as isize);
        let (mut cross, mut cross_w, mut within, mut within_w) = (0.0, 0.0, 0.0, 0.0);
        for i in lo..hi {
            for j in (i + 1)..hi {
                let w = weight(i, j, b);
                let d = distance(&features[i as usize], &features[j as usize]);
                if (i < b) != (j < b) {
                    cross += w * d;
                    cross_w += w;
                } else {
                    within += w * d;
                    within_w += w;
                }
            }
        }
        let cross = if cross_w > 0.0 { cross / cross_w } else { 0.0 };
        let within = if within_w > 0.0 {
            within / within_w
        } else {
            0.0
        };
        *o = (cross - within).max(0.0);
    }
    out
}

fn letter(i: usize) -> String {
    let mut s = String::new();
    let mut i = i;
    loop {
        s.insert(0, (b'A' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s
}

/// Splits the heard part of a timeline (indexed by bar number) into sections.
pub fn find_sections(
    timeline: &[Option<BarStats>],
    phrase_bars: usize,
    labels: &[SectionLabel],
) -> Vec<Section> {
    let phrase = phrase_bars.clamp(1, 64);
    let Some(first) = timeline.iter().position(|b| b.is_some()) else {
        return Vec::new();
    };
    let last = timeline.iter().rposition(|b| b.is_some()).unwrap_or(first);
    let span = &timeline[first..=last];
    let reference = song_reference(
        span.iter()
            .flatten()
            .filter(|b| b.is_sounding())
            .map(|b| &b.band_db),
    );
    let features: Vec<[f32; FEATURES]> = span
        .iter()
        .map(|b| bar_features(b.as_ref(), reference.as_ref()))
        .collect();
    let novelty = novelty_curve(&features, phrase);

    // Novelty peaks (at any bar) snapped to the nearest phrase-grid bar line: a change that
    // lands off the grid (a pickup, an early fill) still starts the phrase it belongs to.
    let mut starts = vec![0usize];
    for k in 1..novelty.len() {
        let nov = novelty[k];
        let right = novelty.get(k + 1).copied().unwrap_or(0.0);
        if nov < NOVELTY_THRESHOLD || nov < novelty[k - 1] || nov <= right {
            continue;
        }
        // The grid counts from the first heard bar: the song's first bar once the count-in
        // is cut off (see `song_extent`), not the file's.
        let ks = (k + phrase / 2) / phrase * phrase;
        if ks == 0 || ks >= span.len() {
            continue;
        }
        if starts.iter().all(|&s| s.abs_diff(ks) >= phrase) {
            starts.push(ks);
        }
    }
    // A user label on a bar also starts a section there.
    for l in labels {
        if l.start_bar >= first as i32 && l.start_bar <= last as i32 {
            let k = l.start_bar as usize - first;
            if !starts.contains(&k) {
                starts.push(k);
            }
        }
    }
    starts.sort_unstable();

    let mut sections = Vec::with_capacity(starts.len());
    let mut letters: Vec<[f32; FEATURES]> = Vec::new();
    for (s, &start) in starts.iter().enumerate() {
        let end = starts.get(s + 1).copied().unwrap_or(span.len());
        let bars = &span[start..end];
        let mut mean = [0.0f32; FEATURES];
        for f in &features[start..end] {
            for (m, x) in mean.iter_mut().zip(f) {
                *m += x / (end - start) as f32;
            }
        }
        let letter_idx = match letters
            .iter()
            .position(|rep| distance(rep, &mean) < SAME_SECTION_DISTANCE)
        {
            Some(i) => i,
            None => {
                letters.push(mean);
                letters.len() - 1
            }
        };
        let auto_label = letter(letter_idx);
        let start_bar = (first + start) as i32;
        let user = labels
            .iter()
            .rev()
            .find(|l| l.start_bar == start_bar && !l.label.trim().is_empty());
        let heard: Vec<&BarStats> = bars.iter().flatten().collect();
        let mean_density = heard.iter().map(|b| b.density).sum::<f32>() / heard.len().max(1) as f32;
        let power = heard
            .iter()
            .map(|b| crate::loudness::lufs_to_power(b.loudness_lufs as f64))
            .sum::<f64>()
            / heard.len().max(1) as f64;
        sections.push(Section {
            start_bar,
            end_bar: (first + end) as i32,
            label: user.map_or_else(|| auto_label.clone(), |l| l.label.trim().to_string()),
            auto_label,
            user_labelled: user.is_some(),
            mean_density,
            loudness_lufs: crate::loudness::power_to_lufs(power) as f32,
            novelty: if start == 0 { 0.0 } else { novelty[start] },
        });
    }
    sections
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A bar with the given density, loudness and matching components.
    pub(crate) fn bar(index: i32, density: f32, lufs: f32) -> BarStats {
        let d = density / 100.0;
        BarStats {
            index,
            duration_s: 2.0,
            coverage: 1.0,
            loudness_lufs: lufs,
            true_peak_dbtp: lufs + 12.0,
            plr_db: 12.0,
            occupancy: d,
            flatness: 0.001 + 0.2 * d,
            onset_rate_hz: 8.0 * d,
            low_share: 0.3 * d,
            low_band_share: [0.1 * d, 0.2 * d, 0.05],
            density,
            // No band profile: the given density stands (`part_fill` leaves such bars alone).
            fill: 0.0,
            band_db: [crate::density::bands::NO_PROFILE_DB; crate::density::bands::PROFILE_BANDS],
        }
    }

    pub(crate) fn timeline(parts: &[(usize, f32, f32)]) -> Vec<Option<BarStats>> {
        let mut v = Vec::new();
        for &(bars, density, lufs) in parts {
            for _ in 0..bars {
                let i = v.len() as i32;
                v.push(Some(bar(i, density, lufs)));
            }
        }
        v
    }

    #[test]
    fn sections_start_where_the_arrangement_changes() {
        // Verse 8, pre 4, chorus 8, verse 8, chorus 8.
        let t = timeline(&[
            (8, 25.0, -20.0),
            (4, 45.0, -16.0),
            (8, 75.0, -11.0),
            (8, 25.0, -20.0),
            (8, 75.0, -11.0),
        ]);
        let s = find_sections(&t, 4, &[]);
        let starts: Vec<i32> = s.iter().map(|x| x.start_bar).collect();
        assert_eq!(starts, vec![0, 8, 12, 20, 28]);
        let letters: Vec<&str> = s.iter().map(|x| x.auto_label.as_str()).collect();
        assert_eq!(letters, vec!["A", "B", "C", "A", "C"]);
        assert!((s[2].mean_density - 75.0).abs() < 1e-3);
        assert!((s[2].loudness_lufs + 11.0).abs() < 0.01);
    }

    #[test]
    fn changes_off_the_phrase_grid_and_tiny_changes_do_not_split() {
        // A change at bar 6 with a 4-bar grid lands on bar 4 or 8, never 6; small jitter
        // never splits.
        let mut t = timeline(&[(6, 25.0, -20.0), (10, 75.0, -11.0)]);
        let s = find_sections(&t, 4, &[]);
        assert!(s.iter().all(|x| x.start_bar % 4 == 0));
        assert_eq!(s.len(), 2, "{s:?}");
        for (i, b) in t.iter_mut().enumerate() {
            *b = Some(bar(
                i as i32,
                50.0 + (i % 3) as f32,
                -14.0 + 0.2 * (i % 2) as f32,
            ));
        }
        assert_eq!(find_sections(&t, 4, &[]).len(), 1);
    }

    #[test]
    fn user_labels_replace_letters_and_add_boundaries() {
        let t = timeline(&[(8, 25.0, -20.0), (8, 75.0, -11.0)]);
        let labels = vec![
            SectionLabel {
                start_bar: 0,
                label: "Verse".into(),
            },
            SectionLabel {
                start_bar: 8,
                label: " Chorus ".into(),
            },
            SectionLabel {
                start_bar: 4,
                label: "Verse 1b".into(),
            },
        ];
        let s = find_sections(&t, 4, &labels);
        let names: Vec<&str> = s.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(names, vec!["Verse", "Verse 1b", "Chorus"]);
        assert!(s.iter().all(|x| x.user_labelled));
    }

    #[test]
    fn unheard_bars_before_the_first_capture_are_skipped() {
        let mut t = vec![None; 16];
        t.extend(timeline(&[(8, 40.0, -14.0)]));
        let s = find_sections(&t, 4, &[]);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].start_bar, s[0].end_bar), (16, 24));
        assert!(find_sections(&[], 4, &[]).is_empty());
        assert_eq!(letter(27), "AB");
    }
}
