//! The low-end clash list in words, one line per pair of tracks and low band ("Kick and Bass
//! both load the sub 20-60 Hz in 4 bars (3-6)"): what the Density Meter's arrangement panel and
//! `catalyst analyze --stems` print, formatted in one place so both say the same thing.

use super::arrangement::ArrangementGrid;
use super::bands::LOW_BAND_NAMES;

/// 0-based bars as 1-based ranges: `[16, 17, 18, 20]` -> "17-19, 21"; with `max_ranges`, the
/// ranges after that many are "...".
pub fn bar_ranges(bars: &[i32], max_ranges: Option<usize>) -> String {
    let mut sorted = bars.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        while i + 1 < sorted.len() && sorted[i + 1] == sorted[i] + 1 {
            i += 1;
        }
        let end = sorted[i];
        parts.push(if end > start {
            format!("{}-{}", start + 1, end + 1)
        } else {
            format!("{}", start + 1)
        });
        i += 1;
    }
    if let Some(max) = max_ranges.filter(|&m| parts.len() > m) {
        parts.truncate(max);
        parts.push("...".to_owned());
    }
    parts.join(", ")
}

/// One line per pair of tracks and low band, in the grid's clash order; a track without a name
/// is "Track ID". `max_ranges` limits the bar ranges of a line (see [`bar_ranges`]).
pub fn clash_lines(grid: &ArrangementGrid, max_ranges: Option<usize>) -> Vec<String> {
    let name = |id: u64| {
        grid.track_name(id)
            .map_or_else(|| format!("Track {id}"), str::to_owned)
    };
    grid.clash_groups()
        .into_iter()
        .map(|((a, b, band), bars)| {
            let band = LOW_BAND_NAMES.get(band).copied().unwrap_or("low end");
            let (a, b) = (name(a), name(b));
            if bars.len() == 1 {
                format!("{a} and {b} both load the {band} in bar {}", bars[0] + 1)
            } else {
                format!(
                    "{a} and {b} both load the {band} in {} bars ({})",
                    bars.len(),
                    bar_ranges(&bars, max_ranges)
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::arrangement::{Clash, TrackRow};

    fn row(id: u64, name: &str) -> TrackRow {
        TrackRow {
            id,
            name: name.to_owned(),
            bus: false,
            cells: Vec::new(),
        }
    }

    fn clash(bar: i32, band: usize, track_a: u64, track_b: u64) -> Clash {
        Clash {
            bar,
            band,
            track_a,
            track_b,
        }
    }

    #[test]
    fn one_line_per_pair_and_band_with_its_bars() {
        // Kick (1) and Bass (2) in the sub band in bars 2-5 and 7, in the low mids once; a
        // track that left the grid (9) is named by its id.
        let mut clashes: Vec<Clash> = (2..6).map(|b| clash(b, 0, 1, 2)).collect();
        clashes.push(clash(7, 0, 1, 2));
        clashes.push(clash(3, 2, 1, 2));
        clashes.push(clash(0, 1, 2, 9));
        let grid = ArrangementGrid {
            tracks: vec![row(1, "Kick"), row(2, "Bass")],
            bars: 8,
            clashes,
        };
        let (sub, third) = (LOW_BAND_NAMES[0], LOW_BAND_NAMES[2]);
        assert_eq!(
            clash_lines(&grid, None),
            vec![
                format!("Kick and Bass both load the {sub} in 5 bars (3-6, 8)"),
                format!("Kick and Bass both load the {third} in bar 4"),
                format!(
                    "Bass and Track 9 both load the {} in bar 1",
                    LOW_BAND_NAMES[1]
                ),
            ]
        );
        assert_eq!(
            clash_lines(&grid, Some(1))[0],
            format!("Kick and Bass both load the {sub} in 5 bars (3-6, ...)")
        );
    }

    #[test]
    fn bar_lists_read_as_one_based_merged_ranges() {
        assert_eq!(bar_ranges(&[16, 17, 18, 20], Some(4)), "17-19, 21");
        assert_eq!(bar_ranges(&[3, 0, 1, 1], Some(4)), "1-2, 4");
        assert_eq!(bar_ranges(&[], Some(4)), "");
        assert_eq!(bar_ranges(&[0, 2, 4, 6], Some(2)), "1, 3, ...");
        assert_eq!(bar_ranges(&[4, 5, 6, 9, 11, 12], None), "5-7, 10, 12-13");
        assert_eq!(bar_ranges(&[0], None), "1");
    }
}
