//! Sections: the song split where the music changes, on the song's own phrases.
//!
//! No host sends section markers, so they are inferred in two steps.
//!
//! **Novelty** (Foote 2000, "Automatic audio segmentation using a measure of audio novelty"):
//! every bar gets a feature vector (density, loudness, occupancy, activity, flatness, low-end
//! load, each scaled to about 0..1, plus its part fill and band profile against the song's
//! reference: see [`PROFILE_WEIGHT`]); a checkerboard kernel of half-width one phrase slides
//! along the diagonal of the bar-to-bar distance (self-similarity) matrix, and the novelty at
//! a bar line is the mean distance across it minus the mean distance within the bars on
//! either side (Gaussian-tapered, so the bars nearest the line count most).
//!
//! **Boundaries** (optimal segmentation by dynamic programming, as in Jensen 2007, "Multiple
//! scale music segmentation using rhythm, timbre and harmony"): every local novelty maximum
//! that reaches [`NOVELTY_THRESHOLD`] is a candidate on its own bar line, wherever it falls.
//! The chosen set maximizes the sum of `novelty - NOVELTY_THRESHOLD` over its boundaries minus
//! a phrase prior on every section's length, counted from the song's first bar (the first
//! bar of music, once `song_extent` has cut off the count-in) and from each boundary chosen:
//! a whole number of phrases costs nothing, half phrases (a 2-bar pickup, a 6-bar phrase with
//! 4-bar phrases) cost [`HALF_PHRASE_PENALTY`], any other length [`OFF_PHRASE_PENALTY`]. So a
//! change off the grid starts a section on its own bar when its novelty is clear, and a
//! marginal one does not break the phrases; the song's last section is not charged (songs
//! end anywhere). Sections are at least [`MIN_SECTION_BARS`] long. The previous version
//! snapped every change to a fixed 4-bar grid from the song's start, so a 2-bar pickup moved
//! every boundary after it by 2 bars.
//!
//! **Letters**: a section takes the letter of the nearest earlier section whose mean features
//! are closer than [`SAME_SECTION_DISTANCE`] (A B A C ...: a repeated verse is A again), with a
//! prime when it is a variant rather than a close repeat ([`VARIANT_DISTANCE`]: A B A' ...);
//! the user's labels (Verse, Chorus, ...) replace the letters and add boundaries.
//!
//! Tuned (kernel width, threshold, penalties) on the tuning songs of
//! `tracker::section_eval_tests`; measured on its held-out songs.

use super::bands::PROFILE_BANDS;
use super::bar::BarStats;
use super::part_fill::song_reference;
use serde::{Deserialize, Serialize};

/// Novelty a phrase-grid bar line needs to start a section: a mean feature change of 0.06
/// (e.g. density up 10 points together with +3 LU and a fuller spectrum).
pub const NOVELTY_THRESHOLD: f32 = 0.06;
/// Sections whose mean features differ by less than this share a letter.
pub const SAME_SECTION_DISTANCE: f32 = 0.08;
/// A section sharing a letter is marked a variant (A') when its mean features differ from the
/// letter's first section by at least this (half of [`SAME_SECTION_DISTANCE`]): the same
/// section with something added or taken away, e.g. a last chorus with one more part.
pub const VARIANT_DISTANCE: f32 = 0.04;
/// Cost of a section lasting a whole number of half phrases but not of phrases (2 or 6 bars
/// with 4-bar phrases), in novelty units: the change must be clearly heard to start it.
pub const HALF_PHRASE_PENALTY: f32 = 0.1;
/// Cost of a section of any other length (3, 5, 7 bars with 4-bar phrases).
pub const OFF_PHRASE_PENALTY: f32 = 0.3;
/// Shortest section, bars.
pub const MIN_SECTION_BARS: usize = 2;
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
    /// A, B, C...: sections with the same letter sound alike; a prime (A') marks a variant
    /// (see [`VARIANT_DISTANCE`]).
    pub auto_label: String,
    pub user_labelled: bool,
    pub mean_density: f32,
    /// BS.1770 loudness of the whole section (power mean of its bars), LUFS.
    pub loudness_lufs: f32,
    /// Novelty at the section's first bar line (0 for the first section).
    pub novelty: f32,
}

