//! Song extent: which bars of a bounce are the song.
//!
//! A DAW bounce has a silent count-in before the music and the release tail (reverb, a ringing
//! last chord) after it. Neither is a section: judged as one, a 3-bar tail 27 LU under the song
//! made every wall of sound "a journey" against it. So sections and the verdict only see the
//! bars between the first and the last bar of music, and phrases count from the first.
//!
//! A bar is outside the song at the start while it is unheard, silent (under
//! [`super::index::SILENT_LUFS`]) or a near-silent count-in: fewer than [`MIN_ONSETS_PER_BAR`] onsets and more
//! than [`FAR_BELOW_SONG_LU`] under the song's median bar loudness. At the end, walking back
//! from the last bar, a bar is tail while it is unheard, silent, or has fewer than
//! [`MIN_ONSETS_PER_BAR`] onsets (nothing new starts in it) and is either
//! [`TAIL_DECAY_LU`] quieter than the bar before it (a release decaying) or more than
//! [`FAR_BELOW_SONG_LU`] under the median, or is [`TAIL_DROP_LU`] quieter than the bar before
//! with fewer than [`TAIL_MAX_ONSETS`] onsets (fluidsynth's reverb tail of a 3/4 song at 72
//! BPM read one onset in its 2.5 s, 20 LU under the last bar). A held chord that does not
//! decay, and a quiet intro or outro in which notes still start, stay in the song.

use super::bar::BarStats;
use serde::{Deserialize, Serialize};

/// A bar in which fewer onsets than this start has nothing new in it.
pub const MIN_ONSETS_PER_BAR: f32 = 1.0;
/// A bar this much quieter than the bar before it, with nothing new in it, is a release tail.
pub const TAIL_DECAY_LU: f32 = 3.0;
/// A bar this much quieter than the bar before it with at most one onset (a reverb tail
/// reads one now and then) is a release tail.
pub const TAIL_DROP_LU: f32 = 12.0;
/// Onsets a fast-dropping tail bar may hold (under this).
pub const TAIL_MAX_ONSETS: f32 = 2.0;
/// A bar with nothing new in it this far under the song's median bar loudness is not music
/// (a sparse verse sits 6-12 LU under a chorus, so the median is at most ~10 LU over it).
pub const FAR_BELOW_SONG_LU: f32 = 20.0;

/// The song's bars: `start_bar..end_bar` (bar numbers, end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SongExtent {
    pub start_bar: i32,
    pub end_bar: i32,
}

impl SongExtent {
    pub fn contains(&self, bar: i32) -> bool {
        (self.start_bar..self.end_bar).contains(&bar)
    }
}

fn onsets(bar: &BarStats) -> f32 {
    bar.onset_rate_hz * bar.duration_s * bar.coverage.clamp(0.0, 1.0)
}

/// The song's extent in a timeline indexed by bar number; `None` when no bar sounds.
pub fn song_extent(timeline: &[Option<BarStats>]) -> Option<SongExtent> {
    let mut loudness: Vec<f32> = timeline
        .iter()
        .flatten()
        .filter(|b| b.is_sounding())
        .map(|b| b.loudness_lufs)
        .collect();
    if loudness.is_empty() {
        return None;
    }
    loudness.sort_by(f32::total_cmp);
    let median = loudness[loudness.len() / 2];
    let far_below = |b: &BarStats| b.loudness_lufs < median - FAR_BELOW_SONG_LU;
    let quiet = |b: &BarStats| onsets(b) < MIN_ONSETS_PER_BAR;

    let start = timeline.iter().position(|b| match b {
        Some(b) => b.is_sounding() && !(quiet(b) && far_below(b)),
        None => false,
    })?;
    let mut end = timeline.len();
    while end > start + 1 {
        let Some(b) = &timeline[end - 1] else {
            end -= 1;
            continue;
        };
        let before = timeline[end - 2].as_ref().map(|p| p.loudness_lufs);
        let decaying = before.is_some_and(|p| b.loudness_lufs < p - TAIL_DECAY_LU);
        let dropped = before.is_some_and(|p| b.loudness_lufs < p - TAIL_DROP_LU)
            && onsets(b) < TAIL_MAX_ONSETS;
        if !b.is_sounding() || dropped || (quiet(b) && (decaying || far_below(b))) {
            end -= 1;
        } else {
            break;
        }
    }
    Some(SongExtent {
        start_bar: start as i32,
        end_bar: end as i32,
    })
}

