//! The Journey verdict: does the song move?
//!
//! - **Chorus vs verse contrast**, in Density index points and LU. Roles come from the user's
//!   labels ("Chorus"/"Drop"/"Hook" vs "Verse"); unlabelled, the densest group of alike
//!   sections plays the chorus and the sparsest the verse.
//! - **Density range**: 90th minus 10th percentile of the sounding bars' density, each taken
//!   as the mean of [`RANGE_WINDOW_BARS`] consecutive bars (the song's harmonic rhythm
//!   averaged out: a chord change every bar moves the band profile, and so the part fill, by
//!   up to 8 points inside one section; a rendered wall of sound, one section of six parts,
//!   read a 13.6-point range bar by bar and 1.2 over 4-bar windows).
//! - **Section loudness spread**: loudest minus quietest section, LU.
//!
//! Thresholds (constants below): a **journey** needs the chorus at least
//! [`JOURNEY_MIN_POINTS`] denser or [`JOURNEY_MIN_LU`] louder than the verse, or a density
//! range of at least [`JOURNEY_MIN_RANGE`]. A **wall of sound** is a dense song
//! (mean >= [`WALL_MIN_MEAN`]) whose density range is under [`WALL_MAX_RANGE`] points, whose
//! chorus-verse contrast is under [`WALL_MAX_POINTS`] points and whose sections differ by
//! less than [`WALL_MAX_LU`] LU, and whose sections all sound alike (one letter, variants
//! counted with it): everything plays all the time. Anything between is "little movement".
//! Fewer than [`MIN_BARS`] sounding bars is not enough to judge.
//!
//! Why the letters: loudness and density cannot tell a wall from a song whose parts change
//! under a loud, full part. In issue 15's 6-bar song a clean-guitar strum carries the mix: the
//! drums drop out for the pre-chorus and two quiet parts join the chorus, and the sections
//! stay within 0.13 LU and 7 density points of each other, so it read "wall of sound". The
//! section finder hears the pre-chorus as a different section (its own letter, novelty 0.25 at
//! both its lines): the parts do not all play all the time, which is what the wall verdict
//! says. A wall's sections (or its one section) share a letter.

use super::bar::BarStats;
use super::sections::Section;
use serde::{Deserialize, Serialize};

pub const MIN_BARS: usize = 8;
/// Bars averaged for the density range (one 4-bar phrase, a common chord cycle).
pub const RANGE_WINDOW_BARS: usize = 4;
pub const JOURNEY_MIN_POINTS: f32 = 12.0;
pub const JOURNEY_MIN_LU: f32 = 3.0;
pub const JOURNEY_MIN_RANGE: f32 = 20.0;
pub const WALL_MIN_MEAN: f32 = 50.0;
pub const WALL_MAX_RANGE: f32 = 10.0;
pub const WALL_MAX_POINTS: f32 = 8.0;
pub const WALL_MAX_LU: f32 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerdictKind {
    NotEnoughMusic,
    WallOfSound,
    LittleMovement,
    Journey,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// Label of the sections playing the chorus / verse role (if there are two roles).
    pub chorus: Option<String>,
    pub verse: Option<String>,
    /// Chorus minus verse mean density, index points.
    pub contrast_points: f32,
    /// Chorus minus verse loudness, LU.
    pub contrast_lu: f32,
    /// P90 - P10 of bar density (means of [`RANGE_WINDOW_BARS`] bars), points.
    pub density_range: f32,
    pub mean_density: f32,
    /// Loudest minus quietest section, LU.
    pub section_spread_lu: f32,
    /// The verdict in plain words.
    pub message: String,
}

fn percentile(sorted: &[f32], p: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = p * (sorted.len() - 1) as f32;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let next = sorted[(i + 1).min(sorted.len() - 1)];
    sorted[i] + frac * (next - sorted[i])
}

fn role_of(label: &str) -> Option<bool> {
    let l = label.to_lowercase();
    if ["chorus", "drop", "hook", "refrain"]
        .iter()
        .any(|k| l.contains(k))
    {
        Some(true)
    } else if l.contains("verse") {
        Some(false)
    } else {
        None
    }
}

/// Mean density and power-mean loudness of the sections with a given label.
fn group_stats(sections: &[Section], label: &str) -> (f32, f32) {
    let group: Vec<&Section> = sections.iter().filter(|s| s.group() == label).collect();
    let bars: f32 = group.iter().map(|s| (s.end_bar - s.start_bar) as f32).sum();
    let density = group
        .iter()
        .map(|s| s.mean_density * (s.end_bar - s.start_bar) as f32)
        .sum::<f32>()
        / bars.max(1.0);
    let power = group
        .iter()
        .map(|s| {
            crate::loudness::lufs_to_power(s.loudness_lufs as f64)
                * (s.end_bar - s.start_bar) as f64
        })
        .sum::<f64>()
        / bars.max(1.0) as f64;
    (density, crate::loudness::power_to_lufs(power) as f32)
}