impl Section {
    /// The group the section belongs to: the user's label, else its letter without the
    /// variant's prime (A and A' are one group for the verdict).
    pub fn group(&self) -> &str {
        if self.user_labelled {
            &self.label
        } else {
            self.auto_label.trim_end_matches('\'')
        }
    }
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

/// Cost of a section of `len` bars under the phrase prior (see the module docs).
fn length_penalty(len: usize, phrase: usize) -> f32 {
    if len.is_multiple_of(phrase) {
        0.0
    } else if phrase.is_multiple_of(2) && len.is_multiple_of(phrase / 2) {
        HALF_PHRASE_PENALTY
    } else {
        OFF_PHRASE_PENALTY
    }
}

/// Section starts (indices into `novelty`, after 0) that maximize the total novelty gain minus
/// the phrase prior, by dynamic programming over the candidate bar lines.
fn phrase_boundaries(novelty: &[f32], phrase: usize) -> Vec<usize> {
    let n = novelty.len();
    let min_len = MIN_SECTION_BARS.min(phrase);
    // Candidates: local maxima (the first bar of a plateau) at or above the threshold.
    let candidates: Vec<usize> = (1..n)
        .filter(|&k| {
            let v = novelty[k];
            v >= NOVELTY_THRESHOLD
                && v >= novelty[k - 1]
                && novelty.get(k + 1).is_none_or(|&r| v > r)
        })
        .collect();
    // best[i]: the best score of a segmentation of bars 0..points[i] ending with a
    // boundary there (index 0 of `points` is the song start); from[i]: the boundary before.
    let points: Vec<usize> = std::iter::once(0)
        .chain(candidates.iter().copied())
        .collect();
    let mut best: Vec<Option<f32>> = vec![None; points.len()];
    let mut from = vec![0usize; points.len()];
    best[0] = Some(0.0);
    for i in 1..points.len() {
        let k = points[i];
        let gain = novelty[k] - NOVELTY_THRESHOLD;
        for j in 0..i {
            let Some(prev) = best[j] else { continue };
            let len = k - points[j];
            if len < min_len {
                continue;
            }
            let score = prev + gain - length_penalty(len, phrase);
            if best[i].is_none_or(|b| score > b) {
                best[i] = Some(score);
                from[i] = j;
            }
        }
    }
    // The last section runs to the song's end, uncharged; it must still be long enough.
    let mut end = 0;
    let mut end_score = 0.0;
    for (i, b) in best.iter().enumerate() {
        if let Some(b) = *b
            && (i == 0 || n - points[i] >= min_len)
            && b > end_score
        {
            end = i;
            end_score = b;
        }
    }
    let mut out = Vec::new();
    while end != 0 {
        out.push(points[end]);
        end = from[end];
    }
    out.reverse();
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

    let mut starts = vec![0usize];
    starts.extend(phrase_boundaries(&novelty, phrase));
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
        // The nearest earlier letter within reach; a variant when it is not a close repeat.
        let nearest = letters
            .iter()
            .enumerate()
            .map(|(i, rep)| (i, distance(rep, &mean)))
            .filter(|&(_, d)| d < SAME_SECTION_DISTANCE)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let auto_label = match nearest {
            Some((i, d)) if d >= VARIANT_DISTANCE => format!("{}'", letter(i)),
            Some((i, _)) => letter(i),
            None => {
                letters.push(mean);
                letter(letters.len() - 1)
            }
        };
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
    fn clear_changes_off_the_phrase_grid_start_on_their_bar_and_tiny_changes_do_not_split() {
        // A 6-bar phrase: the change at bar 6 starts a section there (the grid snapped it to
        // bar 4 or 8).
        let mut t = timeline(&[(6, 25.0, -20.0), (10, 75.0, -11.0)]);
        let starts = |t: &[Option<BarStats>]| -> Vec<i32> {
            find_sections(t, 4, &[])
                .iter()
                .map(|x| x.start_bar)
                .collect()
        };
        assert_eq!(starts(&t), vec![0, 6]);
        // A 2-bar pickup before an 8-bar verse and a chorus: 0, 2, 10.
        let pickup = timeline(&[(2, 12.0, -26.0), (8, 25.0, -20.0), (8, 75.0, -11.0)]);
        assert_eq!(starts(&pickup), vec![0, 2, 10]);
        // Small jitter never splits.
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
    fn the_phrase_prior_keeps_marginal_changes_on_the_phrases() {
        // Novelty just over the threshold on a phrase line starts a section; the same novelty
        // 1 bar off the phrase, where the section before would last 5 bars, does not: its
        // gain (0.02) is less than the cost of an odd length (0.3).
        let mut novelty = vec![0.0f32; 16];
        novelty[8] = NOVELTY_THRESHOLD + 0.02;
        assert_eq!(phrase_boundaries(&novelty, 4), vec![8]);
        let mut off = vec![0.0f32; 16];
        off[5] = NOVELTY_THRESHOLD + 0.02;
        assert_eq!(phrase_boundaries(&off, 4), Vec::<usize>::new());
        // A clear change there (novelty 0.4 over the threshold) does.
        off[5] = NOVELTY_THRESHOLD + 0.4;
        assert_eq!(phrase_boundaries(&off, 4), vec![5]);
        // A 2-bar pickup costs less than an odd length: 0.15 over the threshold is enough.
        let mut pickup = vec![0.0f32; 16];
        pickup[2] = NOVELTY_THRESHOLD + 0.15;
        assert_eq!(phrase_boundaries(&pickup, 4), vec![2]);
        assert_eq!(length_penalty(8, 4), 0.0);
        assert_eq!(length_penalty(6, 4), HALF_PHRASE_PENALTY);
        assert_eq!(length_penalty(7, 4), OFF_PHRASE_PENALTY);
    }

    #[test]
    fn a_repeat_with_a_change_is_a_variant_of_its_letter() {
        // Verse, chorus, the verse again with a little more (density +8 points, +0.5 LU: a
        // mean feature distance of 0.063), the chorus again exactly.
        let t = timeline(&[
            (8, 25.0, -20.0),
            (8, 75.0, -11.0),
            (8, 33.0, -19.5),
            (8, 75.0, -11.0),
        ]);
        let s = find_sections(&t, 4, &[]);
        let letters: Vec<&str> = s.iter().map(|x| x.auto_label.as_str()).collect();
        assert_eq!(letters, vec!["A", "B", "A'", "B"]);
        let groups: Vec<&str> = s.iter().map(|x| x.group()).collect();
        assert_eq!(groups, vec!["A", "B", "A", "B"]);
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