/// The timeline with every bar outside the song removed (`None`), for sections and verdict.
pub fn within_song(
    timeline: &[Option<BarStats>],
    extent: Option<SongExtent>,
) -> Vec<Option<BarStats>> {
    timeline
        .iter()
        .enumerate()
        .map(|(i, b)| b.filter(|_| extent.is_some_and(|e| e.contains(i as i32))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::sections::find_sections;
    use crate::density::sections::tests::bar;
    use crate::density::verdict::{VerdictKind, journey_verdict};

    /// A bar with `onsets` onsets in its 2 seconds.
    fn with(index: usize, density: f32, lufs: f32, onsets: f32) -> Option<BarStats> {
        let mut b = bar(index as i32, density, lufs);
        b.onset_rate_hz = onsets / b.duration_s;
        Some(b)
    }

    /// A silent count-in bar, the song's `(bars, density, lufs)` parts with 8 onsets a bar,
    /// then a release tail falling from `tail_from` LUFS 12 LU a bar with no onsets.
    fn bounce(
        parts: &[(usize, f32, f32)],
        tail_bars: usize,
        tail_from: f32,
    ) -> Vec<Option<BarStats>> {
        let mut t = vec![with(0, 0.0, -90.0, 0.0)];
        for &(n, d, l) in parts {
            for _ in 0..n {
                t.push(with(t.len(), d, l, 8.0));
            }
        }
        for k in 0..tail_bars {
            t.push(with(t.len(), 8.0, tail_from - 12.0 * k as f32, 0.0));
        }
        t
    }

    fn judged(t: &[Option<BarStats>]) -> (Option<SongExtent>, VerdictKind, Vec<i32>) {
        let extent = song_extent(t);
        let song = within_song(t, extent);
        let sections = find_sections(&song, 4, &[]);
        let starts = sections.iter().map(|s| s.start_bar).collect();
        (extent, journey_verdict(&song, &sections).kind, starts)
    }

    #[test]
    fn a_wall_of_sound_with_count_in_and_tail_is_still_a_wall() {
        // The failure found on bounces: the 3-bar tail, 27 LU under the song, was judged as a
        // sparse section and the wall became "a journey" against it.
        let t = bounce(&[(32, 80.0, -9.0)], 3, -18.0);
        let (extent, kind, starts) = judged(&t);
        assert_eq!(
            extent,
            Some(SongExtent {
                start_bar: 1,
                end_bar: 33
            })
        );
        assert_eq!(kind, VerdictKind::WallOfSound);
        assert_eq!(starts, vec![1]);
        // Mixed 20 dB quieter, the same.
        let quiet = bounce(&[(32, 80.0, -29.0)], 3, -38.0);
        assert_eq!(judged(&quiet).0, extent);
    }

    #[test]
    fn a_sparse_static_song_with_a_tail_is_little_movement() {
        let t = bounce(&[(16, 20.0, -24.0)], 3, -32.0);
        let (extent, kind, _) = judged(&t);
        assert_eq!(
            extent,
            Some(SongExtent {
                start_bar: 1,
                end_bar: 17
            })
        );
        assert_eq!(kind, VerdictKind::LittleMovement);
    }

    #[test]
    fn the_phrase_grid_counts_from_the_first_bar_of_music() {
        // Verse 8, pre 4, chorus 8 after a one-bar count-in: boundaries 8 and 12 bars into the
        // music, i.e. on bars 9 and 13 of the file (the grid from the file's start put them on
        // 8 and 12).
        let t = bounce(
            &[(8, 25.0, -20.0), (4, 45.0, -16.0), (8, 75.0, -11.0)],
            2,
            -20.0,
        );
        let (extent, kind, starts) = judged(&t);
        assert_eq!(
            extent,
            Some(SongExtent {
                start_bar: 1,
                end_bar: 21
            })
        );
        assert_eq!(kind, VerdictKind::Journey);
        assert_eq!(starts, vec![1, 9, 13]);
    }

    #[test]
    fn held_endings_and_quiet_intros_stay_in_the_song() {
        // A pad held for the last 4 bars (no onsets, no decay) and a quiet intro 18 LU under
        // the chorus in which notes still start are music.
        let mut t = vec![with(0, 15.0, -28.0, 4.0), with(1, 15.0, -28.0, 4.0)];
        for i in 2..18 {
            t.push(with(i, 70.0, -10.0, 8.0));
        }
        for i in 18..22 {
            t.push(with(i, 30.0, -16.0, 0.0));
        }
        assert_eq!(
            song_extent(&t),
            Some(SongExtent {
                start_bar: 0,
                end_bar: 22
            })
        );
        // A reverb tail 20 LU under the last bar with one spurious onset is tail; a quiet
        // outro 14 LU down in which notes start (4 onsets) is music.
        let mut t: Vec<Option<BarStats>> = (0..8).map(|i| with(i, 60.0, -21.0, 8.0)).collect();
        t.push(with(8, 3.0, -41.0, 1.0));
        assert_eq!(song_extent(&t).map(|e| e.end_bar), Some(8));
        t[8] = with(8, 20.0, -35.0, 4.0);
        assert_eq!(song_extent(&t).map(|e| e.end_bar), Some(9));
        // Nothing sounding at all: no song.
        assert_eq!(song_extent(&[with(0, 0.0, -90.0, 0.0), None]), None);
        assert_eq!(song_extent(&[]), None);
    }
}