/// Whether the sections all sound alike: one automatic letter, variants (A') counted with it.
/// The finder's letters, not the user's labels: a user may name the sections of a wall "Verse"
/// and "Chorus", and they still play everything.
fn sounds_alike(sections: &[&Section]) -> bool {
    let mut groups = sections.iter().map(|s| s.auto_label.trim_end_matches('\''));
    groups.next().is_none_or(|first| groups.all(|g| g == first))
}

pub fn journey_verdict(timeline: &[Option<BarStats>], sections: &[Section]) -> Verdict {
    let densities: Vec<f32> = timeline
        .iter()
        .flatten()
        .filter(|b| b.is_sounding())
        .map(|b| b.density)
        .collect();
    let mean_density = densities.iter().sum::<f32>() / densities.len().max(1) as f32;
    let mut windowed: Vec<f32> = if densities.len() >= RANGE_WINDOW_BARS {
        densities
            .windows(RANGE_WINDOW_BARS)
            .map(|w| w.iter().sum::<f32>() / RANGE_WINDOW_BARS as f32)
            .collect()
    } else {
        densities.clone()
    };
    windowed.sort_by(f32::total_cmp);
    let density_range = percentile(&windowed, 0.9) - percentile(&windowed, 0.1);
    let sounding: Vec<&Section> = sections
        .iter()
        .filter(|s| s.loudness_lufs > -70.0)
        .collect();
    let section_spread_lu = if sounding.is_empty() {
        0.0
    } else {
        let max = sounding
            .iter()
            .map(|s| s.loudness_lufs)
            .fold(f32::MIN, f32::max);
        let min = sounding
            .iter()
            .map(|s| s.loudness_lufs)
            .fold(f32::MAX, f32::min);
        max - min
    };

    // Roles: user labels first, else the densest and sparsest groups of alike sections.
    let mut labels: Vec<&str> = sounding.iter().map(|s| s.group()).collect();
    labels.dedup();
    labels.sort_unstable();
    labels.dedup();
    let chorus = labels
        .iter()
        .find(|l| role_of(l) == Some(true))
        .copied()
        .or_else(|| {
            labels
                .iter()
                .max_by(|a, b| {
                    group_stats(sections, a)
                        .0
                        .total_cmp(&group_stats(sections, b).0)
                })
                .copied()
        });
    let verse = labels
        .iter()
        .find(|l| role_of(l) == Some(false))
        .copied()
        .or_else(|| {
            labels
                .iter()
                .filter(|l| Some(**l) != chorus)
                .min_by(|a, b| {
                    group_stats(sections, a)
                        .0
                        .total_cmp(&group_stats(sections, b).0)
                })
                .copied()
        });
    let (contrast_points, contrast_lu) = match (chorus, verse) {
        (Some(c), Some(v)) if c != v => {
            let (cd, cl) = group_stats(sections, c);
            let (vd, vl) = group_stats(sections, v);
            (cd - vd, cl - vl)
        }
        _ => (0.0, 0.0),
    };

    let kind = if densities.len() < MIN_BARS {
        VerdictKind::NotEnoughMusic
    } else if contrast_points >= JOURNEY_MIN_POINTS
        || contrast_lu >= JOURNEY_MIN_LU
        || density_range >= JOURNEY_MIN_RANGE
    {
        VerdictKind::Journey
    } else if mean_density >= WALL_MIN_MEAN
        && density_range < WALL_MAX_RANGE
        && contrast_points.abs() < WALL_MAX_POINTS
        && section_spread_lu < WALL_MAX_LU
        && sounds_alike(&sounding)
    {
        VerdictKind::WallOfSound
    } else {
        VerdictKind::LittleMovement
    };
    let two_roles = matches!((chorus, verse), (Some(c), Some(v)) if c != v);
    let message = match kind {
        VerdictKind::NotEnoughMusic => format!(
            "Not enough music yet: {} sounding bars, the verdict needs {MIN_BARS}.",
            densities.len()
        ),
        VerdictKind::WallOfSound => format!(
            "Wall of sound: density stays around {mean_density:.0} everywhere (range \
             {density_range:.0} points, sections within {section_spread_lu:.1} LU). \
             Everything plays all the time; thin out the verses so the chorus can explode."
        ),
        VerdictKind::LittleMovement if two_roles => format!(
            "Little movement: {} is only {contrast_points:+.0} points and {contrast_lu:+.1} LU \
             against {} (density range {density_range:.0} points).",
            chorus.unwrap_or_default(),
            verse.unwrap_or_default()
        ),
        VerdictKind::LittleMovement => format!(
            "Little movement: density range {density_range:.0} points, sections within \
             {section_spread_lu:.1} LU."
        ),
        VerdictKind::Journey if two_roles => format!(
            "A journey: {} is {contrast_points:+.0} points and {contrast_lu:+.1} LU against {} \
             (density range {density_range:.0} points).",
            chorus.unwrap_or_default(),
            verse.unwrap_or_default()
        ),
        VerdictKind::Journey => {
            format!("A journey: density ranges over {density_range:.0} points.")
        }
    };
    Verdict {
        kind,
        chorus: chorus.filter(|_| two_roles).map(str::to_string),
        verse: verse.filter(|_| two_roles).map(str::to_string),
        contrast_points,
        contrast_lu,
        density_range,
        mean_density,
        section_spread_lu,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::sections::tests::timeline;
    use crate::density::sections::{SectionLabel, find_sections};

    /// The user's labels: "Verse" from bar 0, "Chorus" from bar 8.
    fn verse_then_chorus_at_bar_8() -> Vec<SectionLabel> {
        [(0, "Verse"), (8, "Chorus")]
            .map(|(start_bar, label)| SectionLabel {
                start_bar,
                label: label.into(),
            })
            .to_vec()
    }

    #[test]
    fn sparse_verse_fuller_pre_exploding_chorus_is_a_journey() {
        let t = timeline(&[
            (8, 25.0, -20.0),
            (4, 45.0, -16.0),
            (8, 78.0, -11.0),
            (8, 25.0, -20.0),
            (8, 78.0, -11.0),
        ]);
        let s = find_sections(&t, 4, &[]);
        let v = journey_verdict(&t, &s);
        assert_eq!(v.kind, VerdictKind::Journey, "{v:?}");
        assert!((v.contrast_points - 53.0).abs() < 0.5, "{v:?}");
        assert!((v.contrast_lu - 9.0).abs() < 0.1, "{v:?}");
        assert!(v.density_range > 50.0);
        assert!(v.message.starts_with("A journey"));
    }

    #[test]
    fn everything_always_on_is_a_wall() {
        let mut t = timeline(&[(32, 80.0, -9.0)]);
        for (i, b) in t.iter_mut().flatten().enumerate() {
            b.density = 78.0 + (i % 4) as f32;
            b.loudness_lufs = -9.0 - 0.3 * (i % 2) as f32;
        }
        let s = find_sections(&t, 4, &[]);
        let v = journey_verdict(&t, &s);
        assert_eq!(v.kind, VerdictKind::WallOfSound, "{v:?}");
        assert!(v.message.contains("Wall of sound"));
    }

    #[test]
    fn a_dense_flat_song_whose_parts_change_is_not_a_wall() {
        // Dense and flat in density and loudness, but the middle section fills the bands
        // differently (a part drops out and another joins under a loud one): its own letter.
        let mut t = timeline(&[(8, 78.0, -9.0), (8, 74.0, -9.0), (8, 78.0, -9.0)]);
        for (i, b) in t.iter_mut().flatten().enumerate() {
            b.fill = if (8..16).contains(&i) { 0.45 } else { 0.7 };
        }
        let s = find_sections(&t, 4, &[]);
        let starts: Vec<i32> = s.iter().map(|x| x.start_bar).collect();
        assert_eq!(starts, vec![0, 8, 16]);
        let v = journey_verdict(&t, &s);
        assert!(
            v.density_range < WALL_MAX_RANGE
                && v.contrast_points.abs() < WALL_MAX_POINTS
                && v.section_spread_lu < WALL_MAX_LU,
            "every other wall condition holds: {v:?}"
        );
        assert_eq!(v.kind, VerdictKind::LittleMovement, "{v:?}");
        // The same song with one letter throughout (the fill unchanged) is a wall.
        for b in t.iter_mut().flatten() {
            b.fill = 0.7;
            b.density = 78.0;
        }
        let v = journey_verdict(&t, &find_sections(&t, 4, &[]));
        assert_eq!(v.kind, VerdictKind::WallOfSound, "{v:?}");
    }

    #[test]
    fn a_wall_named_verse_and_chorus_by_the_user_is_still_a_wall() {
        let t = timeline(&[(16, 80.0, -9.0)]);
        let labels = verse_then_chorus_at_bar_8();
        let v = journey_verdict(&t, &find_sections(&t, 4, &labels));
        assert_eq!(v.kind, VerdictKind::WallOfSound, "{v:?}");
    }

    #[test]
    fn user_roles_override_the_guess() {
        // The user calls the loud part "Verse" and the sparse one "Chorus": an inverted song.
        let t = timeline(&[(8, 70.0, -11.0), (8, 60.0, -13.0)]);
        let labels = verse_then_chorus_at_bar_8();
        let s = find_sections(&t, 4, &labels);
        let v = journey_verdict(&t, &s);
        assert_eq!(v.chorus.as_deref(), Some("Chorus"));
        assert!(v.contrast_points < -9.0 && v.contrast_lu < -1.9, "{v:?}");
        assert_ne!(v.kind, VerdictKind::Journey);
    }

    #[test]
    fn short_or_quiet_songs_are_not_judged() {
        let t = timeline(&[(4, 50.0, -14.0)]);
        let v = journey_verdict(&t, &find_sections(&t, 4, &[]));
        assert_eq!(v.kind, VerdictKind::NotEnoughMusic);
        let v = journey_verdict(&[], &[]);
        assert_eq!(v.kind, VerdictKind::NotEnoughMusic);
    }

    #[test]
    fn sparse_and_static_is_little_movement_not_a_wall() {
        let t = timeline(&[(16, 20.0, -24.0)]);
        let v = journey_verdict(&t, &find_sections(&t, 4, &[]));
        assert_eq!(v.kind, VerdictKind::LittleMovement);
    }
}
